//! The derive against hand-written schemas and values.

use std::collections::{BTreeMap, BTreeSet};

use super::Model;
use crate::diag::{AttributePath, PathStep};
use crate::schema::{Attribute, Block, IdentityAttribute, IdentitySchema, Schema};
use crate::value::{Type, Value};

const COMMENT_TEXT: &str = "A comment.";

#[derive(Debug, Clone, PartialEq, crate::Model)]
#[tf(description = "A group.", version = 1)]
struct GroupModel {
    #[tf(
        required,
        requires_replace,
        identity = "The group name.",
        description = "The group name."
    )]
    group_id: String,
    #[tf(optional, description = COMMENT_TEXT)]
    comment: Option<String>,
    #[tf(computed, description = format!("The {}.", "members"))]
    members: BTreeSet<String>,
}

#[derive(Debug, Clone, PartialEq, crate::Model)]
struct EveryKind {
    #[tf(required, identity = "The name.")]
    name: String,
    #[tf(optional, identity = "The scope.", identity_optional)]
    scope: Option<String>,
    #[tf(optional, default = true, description = "Propagate.")]
    propagate: bool,
    #[tf(optional, computed, use_state_for_unknown)]
    id: Option<String>,
    #[tf(optional)]
    count: Option<i64>,
    #[tf(optional, sensitive, write_only)]
    secret: Option<String>,
    #[tf(optional, deprecated)]
    old: Option<bool>,
    #[tf(optional)]
    ordered: Vec<String>,
    #[tf(optional)]
    labels: BTreeMap<String, String>,
    #[tf(optional, name = "type")]
    kind: Option<String>,
    // Names the generated code must not trip over.
    #[tf(computed)]
    value: Option<String>,
    #[tf(computed)]
    diagnostics: Option<String>,
}

fn group() -> GroupModel {
    GroupModel {
        group_id: "ops".into(),
        comment: Some("Operators".into()),
        members: BTreeSet::from(["a@pve".to_string(), "b@pve".to_string()]),
    }
}

#[test]
fn schema_equals_the_hand_written_one() {
    let hand_written = Schema {
        version: 1,
        block: Block {
            description: "A group.".into(),
            attributes: vec![
                Attribute::required("group_id", Type::String)
                    .description("The group name.")
                    .requires_replace(),
                Attribute::optional("comment", Type::String).description("A comment."),
                Attribute::computed("members", Type::Set(Box::new(Type::String)))
                    .description("The members."),
            ],
            ..Block::default()
        },
    };
    assert_eq!(GroupModel::schema(), hand_written);
    assert_eq!(
        GroupModel::identity_schema(),
        Some(IdentitySchema {
            version: 0,
            attributes: vec![IdentityAttribute {
                name: "group_id".into(),
                ty: Type::String,
                required_for_import: true,
                optional_for_import: false,
                description: "The group name.".into(),
            }],
        })
    );
}

#[test]
fn flags_map_to_the_builders() {
    let attributes = EveryKind::attributes();
    let expected = vec![
        Attribute::required("name", Type::String),
        Attribute::optional("scope", Type::String),
        Attribute::optional("propagate", Type::Bool)
            .description("Propagate.")
            .default_value(Value::Bool(true)),
        Attribute::optional_computed("id", Type::String).use_state_for_unknown(),
        Attribute::optional("count", Type::Number),
        Attribute::optional("secret", Type::String)
            .sensitive()
            .write_only(),
        Attribute::optional("old", Type::Bool).deprecated(),
        Attribute::optional("ordered", Type::List(Box::new(Type::String))),
        Attribute::optional("labels", Type::Map(Box::new(Type::String))),
        Attribute::optional("type", Type::String),
        Attribute::computed("value", Type::String),
        Attribute::computed("diagnostics", Type::String),
    ];
    assert_eq!(attributes, expected);
    let identity = EveryKind::identity_schema().unwrap().attributes;
    assert_eq!(identity.len(), 2);
    assert!(identity[1].optional_for_import && !identity[1].required_for_import);
    assert_eq!(EveryKind::TYPE, "type");
    assert_eq!(EveryKind::PROPAGATE, "propagate");
}

