//! `domains.cfg`: the authentication realms (a PVE SectionConfig).

use std::collections::BTreeMap;

use super::error::{ModelError, ModelResult};
use super::ids::{decode_text, encode_text, is_realm_name};
use super::realm_types;

/// `$map_sync_default_options` (pve-access-control `API2/Domains.pm`):
/// parse `sync-defaults-options`, turn the deprecated `full`/`purge` into
/// `remove-vanished` (`full` → `entry;properties`, `purge` → `acl`) unless
/// that is set, optionally drop them, and print the property string again
/// with its keys sorted (`print_property_string`).
pub fn normalize_sync_options(value: &str, delete_deprecated: bool) -> String {
    let mut opts: BTreeMap<String, String> = value
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (k.trim().to_string(), v.trim().to_string())
        })
        .collect();
    let truthy = |v: Option<&String>| v.is_some_and(|v| v != "0" && !v.is_empty());
    let full = truthy(opts.get("full"));
    let purge = truthy(opts.get("purge"));
    if !opts.contains_key("remove-vanished") && (full || purge) {
        let mut props = Vec::new();
        if full {
            props.extend(["entry", "properties"]);
        }
        if purge {
            props.push("acl");
        }
        opts.insert("remove-vanished".into(), props.join(";"));
    }
    if delete_deprecated {
        opts.remove("full");
        opts.remove("purge");
    }
    opts.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// One realm section: `<type>: <realm>` followed by `\t<key> <value>` lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Realm {
    /// Realm name.
    pub realm: String,
    /// `pam`, `pve`, `ldap`, `ad` or `openid`.
    pub kind: String,
    /// Options as written (`comment` decoded), excluding `type`.
    pub options: BTreeMap<String, String>,
}

/// The parsed `domains.cfg`, sections in file order. `pam` and `pve` always
/// exist. Bind passwords (PVE keeps them in `priv/realm/<realm>.pw`) are not
/// modelled: a `password` option is never stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Domains {
    /// Realms in file order.
    pub realms: Vec<Realm>,
}

const PAM_COMMENT: &str = "Linux PAM standard authentication";
const PVE_COMMENT: &str = "Proxmox VE authentication server";

impl Default for Domains {
    fn default() -> Self {
        Self::parse("")
    }
}

/// SectionConfig's `format_config_line` dies on a value with a line break
/// (`property 'x' contains a line feed`), inside the config lock, so the
/// answer is a 500 with the operation prefix. Without this check a value
/// with `\n` or `\r` would write extra option lines into domains.cfg. The
/// comment is exempt: it is percent-encoded before it is written. (Exact
/// PVE wording is taken from pve-common's SectionConfig; PVE 9.)
fn refuse_line_feeds(options: &BTreeMap<String, String>) -> Result<(), String> {
    match options
        .iter()
        .find(|(key, value)| *key != "comment" && value.contains(['\n', '\r']))
    {
        Some((key, _)) => Err(format!("property '{key}' contains a line feed")),
        None => Ok(()),
    }
}

