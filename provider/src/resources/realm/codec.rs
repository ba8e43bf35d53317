//! Encoding attributes as PVE realm options and decoding what PVE returns.

use std::collections::BTreeMap;

use proxmox_client::{CreateDomain, DomainConfig, RealmId, UpdateDomain};
use tfplugin::diag::Diagnostics;
use tfplugin::provider::ResourceState;
use tfplugin::value::Value;

use super::{Encoding, REMOVE_VANISHED, RealmKind, SYNC_DEFAULTS};
use crate::convert;

impl RealmKind {
    /// The stored PVE options of a plan (`comment` and `default` included).
    pub fn encode(&self, value: &Value) -> Result<BTreeMap<String, String>, Diagnostics> {
        let mut options = BTreeMap::new();
        let mut sync_defaults = Vec::new();
        for option in &self.options {
            let attr = value.get(option.attr);
            if attr.is_null() {
                continue;
            }
            let bool_text = |b: bool| if b { "1" } else { "0" }.to_string();
            match option.encoding {
                Encoding::Text | Encoding::OneOf(_) => {
                    options.insert(
                        option.pve.into(),
                        convert::required_string(value, option.attr)?,
                    );
                }
                Encoding::Bool | Encoding::Flag => {
                    let b = convert::bool(value, option.attr)?.unwrap_or_default();
                    options.insert(option.pve.into(), bool_text(b));
                }
                Encoding::Port => {
                    let port = convert::i64(value, option.attr)?.unwrap_or_default();
                    options.insert(option.pve.into(), port.to_string());
                }
                Encoding::List(separator) => {
                    let items = convert::strings(value, option.attr)?.unwrap_or_default();
                    options.insert(option.pve.into(), items.join(separator));
                }
                Encoding::Pairs => {
                    let pairs = string_map(attr).ok_or_else(|| {
                        Diagnostics::from(convert::invalid(
                            option.attr,
                            "Expected a map of strings.",
                        ))
                    })?;
                    let text: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
                    options.insert(option.pve.into(), text.join(","));
                }
                Encoding::SyncChoice(key, _) => {
                    sync_defaults.push(format!(
                        "{key}={}",
                        convert::required_string(value, option.attr)?
                    ));
                }
                Encoding::SyncBool(key) => {
                    let b = convert::bool(value, option.attr)?.unwrap_or_default();
                    sync_defaults.push(format!("{key}={}", bool_text(b)));
                }
                Encoding::SyncRemoveVanished => {
                    let mut items = convert::strings(value, option.attr)?.unwrap_or_default();
                    // PVE's order, so the stored text is stable.
                    items.sort_by_key(|item| REMOVE_VANISHED.iter().position(|k| k == item));
                    let text = if items.is_empty() {
                        "none".to_string()
                    } else {
                        items.join(";")
                    };
                    sync_defaults.push(format!("remove-vanished={text}"));
                }
            }
        }
        if !sync_defaults.is_empty() {
            options.insert(SYNC_DEFAULTS.into(), sync_defaults.join(","));
        }
        Ok(options)
    }

    /// The create request for a plan; the secret comes from the configuration.
    pub fn create_request(
        &self,
        planned: &Value,
        config: &Value,
    ) -> Result<CreateDomain, Diagnostics> {
        let mut options = self.encode(planned)?;
        only_if_set(&mut options, "check-connection");
        let comment = options.remove("comment");
        let default = options.remove("default").map(|d| d == "1");
        if let Some(secret) = convert::string(config, self.secret.attr)? {
            options.insert(self.secret.pve.into(), secret);
        }
        Ok(CreateDomain {
            realm_type: self.pve_type.into(),
            comment,
            default,
            options: options.into(),
        })
    }

    /// The update from `prior` to `planned`: every planned option is sent
    /// (idempotent), options that were set and no longer are are deleted,
    /// and the secret is sent when its version changed.
    pub fn update_request(
        &self,
        prior: &Value,
        planned: &Value,
        config: &Value,
    ) -> Result<UpdateDomain, Diagnostics> {
        let mut before = self.encode(prior)?;
        let mut options = self.encode(planned)?;
        // PVE refuses fixed options on update; a change of one replaces the
        // realm, so here they are unchanged and not sent.
        for fixed in self.options.iter().filter(|option| option.replace) {
            options.remove(fixed.pve);
            before.remove(fixed.pve);
        }
        let delete: Vec<String> = before
            .keys()
            .filter(|key| !options.contains_key(*key) && key.as_str() != "check-connection")
            .cloned()
            .collect();
        only_if_set(&mut options, "check-connection");
        let secret = self.secret;
        let version_changed = planned.get(secret.version_attr) != prior.get(secret.version_attr)
            && !planned.get(secret.version_attr).is_null();
        if version_changed && let Some(value) = convert::string(config, secret.attr)? {
            options.insert(secret.pve.into(), value);
        }
        let comment = options.remove("comment");
        let default = options.remove("default").map(|d| d == "1");
        Ok(UpdateDomain {
            comment,
            default,
            options: options.into(),
            delete,
            digest: None,
        })
    }

