//! Cluster-wide reads: `GET /cluster/resources`.

use serde::Deserialize;

use crate::client::ApiRequest;
use crate::de;
use crate::params::Params;
use crate::{Client, Error};

/// One entry of `GET /cluster/resources`: a guest, storage, node, pool or
/// SDN zone, as far as the caller may audit it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct ClusterResource {
    /// `qemu/100`, `lxc/101`, `storage/<node>/<sid>`, `node/<node>`, …
    pub id: String,
    /// `qemu`, `lxc`, `storage`, `node`, `pool`, `sdn`, …
    #[serde(rename = "type")]
    pub kind: String,
    /// The node it is on (guests, storages, nodes).
    #[serde(default)]
    pub node: Option<String>,
    /// The guest id (guests).
    #[serde(default, deserialize_with = "de::opt_i64_lenient")]
    pub vmid: Option<i64>,
    /// The guest name (guests).
    #[serde(default)]
    pub name: Option<String>,
    /// `running`, `stopped`, `online`, `available`, …
    #[serde(default)]
    pub status: Option<String>,
    /// Guest tags, `;`-separated as PVE sends them.
    #[serde(default, deserialize_with = "de::opt_string_nonempty")]
    pub tags: Option<String>,
    /// The storage id (storages).
    #[serde(default)]
    pub storage: Option<String>,
    /// The pool the guest or storage belongs to (shown with `Pool.Audit`).
    #[serde(default, deserialize_with = "de::opt_string_nonempty")]
    pub pool: Option<String>,
    /// Whether the guest is a template.
    #[serde(default, deserialize_with = "de::opt_bool_lenient")]
    pub template: Option<bool>,
}

impl ClusterResource {
    /// The guest's tags (PVE separates them with `;`, `,` or spaces).
    pub fn tag_list(&self) -> Vec<String> {
        self.tags
            .as_deref()
            .unwrap_or_default()
            .split([';', ',', ' '])
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect()
    }
}

/// Handler for `/cluster`. Get one with [`Client::cluster`].
#[derive(Debug, Clone, Copy)]
pub struct ClusterHandler<'c> {
    client: &'c Client,
}

impl Client {
    /// Cluster-wide reads.
    pub fn cluster(&self) -> ClusterHandler<'_> {
        ClusterHandler { client: self }
    }
}

impl ClusterHandler<'_> {
    /// `GET /cluster/resources[?type=vm|storage|node|sdn]`: what the caller
    /// may audit.
    pub async fn resources(&self, kind: Option<&str>) -> Result<Vec<ClusterResource>, Error> {
        let mut q = Params::new();
        q.opt("type", kind);
        self.client
            .execute_list(ApiRequest::get(&["cluster", "resources"]).query(q))
            .await
    }
}
