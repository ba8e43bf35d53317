//! JSON DynamicValue / raw state codec: exact numbers, dynamic values,
//! go-cty's lenient conversions, and the schema-free serde_json bridge.

use tfplugin::codec::json::{DecodeOptions, decode, decode_with, encode, from_serde};
use tfplugin::diag::PathStep;
use tfplugin::value::{Number, Type, Value};

fn ty() -> Type {
    Type::object([
        ("id", Type::String),
        ("count", Type::Number),
        ("ratio", Type::Number),
        ("tags", Type::set(Type::String)),
        ("extra", Type::Dynamic),
    ])
}

#[test]
fn golden_object() {
    let ty = Type::object([("a", Type::String), ("b", Type::String)]);
    let value = Value::object([("a", "x")]);
    assert_eq!(encode(&value, &ty).unwrap(), br#"{"a":"x","b":null}"#);
    assert_eq!(
        decode(br#"{"a":"x","b":null}"#, &ty).unwrap(),
        value.with_attr("b", Value::Null)
    );
}

#[test]
fn numbers_stay_exact() {
    let state = br#"{"id":"u@pve","count":123456789012345678901234567890,"ratio":0.1,"tags":["b","a","b"],"extra":null}"#;
    let value = decode(state, &ty()).unwrap();
    assert_eq!(
        value.get("count").as_number().unwrap().to_decimal_string(),
        "123456789012345678901234567890"
    );
    assert_eq!(
        value.get("ratio").as_number(),
        Some(&Number::Big("0.1".into()))
    );
    assert_eq!(
        value.strings_attr("tags").unwrap(),
        Some(vec!["a".to_owned(), "b".to_owned()])
    );
    assert_eq!(
        String::from_utf8(encode(&value, &ty()).unwrap()).unwrap(),
        r#"{"count":123456789012345678901234567890,"extra":null,"id":"u@pve","ratio":0.1,"tags":["a","b"]}"#
    );
}

#[test]
fn dynamic_values_are_wrapped_with_their_type() {
    let dynamic = Type::Dynamic;
    assert_eq!(
        encode(&Value::from("hi"), &dynamic).unwrap(),
        br#"{"value":"hi","type":"string"}"#
    );
    assert_eq!(
        encode(&Value::list([1, 2]), &dynamic).unwrap(),
        br#"{"value":[1,2],"type":["list","number"]}"#
    );
    assert_eq!(encode(&Value::Null, &dynamic).unwrap(), b"null");
    // Members may come in either order.
    assert_eq!(
        decode(br#"{"type":"number","value":5}"#, &dynamic).unwrap(),
        Value::from(5)
    );
    assert_eq!(decode(b"null", &dynamic).unwrap(), Value::Null);
    for bad in [
        &br#"{"value":5}"#[..],
        br#""x""#,
        br#"{"value":1,"type":"number","x":1}"#,
    ] {
        assert!(
            decode(bad, &dynamic).is_err(),
            "{}",
            String::from_utf8_lossy(bad)
        );
    }
}

#[test]
fn undeclared_attributes() {
    let state = br#"{"id":"a","old_field":true}"#;
    let err = decode(state, &ty()).unwrap_err();
    assert_eq!(err.path().0, vec![PathStep::Attribute("old_field".into())]);
    let lenient = DecodeOptions {
        ignore_undefined_attributes: true,
    };
    let value = decode_with(state, &ty(), lenient).unwrap();
    assert_eq!(value.string_attr("id").unwrap().as_deref(), Some("a"));
    assert!(value.get("old_field").is_null());
    assert!(value.as_map().unwrap().get("old_field").is_none());
    assert!(value.get("count").is_null());
}

#[test]
fn go_cty_lenient_primitives() {
    assert_eq!(decode(br#""42""#, &Type::Number).unwrap(), Value::from(42));
    assert_eq!(
        decode(br#""true""#, &Type::Bool).unwrap(),
        Value::from(true)
    );
    assert_eq!(decode(b"true", &Type::String).unwrap(), Value::from("true"));
    assert_eq!(decode(b"1.50", &Type::String).unwrap(), Value::from("1.5"));
    assert!(decode(br#""x""#, &Type::Number).is_err());
    assert!(decode(b"[]", &Type::String).is_err());
}

#[test]
fn cannot_write_unknowns_or_infinities() {
    let err = encode(&Value::object([("id", Value::Unknown)]), &ty()).unwrap_err();
    assert_eq!(err.path().0, vec![PathStep::Attribute("id".into())]);
    assert!(encode(&Value::Number(Number::Float(f64::INFINITY)), &Type::Number).is_err());
}

#[test]
fn errors_have_paths() {
    let err = decode(br#"{"tags":["a",[1]]}"#, &ty()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "tags[1]: a string is required, found a JSON array"
    );
    assert!(decode(br#"{"id":"a","id":"b"}"#, &ty()).is_err());
    assert!(decode(br#"{"id":"a"} x"#, &ty()).is_err());
}

#[test]
fn serde_json_bridge() {
    let json =
        serde_json::json!({"id": "x", "ratio": 0.1, "count": 7, "tags": ["z"], "extra": null});
    let value = from_serde(&json, &ty(), DecodeOptions::default()).unwrap();
    assert_eq!(
        value.get("ratio").as_number(),
        Some(&Number::Big("0.1".into()))
    );
    assert!(matches!(value.get("tags"), Value::Set(_)));

    let untyped = Value::from_serde_json(&json);
    assert!(matches!(untyped.get("tags"), Value::List(_)));
    assert_eq!(untyped.get("count"), &Value::from(7));

    let shown = Value::object([
        ("a", Value::Unknown),
        ("b", Value::from(1.5)),
        ("c", Value::set_of_strings(["q"])),
    ])
    .to_serde_json();
    assert_eq!(
        shown,
        serde_json::json!({"a": "(known after apply)", "b": 1.5, "c": ["q"]})
    );
}
