//! Data source `pve_pools`: every pool the caller may audit.

use std::collections::BTreeMap;

use async_trait::async_trait;
use tfplugin::diag::Diagnostics;
use tfplugin::provider::DataSource;
use tfplugin::schema::{Attribute, Block, Schema};
use tfplugin::value::{Type, Value};

use crate::connection::Pve;
use crate::convert;

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

fn pool_type() -> Type {
    Type::Object {
        attributes: BTreeMap::from([
            ("pool_id".to_string(), Type::String),
            ("comment".to_string(), Type::String),
        ]),
        optional: Default::default(),
    }
}

#[async_trait]
impl DataSource for PoolsDataSource {
    fn type_name(&self) -> &str {
        "pve_pools"
    }

    fn schema(&self) -> Schema {
        Schema::new(Block {
            description: "Every Proxmox VE resource pool the provider's credential may audit (`Pool.Audit` on `/pool/<id>`).".into(),
            attributes: vec![Attribute::computed("pools", Type::List(Box::new(pool_type())))
                .description("The pools, sorted by `pool_id` (parents before their children): objects with `pool_id` and `comment` (null when unset).")],
            ..Block::default()
        })
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
        let pools = pools.into_iter().map(|pool| {
            Value::object([
                ("pool_id", Value::string(pool.poolid.as_str())),
                ("comment", convert::opt_string(pool.comment)),
            ])
        });
        Ok(Value::object([("pools", Value::list(pools))]))
    }
}
