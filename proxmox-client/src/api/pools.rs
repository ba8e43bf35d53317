//! Resource pools: `/pools`.
//!
//! Uses the PVE 8.1+ query forms (`PUT /pools?poolid=`, `DELETE /pools?poolid=`,
//! `GET /pools?poolid=`) so nested ids like `a/b` never travel as path segments.

use serde::Deserialize;

use crate::client::ApiRequest;
use crate::de;
use crate::params::Params;
use crate::{ApiError, Client, Error, PoolId};

/// A pool with its members.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct Pool {
    /// The pool id.
    pub poolid: PoolId,
    /// Comment.
    #[serde(default, deserialize_with = "de::opt_string_nonempty")]
    pub comment: Option<String>,
    /// Members (only when one pool is read).
    #[serde(default)]
    pub members: Vec<PoolMember>,
}

/// A guest or storage in a pool.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct PoolMember {
    /// `qemu/100`, `lxc/101` or `storage/<node>/<sid>`.
    pub id: String,
    /// `qemu`, `lxc` or `storage`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The guest id, for guests.
    #[serde(default, deserialize_with = "de::opt_i64_lenient")]
    pub vmid: Option<i64>,
    /// The storage id, for storages.
    #[serde(default)]
    pub storage: Option<String>,
    /// The node.
    #[serde(default)]
    pub node: Option<String>,
    /// The guest name.
    #[serde(default)]
    pub name: Option<String>,
    /// Everything else PVE reports (status, memory, …).
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// Parameters of pool creation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CreatePool {
    /// Comment.
    pub comment: Option<String>,
}

/// Parameters of a pool update.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UpdatePool {
    /// New comment (`""` clears).
    pub comment: Option<String>,
    /// Guests to add (or remove with `delete`).
    pub vms: Vec<u32>,
    /// Storages to add (or remove with `delete`).
    pub storage: Vec<String>,
    /// Remove `vms`/`storage` instead of adding them.
    pub delete: bool,
    /// Move guests that belong to another pool (needs `Pool.Allocate` there).
    pub allow_move: bool,
}

impl UpdatePool {
    fn to_params(&self, poolid: &PoolId) -> Params {
        let mut p = Params::new();
        p.put("poolid", poolid.as_str())
            .opt("comment", self.comment.as_deref())
            .nonempty_list("vms", &self.vms)
            .nonempty_list("storage", &self.storage)
            .flag("delete", self.delete)
            .flag("allow-move", self.allow_move);
        p
    }

    /// A comment-only update can be repeated; member changes cannot (a second
    /// add answers "already a pool member").
    fn is_idempotent(&self) -> bool {
        self.vms.is_empty() && self.storage.is_empty()
    }
}

/// Handler for `/pools`. Get one with [`Client::pools`].
#[derive(Debug, Clone, Copy)]
pub struct PoolsHandler<'c> {
    client: &'c Client,
}

impl Client {
    /// Pools: list, get, create, update (comment, members), delete.
    ///
    /// ```no_run
    /// # async fn f(client: proxmox_client::Client) -> Result<(), proxmox_client::Error> {
    /// use proxmox_client::{PoolId, UpdatePool};
    /// let pool: PoolId = "dev/ci".parse()?;
    /// client.pools().update(&pool, &UpdatePool { vms: vec![100, 101], ..Default::default() }).await?;
    /// # Ok(()) }
    /// ```
    pub fn pools(&self) -> PoolsHandler<'_> {
        PoolsHandler { client: self }
    }
}

impl PoolsHandler<'_> {
    /// All pools the caller may audit (without members).
    pub async fn list(&self) -> Result<Vec<Pool>, Error> {
        self.client.execute_list(ApiRequest::get(&["pools"])).await
    }

    /// One pool with its members (`GET /pools?poolid=`).
    pub async fn get(&self, poolid: &PoolId) -> Result<Pool, Error> {
        let mut q = Params::new();
        q.put("poolid", poolid.as_str());
        let pools: Vec<Pool> = self
            .client
            .execute(ApiRequest::get(&["pools"]).query(q))
            .await?;
        pools
            .into_iter()
            .find(|p| &p.poolid == poolid)
            .ok_or_else(|| {
                Error::NotFound(ApiError {
                    method: "GET".into(),
                    path: "/pools".into(),
                    status: 200,
                    message: format!("pool '{poolid}' does not exist"),
                    errors: Default::default(),
                })
            })
    }

    /// Creates a pool (its parent must exist). Not retried after a failure in transit.
    pub async fn create(&self, poolid: &PoolId, pool: &CreatePool) -> Result<(), Error> {
        let mut p = Params::new();
        p.put("poolid", poolid.as_str())
            .opt("comment", pool.comment.as_deref());
        self.client
            .execute_unit(ApiRequest::post(&["pools"]).form(p))
            .await
    }

    /// Updates a pool (`PUT /pools`, PVE ≥ 8.1).
    pub async fn update(&self, poolid: &PoolId, update: &UpdatePool) -> Result<(), Error> {
        self.client
            .execute_unit(
                ApiRequest::put(&["pools"])
                    .form(update.to_params(poolid))
                    .idempotent(update.is_idempotent()),
            )
            .await
    }

    /// Deletes an empty pool (`DELETE /pools?poolid=`, PVE ≥ 8.1).
    pub async fn delete(&self, poolid: &PoolId) -> Result<(), Error> {
        let mut q = Params::new();
        q.put("poolid", poolid.as_str());
        self.client
            .execute_unit(ApiRequest::delete(&["pools"]).query(q))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_decode_with_extra_fields() {
        let p: Pool = serde_json::from_value(serde_json::json!({
            "poolid": "a/b", "comment": "x",
            "members": [
                {"id": "qemu/100", "type": "qemu", "vmid": 100, "node": "pve1", "status": "running"},
                {"id": "storage/pve1/local", "type": "storage", "storage": "local", "node": "pve1"}
            ]
        }))
        .unwrap();
        assert_eq!(p.members[0].vmid, Some(100));
        assert_eq!(p.members[0].extra["status"], "running");
        assert_eq!(p.members[1].storage.as_deref(), Some("local"));
    }

    #[test]
    fn update_encodes_members_and_flags() {
        let u = UpdatePool {
            vms: vec![100, 101],
            storage: vec!["local".into()],
            delete: true,
            allow_move: false,
            comment: None,
        };
        let id: PoolId = "a/b".parse().unwrap();
        assert_eq!(
            u.to_params(&id).to_form(),
            "poolid=a%2Fb&vms=100%2C101&storage=local&delete=1"
        );
        assert!(!u.is_idempotent());
        assert!(
            UpdatePool {
                comment: Some("c".into()),
                ..Default::default()
            }
            .is_idempotent()
        );
    }
}
