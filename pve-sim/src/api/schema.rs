//! PVE's own API schema (embedded copy of `pve-api-access.json`) and the
//! generic parameter validator driven by it (`PVE::JSONSchema::validate`).

use std::collections::BTreeMap;
use std::sync::LazyLock;

use regex::Regex;
use serde_json::{Map, Value};

use super::error::ApiError;
use super::formats::check_format;
use super::params::Params;

static SCHEMA_TEXT: &str = include_str!("../../schema/pve-api-access.json");

/// The inventory methods (`/nodes/…`, `/storage`, `/cluster/status`),
/// written by hand from pve-manager, qemu-server, pve-container and
/// pve-storage in the same layout.
static INVENTORY_SCHEMA_TEXT: &str = include_str!("../../schema/pve-api-inventory.json");

static SCHEMA: LazyLock<Value> = LazyLock::new(|| {
    let mut schema: Value = serde_json::from_str(SCHEMA_TEXT).unwrap_or(Value::Null);
    let inventory: Value = serde_json::from_str(INVENTORY_SCHEMA_TEXT).unwrap_or(Value::Null);
    if let (Some(paths), Some(extra)) = (
        schema.get_mut("paths").and_then(Value::as_object_mut),
        inventory.get("paths").and_then(Value::as_object),
    ) {
        for (path, methods) in extra {
            paths.entry(path.clone()).or_insert_with(|| methods.clone());
        }
    }
    schema
});

/// One method of the schema: its parameters, permission tree and token flag.
#[derive(Debug, Clone, Copy)]
pub struct MethodSpec {
    /// The method's schema entry (`parameters`, `permissions`, `allowtoken`…).
    pub info: &'static Value,
}

impl MethodSpec {
    /// Look up `METHOD /template` (template as in the schema, e.g.
    /// `/access/users/{userid}`).
    pub fn lookup(method: &str, template: &str) -> Option<Self> {
        SCHEMA
            .get("paths")?
            .get(template)?
            .get(method)
            .map(|info| Self { info })
    }

    /// `allowtoken` (defaults to 1 like PVE).
    pub fn allow_token(&self) -> bool {
        self.info
            .get("allowtoken")
            .and_then(Value::as_i64)
            .is_none_or(|v| v != 0)
    }

    /// The `permissions` object (`{"check": […]}`, `{"user": "all"}` …).
    pub fn permissions(&self) -> Option<&'static Value> {
        self.info.get("permissions")
    }

    /// The parameter schema (`{"additionalProperties":0,"properties":{…}}`).
    pub fn parameters(&self) -> Option<&'static Value> {
        self.info.get("parameters")
    }
}

/// Every `METHOD template` pair in the embedded schema (for tests and 501).
pub fn all_methods() -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Some(paths) = SCHEMA.get("paths").and_then(Value::as_object) {
        for (path, methods) in paths {
            if let Some(methods) = methods.as_object() {
                for method in methods.keys() {
                    out.push((method.clone(), path.clone()));
                }
            }
        }
    }
    out
}

static PATTERN_CACHE: LazyLock<std::sync::Mutex<BTreeMap<String, Option<Regex>>>> =
    LazyLock::new(Default::default);

/// Perl stringified regexes (`(?^:…)`) → Rust syntax, anchored like PVE
/// (`m/^$pattern$/`).
fn pattern_matches(pattern: &str, value: &str) -> bool {
    let Ok(mut cache) = PATTERN_CACHE.lock() else {
        return true;
    };
    let regex = cache.entry(pattern.to_string()).or_insert_with(|| {
        let rust = pattern.replace("(?^:", "(?:");
        Regex::new(&format!("^(?:{rust})$")).ok()
    });
    regex.as_ref().is_none_or(|r| r.is_match(value))
}

/// A scalar as Perl sees it in string context.
fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(if *b { "1" } else { "0" }.to_string()),
        _ => None,
    }
}

fn ref_kind(value: &Value) -> &'static str {
    match value {
        Value::Array(_) => "ARRAY",
        Value::Object(_) => "HASH",
        _ => "SCALAR",
    }
}

