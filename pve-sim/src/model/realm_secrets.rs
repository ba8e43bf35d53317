//! [`RealmPasswords`]: the LDAP/AD bind passwords PVE keeps outside
//! `domains.cfg`, one file `priv/realm/<realm>.pw` per realm
//! (pve-access-control `src/PVE/Auth/LDAP.pm`: `ldap_set_credentials`,
//! `ldap_get_credentials`, `ldap_delete_credentials`; `AD.pm` inherits them).
//!
//! Older PVE (6.x) kept them in `priv/ldap/<realm>.pw`. PVE 9.1 still reads
//! that file when `priv/realm/<realm>.pw` does not exist (`LDAP.pm`
//! `get_cred_file`, whose "remove fallback with 7.0" FIXME was never done),
//! and `ldap_delete_credentials` removes whichever file `get_cred_file`
//! names: the current one if it exists, else the legacy one. A new password
//! always goes to the current location and shadows a legacy file, which
//! reappears if the current file is deleted later. All of this is modelled.
//!
//! An OpenID `client-key` is not here: PVE stores it as an ordinary option in
//! `domains.cfg` (`OpenId.pm` declares it like any other property) and
//! `GET /access/domains/{realm}` returns it.

use std::collections::BTreeMap;
use std::fmt;

/// Realm → content of its `.pw` file, in the current and in the legacy
/// directory. `Debug` names the realms only.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct RealmPasswords {
    files: BTreeMap<String, String>,
    legacy: BTreeMap<String, String>,
}

impl fmt::Debug for RealmPasswords {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RealmPasswords")
            .field("realms", &self.files.keys().collect::<Vec<_>>())
            .field("legacy", &self.legacy.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl RealmPasswords {
    /// From `(realm, file content)` pairs as loaded from `priv/realm/`.
    pub fn from_files(files: impl IntoIterator<Item = (String, String)>) -> Self {
        Self {
            files: files.into_iter().collect(),
            legacy: BTreeMap::new(),
        }
    }

    /// With the `(realm, file content)` pairs loaded from the legacy
    /// `priv/ldap/` directory.
    pub fn with_legacy(mut self, files: impl IntoIterator<Item = (String, String)>) -> Self {
        self.legacy = files.into_iter().collect();
        self
    }

    /// `(realm, file content)` pairs to write to `priv/realm/`.
    pub fn files(&self) -> impl Iterator<Item = (&str, &str)> {
        self.files.iter().map(|(r, c)| (r.as_str(), c.as_str()))
    }

    /// `(realm, file content)` pairs still in the legacy `priv/ldap/`
    /// (never added to: PVE only reads and deletes there).
    pub fn legacy_files(&self) -> impl Iterator<Item = (&str, &str)> {
        self.legacy.iter().map(|(r, c)| (r.as_str(), c.as_str()))
    }

    /// `ldap_set_credentials`: the file holds the password exactly as sent
    /// (`file_set_contents`, no newline added).
    pub fn set(&mut self, realm: &str, password: &str) {
        self.files.insert(realm.to_string(), password.to_string());
    }

    /// `ldap_delete_credentials`: removes the file `get_cred_file` names,
    /// `priv/realm/<realm>.pw` if it exists, else the legacy one.
    pub fn remove(&mut self, realm: &str) {
        if self.files.remove(realm).is_none() {
            self.legacy.remove(realm);
        }
    }

    /// Whether `priv/realm/<realm>.pw` exists.
    pub fn contains(&self, realm: &str) -> bool {
        self.files.contains_key(realm)
    }

    /// Whether the legacy `priv/ldap/<realm>.pw` exists.
    pub fn contains_legacy(&self, realm: &str) -> bool {
        self.legacy.contains_key(realm)
    }

    /// `ldap_get_credentials`: the first line, without its line end
    /// (`file_read_firstline`), of the file `get_cred_file` names (the
    /// current one if it exists, else the legacy one); None when there is
    /// no file or it is empty. A password sent with a line break is
    /// therefore cut at it on use.
    pub fn bind_password(&self, realm: &str) -> Option<&str> {
        let content = self.files.get(realm).or_else(|| self.legacy.get(realm))?;
        if content.is_empty() {
            return None;
        }
        Some(content.split('\n').next().unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bind_password_reads_the_first_line_and_debug_hides_it() {
        let mut p = RealmPasswords::default();
        assert_eq!(p.bind_password("corp"), None);
        p.set("corp", "first\nsecond");
        assert_eq!(p.bind_password("corp"), Some("first"));
        p.set("empty", "");
        assert!(p.contains("empty"));
        assert_eq!(p.bind_password("empty"), None);
        let shown = format!("{p:?}");
        assert!(
            shown.contains("corp") && !shown.contains("first"),
            "{shown}"
        );
        p.remove("corp");
        assert!(!p.contains("corp"));
    }

    #[test]
    fn the_legacy_file_is_read_and_deleted_only_without_a_current_one() {
        let mut p = RealmPasswords::default().with_legacy([("old".into(), "legacy-pw\n".into())]);
        assert_eq!(p.bind_password("old"), Some("legacy-pw"));
        // A new password goes to priv/realm and shadows the legacy file...
        p.set("old", "new-pw");
        assert_eq!(p.bind_password("old"), Some("new-pw"));
        assert!(p.contains("old") && p.contains_legacy("old"));
        // ...which is back once the current file is deleted.
        p.remove("old");
        assert_eq!(p.bind_password("old"), Some("legacy-pw"));
        // With no current file, deleting removes the legacy one.
        p.remove("old");
        assert!(!p.contains_legacy("old"));
        assert_eq!(p.bind_password("old"), None);
        assert!(!format!("{p:?}").contains("legacy-pw"));
    }
}
