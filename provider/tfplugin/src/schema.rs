//! Schemas for providers, resources, data sources and ephemeral resources,
//! plus the declarative plan rules the framework applies for a resource.

use std::collections::{BTreeMap, BTreeSet};

use crate::value::{Type, Value};

/// How the description text is formatted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum StringKind {
    Plain,
    #[default]
    Markdown,
}

/// A versioned schema; `version` increments when the state layout changes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Schema {
    pub version: i64,
    pub block: Block,
}

/// A configuration block: attributes and nested blocks.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Block {
    pub attributes: Vec<Attribute>,
    pub blocks: Vec<NestedBlock>,
    pub description: String,
    pub description_kind: StringKind,
    pub deprecated: bool,
}

/// Rules the framework applies when planning a resource (never sent to Terraform).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PlanRules {
    /// A change to this attribute replaces the resource.
    pub requires_replace: bool,
    /// Value used when the configuration leaves the attribute null (needs `computed`).
    pub default: Option<Value>,
    /// A computed attribute keeps its prior state value on update instead of becoming unknown.
    pub use_state_for_unknown: bool,
}

/// One attribute of a block.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Attribute {
    pub name: String,
    pub ty: Type,
    pub description: String,
    pub description_kind: StringKind,
    pub required: bool,
    pub optional: bool,
    pub computed: bool,
    pub sensitive: bool,
    /// Terraform ≥ 1.11: the value is available in config only, never in plan or state.
    pub write_only: bool,
    pub deprecated: bool,
    pub plan: PlanRules,
}

/// How a nested block repeats.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Nesting {
    #[default]
    Single,
    Group,
    List,
    Set,
    Map,
}

/// A nested block such as `timeouts { … }`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NestedBlock {
    pub type_name: String,
    pub block: Block,
    pub nesting: Nesting,
    pub min_items: i64,
    pub max_items: i64,
}

/// A resource identity schema (Terraform ≥ 1.12).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct IdentitySchema {
    pub version: i64,
    pub attributes: Vec<IdentityAttribute>,
}

/// One attribute of a resource identity.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct IdentityAttribute {
    pub name: String,
    pub ty: Type,
    pub required_for_import: bool,
    pub optional_for_import: bool,
    pub description: String,
}

impl Schema {
    /// A version-0 schema around a block.
    pub fn new(block: Block) -> Self {
        Self { version: 0, block }
    }

    /// The type of a value conforming to this schema (the object Terraform sends).
    pub fn value_type(&self) -> Type {
        self.block.implied_type()
    }
}

impl Block {
    /// The object type of a value of this block: attributes plus nested blocks.
    pub fn implied_type(&self) -> Type {
        let mut attributes = BTreeMap::new();
        for attribute in &self.attributes {
            attributes.insert(attribute.name.clone(), attribute.ty.clone());
        }
        for nested in &self.blocks {
            let object = nested.block.implied_type();
            let ty = match nested.nesting {
                Nesting::Single | Nesting::Group => object,
                Nesting::List => Type::List(Box::new(object)),
                Nesting::Set => Type::Set(Box::new(object)),
                Nesting::Map => Type::Map(Box::new(object)),
            };
            attributes.insert(nested.type_name.clone(), ty);
        }
        Type::Object {
            attributes,
            optional: BTreeSet::new(),
        }
    }

    /// The attribute called `name`, if any.
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }

    /// The nested block type called `name`, if any.
    pub fn nested_block(&self, name: &str) -> Option<&NestedBlock> {
        self.blocks.iter().find(|b| b.type_name == name)
    }

    /// True when this block or any nested block has a write-only attribute.
    pub fn has_write_only(&self) -> bool {
        self.attributes.iter().any(|a| a.write_only)
            || self.blocks.iter().any(|b| b.block.has_write_only())
    }
}

/// Builders, so schemas read as declarations:
/// `Attribute::required("name", Type::String).description("…")`.
impl Attribute {
    fn named(name: &str, ty: Type) -> Self {
        Self {
            name: name.to_owned(),
            ty,
            ..Self::default()
        }
    }

    /// Must be set in configuration.
    pub fn required(name: &str, ty: Type) -> Self {
        Self {
            required: true,
            ..Self::named(name, ty)
        }
    }

    /// May be set in configuration.
    pub fn optional(name: &str, ty: Type) -> Self {
        Self {
            optional: true,
            ..Self::named(name, ty)
        }
    }

    /// Set by the provider only.
    pub fn computed(name: &str, ty: Type) -> Self {
        Self {
            computed: true,
            ..Self::named(name, ty)
        }
    }

    /// May be set in configuration; the provider fills it in otherwise.
    pub fn optional_computed(name: &str, ty: Type) -> Self {
        Self {
            optional: true,
            computed: true,
            ..Self::named(name, ty)
        }
    }

    #[must_use]
    pub fn description(mut self, text: impl Into<String>) -> Self {
        self.description = text.into();
        self
    }

    #[must_use]
    pub fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }

    /// Never stored in plan or state (Terraform ≥ 1.11); implies not computed.
    #[must_use]
    pub fn write_only(mut self) -> Self {
        self.write_only = true;
        self
    }

    #[must_use]
    pub fn deprecated(mut self) -> Self {
        self.deprecated = true;
        self
    }

    #[must_use]
    pub fn requires_replace(mut self) -> Self {
        self.plan.requires_replace = true;
        self
    }

    /// The value used when configuration leaves the attribute null; makes it computed.
    #[must_use]
    pub fn default_value(mut self, value: Value) -> Self {
        self.computed = true;
        self.plan.default = Some(value);
        self
    }

    #[must_use]
    pub fn use_state_for_unknown(mut self) -> Self {
        self.plan.use_state_for_unknown = true;
        self
    }
}

impl IdentitySchema {
    /// The object type of an identity value.
    pub fn value_type(&self) -> Type {
        Type::Object {
            attributes: self
                .attributes
                .iter()
                .map(|a| (a.name.clone(), a.ty.clone()))
                .collect(),
            optional: BTreeSet::new(),
        }
    }
}

// `Type` lives in `value`; its default (string) is a schema convenience.
#[allow(clippy::derivable_impls)]
impl Default for Type {
    fn default() -> Self {
        Type::String
    }
}
