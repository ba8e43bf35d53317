//! `pve_realm_ldap`: an LDAP authentication realm (`type ldap` in
//! `domains.cfg`). The options and their encoding live in `realm_common`.

use async_trait::async_trait;
use tfplugin::diag::Diagnostics;
use tfplugin::provider::{ImportRequest, MoveStateRequest, MovedState, Resource, ResourceState};
use tfplugin::schema::{IdentitySchema, Schema};
use tfplugin::value::Value;

use crate::connection::Pve;
use crate::resources::moved::from_bpg;
use crate::resources::realm_common::{
    BpgOption, BpgSecret, COMMON_OPTIONS, DIRECTORY_OPTIONS, Encoding, RealmKind, RealmOption,
    SecretOption,
};

/// bpg's LDAP realm types (framework, schema version 0): the long name and the short one.
const BPG_TYPES: [&str; 2] = [
    "proxmox_virtual_environment_realm_ldap",
    "proxmox_realm_ldap",
];

/// bpg's LDAP realm attributes and the PVE options they hold. bpg names
/// some options its own way (`ca_path`, `ssl_version`, …) and keeps lists,
/// maps and the sync defaults as PVE's strings.
const BPG_OPTIONS: [BpgOption; 22] = [
    ("server1", "server1"),
    ("server2", "server2"),
    ("base_dn", "base_dn"),
    ("bind_dn", "bind_dn"),
    ("user_attr", "user_attr"),
    ("port", "port"),
    ("secure", "secure"),
    ("verify", "verify"),
    ("ca_path", "capath"),
    ("cert_path", "cert"),
    ("cert_key_path", "certkey"),
    ("filter", "filter"),
    ("group_dn", "group_dn"),
    ("group_filter", "group_filter"),
    ("group_classes", "group_classes"),
    ("group_name_attr", "group_name_attr"),
    ("mode", "mode"),
    ("ssl_version", "sslversion"),
    ("user_classes", "user_classes"),
    ("sync_attributes", "sync_attributes"),
    ("sync_defaults_options", "sync-defaults-options"),
    ("case_sensitive", "case-sensitive"),
];

/// bpg keeps the bind password in state; it has no write-only variant.
const BPG_SECRET: BpgSecret = BpgSecret {
    attr: "bind_password",
    version_attr: None,
};

/// The `pve_realm_ldap` resource.
#[derive(Debug)]
pub struct RealmLdapResource {
    pve: Pve,
    kind: RealmKind,
}

impl RealmLdapResource {
    pub fn new(pve: &Pve) -> Self {
        let mut options = vec![
            RealmOption::required(
                "server1",
                "server1",
                Encoding::Text,
                "The LDAP server's host name or IP address.",
            ),
            RealmOption::required(
                "base_dn",
                "base_dn",
                Encoding::Text,
                "The DN under which users are searched, e.g. `ou=people,dc=example,dc=com`.",
            ),
            RealmOption::required(
                "user_attr",
                "user_attr",
                Encoding::Text,
                "The attribute holding the user name, e.g. `uid`.",
            ),
        ];
        options.extend(COMMON_OPTIONS);
        options.extend(DIRECTORY_OPTIONS);
        RealmLdapResource {
            pve: pve.clone(),
            kind: RealmKind {
                type_name: "pve_realm_ldap",
                pve_type: "ldap",
                options,
                secret: SecretOption {
                    attr: "bind_password_wo",
                    version_attr: "bind_password_wo_version",
                    pve: "password",
                    description: "The password of `bind_dn` (Terraform 1.11 or later). Write-only: never stored in plan or state; PVE keeps it in `/etc/pve/priv/realm/<realm>.pw` and never returns it. Sent when the realm is created and whenever `bind_password_wo_version` changes.",
                },
            },
        }
    }
}

#[async_trait]
impl Resource for RealmLdapResource {
    fn type_name(&self) -> &str {
        self.kind.type_name
    }

    fn schema(&self) -> Schema {
        self.kind.schema(
            "An LDAP authentication realm: users `NAME@REALM` log in with their directory password, and `pve_realm_sync` (or a scheduled sync job) imports users and groups. \
All options PVE accepts for LDAP realms are attributes; unset ones keep PVE's defaults (stated in each description) and stay null in state. \
The bind password is write-only. Import with the realm id: `terraform import pve_realm_ldap.NAME corp`.",
        )
    }

    fn identity_schema(&self) -> Option<IdentitySchema> {
        Some(self.kind.identity_schema())
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        self.kind.validate(config)
    }

    async fn create(&self, planned: &Value, config: &Value) -> Result<ResourceState, Diagnostics> {
        self.kind.create(&self.pve, planned, config).await
    }

