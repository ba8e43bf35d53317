//! Property tests: every value that conforms to a type survives a msgpack
//! and a JSON round trip, and every type survives a type-JSON round trip.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use tfplugin::codec::{json, msgpack};
use tfplugin::value::{Number, Type, Value};

fn attribute_name() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z_]{1,6}",
        // Unicode and characters that need escaping in JSON.
        any::<String>().prop_map(|s| s.chars().take(4).collect()),
    ]
}

/// Types without `dynamic`: what a dynamic value's own type may be.
fn concrete_type() -> impl Strategy<Value = Type> {
    type_strategy(false)
}

fn any_type() -> impl Strategy<Value = Type> {
    type_strategy(true)
}

fn type_strategy(with_dynamic: bool) -> impl Strategy<Value = Type> {
    let leaf = if with_dynamic {
        prop_oneof![
            Just(Type::Bool),
            Just(Type::Number),
            Just(Type::String),
            Just(Type::Dynamic)
        ]
        .boxed()
    } else {
        prop_oneof![Just(Type::Bool), Just(Type::Number), Just(Type::String)].boxed()
    };
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            inner.clone().prop_map(Type::list),
            inner.clone().prop_map(Type::set),
            inner.clone().prop_map(Type::map),
            prop::collection::vec(inner.clone(), 0..4).prop_map(Type::Tuple),
            (
                prop::collection::btree_map(attribute_name(), inner, 0..4),
                any::<u8>()
            )
                .prop_map(|(attributes, mask)| {
                    let optional: BTreeSet<String> = attributes
                        .keys()
                        .enumerate()
                        .filter(|(index, _)| mask & (1 << (index % 8)) != 0)
                        .map(|(_, name)| name.clone())
                        .collect();
                    Type::Object {
                        attributes,
                        optional,
                    }
                }),
        ]
    })
}

fn number(finite_only: bool) -> BoxedStrategy<Number> {
    let decimal = (
        any::<bool>(),
        "[0-9]{1,40}",
        prop::option::of("[0-9]{1,30}"),
        prop::option::of(-400i32..400),
    )
        .prop_map(|(negative, int, fraction, exponent)| {
            let mut text = String::new();
            if negative {
                text.push('-');
            }
            text.push_str(&int);
            if let Some(fraction) = fraction {
                text.push('.');
                text.push_str(&fraction);
            }
            if let Some(exponent) = exponent {
                text.push_str(&format!("e{exponent}"));
            }
            text.parse::<Number>()
                .expect("generated decimal text parses")
        });
    let floats = if finite_only {
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .boxed()
    } else {
        any::<f64>().prop_filter("not NaN", |f| !f.is_nan()).boxed()
    };
    prop_oneof![
        any::<i64>().prop_map(Number::Int),
        floats.prop_map(Number::from),
        decimal,
        Just(Number::Int(i64::MIN)),
        any::<u64>().prop_map(Number::from),
    ]
    .boxed()
}

/// A value conforming to `ty`, with nulls and (unless `known_only`)
/// unknowns anywhere.
fn value_of(ty: &Type, known_only: bool) -> BoxedStrategy<Value> {
    let known = known_value_of(ty, known_only);
    if known_only {
        prop_oneof![1 => Just(Value::Null), 8 => known].boxed()
    } else {
        prop_oneof![1 => Just(Value::Null), 1 => Just(Value::Unknown), 8 => known].boxed()
    }
}

fn known_value_of(ty: &Type, known_only: bool) -> BoxedStrategy<Value> {
    match ty {
        Type::Bool => any::<bool>().prop_map(Value::Bool).boxed(),
        Type::Number => number(known_only).prop_map(Value::Number).boxed(),
        Type::String => any::<String>().prop_map(Value::String).boxed(),
        Type::Dynamic => concrete_type()
            .prop_flat_map(move |ty| known_value_of(&ty, known_only))
            .boxed(),
        Type::List(element) => prop::collection::vec(value_of(element, known_only), 0..4)
            .prop_map(Value::List)
            .boxed(),
        Type::Set(element) => prop::collection::vec(value_of(element, known_only), 0..4)
            .prop_map(Value::set)
            .boxed(),
        Type::Map(element) => {
            prop::collection::btree_map(attribute_name(), value_of(element, known_only), 0..4)
                .prop_map(Value::Map)
                .boxed()
        }
        Type::Tuple(types) => types
            .iter()
            .map(|t| value_of(t, known_only))
            .collect::<Vec<_>>()
            .prop_map(Value::Tuple)
            .boxed(),
        Type::Object { attributes, .. } => attributes
            .iter()
            .map(|(name, t)| (Just(name.clone()), value_of(t, known_only)))
            .collect::<Vec<_>>()
            .prop_map(|pairs| Value::Object(pairs.into_iter().collect::<BTreeMap<_, _>>()))
            .boxed(),
    }
}

fn typed_value(known_only: bool) -> impl Strategy<Value = (Type, Value)> {
    any_type().prop_flat_map(move |ty| {
        let values = value_of(&ty, known_only);
        (Just(ty), values)
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn type_json_round_trips(ty in any_type()) {
        prop_assert_eq!(Type::from_json(&ty.to_json()).unwrap(), ty);
    }

    #[test]
    fn msgpack_round_trips((ty, value) in typed_value(false)) {
        let expected = value.conformed(&ty).unwrap();
        let bytes = msgpack::encode(&value, &ty).unwrap();
        let decoded = msgpack::decode(&bytes, &ty).unwrap();
        prop_assert!(decoded == expected, "{:?} != {:?}", decoded.unredacted(), expected.unredacted());
        // Encoding is deterministic: the decoded value encodes to the same bytes.
        prop_assert_eq!(msgpack::encode(&decoded, &ty).unwrap(), bytes);
    }

    #[test]
    fn json_round_trips((ty, value) in typed_value(true)) {
        let expected = value.conformed(&ty).unwrap();
        let bytes = json::encode(&value, &ty).unwrap();
        let decoded = json::decode(&bytes, &ty).unwrap();
        prop_assert!(decoded == expected, "{:?} != {:?}", decoded.unredacted(), expected.unredacted());
        prop_assert_eq!(json::encode(&decoded, &ty).unwrap(), bytes);
    }

    #[test]
    fn numbers_round_trip_through_decimal_text(n in number(true)) {
        let text = n.to_decimal_string();
        prop_assert_eq!(text.parse::<Number>().unwrap(), n);
    }

    #[test]
    fn generated_values_conform((ty, value) in typed_value(false)) {
        prop_assert!(value.conforms_to(&ty));
        // Conforming is idempotent.
        let once = value.conformed(&ty).unwrap();
        prop_assert!(once.conformed(&ty).unwrap() == once);
    }
}
