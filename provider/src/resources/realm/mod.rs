//! The realm resources `pve_realm_ldap`, `pve_realm_ad` and
//! `pve_realm_openid`: one type ([`RealmResource`], constructed three ways).
//! A realm is one `domains.cfg` section whose options map one-to-one to
//! attributes, so each way describes its options in a table and this
//! module builds the schema, checks the configuration, encodes the options
//! for PVE and decodes what PVE returns.
//!
//! Unset attributes are absent options (null in state); PVE's defaults are
//! documented, not copied into state, so a plan is empty whatever the
//! server's defaults. Options PVE returns that no attribute knows are
//! ignored.

use std::collections::BTreeSet;

use proxmox_client::RealmId;
use tfplugin::diag::Diagnostics;
use tfplugin::schema::{Attribute, Block, IdentityAttribute, IdentitySchema, Schema};
use tfplugin::value::{Type, Value};

use crate::convert;

mod codec;
mod crud;
mod moved;
mod resource;

pub use resource::RealmResource;

pub(crate) use moved::{BpgOption, BpgSecret};

use codec::string_map;

/// PVE's sync-defaults option, holding the `sync_defaults_*` attributes.
pub(crate) const SYNC_DEFAULTS: &str = "sync-defaults-options";

/// How one attribute is encoded in PVE's realm options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    /// A string, verbatim.
    Text,
    /// A string limited to the given values.
    OneOf(&'static [&'static str]),
    /// `1`/`0`.
    Bool,
    /// A TCP port, 1–65535.
    Port,
    /// A list of strings joined by this separator (`,` or ` `).
    List(&'static str),
    /// A map `key=value,key=value` (`sync_attributes`).
    Pairs,
    /// A key of `sync-defaults-options`, holding a string of the given values.
    SyncChoice(&'static str, &'static [&'static str]),
    /// A boolean key of `sync-defaults-options`.
    SyncBool(&'static str),
    /// The `remove-vanished` key of `sync-defaults-options`: a set of
    /// `acl`, `properties`, `entry`; the empty set is PVE's `none`.
    SyncRemoveVanished,
    /// A request flag PVE does not store (`check-connection`): sent with
    /// every create and update, kept in state as configured.
    Flag,
}

/// One realm option: its attribute, its PVE name and how it is encoded.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RealmOption {
    pub attr: &'static str,
    pub pve: &'static str,
    pub encoding: Encoding,
    pub required: bool,
    /// PVE does not allow changing it (`fixed`): a change replaces the realm.
    pub replace: bool,
    pub description: &'static str,
}

impl RealmOption {
    /// An optional option.
    pub const fn optional(
        attr: &'static str,
        pve: &'static str,
        encoding: Encoding,
        description: &'static str,
    ) -> Self {
        RealmOption {
            attr,
            pve,
            encoding,
            required: false,
            replace: false,
            description,
        }
    }

    /// A required option.
    pub const fn required(
        attr: &'static str,
        pve: &'static str,
        encoding: Encoding,
        description: &'static str,
    ) -> Self {
        RealmOption {
            required: true,
            ..Self::optional(attr, pve, encoding, description)
        }
    }

    /// An option that cannot change after creation.
    pub const fn fixed(self) -> Self {
        RealmOption {
            replace: true,
            ..self
        }
    }

    fn ty(&self) -> Type {
        match self.encoding {
            Encoding::Bool | Encoding::SyncBool(_) | Encoding::Flag => Type::Bool,
            Encoding::Port => Type::Number,
            Encoding::List(_) => Type::List(Box::new(Type::String)),
            Encoding::SyncRemoveVanished => Type::Set(Box::new(Type::String)),
            Encoding::Pairs => Type::Map(Box::new(Type::String)),
            Encoding::Text | Encoding::OneOf(_) | Encoding::SyncChoice(..) => Type::String,
        }
    }
}

/// The write-only secret of a realm type (`bind_password_wo`, `client_key_wo`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct SecretOption {
    /// e.g. `bind_password_wo`; the version attribute is `<attr>_version`.
    pub attr: &'static str,
    pub version_attr: &'static str,
    /// PVE's parameter: `password` or `client-key`.
    pub pve: &'static str,
    pub description: &'static str,
}

/// A realm type: its Terraform type, PVE type and options.
#[derive(Debug, Clone)]
pub(crate) struct RealmKind {
    pub type_name: &'static str,
    pub pve_type: &'static str,
    pub options: Vec<RealmOption>,
    pub secret: SecretOption,
}

/// The options every realm type shares.
pub(crate) const COMMON_OPTIONS: [RealmOption; 2] = [
    RealmOption::optional(
        "comment",
        "comment",
        Encoding::Text,
        "A free-form comment, shown on the login screen's realm list.",
    ),
    RealmOption::optional(
        "default",
        "default",
        Encoding::Bool,
        "Make this the realm preselected at login. Setting it on one realm clears it on the others (PVE keeps one default). Default false.",
    ),
];

/// The LDAP connection and sync options LDAP and AD realms share.
pub(crate) const DIRECTORY_OPTIONS: [RealmOption; 25] = [
    RealmOption::optional(
        "server2",
        "server2",
        Encoding::Text,
        "The fallback server, used when `server1` is unreachable.",
    ),
    RealmOption::optional(
        "port",
        "port",
        Encoding::Port,
        "The server port (1–65535). PVE's default: 389, or 636 with `mode = \"ldaps\"`.",
    ),
    RealmOption::optional(
        "mode",
        "mode",
        Encoding::OneOf(&["ldap", "ldaps", "ldap+starttls"]),
        "The connection protocol: `ldap`, `ldaps` or `ldap+starttls`. PVE's default: `ldap`.",
    ),
    RealmOption::optional(
        "secure",
        "secure",
        Encoding::Bool,
        "Deprecated by PVE in favour of `mode`: use LDAPS.",
    ),
    RealmOption::optional(
        "sslversion",
        "sslversion",
        Encoding::OneOf(&["tlsv1", "tlsv1_1", "tlsv1_2", "tlsv1_3"]),
        "The minimum TLS version for `ldaps`/`ldap+starttls`: `tlsv1`, `tlsv1_1`, `tlsv1_2` or `tlsv1_3`.",
    ),
    RealmOption::optional(
        "verify",
        "verify",
        Encoding::Bool,
        "Verify the server's TLS certificate. PVE's default: false; set it to true with `ldaps` or `ldap+starttls`.",
    ),
    RealmOption::optional(
        "capath",
        "capath",
        Encoding::Text,
        "The CA certificate file or directory used with `verify`. PVE's default: `/etc/ssl/certs`.",
    ),
    RealmOption::optional(
        "cert",
        "cert",
        Encoding::Text,
        "The path of a client certificate, for servers that require one.",
    ),
    RealmOption::optional(
        "certkey",
        "certkey",
        Encoding::Text,
        "The path of the client certificate's key.",
    ),
    RealmOption::optional(
        "bind_dn",
        "bind_dn",
        Encoding::Text,
        "The DN to bind as for searches and sync, e.g. `cn=pve,ou=services,dc=example,dc=com`. Unset: anonymous bind.",
    ),
    RealmOption::optional(
        "filter",
        "filter",
        Encoding::Text,
        "An LDAP filter users must match to log in and be synced, e.g. `(memberOf=cn=pve,ou=groups,dc=example,dc=com)`.",
    ),
    RealmOption::optional(
        "user_classes",
        "user_classes",
        Encoding::List(","),
        "The object classes of users. PVE's default: `inetorgperson`, `posixaccount`, `person`, `user`.",
    ),
    RealmOption::optional(
        "sync_attributes",
        "sync_attributes",
        Encoding::Pairs,
        "Which LDAP attribute fills which user field on sync, e.g. `{ email = \"mail\", firstname = \"givenName\" }`.",
    ),
    RealmOption::optional(
        "group_dn",
        "group_dn",
        Encoding::Text,
        "The base DN of groups for sync, e.g. `ou=groups,dc=example,dc=com`.",
    ),
    RealmOption::optional(
        "group_name_attr",
        "group_name_attr",
        Encoding::Text,
        "The attribute holding a group's name, e.g. `cn`.",
    ),
    RealmOption::optional(
        "group_filter",
        "group_filter",
        Encoding::Text,
        "An LDAP filter groups must match to be synced.",
    ),
    RealmOption::optional(
        "group_classes",
        "group_classes",
        Encoding::List(","),
        "The object classes of groups. PVE's default: `groupOfNames`, `group`, `univentionGroup`, `ipausergroup`.",
    ),
    RealmOption::optional(
        "case_sensitive",
        "case-sensitive",
        Encoding::Bool,
        "Whether user names are case-sensitive. PVE's default: true. When false, PVE treats `Jane@corp` and `jane@corp` as one user: creating one while the other exists fails, and every call must use the stored spelling.",
    ),
    RealmOption::optional(
        "tfa",
        "tfa",
        Encoding::Text,
        "Realm-wide two-factor authentication, in PVE's property format, e.g. `type=oath,digits=6,step=30`.",
    ),
    RealmOption::optional(
        "check_connection",
        "check-connection",
        Encoding::Flag,
        "Have PVE bind to the server when the realm is created or changed, failing the apply if it cannot. Not stored by PVE.",
    ),
    RealmOption::optional(
        "sync_defaults_scope",
        SYNC_DEFAULTS,
        Encoding::SyncChoice("scope", &["users", "groups", "both"]),
        "Default for syncs: what to sync, `users`, `groups` or `both`.",
    ),
    RealmOption::optional(
        "sync_defaults_enable_new",
        SYNC_DEFAULTS,
        Encoding::SyncBool("enable-new"),
        "Default for syncs: enable newly synced users. PVE's default: true.",
    ),
    RealmOption::optional(
        "sync_defaults_remove_vanished",
        SYNC_DEFAULTS,
        Encoding::SyncRemoveVanished,
        "Default for syncs: what to remove when an entry vanished from the directory, a set of `acl`, `properties`, `entry`; empty means none.",
    ),
    RealmOption::optional(
        "sync_defaults_full",
        SYNC_DEFAULTS,
        Encoding::SyncBool("full"),
        "Deprecated by PVE (use `sync_defaults_remove_vanished`): full sync.",
    ),
    RealmOption::optional(
        "sync_defaults_purge",
        SYNC_DEFAULTS,
        Encoding::SyncBool("purge"),
        "Deprecated by PVE (use `sync_defaults_remove_vanished`): purge removed entries.",
    ),
];

pub(crate) const REMOVE_VANISHED: [&str; 3] = ["acl", "properties", "entry"];

impl RealmKind {
    /// The schema: `realm`, the options, and the write-only secret.
    pub fn schema(&self, description: &str) -> Schema {
        let mut attributes = vec![
            Attribute::required("realm", Type::String)
                .description("The realm id (up to 32 letters, digits, `.`, `-`, `_`; starts with a letter), the `@REALM` of its users. Changing it replaces the realm.")
                .requires_replace(),
        ];
        for option in &self.options {
            let attribute = if option.required {
                Attribute::required(option.attr, option.ty())
            } else {
                Attribute::optional(option.attr, option.ty())
            }
            .description(option.description);
            let attribute = if option.replace {
                attribute.requires_replace()
            } else {
                attribute
            };
            // PVE reports `default` only when on, so off is the known default.
            attributes.push(if option.attr == "default" {
                attribute.default_value(Value::Bool(false))
            } else {
                attribute
            });
        }
        let secret = self.secret;
        attributes.push(
            Attribute::optional(secret.attr, Type::String)
                .description(secret.description)
                .sensitive()
                .write_only(),
        );
        attributes.push(Attribute::optional(secret.version_attr, Type::Number).description(format!(
            "Any whole number; changing it sends `{}` to PVE again (in place). Without it, `{}` is sent only when the realm is created.",
            secret.attr, secret.attr
        )));
        Schema::new(Block {
            description: description.into(),
            attributes,
            ..Block::default()
        })
    }

    /// The identity: the realm id.
    pub fn identity_schema(&self) -> IdentitySchema {
        IdentitySchema {
            version: 0,
            attributes: vec![IdentityAttribute {
                name: "realm".into(),
                ty: Type::String,
                required_for_import: true,
                optional_for_import: false,
                description: "The realm id.".into(),
            }],
        }
    }

    /// Static checks of a configuration; unknown values are skipped.
    pub fn validate(&self, config: &Value) -> Diagnostics {
        let mut diagnostics = Diagnostics::new();
        convert::check_known_string(config, "realm", &mut diagnostics, |text| {
            check_realm_id(text)?;
            if matches!(text, "pam" | "pve") {
                return Err(format!(
                    "`{text}` is a built-in realm and cannot be created or managed; choose another realm id."
                ));
            }
            Ok(())
        });
        for option in &self.options {
            let value = config.get(option.attr);
            if !value.is_known() || value.is_null() {
                continue;
            }
            if let Err(detail) = check_option(option, value) {
                diagnostics.push(convert::invalid(option.attr, detail));
            }
        }
        let secret = self.secret;
        if !config.get(secret.version_attr).is_null() && config.get(secret.attr).is_null() {
            diagnostics.push(convert::invalid(
                secret.version_attr,
                format!(
                    "`{}` only says when to send `{}` again, and `{}` is not set: set `{}`, or remove `{}`.",
                    secret.version_attr, secret.attr, secret.attr, secret.attr, secret.version_attr
                ),
            ));
        }
        diagnostics
    }

    /// The realm id of a state or plan.
    pub fn realm_id(&self, value: &Value) -> Result<RealmId, Diagnostics> {
        convert::id_attr(value, "realm", "corp")
    }
}

/// Realm ids: PVE's `pve-realm` format, at most 32 characters.
pub(crate) fn check_realm_id(text: &str) -> Result<(), String> {
    text.parse::<RealmId>()
        .map(|_| ())
        .map_err(|error| format!("{error}. Use a value like `corp` or `ldap-main`."))
}

/// Checks one known, non-null option value; the error says the fix.
fn check_option(option: &RealmOption, value: &Value) -> Result<(), String> {
    let one_of = |text: &str, allowed: &[&str]| {
        if allowed.contains(&text) {
            Ok(())
        } else {
            Err(format!("`{text}` is not one of {}.", quoted(allowed)))
        }
    };
    match option.encoding {
        Encoding::OneOf(allowed) | Encoding::SyncChoice(_, allowed) => {
            value.as_str().map_or(Ok(()), |text| one_of(text, allowed))
        }
        Encoding::Port => match value.as_i64() {
            Some(port) if (1..=65535).contains(&port) => Ok(()),
            _ => Err("The port must be a whole number from 1 to 65535.".into()),
        },
        Encoding::SyncRemoveVanished => {
            let items: BTreeSet<&str> = value
                .elements()
                .unwrap_or_default()
                .iter()
                .filter_map(Value::as_str)
                .collect();
            items
                .iter()
                .try_for_each(|item| one_of(item, &REMOVE_VANISHED))
                .map_err(|error| format!("{error} Use an empty set for none."))
        }
        Encoding::List(separator) => {
            let bad = value
                .elements()
                .unwrap_or_default()
                .iter()
                .filter_map(Value::as_str)
                .find(|item| {
                    item.is_empty()
                        || item.contains(separator.trim().chars().next().unwrap_or(','))
                        || item.trim() != *item
                });
            match bad {
                Some(item) => Err(format!(
                    "`{item}` is not a single name: give each name as its own list element, without separators or spaces."
                )),
                None => Ok(()),
            }
        }
        Encoding::Pairs => {
            let map = string_map(value).unwrap_or_default();
            match map.iter().find(|(k, v)| {
                k.is_empty()
                    || !k.chars().all(|c| c.is_alphanumeric() || c == '_')
                    || v.is_empty()
                    || v.contains(',')
            }) {
                Some((k, _)) => Err(format!(
                    "`{k}`: keys are PVE user fields (letters, digits, `_`) and values LDAP attribute names without `,`, e.g. `{{ email = \"mail\" }}`."
                )),
                None => Ok(()),
            }
        }
        Encoding::Text => match value.as_str() {
            // domains.cfg is line based: PVE refuses `\n` and `\r` alike.
            Some(text) if text.contains(['\n', '\r']) && option.attr != "comment" => {
                Err("The value cannot contain a line break (`\\n` or `\\r`).".into())
            }
            _ => Ok(()),
        },
        Encoding::Bool | Encoding::SyncBool(_) | Encoding::Flag => Ok(()),
    }
}

fn quoted(values: &[&str]) -> String {
    values
        .iter()
        .map(|v| format!("`{v}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_options_refuse_both_line_breaks() {
        let option = RealmOption::required("base_dn", "base_dn", Encoding::Text, "d");
        for text in ["dc=a\nbind_dn x", "dc=a\rbind_dn x"] {
            let error = check_option(&option, &Value::string(text)).expect_err(text);
            assert!(error.contains("line break"), "{error}");
        }
        assert!(check_option(&option, &Value::string("dc=example,dc=com")).is_ok());
    }
}
