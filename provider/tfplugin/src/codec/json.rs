//! Terraform's JSON `DynamicValue` encoding and raw state JSON (go-cty
//! `cty/json`): null is `null`; unknown values cannot be written; numbers are
//! JSON numbers decoded from their exact text; lists, sets and tuples are
//! arrays; maps and objects are objects; a value of a `dynamic` attribute is
//! `{"value": …, "type": <type JSON>}` (null stays plain `null`).
//!
//! Like go-cty, decoding also accepts a number or bool written as a JSON
//! string, and a number or bool where a string is expected.

use std::collections::BTreeMap;

use super::CodecError;
use super::conform::{MAX_DEPTH, normalize_set};
use super::error::PathTracker;
use super::json_tree::Json;
use crate::diag::PathStep;
use crate::value::{Number, Type, Value};

/// How strictly [`decode_with`] reads objects.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DecodeOptions {
    /// Drop object attributes the type does not declare instead of failing.
    /// Useful for stored state written by an older schema, as
    /// UpgradeResourceState receives it.
    pub ignore_undefined_attributes: bool,
}

/// Decodes JSON bytes holding a value of type `ty`; undeclared object
/// attributes are errors.
pub fn decode(bytes: &[u8], ty: &Type) -> Result<Value, CodecError> {
    decode_with(bytes, ty, DecodeOptions::default())
}

/// [`decode`] with options.
pub fn decode_with(bytes: &[u8], ty: &Type, options: DecodeOptions) -> Result<Value, CodecError> {
    let json = Json::parse(bytes)?;
    Decoder { options }.value(&json, ty, &mut PathTracker::default(), 0)
}

/// Decodes an already-parsed `serde_json::Value` as type `ty`. Numbers are
/// taken from serde_json's text form (so `0.1` stays one tenth), but
/// serde_json may already have rounded integers beyond `u64` and long
/// decimals; prefer [`decode`] on the raw bytes where possible.
pub fn from_serde(
    json: &serde_json::Value,
    ty: &Type,
    options: DecodeOptions,
) -> Result<Value, CodecError> {
    Decoder { options }.value(&Json::from_serde(json), ty, &mut PathTracker::default(), 0)
}

/// Encodes `value` as `ty` (after [`Value::conformed`]). Unknown values
/// and infinities cannot be written as JSON and are errors.
pub fn encode(value: &Value, ty: &Type) -> Result<Vec<u8>, CodecError> {
    let conformed = value.conformed(ty)?;
    let mut out = String::with_capacity(64);
    write_value(&mut out, &conformed, ty, &mut PathTracker::default())?;
    Ok(out.into_bytes())
}

struct Decoder {
    options: DecodeOptions,
}

