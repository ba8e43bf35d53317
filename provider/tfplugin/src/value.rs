//! Terraform values and types (cty), independent of any wire encoding.
//!
//! `Value` carries no type of its own: the schema's [`Type`] drives encoding
//! and decoding (see the `codec` module). Values of a `Dynamic` attribute are
//! encoded with the type inferred from the value itself.
//!
//! Equality is semantic: numbers compare by value (`1 == 1.0`) and sets
//! ignore order and duplicates. `Debug` never shows string contents, since
//! any string may be a password or token; use [`Value::unredacted`] in tests.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// A cty type, as Terraform describes attributes and values.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Type {
    Bool,
    Number,
    String,
    /// Any type; values carry their concrete type on the wire.
    Dynamic,
    List(Box<Type>),
    Set(Box<Type>),
    Map(Box<Type>),
    Object {
        attributes: BTreeMap<String, Type>,
        /// Attributes that may be omitted (Terraform fills them with null).
        optional: BTreeSet<String>,
    },
    Tuple(Vec<Type>),
}

/// A number without loss: integers stay integers, everything else keeps its
/// exact decimal text. Equality is numeric (`Int(1) == Float(1.0)`); see
/// [`Number::canonical`].
#[derive(Clone, Debug)]
pub enum Number {
    Int(i64),
    Float(f64),
    /// A number that fits neither `i64` nor `f64` exactly, in decimal text.
    Big(String),
}

/// A Terraform value. `Null` and `Unknown` are valid for every type.
#[derive(Clone, Default)]
pub enum Value {
    #[default]
    Null,
    /// Not known until apply.
    Unknown,
    Bool(bool),
    Number(Number),
    String(String),
    List(Vec<Value>),
    /// Set elements, deduplicated by the codec.
    Set(Vec<Value>),
    Map(BTreeMap<String, Value>),
    Object(BTreeMap<String, Value>),
    Tuple(Vec<Value>),
}

static NULL: Value = Value::Null;
static UNKNOWN: Value = Value::Unknown;

// ---------------------------------------------------------------------------
// Construction

impl Value {
    /// A known string.
    pub fn string(text: impl Into<String>) -> Value {
        Value::String(text.into())
    }

    /// A known number.
    pub fn number(number: impl Into<Number>) -> Value {
        Value::Number(number.into())
    }

