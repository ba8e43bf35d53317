//! Schemas for providers, resources, data sources and ephemeral resources,
//! plus the declarative plan rules the framework applies for a resource.

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

impl Default for Type {
    fn default() -> Self {
        Type::String
    }
}
