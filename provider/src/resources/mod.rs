//! Managed resources, one file per Terraform type.

use std::sync::Arc;

use tfplugin::provider::Resource;

use crate::connection::Pve;

pub mod acl;
pub mod group;
mod moved;
pub mod pool;
pub mod pool_membership;
pub mod realm_ad;
mod realm_common;
pub mod realm_ldap;
pub mod realm_openid;
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
        Arc::new(realm_ldap::RealmLdapResource::new(pve)),
        Arc::new(realm_ad::RealmAdResource::new(pve)),
        Arc::new(realm_openid::RealmOpenidResource::new(pve)),
        Arc::new(realm_sync::RealmSyncResource::new(pve)),
    ]
}
