//! Realm create/update/delete on the whole [`State`]: `domains.cfg` plus the
//! plugin hooks PVE runs beside it (pve-access-control
//! `src/PVE/API2/Domains.pm` create/update/delete, `src/PVE/Auth/LDAP.pm`
//! `on_add_hook`/`on_update_hook`/`on_delete_hook`/`check_connection`).

use std::collections::BTreeMap;

use super::error::{ModelError, ModelResult};
use super::realm_types;
use super::state::State;

/// One POST or PUT on `/access/domains[/{realm}]`.
#[derive(Clone, Copy)]
pub struct RealmRequest<'a> {
    /// Options to store (without `password`).
    pub options: &'a BTreeMap<String, String>,
    /// `delete` (update only).
    pub delete: &'a [String],
    /// The `password` parameter: the LDAP/AD bind password.
    pub password: Option<&'a str>,
    /// `check-connection`.
    pub check_connection: Option<bool>,
    /// Whether the realm's directory server answers (the simulator's
    /// stand-in for the connection `check-connection` opens).
    pub server_reachable: bool,
}

impl std::fmt::Debug for RealmRequest<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RealmRequest")
            .field("options", &self.options.keys().collect::<Vec<_>>())
            .field("delete", &self.delete)
            .field("password", &self.password.map(|_| "<redacted>"))
            .field("check_connection", &self.check_connection)
            .finish()
    }
}

/// The error a sync or connection check reports when the realm's server
/// does not answer: Net::LDAP's connect error as PVE passes it on (uncertain
/// in detail across IO::Socket versions; this is PVE 9's).
pub fn unreachable_error(server: &str) -> String {
    format!("{server}: IO::Socket::IP: connect: Connection refused")
}

/// Whether realm type `kind` has a bind password (`password` is one of its
/// options: ldap and ad).
fn keeps_bind_password(kind: &str) -> bool {
    realm_types::need(kind, "password").is_some()
}

impl State {
    /// POST /access/domains. As in PVE the password is extracted before the
    /// option checks; LDAP/AD write it to `priv/realm/<realm>.pw`, or remove
    /// a leftover file when none is given (`on_add_hook`); other types
    /// ignore it (PVE warns `ignoring password parameter`). Then the
    /// optional connection check, with the password just given. Every
    /// error returns `self` as PVE leaves its files after the same `die`:
    /// unchanged, except after a failed connection check (see
    /// [`Self::checked`]).
    pub fn create_realm(
        &mut self,
        realm: &str,
        kind: &str,
        req: RealmRequest<'_>,
    ) -> ModelResult<()> {
        let before = self.clone();
        self.domains
            .create(realm, kind, req.options, req.check_connection)?;
        if keeps_bind_password(kind) {
            match req.password {
                Some(password) => self.realm_passwords.set(realm, password),
                None => self.realm_passwords.remove(realm),
            }
        }
        self.checked(realm, req, "add auth server failed", before)
    }

    /// PUT /access/domains/{realm}. `on_update_hook`: a given password
    /// replaces the stored one; `delete=password` without one removes it;
    /// otherwise it stays. Non-LDAP types ignore the password silently.
    pub fn update_realm(&mut self, realm: &str, req: RealmRequest<'_>) -> ModelResult<()> {
        let before = self.clone();
        self.domains.update(
            realm,
            req.options,
            req.delete,
            req.check_connection,
            req.password.is_some(),
        )?;
        let kind = self
            .domains
            .get(realm)
            .map(|r| r.kind.clone())
            .unwrap_or_default();
        if keeps_bind_password(&kind) {
            if let Some(password) = req.password {
                self.realm_passwords.set(realm, password);
            } else if req.delete.iter().any(|k| k == "password") {
                self.realm_passwords.remove(realm);
            }
        }
        self.checked(realm, req, "update auth server failed", before)
    }

    /// The optional connection check after a create or update. On failure
    /// everything is put back as it was `before` the request except the
    /// `.pw` files: PVE runs the plugin hook (`on_add_hook` /
    /// `on_update_hook`, which write or delete `priv/realm/<realm>.pw` at
    /// once) before `check_connection`, and only `cfs_write_file` of
    /// `domains.cfg` comes after it (`API2/Domains.pm` create and update),
    /// so the `die` leaves the new password, or the deletion, behind.
    /// Callers save the state even when this fails
    /// ([`crate::server::state::AppState::write_even_on_failure`]).
    fn checked(
        &mut self,
        realm: &str,
        req: RealmRequest<'_>,
        prefix: &str,
        before: State,
    ) -> ModelResult<()> {
        if req.check_connection != Some(true) {
            return Ok(());
        }
        let result = self.check_connection(realm, req.password, req.server_reachable);
        result.map_err(|m| {
            let passwords = std::mem::take(&mut self.realm_passwords);
            *self = before;
            self.realm_passwords = passwords;
            ModelError::internal(m).in_lock(prefix)
        })
    }

    /// DELETE /access/domains/{realm}; LDAP/AD also lose their `.pw` file
    /// (`on_delete_hook`).
    pub fn delete_realm(&mut self, realm: &str) -> ModelResult<()> {
        let kind = self.domains.get(realm).map(|r| r.kind.clone());
        self.domains.delete(realm)?;
        if kind.as_deref().is_some_and(keeps_bind_password) {
            self.realm_passwords.remove(realm);
        }
        Ok(())
    }

