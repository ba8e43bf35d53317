//! Authentication realms (domains): `/access/domains`.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use crate::api::{decode, with_field};
use crate::client::ApiRequest;
use crate::de;
use crate::params::Params;
use crate::{Client, Error, RealmId};

/// A realm as listed by `GET /access/domains`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Domain {
    /// The realm name.
    pub realm: RealmId,
    /// `pam`, `pve`, `ldap`, `ad` or `openid`.
    #[serde(rename = "type")]
    pub realm_type: String,
    /// Comment.
    #[serde(default, deserialize_with = "de::opt_string_nonempty")]
    pub comment: Option<String>,
    /// Legacy realm-wide TFA type (`oath`, `yubico`).
    #[serde(default)]
    pub tfa: Option<String>,
    /// The default realm at login.
    #[serde(default, deserialize_with = "de::bool_lenient")]
    pub default: bool,
}

/// A realm's full configuration (`GET /access/domains/{realm}`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct DomainConfig {
    /// The realm name.
    pub realm: RealmId,
    /// The realm type.
    #[serde(rename = "type")]
    pub realm_type: String,
    /// Comment.
    #[serde(default, deserialize_with = "de::opt_string_nonempty")]
    pub comment: Option<String>,
    /// The default realm at login.
    #[serde(default, deserialize_with = "de::bool_lenient")]
    pub default: bool,
    /// Config digest, for optimistic locking with [`UpdateDomain::digest`].
    #[serde(default)]
    pub digest: Option<String>,
    /// All other type-specific options (`server1`, `base_dn`, `issuer-url`, …).
    #[serde(flatten)]
    pub options: BTreeMap<String, Value>,
}

/// Parameters of realm creation.
///
/// `options` carries type-specific settings by their PVE names, already in
/// PVE's encoding (booleans as `1`/`0`), e.g. `server1`, `base_dn`,
/// `user_attr`, `issuer-url`, `client-id`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct CreateDomain {
    /// `ldap`, `ad` or `openid` (`pam` and `pve` are built in).
    pub realm_type: String,
    /// Comment.
    pub comment: Option<String>,
    /// Make this the default realm.
    pub default: Option<bool>,
    /// Type-specific options. Values are sent verbatim, never logged, and
    /// zeroed when dropped.
    pub options: RealmOptions,
}

/// Parameters of a realm update.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct UpdateDomain {
    /// New comment.
    pub comment: Option<String>,
    /// Make this the default realm.
    pub default: Option<bool>,
    /// Type-specific options to set (never logged, zeroed when dropped).
    pub options: RealmOptions,
    /// Options to reset to their defaults (`delete=a,b`).
    pub delete: Vec<String>,
    /// Refuse the update if the config changed since this digest was read.
    pub digest: Option<String>,
}

/// Type-specific realm options by their PVE names. Values may be secrets
/// (an LDAP bind `password`, an OpenID `client-key`): `Debug` shows the
/// names only, and every value is zeroed when the options are dropped.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct RealmOptions(BTreeMap<String, String>);

impl From<BTreeMap<String, String>> for RealmOptions {
    fn from(options: BTreeMap<String, String>) -> Self {
        RealmOptions(options)
    }
}

impl FromIterator<(String, String)> for RealmOptions {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(iter: I) -> Self {
        RealmOptions(iter.into_iter().collect())
    }
}

impl<'a> IntoIterator for &'a RealmOptions {
    type Item = (&'a String, &'a String);
    type IntoIter = std::collections::btree_map::Iter<'a, String, String>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl std::ops::Deref for RealmOptions {
    type Target = BTreeMap<String, String>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl std::ops::DerefMut for RealmOptions {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

impl Drop for RealmOptions {
    fn drop(&mut self) {
        for value in self.0.values_mut() {
            zeroize::Zeroize::zeroize(value);
        }
    }
}

impl std::fmt::Debug for RealmOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map()
            .entries(self.0.keys().map(|key| (key, "[REDACTED]")))
            .finish()
    }
}

impl std::fmt::Debug for CreateDomain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreateDomain")
            .field("realm_type", &self.realm_type)
            .field("comment", &self.comment)
            .field("default", &self.default)
            .field("options", &self.options)
            .finish()
    }
}

impl std::fmt::Debug for UpdateDomain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UpdateDomain")
            .field("comment", &self.comment)
            .field("default", &self.default)
            .field("options", &self.options)
            .field("delete", &self.delete)
            .field("digest", &self.digest)
            .finish()
    }
}

/// Parameters of `POST /access/domains/{realm}/sync` (LDAP/AD only).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncDomain {
    /// `users`, `groups` or `both` (required unless set in the realm's sync defaults).
    pub scope: Option<String>,
    /// `none` or a `;`-list of `acl`, `properties`, `entry`.
    pub remove_vanished: Option<String>,
    /// Enable new users (PVE default: true).
    pub enable_new: Option<bool>,
    /// Only report what would change.
    pub dry_run: bool,
}

