//! `pve_realm_ldap`, `pve_realm_ad` and `pve_realm_openid`: one realm
//! resource type, constructed three ways. Each way is PVE's realm type
//! (`type ldap|ad|openid` in `domains.cfg`), its options (the attributes,
//! see `RealmOption`), its write-only secret and, where bpg has the type,
//! how bpg's state moves over. Everything else is the same code.

use async_trait::async_trait;
use tfplugin::diag::Diagnostics;
use tfplugin::provider::{ImportRequest, MoveStateRequest, MovedState, Resource, ResourceState};
use tfplugin::schema::{IdentitySchema, Schema};
use tfplugin::value::Value;

use super::{
    BpgOption, BpgSecret, COMMON_OPTIONS, DIRECTORY_OPTIONS, Encoding, RealmKind, RealmOption,
    SecretOption,
};
use crate::connection::Pve;
use crate::resources::moved::from_bpg;

/// A realm resource: `pve_realm_ldap`, `pve_realm_ad` or `pve_realm_openid`.
#[derive(Debug)]
pub struct RealmResource {
    pve: Pve,
    kind: RealmKind,
    description: &'static str,
    /// bpg's types of this realm type and how their state maps; `None`: bpg has none.
    bpg: Option<BpgSource>,
}

/// bpg's types of one realm type, its attributes and the secret it keeps.
#[derive(Debug)]
struct BpgSource {
    types: &'static [&'static str],
    options: &'static [BpgOption],
    secret: &'static BpgSecret,
}

impl RealmResource {
    /// An LDAP realm: `pve_realm_ldap`, PVE's `type ldap`.
    pub fn ldap(pve: &Pve) -> Self {
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
        RealmResource {
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
            description: "An LDAP authentication realm: users `NAME@REALM` log in with their directory password, and `pve_realm_sync` (or a scheduled sync job) imports users and groups. \
All options PVE accepts for LDAP realms are attributes; unset ones keep PVE's defaults (stated in each description) and stay null in state. \
The bind password is write-only. Import with the realm id: `terraform import pve_realm_ldap.NAME corp`.",
            bpg: Some(BpgSource {
                types: &LDAP_BPG_TYPES,
                options: &LDAP_BPG_OPTIONS,
                secret: &LDAP_BPG_SECRET,
            }),
        }
    }

    /// An Active Directory realm: `pve_realm_ad`, PVE's `type ad`.
    pub fn ad(pve: &Pve) -> Self {
        let mut options = vec![
            RealmOption::required(
                "server1",
                "server1",
                Encoding::Text,
                "A domain controller's host name or IP address.",
            ),
            RealmOption::required(
                "domain",
                "domain",
                Encoding::Text,
                "The AD domain, e.g. `example.com`; users log in as `NAME@REALM` and bind as `NAME@domain`.",
            ),
            RealmOption::optional(
                "base_dn",
                "base_dn",
                Encoding::Text,
                "The DN under which users are searched for sync, e.g. `dc=example,dc=com`.",
            ),
            RealmOption::optional(
                "user_attr",
                "user_attr",
                Encoding::Text,
                "The attribute holding the user name for sync. PVE's default for AD: `sAMAccountName`.",
            ),
        ];
        options.extend(COMMON_OPTIONS);
        options.extend(DIRECTORY_OPTIONS);
        RealmResource {
            pve: pve.clone(),
            kind: RealmKind {
                type_name: "pve_realm_ad",
                pve_type: "ad",
                options,
                secret: SecretOption {
                    attr: "bind_password_wo",
                    version_attr: "bind_password_wo_version",
                    pve: "password",
                    description: "The password of `bind_dn` (Terraform 1.11 or later). Write-only: never stored in plan or state; PVE keeps it in `/etc/pve/priv/realm/<realm>.pw` and never returns it. Sent when the realm is created and whenever `bind_password_wo_version` changes.",
                },
            },
            description: "A Microsoft Active Directory realm: users `NAME@REALM` log in with their directory password, and `pve_realm_sync` (or a scheduled sync job) imports users and groups. \
All options PVE accepts for AD realms are attributes; unset ones keep PVE's defaults (stated in each description) and stay null in state. \
The bind password is write-only. Import with the realm id: `terraform import pve_realm_ad.NAME corp`.",
            bpg: None,
        }
    }