#[test]
fn values_round_trip() {
    let model = group();
    let value = model.to_value();
    assert_eq!(
        value,
        Value::object([
            ("group_id", Value::from("ops")),
            ("comment", Value::from("Operators")),
            ("members", Value::set_of_strings(["a@pve", "b@pve"])),
        ])
    );
    assert_eq!(GroupModel::from_value(&value).unwrap(), model);
    assert_eq!(model.identity(), Some(Value::object([("group_id", "ops")])));

    let every = EveryKind {
        name: "n".into(),
        scope: None,
        propagate: false,
        id: Some("x".into()),
        count: Some(-3),
        secret: None,
        old: Some(true),
        ordered: vec!["b".into(), "a".into()],
        labels: BTreeMap::from([("k".to_string(), "v".to_string())]),
        kind: Some("ldap".into()),
        value: Some("v".into()),
        diagnostics: None,
    };
    let value = every.to_value();
    assert_eq!(value.get("type").as_str(), Some("ldap"));
    assert_eq!(value.get("ordered").element(0).as_str(), Some("b"));
    assert_eq!(EveryKind::from_value(&value).unwrap(), every);
    assert_eq!(
        every.identity(),
        Some(Value::object([
            ("name", Value::from("n")),
            ("scope", Value::Null)
        ]))
    );
}

#[test]
fn null_and_unknown_are_handled_by_flag_and_type() {
    // A plan: the computed set is unknown, the comment null.
    let planned = Value::object([
        ("group_id", Value::from("ops")),
        ("comment", Value::Null),
        ("members", Value::Unknown),
    ]);
    let decoded = GroupModel::from_value(&planned).unwrap();
    assert_eq!(decoded.comment, None);
    assert!(decoded.members.is_empty());
    // A null collection is empty; a null Option is None.
    let null_members = planned.clone().with_attr("members", Value::Null);
    assert!(
        GroupModel::from_value(&null_members)
            .unwrap()
            .members
            .is_empty()
    );

    // An unknown attribute that is not computed is an error naming it.
    let unknown_comment = planned.with_attr("comment", Value::Unknown);
    let errors = GroupModel::from_value(&unknown_comment).unwrap_err();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors.0[0].summary, "Invalid comment");
    assert_eq!(errors.0[0].detail, "comment: value is not known yet");
    assert_eq!(
        errors.0[0].attribute,
        Some(AttributePath::attribute("comment"))
    );
}

#[test]
fn every_error_names_its_attribute_and_element() {
    let value = Value::object([
        ("group_id", Value::Null),
        ("comment", Value::from(7)),
        (
            "members",
            Value::list([Value::from("a"), Value::from(true)]),
        ),
    ]);
    let errors = GroupModel::from_value(&value).unwrap_err();
    let found: Vec<(&str, &str)> = errors
        .iter()
        .map(|d| (d.summary.as_str(), d.detail.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            ("Invalid group_id", "group_id: a value is required"),
            (
                "Invalid comment",
                "comment: a string is required, found a number"
            ),
            (
                "Invalid members",
                "members[1]: a string is required, found a bool"
            ),
        ]
    );
    assert_eq!(
        errors.0[2].attribute,
        Some(AttributePath(vec![
            PathStep::Attribute("members".into()),
            PathStep::ElementKeyInt(1)
        ]))
    );

    let base = Value::object([("name", Value::from("n")), ("propagate", Value::from(true))]);
    assert!(EveryKind::from_value(&base).is_ok());
    // A null attribute with a default decodes as the default.
    let defaulted = Value::object([("name", "n")]);
    assert!(EveryKind::from_value(&defaulted).unwrap().propagate);
    let fraction = base.clone().with_attr("count", 1.5);
    let errors = EveryKind::from_value(&fraction).unwrap_err();
    assert!(errors.0[0].detail.starts_with("count: a whole number"));
    let map = base.with_attr("labels", Value::map([("k", Value::from(1))]));
    let errors = EveryKind::from_value(&map).unwrap_err();
    assert_eq!(
        errors.0[0].detail,
        "labels[\"k\"]: a string is required, found a number"
    );
}

