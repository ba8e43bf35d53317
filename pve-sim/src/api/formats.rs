//! The `format` verifiers of PVE's JSON schema (`PVE::JSONSchema` and the
//! access-control registrations), with PVE's error texts. Each returns the
//! inner text (ending in `\n`) that the validator wraps as
//! `invalid format - <text>`.

use std::net::IpAddr;
use std::sync::LazyLock;

use regex::Regex;

/// Compile an anchored constant pattern. The patterns are constants covered
/// by the unit tests; `None` (never matching) keeps this panic-free.
fn anchored(pattern: &str) -> Option<Regex> {
    Regex::new(&format!("^(?:{pattern})$")).ok()
}

fn matches(regex: &LazyLock<Option<Regex>>, value: &str) -> bool {
    LazyLock::force(regex)
        .as_ref()
        .is_some_and(|r| r.is_match(value))
}

static USERID: LazyLock<Option<Regex>> =
    LazyLock::new(|| anchored(r"[^\s:/]+@[A-Za-z][A-Za-z0-9.\-_]+"));
static REALM: LazyLock<Option<Regex>> = LazyLock::new(|| anchored(r"[A-Za-z][A-Za-z0-9.\-_]+"));
static TOKENID: LazyLock<Option<Regex>> =
    LazyLock::new(|| anchored(r"[^\s:/]+@[A-Za-z][A-Za-z0-9.\-_]+![A-Za-z][A-Za-z0-9.\-_]+"));
static SIMPLE_ID: LazyLock<Option<Regex>> = LazyLock::new(|| anchored(r"[A-Za-z0-9.\-_]+"));
static POOL: LazyLock<Option<Regex>> =
    LazyLock::new(|| anchored(r"[A-Za-z0-9.\-_]+(/[A-Za-z0-9.\-_]+){0,2}"));
static EMAIL: LazyLock<Option<Regex>> =
    LazyLock::new(|| anchored(r"[\w+\-~]+(\.[\w+\-~]+)*@[a-zA-Z0-9\-]+(\.[a-zA-Z0-9\-]+)*"));
static CONFIGID: LazyLock<Option<Regex>> = LazyLock::new(|| anchored(r"[a-zA-Z][a-zA-Z0-9_\-]+"));
static VMID: LazyLock<Option<Regex>> = LazyLock::new(|| anchored(r"[1-9][0-9]{2,8}"));
static STORAGE_ID: LazyLock<Option<Regex>> =
    LazyLock::new(|| anchored(r"[a-zA-Z][a-zA-Z0-9\-_.]*[a-zA-Z0-9]"));
static NODE: LazyLock<Option<Regex>> =
    LazyLock::new(|| anchored(r"[a-zA-Z0-9]([a-zA-Z0-9\-]*[a-zA-Z0-9])?"));
static DNS_NAME: LazyLock<Option<Regex>> = LazyLock::new(|| {
    anchored(r"([a-zA-Z0-9]([a-zA-Z0-9\-]*[a-zA-Z0-9])?\.)*[a-zA-Z0-9]([a-zA-Z0-9\-]*[a-zA-Z0-9])?")
});
static LDAP_ATTR: LazyLock<Option<Regex>> = LazyLock::new(|| anchored(r"\w[\w\-]*"));

/// `ParseUtils::split_list`: split on `,`, `;` and whitespace, dropping empties.
pub fn split_list(value: &str) -> Vec<&str> {
    if value.contains('\0') {
        return value.split('\0').collect();
    }
    value
        .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .collect()
}

/// `Auth/Plugin.pm::verify_username`.
pub fn verify_userid(value: &str) -> Result<(), String> {
    let len = value.len();
    if len < 3 {
        return Err(format!("user name '{value}' is too short\n"));
    }
    if len > 64 {
        return Err(format!("user name '{value}' is too long ({len} > 64)\n"));
    }
    if matches(&USERID, value) {
        Ok(())
    } else {
        Err(format!(
            "value '{value}' does not look like a valid user name\n"
        ))
    }
}

/// `pve_verify_tokenid`: `user@realm!token`.
pub fn verify_tokenid(value: &str) -> Result<(), String> {
    if matches(&TOKENID, value) {
        Ok(())
    } else {
        Err(format!(
            "value '{value}' does not look like a valid token ID\n"
        ))
    }
}