    /// An OpenID Connect realm: `pve_realm_openid`, PVE's `type openid`.
    pub fn openid(pve: &Pve) -> Self {
        let mut options = vec![
            RealmOption::required("issuer_url", "issuer-url", Encoding::Text, "The OpenID provider's issuer URL, e.g. `https://auth.example.com/realms/main`."),
            RealmOption::required("client_id", "client-id", Encoding::Text, "The client id registered at the OpenID provider."),
            RealmOption::optional("username_claim", "username-claim", Encoding::Text, "The claim that becomes the user name (`subject`, `username`, `email`, or another claim). PVE's default: `subject`. PVE cannot change it later: a change replaces the realm.").fixed(),
            RealmOption::optional("autocreate", "autocreate", Encoding::Bool, "Create unknown users at their first login. PVE's default: false."),
            RealmOption::optional("scopes", "scopes", Encoding::List(" "), "The scopes to request. PVE's default: `email`, `profile` (with `openid` always added)."),
            RealmOption::optional("prompt", "prompt", Encoding::Text, "The OpenID `prompt` parameter, e.g. `login`, `consent`, `select_account` or `none`."),
            RealmOption::optional("acr_values", "acr-values", Encoding::Text, "The authentication context class references to request, space-separated."),
            // PVE 9.1 (pve-access-control 9.1.x): not in the 9.1.3 schema dump of the
            // reference, which predates it; comma-separated as bpg and the simulator's
            // schema take it.
            RealmOption::optional("audiences", "audiences", Encoding::List(","), "Further audiences the issuer may put in the ID token's `aud` claim that PVE accepts besides `client_id` (PVE 9.1 or later)."),
            RealmOption::optional("groups_claim", "groups-claim", Encoding::Text, "The claim holding the user's groups, e.g. `groups`."),
            RealmOption::optional("groups_autocreate", "groups-autocreate", Encoding::Bool, "Create groups from `groups_claim` that do not exist yet. PVE's default: false."),
            RealmOption::optional("groups_overwrite", "groups-overwrite", Encoding::Bool, "Replace a user's groups with those of `groups_claim` at each login. PVE's default: false."),
            RealmOption::optional("query_userinfo", "query-userinfo", Encoding::Bool, "Query the userinfo endpoint for claims. PVE's default: true."),
        ];
        options.extend(COMMON_OPTIONS);
        RealmResource {
            pve: pve.clone(),
            kind: RealmKind {
                type_name: "pve_realm_openid",
                pve_type: "openid",
                options,
                secret: SecretOption {
                    attr: "client_key_wo",
                    version_attr: "client_key_wo_version",
                    pve: "client-key",
                    description: "The client secret registered at the OpenID provider (Terraform 1.11 or later). Write-only: never stored in plan or state, and never read back by the provider (PVE keeps it in `domains.cfg` and shows it to whoever may read the realm's configuration). Sent when the realm is created and whenever `client_key_wo_version` changes. Unset for public clients.",
                },
            },
            description: "An OpenID Connect realm: users log in through an external identity provider (Keycloak, Authentik, Entra ID, …). \
All options PVE accepts for OpenID realms are attributes; unset ones keep PVE's defaults (stated in each description) and stay null in state. \
The client key is write-only. Import with the realm id: `terraform import pve_realm_openid.NAME corp`.",
            bpg: Some(BpgSource {
                types: &OPENID_BPG_TYPES,
                options: &OPENID_BPG_OPTIONS,
                secret: &OPENID_BPG_SECRET,
            }),
        }
    }
}

#[async_trait]
impl Resource for RealmResource {
    fn type_name(&self) -> &str {
        self.kind.type_name
    }

    fn schema(&self) -> Schema {
        self.kind.schema(self.description)
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
        let Some(bpg_source) = &self.bpg else {
            return Ok(None);
        };
        from_bpg(request, self.kind.type_name, bpg_source.types, |bpg| {
            self.kind
                .state_from_bpg(bpg, bpg_source.options, bpg_source.secret)
        })
    }
}