impl Domains {
    /// Parse SectionConfig text; unknown lines are ignored. Enforces PVE's
    /// defaults: one `default` marker, `pam`/`pve` present with their
    /// default comments and forced types.
    pub fn parse(text: &str) -> Self {
        let mut realms: Vec<Realm> = Vec::new();
        let mut current: Option<Realm> = None;
        for line in text.lines() {
            if line.trim().is_empty() {
                realms.extend(current.take());
                continue;
            }
            if line.starts_with(char::is_whitespace) {
                if let Some(r) = current.as_mut() {
                    let body = line.trim();
                    let (k, v) = body.split_once(char::is_whitespace).unwrap_or((body, ""));
                    let v = v.trim();
                    let v = if k == "comment" {
                        decode_text(v)
                    } else {
                        v.to_string()
                    };
                    r.options.insert(k.to_string(), v);
                }
                continue;
            }
            if line.trim_start().starts_with('#') {
                continue;
            }
            realms.extend(current.take());
            if let Some((kind, name)) = line.split_once(':') {
                let (kind, name) = (kind.trim(), name.trim());
                if !kind.is_empty() && is_realm_name(name) {
                    current = Some(Realm {
                        realm: name.to_string(),
                        kind: kind.to_string(),
                        options: BTreeMap::new(),
                    });
                }
            }
        }
        realms.extend(current.take());
        let mut seen_default = false;
        for r in &mut realms {
            if r.options
                .get("default")
                .is_some_and(|v| v != "0" && !v.is_empty())
            {
                if seen_default {
                    r.options.remove("default");
                }
                seen_default = true;
            }
        }
        let mut d = Self { realms };
        for (name, comment) in [("pam", PAM_COMMENT), ("pve", PVE_COMMENT)] {
            if d.get(name).is_none() {
                d.realms.push(Realm {
                    realm: name.to_string(),
                    kind: name.to_string(),
                    options: BTreeMap::new(),
                });
            }
            if let Some(r) = d.realms.iter_mut().find(|r| r.realm == name) {
                r.kind = name.to_string();
                let c = r.options.entry("comment".to_string()).or_default();
                if c.is_empty() {
                    *c = comment.to_string();
                }
            }
        }
        d
    }

    /// Serialise like SectionConfig's `write_config`: `<type>: <realm>`,
    /// `comment` first, then the type's required options sorted, then the
    /// other options sorted, a blank line after each section.
    pub fn write(&self) -> String {
        let mut out = String::new();
        for r in &self.realms {
            out.push_str(&format!("{}: {}\n", r.kind, r.realm));
            if let Some(c) = r
                .options
                .get("comment")
                .filter(|c| !c.is_empty() && *c != "0")
            {
                out.push_str(&format!("\tcomment {}\n", encode_text(c)));
            }
            let required: Vec<&str> = realm_types::required(&r.kind).collect();
            let line = |(k, v): (&String, &String)| format!("\t{k} {v}\n");
            for (k, v) in &r.options {
                if required.contains(&k.as_str()) && !v.is_empty() {
                    out.push_str(&line((k, v)));
                }
            }
            for (k, v) in &r.options {
                if k != "comment" && !required.contains(&k.as_str()) && !v.is_empty() {
                    out.push_str(&line((k, v)));
                }
            }
            out.push('\n');
        }
        out
    }

    /// SHA-1 (hex) of the file as written: the `digest` of every realm
    /// (`cfs_read_file` digests the whole `domains.cfg`).
    pub fn digest(&self) -> String {
        crate::sha1::hex_digest(self.write().as_bytes())
    }

    /// `write_config`'s check: every section has its type's required
    /// options (`section 'corp' - missing value for required option
    /// 'base_dn'`).
    fn check_required(&self) -> Result<(), String> {
        for r in &self.realms {
            for key in realm_types::required(&r.kind) {
                if r.options.get(key).is_none_or(|v| v.is_empty()) {
                    return Err(format!(
                        "section '{}' - missing value for required option '{key}'",
                        r.realm
                    ));
                }
            }
        }
        Ok(())
    }

    /// `$map_sync_default_options` on LDAP/AD options.
    fn map_sync_options(kind: &str, options: &mut BTreeMap<String, String>, delete: bool) {
        if matches!(kind, "ldap" | "ad")
            && let Some(v) = options.get_mut("sync-defaults-options")
        {
            *v = normalize_sync_options(v, delete);
        }
    }

    /// The realm named `realm`.
    pub fn get(&self, realm: &str) -> Option<&Realm> {
        self.realms.iter().find(|r| r.realm == realm)
    }

    fn commit(&mut self) {
        // (Values were checked by `refuse_line_feeds`; the comment is encoded.)
        *self = Self::parse(&self.write());
    }

    fn clear_default_if_set(&mut self, options: &BTreeMap<String, String>) {
        if options.get("default").is_some_and(|v| v == "1") {
            for r in &mut self.realms {
                r.options.remove("default");
            }
        }
    }