/// An `optional, computed` attribute that keeps "unknown" apart from "null".
#[derive(Debug, Clone, PartialEq, crate::Model)]
struct Membership {
    #[tf(required)]
    name: String,
    #[tf(optional, computed, use_state_for_unknown)]
    groups: super::Unknowable<BTreeSet<String>>,
    #[tf(optional, computed)]
    owner: super::Unknowable<Option<String>>,
}

#[test]
fn unknowable_keeps_unknown_apart_from_null_and_known() {
    use super::Unknowable;

    let attributes = Membership::attributes();
    assert_eq!(attributes[1].ty, Type::Set(Box::new(Type::String)));
    assert!(attributes[1].optional && attributes[1].computed);
    assert_eq!(attributes[2].ty, Type::String);

    // Unknown decodes as Unknown and is written back as unknown.
    let planned = Value::object([
        ("name", Value::from("ci")),
        ("groups", Value::Unknown),
        ("owner", Value::Unknown),
    ]);
    let decoded = Membership::from_value(&planned).unwrap();
    assert!(decoded.groups.is_unknown());
    assert_eq!(decoded.owner, Unknowable::Unknown);
    assert_eq!(decoded.to_value(), planned);

    // Null is T's null: an empty set, `None`; both known.
    let null = planned
        .clone()
        .with_attr("groups", Value::Null)
        .with_attr("owner", Value::Null);
    let decoded = Membership::from_value(&null).unwrap();
    assert_eq!(decoded.groups, Unknowable::Known(BTreeSet::new()));
    assert_eq!(decoded.owner, Unknowable::Known(None));
    assert_eq!(decoded.groups.known(), Some(&BTreeSet::new()));

    // Known values round-trip; element errors still name the attribute.
    let known = Membership {
        name: "ci".into(),
        groups: Unknowable::Known(BTreeSet::from(["ops".to_string()])),
        owner: Some(Some("root".to_string())).into(),
    };
    assert_eq!(Membership::from_value(&known.to_value()).unwrap(), known);
    assert_eq!(
        known.clone().groups.into_known(),
        Some(BTreeSet::from(["ops".to_string()]))
    );
    assert_eq!(Unknowable::<i64>::from(None), Unknowable::Unknown);
    let bad = planned.with_attr("groups", Value::Set(vec![Value::from(true)]));
    let errors = Membership::from_value(&bad).unwrap_err();
    assert_eq!(errors.0[0].summary, "Invalid groups");
}

#[derive(Debug, Clone, PartialEq, crate::Model)]
#[tf(description = "Every group.")]
struct GroupsModel {
    #[tf(computed, description = "The groups.")]
    groups: Vec<GroupModel>,
}

#[test]
fn a_model_is_an_object_field() {
    let group = GroupModel {
        group_id: "ops".into(),
        comment: None,
        members: BTreeSet::from(["a@pve".to_string()]),
    };
    let groups = GroupsModel {
        groups: vec![group.clone()],
    };
    let value = groups.to_value();
    assert_eq!(value.get("groups"), &Value::list([group.to_value()]));
    assert_eq!(GroupsModel::from_value(&value).unwrap(), groups);
    assert_eq!(
        GroupsModel::attributes()[0].ty,
        Type::List(Box::new(Type::Object {
            attributes: BTreeMap::from([
                ("group_id".to_string(), Type::String),
                ("comment".to_string(), Type::String),
                ("members".to_string(), Type::Set(Box::new(Type::String))),
            ]),
            optional: BTreeSet::new(),
        }))
    );

    let bad = Value::object([(
        "groups",
        Value::list([group.to_value().with_attr("members", Value::from(1))]),
    )]);
    let errors = GroupsModel::from_value(&bad).unwrap_err();
    assert_eq!(
        errors.0[0].detail,
        "groups[0].members: a list or set is required, found a number"
    );
}

