//! Exact-byte tests of the msgpack DynamicValue codec against what
//! Terraform (go-cty) writes and reads.

use tfplugin::codec::msgpack::{UNKNOWN, decode, encode};
use tfplugin::diag::PathStep;
use tfplugin::value::{Number, Type, Value};

fn object_type(attributes: &[(&str, Type)]) -> Type {
    Type::object(attributes.iter().cloned())
}

#[test]
fn golden_object_with_null() {
    let ty = object_type(&[("a", Type::String), ("b", Type::String)]);
    let value = Value::object([("a", Value::from("x")), ("b", Value::Null)]);
    let bytes = encode(&value, &ty).unwrap();
    assert_eq!(bytes, [0x82, 0xa1, b'a', 0xa1, b'x', 0xa1, b'b', 0xc0]);
    assert_eq!(decode(&bytes, &ty).unwrap(), value);
}

#[test]
fn missing_attributes_are_written_as_nil() {
    let ty = object_type(&[("a", Type::String), ("b", Type::Bool)]);
    let bytes = encode(&Value::object([("b", true)]), &ty).unwrap();
    assert_eq!(bytes, [0x82, 0xa1, b'a', 0xc0, 0xa1, b'b', 0xc3]);
}

#[test]
fn golden_numbers() {
    let cases: Vec<(Value, Vec<u8>)> = vec![
        (Value::from(0), vec![0x00]),
        (Value::from(-1), vec![0xff]),
        (Value::from(200), vec![0xcc, 0xc8]),
        (Value::from(-200), vec![0xd1, 0xff, 0x38]),
        (
            Value::from(1_i64 << 40),
            vec![0xcf, 0, 0, 0x01, 0, 0, 0, 0, 0],
        ),
        (
            Value::from(1.5),
            [&[0xcb][..], &1.5f64.to_be_bytes()].concat(),
        ),
        // One tenth is not an f64: go-cty writes its decimal text.
        (
            Value::number("0.1".parse::<Number>().unwrap()),
            vec![0xa3, b'0', b'.', b'1'],
        ),
        (
            Value::number("18446744073709551617".parse::<Number>().unwrap()),
            [&[0xb4][..], b"18446744073709551617"].concat(),
        ),
        (Value::Number(Number::Float(2.0)), vec![0x02]),
    ];
    for (value, expected) in cases {
        let bytes = encode(&value, &Type::Number).unwrap();
        assert_eq!(bytes, expected, "{:?}", value.unredacted());
        assert_eq!(decode(&bytes, &Type::Number).unwrap(), value);
    }
}