/// `check_type`; returns false (and records the error) on mismatch.
fn check_type(kind: &str, value: &Value) -> Result<(), String> {
    if matches!(value, Value::Array(_) | Value::Object(_)) {
        return Err(format!(
            "type check ('{kind}') failed - got {}",
            ref_kind(value)
        ));
    }
    // A JSON true/false is a JSON::PP::Boolean reference in Perl, accepted
    // only where a boolean is expected (pve-common `JSONSchema.pm`
    // `check_type`: `JSON::is_bool` for 'boolean', else "got <ref>").
    if matches!(value, Value::Bool(_)) && kind != "boolean" && kind != "any" {
        return Err(format!(
            "type check ('{kind}') failed - got JSON::PP::Boolean"
        ));
    }
    let text = scalar_text(value).unwrap_or_default();
    let ok = match kind {
        "boolean" => matches!(value, Value::Bool(_)) || text == "1" || text == "0",
        "integer" => {
            let digits = text.strip_prefix(['+', '-']).unwrap_or(&text);
            !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
        }
        "number" => text.parse::<f64>().is_ok(),
        _ => true,
    };
    if ok {
        Ok(())
    } else {
        Err(format!("type check ('{kind}') failed - got '{text}'"))
    }
}

fn number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

fn fmt_num(value: &Value) -> String {
    scalar_text(value).unwrap_or_default()
}

/// `check_prop` for one present value, its checks in pve-common's order
/// (`JSONSchema.pm`: type, format, pattern, maxLength, minLength, maximum,
/// minimum, enum), the first failure reported.
fn check_prop(schema: &Value, value: &Value) -> Result<(), String> {
    let kind = schema
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("string");
    check_type(kind, value)?;
    let text = scalar_text(value).unwrap_or_default();
    if let Some(format) = schema.get("format").and_then(Value::as_str)
        && let Err(inner) = check_format(format, &text)
    {
        return Err(format!("invalid format - {inner}"));
    }
    if let Some(pattern) = schema.get("pattern").and_then(Value::as_str)
        && !pattern_matches(pattern, &text)
    {
        return Err("value does not match the regex pattern".to_string());
    }
    let len = text.chars().count();
    if let Some(max) = schema.get("maxLength").and_then(Value::as_u64)
        && (len as u64) > max
    {
        return Err(format!("value may only be {max} characters long"));
    }
    if let Some(min) = schema.get("minLength").and_then(Value::as_u64)
        && (len as u64) < min
    {
        return Err(format!("value must be at least {min} characters long"));
    }
    if kind == "integer" || kind == "number" {
        let n = number(value).unwrap_or(0.0);
        if let Some(max) = schema.get("maximum")
            && number(max).is_some_and(|m| n > m)
        {
            return Err(format!(
                "value must have a maximum value of {}",
                fmt_num(max)
            ));
        }
        if let Some(min) = schema.get("minimum")
            && number(min).is_some_and(|m| n < m)
        {
            return Err(format!(
                "value must have a minimum value of {}",
                fmt_num(min)
            ));
        }
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        let names: Vec<String> = values.iter().filter_map(scalar_text).collect();
        if !names.contains(&text) {
            return Err(format!(
                "value '{text}' does not have a value in the enumeration '{}'",
                names.join(", ")
            ));
        }
    }
    Ok(())
}

/// `RESTHandler::$normalize_legacy_param_formats`: a repeated urlencoded
/// key (an array) for a `-list` string parameter is joined with `,`.
fn normalize_lists(properties: &Map<String, Value>, params: &mut Map<String, Value>) {
    for (name, value) in params.iter_mut() {
        let Some(schema) = properties.get(name) else {
            continue;
        };
        let is_list = schema
            .get("format")
            .and_then(Value::as_str)
            .is_some_and(|f| f.ends_with("-list"));
        if is_list && let Value::Array(items) = value {
            let joined: Vec<String> = items.iter().filter_map(scalar_text).collect();
            *value = Value::String(joined.join(","));
        }
    }
}

