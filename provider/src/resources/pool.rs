//! `pve_pool`: a resource pool, possibly nested (`parent/child`).

use async_trait::async_trait;
use proxmox_client::{CreatePool, PoolId, UpdatePool};
use tfplugin::Model;
use tfplugin::diag::Diagnostics;
use tfplugin::provider::{ImportRequest, MoveStateRequest, MovedState, Resource, ResourceState};
use tfplugin::schema::{IdentitySchema, Schema};
use tfplugin::value::Value;

use crate::connection::{Creation, Pve};
use crate::convert;
use crate::resources::moved::BpgState;

/// The `pve_pool` resource.
#[derive(Debug)]
pub struct PoolResource {
    pve: Pve,
}

impl PoolResource {
    pub fn new(pve: &Pve) -> Self {
        PoolResource { pve: pve.clone() }
    }
}

/// Plan-time check of a pool id, including PVE 9's rule that a new pool's
/// last level starts with a letter.
pub fn check_new_pool_id(text: &str) -> Result<(), String> {
    let pool: PoolId = text
        .parse()
        .map_err(|error| format!("{error}. Use a value like `production` or `production/web`."))?;
    if !pool.leaf().starts_with(|c: char| c.is_ascii_alphabetic()) {
        return Err(format!(
            "PVE 9 requires the pool name `{}` (the last level of `{text}`) to start with a letter.",
            pool.leaf()
        ));
    }
    Ok(())
}

#[async_trait]
impl Resource for PoolResource {
    fn type_name(&self) -> &str {
        "pve_pool"
    }

    fn schema(&self) -> Schema {
        PoolModel::schema()
    }

    fn identity_schema(&self) -> Option<IdentitySchema> {
        PoolModel::identity_schema()
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        let mut diagnostics = Diagnostics::new();
        convert::check_known_string(
            config,
            PoolModel::POOL_ID,
            &mut diagnostics,
            check_new_pool_id,
        );
        // Pool comments live in user.cfg too; `""` keeps meaning "none" here.
        convert::check_known_string(config, PoolModel::COMMENT, &mut diagnostics, |text| {
            if text.is_empty() {
                Ok(())
            } else {
                convert::user_cfg_comment(text)
            }
        });
        diagnostics
    }

    async fn create(&self, planned: &Value, _config: &Value) -> Result<ResourceState, Diagnostics> {
        let model = PoolModel::from_value(planned)?;
        let pool = model.pool()?;
        let connection = self.pve.connection()?;
        let request = CreatePool {
            comment: model.comment.clone().filter(|c| !c.is_empty()),
        };
        let id = pool.clone();
        connection
            .create_or_adopt(
                &Creation::new("pool", pool.as_str(), "pve_pool", PoolModel::POOL_ID),
                |client| async move { client.pools().create(&id, &request).await },
                |client| {
                    let id = pool.clone();
                    async move { client.pools().get(&id).await }
                },
                // PVE stores no empty comment: `""` planned reads back as none.
                |found| {
                    found.comment.as_deref().unwrap_or_default()
                        == model.comment.as_deref().unwrap_or_default()
                },
            )
            .await?;
        Ok(model.to_state())
    }

    async fn read(&self, current: &ResourceState) -> Result<Option<ResourceState>, Diagnostics> {
        let model = PoolModel::from_value(&current.state)?;
        let pool = model.pool()?;
        let connection = self.pve.connection()?;
        // Only the comment is read: the list has it (members it has not).
        let found = match connection.listed_pool(&pool).await {
            Some(found) => Ok(found),
            None => connection.client().pools().get(&pool).await,
        };
        match found {
            Ok(found) => Ok(Some(
                PoolModel {
                    pool_id: model.pool_id.clone(),
                    // PVE drops an empty comment: keep `""` when that is what was configured.
                    comment: found
                        .comment
                        .or_else(|| model.comment.filter(String::is_empty)),
                }
                .to_state(),
            )),
            Err(error) if error.is_not_found() => Ok(None),
            Err(error) => Err(connection.diagnose(&format!("read pool '{pool}'"), &error)),
        }
    }

    async fn update(
        &self,
        _prior: &ResourceState,
        planned: &Value,
        _config: &Value,
    ) -> Result<ResourceState, Diagnostics> {
        let model = PoolModel::from_value(planned)?;
        let pool = model.pool()?;
        let connection = self.pve.connection()?;
        let request = UpdatePool {
            // `""` clears the comment.
            comment: Some(model.comment.clone().unwrap_or_default()),
            ..UpdatePool::default()
        };
        let id = pool.clone();
        connection
            .write(|client| async move { client.pools().update(&id, &request).await })
            .await
            .map_err(|error| connection.diagnose(&format!("update pool '{pool}'"), &error))?;
        Ok(model.to_state())
    }

    async fn delete(&self, prior: &ResourceState) -> Result<(), Diagnostics> {
        let model = PoolModel::from_value(&prior.state)?;
        let pool = model.pool()?;
        let connection = self.pve.connection()?;
        let id = pool.clone();
        connection
            .delete(&format!("delete pool '{pool}'"), |client| async move {
                client.pools().delete(&id).await
            })
            .await
    }

