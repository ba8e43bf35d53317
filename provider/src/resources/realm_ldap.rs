//! `pve_realm_ldap`: an LDAP authentication realm (`type ldap` in
//! `domains.cfg`). The options and their encoding live in `realm_common`.

use async_trait::async_trait;
use tfplugin::diag::Diagnostics;
use tfplugin::provider::{ImportRequest, Resource, ResourceState};
use tfplugin::schema::{IdentitySchema, Schema};
use tfplugin::value::Value;

use crate::connection::Pve;
use crate::resources::realm_common::{
    COMMON_OPTIONS, DIRECTORY_OPTIONS, Encoding, RealmKind, RealmOption, SecretOption,
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
}