/// bpg's LDAP realm types (framework, schema version 0): the long name and the short one.
const LDAP_BPG_TYPES: [&str; 2] = [
    "proxmox_virtual_environment_realm_ldap",
    "proxmox_realm_ldap",
];

/// bpg's LDAP realm attributes and the PVE options they hold. bpg names
/// some options its own way (`ca_path`, `ssl_version`, …) and keeps lists,
/// maps and the sync defaults as PVE's strings.
const LDAP_BPG_OPTIONS: [BpgOption; 22] = [
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
const LDAP_BPG_SECRET: BpgSecret = BpgSecret {
    attr: "bind_password",
    version_attr: None,
};

/// bpg's OpenID realm types (framework, schema version 0): the long name and the short one.
const OPENID_BPG_TYPES: [&str; 2] = [
    "proxmox_virtual_environment_realm_openid",
    "proxmox_realm_openid",
];

/// bpg's OpenID realm attributes and the PVE options they hold (`scopes`
/// is PVE's space-separated string, `audiences` its comma-separated one).
const OPENID_BPG_OPTIONS: [BpgOption; 12] = [
    ("issuer_url", "issuer-url"),
    ("client_id", "client-id"),
    ("username_claim", "username-claim"),
    ("autocreate", "autocreate"),
    ("scopes", "scopes"),
    ("prompt", "prompt"),
    ("acr_values", "acr-values"),
    ("audiences", "audiences"),
    ("groups_claim", "groups-claim"),
    ("groups_autocreate", "groups-autocreate"),
    ("groups_overwrite", "groups-overwrite"),
    ("query_userinfo", "query-userinfo"),
];

/// bpg keeps `client_key` in state, or sends `client_key_wo` with its version.
const OPENID_BPG_SECRET: BpgSecret = BpgSecret {
    attr: "client_key",
    version_attr: Some("client_key_wo_version"),
};

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod ldap_from_bpg {
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
        let resource = RealmResource::ldap(&Pve::default());
        for source in LDAP_BPG_TYPES {
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
        let resource = RealmResource::ldap(&Pve::default());
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod openid_from_bpg {
    use super::*;
    use crate::resources::moved::testing::{moved, request};
    use serde_json::json;

    fn bpg_openid() -> serde_json::Value {
        json!({
            "id": "sso", "realm": "sso", "issuer_url": "https://auth.example.com/realms/main",
            "client_id": "pve", "client_key": "client secret", "client_key_wo_version": null,
            "autocreate": true, "username_claim": "username", "groups_claim": "groups",
            "groups_autocreate": false, "groups_overwrite": false, "scopes": "openid email profile",
            "prompt": null, "acr_values": null, "audiences": "pve,pve-cli", "query_userinfo": true,
            "comment": "", "default": false
        })
    }

    #[tokio::test]
    async fn moves_bpg_openid_realm_with_scopes_and_audiences_as_lists() {
        let resource = RealmResource::openid(&Pve::default());
        for source in OPENID_BPG_TYPES {
            let moved = moved(resource.move_state(&request(source, bpg_openid())).await);
            let state = &moved.state.state;
            assert_eq!(
                crate::convert::strings(state, "scopes").unwrap().unwrap(),
                ["openid", "email", "profile"]
            );
            assert_eq!(
                crate::convert::strings(state, "audiences")
                    .unwrap()
                    .unwrap(),
                ["pve", "pve-cli"]
            );
            assert_eq!(state.get("username_claim").as_str(), Some("username"));
            assert_eq!(state.get("autocreate").as_bool(), Some(true));
            assert!(state.get("comment").is_null(), "bpg's \"\" is unset");
            assert!(state.get("client_key_wo").is_null());
            assert_eq!(moved.diagnostics.len(), 1, "the client key is not moved");
        }
        let mut write_only = bpg_openid();
        write_only["client_key"] = json!(null);
        write_only["client_key_wo_version"] = json!(3);
        let moved = moved(
            resource
                .move_state(&request("proxmox_realm_openid", write_only))
                .await,
        );
        assert_eq!(
            moved.state.state.get("client_key_wo_version").as_i64(),
            Some(3)
        );
        assert!(moved.diagnostics.is_empty());
    }
}
