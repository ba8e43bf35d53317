//! Actions (Terraform ≥ 1.14), one file per Terraform type: operations run
//! on demand (`terraform apply -invoke=action.TYPE.NAME`) or from a
//! resource's `lifecycle.action_trigger`. They have no state.

use std::sync::Arc;

use tfplugin::provider::Action;

use crate::connection::Pve;

pub mod realm_sync;
pub mod user_token_revoke;

/// Every action type of the provider.
pub fn all(pve: &Pve) -> Vec<Arc<dyn Action>> {
    vec![
        Arc::new(realm_sync::RealmSyncAction::new(pve)),
        Arc::new(user_token_revoke::UserTokenRevokeAction::new(pve)),
    ]
}