    /// `LDAP.pm` `connect_and_bind` as far as the simulator can follow it:
    /// the server must answer, and a realm with `bind_dn` needs a password,
    /// the one given with the request (if true in Perl's sense) or else the
    /// stored one: `missing password for realm corp`.
    pub fn check_connection(
        &self,
        realm: &str,
        password: Option<&str>,
        server_reachable: bool,
    ) -> Result<(), String> {
        let Some(config) = self.domains.get(realm) else {
            return Ok(());
        };
        if !server_reachable {
            let server = config.options.get("server1").map_or("", String::as_str);
            return Err(unreachable_error(server));
        }
        if config.options.get("bind_dn").is_some_and(|d| !d.is_empty()) {
            let given = password.filter(|p| !p.is_empty() && *p != "0");
            if given
                .or(self.realm_passwords.bind_password(realm))
                .is_none()
            {
                return Err(format!("missing password for realm {realm}"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ldap_options(bind_dn: bool) -> BTreeMap<String, String> {
        let mut options = BTreeMap::from([
            ("server1".to_string(), "ldap.example.com".to_string()),
            ("base_dn".to_string(), "dc=example,dc=com".to_string()),
            ("user_attr".to_string(), "uid".to_string()),
        ]);
        if bind_dn {
            options.insert("bind_dn".into(), "cn=reader".into());
        }
        options
    }

    fn request<'a>(
        options: &'a BTreeMap<String, String>,
        delete: &'a [String],
        password: Option<&'a str>,
    ) -> RealmRequest<'a> {
        RealmRequest {
            options,
            delete,
            password,
            check_connection: None,
            server_reachable: true,
        }
    }

    #[test]
    fn ldap_password_follows_pves_hooks() {
        let mut s = State::default();
        let options = ldap_options(true);
        s.create_realm("corp", "ldap", request(&options, &[], Some("bind-pw")))
            .expect("create");
        assert_eq!(s.realm_passwords.bind_password("corp"), Some("bind-pw"));
        assert!(!s.domains.write().contains("bind-pw"));
        // An update without password keeps it; with one replaces it.
        let comment = BTreeMap::from([("comment".to_string(), "x".to_string())]);
        s.update_realm("corp", request(&comment, &[], None))
            .expect("update");
        assert_eq!(s.realm_passwords.bind_password("corp"), Some("bind-pw"));
        let none = BTreeMap::new();
        s.update_realm("corp", request(&none, &[], Some("new-pw")))
            .expect("password only");
        assert_eq!(s.realm_passwords.bind_password("corp"), Some("new-pw"));
        // delete=password removes it; deleting and setting at once sets.
        let delete = ["password".to_string()];
        s.update_realm("corp", request(&none, &delete, Some("both")))
            .expect("delete and set");
        assert_eq!(s.realm_passwords.bind_password("corp"), Some("both"));
        s.update_realm("corp", request(&none, &delete, None))
            .expect("delete");
        assert!(!s.realm_passwords.contains("corp"));
        s.update_realm("corp", request(&none, &[], Some("again")))
            .expect("set again");
        s.delete_realm("corp").expect("delete realm");
        assert!(!s.realm_passwords.contains("corp"));
    }

    #[test]
    fn other_types_ignore_the_password() {
        let mut s = State::default();
        let options = BTreeMap::from([
            ("client-id".to_string(), "pve".to_string()),
            (
                "issuer-url".to_string(),
                "https://sso.example.com".to_string(),
            ),
        ]);
        s.create_realm("sso", "openid", request(&options, &[], Some("pw")))
            .expect("create");
        assert!(!s.realm_passwords.contains("sso"));
        let none = BTreeMap::new();
        s.update_realm("sso", request(&none, &[], Some("pw")))
            .expect("accepted, ignored");
        assert!(!s.realm_passwords.contains("sso"));
    }

    #[test]
    fn check_connection_needs_a_reachable_server_and_a_bind_password() {
        let mut s = State::default();
        let options = ldap_options(true);
        let mut req = request(&options, &[], None);
        req.check_connection = Some(true);
        let error = s.create_realm("corp", "ldap", req).expect_err("no pw");
        assert_eq!(
            error.message,
            "add auth server failed: missing password for realm corp"
        );
        req.server_reachable = false;
        req.password = Some("pw");
        let error = s.create_realm("corp", "ldap", req).expect_err("down");
        assert_eq!(
            error.message,
            "add auth server failed: ldap.example.com: IO::Socket::IP: connect: Connection refused"
        );
        // Created with a stored password, a later check finds it.
        s.create_realm("corp", "ldap", request(&options, &[], Some("pw")))
            .expect("create");
        let comment = BTreeMap::from([("comment".to_string(), "x".to_string())]);
        let mut check = request(&comment, &[], None);
        check.check_connection = Some(true);
        s.update_realm("corp", check).expect("stored password used");
        // Without bind_dn the bind is anonymous: no password needed.
        let anonymous = ldap_options(false);
        let mut req = request(&anonymous, &[], None);
        req.check_connection = Some(true);
        s.create_realm("anon", "ldap", req).expect("anonymous bind");
    }
}