    /// An object from `(attribute, value)` pairs.
    pub fn object<K, V>(attributes: impl IntoIterator<Item = (K, V)>) -> Value
    where
        K: Into<String>,
        V: Into<Value>,
    {
        Value::Object(
            attributes
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }

    /// A map from `(key, value)` pairs.
    pub fn map<K, V>(entries: impl IntoIterator<Item = (K, V)>) -> Value
    where
        K: Into<String>,
        V: Into<Value>,
    {
        Value::Map(
            entries
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }

    /// A list, keeping order.
    pub fn list<V: Into<Value>>(elements: impl IntoIterator<Item = V>) -> Value {
        Value::List(elements.into_iter().map(Into::into).collect())
    }

    /// A set, deduplicated and in canonical order.
    pub fn set<V: Into<Value>>(elements: impl IntoIterator<Item = V>) -> Value {
        Value::Set(crate::codec::normalize_set(
            elements.into_iter().map(Into::into).collect(),
        ))
    }

    /// A tuple.
    pub fn tuple<V: Into<Value>>(elements: impl IntoIterator<Item = V>) -> Value {
        Value::Tuple(elements.into_iter().map(Into::into).collect())
    }

    /// A list of strings.
    pub fn list_of_strings<S: Into<String>>(items: impl IntoIterator<Item = S>) -> Value {
        Value::List(items.into_iter().map(|s| Value::String(s.into())).collect())
    }

    /// A set of strings, deduplicated and sorted.
    pub fn set_of_strings<S: Into<String>>(items: impl IntoIterator<Item = S>) -> Value {
        Value::set(items.into_iter().map(|s| Value::String(s.into())))
    }

    /// Adds or replaces an attribute of an object (or entry of a map). A null
    /// or unknown value — or any other non-object — becomes an object holding
    /// just this attribute.
    pub fn set_attr(&mut self, name: impl Into<String>, value: impl Into<Value>) -> &mut Self {
        match self {
            Value::Object(entries) | Value::Map(entries) => {
                entries.insert(name.into(), value.into());
            }
            _ => {
                *self = Value::Object(BTreeMap::from([(name.into(), value.into())]));
            }
        }
        self
    }

    /// [`Value::set_attr`] in builder style.
    #[must_use]
    pub fn with_attr(mut self, name: impl Into<String>, value: impl Into<Value>) -> Value {
        self.set_attr(name, value);
        self
    }

    /// Removes an attribute of an object (or entry of a map), returning it.
    pub fn remove_attr(&mut self, name: &str) -> Option<Value> {
        match self {
            Value::Object(entries) | Value::Map(entries) => entries.remove(name),
            _ => None,
        }
    }
}

impl From<bool> for Value {
    fn from(value: bool) -> Self {
        Value::Bool(value)
    }
}

impl From<i64> for Value {
    fn from(value: i64) -> Self {
        Value::Number(Number::Int(value))
    }
}

impl From<i32> for Value {
    fn from(value: i32) -> Self {
        Value::Number(Number::from(value))
    }
}

impl From<u32> for Value {
    fn from(value: u32) -> Self {
        Value::Number(Number::from(value))
    }
}

impl From<u64> for Value {
    fn from(value: u64) -> Self {
        Value::Number(Number::from(value))
    }
}

impl From<f64> for Value {
    /// The exact binary value of the `f64`; see `Number::from(f64)`.
    fn from(value: f64) -> Self {
        Value::Number(Number::from(value))
    }
}

impl From<Number> for Value {
    fn from(value: Number) -> Self {
        Value::Number(value)
    }
}

impl From<&str> for Value {
    fn from(value: &str) -> Self {
        Value::String(value.to_owned())
    }
}

impl From<String> for Value {
    fn from(value: String) -> Self {
        Value::String(value)
    }
}

impl From<&String> for Value {
    fn from(value: &String) -> Self {
        Value::String(value.clone())
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    /// `None` is null.
    fn from(value: Option<T>) -> Self {
        value.map_or(Value::Null, Into::into)
    }
}

// ---------------------------------------------------------------------------
// Access

impl Value {
    /// Whether the value is null (not unknown, not empty).
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// Whether the value itself is unknown (see [`Value::is_known`] for a deep check).
    pub fn is_unknown(&self) -> bool {
        matches!(self, Value::Unknown)
    }

    /// Whether no unknown value appears anywhere inside.
    pub fn is_known(&self) -> bool {
        match self {
            Value::Unknown => false,
            Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => true,
            Value::List(items) | Value::Set(items) | Value::Tuple(items) => {
                items.iter().all(Value::is_known)
            }
            Value::Map(entries) | Value::Object(entries) => entries.values().all(Value::is_known),
        }
    }

    /// Whether the value is null or (itself) unknown.
    pub fn is_null_or_unknown(&self) -> bool {
        matches!(self, Value::Null | Value::Unknown)
    }

    /// An attribute of an object or entry of a map. Absent attributes and
    /// attributes of a null value read as null; attributes of an unknown
    /// value read as unknown.
    pub fn get(&self, name: &str) -> &Value {
        match self {
            Value::Object(entries) | Value::Map(entries) => entries.get(name).unwrap_or(&NULL),
            Value::Unknown => &UNKNOWN,
            _ => &NULL,
        }
    }

    /// An element of a list, set or tuple by position (null when out of range).
    pub fn element(&self, index: usize) -> &Value {
        match self {
            Value::List(items) | Value::Set(items) | Value::Tuple(items) => {
                items.get(index).unwrap_or(&NULL)
            }
            Value::Unknown => &UNKNOWN,
            _ => &NULL,
        }
    }

    /// The string, if this is a known string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The bool, if this is a known bool.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The number, if this is a known number.
    pub fn as_number(&self) -> Option<&Number> {
        match self {
            Value::Number(n) => Some(n),
            _ => None,
        }
    }

    /// The number as `i64`, if it is a whole number in range.
    pub fn as_i64(&self) -> Option<i64> {
        self.as_number().and_then(Number::as_i64)
    }

    /// The number as the nearest `f64`.
    pub fn as_f64(&self) -> Option<f64> {
        self.as_number().map(Number::as_f64)
    }

    /// The elements of a list, set or tuple.
    pub fn elements(&self) -> Option<&[Value]> {
        match self {
            Value::List(items) | Value::Set(items) | Value::Tuple(items) => Some(items),
            _ => None,
        }
    }

    /// The entries of a map, or the attributes of an object.
    pub fn as_map(&self) -> Option<&BTreeMap<String, Value>> {
        match self {
            Value::Map(entries) | Value::Object(entries) => Some(entries),
            _ => None,
        }
    }

    /// A wrapper whose `Debug` shows string contents. For tests and local
    /// debugging only: the value may hold secrets.
    pub fn unredacted(&self) -> Unredacted<'_> {
        Unredacted(self)
    }
}

// ---------------------------------------------------------------------------
// Equality and order

impl Value {
    fn rank(&self) -> u8 {
        match self {
            Value::Null => 0,
            Value::Unknown => 1,
            Value::Bool(_) => 2,
            Value::Number(_) => 3,
            Value::String(_) => 4,
            Value::List(_) => 5,
            Value::Set(_) => 6,
            Value::Map(_) => 7,
            Value::Object(_) => 8,
            Value::Tuple(_) => 9,
        }
    }

    /// A total order consistent with equality; set elements are sorted by
    /// it. Sets compare as sorted, deduplicated sequences.
    pub fn total_cmp(&self, other: &Value) -> Ordering {
        match (self, other) {
            (Value::Bool(a), Value::Bool(b)) => a.cmp(b),
            (Value::Number(a), Value::Number(b)) => a.total_cmp(b),
            (Value::String(a), Value::String(b)) => a.cmp(b),
            (Value::List(a), Value::List(b)) | (Value::Tuple(a), Value::Tuple(b)) => {
                cmp_sequences(a.iter(), b.iter())
            }
            (Value::Set(a), Value::Set(b)) => {
                cmp_sequences(sorted_unique(a).into_iter(), sorted_unique(b).into_iter())
            }
            (Value::Map(a), Value::Map(b)) | (Value::Object(a), Value::Object(b)) => {
                let mut left = a.iter();
                let mut right = b.iter();
                loop {
                    match (left.next(), right.next()) {
                        (None, None) => return Ordering::Equal,
                        (None, Some(_)) => return Ordering::Less,
                        (Some(_), None) => return Ordering::Greater,
                        (Some((ka, va)), Some((kb, vb))) => {
                            let ordering = ka.cmp(kb).then_with(|| va.total_cmp(vb));
                            if ordering.is_ne() {
                                return ordering;
                            }
                        }
                    }
                }
            }
            _ => self.rank().cmp(&other.rank()),
        }
    }
}

fn sorted_unique(items: &[Value]) -> Vec<&Value> {
    let mut refs: Vec<&Value> = items.iter().collect();
    refs.sort_by(|a, b| a.total_cmp(b));
    refs.dedup_by(|a, b| a.total_cmp(b).is_eq());
    refs
}

fn cmp_sequences<'a>(
    mut a: impl Iterator<Item = &'a Value>,
    mut b: impl Iterator<Item = &'a Value>,
) -> Ordering {
    loop {
        match (a.next(), b.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => {
                let ordering = x.total_cmp(y);
                if ordering.is_ne() {
                    return ordering;
                }
            }
        }
    }
}

impl PartialEq for Value {
    fn eq(&self, other: &Self) -> bool {
        self.total_cmp(other).is_eq()
    }
}

impl Eq for Value {}

impl PartialOrd for Value {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Value {
    fn cmp(&self, other: &Self) -> Ordering {
        self.total_cmp(other)
    }
}

// ---------------------------------------------------------------------------
// Debug

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug_value(self, false, f)
    }
}

