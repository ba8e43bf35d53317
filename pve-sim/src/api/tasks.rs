//! Worker tasks: `GET /nodes/{node}/tasks/{upid}/status` and `/log`, shaped
//! as PVE 9 (pve-manager `PVE::API2::Tasks`) answers them, plus the task
//! registry the workers (realm sync) write their log into.
//!
//! A task log ends with `TASK OK`, `TASK WARNINGS: n` or `TASK ERROR: msg`;
//! the exit status is read from that last line (`upid_read_status`).

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};

use axum::extract::{Extension, Path, Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Router, response::Response};
use serde_json::{Map, Value, json};

use super::ApiResult;
use super::auth::Auth;
use super::error::{ApiError, json_response, ok};
use crate::model::perm;
use crate::server::state::{SharedState, now};

/// One worker task.
#[derive(Debug, Clone)]
struct Task {
    node: String,
    pid: u32,
    pstart: u32,
    starttime: i64,
    kind: String,
    id: String,
    /// The auth id that started it (`user@realm` or `user@realm!token`).
    authid: String,
    lines: Vec<String>,
    running: bool,
}

/// All tasks of this node, by UPID.
#[derive(Debug, Default)]
pub struct TaskRegistry {
    tasks: Mutex<HashMap<String, Task>>,
    next_pid: AtomicU32,
}

impl TaskRegistry {
    fn with<T>(&self, f: impl FnOnce(&mut HashMap<String, Task>) -> T) -> T {
        match self.tasks.lock() {
            Ok(mut tasks) => f(&mut tasks),
            Err(poisoned) => f(&mut poisoned.into_inner()),
        }
    }

    /// Registers a running worker (`fork_worker`) and returns its UPID.
    pub fn start(&self, node: &str, kind: &str, id: &str, authid: &str) -> String {
        let pid = std::process::id()
            .wrapping_add(1)
            .wrapping_add(self.next_pid.fetch_add(1, Ordering::Relaxed));
        let starttime = now();
        // Clock ticks since boot in PVE; any value distinct per task will do.
        let pstart = u32::try_from(starttime & 0x0FFF_FFFF).unwrap_or(0);
        let upid = format!(
            "UPID:{node}:{pid:08X}:{pstart:08X}:{:08X}:{kind}:{id}:{authid}:",
            starttime & 0xFFFF_FFFF
        );
        let task = Task {
            node: node.to_string(),
            pid,
            pstart,
            starttime,
            kind: kind.to_string(),
            id: id.to_string(),
            authid: authid.to_string(),
            lines: Vec::new(),
            running: true,
        };
        self.with(|tasks| tasks.insert(upid.clone(), task));
        upid
    }

    /// Appends one line (without newline) to a task's log.
    pub fn log(&self, upid: &str, line: impl Into<String>) {
        let line = line.into();
        self.with(|tasks| {
            if let Some(task) = tasks.get_mut(upid) {
                task.lines.push(line);
            }
        });
    }

    /// Ends a task: `TASK OK`, or `TASK ERROR: <message>`.
    pub fn finish(&self, upid: &str, result: Result<(), String>) {
        self.with(|tasks| {
            if let Some(task) = tasks.get_mut(upid) {
                task.lines.push(match result {
                    Ok(()) => "TASK OK".to_string(),
                    Err(message) => format!("TASK ERROR: {}", message.trim_end()),
                });
                task.running = false;
            }
        });
    }

    fn get(&self, upid: &str) -> Option<Task> {
        self.with(|tasks| tasks.get(upid).cloned())
    }
}

/// `upid_read_status`: the exit status from the log's last line.
fn exit_status(lines: &[String]) -> String {
    match lines.last().map(String::as_str) {
        None => "unable to read tail (got 0 bytes)".to_string(),
        Some("TASK OK") => "OK".to_string(),
        Some(line) => {
            if let Some(message) = line.strip_prefix("TASK ERROR: ") {
                message.to_string()
            } else if let Some(warnings) = line.strip_prefix("TASK ")
                && warnings.starts_with("WARNINGS: ")
            {
                warnings.to_string()
            } else {
                "unexpected status".to_string()
            }
        }
    }
}

/// `upid_decode`: the UPID's shape (`UPID:node:pid:pstart:starttime:type:id:user:`).
fn well_formed(upid: &str) -> bool {
    let parts: Vec<&str> = upid.split(':').collect();
    let hex = |s: &str, min: usize, max: usize| {
        (min..=max).contains(&s.len()) && s.chars().all(|c| c.is_ascii_hexdigit())
    };
    parts.len() == 9
        && parts[0] == "UPID"
        && !parts[1].is_empty()
        && hex(parts[2], 8, 8)
        && hex(parts[3], 8, 9)
        && hex(parts[4], 8, 8)
        && !parts[5].is_empty()
        && !parts[7].is_empty()
        && parts[8].is_empty()
}

/// `proxyto => 'node'`: only this node answers. PVE fails to resolve an
/// unknown node name; the wording follows pveproxy's lookup error (uncertain
/// for every resolver, chosen as on PVE 9 with glibc).
fn check_node(state: &SharedState, node: &str) -> Result<(), ApiError> {
    match state.cluster_node_online(node) {
        Some(true) => return Ok(()),
        // pveproxy's proxy request to a cluster node that does not answer.
        Some(false) => {
            return Err(ApiError::with_status(
                StatusCode::from_u16(595).unwrap_or(StatusCode::BAD_GATEWAY),
                "No route to host",
            ));
        }
        None => {}
    }
    if node == state.node_name {
        Ok(())
    } else {
        Err(ApiError::internal(format!(
            "hostname lookup '{node}' failed - failed to get address info for: {node}: Name or service not known"
        )))
    }
}