/// A field may be called `value` (the derive's own input has another name).
#[derive(Debug, Clone, PartialEq, crate::Model)]
struct Secretish {
    #[tf(computed, sensitive)]
    value: String,
    #[tf(computed)]
    expiration_date: Option<String>,
}

#[test]
fn a_field_named_value_decodes() {
    let model = Secretish {
        value: "v".into(),
        expiration_date: Some("e".into()),
    };
    assert_eq!(Secretish::from_value(&model.to_value()).unwrap(), model);
    assert!(Secretish::attributes()[0].sensitive);
}

/// A list block: its description and attributes come from its own model.
#[derive(Debug, Clone, PartialEq, crate::Model)]
#[tf(description = "Accepts one exception.")]
struct ExceptionBlock {
    #[tf(required, description = "What is accepted.")]
    rule: String,
}

#[derive(Debug, Clone, PartialEq, crate::Model)]
struct WithBlocks {
    #[tf(optional, description = "A filter.")]
    name: Option<String>,
    #[tf(block)]
    exception: Vec<ExceptionBlock>,
}

#[test]
fn a_block_field_is_a_nested_list_block() {
    let block = WithBlocks::block();
    assert_eq!(block.attributes.len(), 1);
    let [exception] = block.blocks.as_slice() else {
        panic!("one block")
    };
    assert_eq!(exception.type_name, WithBlocks::EXCEPTION);
    assert_eq!(exception.nesting, crate::schema::Nesting::List);
    assert_eq!(exception.block.description, "Accepts one exception.");
    assert_eq!(exception.block.attributes[0].name, ExceptionBlock::RULE);

    // Left out of the configuration (null) is no block; blocks round-trip.
    let none = Value::object([("name", Value::Null), ("exception", Value::Null)]);
    assert!(WithBlocks::from_value(&none).unwrap().exception.is_empty());
    let some = WithBlocks {
        name: Some("x".into()),
        exception: vec![ExceptionBlock { rule: "r".into() }],
    };
    assert_eq!(WithBlocks::from_value(&some.to_value()).unwrap(), some);
    let bad = some.to_value().with_attr(
        "exception",
        Value::list([Value::object([("rule", Value::from(1))])]),
    );
    let errors = WithBlocks::from_value(&bad).unwrap_err();
    assert!(
        errors.0[0].detail.contains("exception[0].rule"),
        "{}",
        errors.0[0].detail
    );
}

/// A data source's model: computed-only fields of any type.
#[derive(Debug, Clone, PartialEq, crate::Model)]
struct Report {
    #[tf(optional)]
    realm: Option<String>,
    #[tf(computed)]
    markdown: String,
    #[tf(computed)]
    total: i64,
    #[tf(computed)]
    owner: super::Unknowable<Option<String>>,
    #[tf(optional, computed)]
    label: Option<String>,
}

#[test]
fn a_configuration_decodes_with_computed_only_attributes_null() {
    use super::Unknowable;

    let config = Value::object([
        ("realm", Value::from("pve")),
        ("markdown", Value::Null),
        ("total", Value::Null),
        ("owner", Value::Null),
        ("label", Value::Null),
    ]);
    let decoded = Report::from_value(&config).unwrap();
    assert_eq!(
        decoded,
        Report {
            realm: Some("pve".into()),
            markdown: String::new(),
            total: 0,
            owner: Unknowable::Known(None),
            label: None,
        }
    );
    // Known values still decode as they are, and wrong kinds still fail.
    let read = config
        .clone()
        .with_attr("markdown", "# Report")
        .with_attr("total", 3);
    assert_eq!(Report::from_value(&read).unwrap().markdown, "# Report");
    let errors = Report::from_value(&config.with_attr("total", "three")).unwrap_err();
    assert_eq!(errors.0[0].summary, "Invalid total");
    // A required attribute stays required.
    let errors = GroupModel::from_value(&Value::object([("group_id", Value::Null)])).unwrap_err();
    assert_eq!(errors.0[0].detail, "group_id: a value is required");
}
