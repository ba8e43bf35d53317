//! Checking a value against a type, normalising it to the type's shape, and
//! inferring the type of a value held by a `dynamic` attribute. Both wire
//! encoders run [`Value::conformed`] first, so the rules live here once.

use std::collections::BTreeMap;

use super::CodecError;
use super::error::PathTracker;
use crate::diag::PathStep;
use crate::value::{Type, Value};

/// Deepest value nesting handled, so hostile input cannot exhaust the stack.
pub(crate) const MAX_DEPTH: usize = 200;

impl Value {
    /// Whether the value fits `ty` (see [`Value::check`]).
    pub fn conforms_to(&self, ty: &Type) -> bool {
        self.check(ty).is_ok()
    }

    /// Checks that the value fits `ty`; the error names the first offending
    /// attribute path. Null and unknown fit every type; list, set and tuple
    /// values are interchangeable where the lengths allow, as are map and
    /// object values; object attributes missing from the value count as null.
    pub fn check(&self, ty: &Type) -> Result<(), CodecError> {
        self.conformed(ty).map(drop)
    }

    /// The value reshaped to `ty`: lists/sets/tuples and maps/objects take
    /// the variant the type asks for, set elements are deduplicated and
    /// sorted, missing object attributes become null and numbers take their
    /// canonical form. This is exactly what the encoders write.
    pub fn conformed(&self, ty: &Type) -> Result<Value, CodecError> {
        conform(self, ty, &mut PathTracker::default(), 0)
    }

    /// The type the value would have in a `dynamic` attribute, as written in
    /// the wire encodings. Null and unknown give `dynamic`; collection
    /// elements must agree on one type.
    pub fn infer_type(&self) -> Result<Type, CodecError> {
        infer(self, &mut PathTracker::default(), 0)
    }

    /// Short description of the value's kind for error messages (never its content).
    pub fn kind_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Unknown => "an unknown value",
            Value::Bool(_) => "a bool",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::List(_) => "a list",
            Value::Set(_) => "a set",
            Value::Map(_) => "a map",
            Value::Object(_) => "an object",
            Value::Tuple(_) => "a tuple",
        }
    }
}

/// Sorts and deduplicates set elements into their canonical order.
pub(crate) fn normalize_set(mut elements: Vec<Value>) -> Vec<Value> {
    elements.sort_by(Value::total_cmp);
    elements.dedup_by(|a, b| a.total_cmp(b).is_eq());
    elements
}

fn type_name(ty: &Type) -> &'static str {
    match ty {
        Type::Bool => "a bool",
        Type::Number => "a number",
        Type::String => "a string",
        Type::Dynamic => "a value",
        Type::List(_) => "a list",
        Type::Set(_) => "a set",
        Type::Map(_) => "a map",
        Type::Object { .. } => "an object",
        Type::Tuple(_) => "a tuple",
    }
}

fn mismatch(value: &Value, ty: &Type, path: &PathTracker) -> CodecError {
    path.error(format!(
        "{} is required, found {}",
        type_name(ty),
        value.kind_name()
    ))
}

fn conform(
    value: &Value,
    ty: &Type,
    path: &mut PathTracker,
    depth: usize,
) -> Result<Value, CodecError> {
    if depth > MAX_DEPTH {
        return Err(path.error("value is nested too deeply"));
    }
    match (value, ty) {
        (Value::Null, _) => Ok(Value::Null),
        (Value::Unknown, _) => Ok(Value::Unknown),
        (_, Type::Dynamic) => {
            let inferred = infer(value, path, depth)?;
            conform(value, &inferred, path, depth + 1)
        }
        (Value::Bool(b), Type::Bool) => Ok(Value::Bool(*b)),
        (Value::String(s), Type::String) => Ok(Value::String(s.clone())),
        (Value::Number(n), Type::Number) => {
            if n.is_valid() {
                Ok(Value::Number(n.canonical()))
            } else {
                Err(path.error("number is not a valid decimal number"))
            }
        }
        (Value::List(items) | Value::Set(items) | Value::Tuple(items), Type::List(element)) => {
            conform_elements(items, |_| element, path, depth).map(Value::List)
        }
        (Value::List(items) | Value::Set(items) | Value::Tuple(items), Type::Set(element)) => {
            conform_elements(items, |_| element, path, depth)
                .map(|items| Value::Set(normalize_set(items)))
        }
        (Value::List(items) | Value::Set(items) | Value::Tuple(items), Type::Tuple(types)) => {
            if items.len() != types.len() {
                return Err(path.error(format!(
                    "a tuple of {} elements is required, found {}",
                    types.len(),
                    items.len()
                )));
            }
            conform_elements(items, |index| &types[index], path, depth).map(Value::Tuple)
        }
        (Value::Map(entries) | Value::Object(entries), Type::Map(element)) => {
            let mut out = BTreeMap::new();
            for (key, item) in entries {
                path.push(PathStep::ElementKeyString(key.clone()));
                out.insert(key.clone(), conform(item, element, path, depth + 1)?);
                path.pop();
            }
            Ok(Value::Map(out))
        }
        (Value::Map(entries) | Value::Object(entries), Type::Object { attributes, .. }) => {
            if let Some(extra) = entries.keys().find(|key| !attributes.contains_key(*key)) {
                path.push(PathStep::Attribute(extra.clone()));
                return Err(path.error("unsupported attribute: the schema does not declare it"));
            }
            let mut out = BTreeMap::new();
            for (name, attribute_type) in attributes {
                let item = entries.get(name).unwrap_or(&Value::Null);
                path.push(PathStep::Attribute(name.clone()));
                out.insert(
                    name.clone(),
                    conform(item, attribute_type, path, depth + 1)?,
                );
                path.pop();
            }
            Ok(Value::Object(out))
        }
        _ => Err(mismatch(value, ty, path)),
    }
}