    /// POST /access/domains (options exclude `realm`, `type`, `password`).
    /// Errors (prefix `add auth server failed: `): `domain 'x' already
    /// exists`, `unable to use reserved name 'pam'`, `unable to create builtin
    /// type 'pve'`, `'check-connection' parameter can only be set for realms of
    /// type 'ldap' or 'ad'`.
    pub fn create(
        &mut self,
        realm: &str,
        kind: &str,
        options: &BTreeMap<String, String>,
        check_connection: Option<bool>,
    ) -> ModelResult<()> {
        let fail = |m: String| ModelError::internal(m).in_lock("add auth server failed");
        if self.get(realm).is_some() {
            return Err(fail(format!("domain '{realm}' already exists")));
        }
        if realm == "pam" || realm == "pve" {
            return Err(fail(format!("unable to use reserved name '{realm}'")));
        }
        if kind == "pam" || kind == "pve" {
            return Err(fail(format!("unable to create builtin type '{kind}'")));
        }
        if check_connection.is_some() && kind != "ldap" && kind != "ad" {
            return Err(fail(
                "'check-connection' parameter can only be set for realms of type 'ldap' or 'ad'"
                    .to_string(),
            ));
        }
        refuse_line_feeds(options).map_err(fail)?;
        let mut opts = options.clone();
        // The password is extracted before the plugin checks (and kept in
        // priv/realm/<realm>.pw by PVE, not in domains.cfg).
        opts.remove("password");
        Self::map_sync_options(kind, &mut opts, true);
        realm_types::check_keys(kind, opts.keys(), true).map_err(fail)?;
        if let Some(key) = realm_types::required(kind).find(|k| !opts.contains_key(*k)) {
            return Err(fail(format!("missing value for required option '{key}'")));
        }
        self.clear_default_if_set(&opts);
        self.realms.push(Realm {
            realm: realm.to_string(),
            kind: kind.to_string(),
            options: opts,
        });
        self.commit();
        Ok(())
    }

    /// PUT /access/domains/{realm}: delete listed keys, then set options.
    /// Errors (prefix `update auth server failed: `): `domain 'x' does not
    /// exist`, the check-connection error, `no options specified`.
    pub fn update(
        &mut self,
        realm: &str,
        options: &BTreeMap<String, String>,
        delete: &[String],
        check_connection: Option<bool>,
        password_given: bool,
    ) -> ModelResult<()> {
        let fail = |m: String| ModelError::internal(m).in_lock("update auth server failed");
        let Some(kind) = self.get(realm).map(|r| r.kind.clone()) else {
            return Err(fail(format!("domain '{realm}' does not exist")));
        };
        if check_connection.is_some() && kind != "ldap" && kind != "ad" {
            return Err(fail(
                "'check-connection' parameter can only be set for realms of type 'ldap' or 'ad'"
                    .to_string(),
            ));
        }
        if delete.is_empty() && options.is_empty() && !password_given {
            return Err(fail("no options specified".to_string()));
        }
        refuse_line_feeds(options).map_err(fail)?;
        let before = self.clone();
        if let Some(r) = self.realms.iter_mut().find(|r| r.realm == realm) {
            for k in delete {
                r.options.remove(k);
            }
        }
        let mut opts = options.clone();
        opts.remove("password");
        Self::map_sync_options(&kind, &mut opts, true);
        if let Err(e) = realm_types::check_keys(&kind, opts.keys(), false) {
            *self = before;
            return Err(fail(e));
        }
        self.clear_default_if_set(&opts);
        if let Some(r) = self.realms.iter_mut().find(|r| r.realm == realm) {
            for (k, v) in opts {
                r.options.insert(k, v);
            }
        }
        if let Err(e) = self.check_required() {
            *self = before;
            return Err(fail(e));
        }
        self.commit();
        Ok(())
    }

