//! Terraform values and types (cty), independent of any wire encoding.
//!
//! `Value` carries no type of its own: the schema's [`Type`] drives encoding
//! and decoding (see the `codec` module). Values of a `Dynamic` attribute are
//! encoded with the type inferred from the value itself.

use std::collections::{BTreeMap, BTreeSet};

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
/// exact decimal text.
#[derive(Clone, Debug, PartialEq)]
pub enum Number {
    Int(i64),
    Float(f64),
    /// A number that fits neither `i64` nor `f64` exactly, in decimal text.
    Big(String),
}

/// A Terraform value. `Null` and `Unknown` are valid for every type.
#[derive(Clone, Debug, PartialEq, Default)]
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
