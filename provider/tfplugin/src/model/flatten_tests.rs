//! `#[tf(flatten)]`: a model's attributes spread into another at the same level.

use std::collections::{BTreeMap, BTreeSet};

use super::{AttributeNames, Model};
use crate::diag::{AttributePath, PathStep};
use crate::schema::{Attribute, Block, IdentityAttribute, IdentitySchema, Schema};
use crate::value::{Type, Value};

/// The part two types share; its descriptions and flags are used as they are.
#[derive(Debug, Clone, PartialEq, crate::Model)]
#[tf(description = "Never shown: a flattened model's own description is not used.")]
struct Common {
    #[tf(required, sensitive, identity = "The key.", description = "The key.")]
    key: String,
    #[tf(optional, computed, use_state_for_unknown, description = "The id.")]
    id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, crate::Model)]
#[tf(description = "An outer type.", version = 2)]
struct Outer {
    #[tf(required, identity = "The name.", description = "The name.")]
    name: String,
    #[tf(flatten)]
    common: Common,
    #[tf(optional, description = "A note.")]
    note: Option<String>,
}

/// Two levels, and a block inside the flattened model.
#[derive(Debug, Clone, PartialEq, crate::Model)]
struct Rule {
    #[tf(required)]
    rule: String,
}

#[derive(Debug, Clone, PartialEq, crate::Model)]
struct WithBlock {
    #[tf(flatten)]
    outer: Outer,
    #[tf(block)]
    exception: Vec<Rule>,
}

#[derive(Debug, Clone, PartialEq, crate::Model)]
struct Twice {
    #[tf(flatten)]
    with_block: WithBlock,
    #[tf(computed)]
    count: i64,
}

#[derive(Debug, Clone, PartialEq, crate::Model)]
struct Entries {
    #[tf(computed)]
    entries: Vec<Outer>,
}

fn outer() -> Outer {
    Outer {
        name: "n".into(),
        common: Common {
            key: "k".into(),
            id: Some("i".into()),
        },
        note: None,
    }
}

#[test]
fn the_schema_spreads_the_inner_attributes_in_field_order() {
    let hand_written = Schema {
        version: 2,
        block: Block {
            description: "An outer type.".into(),
            attributes: vec![
                Attribute::required("name", Type::String).description("The name."),
                Attribute::required("key", Type::String)
                    .description("The key.")
                    .sensitive(),
                Attribute::optional_computed("id", Type::String)
                    .description("The id.")
                    .use_state_for_unknown(),
                Attribute::optional("note", Type::String).description("A note."),
            ],
            ..Block::default()
        },
    };
    assert_eq!(Outer::schema(), hand_written);
    let identity = |name: &str, description: &str| IdentityAttribute {
        name: name.into(),
        ty: Type::String,
        required_for_import: true,
        optional_for_import: false,
        description: description.into(),
    };
    assert_eq!(
        Outer::identity_schema(),
        Some(IdentitySchema {
            version: 0,
            attributes: vec![identity("name", "The name."), identity("key", "The key.")],
        })
    );
    // The inner names stay constants of the inner model.
    assert_eq!(Common::KEY, "key");
    assert_eq!(Outer::NOTE, "note");
}

#[test]
fn values_round_trip_through_one_flat_object() {
    let model = outer();
    let value = model.to_value();
    assert_eq!(
        value,
        Value::object([
            ("name", Value::from("n")),
            ("key", Value::from("k")),
            ("id", Value::from("i")),
            ("note", Value::Null),
        ])
    );
    assert_eq!(Outer::from_value(&value).unwrap(), model);
    assert_eq!(
        model.identity(),
        Some(Value::object([("name", "n"), ("key", "k")]))
    );
}

#[test]
fn diagnostics_name_the_inner_attribute_at_the_outer_level() {
    let value = outer()
        .to_value()
        .with_attr("key", Value::from(7))
        .with_attr("note", Value::Unknown);
    let errors = Outer::from_value(&value).unwrap_err();
    let found: Vec<(&str, Option<&AttributePath>)> = errors
        .iter()
        .map(|d| (d.summary.as_str(), d.attribute.as_ref()))
        .collect();
    assert_eq!(
        found,
        [
            ("Invalid key", Some(&AttributePath::attribute("key"))),
            ("Invalid note", Some(&AttributePath::attribute("note"))),
        ]
    );
    assert_eq!(
        errors.0[0].detail,
        "key: a string is required, found a number"
    );
}

#[test]
fn flattening_nests_with_blocks() {
    let names: Vec<String> = Twice::attributes().into_iter().map(|a| a.name).collect();
    assert_eq!(names, ["name", "key", "id", "note", "count"]);
    let [block] = Twice::blocks().try_into().unwrap();
    assert_eq!(block.type_name, WithBlock::EXCEPTION);
    assert_eq!(Twice::identity_schema().unwrap().attributes.len(), 2);

    let model = Twice {
        with_block: WithBlock {
            outer: outer(),
            exception: vec![Rule { rule: "r".into() }],
        },
        count: 3,
    };
    let value = model.to_value();
    assert_eq!(value.get(Common::KEY).as_str(), Some("k"));
    assert_eq!(
        value
            .get(WithBlock::EXCEPTION)
            .element(0)
            .get(Rule::RULE)
            .as_str(),
        Some("r")
    );
    assert_eq!(Twice::from_value(&value).unwrap(), model);
}

#[test]
fn a_flattening_model_is_a_flat_object_field() {
    let entries = Entries {
        entries: vec![outer()],
    };
    let value = entries.to_value();
    assert_eq!(Entries::from_value(&value).unwrap(), entries);
    assert_eq!(
        Entries::attributes()[0].ty,
        Type::List(Box::new(Type::Object {
            attributes: BTreeMap::from([
                ("name".to_string(), Type::String),
                ("key".to_string(), Type::String),
                ("id".to_string(), Type::String),
                ("note".to_string(), Type::String),
            ]),
            optional: BTreeSet::new(),
        }))
    );
    let bad = Value::object([(
        "entries",
        Value::list([outer().to_value().with_attr("key", Value::Null)]),
    )]);
    let errors = Entries::from_value(&bad).unwrap_err();
    assert_eq!(errors.0[0].detail, "entries[0].key: a value is required");
    assert_eq!(
        errors.0[0].attribute,
        Some(AttributePath(vec![
            PathStep::Attribute("entries".into()),
            PathStep::ElementKeyInt(0),
            PathStep::Attribute("key".into()),
        ]))
    );
}

#[test]
fn attribute_names_include_the_flattened_ones() {
    // Usable in constants: the derive's clash check runs at compile time.
    const NAMES: AttributeNames = Twice::ATTRIBUTE_NAMES;
    const {
        assert!(NAMES.contains("key") && NAMES.contains("exception") && !NAMES.contains("ke"));
    }
    assert!(Outer::ATTRIBUTE_NAMES.overlaps(&Common::ATTRIBUTE_NAMES));
    assert!(!Rule::ATTRIBUTE_NAMES.overlaps(&Outer::ATTRIBUTE_NAMES));
    assert_eq!(Outer::ATTRIBUTE_NAMES.own, ["name", "note"]);
}