    async fn import(&self, request: &ImportRequest) -> Result<Vec<ResourceState>, Diagnostics> {
        let text = convert::import_key(request, PoolModel::POOL_ID);
        let pool: PoolId = text.parse().map_err(|error| {
            Diagnostics::error(
                "Invalid import id",
                format!("{error}. The import id of pve_pool is the pool id, e.g. `terraform import pve_pool.NAME production/web`."),
            )
        })?;
        let connection = self.pve.connection()?;
        match connection.client().pools().get(&pool).await {
            Ok(found) => Ok(vec![
                PoolModel {
                    pool_id: pool.to_string(),
                    comment: found.comment,
                }
                .to_state(),
            ]),
            Err(error) if error.is_not_found() => Err(Diagnostics::error(
                format!("Pool '{pool}' does not exist"),
                "There is no pool with that id on the PVE server, so there is nothing to import.",
            )),
            Err(error) => Err(connection.diagnose(&format!("read pool '{pool}'"), &error)),
        }
    }

    async fn move_state(
        &self,
        request: &MoveStateRequest,
    ) -> Result<Option<MovedState>, Diagnostics> {
        crate::resources::moved::from_bpg(request, "pve_pool", &BPG_TYPES, from_bpg)
    }
}

/// The state of one `pve_pool`.
#[derive(Debug, Clone, PartialEq, Eq, Model)]
#[tf(
    description = "A Proxmox VE resource pool: a set of guests and storages that ACLs on `/pool/<pool_id>` apply to. \
Pools nest up to three levels (`a/b/c`); a parent must exist first (reference the parent's `pool_id` so Terraform orders them). \
PVE deletes only empty pools. Import with the pool id: `terraform import pve_pool.NAME production/web`."
)]
pub(crate) struct PoolModel {
    #[tf(
        required,
        requires_replace,
        identity = "The pool id.",
        description = "The pool id: up to three `/`-separated levels of letters, digits, `.`, `-`, `_`; each new level must start with a letter. Changing it replaces the pool."
    )]
    pool_id: String,
    #[tf(optional, description = "A free-form comment.")]
    comment: Option<String>,
}

impl PoolModel {
    fn pool(&self) -> Result<PoolId, Diagnostics> {
        convert::parse_id(&self.pool_id, Self::POOL_ID, "production").map_err(Diagnostics::from)
    }
}

/// bpg's pool type (SDKv2, schema version 0; bpg has no short name for it).
const BPG_TYPES: [&str; 1] = ["proxmox_virtual_environment_pool"];

/// bpg's pool state as `pve_pool` state. bpg's read-only `members` list is
/// dropped (`pve_pool_membership` manages members; the pool data source
/// lists them); its `""` comment is unset.
fn from_bpg(bpg: &mut BpgState<'_>) -> Result<ResourceState, Diagnostics> {
    let model = PoolModel {
        pool_id: bpg.required("pool_id"),
        comment: bpg.text("comment"),
    };
    model.pool()?;
    Ok(model.to_state())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_pool_ids_follow_pve_9() {
        assert_eq!(check_new_pool_id("production"), Ok(()));
        assert_eq!(check_new_pool_id("a/b/c"), Ok(()));
        assert!(
            check_new_pool_id("a/b/c/d")
                .unwrap_err()
                .contains("at most 3 levels")
        );
        assert!(
            check_new_pool_id("prod/1st")
                .unwrap_err()
                .contains("start with a letter")
        );
        assert!(
            check_new_pool_id("bad name")
                .unwrap_err()
                .contains("`production/web`")
        );
    }
}

#[cfg(test)]
mod moved_from_bpg {
    use super::*;
    use crate::resources::moved::testing::{moved, refused, request};
    use serde_json::json;

    #[tokio::test]
    async fn moves_bpg_pool() {
        let resource = PoolResource::new(&Pve::default());
        let state = json!({
            "id": "production", "pool_id": "production", "comment": "Prod",
            "members": [{"id": "qemu/100", "node_name": "pve", "type": "qemu", "vm_id": 100, "datastore_id": ""}]
        });
        let moved_pool = moved(
            resource
                .move_state(&request("proxmox_virtual_environment_pool", state))
                .await,
        );
        assert_eq!(moved_pool.state.state.get("comment").as_str(), Some("Prod"));
        assert!(moved_pool.state.state.get("members").is_null());
        assert_eq!(
            moved_pool.state.identity.unwrap().get("pool_id").as_str(),
            Some("production")
        );
        let empty = json!({"pool_id": "staging", "comment": ""});
        let moved_empty = moved(
            resource
                .move_state(&request("proxmox_virtual_environment_pool", empty))
                .await,
        );
        assert!(moved_empty.state.state.get("comment").is_null());
        assert_eq!(
            refused(
                resource
                    .move_state(&request(
                        "proxmox_virtual_environment_pool",
                        json!({"pool_id": 7})
                    ))
                    .await
            ),
            ["Cannot move proxmox_virtual_environment_pool.pool_id to pve_pool"]
        );
    }
}
