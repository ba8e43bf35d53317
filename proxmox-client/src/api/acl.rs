//! Access control lists: `/access/acl`.

use serde::{Deserialize, Deserializer};

use crate::client::ApiRequest;
use crate::de;
use crate::params::Params;
use crate::{AclPath, AclPrincipal, Client, Error, GroupId, RoleId, TokenId, UserId};

/// One ACL entry: a role for a principal on a path.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AclEntry {
    /// The ACL path, e.g. `/vms/100`.
    pub path: AclPath,
    /// Who the entry is for.
    pub principal: AclPrincipal,
    /// The role.
    pub roleid: RoleId,
    /// Whether the entry applies below `path` too.
    pub propagate: bool,
}

impl<'de> Deserialize<'de> for AclEntry {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Raw {
            path: AclPath,
            #[serde(rename = "type")]
            kind: String,
            ugid: String,
            roleid: RoleId,
            #[serde(default = "default_true", deserialize_with = "de::bool_lenient")]
            propagate: bool,
        }
        let raw = Raw::deserialize(d)?;
        let principal =
            AclPrincipal::from_kind(&raw.kind, &raw.ugid).map_err(serde::de::Error::custom)?;
        Ok(Self {
            path: raw.path,
            principal,
            roleid: raw.roleid,
            propagate: raw.propagate,
        })
    }
}

fn default_true() -> bool {
    true
}

/// Parameters of `PUT /access/acl`: roles for principals on a path.
///
/// Used for both [`AclHandler::grant`] and [`AclHandler::revoke`]. There is
/// no `Default`: a default path would be `/`, the most powerful one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AclUpdate {
    /// The ACL path, e.g. `/`, `/vms/100`, `/pool/dev` (§6.5 of the reference).
    /// PVE grants only on the forms of [`AclPath::is_grantable`]; a revoke
    /// may name any path, to remove stale entries.
    pub path: AclPath,
    /// Roles to grant or revoke.
    pub roles: Vec<RoleId>,
    /// Users, groups and tokens (at least one).
    pub principals: Vec<AclPrincipal>,
    /// Propagate down the tree (PVE default: true).
    pub propagate: Option<bool>,
}

impl AclUpdate {
    fn to_params(&self, delete: bool) -> Result<Params, Error> {
        if self.roles.is_empty() {
            return Err(Error::InvalidRequest(
                "ACL update names no role: set `roles`".into(),
            ));
        }
        if self.principals.is_empty() {
            return Err(Error::InvalidRequest(
                "ACL update names no user, group or token: set `principals`".into(),
            ));
        }
        let users: Vec<&UserId> = self
            .principals
            .iter()
            .filter_map(|p| match p {
                AclPrincipal::User(u) => Some(u),
                _ => None,
            })
            .collect();
        let groups: Vec<&GroupId> = self
            .principals
            .iter()
            .filter_map(|p| match p {
                AclPrincipal::Group(g) => Some(g),
                _ => None,
            })
            .collect();
        let tokens: Vec<&TokenId> = self
            .principals
            .iter()
            .filter_map(|p| match p {
                AclPrincipal::Token(t) => Some(t),
                _ => None,
            })
            .collect();
        let mut p = Params::new();
        p.put("path", self.path.as_str())
            .list("roles", &self.roles)
            .nonempty_list("users", &users)
            .nonempty_list("groups", &groups)
            .nonempty_list("tokens", &tokens)
            .opt_bool("propagate", self.propagate)
            .flag("delete", delete);
        Ok(p)
    }
}

/// Handler for `/access/acl`. Get one with [`Client::acl`].
#[derive(Debug, Clone, Copy)]
pub struct AclHandler<'c> {
    client: &'c Client,
}

impl Client {
    /// ACLs: list, grant, revoke.
    ///
    /// ```no_run
    /// # async fn f(client: proxmox_client::Client) -> Result<(), proxmox_client::Error> {
    /// use proxmox_client::AclUpdate;
    /// client.acl().grant(&AclUpdate {
    ///     path: "/vms/100".parse()?,
    ///     roles: vec!["PVEVMUser".parse()?],
    ///     principals: vec!["ci@pve!deploy".parse()?],
    ///     propagate: Some(false),
    /// }).await?;
    /// # Ok(()) }
    /// ```
    pub fn acl(&self) -> AclHandler<'_> {
        AclHandler { client: self }
    }
}

impl AclHandler<'_> {
    /// All ACL entries visible to the caller, one per (path, principal, role).
    pub async fn list(&self) -> Result<Vec<AclEntry>, Error> {
        self.client
            .execute_list(ApiRequest::get(&["access", "acl"]))
            .await
    }

    /// Adds the roles for the principals on the path (re-adding overwrites
    /// `propagate`). Idempotent, so retried on transient errors.
    pub async fn grant(&self, update: &AclUpdate) -> Result<(), Error> {
        self.send(update, false).await
    }

    /// Removes the roles for the principals on the path (`delete=1`); removing
    /// an entry that does not exist is a no-op. Idempotent.
    pub async fn revoke(&self, update: &AclUpdate) -> Result<(), Error> {
        self.send(update, true).await
    }

    async fn send(&self, update: &AclUpdate, delete: bool) -> Result<(), Error> {
        let p = update.to_params(delete)?;
        self.client
            .execute_unit(ApiRequest::put(&["access", "acl"]).form(p).idempotent(true))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_decode_type_and_string_propagate() {
        let entries: Vec<AclEntry> = serde_json::from_value(serde_json::json!([
            {"path": "/", "type": "group", "ugid": "ops", "roleid": "PVEAdmin", "propagate": 1},
            {"path": "/vms/100", "type": "token", "ugid": "a@pve!ci", "roleid": "PVEVMUser", "propagate": "0"},
            {"path": "/x", "type": "user", "ugid": "a@pve", "roleid": "R"}
        ]))
        .unwrap();
        assert_eq!(
            entries[0].principal,
            AclPrincipal::Group("ops".parse().unwrap())
        );
        assert!(entries[0].propagate);
        assert_eq!(entries[1].principal.kind(), "token");
        assert!(!entries[1].propagate);
        assert!(entries[2].propagate, "PVE's default");
    }

    #[test]
    fn update_splits_principals_by_kind() {
        let u = AclUpdate {
            path: "/vms/100".parse().unwrap(),
            roles: vec!["PVEVMUser".parse().unwrap(), "R2".parse().unwrap()],
            principals: vec![
                "a@pve".parse().unwrap(),
                "@ops".parse().unwrap(),
                "b@pve".parse().unwrap(),
                "a@pve!ci".parse().unwrap(),
            ],
            propagate: Some(false),
        };
        assert_eq!(
            u.to_params(true).unwrap().to_form(),
            "path=%2Fvms%2F100&roles=PVEVMUser%2CR2&users=a%40pve%2Cb%40pve&groups=ops&tokens=a%40pve%21ci&propagate=0&delete=1"
        );
        let no_principal = AclUpdate {
            principals: Vec::new(),
            ..u.clone()
        };
        assert!(no_principal.to_params(false).is_err());
        let no_role = AclUpdate {
            roles: Vec::new(),
            ..u
        };
        assert!(no_role.to_params(false).is_err());
    }
}