/// Handler for `/access/domains`. Get one with [`Client::domains`].
#[derive(Debug, Clone, Copy)]
pub struct DomainsHandler<'c> {
    client: &'c Client,
}

impl Client {
    /// Realms: list, get, create, update, delete, sync.
    ///
    /// ```no_run
    /// # async fn f(client: proxmox_client::Client) -> Result<(), proxmox_client::Error> {
    /// for realm in client.domains().list().await? {
    ///     println!("{} ({})", realm.realm, realm.realm_type);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn domains(&self) -> DomainsHandler<'_> {
        DomainsHandler { client: self }
    }
}

impl DomainsHandler<'_> {
    /// All realms (needs no authentication).
    pub async fn list(&self) -> Result<Vec<Domain>, Error> {
        self.client
            .execute_list(ApiRequest::get(&["access", "domains"]))
            .await
    }

    /// One realm's configuration.
    pub async fn get(&self, realm: &RealmId) -> Result<DomainConfig, Error> {
        let data: Value = self
            .client
            .execute(ApiRequest::get(&["access", "domains", realm.as_str()]))
            .await?;
        decode(
            "GET",
            &format!("/access/domains/{realm}"),
            with_field(data, "realm", realm.as_str()),
        )
    }

    /// Creates a realm. Not retried after a failure in transit.
    pub async fn create(&self, realm: &RealmId, domain: &CreateDomain) -> Result<(), Error> {
        if domain.realm_type.is_empty() {
            return Err(Error::InvalidRequest(
                "realm_type is empty: set it to 'ldap', 'ad' or 'openid'".into(),
            ));
        }
        let mut p = Params::new();
        p.put("realm", realm.as_str())
            .put("type", domain.realm_type.as_str())
            .opt("comment", domain.comment.as_deref())
            .opt_bool("default", domain.default);
        for (k, v) in &domain.options {
            p.put(k, v.as_str());
        }
        self.client
            .execute_unit(ApiRequest::post(&["access", "domains"]).form(p))
            .await
    }

    /// Updates a realm. Idempotent.
    pub async fn update(&self, realm: &RealmId, update: &UpdateDomain) -> Result<(), Error> {
        let mut p = Params::new();
        p.opt("comment", update.comment.as_deref())
            .opt_bool("default", update.default);
        for (k, v) in &update.options {
            p.put(k, v.as_str());
        }
        p.nonempty_list("delete", &update.delete)
            .opt("digest", update.digest.as_deref());
        self.client
            .execute_unit(
                ApiRequest::put(&["access", "domains", realm.as_str()])
                    .form(p)
                    .idempotent(true),
            )
            .await
    }

    /// Deletes a realm.
    pub async fn delete(&self, realm: &RealmId) -> Result<(), Error> {
        self.client
            .execute_unit(ApiRequest::delete(&["access", "domains", realm.as_str()]))
            .await
    }

    /// Starts a sync of an LDAP/AD realm and returns the task id (UPID).
    pub async fn sync(&self, realm: &RealmId, sync: &SyncDomain) -> Result<String, Error> {
        let mut p = Params::new();
        p.opt("scope", sync.scope.as_deref())
            .opt("remove-vanished", sync.remove_vanished.as_deref())
            .opt_bool("enable-new", sync.enable_new)
            .flag("dry-run", sync.dry_run);
        self.client
            .execute(ApiRequest::post(&["access", "domains", realm.as_str(), "sync"]).form(p))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_and_config_shapes() {
        let d: Vec<Domain> = serde_json::from_value(serde_json::json!([
            {"realm": "pam", "type": "pam", "comment": "Linux PAM"},
            {"realm": "pve", "type": "pve", "default": 1}
        ]))
        .unwrap();
        assert!(d[1].default && !d[0].default);
        let c: DomainConfig = serde_json::from_value(serde_json::json!({
            "realm": "ad1", "type": "ad", "server1": "dc1", "port": 636, "digest": "abc"
        }))
        .unwrap();
        assert_eq!(c.options["server1"], "dc1");
        assert_eq!(c.digest.as_deref(), Some("abc"));
    }

    #[test]
    fn realm_requests_never_debug_option_values() {
        let options: BTreeMap<String, String> =
            [("password".to_owned(), "bind-secret".to_owned())].into();
        let create = CreateDomain {
            realm_type: "ldap".into(),
            options: options.clone().into(),
            ..CreateDomain::default()
        };
        let update = UpdateDomain {
            options: options.into(),
            ..UpdateDomain::default()
        };
        for text in [format!("{create:?}"), format!("{update:?}")] {
            assert!(!text.contains("bind-secret"), "{text}");
            assert!(text.contains("password"), "{text}");
        }
    }
}
