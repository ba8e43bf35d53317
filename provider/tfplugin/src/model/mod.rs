//! One Rust struct per Terraform type: its fields *are* the attributes.
//!
//! `#[derive(Model)]` reads `#[tf(…)]` on each field and derives the schema
//! attributes, decoding ([`Value`] → struct, every error a diagnostic at the
//! attribute), encoding (struct → [`Value`]), the resource identity, and one
//! constant per attribute name (`GroupModel::GROUP_ID == "group_id"`), so
//! validation, plan rules and diagnostics name attributes without string
//! literals and a misspelt name does not compile.
//!
//! ```
//! use std::collections::BTreeSet;
//! use tfplugin::model::Model;
//!
//! #[derive(Debug, PartialEq, tfplugin::Model)]
//! #[tf(description = "A group.")]
//! struct GroupModel {
//!     #[tf(required, requires_replace, identity = "The group name.", description = "The group name.")]
//!     group_id: String,
//!     #[tf(optional, description = "A comment.")]
//!     comment: Option<String>,
//!     #[tf(computed, description = "The members.")]
//!     members: BTreeSet<String>,
//! }
//!
//! let group = GroupModel { group_id: "ops".into(), comment: None, members: BTreeSet::new() };
//! assert_eq!(GroupModel::from_value(&group.to_value()).unwrap(), group);
//! assert_eq!(GroupModel::GROUP_ID, "group_id");
//! assert_eq!(GroupModel::schema().block.attributes.len(), 3);
//! ```
//!
//! Field keys: how it is set — `required`, `optional`, `computed` (or
//! `optional, computed`); `description = EXPR` (anything `Into<String>`);
//! `sensitive`, `write_only`, `deprecated`; plan rules `requires_replace`,
//! `use_state_for_unknown`, `default = EXPR` (anything `Into<Value>`; makes the
//! attribute computed); `identity = "description"` (part of the resource
//! identity, required for import; add `identity_optional` for optional);
//! `name = "…"` when the attribute name is not the field name. On the struct:
//! `description = EXPR`, `version = N`.
//!
//! Flattening: a field `#[tf(flatten)] finding: FindingModel` of another
//! model type contributes that model's attributes and blocks at this level,
//! in this field's place: schema, decoding (its diagnostics name its
//! attributes, which stand at this level), encoding, identity and, when this
//! model is itself an object field, the object type. Descriptions and flags
//! are the inner model's own (its struct description and version are not
//! used), and `flatten` takes no other key. The inner attribute names stay
//! constants of the inner model (`FindingModel::RULE`). An attribute or block
//! name that stands twice once flattened models are spread in — this model's
//! own against a flattened one, or two flattened ones against each other —
//! does not compile; the error names the model, the attribute or the fields:
//!
//! ```compile_fail,E0080
//! #[derive(tfplugin::Model)]
//! struct FindingModel {
//!     #[tf(computed)]
//!     rule: String,
//! }
//!
//! #[derive(tfplugin::Model)]
//! struct IgnoredModel {
//!     #[tf(flatten)]
//!     finding: FindingModel,
//!     #[tf(computed)]
//!     rule: String, // `rule` is already FindingModel's
//! }
//! ```
//!
//! ```compile_fail,E0080
//! #[derive(tfplugin::Model)]
//! struct A { #[tf(computed)] id: String }
//! #[derive(tfplugin::Model)]
//! struct B { #[tf(computed)] id: String }
//! #[derive(tfplugin::Model)]
//! struct Both {
//!     #[tf(flatten)]
//!     a: A,
//!     #[tf(flatten)]
//!     b: B, // both have `id`
//! }
//! ```
//!
//! The same models without the clash compile and spread as described:
//!
//! ```
//! use tfplugin::model::Model;
//!
//! #[derive(Debug, PartialEq, tfplugin::Model)]
//! struct FindingModel {
//!     #[tf(computed)]
//!     rule: String,
//! }
//!
//! #[derive(Debug, PartialEq, tfplugin::Model)]
//! struct IgnoredModel {
//!     #[tf(flatten)]
//!     finding: FindingModel,
//!     #[tf(computed)]
//!     reason: String,
//! }
//!
//! let names: Vec<String> = IgnoredModel::attributes().into_iter().map(|a| a.name).collect();
//! assert_eq!(names, [FindingModel::RULE, IgnoredModel::REASON]);
//! ```
//!
//! Unknown values: a `computed` attribute may be unknown in a plan, so it
//! decodes to its type's default (`None`, `""`, an empty set); any other
//! unknown attribute is an error naming it. A computed-only attribute (not
//! `optional`) is null in every configuration, so null decodes to its type's
//! null or default too: a data source decodes its whole configuration into
//! its model, `String` fields included. An attribute with `default = …`
//! decodes null as that default. Null decodes to `None` for
//! `Option<T>`, to an empty collection for sets, lists and maps, and is an
//! error for the other types.
//!
//! Field types are those implementing [`Field`]: `String`, `bool`, `i64`,
//! `Option<T>`, `BTreeSet<T>` (a set), `Vec<T>` (a list), `BTreeMap<String, T>`
//! (a map), [`Unknowable<T>`] for a computed attribute whose unknown value
//! must survive decoding and be written back as unknown, and every
//! `#[derive(Model)]` struct (an object whose attributes are its fields, e.g.
//! `Vec<EntryModel>` for a list of objects; attribute flags and descriptions
//! of a nested model are not part of the object type).