impl Decoder {
    fn value(
        &self,
        json: &Json,
        ty: &Type,
        path: &mut PathTracker,
        depth: usize,
    ) -> Result<Value, CodecError> {
        if depth > MAX_DEPTH {
            return Err(path.error("value is nested too deeply"));
        }
        let mismatch = |wanted: &str, path: &PathTracker| {
            path.error(format!("{wanted} is required, found {}", json.kind_name()))
        };
        if let Json::Null = json {
            return Ok(Value::Null);
        }
        match ty {
            Type::Dynamic => self.dynamic(json, path, depth),
            Type::Bool => match json {
                Json::Bool(b) => Ok(Value::Bool(*b)),
                Json::String(s) if s == "true" => Ok(Value::Bool(true)),
                Json::String(s) if s == "false" => Ok(Value::Bool(false)),
                _ => Err(mismatch("a bool", path)),
            },
            Type::Number => match json {
                Json::Number(text) | Json::String(text) => text
                    .parse::<Number>()
                    .map(Value::Number)
                    .map_err(|_| mismatch("a number", path)),
                _ => Err(mismatch("a number", path)),
            },
            Type::String => match json {
                Json::String(s) => Ok(Value::String(s.clone())),
                // go-cty converts these; numbers keep their exact text form.
                Json::Number(text) => text
                    .parse::<Number>()
                    .map(|n| Value::String(n.to_decimal_string()))
                    .map_err(|_| mismatch("a string", path)),
                Json::Bool(b) => Ok(Value::String(b.to_string())),
                _ => Err(mismatch("a string", path)),
            },
            Type::List(element) | Type::Set(element) => {
                let Json::Array(items) = json else {
                    return Err(mismatch(
                        if matches!(ty, Type::Set(_)) {
                            "a set"
                        } else {
                            "a list"
                        },
                        path,
                    ));
                };
                let mut out = Vec::with_capacity(items.len());
                for (index, item) in items.iter().enumerate() {
                    path.push_index(index);
                    out.push(self.value(item, element, path, depth + 1)?);
                    path.pop();
                }
                Ok(if matches!(ty, Type::Set(_)) {
                    Value::Set(normalize_set(out))
                } else {
                    Value::List(out)
                })
            }
            Type::Tuple(types) => {
                let Json::Array(items) = json else {
                    return Err(mismatch("a tuple", path));
                };
                if items.len() != types.len() {
                    return Err(path.error(format!(
                        "a tuple of {} elements is required, found {}",
                        types.len(),
                        items.len()
                    )));
                }
                let mut out = Vec::with_capacity(items.len());
                for (index, (item, item_type)) in items.iter().zip(types).enumerate() {
                    path.push_index(index);
                    out.push(self.value(item, item_type, path, depth + 1)?);
                    path.pop();
                }
                Ok(Value::Tuple(out))
            }
            Type::Map(element) => {
                let Json::Object(members) = json else {
                    return Err(mismatch("a map", path));
                };
                let mut out = BTreeMap::new();
                for (key, item) in members {
                    path.push(PathStep::ElementKeyString(key.clone()));
                    let value = self.value(item, element, path, depth + 1)?;
                    if out.insert(key.clone(), value).is_some() {
                        return Err(path.error("map key appears twice"));
                    }
                    path.pop();
                }
                Ok(Value::Map(out))
            }
            Type::Object { attributes, .. } => {
                let Json::Object(members) = json else {
                    return Err(mismatch("an object", path));
                };
                let mut out = BTreeMap::new();
                for (name, item) in members {
                    path.push(PathStep::Attribute(name.clone()));
                    let Some(attribute_type) = attributes.get(name) else {
                        if self.options.ignore_undefined_attributes {
                            path.pop();
                            continue;
                        }
                        return Err(
                            path.error("unsupported attribute: the schema does not declare it")
                        );
                    };
                    let value = self.value(item, attribute_type, path, depth + 1)?;
                    if out.insert(name.clone(), value).is_some() {
                        return Err(path.error("attribute appears twice"));
                    }
                    path.pop();
                }
                for name in attributes.keys() {
                    out.entry(name.clone()).or_insert(Value::Null);
                }
                Ok(Value::Object(out))
            }
        }
    }

    fn dynamic(
        &self,
        json: &Json,
        path: &mut PathTracker,
        depth: usize,
    ) -> Result<Value, CodecError> {
        let Json::Object(members) = json else {
            return Err(path.error(format!(
                "a dynamic value must be a {{\"value\": …, \"type\": …}} object, found {}",
                json.kind_name()
            )));
        };
        let mut value = None;
        let mut ty = None;
        for (key, member) in members {
            let slot = match key.as_str() {
                "value" => &mut value,
                "type" => &mut ty,
                _ => return Err(path.error(format!("dynamic value has unexpected member {key:?}"))),
            };
            if slot.replace(member).is_some() {
                return Err(path.error(format!("dynamic value has {key:?} twice")));
            }
        }
        let (Some(value), Some(ty)) = (value, ty) else {
            return Err(path.error("a dynamic value needs both \"value\" and \"type\""));
        };
        let ty = Type::from_json_value(&ty.to_serde())
            .map_err(|err| path.error(format!("dynamic value type: {}", err.message())))?;
        self.value(value, &ty, path, depth + 1)
    }
}

fn push_string(out: &mut String, text: &str) {
    out.push_str(&serde_json::Value::String(text.to_owned()).to_string());
}