/// `pve_verify_realm`.
pub fn verify_realm(value: &str) -> Result<(), String> {
    if matches(&REALM, value) {
        Ok(())
    } else {
        Err(format!(
            "value '{value}' does not look like a valid realm\n"
        ))
    }
}

/// `verify_groupname`.
pub fn verify_groupid(value: &str) -> Result<(), String> {
    if matches(&SIMPLE_ID, value) {
        Ok(())
    } else {
        Err(format!(
            "group name '{value}' contains invalid characters\n"
        ))
    }
}

/// `verify_rolename`.
pub fn verify_roleid(value: &str) -> Result<(), String> {
    if matches(&SIMPLE_ID, value) {
        Ok(())
    } else {
        Err(format!("role name '{value}' contains invalid characters\n"))
    }
}

/// `verify_poolname` (pve-access-control `src/PVE/AccessControl.pm`): at
/// most three levels.
pub fn verify_poolid(value: &str) -> Result<(), String> {
    if value.split('/').count() > 3 {
        return Err(format!(
            "pool name '{value}' nested too deeply (max levels = 3)\n"
        ));
    }
    if matches(&POOL, value) {
        Ok(())
    } else {
        Err(format!("pool name '{value}' contains invalid characters\n"))
    }
}

/// `verify_privname` against the PVE 9 privilege list.
pub fn verify_priv(value: &str) -> Result<(), String> {
    if crate::model::privileges::is_valid_privilege(value) {
        Ok(())
    } else {
        Err(format!("invalid privilege '{value}'\n"))
    }
}

fn verify_email_opt(value: &str) -> Result<(), String> {
    if value.is_empty() || matches(&EMAIL, value) {
        Ok(())
    } else {
        Err("value does not look like a valid email address\n".to_string())
    }
}

fn verify_configid(value: &str) -> Result<(), String> {
    if matches(&CONFIGID, value) {
        Ok(())
    } else {
        Err(format!("invalid configuration ID '{value}'\n"))
    }
}

fn verify_vmid(value: &str) -> Result<(), String> {
    if matches(&VMID, value) {
        Ok(())
    } else {
        Err("value does not look like a valid VM ID\n".to_string())
    }
}

fn verify_storage_id(value: &str) -> Result<(), String> {
    if matches(&STORAGE_ID, value) {
        Ok(())
    } else {
        Err(format!(
            "storage ID '{value}' contains illegal characters\n"
        ))
    }
}

fn verify_node(value: &str) -> Result<(), String> {
    if matches(&NODE, value) {
        Ok(())
    } else {
        Err("value does not look like a valid node name\n".to_string())
    }
}

fn verify_address(value: &str) -> Result<(), String> {
    if value.parse::<IpAddr>().is_ok() || matches(&DNS_NAME, value) {
        Ok(())
    } else {
        Err(format!(
            "value does not look like a valid address: {value}\n"
        ))
    }
}

fn verify_ldap_attr(value: &str) -> Result<(), String> {
    if matches(&LDAP_ATTR, value) {
        Ok(())
    } else {
        Err(format!(
            "value '{value}' does not look like a simple ldap attribute name\n"
        ))
    }
}

fn verify_storage_content(value: &str) -> Result<(), String> {
    const CONTENT: [&str; 8] = [
        "images", "rootdir", "vztmpl", "iso", "backup", "snippets", "import", "none",
    ];
    if CONTENT.contains(&value) {
        Ok(())
    } else {
        Err(format!("invalid content type '{value}'\n"))
    }
}

/// A `key=value[,key=value…]` property string whose keys must be known and
/// whose values must satisfy `check`.
fn verify_property_string(
    value: &str,
    keys: &[&str],
    default_key: Option<&str>,
    check: fn(&str, &str) -> Result<(), String>,
) -> Result<(), String> {
    for part in value.split(',').filter(|p| !p.is_empty()) {
        let (key, val) = match part.split_once('=') {
            Some((k, v)) => (k, v),
            None => match default_key {
                Some(k) => (k, part),
                None => {
                    return Err(
                        "value without key, but schema does not define a default key\n".to_string(),
                    );
                }
            },
        };
        if !keys.contains(&key) {
            return Err(format!(
                "invalid key in comma-separated list property: {key}\n"
            ));
        }
        check(key, val)?;
    }
    Ok(())
}

