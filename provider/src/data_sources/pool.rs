//! Data source `pve_pool`: one pool and its members.

use std::collections::BTreeMap;

use async_trait::async_trait;
use proxmox_client::PoolId;
use tfplugin::diag::Diagnostics;
use tfplugin::provider::DataSource;
use tfplugin::schema::{Attribute, Block, Schema};
use tfplugin::value::{Type, Value};

use crate::connection::Pve;
use crate::convert;

/// The `pve_pool` data source.
#[derive(Debug)]
pub struct PoolDataSource {
    pve: Pve,
}

impl PoolDataSource {
    pub fn new(pve: &Pve) -> Self {
        PoolDataSource { pve: pve.clone() }
    }
}

fn member_type() -> Type {
    Type::Object {
        attributes: BTreeMap::from([
            ("id".to_string(), Type::String),
            ("type".to_string(), Type::String),
            ("vm_id".to_string(), Type::Number),
            ("storage_id".to_string(), Type::String),
            ("node".to_string(), Type::String),
            ("name".to_string(), Type::String),
        ]),
        optional: Default::default(),
    }
}

#[async_trait]
impl DataSource for PoolDataSource {
    fn type_name(&self) -> &str {
        "pve_pool"
    }

    fn schema(&self) -> Schema {
        Schema::new(Block {
            description: "One Proxmox VE resource pool: its comment and its guests and storages.".into(),
            attributes: vec![
                Attribute::required("pool_id", Type::String).description("The pool id, e.g. `production` or `production/web`."),
                Attribute::computed("comment", Type::String).description("The pool's comment (null when unset)."),
                Attribute::computed("members", Type::List(Box::new(member_type()))).description(
                    "The members, as PVE lists them: objects with `id` (`qemu/100`, `lxc/101`, `storage/<node>/<storage>`), `type` (`qemu`, `lxc` or `storage`), `vm_id` (guests), `storage_id` (storages), `node` and `name` (null where PVE gives none).",
                ),
            ],
            ..Block::default()
        })
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        let mut diagnostics = Diagnostics::new();
        convert::check_known_string(config, "pool_id", &mut diagnostics, |text| {
            text.parse::<PoolId>()
                .map(drop)
                .map_err(|error| format!("{error}. Use a value like `production`."))
        });
        diagnostics
    }

    async fn read(&self, config: &Value) -> Result<Value, Diagnostics> {
        let pool = convert::id_attr::<PoolId>(config, "pool_id", "production")?;
        let connection = self.pve.connection()?;
        let found = match connection.client().pools().get(&pool).await {
            Ok(found) => found,
            Err(error) if error.is_not_found() => {
                return Err(Diagnostics::from(convert::invalid(
                    "pool_id",
                    format!("PVE has no pool '{pool}'."),
                )));
            }
            Err(error) => return Err(connection.diagnose(&format!("read pool '{pool}'"), &error)),
        };
        let members = found.members.into_iter().map(|member| {
            Value::object([
                ("id", Value::string(member.id)),
                ("type", Value::string(member.kind)),
                ("vm_id", member.vmid.map_or(Value::Null, Value::from)),
                ("storage_id", convert::opt_string(member.storage)),
                ("node", convert::opt_string(member.node)),
                ("name", convert::opt_string(member.name)),
            ])
        });
        Ok(Value::object([
            ("pool_id", Value::string(pool.as_str())),
            ("comment", convert::opt_string(found.comment)),
            ("members", Value::list(members)),
        ]))
    }
}
