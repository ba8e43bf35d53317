//! Managed resources, one file per Terraform type.

use std::sync::Arc;

use tfplugin::provider::Resource;

use crate::connection::Pve;

pub mod acl;
pub mod group;
mod moved;
pub mod pool;
pub mod pool_membership;
pub mod realm;
pub mod realm_sync;
pub mod role;
pub mod user;
pub mod user_token;

/// Every resource type of the provider.
pub fn all(pve: &Pve) -> Vec<Arc<dyn Resource>> {
    vec![
        Arc::new(user::UserResource::new(pve)),
        Arc::new(user_token::UserTokenResource::new(pve)),
        Arc::new(group::GroupResource::new(pve)),
        Arc::new(role::RoleResource::new(pve)),
        Arc::new(acl::AclResource::new(pve)),
        Arc::new(pool::PoolResource::new(pve)),
        Arc::new(pool_membership::PoolMembershipResource::new(pve)),
        Arc::new(realm::RealmResource::ldap(pve)),
        Arc::new(realm::RealmResource::ad(pve)),
        Arc::new(realm::RealmResource::openid(pve)),
        Arc::new(realm_sync::RealmSyncResource::new(pve)),
    ]
}