fn check_bool_value(key: &str, val: &str) -> Result<(), String> {
    if val == "1" || val == "0" {
        Ok(())
    } else {
        Err(format!(
            "{key}: type check ('boolean') failed - got '{val}'\n"
        ))
    }
}

fn verify_realm_sync_options(value: &str) -> Result<(), String> {
    verify_property_string(
        value,
        &["enable-new", "full", "purge", "remove-vanished", "scope"],
        None,
        |key, val| match key {
            "scope" if !["users", "groups", "both"].contains(&val) => Err(format!(
                "scope: value '{val}' does not have a value in the enumeration 'users, groups, both'\n"
            )),
            "remove-vanished" => {
                let ok = val == "none"
                    || val
                        .split(';')
                        .all(|v| ["acl", "properties", "entry"].contains(&v));
                if ok {
                    Ok(())
                } else {
                    Err("remove-vanished: value does not match the regex pattern\n".to_string())
                }
            }
            "enable-new" | "full" | "purge" => check_bool_value(key, val),
            _ => Ok(()),
        },
    )
}

fn verify_tfa_config(value: &str) -> Result<(), String> {
    verify_property_string(
        value,
        &["type", "id", "key", "url", "digits", "step"],
        Some("type"),
        |key, val| match key {
            "type" if !["oath", "yubico"].contains(&val) => Err(format!(
                "type: value '{val}' does not have a value in the enumeration 'oath, yubico'\n"
            )),
            "digits" | "step" if val.parse::<u32>().is_err() => Err(format!(
                "{key}: type check ('integer') failed - got '{val}'\n"
            )),
            _ => Ok(()),
        },
    )
}

/// Check `value` against the named format. Unknown formats pass (as PVE
/// passes formats it has no verifier for).
pub fn check_format(format: &str, value: &str) -> Result<(), String> {
    if let Some(simple) = format.strip_suffix("-list") {
        if format != "pve-storage-content-list" || !value.is_empty() {
            for item in split_list(value) {
                check_simple(simple, item)?;
            }
        }
        return Ok(());
    }
    check_simple(format, value)
}

fn check_simple(format: &str, value: &str) -> Result<(), String> {
    match format {
        "pve-userid" => verify_userid(value),
        "pve-tokenid" => verify_tokenid(value),
        "pve-realm" => verify_realm(value),
        "pve-groupid" => verify_groupid(value),
        "pve-roleid" => verify_roleid(value),
        "pve-poolid" => verify_poolid(value),
        "pve-priv" => verify_priv(value),
        "email-opt" => verify_email_opt(value),
        "pve-configid" => verify_configid(value),
        "pve-vmid" => verify_vmid(value),
        "pve-storage-id" => verify_storage_id(value),
        "pve-storage-content" => verify_storage_content(value),
        "pve-node" => verify_node(value),
        "address" => verify_address(value),
        "ldap-simple-attr" => verify_ldap_attr(value),
        "realm-sync-options" => verify_realm_sync_options(value),
        "pve-tfa-config" => verify_tfa_config(value),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn userid_messages() {
        assert_eq!(
            verify_userid("a@"),
            Err("user name 'a@' is too short\n".into())
        );
        assert_eq!(
            verify_userid("foo"),
            Err("value 'foo' does not look like a valid user name\n".into())
        );
        assert!(verify_userid("alice@pve").is_ok());
        let long = format!("{}@pve", "a".repeat(61));
        assert_eq!(
            verify_userid(&long),
            Err(format!("user name '{long}' is too long (65 > 64)\n"))
        );
    }

    #[test]
    fn lists_split_on_comma_semicolon_space() {
        assert_eq!(split_list("a, b;c  d"), vec!["a", "b", "c", "d"]);
        assert_eq!(
            check_format("pve-groupid-list", "ok,a:b"),
            Err("group name 'a:b' contains invalid characters\n".into())
        );
        assert_eq!(
            check_format("pve-priv-list", "VM.Audit,Foo.Bar"),
            Err("invalid privilege 'Foo.Bar'\n".into())
        );
    }

    #[test]
    fn email_and_pool() {
        assert!(check_format("email-opt", "").is_ok());
        assert!(check_format("email-opt", "a.b@example.com").is_ok());
        assert_eq!(
            check_format("email-opt", "nope"),
            Err("value does not look like a valid email address\n".into())
        );
        assert!(check_format("pve-poolid", "a/b/c").is_ok());
        assert!(check_format("pve-poolid", "a/b/c/d").is_err());
    }
}
