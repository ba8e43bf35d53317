//! Data sources, one file per Terraform type.

use std::sync::Arc;

use tfplugin::provider::DataSource;

use crate::connection::Pve;

pub mod access_audit;
pub mod acls;
pub mod group;
pub mod groups;
pub mod permissions;
pub mod pool;
pub mod pools;
pub mod resources;
pub mod role;
pub mod roles;
pub mod user;
pub mod user_token;
pub mod user_tokens;
pub mod users;
pub mod version;

/// Every data source type of the provider.
pub fn all(pve: &Pve) -> Vec<Arc<dyn DataSource>> {
    vec![
        Arc::new(user::UserDataSource::new(pve)),
        Arc::new(users::UsersDataSource::new(pve)),
        Arc::new(user_token::UserTokenDataSource::new(pve)),
        Arc::new(user_tokens::UserTokensDataSource::new(pve)),
        Arc::new(group::GroupDataSource::new(pve)),
        Arc::new(groups::GroupsDataSource::new(pve)),
        Arc::new(role::RoleDataSource::new(pve)),
        Arc::new(roles::RolesDataSource::new(pve)),
        Arc::new(pool::PoolDataSource::new(pve)),
        Arc::new(pools::PoolsDataSource::new(pve)),
        Arc::new(resources::ResourcesDataSource::new(pve)),
        Arc::new(acls::AclsDataSource::new(pve)),
        Arc::new(permissions::PermissionsDataSource::new(pve)),
        Arc::new(version::VersionDataSource::new(pve)),
        Arc::new(access_audit::AccessAuditDataSource::new(pve)),
    ]
}
