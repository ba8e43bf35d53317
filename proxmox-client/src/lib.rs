//! Typed async client for the Proxmox VE access-control API.
//!
//! Users, API tokens, roles, ACLs, groups, pools and realms, plus ticket
//! login, effective permissions and `/version`. The crate knows nothing of
//! Terraform; it is a plain `reqwest` + `rustls` + `serde` client.
//!
//! # Overview
//!
//! ```no_run
//! use proxmox_client::{AclUpdate, Client, CreateToken, CreateUser, Error, UserId};
//!
//! # async fn demo() -> Result<(), Error> {
//! let client = Client::builder("https://pve.example.com:8006")
//!     .api_token("root@pam!terraform=8a6e0b1c-0000-4000-8000-000000000000".parse()?)
//!     .fingerprint("AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99")
//!     .build()?;
//!
//! let ci: UserId = "ci@pve".parse()?;
//! match client.users().create(&ci, &CreateUser::default()).await {
//!     Ok(()) => {}
//!     Err(e) if e.is_conflict() => {} // already there
//!     Err(e) => return Err(e),
//! }
//! let token = client
//!     .tokens(&ci)
//!     .create(&"deploy".parse()?, &CreateToken { privsep: Some(true), ..Default::default() })
//!     .await?;
//! client.acl().grant(&AclUpdate {
//!     path: "/vms".parse()?,
//!     roles: vec!["PVEVMUser".parse()?],
//!     principals: vec![token.id.clone().into()],
//!     propagate: Some(true),
//! }).await?;
//! # Ok(()) }
//! ```
//!
//! # Design
//!
//! * **Handlers per API area**: [`Client::users`], [`Client::tokens`],
//!   [`Client::roles`], [`Client::acl`], [`Client::groups`], [`Client::pools`],
//!   [`Client::domains`], plus [`Client::permissions`], [`Client::version`],
//!   [`Client::login`]. Request structs implement `Default`.
//! * **Validating ids** ([`UserId`], [`TokenId`], [`TokenName`], [`RoleId`],
//!   [`GroupId`], [`PoolId`], [`RealmId`]) check PVE's format on construction;
//!   [`AclPath`] holds an ACL path in PVE's normal form.
//! * **Authentication**: an API token, a password (ticket login with automatic
//!   renewal at 1 h 45 min, one login for all concurrent callers), or a
//!   caller-supplied ticket + CSRF token. See [`Credentials`].
//! * **TLS**: https only; system roots plus optional extra CA PEM; or a pinned
//!   SHA-256 leaf fingerprint ([`Fingerprint`]); or `insecure`; minimum TLS version.
//! * **Errors**: one [`Error`] enum with [`Error::is_not_found`],
//!   [`Error::is_conflict`] and [`Error::is_retryable`]; PVE's texts (which
//!   report most "not found" cases as HTTP 500) are classified for you.
//! * **Retries** ([`RetryPolicy`]): exponential backoff with jitter for
//!   transient errors, only where repeating is safe. Creates that fail in
//!   transit are reported as [`Error::OutcomeUnknown`] instead of being repeated.
//! * **Failover** ([`ClientBuilder::endpoints`]): several nodes of one
//!   cluster; a node that refuses, times out, fails TLS, answers a proxy
//!   error or has lost quorum is skipped for a while (shared by clones), one
//!   login serves every node, a write whose answer was lost is never repeated
//!   elsewhere ([`Error::OutcomeUnknown`]), errors name the node, and all
//!   nodes failing is one [`Error::AllNodesFailed`] listing each.
//! * **Tracing**: one `pve_request` span per attempt (method, path, attempt,
//!   status, duration). Secrets are [`Secret`]s: redacted in `Debug`/`Display`,
//!   never logged.

mod acl_path;
mod auth;
mod builder;
mod client;
mod de;
mod error;
mod failover;
mod ids;
mod params;
mod principals;
mod retry;
mod secret;
mod tls;

pub mod api;

pub use acl_path::{AclPath, AclPathError};
pub use api::access::{Permissions, PermissionsQuery, Version};
pub use api::acl::{AclEntry, AclHandler, AclUpdate};
pub use api::cluster::{ClusterHandler, ClusterResource};
pub use api::domains::{
    CreateDomain, Domain, DomainConfig, DomainsHandler, RealmOptions, SyncDomain, UpdateDomain,
};
pub use api::groups::{CreateGroup, Group, GroupsHandler, UpdateGroup};
pub use api::pools::{CreatePool, Pool, PoolMember, PoolsHandler, UpdatePool};
pub use api::roles::{CreateRole, Role, RolesHandler, UpdateRole};
pub use api::tasks::{TaskHandler, TaskLogLine, TaskStatus, upid_node};
pub use api::tokens::{CreateToken, CreatedToken, TokenInfo, TokensHandler, UpdateToken};
pub use api::users::{ChangePassword, CreateUser, ListUsers, UpdateUser, User, UsersHandler};
pub use auth::{Credentials, DEFAULT_TICKET_RENEW_AFTER, LoginRequest, Ticket};
pub use builder::ClientBuilder;
pub use client::Client;
pub use error::{ApiError, Error, Result};
pub use failover::DEFAULT_UNHEALTHY_FOR;
pub use ids::{GroupId, IdError, PoolId, RealmId, RoleId, TokenId, TokenName, UserId};
pub use principals::{AclPrincipal, ApiToken, AuthId};
pub use retry::RetryPolicy;
pub use secret::Secret;
pub use tls::{Fingerprint, TlsVersion};