fn write_value(
    out: &mut String,
    value: &Value,
    ty: &Type,
    path: &mut PathTracker,
) -> Result<(), CodecError> {
    match (value, ty) {
        (Value::Unknown, _) => {
            Err(path.error("value is not known yet, and JSON cannot represent unknown values"))
        }
        (Value::Null, _) => {
            out.push_str("null");
            Ok(())
        }
        (_, Type::Dynamic) => {
            let inferred = value
                .infer_type()
                .map_err(|err| err.prefixed(path.steps()))?;
            out.push_str("{\"value\":");
            write_value(out, value, &inferred, path)?;
            out.push_str(",\"type\":");
            out.push_str(&inferred.to_json_string());
            out.push('}');
            Ok(())
        }
        (Value::Bool(b), Type::Bool) => {
            out.push_str(if *b { "true" } else { "false" });
            Ok(())
        }
        (Value::String(s), Type::String) => {
            push_string(out, s);
            Ok(())
        }
        (Value::Number(n), Type::Number) => match n.canonical() {
            Number::Float(f) if !f.is_finite() => {
                Err(path.error("infinite numbers cannot be written as JSON"))
            }
            canonical => {
                out.push_str(&canonical.to_decimal_string());
                Ok(())
            }
        },
        (Value::List(items), Type::List(element)) | (Value::Set(items), Type::Set(element)) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                path.push_index(index);
                write_value(out, item, element, path)?;
                path.pop();
            }
            out.push(']');
            Ok(())
        }
        (Value::Tuple(items), Type::Tuple(types)) if items.len() == types.len() => {
            out.push('[');
            for (index, (item, item_type)) in items.iter().zip(types).enumerate() {
                if index > 0 {
                    out.push(',');
                }
                path.push_index(index);
                write_value(out, item, item_type, path)?;
                path.pop();
            }
            out.push(']');
            Ok(())
        }
        (Value::Map(entries), Type::Map(element)) => {
            out.push('{');
            for (index, (key, item)) in entries.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                path.push(PathStep::ElementKeyString(key.clone()));
                push_string(out, key);
                out.push(':');
                write_value(out, item, element, path)?;
                path.pop();
            }
            out.push('}');
            Ok(())
        }
        (Value::Object(entries), Type::Object { attributes, .. }) => {
            out.push('{');
            for (index, (name, attribute_type)) in attributes.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                path.push(PathStep::Attribute(name.clone()));
                push_string(out, name);
                out.push(':');
                write_value(
                    out,
                    entries.get(name).unwrap_or(&Value::Null),
                    attribute_type,
                    path,
                )?;
                path.pop();
            }
            out.push('}');
            Ok(())
        }
        _ => Err(path.error(format!(
            "cannot write {} as {}",
            value.kind_name(),
            ty.to_json_string()
        ))),
    }
}

impl Value {
    /// A `serde_json::Value` for display and debugging, without a schema.
    /// Lossy: unknown values become the string `"(known after apply)"`, and
    /// numbers beyond `i64`/`f64` become their nearest `f64` (or decimal
    /// text when infinite). Secrets are the caller's responsibility: this
    /// shows every string.
    pub fn to_serde_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Value::Null => J::Null,
            Value::Unknown => J::String("(known after apply)".to_owned()),
            Value::Bool(b) => J::Bool(*b),
            Value::Number(n) => match n.canonical() {
                Number::Int(int) => J::from(int),
                other => serde_json::Number::from_f64(other.as_f64())
                    .map_or_else(|| J::String(other.to_decimal_string()), J::Number),
            },
            Value::String(s) => J::String(s.clone()),
            Value::List(items) | Value::Set(items) | Value::Tuple(items) => {
                J::Array(items.iter().map(Value::to_serde_json).collect())
            }
            Value::Map(entries) | Value::Object(entries) => J::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.clone(), v.to_serde_json()))
                    .collect(),
            ),
        }
    }

    /// A value from a `serde_json::Value` without a schema: arrays become
    /// lists and objects become objects; numbers are read from serde_json's
    /// text (so `0.1` is one tenth). With a schema, use [`from_serde`].
    pub fn from_serde_json(json: &serde_json::Value) -> Value {
        use serde_json::Value as J;
        match json {
            J::Null => Value::Null,
            J::Bool(b) => Value::Bool(*b),
            J::Number(n) => Value::Number(
                n.to_string()
                    .parse()
                    .unwrap_or_else(|_| Number::from(n.as_f64().unwrap_or(0.0))),
            ),
            J::String(s) => Value::String(s.clone()),
            J::Array(items) => Value::List(items.iter().map(Value::from_serde_json).collect()),
            J::Object(members) => Value::Object(
                members
                    .iter()
                    .map(|(k, v)| (k.clone(), Value::from_serde_json(v)))
                    .collect(),
            ),
        }
    }
}