    /// DELETE /access/domains/{realm}. Error: `delete auth server failed:
    /// authentication domain 'x' does not exist`. Deleting `pam`/`pve`
    /// succeeds but they come back (with default comments) on reload.
    pub fn delete(&mut self, realm: &str) -> ModelResult<()> {
        if self.get(realm).is_none() {
            return Err(ModelError::internal(format!(
                "authentication domain '{realm}' does not exist"
            ))
            .in_lock("delete auth server failed"));
        }
        self.realms.retain(|r| r.realm != realm);
        self.commit();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURE: &str = include_str!("testdata/domains.cfg");

    #[test]
    fn line_breaks_in_values_cannot_inject_options() {
        let mut d = Domains::parse(FIXTURE);
        let before = d.write();
        for bad in ["dc=x\n\tbind_dn cn=evil", "dc=x\r\tbind_dn cn=evil"] {
            let options: BTreeMap<String, String> = [
                ("base_dn".to_string(), bad.to_string()),
                ("server1".to_string(), "ldap.example".to_string()),
                ("user_attr".to_string(), "uid".to_string()),
            ]
            .into();
            let error = d.create("new", "ldap", &options, None).unwrap_err();
            assert_eq!(error.status, 500);
            assert_eq!(
                error.message,
                "add auth server failed: property 'base_dn' contains a line feed"
            );
            let error = d.update("corp", &options, &[], None, false).unwrap_err();
            assert!(
                error.message.contains("contains a line feed"),
                "{}",
                error.message
            );
        }
        assert_eq!(d.write(), before);
    }

    #[test]
    fn fixture_round_trips() {
        let d = Domains::parse(FIXTURE);
        assert_eq!(d.write(), FIXTURE);
        assert_eq!(d.get("corp").map(|r| r.kind.as_str()), Some("ldap"));
    }

    #[test]
    fn empty_file_has_builtins() {
        let d = Domains::parse("");
        assert_eq!(
            d.write(),
            "pam: pam\n\tcomment Linux PAM standard authentication\n\npve: pve\n\tcomment Proxmox VE authentication server\n\n"
        );
    }

    #[test]
    fn realm_mutations_and_errors() {
        let mut d = Domains::default();
        let opts = BTreeMap::from([
            ("server1".to_string(), "ldap.example.com".to_string()),
            ("base_dn".to_string(), "dc=example,dc=com".to_string()),
            ("user_attr".to_string(), "uid".to_string()),
            ("default".to_string(), "1".to_string()),
            ("password".to_string(), "bindpw".to_string()),
        ]);
        d.create("corp", "ldap", &opts, None).expect("create");
        assert!(!d.write().contains("bindpw"));
        let err = d.create("corp", "ldap", &opts, None).expect_err("dup");
        assert_eq!(
            err.message,
            "add auth server failed: domain 'corp' already exists"
        );
        let err = d.create("pam", "ldap", &opts, None).expect_err("reserved");
        assert_eq!(
            err.message,
            "add auth server failed: domain 'pam' already exists"
        );
        let err = d.create("x", "pve", &opts, None).expect_err("builtin");
        assert_eq!(
            err.message,
            "add auth server failed: unable to create builtin type 'pve'"
        );
        let err = d
            .create("oid", "openid", &BTreeMap::new(), Some(true))
            .expect_err("cc");
        assert_eq!(
            err.message,
            "add auth server failed: 'check-connection' parameter can only be set for realms of type 'ldap' or 'ad'"
        );
        let err = d
            .update("corp", &BTreeMap::new(), &[], None, false)
            .expect_err("noop");
        assert_eq!(
            err.message,
            "update auth server failed: no options specified"
        );
        let err = d
            .update("nope", &opts, &[], None, false)
            .expect_err("missing");
        assert_eq!(
            err.message,
            "update auth server failed: domain 'nope' does not exist"
        );
        d.update(
            "corp",
            &BTreeMap::new(),
            &["default".to_string()],
            None,
            false,
        )
        .expect("update");
        assert!(
            !d.get("corp")
                .is_some_and(|r| r.options.contains_key("default"))
        );
        let err = d.delete("nope").expect_err("delete missing");
        assert_eq!(
            err.message,
            "delete auth server failed: authentication domain 'nope' does not exist"
        );
        d.delete("corp").expect("delete");
        assert!(d.get("corp").is_none());
        d.delete("pve").expect("delete pve");
        assert!(d.get("pve").is_some());
    }
}
