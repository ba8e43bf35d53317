//! `pve_realm_openid`: an OpenID Connect realm (`type openid` in
//! `domains.cfg`). The options and their encoding live in `realm_common`.

use async_trait::async_trait;
use tfplugin::diag::Diagnostics;
use tfplugin::provider::{ImportRequest, MoveStateRequest, MovedState, Resource, ResourceState};
use tfplugin::schema::{IdentitySchema, Schema};
use tfplugin::value::Value;

use crate::connection::Pve;
use crate::resources::moved::from_bpg;
use crate::resources::realm_common::{
    BpgOption, BpgSecret, COMMON_OPTIONS, Encoding, RealmKind, RealmOption, SecretOption,
};

/// bpg's OpenID realm types (framework, schema version 0): the long name and the short one.
const BPG_TYPES: [&str; 2] = [
    "proxmox_virtual_environment_realm_openid",
    "proxmox_realm_openid",
];

/// bpg's OpenID realm attributes and the PVE options they hold (`scopes`
/// is PVE's space-separated string, `audiences` its comma-separated one).
const BPG_OPTIONS: [BpgOption; 12] = [
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
const BPG_SECRET: BpgSecret = BpgSecret {
    attr: "client_key",
    version_attr: Some("client_key_wo_version"),
};

/// The `pve_realm_openid` resource.
#[derive(Debug)]
pub struct RealmOpenidResource {
    pve: Pve,
    kind: RealmKind,
}

impl RealmOpenidResource {
    pub fn new(pve: &Pve) -> Self {
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
        RealmOpenidResource {
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
        }
    }
}

#[async_trait]
impl Resource for RealmOpenidResource {
    fn type_name(&self) -> &str {
        self.kind.type_name
    }

    fn schema(&self) -> Schema {
        self.kind.schema(
            "An OpenID Connect realm: users log in through an external identity provider (Keycloak, Authentik, Entra ID, …). \
All options PVE accepts for OpenID realms are attributes; unset ones keep PVE's defaults (stated in each description) and stay null in state. \
The client key is write-only. Import with the realm id: `terraform import pve_realm_openid.NAME corp`.",
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
        let resource = RealmOpenidResource::new(&Pve::default());
        for source in BPG_TYPES {
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
