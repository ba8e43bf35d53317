//! Typed attribute readers: what resource code uses to read a
//! configuration or plan. Errors name the attribute path, never the value,
//! and convert to a diagnostic with [`CodecError::to_diagnostic`].

use std::collections::BTreeMap;

use super::CodecError;
use crate::diag::PathStep;
use crate::value::{Number, Value};

impl Value {
    fn typed_attr<T>(
        &self,
        name: &str,
        wanted: &str,
        read: impl FnOnce(&Value) -> Option<T>,
    ) -> Result<Option<T>, CodecError> {
        let at = || [PathStep::Attribute(name.to_owned())];
        match self.get(name) {
            Value::Null => Ok(None),
            Value::Unknown => Err(CodecError::at(&at(), "value is not known yet")),
            value => read(value).map(Some).ok_or_else(|| {
                CodecError::at(
                    &at(),
                    format!("{wanted} is required, found {}", value.kind_name()),
                )
            }),
        }
    }

    /// A string attribute: `Ok(None)` when null, an error when unknown or not a string.
    pub fn string_attr(&self, name: &str) -> Result<Option<String>, CodecError> {
        self.typed_attr(name, "a string", |v| v.as_str().map(str::to_owned))
    }

    /// A string attribute that must be set.
    pub fn required_string_attr(&self, name: &str) -> Result<String, CodecError> {
        self.string_attr(name)?.ok_or_else(|| {
            CodecError::at(
                &[PathStep::Attribute(name.to_owned())],
                "a value is required",
            )
        })
    }

    /// A bool attribute: `Ok(None)` when null.
    pub fn bool_attr(&self, name: &str) -> Result<Option<bool>, CodecError> {
        self.typed_attr(name, "a bool", Value::as_bool)
    }

    /// A whole-number attribute: `Ok(None)` when null; fractions and numbers
    /// beyond `i64` are errors.
    pub fn i64_attr(&self, name: &str) -> Result<Option<i64>, CodecError> {
        match self.get(name) {
            Value::Number(n) if n.as_i64().is_none() => Err(CodecError::at(
                &[PathStep::Attribute(name.to_owned())],
                "a whole number between -9223372036854775808 and 9223372036854775807 is required",
            )),
            _ => self.typed_attr(name, "a number", Value::as_i64),
        }
    }

    /// A number attribute, exactly: `Ok(None)` when null.
    pub fn number_attr(&self, name: &str) -> Result<Option<Number>, CodecError> {
        self.typed_attr(name, "a number", |v| v.as_number().cloned())
    }

    /// A list or set of strings: `Ok(None)` when null; null or unknown
    /// elements are errors naming the element.
    pub fn strings_attr(&self, name: &str) -> Result<Option<Vec<String>>, CodecError> {
        let Some(items) = self.typed_attr(name, "a list or set", |v| {
            v.elements().map(<[Value]>::to_vec)
        })?
        else {
            return Ok(None);
        };
        items
            .iter()
            .enumerate()
            .map(|(index, item)| {
                item.as_str().map(str::to_owned).ok_or_else(|| {
                    CodecError::at(
                        &[
                            PathStep::Attribute(name.to_owned()),
                            PathStep::ElementKeyInt(i64::try_from(index).unwrap_or(i64::MAX)),
                        ],
                        format!("a string is required, found {}", item.kind_name()),
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }

    /// A map of strings: `Ok(None)` when null.
    pub fn string_map_attr(
        &self,
        name: &str,
    ) -> Result<Option<BTreeMap<String, String>>, CodecError> {
        let Some(entries) = self.typed_attr(name, "a map", |v| v.as_map().cloned())? else {
            return Ok(None);
        };
        entries
            .into_iter()
            .map(|(key, item)| match item {
                Value::String(s) => Ok((key, s)),
                other => Err(CodecError::at(
                    &[
                        PathStep::Attribute(name.to_owned()),
                        PathStep::ElementKeyString(key),
                    ],
                    format!("a string is required, found {}", other.kind_name()),
                )),
            })
            .collect::<Result<BTreeMap<_, _>, _>>()
            .map(Some)
    }
}