/// Shows a [`Value`] including string contents; see [`Value::unredacted`].
#[derive(Clone, Copy)]
pub struct Unredacted<'a>(&'a Value);

impl fmt::Debug for Unredacted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug_value(self.0, true, f)
    }
}

struct DebugWith<'a>(&'a Value, bool);

impl fmt::Debug for DebugWith<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug_value(self.0, self.1, f)
    }
}

fn debug_value(value: &Value, reveal: bool, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let wrap = |v| DebugWith(v, reveal);
    match value {
        Value::Null => f.write_str("Null"),
        Value::Unknown => f.write_str("Unknown"),
        Value::Bool(b) => f.debug_tuple("Bool").field(b).finish(),
        Value::Number(n) => f.debug_tuple("Number").field(&format_args!("{n}")).finish(),
        Value::String(s) if reveal => f.debug_tuple("String").field(s).finish(),
        Value::String(_) => f
            .debug_tuple("String")
            .field(&format_args!("<redacted>"))
            .finish(),
        Value::List(items) => {
            f.write_str("List")?;
            f.debug_list().entries(items.iter().map(wrap)).finish()
        }
        Value::Set(items) => {
            f.write_str("Set")?;
            f.debug_list().entries(items.iter().map(wrap)).finish()
        }
        Value::Tuple(items) => {
            f.write_str("Tuple")?;
            f.debug_list().entries(items.iter().map(wrap)).finish()
        }
        Value::Map(entries) => {
            f.write_str("Map")?;
            f.debug_map()
                .entries(entries.iter().map(|(k, v)| (k, wrap(v))))
                .finish()
        }
        Value::Object(entries) => {
            f.write_str("Object")?;
            f.debug_map()
                .entries(entries.iter().map(|(k, v)| (k, wrap(v))))
                .finish()
        }
    }
}
