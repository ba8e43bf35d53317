//! Data source `pve_pools`: every pool the caller may audit.

use async_trait::async_trait;
use tfplugin::Model;
use tfplugin::diag::Diagnostics;
use tfplugin::provider::DataSource;
use tfplugin::schema::Schema;
use tfplugin::value::Value;

use crate::connection::Pve;

/// The `pve_pools` data source.
#[derive(Debug)]
pub struct PoolsDataSource {
    pve: Pve,
}

impl PoolsDataSource {
    pub fn new(pve: &Pve) -> Self {
        PoolsDataSource { pve: pve.clone() }
    }
}

#[async_trait]
impl DataSource for PoolsDataSource {
    fn type_name(&self) -> &str {
        "pve_pools"
    }

    fn schema(&self) -> Schema {
        PoolsModel::schema()
    }

    async fn read(&self, _config: &Value) -> Result<Value, Diagnostics> {
        let connection = self.pve.connection()?;
        let mut pools = connection
            .client()
            .pools()
            .list()
            .await
            .map_err(|error| connection.diagnose("list pools", &error))?;
        pools.sort_by(|a, b| a.poolid.cmp(&b.poolid));
        let model = PoolsModel {
            pools: pools
                .into_iter()
                .map(|pool| PoolEntry {
                    pool_id: pool.poolid.to_string(),
                    comment: pool.comment,
                })
                .collect(),
        };
        Ok(model.to_value())
    }
}

/// The state of data `pve_pools`.
#[derive(Debug, Clone, PartialEq, Eq, Model)]
#[tf(
    description = "Every Proxmox VE resource pool the provider's credential may audit (`Pool.Audit` on `/pool/<id>`)."
)]
struct PoolsModel {
    #[tf(
        computed,
        description = "The pools, sorted by `pool_id` (parents before their children): objects with `pool_id` and `comment` (null when unset)."
    )]
    pools: Vec<PoolEntry>,
}

/// One entry of `pve_pools.pools`.
#[derive(Debug, Clone, PartialEq, Eq, Model)]
struct PoolEntry {
    #[tf(computed)]
    pool_id: String,
    #[tf(computed)]
    comment: Option<String>,
}