    /// The state for what PVE returned, keeping from `prior` what PVE never
    /// returns (the request flag and the secret's version).
    pub fn decode(&self, realm: &RealmId, found: &DomainConfig, prior: &Value) -> ResourceState {
        let raw = |name: &str| -> Option<String> {
            match name {
                // PVE drops an empty comment: keep `""` when that is what was set.
                "comment" => found
                    .comment
                    .clone()
                    .or_else(|| (prior.get("comment").as_str() == Some("")).then(String::new)),
                // Always known (the attribute defaults to false).
                "default" => Some(if found.default { "1" } else { "0" }.to_string()),
                _ => found.options.get(name).and_then(option_text),
            }
        };
        let sync_defaults: BTreeMap<String, String> = raw(SYNC_DEFAULTS)
            .map(|text| {
                text.split(',')
                    .filter_map(|part| part.split_once('='))
                    .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                    .collect()
            })
            .unwrap_or_default();
        let mut attributes: Vec<(String, Value)> =
            vec![("realm".into(), Value::string(realm.as_str()))];
        for option in &self.options {
            let value = match option.encoding {
                Encoding::Flag => prior.get(option.attr).clone(),
                Encoding::Text | Encoding::OneOf(_) => {
                    raw(option.pve).map_or(Value::Null, Value::string)
                }
                Encoding::Bool => raw(option.pve).map_or(Value::Null, |t| Value::Bool(truthy(&t))),
                Encoding::Port => raw(option.pve)
                    .and_then(|t| t.parse::<i64>().ok())
                    .map_or(Value::Null, Value::from),
                Encoding::List(separator) => raw(option.pve).map_or(Value::Null, |t| {
                    Value::list_of_strings(
                        t.split(separator.trim().chars().next().unwrap_or(' '))
                            .map(str::trim)
                            .filter(|s| !s.is_empty()),
                    )
                }),
                Encoding::Pairs => raw(option.pve).map_or(Value::Null, |t| {
                    Value::map(
                        t.split(',')
                            .filter_map(|pair| pair.split_once('='))
                            .map(|(k, v)| (k.trim().to_string(), Value::string(v.trim()))),
                    )
                }),
                Encoding::SyncChoice(key, _) => {
                    sync_defaults.get(key).map_or(Value::Null, Value::string)
                }
                Encoding::SyncBool(key) => sync_defaults
                    .get(key)
                    .map_or(Value::Null, |t| Value::Bool(truthy(t))),
                Encoding::SyncRemoveVanished => {
                    sync_defaults
                        .get("remove-vanished")
                        .map_or(Value::Null, |t| {
                            Value::set_of_strings(
                                t.split(';')
                                    .map(str::trim)
                                    .filter(|s| !s.is_empty() && *s != "none"),
                            )
                        })
                }
            };
            attributes.push((option.attr.into(), value));
        }
        attributes.push((self.secret.attr.into(), Value::Null));
        attributes.push((
            self.secret.version_attr.into(),
            prior.get(self.secret.version_attr).clone(),
        ));
        ResourceState {
            state: Value::object(attributes),
            identity: Some(Value::object([("realm", Value::string(realm.as_str()))])),
            private: Vec::new(),
        }
    }

    /// Whether what PVE has matches a create request (adoption after an
    /// interrupted create).
    pub fn matches(&self, found: &DomainConfig, request: &CreateDomain) -> bool {
        found.realm_type == self.pve_type
            && found.comment.as_deref().unwrap_or_default()
                == request.comment.as_deref().unwrap_or_default()
            && request.options.iter().all(|(key, value)| {
                key == self.secret.pve
                    || key == "check-connection"
                    || found.options.get(key).and_then(option_text).as_deref()
                        == Some(value.as_str())
            })
    }
}

/// An option's value as text, whatever JSON type PVE used (`1`, `"1"`, …).
fn option_text(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Bool(b) => Some(if *b { "1" } else { "0" }.into()),
        other => Some(other.to_string()),
    }
}

/// Keeps a request flag only when it is on (PVE does not store it, and
/// some realm types refuse it even when off).
fn only_if_set(options: &mut BTreeMap<String, String>, flag: &str) {
    if options.get(flag).is_some_and(|value| value != "1") {
        options.remove(flag);
    }
}

fn truthy(text: &str) -> bool {
    !matches!(text.trim(), "0" | "" | "false")
}