use std::collections::{BTreeMap, BTreeSet};

use crate::codec::CodecError;
use crate::diag::{Diagnostic, Diagnostics, PathStep};
use crate::provider::ResourceState;
use crate::schema::{Attribute, Block, IdentitySchema, NestedBlock, Nesting, Schema};
use crate::value::{Type, Value};

pub use tfplugin_derive::Model;

/// A struct describing one Terraform type; implemented by `#[derive(Model)]`.
pub trait Model: Sized {
    /// The schema version (`#[tf(version = N)]` on the struct; 0 by default).
    const VERSION: i64;

    /// The attribute and block names, with those of flattened models.
    const ATTRIBUTE_NAMES: AttributeNames;

    /// The type's description (`#[tf(description = …)]` on the struct).
    fn description() -> String;

    /// The schema attributes, in field order.
    fn attributes() -> Vec<Attribute>;

    /// The nested blocks, from the fields marked `block`, in field order.
    fn blocks() -> Vec<NestedBlock> {
        Vec::new()
    }

    /// The identity schema, from the fields marked `identity`; `None` without any.
    fn identity_schema() -> Option<IdentitySchema>;

    /// Decodes a configuration, plan or state; errors name the attribute.
    fn from_value(value: &Value) -> Result<Self, Diagnostics>;

    /// Encodes as a state value (every attribute, null where absent).
    fn to_value(&self) -> Value;

    /// The identity value, from the fields marked `identity`.
    fn identity(&self) -> Option<Value>;

    /// The block: the description and the attributes.
    fn block() -> Block {
        Block {
            description: Self::description(),
            attributes: Self::attributes(),
            blocks: Self::blocks(),
            ..Block::default()
        }
    }

    /// The schema: [`Model::block`] at [`Model::VERSION`].
    fn schema() -> Schema {
        Schema {
            version: Self::VERSION,
            block: Self::block(),
        }
    }

    /// The resource state: the value, the identity, no private data.
    fn to_state(&self) -> ResourceState {
        ResourceState {
            state: self.to_value(),
            identity: self.identity(),
            private: Vec::new(),
        }
    }
}

/// The attribute and block names of a model: its own, and those of the
/// models it flattens (`#[tf(flatten)]`). The derive checks at compile time,
/// with [`AttributeNames::contains`] and [`AttributeNames::overlaps`], that
/// no name stands twice once the flattened models are spread in.
#[derive(Debug, Clone, Copy)]
pub struct AttributeNames {
    /// The names declared by the model's own fields.
    pub own: &'static [&'static str],
    /// The names of each flattened model.
    pub flattened: &'static [&'static AttributeNames],
}

impl AttributeNames {
    /// Whether `name` is among these names, flattened ones included.
    pub const fn contains(&self, name: &str) -> bool {
        let mut index = 0;
        while index < self.own.len() {
            if same(self.own[index], name) {
                return true;
            }
            index += 1;
        }
        let mut index = 0;
        while index < self.flattened.len() {
            if self.flattened[index].contains(name) {
                return true;
            }
            index += 1;
        }
        false
    }

    /// Whether some name is among both `self` and `other`.
    pub const fn overlaps(&self, other: &AttributeNames) -> bool {
        let mut index = 0;
        while index < self.own.len() {
            if other.contains(self.own[index]) {
                return true;
            }
            index += 1;
        }
        let mut index = 0;
        while index < self.flattened.len() {
            if self.flattened[index].overlaps(other) {
                return true;
            }
            index += 1;
        }
        false
    }
}

/// String equality usable in constants.
const fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut index = 0;
    while index < a.len() {
        if a[index] != b[index] {
            return false;
        }
        index += 1;
    }
    true
}

/// The attributes of an object value (a flattened model's state or
/// identity), to spread into the enclosing object; empty for `None` or any
/// other value.
pub fn object_entries(value: Option<Value>) -> BTreeMap<String, Value> {
    match value {
        Some(Value::Object(entries)) => entries,
        _ => BTreeMap::new(),
    }
}

