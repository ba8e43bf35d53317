//! The `Value` conveniences resource code relies on.

use tfplugin::value::{Number, Type, Value};

#[test]
fn constructors_and_conversions() {
    assert_eq!(Value::string("a"), Value::String("a".into()));
    assert_eq!(Value::from(Some("a")), Value::from("a"));
    assert_eq!(Value::from(None::<String>), Value::Null);
    assert_eq!(Value::from(3_i32), Value::Number(Number::Int(3)));
    assert_eq!(Value::from(3.0), Value::from(3));
    assert_eq!(
        Value::set_of_strings(["b", "a", "b"]),
        Value::Set(vec![Value::from("a"), Value::from("b")])
    );
    assert_eq!(
        Value::object([("a", 1)]).with_attr("b", true),
        Value::Object(
            [
                ("a".into(), Value::from(1)),
                ("b".into(), Value::from(true))
            ]
            .into_iter()
            .collect()
        )
    );
}

#[test]
fn accessors() {
    let value = Value::object([
        ("name", Value::from("n")),
        ("count", Value::from(4)),
        ("ratio", Value::from(0.5)),
        ("groups", Value::list_of_strings(["g1", "g2"])),
        ("later", Value::Unknown),
    ]);
    assert_eq!(value.get("name").as_str(), Some("n"));
    assert_eq!(value.get("count").as_i64(), Some(4));
    assert_eq!(value.get("ratio").as_f64(), Some(0.5));
    assert_eq!(value.get("ratio").as_i64(), None);
    assert_eq!(value.get("groups").elements().map(<[Value]>::len), Some(2));
    assert_eq!(value.get("groups").element(1).as_str(), Some("g2"));
    assert!(value.get("groups").element(9).is_null());
    assert!(value.get("missing").is_null());
    assert!(value.get("later").is_unknown());
    assert!(value.get("later").get("deeper").is_unknown());
    assert!(Value::Null.get("x").is_null());
    assert!(!value.is_known());
    assert!(value.get("groups").is_known());
    assert!(Value::Unknown.is_null_or_unknown() && Value::Null.is_null_or_unknown());
}

#[test]
fn set_and_remove_attributes() {
    let mut state = Value::Null;
    state.set_attr("id", "x").set_attr("n", 1);
    assert_eq!(
        state,
        Value::object([("id", Value::from("x")), ("n", Value::from(1))])
    );
    assert_eq!(state.remove_attr("n"), Some(Value::from(1)));
    assert!(state.get("n").is_null());
}

#[test]
fn typed_readers_report_paths() {
    let config = Value::object([
        ("user_id", Value::from("root@pam")),
        ("enable", Value::from(1)),
        ("expire", Value::number("1.5".parse::<Number>().unwrap())),
        ("groups", Value::list([Value::from("a"), Value::Null])),
        ("pending", Value::Unknown),
        ("labels", Value::map([("k", "v")])),
    ]);
    assert_eq!(
        config.string_attr("user_id").unwrap().as_deref(),
        Some("root@pam")
    );
    assert_eq!(config.string_attr("absent").unwrap(), None);
    assert_eq!(
        config.bool_attr("enable").unwrap_err().to_string(),
        "enable: a bool is required, found a number"
    );
    assert!(
        config
            .i64_attr("expire")
            .unwrap_err()
            .to_string()
            .starts_with("expire: a whole number")
    );
    assert_eq!(
        config.strings_attr("groups").unwrap_err().to_string(),
        "groups[1]: a string is required, found null"
    );
    assert_eq!(
        config.string_attr("pending").unwrap_err().to_string(),
        "pending: value is not known yet"
    );
    assert_eq!(
        config
            .required_string_attr("absent")
            .unwrap_err()
            .to_string(),
        "absent: a value is required"
    );
    assert_eq!(config.string_map_attr("labels").unwrap().unwrap()["k"], "v");
    let diagnostic = config
        .bool_attr("enable")
        .unwrap_err()
        .to_diagnostic("Invalid configuration");
    assert_eq!(diagnostic.summary, "Invalid configuration");
    assert!(diagnostic.attribute.is_some());
}

#[test]
fn semantic_equality() {
    assert_eq!(
        Value::Set(vec![Value::from(2), Value::from(1)]),
        Value::Set(vec![Value::from(1), Value::from(2), Value::from(1)])
    );
    assert_ne!(
        Value::List(vec![Value::from(2), Value::from(1)]),
        Value::List(vec![Value::from(1), Value::from(2)])
    );
    assert_ne!(Value::List(vec![]), Value::Set(vec![]));
    assert_ne!(Value::Null, Value::Unknown);
    assert_eq!(Value::Number(Number::Big("2.0".into())), Value::from(2));
}

#[test]
fn debug_hides_strings() {
    let secret = Value::object([("password", "hunter2-very-secret")]);
    let shown = format!("{secret:?} {:#?}", Value::list(["hunter2-very-secret"]));
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(shown.contains("password"));
    assert!(format!("{:?}", secret.unredacted()).contains("hunter2-very-secret"));
}

#[test]
fn check_reports_the_first_bad_path() {
    let ty = Type::object([
        ("groups", Type::set(Type::String)),
        ("pair", Type::Tuple(vec![Type::Number, Type::Bool])),
    ]);
    assert!(Value::object([("groups", Value::list_of_strings(["a"]))]).conforms_to(&ty));
    let err = Value::object([("pair", Value::tuple([1]))])
        .check(&ty)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "pair: a tuple of 2 elements is required, found 1"
    );
    let err = Value::object([("groups", Value::list([Value::from(true)]))])
        .check(&ty)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "groups[0]: a string is required, found a bool"
    );
    // A list given for a set attribute is reshaped.
    let conformed = Value::object([("groups", Value::list_of_strings(["b", "a", "b"]))])
        .conformed(&ty)
        .unwrap();
    assert!(matches!(conformed.get("groups"), Value::Set(items) if items.len() == 2));
    assert!(conformed.get("pair").is_null());
}
