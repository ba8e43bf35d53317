//! Handlers per API area, with their request and response types.

pub mod access;
pub mod acl;
pub mod cluster;
pub mod domains;
pub mod groups;
pub mod pools;
pub mod roles;
pub mod tasks;
pub mod tokens;
pub mod users;

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::Error;

/// Adds `key: value` to a JSON object (PVE omits the id in single-object answers).
pub(crate) fn with_field(mut data: Value, key: &str, value: &str) -> Value {
    if let Value::Object(map) = &mut data {
        map.insert(key.to_owned(), Value::String(value.to_owned()));
    }
    data
}

/// Decodes `data` into `T`, reporting shape errors with the request.
pub(crate) fn decode<T: DeserializeOwned>(
    method: &str,
    path: &str,
    data: Value,
) -> Result<T, Error> {
    serde_json::from_value(data).map_err(|e| Error::Decode {
        method: method.to_owned(),
        path: path.to_owned(),
        message: e.to_string(),
    })
}

/// Identifying fields of a list entry, for the warning about a skipped one
/// (ids and paths only: never a field that could hold a secret).
const ENTRY_ID_FIELDS: [&str; 9] = [
    "path", "type", "ugid", "roleid", "userid", "groupid", "tokenid", "poolid", "realm",
];

fn entry_name(entry: &Value) -> String {
    let fields: Vec<String> = ENTRY_ID_FIELDS
        .iter()
        .filter_map(|key| {
            let value = entry.get(*key)?.as_str()?;
            Some(format!("{key}={value:?}"))
        })
        .collect();
    if fields.is_empty() {
        "an entry without an id".to_owned()
    } else {
        fields.join(" ")
    }
}

/// Decodes a list answer entry by entry. An entry that does not fit `T`
/// (e.g. a group another tool created under PVE 8.2.1–9.0.4's looser name
/// rule, which the strict id types refuse) is left out, and one warning
/// names every entry left out: one foreign entry must not break every read
/// of the list. The answer as a whole must still be a list.
pub(crate) fn decode_list<T: DeserializeOwned>(
    method: &str,
    path: &str,
    data: Value,
) -> Result<Vec<T>, Error> {
    let items = match data {
        Value::Array(items) => items,
        Value::Null => return Ok(Vec::new()),
        other => {
            return Err(Error::Decode {
                method: method.to_owned(),
                path: path.to_owned(),
                message: format!("expected a list, got {}", json_kind(&other)),
            });
        }
    };
    let mut decoded = Vec::with_capacity(items.len());
    let mut skipped = Vec::new();
    for item in items {
        let name = entry_name(&item);
        match serde_json::from_value::<T>(item) {
            Ok(value) => decoded.push(value),
            Err(error) => skipped.push(format!("{name}: {error}")),
        }
    }
    if !skipped.is_empty() {
        tracing::warn!(
            method,
            path,
            count = skipped.len(),
            entries = %skipped.join("; "),
            "left out list entries this client cannot represent"
        );
    }
    Ok(decoded)
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_decoding_keeps_what_parses_and_skips_the_rest() {
        let data = serde_json::json!([
            {"path": "/", "type": "group", "ugid": "ops", "roleid": "PVEAuditor", "propagate": 1},
            {"path": "/", "type": "group", "ugid": "ops team", "roleid": "PVEAuditor", "propagate": 1},
            {"path": "/vms", "type": "user", "ugid": "bob@pve", "roleid": "Bad:Role", "propagate": 0},
            {"path": "/vms", "type": "user", "ugid": "bob@pve", "roleid": "PVEVMUser", "propagate": 0},
            {"path": "/", "type": "someday", "ugid": "x", "roleid": "R"}
        ]);
        let entries: Vec<crate::AclEntry> = decode_list("GET", "/access/acl", data).unwrap();
        let kept: Vec<String> = entries
            .iter()
            .map(|e| format!("{} {}", e.principal, e.roleid))
            .collect();
        assert_eq!(kept, ["@ops PVEAuditor", "bob@pve PVEVMUser"]);
        assert!(
            decode_list::<crate::AclEntry>("GET", "/access/acl", serde_json::json!({"a": 1}))
                .is_err()
        );
    }

    #[test]
    fn skipped_entries_are_named_by_ids_only() {
        let entry = serde_json::json!({"userid": "x y@pve", "keys": "secret-ish", "comment": "c"});
        assert_eq!(entry_name(&entry), "userid=\"x y@pve\"");
    }
}
