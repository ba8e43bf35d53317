//! The option sets of PVE's realm plugins (`sub options` in
//! pve-access-control `src/PVE/Auth/{PAM,PVE,LDAP,AD,OpenId}.pm`) and the
//! SectionConfig checks run on them (pve-common `src/PVE/SectionConfig.pm`:
//! `check_value`, `check_config`, `write_config`).

/// How a type declares an option.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Must be present (create and every write).
    Required,
    /// May be present.
    Optional,
    /// May be set at creation only (`fixed => 1`).
    Fixed,
}

use Need::{Fixed, Optional, Required};

const BUILTIN: &[(&str, Need)] = &[
    ("comment", Optional),
    ("default", Optional),
    ("tfa", Optional),
];

const LDAP: &[(&str, Need)] = &[
    ("base_dn", Required),
    ("bind_dn", Optional),
    ("capath", Optional),
    ("case-sensitive", Optional),
    ("cert", Optional),
    ("certkey", Optional),
    ("comment", Optional),
    ("default", Optional),
    ("filter", Optional),
    ("group_classes", Optional),
    ("group_dn", Optional),
    ("group_filter", Optional),
    ("group_name_attr", Optional),
    ("mode", Optional),
    ("password", Optional),
    ("port", Optional),
    ("secure", Optional),
    ("server1", Required),
    ("server2", Optional),
    ("sslversion", Optional),
    ("sync-defaults-options", Optional),
    ("sync_attributes", Optional),
    ("tfa", Optional),
    ("user_attr", Required),
    ("user_classes", Optional),
    ("verify", Optional),
];

const AD: &[(&str, Need)] = &[
    ("base_dn", Optional),
    ("bind_dn", Optional),
    ("capath", Optional),
    ("case-sensitive", Optional),
    ("cert", Optional),
    ("certkey", Optional),
    ("comment", Optional),
    ("default", Optional),
    ("domain", Required),
    ("filter", Optional),
    ("group_classes", Optional),
    ("group_dn", Optional),
    ("group_filter", Optional),
    ("group_name_attr", Optional),
    ("mode", Optional),
    ("password", Optional),
    ("port", Optional),
    ("secure", Optional),
    ("server1", Required),
    ("server2", Optional),
    ("sslversion", Optional),
    ("sync-defaults-options", Optional),
    ("sync_attributes", Optional),
    ("tfa", Optional),
    ("user_attr", Optional),
    ("user_classes", Optional),
    ("verify", Optional),
];

const OPENID: &[(&str, Need)] = &[
    ("acr-values", Optional),
    ("audiences", Optional),
    ("autocreate", Optional),
    ("client-id", Required),
    ("client-key", Optional),
    ("comment", Optional),
    ("default", Optional),
    ("groups-autocreate", Optional),
    ("groups-claim", Optional),
    ("groups-overwrite", Optional),
    ("issuer-url", Required),
    ("prompt", Optional),
    ("query-userinfo", Optional),
    ("scopes", Optional),
    ("username-claim", Fixed),
];

/// The options of realm type `kind`, sorted by name; None for an unknown type.
pub fn options(kind: &str) -> Option<&'static [(&'static str, Need)]> {
    match kind {
        "pam" | "pve" => Some(BUILTIN),
        "ldap" => Some(LDAP),
        "ad" => Some(AD),
        "openid" => Some(OPENID),
        _ => None,
    }
}

/// How `kind` declares `key` (None: not an option of the type).
pub fn need(kind: &str, key: &str) -> Option<Need> {
    options(kind)?
        .iter()
        .find(|(name, _)| *name == key)
        .map(|(_, need)| *need)
}

/// The required options of `kind`, sorted (the order `write_config`
/// writes them in, and so the first one it misses).
pub fn required(kind: &str) -> impl Iterator<Item = &'static str> {
    options(kind)
        .unwrap_or_default()
        .iter()
        .filter(|(_, need)| *need == Required)
        .map(|(name, _)| *name)
}

/// `check_config` for the given keys: `unexpected property 'k'` for an
/// option the type lacks, and on update `can't change value of fixed
/// parameter 'k'`. Keys are checked in sorted order (Perl's hash order is
/// random; sorted makes the simulator deterministic).
pub fn check_keys<'a>(
    kind: &str,
    keys: impl IntoIterator<Item = &'a String>,
    create: bool,
) -> Result<(), String> {
    let mut keys: Vec<&String> = keys.into_iter().collect();
    keys.sort();
    for key in keys {
        match need(kind, key) {
            None => return Err(format!("unexpected property '{key}'")),
            Some(Fixed) if !create => {
                return Err(format!("can't change value of fixed parameter '{key}'"));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_sorted_and_required_sets_match_pve() {
        for kind in ["pam", "pve", "ldap", "ad", "openid"] {
            let names: Vec<&str> = options(kind)
                .unwrap_or_default()
                .iter()
                .map(|(n, _)| *n)
                .collect();
            let mut sorted = names.clone();
            sorted.sort_unstable();
            assert_eq!(names, sorted, "{kind}");
        }
        assert_eq!(
            required("ldap").collect::<Vec<_>>(),
            ["base_dn", "server1", "user_attr"]
        );
        assert_eq!(required("ad").collect::<Vec<_>>(), ["domain", "server1"]);
        assert_eq!(
            required("openid").collect::<Vec<_>>(),
            ["client-id", "issuer-url"]
        );
        assert_eq!(required("pve").count(), 0);
    }

    #[test]
    fn key_checks() {
        let domain = "domain".to_string();
        assert_eq!(
            check_keys("ldap", [&domain], false),
            Err("unexpected property 'domain'".into())
        );
        let claim = "username-claim".to_string();
        assert!(check_keys("openid", [&claim], true).is_ok());
        assert_eq!(
            check_keys("openid", [&claim], false),
            Err("can't change value of fixed parameter 'username-claim'".into())
        );
    }
}
