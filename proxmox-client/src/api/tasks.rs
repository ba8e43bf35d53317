//! Worker tasks: `/nodes/{node}/tasks/{upid}/status` and `/log`.
//!
//! Long operations (a realm sync, …) answer with a task id, a UPID
//! (`UPID:node:pid:pstart:starttime:type:id:user:`); the task then runs on
//! the node named in it. Its status says `running` or `stopped` and, once
//! stopped, the exit status: `OK`, `WARNINGS: n`, or the error message.

use serde::Deserialize;

use crate::client::ApiRequest;
use crate::params::Params;
use crate::{Client, Error};

/// A task's status (`GET /nodes/{node}/tasks/{upid}/status`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct TaskStatus {
    /// The task id.
    pub upid: String,
    /// The node the task runs on.
    pub node: String,
    /// `running` or `stopped`.
    pub status: String,
    /// Once stopped: `OK`, `WARNINGS: n`, or the task's error message.
    #[serde(default)]
    pub exitstatus: Option<String>,
    /// The worker type, e.g. `auth-realm-sync`.
    #[serde(rename = "type")]
    pub kind: String,
    /// What the task works on, e.g. the realm.
    #[serde(default)]
    pub id: String,
    /// The user who started it (without the token part).
    pub user: String,
    /// The token part, when a token started it.
    #[serde(default)]
    pub tokenid: Option<String>,
    /// Start time, seconds since the epoch.
    #[serde(default)]
    pub starttime: i64,
}

impl TaskStatus {
    /// The task has ended (successfully or not).
    pub fn is_stopped(&self) -> bool {
        self.status == "stopped"
    }

    /// The task ended without error (`OK` or `WARNINGS: n`).
    pub fn succeeded(&self) -> bool {
        self.is_stopped()
            && self
                .exitstatus
                .as_deref()
                .is_some_and(|s| s == "OK" || s.starts_with("WARNINGS: "))
    }
}

/// One line of a task log.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct TaskLogLine {
    /// Line number, from 1.
    pub n: u64,
    /// The text.
    pub t: String,
}

/// The node a UPID names, or an error naming the malformed id.
pub fn upid_node(upid: &str) -> Result<&str, Error> {
    let mut parts = upid.split(':');
    match (parts.next(), parts.next()) {
        (Some("UPID"), Some(node)) if !node.is_empty() => Ok(node),
        _ => Err(Error::InvalidRequest(format!(
            "'{upid}' is not a task id (UPID:node:…)"
        ))),
    }
}

/// Handler for one task. Get one with [`Client::task`].
#[derive(Debug, Clone)]
pub struct TaskHandler<'c> {
    client: &'c Client,
    node: String,
    upid: String,
}

impl Client {
    /// A worker task, by the UPID an API call returned.
    ///
    /// ```no_run
    /// # async fn f(client: proxmox_client::Client, upid: String) -> Result<(), proxmox_client::Error> {
    /// let task = client.task(&upid)?;
    /// let status = task.status().await?;
    /// for line in task.log(0, 0).await? {
    ///     println!("{}", line.t);
    /// }
    /// # drop(status); Ok(()) }
    /// ```
    pub fn task(&self, upid: &str) -> Result<TaskHandler<'_>, Error> {
        Ok(TaskHandler {
            client: self,
            node: upid_node(upid)?.to_owned(),
            upid: upid.to_owned(),
        })
    }
}

impl TaskHandler<'_> {
    fn segments<'a>(&'a self, what: &'a str) -> [&'a str; 5] {
        ["nodes", &self.node, "tasks", &self.upid, what]
    }

    /// The task's status.
    pub async fn status(&self) -> Result<TaskStatus, Error> {
        self.client
            .execute(ApiRequest::get(&self.segments("status")))
            .await
    }

    /// Log lines from line `start` (0-based); `limit` 0 means all the rest.
    pub async fn log(&self, start: u64, limit: u64) -> Result<Vec<TaskLogLine>, Error> {
        let mut query = Params::new();
        query
            .put("start", start.to_string())
            .put("limit", limit.to_string());
        self.client
            .execute(ApiRequest::get(&self.segments("log")).query(query))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_comes_from_the_upid() {
        let upid = "UPID:pve1:0000ABCD:00001234:65000000:auth-realm-sync:corp:root@pam!ci:";
        assert_eq!(upid_node(upid).ok(), Some("pve1"));
        assert!(upid_node("nope").is_err());
        assert!(upid_node("UPID::x").is_err());
    }
}
