//! Create, read, update, delete and import of a realm, shared by the realm
//! resources.

use proxmox_client::RealmId;
use tfplugin::diag::Diagnostics;
use tfplugin::provider::{ImportRequest, ResourceState};
use tfplugin::value::Value;

use super::RealmKind;
use crate::connection::{Connection, Creation, Pve};

impl RealmKind {
    /// Creates the realm; an interrupted create adopts a realm that matches
    /// the request, and an existing realm is an error that says to import it.
    pub async fn create(
        &self,
        pve: &Pve,
        planned: &Value,
        config: &Value,
    ) -> Result<ResourceState, Diagnostics> {
        let realm = self.realm_id(planned)?;
        let request = self.create_request(planned, config)?;
        let connection = pve.connection()?;
        let (id, sent) = (realm.clone(), request.clone());
        connection
            .create_or_adopt(
                &Creation::new("realm", realm.as_str(), self.type_name, "realm"),
                |client| async move { client.domains().create(&id, &sent).await },
                |client| {
                    let id = realm.clone();
                    async move { client.domains().get(&id).await }
                },
                |found| self.matches(found, &request),
            )
            .await?;
        self.read_back(&connection, &realm, planned).await
    }

    /// Reads the realm; gone (or replaced by a realm of another type) is `None`.
    pub async fn read(
        &self,
        pve: &Pve,
        current: &ResourceState,
    ) -> Result<Option<ResourceState>, Diagnostics> {
        let realm = self.realm_id(&current.state)?;
        let connection = pve.connection()?;
        match connection.client().domains().get(&realm).await {
            // A realm of another type under the same name is not this resource.
            Ok(found) if found.realm_type != self.pve_type => Ok(None),
            Ok(found) => Ok(Some(self.decode(&realm, &found, &current.state))),
            Err(error) if error.is_not_found() || is_missing_realm(&error) => Ok(None),
            Err(error) => Err(connection.diagnose(&format!("read realm '{realm}'"), &error)),
        }
    }

    /// Updates the realm in place.
    pub async fn update(
        &self,
        pve: &Pve,
        prior: &ResourceState,
        planned: &Value,
        config: &Value,
    ) -> Result<ResourceState, Diagnostics> {
        let realm = self.realm_id(planned)?;
        let request = self.update_request(&prior.state, planned, config)?;
        let connection = pve.connection()?;
        let nothing_to_send = request.options.is_empty()
            && request.delete.is_empty()
            && request.comment.is_none()
            && request.default.is_none();
        if !nothing_to_send {
            let id = realm.clone();
            connection
                .write(|client| async move { client.domains().update(&id, &request).await })
                .await
                .map_err(|error| connection.diagnose(&format!("update realm '{realm}'"), &error))?;
        }
        self.read_back(&connection, &realm, planned).await
    }

    /// Deletes the realm; already gone is fine.
    pub async fn delete(&self, pve: &Pve, prior: &ResourceState) -> Result<(), Diagnostics> {
        let realm = self.realm_id(&prior.state)?;
        let connection = pve.connection()?;
        let id = realm.clone();
        match connection
            .write(|client| async move { client.domains().delete(&id).await })
            .await
        {
            Ok(()) => Ok(()),
            Err(error) if error.is_not_found() || is_missing_realm(&error) => Ok(()),
            Err(error) => Err(connection.diagnose(&format!("delete realm '{realm}'"), &error)),
        }
    }

    /// Imports by realm id (or identity); the realm must be of this type.
    pub async fn import(
        &self,
        pve: &Pve,
        request: &ImportRequest,
    ) -> Result<Vec<ResourceState>, Diagnostics> {
        let text = crate::convert::import_key(request, "realm");
        let realm: RealmId = text.parse().map_err(|error| {
            Diagnostics::error(
                "Invalid import id",
                format!("{error}. The import id of {} is the realm id, e.g. `terraform import {}.NAME corp`.", self.type_name, self.type_name),
            )
        })?;
        let connection = pve.connection()?;
        match connection.client().domains().get(&realm).await {
            Ok(found) if found.realm_type != self.pve_type => {
                Err(self.wrong_type(&realm, &found.realm_type))
            }
            Ok(found) => Ok(vec![self.decode(&realm, &found, &Value::Null)]),
            Err(error) if error.is_not_found() || is_missing_realm(&error) => {
                Err(Diagnostics::error(
                    format!("Realm '{realm}' does not exist"),
                    "There is no realm with that id on the PVE server, so there is nothing to import.",
                ))
            }
            Err(error) => Err(connection.diagnose(&format!("read realm '{realm}'"), &error)),
        }
    }

    /// The state after a write: what PVE now has, or the plan if the read fails.
    async fn read_back(
        &self,
        connection: &Connection,
        realm: &RealmId,
        planned: &Value,
    ) -> Result<ResourceState, Diagnostics> {
        match connection.client().domains().get(realm).await {
            Ok(found) => Ok(self.decode(realm, &found, planned)),
            Err(error) => {
                Err(connection.diagnose(&format!("read realm '{realm}' after writing it"), &error))
            }
        }
    }

    /// The error for a realm of another type under this resource.
    pub fn wrong_type(&self, realm: &RealmId, found: &str) -> Diagnostics {
        let right = match found {
            "ldap" => "pve_realm_ldap",
            "ad" => "pve_realm_ad",
            "openid" => "pve_realm_openid",
            _ => "",
        };
        let hint = if right.is_empty() {
            format!("Realms of type `{found}` are built in and not managed by this provider.")
        } else {
            format!(
                "Manage it with `{right}` instead, e.g. `terraform import {right}.NAME {realm}`."
            )
        };
        Diagnostics::error(
            format!(
                "Realm '{realm}' is of type '{found}', not '{}'",
                self.pve_type
            ),
            format!(
                "{} manages realms of type `{}`. {hint}",
                self.type_name, self.pve_type
            ),
        )
    }
}

/// PVE answers a missing realm with a 500 `domain 'x' does not exist`.
fn is_missing_realm(error: &proxmox_client::Error) -> bool {
    let text = error.to_string();
    text.contains("does not exist")
}