    async fn read(&self, current: &ResourceState) -> Result<Option<ResourceState>, Diagnostics> {
        self.kind.read(&self.pve, current).await
    }

    async fn update(
        &self,
        prior: &ResourceState,
        planned: &Value,
        config: &Value,
    ) -> Result<ResourceState, Diagnostics> {
        self.kind.update(&self.pve, prior, planned, config).await
    }

    async fn delete(&self, prior: &ResourceState) -> Result<(), Diagnostics> {
        self.kind.delete(&self.pve, prior).await
    }

    async fn import(&self, request: &ImportRequest) -> Result<Vec<ResourceState>, Diagnostics> {
        self.kind.import(&self.pve, request).await
    }

    async fn move_state(
        &self,
        request: &MoveStateRequest,
    ) -> Result<Option<MovedState>, Diagnostics> {
        from_bpg(request, self.kind.type_name, &BPG_TYPES, |bpg| {
            self.kind.state_from_bpg(bpg, &BPG_OPTIONS, &BPG_SECRET)
        })
    }
}

#[cfg(test)]
mod moved_from_bpg {
    use super::*;
    use crate::resources::moved::testing::{moved, refused, request};
    use serde_json::json;

    /// What bpg stores for an LDAP realm with its defaults and a bind password.
    fn bpg_ldap() -> serde_json::Value {
        json!({
            "id": "corp", "realm": "corp", "server1": "ldap.example.com", "server2": null,
            "base_dn": "ou=people,dc=example,dc=com", "bind_dn": "cn=pve,dc=example,dc=com",
            "bind_password": "bind secret", "user_attr": "uid", "port": 636, "secure": false,
            "verify": true, "ca_path": "/etc/ssl/certs/corp.pem", "cert_path": null, "cert_key_path": null,
            "filter": null, "group_dn": "ou=groups,dc=example,dc=com", "group_filter": null,
            "group_classes": "groupOfNames,group", "group_name_attr": "cn", "mode": "ldaps",
            "ssl_version": "tlsv1_2", "user_classes": null,
            "sync_attributes": "email=mail,firstname=givenName",
            "sync_defaults_options": "scope=both,enable-new=1,remove-vanished=acl;entry",
            "comment": "Corporate directory", "default": false, "case_sensitive": true
        })
    }

    #[tokio::test]
    async fn moves_bpg_ldap_realm_with_renames_lists_and_sync_defaults() {
        let resource = RealmLdapResource::new(&Pve::default());
        for source in BPG_TYPES {
            let moved = moved(resource.move_state(&request(source, bpg_ldap())).await);
            let state = &moved.state.state;
            assert_eq!(
                state.get("capath").as_str(),
                Some("/etc/ssl/certs/corp.pem")
            );
            assert_eq!(state.get("sslversion").as_str(), Some("tlsv1_2"));
            assert_eq!(state.get("port").as_i64(), Some(636));
            assert_eq!(state.get("verify").as_bool(), Some(true));
            assert_eq!(state.get("secure").as_bool(), Some(false));
            assert_eq!(state.get("case_sensitive").as_bool(), Some(true));
            assert_eq!(
                crate::convert::strings(state, "group_classes")
                    .unwrap()
                    .unwrap(),
                ["groupOfNames", "group"]
            );
            assert_eq!(
                state.get("sync_attributes").get("firstname").as_str(),
                Some("givenName")
            );
            assert_eq!(state.get("sync_defaults_scope").as_str(), Some("both"));
            assert_eq!(state.get("sync_defaults_enable_new").as_bool(), Some(true));
            assert_eq!(
                crate::convert::strings(state, "sync_defaults_remove_vanished")
                    .unwrap()
                    .unwrap()
                    .len(),
                2
            );
            assert!(state.get("server2").is_null());
            assert!(state.get("bind_password_wo").is_null());
            assert!(state.get("bind_password_wo_version").is_null());
            assert_eq!(state.get("comment").as_str(), Some("Corporate directory"));
            assert_eq!(
                moved.state.identity.unwrap().get("realm").as_str(),
                Some("corp")
            );
            let warning = moved.diagnostics.iter().next().unwrap();
            assert!(warning.summary.contains("bind_password"));
            assert!(!warning.detail.contains("bind secret"));
        }
    }

    #[tokio::test]
    async fn refuses_what_pve_would_refuse() {
        let resource = RealmLdapResource::new(&Pve::default());
        let mut state = bpg_ldap();
        state["ssl_version"] = json!("sslv3");
        let errors = refused(
            resource
                .move_state(&request("proxmox_realm_ldap", state))
                .await,
        );
        assert_eq!(errors.len(), 1, "{errors:?}");
    }
}
