//! `list "pve_pool"`: the resource pools of the server, nested ones included.

use async_trait::async_trait;
use tfplugin::Model;
use tfplugin::diag::Diagnostics;
use tfplugin::provider::{ListResource, ListResult};
use tfplugin::schema::Schema;
use tfplugin::value::Value;

use crate::connection::Pve;
use crate::list::{Found, results, text};
use crate::resources::pool::{PoolModel, PoolResource};

/// The `pve_pool` list resource.
#[derive(Debug)]
pub struct PoolList {
    pve: Pve,
    resource: PoolResource,
}

impl PoolList {
    pub fn new(pve: &Pve) -> Self {
        PoolList {
            pve: pve.clone(),
            resource: PoolResource::new(pve),
        }
    }
}

#[async_trait]
impl ListResource for PoolList {
    fn type_name(&self) -> &str {
        "pve_pool"
    }

    fn schema(&self) -> Schema {
        PoolListModel::schema()
    }

    async fn list(
        &self,
        config: &Value,
        include_state: bool,
        limit: i64,
    ) -> Result<Vec<ListResult>, Diagnostics> {
        let connection = self.pve.connection()?;
        let mut pools = connection
            .client()
            .pools()
            .list()
            .await
            .map_err(|error| connection.diagnose("list pools", &error))?;
        pools.sort_by(|a, b| a.poolid.as_str().cmp(b.poolid.as_str()));
        let prefix = text(config, PoolListModel::PREFIX).unwrap_or_default();
        let found = pools
            .into_iter()
            .filter(|pool| pool.poolid.as_str().starts_with(&prefix))
            .map(|pool| Found {
                display_name: pool.poolid.to_string(),
                identity: Value::object([(
                    PoolModel::POOL_ID,
                    Value::string(pool.poolid.as_str()),
                )]),
            })
            .collect();
        results(&self.resource, found, include_state, limit).await
    }
}

/// The configuration of `list "pve_pool"`.
#[derive(Debug, Clone, PartialEq, Eq, Model)]
#[tf(
    description = "Lists resource pools, sorted by pool id, so that a parent comes before its children."
)]
struct PoolListModel {
    #[tf(
        optional,
        description = "Only pools whose id starts with this text; `production/` lists the children of `production`."
    )]
    prefix: Option<String>,
}