/// Validate `params` against a method's parameter schema. On failure, a 400
/// with one message per offending field, exactly as PVE words them.
pub fn validate(parameters: Option<&Value>, params: &mut Params) -> Result<(), ApiError> {
    let empty = Map::new();
    let properties = parameters
        .and_then(|p| p.get("properties"))
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let additional = parameters
        .and_then(|p| p.get("additionalProperties"))
        .is_none_or(|v| v.as_i64() != Some(0) && v.as_bool() != Some(false));
    normalize_lists(properties, params.map_mut());

    let mut errors = BTreeMap::new();
    for (name, schema) in properties {
        match params.raw(name) {
            None | Some(Value::Null) => {
                // The schema dump spells the flag 1, true or "1" (Perl's
                // loose typing, e.g. on the realm sync parameters).
                let optional = match schema.get("optional") {
                    Some(Value::Number(n)) => n.as_i64() == Some(1),
                    Some(Value::Bool(b)) => *b,
                    Some(Value::String(s)) => s == "1",
                    _ => false,
                };
                if !optional {
                    errors.insert(
                        name.clone(),
                        "property is missing and it is not optional".to_string(),
                    );
                }
            }
            Some(value) => {
                if let Err(message) = check_prop(schema, value) {
                    errors.insert(name.clone(), message);
                }
                if let Some(required) = schema.get("requires").and_then(Value::as_str)
                    && params.raw(required).is_none_or(Value::is_null)
                {
                    errors.insert(
                        required.to_string(),
                        format!("missing property required by '{name}'"),
                    );
                }
            }
        }
    }
    if !additional {
        for name in params.names() {
            if !properties.contains_key(&name) {
                errors.insert(
                    name,
                    "property is not defined in schema and the schema does not allow additional properties"
                        .to_string(),
                );
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Params(errors))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn params(v: Value) -> Params {
        match v {
            Value::Object(m) => Params::from_map(m),
            _ => Params::default(),
        }
    }

    fn errors_of(method: &str, path: &str, v: Value) -> BTreeMap<String, String> {
        let spec = MethodSpec::lookup(method, path).unwrap();
        match validate(spec.parameters(), &mut params(v)) {
            Ok(()) => BTreeMap::new(),
            Err(ApiError::Params(e)) => e,
            Err(other) => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn schema_is_embedded_and_complete() {
        assert!(all_methods().len() > 50);
        assert!(MethodSpec::lookup("PUT", "/access/password").is_some_and(|s| !s.allow_token()));
        assert!(MethodSpec::lookup("GET", "/access/users").is_some_and(|s| s.allow_token()));
    }

    #[test]
    fn optional_spelled_as_a_string_is_optional() {
        // `full` and `purge` are `"optional": "1"` in the dump.
        let e = errors_of(
            "POST",
            "/access/domains/{realm}/sync",
            json!({"realm": "corp", "scope": "users"}),
        );
        assert!(e.is_empty(), "{e:?}");
        let e = errors_of(
            "POST",
            "/access/domains/{realm}/sync",
            json!({"scope": "users"}),
        );
        assert_eq!(e["realm"], "property is missing and it is not optional");
    }

    #[test]
    fn pve_messages() {
        let e = errors_of(
            "POST",
            "/access/users",
            json!({"enable": "true", "expire": "abc", "email": "x", "bogus": "1"}),
        );
        assert_eq!(e["userid"], "property is missing and it is not optional");
        assert_eq!(e["enable"], "type check ('boolean') failed - got 'true'");
        assert_eq!(e["expire"], "type check ('integer') failed - got 'abc'");
        assert_eq!(
            e["email"],
            "invalid format - value does not look like a valid email address\n"
        );
        assert_eq!(
            e["bogus"],
            "property is not defined in schema and the schema does not allow additional properties"
        );
        let e = errors_of(
            "PUT",
            "/access/users/{userid}",
            json!({"userid": "a@pve", "comment": true, "expire": false, "enable": true}),
        );
        assert_eq!(
            e.get("comment").map(String::as_str),
            Some("type check ('string') failed - got JSON::PP::Boolean")
        );
        assert_eq!(
            e.get("expire").map(String::as_str),
            Some("type check ('integer') failed - got JSON::PP::Boolean")
        );
        assert!(!e.contains_key("enable"), "{e:?}");
        let e = errors_of(
            "PUT",
            "/access/users/{userid}",
            json!({"userid": "a@pve", "append": "1", "expire": "-1"}),
        );
        assert_eq!(e["groups"], "missing property required by 'append'");
        assert_eq!(e["expire"], "value must have a minimum value of 0");
        let e = errors_of(
            "POST",
            "/access/users",
            json!({"userid": "a@pve", "password": "short"}),
        );
        assert_eq!(e["password"], "value must be at least 8 characters long");
        let e = errors_of(
            "POST",
            "/access/domains",
            json!({"realm": "x1", "type": "nis", "port": "70000"}),
        );
        assert_eq!(
            e["type"],
            "value 'nis' does not have a value in the enumeration 'ad, ldap, openid, pam, pve'"
        );
        assert_eq!(e["port"], "value must have a maximum value of 65535");
        let e = errors_of(
            "GET",
            "/access/users/{userid}/token/{tokenid}",
            json!({"userid": "a@pve", "tokenid": "1x"}),
        );
        assert_eq!(e["tokenid"], "value does not match the regex pattern");
    }

    #[test]
    fn json_booleans_and_list_arrays() {
        let e = errors_of(
            "PUT",
            "/access/acl",
            json!({"path": "/", "roles": ["PVEAuditor", "PVEAdmin"], "propagate": true}),
        );
        assert!(e.is_empty(), "{e:?}");
    }
}