/// `$check_task_user`: owners (a token's user too) read their tasks; anyone
/// else needs Sys.Audit on `/nodes/<node>`.
fn check_access(state: &SharedState, auth: &Auth, node: &str, task: &Task) -> Result<(), ApiError> {
    let Some(caller) = auth.caller() else {
        return Err(ApiError::forbidden(None));
    };
    let task_user = task.authid.split('!').next().unwrap_or(&task.authid);
    if caller.authid == task.authid || caller.authid == task_user {
        return Ok(());
    }
    perm::require(
        &state.read().users,
        &caller.authid,
        &format!("/nodes/{node}"),
        &["Sys.Audit"],
        false,
    )
    .map_err(ApiError::from)
}

async fn status(
    State(state): State<SharedState>,
    Extension(auth): Extension<Auth>,
    Path((node, upid)): Path<(String, String)>,
) -> ApiResult {
    check_node(&state, &node)?;
    if !well_formed(&upid) {
        return Err(ApiError::param("upid", "unable to parse worker upid"));
    }
    let task = state
        .tasks
        .get(&upid)
        .ok_or_else(|| ApiError::param("upid", "no such task"))?;
    check_access(&state, &auth, &node, &task)?;
    let mut out = Map::new();
    // `$convert_token_task`: a token's tasks name the user and the token apart.
    match task.authid.split_once('!') {
        Some((user, token)) => {
            out.insert("user".into(), json!(user));
            out.insert("tokenid".into(), json!(token));
        }
        None => {
            out.insert("user".into(), json!(task.authid));
        }
    }
    out.insert("node".into(), json!(task.node));
    out.insert("pid".into(), json!(task.pid));
    out.insert("pstart".into(), json!(task.pstart));
    out.insert("starttime".into(), json!(task.starttime));
    out.insert("type".into(), json!(task.kind));
    out.insert("id".into(), json!(task.id));
    out.insert("upid".into(), json!(upid));
    if task.running {
        out.insert("status".into(), json!("running"));
    } else {
        out.insert("status".into(), json!("stopped"));
        out.insert("exitstatus".into(), json!(exit_status(&task.lines)));
    }
    Ok(ok(Value::Object(out)))
}

/// An optional non-negative integer query parameter (PVE's type check).
fn count_param(
    query: &BTreeMap<String, String>,
    name: &str,
    default: usize,
) -> Result<usize, ApiError> {
    match query.get(name) {
        None => Ok(default),
        Some(text) => match text.parse::<i64>() {
            Ok(n) if n < 0 => Err(ApiError::param(
                name,
                "value must have a minimum value of 0",
            )),
            Ok(n) => Ok(usize::try_from(n).unwrap_or(usize::MAX)),
            Err(_) => Err(ApiError::param(
                name,
                format!("type check ('integer') failed - got '{text}'"),
            )),
        },
    }
}

async fn log(
    State(state): State<SharedState>,
    Extension(auth): Extension<Auth>,
    Path((node, upid)): Path<(String, String)>,
    Query(query): Query<BTreeMap<String, String>>,
) -> ApiResult {
    check_node(&state, &node)?;
    if !well_formed(&upid) {
        return Err(ApiError::param("upid", "unable to parse worker upid"));
    }
    if let Some(unknown) = query
        .keys()
        .find(|k| !["start", "limit", "download"].contains(&k.as_str()))
    {
        return Err(ApiError::param(
            unknown,
            "property is not defined in schema and the schema does not allow additional properties",
        ));
    }
    let start = count_param(&query, "start", 0)?;
    let limit = count_param(&query, "limit", 50)?;
    // PVE reads the log file without checking the task exists first.
    let lines = match state.tasks.get(&upid) {
        Some(task) => {
            check_access(&state, &auth, &node, &task)?;
            task.lines
        }
        None => vec!["unable to open file - No such file or directory".to_string()],
    };
    Ok(log_response(&lines, start, limit))
}

/// `dump_logfile`: lines numbered from 1, `limit` 0 reads to the end, and
/// `total` counts every line; an empty log reads as one `no content` line.
fn log_response(lines: &[String], start: usize, limit: usize) -> Response {
    let mut total = lines.len();
    let take = if limit == 0 { usize::MAX } else { limit };
    let mut out: Vec<Value> = lines
        .iter()
        .enumerate()
        .skip(start)
        .take(take)
        .map(|(i, t)| json!({ "n": i + 1, "t": t }))
        .collect();
    if total == 0 {
        total = 1;
        out.push(json!({ "n": 1, "t": "no content" }));
    }
    json_response(StatusCode::OK, &json!({ "data": out, "total": total }))
}

/// Routes of this family.
pub fn router() -> Router<SharedState> {
    Router::new()
        .route("/nodes/{node}/tasks/{upid}/status", get(status))
        .route("/nodes/{node}/tasks/{upid}/log", get(log))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_status_reads_the_last_line() {
        let lines = |last: &str| vec!["starting".to_string(), last.to_string()];
        assert_eq!(exit_status(&lines("TASK OK")), "OK");
        assert_eq!(exit_status(&lines("TASK ERROR: boom")), "boom");
        assert_eq!(exit_status(&lines("TASK WARNINGS: 2")), "WARNINGS: 2");
        assert_eq!(exit_status(&lines("still going")), "unexpected status");
    }

    #[test]
    fn upids_are_well_formed() {
        let registry = TaskRegistry::default();
        let upid = registry.start("pve", "auth-realm-sync", "corp", "root@pam!ci");
        assert!(well_formed(&upid), "{upid}");
        assert!(upid.ends_with(":auth-realm-sync:corp:root@pam!ci:"));
        assert!(!well_formed("UPID:pve:1:2:3:x:y:z:"));
        assert!(!well_formed("nope"));
    }
}