pub(super) fn string_map(value: &Value) -> Option<BTreeMap<String, String>> {
    value
        .as_map()?
        .iter()
        .map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::resources::realm::{DIRECTORY_OPTIONS, RealmOption, SecretOption};

    fn kind() -> RealmKind {
        RealmKind {
            type_name: "pve_realm_ldap",
            pve_type: "ldap",
            options: vec![
                RealmOption::required("server1", "server1", Encoding::Text, "s"),
                RealmOption::optional("comment", "comment", Encoding::Text, "c"),
                DIRECTORY_OPTIONS[1],
                DIRECTORY_OPTIONS[11],
                DIRECTORY_OPTIONS[12],
                DIRECTORY_OPTIONS[19],
                DIRECTORY_OPTIONS[20],
                DIRECTORY_OPTIONS[21],
                DIRECTORY_OPTIONS[22],
            ],
            secret: SecretOption {
                attr: "bind_password_wo",
                version_attr: "bind_password_wo_version",
                pve: "password",
                description: "p",
            },
        }
    }

    fn planned() -> Value {
        Value::object([
            ("realm", Value::string("corp")),
            ("server1", Value::string("ldap.example.com")),
            ("comment", Value::Null),
            ("port", Value::from(636_i64)),
            ("user_classes", Value::list_of_strings(["person", "user"])),
            (
                "sync_attributes",
                Value::map([("email", Value::string("mail"))]),
            ),
            ("check_connection", Value::Bool(false)),
            ("sync_defaults_scope", Value::string("both")),
            ("sync_defaults_enable_new", Value::Bool(false)),
            (
                "sync_defaults_remove_vanished",
                Value::set_of_strings(["entry", "acl"]),
            ),
            ("bind_password_wo", Value::Null),
            ("bind_password_wo_version", Value::Null),
        ])
    }

    #[test]
    fn encodes_and_decodes_round_trip() {
        let options = kind().encode(&planned()).unwrap();
        assert_eq!(options["port"], "636");
        assert_eq!(options["user_classes"], "person,user");
        assert_eq!(options["sync_attributes"], "email=mail");
        assert_eq!(
            options[SYNC_DEFAULTS],
            "scope=both,enable-new=0,remove-vanished=acl;entry"
        );
        let mut returned: BTreeMap<String, serde_json::Value> = options
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::json!(v)))
            .collect();
        // PVE returns numbers as numbers, and options this provider does not know.
        returned.insert("port".into(), serde_json::json!(636));
        returned.insert("some-new-option".into(), serde_json::json!("x"));
        let found: DomainConfig = serde_json::from_value(serde_json::json!({
            "realm": "corp", "type": "ldap", "digest": "d"
        }))
        .map(|mut c: DomainConfig| {
            c.options = returned;
            c
        })
        .unwrap();
        let realm: RealmId = "corp".parse().unwrap();
        let state = kind().decode(&realm, &found, &planned()).state;
        assert_eq!(state, planned());
    }

    #[test]
    fn update_deletes_unset_options_and_sends_secret_on_version_change() {
        let prior = planned().with_attr("bind_password_wo_version", Value::from(1_i64));
        let planned = planned()
            .with_attr("port", Value::Null)
            .with_attr("sync_defaults_scope", Value::Null)
            .with_attr("sync_defaults_enable_new", Value::Null)
            .with_attr("sync_defaults_remove_vanished", Value::Null)
            .with_attr("bind_password_wo_version", Value::from(2_i64));
        let config = planned.clone().with_attr("bind_password_wo", "s3cret");
        let update = kind().update_request(&prior, &planned, &config).unwrap();
        assert_eq!(
            update.delete,
            vec!["port".to_string(), SYNC_DEFAULTS.to_string()]
        );
        assert_eq!(
            update.options.get("password").map(String::as_str),
            Some("s3cret")
        );
        let same = kind().update_request(&prior, &prior, &config).unwrap();
        assert!(!same.options.contains_key("password"));
    }

    #[test]
    fn validation_names_the_attribute() {
        let bad = planned()
            .with_attr("port", Value::from(70000_i64))
            .with_attr(
                "sync_defaults_remove_vanished",
                Value::set_of_strings(["everything"]),
            )
            .with_attr("bind_password_wo_version", Value::from(1_i64));
        let diagnostics = kind().validate(&bad);
        let at: Vec<String> = diagnostics
            .iter()
            .filter_map(|d| d.attribute.as_ref().map(ToString::to_string))
            .collect();
        assert_eq!(
            at,
            [
                "port",
                "sync_defaults_remove_vanished",
                "bind_password_wo_version"
            ]
        );
        assert!(kind().validate(&planned()).is_empty());
        let builtin = kind().validate(&planned().with_attr("realm", "pam"));
        assert!(builtin.iter().any(|d| d.detail.contains("built-in realm")));
    }
}