/// The attribute types of a model used as an object field, to spread a
/// flattened model into the enclosing object type.
pub fn object_attribute_types<M: Model + Field>() -> BTreeMap<String, Type> {
    match M::ty() {
        Type::Object { attributes, .. } => attributes,
        _ => BTreeMap::new(),
    }
}

/// A field that is a nested block (`#[tf(block)]`): `Vec<M>` of a model `M`
/// is a list block whose description and attributes are `M`'s.
pub trait BlockField {
    /// The block named `name`.
    fn nested_block(name: &str, deprecated: bool) -> NestedBlock;
}

impl<M: Model> BlockField for Vec<M> {
    fn nested_block(name: &str, deprecated: bool) -> NestedBlock {
        let mut block = M::block();
        block.deprecated = deprecated;
        NestedBlock {
            type_name: name.to_owned(),
            block,
            nesting: Nesting::List,
            ..NestedBlock::default()
        }
    }
}

/// A Rust type that can be a model field: its Terraform type and conversions.
pub trait Field: Sized {
    /// The Terraform type of the attribute.
    fn ty() -> Type;

    /// What a null value decodes to; `None` when null is not acceptable.
    fn from_null() -> Option<Self> {
        None
    }

    /// Decodes a known, non-null value. Errors carry the path below the attribute.
    fn decode(value: &Value) -> Result<Self, CodecError>;

    /// Encodes the field.
    fn encode(&self) -> Value;
}

/// Decodes attribute `name` of `object`, which must be known.
pub fn decode<T: Field>(object: &Value, name: &str) -> Result<T, Diagnostic> {
    decode_value(object.get(name)).map_err(|error| invalid(name, error))
}

/// Decodes attribute `name` of `object`; unknown (a computed attribute in a
/// plan) decodes to the type's default.
pub fn decode_computed<T: Field + Default>(object: &Value, name: &str) -> Result<T, Diagnostic> {
    match object.get(name) {
        Value::Unknown => Ok(T::default()),
        _ => decode(object, name),
    }
}

/// Decodes computed-only attribute `name` of `object`: unknown (in a plan)
/// decodes to the type's default, null (in a configuration, where such an
/// attribute is always null) to the type's null or, without one, its default.
pub fn decode_computed_only<T: Field + Default>(
    object: &Value,
    name: &str,
) -> Result<T, Diagnostic> {
    match object.get(name) {
        Value::Unknown => Ok(T::default()),
        Value::Null => Ok(T::from_null().unwrap_or_default()),
        _ => decode(object, name),
    }
}

/// Decodes attribute `name` of a nested object (a model used as a field);
/// the error's path starts at the attribute.
pub fn decode_nested<T: Field>(object: &Value, name: &str) -> Result<T, CodecError> {
    decode_value(object.get(name))
        .map_err(|error| error.within(PathStep::Attribute(name.to_owned())))
}

/// Decodes attribute `name` of `object`; null decodes as `default`.
pub fn decode_or<T: Field>(object: &Value, name: &str, default: Value) -> Result<T, Diagnostic> {
    match object.get(name) {
        Value::Null => decode_value(&default).map_err(|error| invalid(name, error)),
        _ => decode(object, name),
    }
}

fn decode_value<T: Field>(value: &Value) -> Result<T, CodecError> {
    match value {
        Value::Unknown => Err(CodecError::new("value is not known yet")),
        Value::Null => T::from_null().ok_or_else(|| CodecError::new("a value is required")),
        value => T::decode(value),
    }
}

fn invalid(name: &str, error: CodecError) -> Diagnostic {
    error
        .within(PathStep::Attribute(name.to_owned()))
        .to_diagnostic(format!("Invalid {name}"))
}

fn wrong_kind(wanted: &str, value: &Value) -> CodecError {
    CodecError::new(format!("{wanted} is required, found {}", value.kind_name()))
}

impl Field for String {
    fn ty() -> Type {
        Type::String
    }
    fn decode(value: &Value) -> Result<Self, CodecError> {
        value
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| wrong_kind("a string", value))
    }
    fn encode(&self) -> Value {
        Value::String(self.clone())
    }
}

impl Field for bool {
    fn ty() -> Type {
        Type::Bool
    }
    fn decode(value: &Value) -> Result<Self, CodecError> {
        value.as_bool().ok_or_else(|| wrong_kind("a bool", value))
    }
    fn encode(&self) -> Value {
        Value::Bool(*self)
    }
}

impl Field for i64 {
    fn ty() -> Type {
        Type::Number
    }
    fn decode(value: &Value) -> Result<Self, CodecError> {
        match value {
            Value::Number(number) => number.as_i64().ok_or_else(|| {
                CodecError::new(
                    "a whole number between -9223372036854775808 and 9223372036854775807 is required",
                )
            }),
            value => Err(wrong_kind("a number", value)),
        }
    }
    fn encode(&self) -> Value {
        Value::from(*self)
    }
}

