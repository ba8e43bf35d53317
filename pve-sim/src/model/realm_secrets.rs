//! [`RealmPasswords`]: the LDAP/AD bind passwords PVE keeps outside
//! `domains.cfg`, one file `priv/realm/<realm>.pw` per realm
//! (pve-access-control `src/PVE/Auth/LDAP.pm`: `ldap_set_credentials`,
//! `ldap_get_credentials`, `ldap_delete_credentials`; `AD.pm` inherits them).
//!
//! An OpenID `client-key` is not here: PVE stores it as an ordinary option in
//! `domains.cfg` (`OpenId.pm` declares it like any other property) and
//! `GET /access/domains/{realm}` returns it.

use std::collections::BTreeMap;
use std::fmt;

/// Realm → content of its `.pw` file. `Debug` names the realms only.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct RealmPasswords {
    files: BTreeMap<String, String>,
}

impl fmt::Debug for RealmPasswords {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RealmPasswords")
            .field("realms", &self.files.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl RealmPasswords {
    /// From `(realm, file content)` pairs as loaded from `priv/realm/`.
    pub fn from_files(files: impl IntoIterator<Item = (String, String)>) -> Self {
        Self {
            files: files.into_iter().collect(),
        }
    }

    /// `(realm, file content)` pairs to write to `priv/realm/`.
    pub fn files(&self) -> impl Iterator<Item = (&str, &str)> {
        self.files.iter().map(|(r, c)| (r.as_str(), c.as_str()))
    }

    /// `ldap_set_credentials`: the file holds the password exactly as sent
    /// (`file_set_contents`, no newline added).
    pub fn set(&mut self, realm: &str, password: &str) {
        self.files.insert(realm.to_string(), password.to_string());
    }

    /// `ldap_delete_credentials`.
    pub fn remove(&mut self, realm: &str) {
        self.files.remove(realm);
    }

    /// Whether `priv/realm/<realm>.pw` exists.
    pub fn contains(&self, realm: &str) -> bool {
        self.files.contains_key(realm)
    }

    /// `ldap_get_credentials`: the file's first line without its line end
    /// (`file_read_firstline`), None when there is no file or it is empty.
    /// A password sent with a line break is therefore cut at it on use.
    pub fn bind_password(&self, realm: &str) -> Option<&str> {
        let content = self.files.get(realm)?;
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
}
