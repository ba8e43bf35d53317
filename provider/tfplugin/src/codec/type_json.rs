//! cty's JSON form of types, as Terraform writes attribute `type` bytes in
//! schemas and the type half of dynamic values:
//! `"string"`, `["list","number"]`, `["object",{"a":"bool"},["a"]]`, …

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value as Json;

use super::CodecError;
use crate::value::Type;

/// Deepest type nesting accepted, so hostile input cannot exhaust the stack.
const MAX_TYPE_DEPTH: usize = 64;

impl Type {
    /// The compact cty JSON for this type (object attributes sorted by name).
    pub fn to_json(&self) -> Vec<u8> {
        let mut out = String::new();
        self.write_json(&mut out);
        out.into_bytes()
    }

    /// [`Type::to_json`] as a `String`, for messages and tests.
    pub fn to_json_string(&self) -> String {
        let mut out = String::new();
        self.write_json(&mut out);
        out
    }

    fn write_json(&self, out: &mut String) {
        match self {
            Type::Bool => out.push_str("\"bool\""),
            Type::Number => out.push_str("\"number\""),
            Type::String => out.push_str("\"string\""),
            Type::Dynamic => out.push_str("\"dynamic\""),
            Type::List(element) | Type::Set(element) | Type::Map(element) => {
                out.push_str(match self {
                    Type::List(_) => "[\"list\",",
                    Type::Set(_) => "[\"set\",",
                    _ => "[\"map\",",
                });
                element.write_json(out);
                out.push(']');
            }
            Type::Object {
                attributes,
                optional,
            } => {
                out.push_str("[\"object\",{");
                for (index, (name, ty)) in attributes.iter().enumerate() {
                    if index > 0 {
                        out.push(',');
                    }
                    push_json_string(out, name);
                    out.push(':');
                    ty.write_json(out);
                }
                out.push('}');
                if !optional.is_empty() {
                    out.push_str(",[");
                    for (index, name) in optional.iter().enumerate() {
                        if index > 0 {
                            out.push(',');
                        }
                        push_json_string(out, name);
                    }
                    out.push(']');
                }
                out.push(']');
            }
            Type::Tuple(elements) => {
                out.push_str("[\"tuple\",[");
                for (index, ty) in elements.iter().enumerate() {
                    if index > 0 {
                        out.push(',');
                    }
                    ty.write_json(out);
                }
                out.push_str("]]");
            }
        }
    }

    /// Parses cty type JSON. Errors name the offending part of the type.
    pub fn from_json(bytes: &[u8]) -> Result<Type, CodecError> {
        let json: Json = serde_json::from_slice(bytes)
            .map_err(|err| CodecError::new(format!("type is not valid JSON: {err}")))?;
        Self::from_json_value(&json)
    }

    /// Parses an already-parsed cty type JSON value (as found in JSON
    /// dynamic values).
    pub fn from_json_value(json: &Json) -> Result<Type, CodecError> {
        parse_type(json, 0)
    }

    /// An object type with no optional attributes.
    pub fn object<K: Into<String>>(attributes: impl IntoIterator<Item = (K, Type)>) -> Type {
        Type::Object {
            attributes: attributes.into_iter().map(|(k, t)| (k.into(), t)).collect(),
            optional: BTreeSet::new(),
        }
    }

    /// `list(element)`.
    pub fn list(element: Type) -> Type {
        Type::List(Box::new(element))
    }

    /// `set(element)`.
    pub fn set(element: Type) -> Type {
        Type::Set(Box::new(element))
    }

    /// `map(element)`.
    pub fn map(element: Type) -> Type {
        Type::Map(Box::new(element))
    }

    /// Whether `dynamic` appears anywhere in the type.
    pub fn has_dynamic(&self) -> bool {
        match self {
            Type::Dynamic => true,
            Type::Bool | Type::Number | Type::String => false,
            Type::List(element) | Type::Set(element) | Type::Map(element) => element.has_dynamic(),
            Type::Object { attributes, .. } => attributes.values().any(Type::has_dynamic),
            Type::Tuple(elements) => elements.iter().any(Type::has_dynamic),
        }
    }
}

fn push_json_string(out: &mut String, text: &str) {
    out.push_str(&Json::String(text.to_owned()).to_string());
}