#[test]
fn decodes_every_number_encoding() {
    let cases: Vec<(Vec<u8>, Number)> = vec![
        (vec![0x7f], Number::Int(127)),
        (vec![0xe0], Number::Int(-32)),
        (vec![0xcd, 0x01, 0x00], Number::Int(256)),
        (vec![0xce, 0, 1, 0, 0], Number::Int(65536)),
        (
            vec![0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
            "18446744073709551615".parse().unwrap(),
        ),
        (vec![0xd0, 0x80], Number::Int(-128)),
        (vec![0xd2, 0xff, 0xff, 0xff, 0xfe], Number::Int(-2)),
        (vec![0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0], Number::Int(i64::MIN)),
        (
            [&[0xca][..], &0.25f32.to_be_bytes()].concat(),
            Number::Float(0.25),
        ),
        (
            [&[0xcb][..], &3.0f64.to_be_bytes()].concat(),
            Number::Int(3),
        ),
        (vec![0xa4, b'1', b'e', b'3', b'0'], "1e30".parse().unwrap()),
        (vec![0xa2, b'4', b'2'], Number::Int(42)),
    ];
    for (bytes, expected) in cases {
        assert_eq!(
            decode(&bytes, &Type::Number).unwrap(),
            Value::Number(expected),
            "{bytes:x?}"
        );
    }
    assert!(decode(&[0xa3, b'a', b'b', b'c'], &Type::Number).is_err());
    assert!(decode(&[0xc3], &Type::Number).is_err());
}

#[test]
fn unknown_is_fixext1_type_zero() {
    assert_eq!(encode(&Value::Unknown, &Type::String).unwrap(), UNKNOWN);
    assert_eq!(
        encode(&Value::Unknown, &Type::Dynamic).unwrap(),
        [0xd4, 0x00, 0x00]
    );
    for ty in [
        Type::String,
        Type::Number,
        Type::Dynamic,
        Type::list(Type::Bool),
    ] {
        assert_eq!(decode(&[0xd4, 0x00, 0x00], &ty).unwrap(), Value::Unknown);
    }
}

#[test]
fn refined_unknowns_are_unknown() {
    // go-cty: extension type 12 whose payload is a map of refinements.
    let not_null = [0xc7, 0x03, 0x0c, 0x81, 0x01, 0xc2];
    assert_eq!(decode(&not_null, &Type::String).unwrap(), Value::Unknown);
    // {1: false, 2: "abc"} (not null, string prefix "abc"): 8 bytes, fixext8.
    let prefix = [0xd7, 0x0c, 0x82, 0x01, 0xc2, 0x02, 0xa3, b'a', b'b', b'c'];
    // {3: [0, true], 4: [10, false]} number bounds, 9 bytes, ext8.
    let bounds = [
        0xc7, 0x09, 0x0c, 0x82, 0x03, 0x92, 0x00, 0xc3, 0x04, 0x92, 0x0a, 0xc2,
    ];
    // {5: 1} collection length lower bound, fixext4 with trailing padding.
    let length = [0xd6, 0x0c, 0x81, 0x05, 0x01, 0x00];
    let ty = object_type(&[
        ("name", Type::String),
        ("size", Type::Number),
        ("tags", Type::set(Type::String)),
        ("user", Type::String),
    ]);
    let bytes = [
        &[0x84, 0xa4][..],
        b"name",
        &prefix,
        &[0xa4],
        b"size",
        &bounds,
        &[0xa4],
        b"tags",
        &length,
        &[0xa4],
        b"user",
        &not_null,
    ]
    .concat();
    let value = decode(&bytes, &ty).unwrap();
    for name in ["name", "size", "tags", "user"] {
        assert!(value.get(name).is_unknown(), "{name}");
    }
    assert!(!value.is_known());
}

#[test]
fn typical_provider_config() {
    let ty = Type::Object {
        attributes: [
            ("endpoint".to_owned(), Type::String),
            ("api_token".to_owned(), Type::String),
            ("insecure".to_owned(), Type::Bool),
            ("timeout".to_owned(), Type::Number),
            ("realms".to_owned(), Type::set(Type::String)),
        ]
        .into_iter()
        .collect(),
        optional: ["insecure".to_owned(), "timeout".to_owned()]
            .into_iter()
            .collect(),
    };
    // Terraform writes attributes sorted by name.
    let bytes = [
        &[0x85, 0xa9][..],
        b"api_token",
        &[0xd4, 0x00, 0x00],
        &[0xa8],
        b"endpoint",
        &[0xd9, 0x21],
        b"https://pve.example.com:8006/api2",
        &[0xa8],
        b"insecure",
        &[0xc2, 0xa6],
        b"realms",
        &[0x92, 0xa3],
        b"pve",
        &[0xa3],
        b"pam",
        &[0xa7],
        b"timeout",
        &[0xc0],
    ]
    .concat();
    let value = decode(&bytes, &ty).unwrap();
    assert_eq!(
        value.string_attr("endpoint").unwrap().as_deref(),
        Some("https://pve.example.com:8006/api2")
    );
    assert!(value.get("api_token").is_unknown());
    assert!(value.string_attr("api_token").is_err());
    assert_eq!(value.bool_attr("insecure").unwrap(), Some(false));
    assert_eq!(value.i64_attr("timeout").unwrap(), None);
    // Sets come back deduplicated in canonical (sorted) order.
    assert_eq!(
        value.strings_attr("realms").unwrap(),
        Some(vec!["pam".to_owned(), "pve".to_owned()])
    );
    let again = encode(&value, &ty).unwrap();
    assert_eq!(decode(&again, &ty).unwrap(), value);
}

#[test]
fn dynamic_values_carry_their_type() {
    let bytes = encode(&Value::from("hi"), &Type::Dynamic).unwrap();
    assert_eq!(
        bytes,
        [&[0x92, 0xc4, 0x08][..], b"\"string\"", &[0xa2, b'h', b'i']].concat()
    );
    assert_eq!(decode(&bytes, &Type::Dynamic).unwrap(), Value::from("hi"));
    // The type may also arrive as a msgpack str.
    let as_str = [&[0x92, 0xa8][..], b"\"number\"", &[0x05]].concat();
    assert_eq!(decode(&as_str, &Type::Dynamic).unwrap(), Value::from(5));
    assert_eq!(encode(&Value::Null, &Type::Dynamic).unwrap(), [0xc0]);
    assert_eq!(decode(&[0xc0], &Type::Dynamic).unwrap(), Value::Null);

    let nested = Value::object([("list", Value::list_of_strings(["a"])), ("n", Value::Null)]);
    let bytes = encode(&nested, &Type::Dynamic).unwrap();
    let type_json = br#"["object",{"list":["list","string"],"n":"dynamic"}]"#;
    assert_eq!(
        &bytes[..3],
        &[0x92, 0xc4, u8::try_from(type_json.len()).unwrap()]
    );
    assert_eq!(&bytes[3..3 + type_json.len()], type_json);
    assert_eq!(decode(&bytes, &Type::Dynamic).unwrap(), nested);
}

#[test]
fn dynamic_collections_must_be_consistent() {
    let mixed = Value::list([Value::from("a"), Value::from(1)]);
    let err = encode(&mixed, &Type::Dynamic).unwrap_err();
    assert_eq!(err.path().0, vec![PathStep::ElementKeyInt(1)]);
}

#[test]
fn decode_errors_name_the_path() {
    let ty = object_type(&[("a", object_type(&[("b", Type::list(Type::String))]))]);
    // {"a": {"b": ["x", 1]}}
    let bytes = [0x81, 0xa1, b'a', 0x81, 0xa1, b'b', 0x92, 0xa1, b'x', 0x01];
    let err = decode(&bytes, &ty).unwrap_err();
    assert_eq!(
        err.to_string(),
        "a.b[1]: a string is required, found msgpack integer"
    );

    // Undeclared attribute.
    let bytes = [0x81, 0xa1, b'z', 0xc0];
    let err = decode(&bytes, &ty).unwrap_err();
    assert_eq!(err.path().0, vec![PathStep::Attribute("z".into())]);

    // Truncated input, trailing bytes, bad tuple length, hostile lengths.
    assert!(decode(&[0x92, 0xa1], &Type::list(Type::String)).is_err());
    assert!(decode(&[0xc0, 0xc0], &Type::String).is_err());
    assert!(
        decode(
            &[0x91, 0x01],
            &Type::Tuple(vec![Type::Number, Type::Number])
        )
        .is_err()
    );
    assert!(decode(&[0xdd, 0xff, 0xff, 0xff, 0xff], &Type::list(Type::String)).is_err());
    assert!(decode(&[0xa2, 0xff, 0xfe], &Type::String).is_err());
    // A dynamic value nested in itself thousands of times must not overflow the stack.
    let mut deep = Vec::new();
    for _ in 0..5000 {
        deep.extend_from_slice(&[0x92, 0xa9]);
        deep.extend_from_slice(b"\"dynamic\"");
    }
    deep.push(0xc0);
    assert!(decode(&deep, &Type::Dynamic).is_err());
}

#[test]
fn encode_checks_the_schema() {
    let ty = object_type(&[("a", Type::String)]);
    let err = encode(&Value::object([("a", 1)]), &ty).unwrap_err();
    assert_eq!(err.to_string(), "a: a string is required, found a number");
    let err = encode(&Value::object([("b", "x")]), &ty).unwrap_err();
    assert_eq!(err.path().0, vec![PathStep::Attribute("b".into())]);
    assert!(encode(&Value::Number(Number::Float(f64::NAN)), &Type::Number).is_err());
    assert!(encode(&Value::Number(Number::Big("nope".into())), &Type::Number).is_err());
}

#[test]
fn sets_are_deduplicated_and_ordered() {
    let ty = Type::set(Type::Number);
    let value = Value::List(vec![
        Value::from(3),
        Value::from(1),
        Value::from(3.0),
        Value::from(2),
    ]);
    let bytes = encode(&value, &ty).unwrap();
    assert_eq!(bytes, [0x93, 0x01, 0x02, 0x03]);
    let decoded = decode(&[0x94, 0x03, 0x01, 0x03, 0x02], &ty).unwrap();
    assert_eq!(
        decoded,
        Value::Set(vec![Value::from(1), Value::from(2), Value::from(3)])
    );
    if let Value::Set(items) = &decoded {
        assert_eq!(items.len(), 3);
    }
}
