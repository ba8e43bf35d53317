//! Ticket login, effective permissions and the server version.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;
use serde_json::Value;

use crate::client::ApiRequest;
use crate::de;
use crate::params::Params;
use crate::{AclPath, AuthId, Client, Error, LoginRequest, Ticket};

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
        self.request_ticket(login).await
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
}