fn conform_elements<'t>(
    items: &[Value],
    element_type: impl Fn(usize) -> &'t Type,
    path: &mut PathTracker,
    depth: usize,
) -> Result<Vec<Value>, CodecError> {
    let mut out = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        path.push_index(index);
        out.push(conform(item, element_type(index), path, depth + 1)?);
        path.pop();
    }
    Ok(out)
}

fn infer(value: &Value, path: &mut PathTracker, depth: usize) -> Result<Type, CodecError> {
    if depth > MAX_DEPTH {
        return Err(path.error("value is nested too deeply"));
    }
    Ok(match value {
        Value::Null | Value::Unknown => Type::Dynamic,
        Value::Bool(_) => Type::Bool,
        Value::Number(_) => Type::Number,
        Value::String(_) => Type::String,
        Value::List(items) => Type::List(Box::new(infer_element(items.iter(), path, depth)?)),
        Value::Set(items) => Type::Set(Box::new(infer_element(items.iter(), path, depth)?)),
        Value::Map(entries) => Type::Map(Box::new(infer_element(entries.values(), path, depth)?)),
        Value::Tuple(items) => {
            let mut types = Vec::with_capacity(items.len());
            for (index, item) in items.iter().enumerate() {
                path.push_index(index);
                types.push(infer(item, path, depth + 1)?);
                path.pop();
            }
            Type::Tuple(types)
        }
        Value::Object(entries) => {
            let mut attributes = BTreeMap::new();
            for (name, item) in entries {
                path.push(PathStep::Attribute(name.clone()));
                attributes.insert(name.clone(), infer(item, path, depth + 1)?);
                path.pop();
            }
            Type::Object {
                attributes,
                optional: Default::default(),
            }
        }
    })
}

fn infer_element<'v>(
    items: impl Iterator<Item = &'v Value>,
    path: &mut PathTracker,
    depth: usize,
) -> Result<Type, CodecError> {
    let mut unified = Type::Dynamic;
    for (index, item) in items.enumerate() {
        path.push_index(index);
        let ty = infer(item, path, depth + 1)?;
        unified = unify(&unified, &ty).ok_or_else(|| {
            path.error(
                "collection elements must all have the same type to be written as a dynamic value",
            )
        })?;
        path.pop();
    }
    Ok(unified)
}

/// The one type both `a` and `b` fit, where `dynamic` stands for "not yet
/// known" (null or unknown elements).
fn unify(a: &Type, b: &Type) -> Option<Type> {
    match (a, b) {
        (Type::Dynamic, other) | (other, Type::Dynamic) => Some(other.clone()),
        (Type::List(x), Type::List(y)) => unify(x, y).map(|t| Type::List(Box::new(t))),
        (Type::Set(x), Type::Set(y)) => unify(x, y).map(|t| Type::Set(Box::new(t))),
        (Type::Map(x), Type::Map(y)) => unify(x, y).map(|t| Type::Map(Box::new(t))),
        (Type::Tuple(xs), Type::Tuple(ys)) if xs.len() == ys.len() => xs
            .iter()
            .zip(ys)
            .map(|(x, y)| unify(x, y))
            .collect::<Option<Vec<_>>>()
            .map(Type::Tuple),
        (Type::Object { attributes: xs, .. }, Type::Object { attributes: ys, .. })
            if xs.len() == ys.len() && xs.keys().eq(ys.keys()) =>
        {
            let mut attributes = BTreeMap::new();
            for ((name, x), y) in xs.iter().zip(ys.values()) {
                attributes.insert(name.clone(), unify(x, y)?);
            }
            Some(Type::Object {
                attributes,
                optional: Default::default(),
            })
        }
        (x, y) if x == y => Some(x.clone()),
        _ => None,
    }
}
