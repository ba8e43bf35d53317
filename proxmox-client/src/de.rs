//! Lenient decoders for PVE's loosely typed JSON (reference §1.1).
//!
//! Perl's JSON encoder emits config values as numbers but echoes request
//! values with their request type, so booleans arrive as `1`, `"1"` or `true`,
//! lists as arrays or comma-joined strings, and absent collections as `null`.

use std::collections::BTreeSet;
use std::str::FromStr;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

fn value_to_bool<E: serde::de::Error>(v: &Value) -> Result<bool, E> {
    match v {
        Value::Null => Ok(false),
        Value::Bool(b) => Ok(*b),
        Value::Number(n) => Ok(n.as_f64().is_some_and(|f| f != 0.0)),
        Value::String(s) => match s.trim() {
            "" | "0" | "false" => Ok(false),
            "1" | "true" => Ok(true),
            other => Err(E::custom(format!("expected a boolean 0/1, got '{other}'"))),
        },
        other => Err(E::custom(format!("expected a boolean 0/1, got {other}"))),
    }
}

/// A boolean given as `0`/`1`, `"0"`/`"1"`, `true`/`false` or `null` (false).
pub(crate) fn bool_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    value_to_bool(&Value::deserialize(d)?)
}

/// Like [`bool_lenient`], keeping `null`/absent as `None`.
pub(crate) fn opt_bool_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        v => value_to_bool(&v).map(Some),
    }
}

/// An integer given as a number or a numeric string; `null`/`""` is 0.
pub(crate) fn i64_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(0),
        Value::Number(n) => n
            .as_i64()
            .or_else(|| n.as_f64().map(|f| f as i64))
            .ok_or_else(|| D::Error::custom(format!("expected an integer, got {n}"))),
        Value::String(s) if s.trim().is_empty() => Ok(0),
        Value::String(s) => s
            .trim()
            .parse()
            .map_err(|_| D::Error::custom(format!("expected an integer, got '{s}'"))),
        Value::Bool(b) => Ok(i64::from(b)),
        other => Err(D::Error::custom(format!(
            "expected an integer, got {other}"
        ))),
    }
}

/// Like [`i64_lenient`], keeping `null`/absent as `None`.
pub(crate) fn opt_i64_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        v => i64_lenient(v).map(Some).map_err(D::Error::custom),
    }
}

/// Splits PVE list text on `,`, `;` and whitespace, like `ParseUtils::split_list`.
fn split_list(s: &str) -> impl Iterator<Item = &str> {
    s.split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .filter(|x| !x.is_empty())
}

/// A list given as an array or a comma-joined string (`""` and `null` = empty).
/// An item that does not parse is left out with
/// a warning instead of failing the whole object: a user's `groups` or a
/// group's `members` may name ids created by another tool (or under PVE
/// 8.2.1–9.0.4's looser group rule) that the strict id types refuse, and
/// one of them must not make the user or group unreadable.
pub(crate) fn list_skipping_invalid<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr,
    T::Err: std::fmt::Display,
{
    let texts: Vec<String> = match Value::deserialize(d)? {
        Value::Null => Vec::new(),
        Value::String(s) => split_list(&s).map(str::to_owned).collect(),
        Value::Array(items) => items
            .into_iter()
            .map(|item| match item {
                Value::String(s) => s,
                other => other.to_string(),
            })
            .collect(),
        other => {
            return Err(D::Error::custom(format!(
                "expected a list or comma-joined string, got {other}"
            )));
        }
    };
    let mut parsed = Vec::with_capacity(texts.len());
    for text in texts {
        match T::from_str(&text) {
            Ok(item) => parsed.push(item),
            Err(error) => {
                tracing::warn!(item = %text, %error, "left out a list item this client cannot represent");
            }
        }
    }
    Ok(parsed)
}

/// A privilege set given as a map `{"Priv": 1}`, a comma string or an array.
/// Map entries with a false value are left out.
pub(crate) fn privs_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeSet<String>, D::Error> {
    privs_from_value(Value::deserialize(d)?).map_err(D::Error::custom)
}

