//! List resources (Terraform ≥ 1.14, `terraform query`): one file per
//! listed resource type. Each finds the objects of its type on the server,
//! applies the filters of its `config` block, and returns each object's
//! identity — and, when asked (`include_resource = true`, or
//! `terraform query -generate-config-out`), its full state.
//!
//! The full state is produced by the managed resource itself (its import
//! by identity, then its read), so a listed object's state is exactly what
//! importing it yields and generated configuration plans cleanly.

use std::sync::Arc;

use futures::stream::{self, StreamExt, TryStreamExt};
use tfplugin::diag::Diagnostics;
use tfplugin::provider::{ImportRequest, ListResource, ListResult, Resource};
use tfplugin::value::Value;

use crate::connection::Pve;

pub mod acl;
pub mod group;
pub mod pool;
pub mod role;
pub mod user;
pub mod user_token;

/// Every list resource of the provider.
pub fn all(pve: &Pve) -> Vec<Arc<dyn ListResource>> {
    vec![
        Arc::new(user::UserList::new(pve)),
        Arc::new(user_token::UserTokenList::new(pve)),
        Arc::new(role::RoleList::new(pve)),
        Arc::new(acl::AclList::new(pve)),
        Arc::new(group::GroupList::new(pve)),
        Arc::new(pool::PoolList::new(pve)),
    ]
}

/// How many objects' full states are read at the same time.
const STATE_READS_IN_FLIGHT: usize = 4;

/// One object found by a listing, before its state is read.
pub(crate) struct Found {
    pub display_name: String,
    pub identity: Value,
}

/// Turns found objects into list results: at most `limit` of them (Terraform
/// sends the list block's `limit`, 100 by default; 0 or less means no
/// limit), in the given order, each with its full state when `include_state`.
/// Objects that vanish between the listing and the state read are skipped.
pub(crate) async fn results(
    resource: &dyn Resource,
    found: Vec<Found>,
    include_state: bool,
    limit: i64,
) -> Result<Vec<ListResult>, Diagnostics> {
    let limit = usize::try_from(limit)
        .ok()
        .filter(|n| *n > 0)
        .unwrap_or(usize::MAX);
    let found: Vec<Found> = found.into_iter().take(limit).collect();
    if !include_state {
        return Ok(found
            .into_iter()
            .map(|f| ListResult {
                display_name: f.display_name,
                identity: f.identity,
                state: None,
            })
            .collect());
    }
    let results: Vec<Option<ListResult>> = stream::iter(found)
        .map(|f| async move {
            let state = full_state(resource, &f.identity).await?;
            Ok::<_, Diagnostics>(state.map(|state| ListResult {
                display_name: f.display_name,
                identity: f.identity,
                state: Some(state),
            }))
        })
        .buffered(STATE_READS_IN_FLIGHT)
        .try_collect()
        .await?;
    Ok(results.into_iter().flatten().collect())
}

/// The state the resource itself produces for `identity`: import by
/// identity, then read (what `terraform import` and import blocks do).
/// `None` when the object is gone.
async fn full_state(
    resource: &dyn Resource,
    identity: &Value,
) -> Result<Option<Value>, Diagnostics> {
    let request = ImportRequest {
        id: String::new(),
        identity: Some(identity.clone()),
    };
    let imported = resource.import(&request).await?;
    let Some(first) = imported.into_iter().next() else {
        return Ok(None);
    };
    Ok(resource.read(&first).await?.map(|state| state.state))
}

/// The value of an optional string filter; empty counts as unset.
pub(crate) fn text(config: &Value, name: &str) -> Option<String> {
    config
        .get(name)
        .as_str()
        .map(str::to_string)
        .filter(|s| !s.is_empty())
}
