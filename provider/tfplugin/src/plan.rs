//! The declarative part of planning and the invariants every state sent to
//! Terraform must hold, independent of the wire.
//!
//! Plan rules apply to the top-level attributes of a resource schema. Values
//! inside nested blocks are planned by Terraform's proposed new state
//! (computed nested attributes keep their prior values); a resource that
//! needs more refines them in `Resource::modify_plan`.

use crate::diag::{AttributePath, PathStep};
use crate::schema::{Block, Nesting};
use crate::value::Value;

/// The outcome of the schema's plan rules for one resource.
#[derive(Debug, PartialEq)]
pub(crate) struct RulePlan {
    pub planned: Value,
    /// Top-level attribute names whose change forces replacement.
    pub requires_replace: Vec<String>,
}

fn field<'v>(object: &'v Value, name: &str) -> &'v Value {
    match object {
        Value::Object(fields) => fields.get(name).unwrap_or(&Value::Null),
        _ => &Value::Null,
    }
}

/// Applies the schema's plan rules to Terraform's proposed new state.
///
/// * destroy (proposed null): the plan is null;
/// * a computed attribute left null in configuration takes its `default`;
/// * when anything changes (always on create), the remaining computed
///   attributes left null in configuration become unknown, except that on
///   update `use_state_for_unknown` keeps the prior value; when nothing
///   changes they keep their prior values, so a plan with no changes stays
///   empty;
/// * write-only attributes are null;
/// * on update, `requires_replace` attributes whose planned value differs
///   from the prior value are reported.
pub(crate) fn apply_rules(
    block: &Block,
    prior: &Value,
    proposed: &Value,
    config: &Value,
) -> RulePlan {
    let Value::Object(proposed_fields) = proposed else {
        return RulePlan {
            planned: Value::Null,
            requires_replace: Vec::new(),
        };
    };
    let creating = matches!(prior, Value::Null);
    let mut planned = proposed_fields.clone();

    for attribute in &block.attributes {
        if attribute.write_only {
            planned.insert(attribute.name.clone(), Value::Null);
        } else if let Some(default) = &attribute.plan.default
            && attribute.computed
            && matches!(field(config, &attribute.name), Value::Null)
        {
            planned.insert(attribute.name.clone(), default.clone());
        }
    }

    let changed = creating || !values_equal(&Value::Object(planned.clone()), prior);
    if changed {
        for attribute in &block.attributes {
            let config_null = matches!(field(config, &attribute.name), Value::Null);
            if !attribute.computed
                || attribute.write_only
                || !config_null
                || attribute.plan.default.is_some()
            {
                continue;
            }
            let value = if !creating && attribute.plan.use_state_for_unknown {
                field(prior, &attribute.name).clone()
            } else {
                Value::Unknown
            };
            planned.insert(attribute.name.clone(), value);
        }
    }

    let mut requires_replace = Vec::new();
    if !creating {
        for attribute in &block.attributes {
            if !attribute.plan.requires_replace {
                continue;
            }
            let before = field(prior, &attribute.name);
            let after = planned.get(&attribute.name).unwrap_or(&Value::Null);
            if !values_equal(before, after) {
                requires_replace.push(attribute.name.clone());
            }
        }
    }

    RulePlan {
        planned: Value::Object(planned),
        requires_replace,
    }
}

/// Equality as Terraform sees it: sets compare without order.
pub(crate) fn values_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Set(x), Value::Set(y)) => {
            x.len() == y.len() && x.iter().all(|e| y.iter().any(|f| values_equal(e, f)))
        }
        (Value::List(x), Value::List(y)) | (Value::Tuple(x), Value::Tuple(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(e, f)| values_equal(e, f))
        }
        (Value::Map(x), Value::Map(y)) | (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| values_equal(v, w)))
        }
        _ => a == b,
    }
}

/// Nulls every write-only attribute, at any depth of nested blocks. Applied
/// to every state and plan before it leaves the provider.
pub(crate) fn null_write_only(block: &Block, value: &mut Value) {
    let Value::Object(fields) = value else {
        return;
    };
    for attribute in &block.attributes {
        if attribute.write_only
            && let Some(slot) = fields.get_mut(&attribute.name)
        {
            *slot = Value::Null;
        }
    }
    for nested in &block.blocks {
        if !nested.block.has_write_only() {
            continue;
        }
        let Some(inner) = fields.get_mut(&nested.type_name) else {
            continue;
        };
        match (nested.nesting, inner) {
            (Nesting::Single | Nesting::Group, object) => null_write_only(&nested.block, object),
            (_, Value::List(items) | Value::Set(items) | Value::Tuple(items)) => {
                for item in items {
                    null_write_only(&nested.block, item);
                }
            }
            (_, Value::Map(items) | Value::Object(items)) => {
                for item in items.values_mut() {
                    null_write_only(&nested.block, item);
                }
            }
            _ => {}
        }
    }
}