/// See [`privs_lenient`].
pub(crate) fn privs_from_value(v: Value) -> Result<BTreeSet<String>, String> {
    match v {
        Value::Null => Ok(BTreeSet::new()),
        Value::String(s) => Ok(split_list(&s).map(str::to_owned).collect()),
        Value::Array(items) => items
            .into_iter()
            .map(|i| match i {
                Value::String(s) => Ok(s),
                other => Err(format!("expected a privilege name, got {other}")),
            })
            .collect(),
        Value::Object(map) => {
            let mut out = BTreeSet::new();
            for (k, v) in map {
                if value_to_bool::<serde_json::Error>(&v).map_err(|e| e.to_string())? {
                    out.insert(k);
                }
            }
            Ok(out)
        }
        other => Err(format!("expected privileges as a map or list, got {other}")),
    }
}

/// An optional string where `""` means unset (PVE sends `email: ""`).
pub(crate) fn opt_string_nonempty<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<String>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::String(s) if s.is_empty() => Ok(None),
        Value::String(s) => Ok(Some(s)),
        other => Ok(Some(other.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::GroupId;

    #[derive(Deserialize)]
    struct B {
        #[serde(deserialize_with = "bool_lenient")]
        b: bool,
        #[serde(default, deserialize_with = "i64_lenient")]
        i: i64,
    }

    #[test]
    fn booleans_and_integers_from_numbers_and_strings() {
        for (json, want) in [
            (r#"{"b":1}"#, true),
            (r#"{"b":0}"#, false),
            (r#"{"b":"1"}"#, true),
            (r#"{"b":"0"}"#, false),
            (r#"{"b":true}"#, true),
            (r#"{"b":null}"#, false),
        ] {
            assert_eq!(serde_json::from_str::<B>(json).unwrap().b, want, "{json}");
        }
        assert!(serde_json::from_str::<B>(r#"{"b":"yes"}"#).is_err());
        assert_eq!(
            serde_json::from_str::<B>(r#"{"b":1,"i":"1700000000"}"#)
                .unwrap()
                .i,
            1_700_000_000
        );
        assert_eq!(
            serde_json::from_str::<B>(r#"{"b":1,"i":42}"#).unwrap().i,
            42
        );
        assert_eq!(serde_json::from_str::<B>(r#"{"b":1}"#).unwrap().i, 0);
    }

    #[derive(Deserialize)]
    struct L {
        #[serde(default, deserialize_with = "list_skipping_invalid")]
        groups: Vec<GroupId>,
    }

    #[test]
    fn lists_from_arrays_and_comma_strings() {
        let parse = |j: &str| {
            serde_json::from_str::<L>(j)
                .unwrap()
                .groups
                .iter()
                .map(|g| g.to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(parse(r#"{"groups":"a,b"}"#), ["a", "b"]);
        assert_eq!(parse(r#"{"groups":["a","b"]}"#), ["a", "b"]);
        assert!(parse(r#"{"groups":""}"#).is_empty());
        assert!(parse(r#"{"groups":null}"#).is_empty());
        assert!(parse(r#"{}"#).is_empty());
    }

    #[test]
    fn a_foreign_group_leaves_the_user_readable() {
        let user: crate::User = serde_json::from_value(serde_json::json!({
            "userid": "bob@pve",
            "groups": "ops,legacy:group,dev"
        }))
        .unwrap();
        let groups: Vec<String> = user.groups.iter().map(ToString::to_string).collect();
        assert_eq!(groups, ["ops", "dev"]);
        let group: crate::Group = serde_json::from_value(serde_json::json!({
            "groupid": "ops",
            "members": ["bob@pve", "not a user"]
        }))
        .unwrap();
        assert_eq!(group.members.len(), 1);
    }

    #[test]
    fn privileges_from_map_string_or_array() {
        let m =
            privs_from_value(serde_json::json!({"VM.Audit": 1, "Sys.Audit": "1", "X": 0})).unwrap();
        assert_eq!(m.into_iter().collect::<Vec<_>>(), ["Sys.Audit", "VM.Audit"]);
        let s = privs_from_value(serde_json::json!("VM.Audit,Sys.Audit")).unwrap();
        assert_eq!(s.len(), 2);
        assert!(privs_from_value(serde_json::json!("")).unwrap().is_empty());
        assert!(privs_from_value(serde_json::json!({})).unwrap().is_empty());
        assert_eq!(
            privs_from_value(serde_json::json!(["A.B"])).unwrap().len(),
            1
        );
    }
}