impl<T: Field> Field for Option<T> {
    fn ty() -> Type {
        T::ty()
    }
    fn from_null() -> Option<Self> {
        Some(None)
    }
    fn decode(value: &Value) -> Result<Self, CodecError> {
        T::decode(value).map(Some)
    }
    fn encode(&self) -> Value {
        self.as_ref().map_or(Value::Null, Field::encode)
    }
}

/// Decodes the elements of a list or set; errors name the element's index.
fn elements<T: Field>(value: &Value) -> Result<Vec<T>, CodecError> {
    let Some(items) = value.elements() else {
        return Err(wrong_kind("a list or set", value));
    };
    items
        .iter()
        .enumerate()
        .map(|(index, item)| {
            decode_value(item).map_err(|error| {
                error.within(PathStep::ElementKeyInt(
                    i64::try_from(index).unwrap_or(i64::MAX),
                ))
            })
        })
        .collect()
}

impl<T: Field + Ord> Field for BTreeSet<T> {
    fn ty() -> Type {
        Type::Set(Box::new(T::ty()))
    }
    fn from_null() -> Option<Self> {
        Some(BTreeSet::new())
    }
    fn decode(value: &Value) -> Result<Self, CodecError> {
        elements(value).map(|items| items.into_iter().collect())
    }
    fn encode(&self) -> Value {
        Value::Set(self.iter().map(Field::encode).collect())
    }
}

impl<T: Field> Field for Vec<T> {
    fn ty() -> Type {
        Type::List(Box::new(T::ty()))
    }
    fn from_null() -> Option<Self> {
        Some(Vec::new())
    }
    fn decode(value: &Value) -> Result<Self, CodecError> {
        elements(value)
    }
    fn encode(&self) -> Value {
        Value::List(self.iter().map(Field::encode).collect())
    }
}

impl<T: Field> Field for BTreeMap<String, T> {
    fn ty() -> Type {
        Type::Map(Box::new(T::ty()))
    }
    fn from_null() -> Option<Self> {
        Some(BTreeMap::new())
    }
    fn decode(value: &Value) -> Result<Self, CodecError> {
        let Some(entries) = value.as_map() else {
            return Err(wrong_kind("a map", value));
        };
        entries
            .iter()
            .map(|(key, item)| {
                decode_value(item)
                    .map(|item| (key.clone(), item))
                    .map_err(|error| error.within(PathStep::ElementKeyString(key.clone())))
            })
            .collect()
    }
    fn encode(&self) -> Value {
        Value::Map(
            self.iter()
                .map(|(key, item)| (key.clone(), item.encode()))
                .collect(),
        )
    }
}

/// A value that may be unknown: for an `optional, computed` attribute whose
/// plan leaves it unknown until apply, when the model must tell "unknown"
/// from "null" (a plain `computed` field decodes unknown as its default).
/// Unknown encodes as unknown; null decodes as `T`'s null (`Known(empty)` for
/// a collection, `Known(None)` for an `Option`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Unknowable<T> {
    /// Not known yet (planned, to be settled by apply).
    Unknown,
    /// Known (possibly null, if `T` has a null).
    Known(T),
}

impl<T> Unknowable<T> {
    /// The value, if known.
    pub fn known(&self) -> Option<&T> {
        match self {
            Unknowable::Unknown => None,
            Unknowable::Known(value) => Some(value),
        }
    }

    /// The value, if known, by value.
    pub fn into_known(self) -> Option<T> {
        match self {
            Unknowable::Unknown => None,
            Unknowable::Known(value) => Some(value),
        }
    }

    /// Whether the value is unknown.
    pub fn is_unknown(&self) -> bool {
        matches!(self, Unknowable::Unknown)
    }
}

/// Unknown: what a computed attribute is until apply.
impl<T> Default for Unknowable<T> {
    fn default() -> Self {
        Unknowable::Unknown
    }
}

impl<T> From<Option<T>> for Unknowable<T> {
    /// `None` is unknown.
    fn from(value: Option<T>) -> Self {
        value.map_or(Unknowable::Unknown, Unknowable::Known)
    }
}

impl<T: Field> Field for Unknowable<T> {
    fn ty() -> Type {
        T::ty()
    }
    fn from_null() -> Option<Self> {
        T::from_null().map(Unknowable::Known)
    }
    fn decode(value: &Value) -> Result<Self, CodecError> {
        // Only reached for known, non-null values; `decode_computed` maps an
        // unknown attribute to `Default`, i.e. `Unknown`.
        T::decode(value).map(Unknowable::Known)
    }
    fn encode(&self) -> Value {
        self.known().map_or(Value::Unknown, Field::encode)
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod flatten_tests;
