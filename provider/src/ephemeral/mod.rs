//! Ephemeral resources (Terraform ≥ 1.10), one file per Terraform type:
//! values that exist for one run and never touch state or plan files.

use std::sync::Arc;

use tfplugin::provider::EphemeralResource;

use crate::connection::Pve;

pub mod user_token;

/// Every ephemeral resource type of the provider.
pub fn all(pve: &Pve) -> Vec<Arc<dyn EphemeralResource>> {
    vec![Arc::new(user_token::UserTokenEphemeral::new(pve))]
}
