//! Ticket login, effective permissions and the server version.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::Deserialize;
use serde_json::Value;

use crate::client::ApiRequest;
use crate::de;
use crate::params::Params;
use crate::{AclPath, AuthId, Client, Error, RealmId, Secret};

/// Parameters of `POST /access/ticket`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoginRequest {
    /// `user@realm`, or a bare name together with `realm`.
    pub username: String,
    /// The password, or a valid ticket to renew it, or (with `tfa_challenge`)
    /// the second-factor response such as `totp:123456`.
    pub password: Secret,
    /// Realm to append to `username`.
    pub realm: Option<RealmId>,
    /// A TOTP code sent with the first factor.
    pub otp: Option<Secret>,
    /// The half-ticket of a `NeedTFA` answer, for the second step.
    pub tfa_challenge: Option<Secret>,
}

/// A login answer. `Debug` redacts the ticket and CSRF token.
#[derive(Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct Ticket {
    /// The authenticated user id.
    pub username: String,
    /// The `PVEAuthCookie` ticket (valid 2 h).
    pub ticket: Secret,
    /// The `CSRFPreventionToken` for writes.
    #[serde(rename = "CSRFPreventionToken")]
    pub csrf_token: Secret,
    /// The user has TFA: `ticket` is a challenge; log in again with
    /// `tfa_challenge` set to it.
    #[serde(default, rename = "NeedTFA", deserialize_with = "de::bool_lenient")]
    pub need_tfa: bool,
    /// The cluster name (clustered nodes, with `Sys.Audit` on `/`).
    #[serde(default)]
    pub clustername: Option<String>,
    /// Capabilities summary for UIs.
    #[serde(default)]
    pub cap: Option<Value>,
}

impl fmt::Debug for Ticket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ticket")
            .field("username", &self.username)
            .field("ticket", &self.ticket)
            .field("csrf_token", &self.csrf_token)
            .field("need_tfa", &self.need_tfa)
            .field("clustername", &self.clustername)
            .finish_non_exhaustive()
    }
}

/// `GET /version`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Version {
    /// pve-manager version, e.g. `9.1.2`.
    pub version: String,
    /// Release, e.g. `9.1`.
    pub release: String,
    /// Git commit of the build.
    #[serde(default)]
    pub repoid: String,
    /// Default console type.
    #[serde(default)]
    pub console: Option<String>,
}

impl Version {
    /// `(major, minor, patch)` of [`Version::version`]; missing parts are 0.
    pub fn parsed(&self) -> (u32, u32, u32) {
        let mut parts = self
            .version
            .split(|c: char| !c.is_ascii_digit())
            .map(|p| p.parse::<u32>().unwrap_or(0));
        (
            parts.next().unwrap_or(0),
            parts.next().unwrap_or(0),
            parts.next().unwrap_or(0),
        )
    }

    /// Whether the version is at least `major.minor`.
    pub fn at_least(&self, major: u32, minor: u32) -> bool {
        let (ma, mi, _) = self.parsed();
        (ma, mi) >= (major, minor)
    }
}

/// Effective privileges per path: `{path: {privilege: propagate}}`.
pub type Permissions = BTreeMap<String, BTreeMap<String, bool>>;

/// Parameters of `GET /access/permissions`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PermissionsQuery {
    /// Whose permissions (default: the caller). Others need `Sys.Audit` on `/access`.
    pub userid: Option<AuthId>,
    /// Only this path. PVE does not normalise this parameter (`/vms/100/`
    /// would answer nothing), which [`AclPath`] already is.
    pub path: Option<AclPath>,
}

impl Client {
    /// Logs in (`POST /access/ticket`) without using or changing the client's
    /// own credentials. A wrong password is an [`Error::Authentication`].
    ///
    /// ```no_run
    /// # async fn f(client: proxmox_client::Client) -> Result<(), proxmox_client::Error> {
    /// use proxmox_client::LoginRequest;
    /// let ticket = client.login(&LoginRequest {
    ///     username: "root@pam".into(),
    ///     password: "secret".into(),
    ///     ..Default::default()
    /// }).await?;
    /// assert!(!ticket.need_tfa);
    /// # Ok(()) }
    /// ```
    pub async fn login(&self, login: &LoginRequest) -> Result<Ticket, Error> {
        let mut p = Params::new();
        p.put("username", login.username.as_str())
            .put("password", login.password.expose())
            .opt("realm", login.realm.as_ref())
            .opt("otp", login.otp.as_ref().map(Secret::expose))
            .opt(
                "tfa-challenge",
                login.tfa_challenge.as_ref().map(Secret::expose),
            );
        let mut req = ApiRequest::post(&["access", "ticket"])
            .form(p)
            // Creating a ticket changes nothing on the server.
            .idempotent(true);
        req.authenticated = false;
        self.execute(req).await
    }

    /// Effective permissions (`GET /access/permissions`).
    ///
    /// ```no_run
    /// # async fn f(client: proxmox_client::Client) -> Result<(), proxmox_client::Error> {
    /// use proxmox_client::PermissionsQuery;
    /// let perms = client.permissions(&PermissionsQuery {
    ///     userid: Some("ci@pve!deploy".parse()?),
    ///     path: Some("/vms/100".parse()?),
    /// }).await?;
    /// let can_start = perms.get("/vms/100").is_some_and(|p| p.contains_key("VM.PowerMgmt"));
    /// # let _ = can_start; Ok(()) }
    /// ```
    pub async fn permissions(&self, query: &PermissionsQuery) -> Result<Permissions, Error> {
        let mut q = Params::new();
        q.opt("userid", query.userid.as_ref())
            .opt("path", query.path.as_ref());
        let data: BTreeMap<String, Value> = self
            .execute(ApiRequest::get(&["access", "permissions"]).query(q))
            .await?;
        let mut out = Permissions::new();
        for (path, privs) in data {
            let mut map = BTreeMap::new();
            match privs {
                Value::Object(obj) => {
                    for (name, v) in obj {
                        let propagate = de::bool_lenient(v).map_err(|e| Error::Decode {
                            method: "GET".into(),
                            path: "/access/permissions".into(),
                            message: e.to_string(),
                        })?;
                        map.insert(name, propagate);
                    }
                }
                other => {
                    let names: BTreeSet<String> =
                        de::privs_from_value(other).map_err(|message| Error::Decode {
                            method: "GET".into(),
                            path: "/access/permissions".into(),
                            message,
                        })?;
                    map.extend(names.into_iter().map(|n| (n, true)));
                }
            }
            out.insert(path, map);
        }
        Ok(out)
    }

    /// The server version (`GET /version`).
    pub async fn version(&self) -> Result<Version, Error> {
        self.execute(ApiRequest::get(&["version"])).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_comparison() {
        let v = Version {
            version: "9.1.2".into(),
            release: "9.1".into(),
            repoid: "abc".into(),
            console: None,
        };
        assert_eq!(v.parsed(), (9, 1, 2));
        assert!(v.at_least(9, 1) && v.at_least(8, 4) && !v.at_least(9, 2));
    }

    #[test]
    fn ticket_debug_is_redacted_and_need_tfa_decodes() {
        let t: Ticket = serde_json::from_value(serde_json::json!({
            "username": "a@pve", "ticket": "PVE:a@pve:6500::SIGNATURE",
            "CSRFPreventionToken": "6500:CSRFSIG", "NeedTFA": 1
        }))
        .unwrap();
        assert!(t.need_tfa);
        let dbg = format!("{t:?}");
        assert!(
            !dbg.contains("SIGNATURE") && !dbg.contains("CSRFSIG"),
            "{dbg}"
        );
    }
}
