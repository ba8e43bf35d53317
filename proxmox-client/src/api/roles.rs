//! Roles: `/access/roles`.

use std::collections::BTreeSet;

use serde::Deserialize;
use serde_json::Value;

use crate::client::ApiRequest;
use crate::de;
use crate::params::Params;
use crate::{Client, Error, RoleId};

/// A role and its privileges.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Role {
    /// The role name.
    pub roleid: RoleId,
    /// Its privileges (sorted).
    #[serde(default, deserialize_with = "de::privs_lenient")]
    pub privs: BTreeSet<String>,
    /// A built-in role (read-only). Only the list reports this; [`RolesHandler::get`]
    /// infers it from the `PVE` namespace and the two other built-ins.
    #[serde(default, deserialize_with = "de::bool_lenient")]
    pub special: bool,
}

/// Parameters of role creation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CreateRole {
    /// Privileges, e.g. `VM.Audit` (a role with none is allowed).
    pub privs: Vec<String>,
}

/// Parameters of a role update.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UpdateRole {
    /// The privileges: replace the role's set, or add to it with `append`.
    pub privs: Vec<String>,
    /// Add `privs` instead of replacing.
    pub append: bool,
}

/// Handler for `/access/roles`. Get one with [`Client::roles`].
#[derive(Debug, Clone, Copy)]
pub struct RolesHandler<'c> {
    client: &'c Client,
}

impl Client {
    /// Roles: list, get, create, update, delete.
    ///
    /// ```no_run
    /// # async fn f(client: proxmox_client::Client) -> Result<(), proxmox_client::Error> {
    /// use proxmox_client::{CreateRole, RoleId};
    /// let role: RoleId = "Auditor2".parse()?;
    /// client.roles().create(&role, &CreateRole { privs: vec!["VM.Audit".into()] }).await?;
    /// # Ok(()) }
    /// ```
    pub fn roles(&self) -> RolesHandler<'_> {
        RolesHandler { client: self }
    }
}

impl RolesHandler<'_> {
    /// All roles, built-in ones included.
    pub async fn list(&self) -> Result<Vec<Role>, Error> {
        self.client
            .execute_list(ApiRequest::get(&["access", "roles"]))
            .await
    }

    /// One role (PVE answers a privilege map `{"VM.Audit": 1}`).
    pub async fn get(&self, roleid: &RoleId) -> Result<Role, Error> {
        let data: Value = self
            .client
            .execute(ApiRequest::get(&["access", "roles", roleid.as_str()]))
            .await?;
        let privs = de::privs_from_value(data).map_err(|message| Error::Decode {
            method: "GET".into(),
            path: format!("/access/roles/{roleid}"),
            message,
        })?;
        Ok(Role {
            special: roleid.is_reserved_for_builtin()
                || matches!(roleid.as_str(), "Administrator" | "NoAccess"),
            roleid: roleid.clone(),
            privs,
        })
    }

    /// Creates a custom role. Not retried after a failure in transit.
    pub async fn create(&self, roleid: &RoleId, role: &CreateRole) -> Result<(), Error> {
        let mut p = Params::new();
        p.put("roleid", roleid.as_str())
            .nonempty_list("privs", &role.privs);
        self.client
            .execute_unit(ApiRequest::post(&["access", "roles"]).form(p))
            .await
    }

    /// Updates a role's privileges. Idempotent unless `append` is set.
    pub async fn update(&self, roleid: &RoleId, update: &UpdateRole) -> Result<(), Error> {
        let mut p = Params::new();
        p.list("privs", &update.privs).flag("append", update.append);
        self.client
            .execute_unit(
                ApiRequest::put(&["access", "roles", roleid.as_str()])
                    .form(p)
                    .idempotent(!update.append),
            )
            .await
    }

    /// Deletes a custom role.
    pub async fn delete(&self, roleid: &RoleId) -> Result<(), Error> {
        self.client
            .execute_unit(ApiRequest::delete(&["access", "roles", roleid.as_str()]))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_entry_with_comma_privs_and_int_special() {
        let r: Role = serde_json::from_value(serde_json::json!(
            {"roleid": "PVEAuditor", "privs": "Sys.Audit,VM.Audit", "special": 1}
        ))
        .unwrap();
        assert!(r.special);
        assert_eq!(r.privs.len(), 2);
        let r: Role = serde_json::from_value(serde_json::json!(
            {"roleid": "NoAccess", "privs": "", "special": "1"}
        ))
        .unwrap();
        assert!(r.privs.is_empty() && r.special);
        let r: Role = serde_json::from_value(serde_json::json!({"roleid": "Mine"})).unwrap();
        assert!(!r.special);
    }
}
