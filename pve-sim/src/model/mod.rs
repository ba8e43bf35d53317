//! The access-control configuration model: PVE's `user.cfg`,
//! `priv/token.cfg`, `priv/shadow.cfg` and `domains.cfg`, the built-in roles
//! and privileges, and the permission engine. No HTTP here.
//!
//! # Module map
//! * [`config`]: [`UserConfig`] and its entities ([`User`], [`Token`],
//!   [`Group`], [`Role`], [`Pool`], [`AclNode`]); read helpers such as
//!   [`UserConfig::acl_entries`], [`UserConfig::all_roles`],
//!   [`UserConfig::user_groups`].
//! * `userfile`: [`UserConfig::parse`] / [`UserConfig::parse_file`]
//!   (returns warnings) and [`UserConfig::write`] / [`UserConfig::write_file`]
//!   (PVE's exact text and bytes).
//! * [`error`]: [`ModelError`] (`status`, `message` without trailing `\n`,
//!   per-parameter `errors`). Every message is final: operation prefixes such
//!   as `create user failed: ` are already included where PVE adds them.
//! * [`privileges`]: the 47 PVE 9 privileges and the built-in roles.
//! * [`acl_path`]: path normalisation and the 9.1 ACL path whitelist.
//! * [`ids`]: identifier checks (§3), `split_list`, text escaping.
//! * [`secrets`]: [`TokenSecrets`] (`priv/token.cfg`) and [`Shadow`]
//!   (`priv/shadow.cfg`, SHA-256 crypt hashes).
//! * [`domains`]: [`Domains`] (`domains.cfg`) with realm create/update/delete.
//! * [`realm_secrets`]: [`RealmPasswords`] (`priv/realm/<realm>.pw`, LDAP/AD
//!   bind passwords).
//! * [`state`]: [`State`], all files together: user create with password,
//!   token create/regenerate/delete with secrets, token verification.
//! * [`store`]: [`StateDir`], load from / atomically save to a directory.
//! * [`perm`]: the permission engine ([`perm::permissions`],
//!   [`perm::roles_on_path`], [`perm::check`], [`perm::effective_permissions`])
//!   and the check primitives (`userid-group`, `userid-param`, `perm-modify`,
//!   ACL role delegation, authentication state).
//!
//! Mutations are methods on [`UserConfig`] (and on the secret/domain
//! stores); on error the configuration is left unchanged, on success it looks
//! exactly like PVE's re-read file, while [`UserConfig::file`] keeps the
//! bytes PVE's writer put on disk.

pub mod acl_path;
pub mod config;
pub mod domains;
pub mod error;
pub mod ids;
mod mutate_access;
mod mutate_users;
pub mod perm;
pub mod privileges;
pub mod realm_ops;
pub mod realm_secrets;
pub mod realm_types;
pub mod secrets;
pub mod state;
pub mod store;
mod userfile;

pub use config::{
    AclEntry, AclMemberKind, AclNode, Group, Pool, ROOT_USERID, Role, RoleMap, Token, User,
    UserConfig,
};
pub use domains::{Domains, Realm};
pub use error::{ModelError, ModelResult};
pub use mutate_access::{AclUpdate, PoolUpdate};
pub use mutate_users::{TokenParams, UserCreate, UserUpdate};
pub use realm_secrets::RealmPasswords;
pub use secrets::{Shadow, TokenSecrets};
pub use state::{State, TokenCreated};
pub use store::StateDir;

#[cfg(test)]
mod cfg_tests;
#[cfg(test)]
mod perm_tests;