/// The path of the first unknown value inside `value`, if any: a state after
/// apply or read must be wholly known.
pub(crate) fn first_unknown(value: &Value) -> Option<AttributePath> {
    fn walk(value: &Value, path: &mut Vec<PathStep>) -> bool {
        match value {
            Value::Unknown => true,
            Value::List(items) | Value::Set(items) | Value::Tuple(items) => {
                for (i, item) in items.iter().enumerate() {
                    path.push(PathStep::ElementKeyInt(
                        i64::try_from(i).unwrap_or(i64::MAX),
                    ));
                    if walk(item, path) {
                        return true;
                    }
                    path.pop();
                }
                false
            }
            Value::Object(fields) => walk_fields(fields, path, PathStep::Attribute),
            Value::Map(fields) => walk_fields(fields, path, PathStep::ElementKeyString),
            _ => false,
        }
    }
    fn walk_fields(
        fields: &std::collections::BTreeMap<String, Value>,
        path: &mut Vec<PathStep>,
        step: fn(String) -> PathStep,
    ) -> bool {
        for (name, item) in fields {
            path.push(step(name.clone()));
            if walk(item, path) {
                return true;
            }
            path.pop();
        }
        false
    }
    let mut path = Vec::new();
    walk(value, &mut path).then_some(AttributePath(path))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Attribute, NestedBlock};
    use crate::value::Type;
    use std::collections::BTreeMap;

    fn block() -> Block {
        Block {
            attributes: vec![
                Attribute::required("name", Type::String).requires_replace(),
                Attribute::optional("comment", Type::String),
                Attribute::computed("id", Type::String).use_state_for_unknown(),
                Attribute::computed("etag", Type::String),
                Attribute::optional("enabled", Type::Bool).default_value(Value::Bool(true)),
                Attribute::optional("password", Type::String)
                    .sensitive()
                    .write_only(),
            ],
            ..Block::default()
        }
    }

    fn object(pairs: &[(&str, Value)]) -> Value {
        Value::Object(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect::<BTreeMap<_, _>>(),
        )
    }

    fn s(text: &str) -> Value {
        Value::String(text.to_owned())
    }

    #[test]
    fn create_marks_computed_unknown_applies_default_and_nulls_write_only() {
        let config = object(&[
            ("name", s("a")),
            ("comment", Value::Null),
            ("id", Value::Null),
            ("etag", Value::Null),
            ("enabled", Value::Null),
            ("password", s("secret")),
        ]);
        let plan = apply_rules(&block(), &Value::Null, &config, &config);
        assert_eq!(
            plan.planned,
            object(&[
                ("name", s("a")),
                ("comment", Value::Null),
                ("id", Value::Unknown),
                ("etag", Value::Unknown),
                ("enabled", Value::Bool(true)),
                ("password", Value::Null),
            ])
        );
        assert!(plan.requires_replace.is_empty());
    }

    #[test]
    fn update_keeps_state_for_unknown_and_reports_replacement() {
        let prior = object(&[
            ("name", s("a")),
            ("comment", Value::Null),
            ("id", s("a-id")),
            ("etag", s("1")),
            ("enabled", Value::Bool(true)),
            ("password", Value::Null),
        ]);
        let config = object(&[
            ("name", s("b")),
            ("comment", Value::Null),
            ("id", Value::Null),
            ("etag", Value::Null),
            ("enabled", Value::Null),
            ("password", Value::Null),
        ]);
        // Terraform's proposed state carries prior values for null computed attributes.
        let proposed = object(&[
            ("name", s("b")),
            ("comment", Value::Null),
            ("id", s("a-id")),
            ("etag", s("1")),
            ("enabled", Value::Bool(true)),
            ("password", Value::Null),
        ]);
        let plan = apply_rules(&block(), &prior, &proposed, &config);
        assert_eq!(field(&plan.planned, "id"), &s("a-id"));
        assert_eq!(field(&plan.planned, "etag"), &Value::Unknown);
        assert_eq!(plan.requires_replace, vec!["name".to_owned()]);
    }

    #[test]
    fn no_change_keeps_prior_computed_values() {
        let prior = object(&[
            ("name", s("a")),
            ("comment", Value::Null),
            ("id", s("a-id")),
            ("etag", s("1")),
            ("enabled", Value::Bool(true)),
            ("password", Value::Null),
        ]);
        let config = object(&[
            ("name", s("a")),
            ("comment", Value::Null),
            ("id", Value::Null),
            ("etag", Value::Null),
            ("enabled", Value::Null),
            ("password", s("secret")),
        ]);
        let mut proposed = prior.clone();
        if let Value::Object(f) = &mut proposed {
            f.insert("password".into(), s("secret"));
        }
        let plan = apply_rules(&block(), &prior, &proposed, &config);
        assert_eq!(plan.planned, prior);
        assert!(plan.requires_replace.is_empty());
    }

    #[test]
    fn destroy_plans_null() {
        let prior = object(&[("name", s("a"))]);
        let plan = apply_rules(&block(), &prior, &Value::Null, &Value::Null);
        assert_eq!(plan.planned, Value::Null);
    }

    #[test]
    fn write_only_is_nulled_in_nested_blocks() {
        let inner = Block {
            attributes: vec![Attribute::optional("token", Type::String).write_only()],
            ..Block::default()
        };
        let outer = Block {
            blocks: vec![NestedBlock {
                type_name: "auth".into(),
                block: inner,
                nesting: Nesting::List,
                ..NestedBlock::default()
            }],
            ..Block::default()
        };
        let mut value = object(&[("auth", Value::List(vec![object(&[("token", s("t"))])]))]);
        null_write_only(&outer, &mut value);
        assert_eq!(
            value,
            object(&[("auth", Value::List(vec![object(&[("token", Value::Null)])]))])
        );
    }

    #[test]
    fn finds_nested_unknown() {
        let value = object(&[("a", Value::List(vec![s("x"), Value::Unknown]))]);
        assert_eq!(
            first_unknown(&value),
            Some(AttributePath::attribute("a").index(1))
        );
        assert_eq!(first_unknown(&object(&[("a", s("x"))])), None);
    }
}