fn parse_type(json: &Json, depth: usize) -> Result<Type, CodecError> {
    if depth > MAX_TYPE_DEPTH {
        return Err(CodecError::new("type is nested too deeply"));
    }
    match json {
        Json::String(name) => match name.as_str() {
            "bool" => Ok(Type::Bool),
            "number" => Ok(Type::Number),
            "string" => Ok(Type::String),
            "dynamic" => Ok(Type::Dynamic),
            other => Err(CodecError::new(format!(
                "unsupported primitive type {other:?}"
            ))),
        },
        Json::Array(items) => {
            let Some(Json::String(kind)) = items.first() else {
                return Err(CodecError::new(
                    "a complex type must be an array starting with the type kind",
                ));
            };
            let expect_len = |len: usize| -> Result<(), CodecError> {
                if items.len() == len {
                    Ok(())
                } else {
                    Err(CodecError::new(format!(
                        "type {kind:?} needs {} arguments, found {}",
                        len - 1,
                        items.len() - 1
                    )))
                }
            };
            let argument = |index: usize| -> Result<&Json, CodecError> {
                items
                    .get(index)
                    .ok_or_else(|| CodecError::new(format!("type {kind:?} is missing an argument")))
            };
            match kind.as_str() {
                "list" | "set" | "map" => {
                    expect_len(2)?;
                    let element = Box::new(parse_type(argument(1)?, depth + 1)?);
                    Ok(match kind.as_str() {
                        "list" => Type::List(element),
                        "set" => Type::Set(element),
                        _ => Type::Map(element),
                    })
                }
                "tuple" => {
                    expect_len(2)?;
                    let Json::Array(elements) = argument(1)? else {
                        return Err(CodecError::new("tuple element types must be an array"));
                    };
                    elements
                        .iter()
                        .map(|element| parse_type(element, depth + 1))
                        .collect::<Result<_, _>>()
                        .map(Type::Tuple)
                }
                "object" => {
                    if items.len() != 2 && items.len() != 3 {
                        return Err(CodecError::new(
                            "object type needs attribute types and optionally a list of optional attributes",
                        ));
                    }
                    let Json::Object(members) = argument(1)? else {
                        return Err(CodecError::new(
                            "object attribute types must be a JSON object",
                        ));
                    };
                    let mut attributes = BTreeMap::new();
                    for (name, ty) in members {
                        attributes.insert(name.clone(), parse_type(ty, depth + 1)?);
                    }
                    let mut optional = BTreeSet::new();
                    if let Some(list) = items.get(2) {
                        let Json::Array(names) = list else {
                            return Err(CodecError::new(
                                "optional attributes must be an array of names",
                            ));
                        };
                        for name in names {
                            let Json::String(name) = name else {
                                return Err(CodecError::new(
                                    "optional attribute names must be strings",
                                ));
                            };
                            if !attributes.contains_key(name) {
                                return Err(CodecError::new(format!(
                                    "optional attribute {name:?} is not an attribute of the object type"
                                )));
                            }
                            optional.insert(name.clone());
                        }
                    }
                    Ok(Type::Object {
                        attributes,
                        optional,
                    })
                }
                other => Err(CodecError::new(format!("unsupported type kind {other:?}"))),
            }
        }
        _ => Err(CodecError::new("a type must be a JSON string or array")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_cty_type_json() {
        assert_eq!(Type::String.to_json(), b"\"string\"");
        assert_eq!(
            Type::list(Type::Number).to_json_string(),
            r#"["list","number"]"#
        );
        assert_eq!(Type::set(Type::Bool).to_json_string(), r#"["set","bool"]"#);
        assert_eq!(
            Type::map(Type::Dynamic).to_json_string(),
            r#"["map","dynamic"]"#
        );
        assert_eq!(
            Type::Tuple(vec![Type::String, Type::Number]).to_json_string(),
            r#"["tuple",["string","number"]]"#
        );
        let object = Type::Object {
            attributes: [
                ("b".to_owned(), Type::String),
                ("a".to_owned(), Type::list(Type::String)),
            ]
            .into_iter()
            .collect(),
            optional: ["b".to_owned()].into_iter().collect(),
        };
        assert_eq!(
            object.to_json_string(),
            r#"["object",{"a":["list","string"],"b":"string"},["b"]]"#
        );
        assert_eq!(
            Type::object::<&str>([]).to_json_string(),
            r#"["object",{}]"#
        );
    }

    #[test]
    fn parses_cty_type_json() {
        let parsed =
            Type::from_json(br#" ["object", {"x": ["set", "string"], "y": "number"}, ["y"]] "#);
        assert_eq!(
            parsed,
            Ok(Type::Object {
                attributes: [
                    ("x".to_owned(), Type::set(Type::String)),
                    ("y".to_owned(), Type::Number)
                ]
                .into_iter()
                .collect(),
                optional: ["y".to_owned()].into_iter().collect(),
            })
        );
        assert_eq!(Type::from_json(br#"["tuple",[]]"#), Ok(Type::Tuple(vec![])));
        assert_eq!(Type::from_json(br#""dynamic""#), Ok(Type::Dynamic));
    }

    #[test]
    fn rejects_bad_type_json() {
        for bad in [
            &br#""float""#[..],
            br#"["list"]"#,
            br#"["list","string","x"]"#,
            br#"["object",{"a":"string"},["b"]]"#,
            br#"["object",["a"]]"#,
            br#"["capsule","x"]"#,
            br#"42"#,
            br#"["list","#,
        ] {
            assert!(
                Type::from_json(bad).is_err(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
        let deep = format!("{}\"string\"{}", "[\"list\",".repeat(100), "]".repeat(100));
        assert!(Type::from_json(deep.as_bytes()).is_err());
    }
}
