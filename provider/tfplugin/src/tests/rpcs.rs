use base64::Engine as _;

use super::fake::thing_schema;
use super::{ClientIdentity, Harness, decode, encode, metadata, provider_schema};
use crate::proto::plugin as go_plugin;
use crate::proto::tfplugin6 as pb;
use crate::value::{Type, Value};

fn thing_type() -> Type {
    thing_schema().value_type()
}

fn dv(value: &Value) -> Option<pb::DynamicValue> {
    encode(value, &thing_type())
}

fn undv(value: Option<&pb::DynamicValue>) -> Value {
    decode(value, &thing_type())
}

fn thing(pairs: &[(&str, Value)]) -> Value {
    let mut value = Value::object(
        ["name", "comment", "id", "etag", "enabled", "password"].map(|n| (n, Value::Null)),
    );
    for (k, v) in pairs {
        value.set_attr(*k, v.clone());
    }
    value
}

fn s(text: &str) -> Value {
    Value::string(text)
}

fn errors(diagnostics: &[pb::Diagnostic]) -> Vec<String> {
    diagnostics
        .iter()
        .filter(|d| d.severity == pb::diagnostic::Severity::Error as i32)
        .map(|d| format!("{}: {}", d.summary, d.detail))
        .collect()
}

fn capabilities() -> Option<pb::ClientCapabilities> {
    Some(pb::ClientCapabilities {
        deferral_allowed: false,
        write_only_attributes_allowed: true,
    })
}

#[tokio::test]
async fn handshake_line_carries_the_unpadded_server_certificate() {
    let h = Harness::start().await;
    let line = &h.running.handshake_line;
    let fields: Vec<&str> = line.split('|').collect();
    assert_eq!(fields.len(), 6, "{line}");
    assert_eq!(&fields[..3], &["1", "6", "unix"]);
    assert_eq!(fields[3], h.running.address.address());
    assert!(matches!(
        h.running.address,
        crate::transport::ListenAddress::Unix(_)
    ));
    assert_eq!(fields[4], "grpc");
    assert!(!fields[5].ends_with('='), "go-plugin uses no padding");
    let der = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(fields[5])
        .expect("base64");
    assert_eq!(
        Some(der.as_slice()),
        h.running.server_certificate.as_ref().map(|c| c.as_ref())
    );
}

#[tokio::test]
async fn mutual_tls_accepts_only_the_announced_client_certificate() {
    let (h, mut client) = Harness::connected().await;
    let metadata = metadata(&mut client).await;
    assert_eq!(metadata.resources[0].type_name, "fake_thing");
    let capabilities = metadata.server_capabilities.expect("capabilities");
    assert!(capabilities.plan_destroy && capabilities.move_resource_state);
    assert!(!capabilities.get_provider_schema_optional);

    // No certificate: the server refuses the handshake (with TLS 1.3 the
    // client notices on first use).
    let refused = h.refuses(None).await;
    assert!(refused, "a client without a certificate must be refused");

    // Another self-signed P-521 certificate: refused too.
    let stranger = ClientIdentity::generate();
    let refused = h.refuses(Some(&stranger)).await;
    assert!(
        refused,
        "a client with a different certificate must be refused"
    );

    // The right client still works afterwards.
    assert!(
        client
            .get_metadata(pb::get_metadata::Request {})
            .await
            .is_ok()
    );
}

/// The TCP transport (go-plugin's on Windows): the handshake announces
/// `tcp|127.0.0.1:PORT` within the range, with the same mutual TLS.
#[tokio::test]
async fn tcp_transport_announces_a_loopback_port_in_range_with_mutual_tls() {
    let probe = std::net::TcpListener::bind(("127.0.0.1", 0)).expect("probe");
    let base = probe.local_addr().expect("addr").port();
    drop(probe);
    let (min, max) = (base.saturating_sub(50).max(1024), base.saturating_add(50));
    let h = Harness::start_tcp((min, max)).await;

    let line = &h.running.handshake_line;
    let fields: Vec<&str> = line.split('|').collect();
    assert_eq!(fields.len(), 6, "{line}");
    assert_eq!(&fields[..3], &["1", "6", "tcp"]);
    let addr: std::net::SocketAddr = fields[3].parse().expect("host:port");
    assert!(addr.ip().is_loopback(), "{addr}");
    assert!(
        (min..=max).contains(&addr.port()),
        "{addr} outside {min}..={max}"
    );
    assert!(!fields[5].is_empty(), "the server certificate is announced");

    let mut client = h.client().await;
    let metadata = metadata(&mut client).await;
    assert_eq!(metadata.resources[0].type_name, "fake_thing");

    let stranger = ClientIdentity::generate();
    let refused = h.refuses(Some(&stranger)).await;
    assert!(
        refused,
        "over tcp, a foreign certificate must be refused too"
    );

    let channel = h.channel(Some(&h.client_identity)).await.expect("connect");
    go_plugin::grpc_controller_client::GrpcControllerClient::new(channel)
        .shutdown(go_plugin::Empty {})
        .await
        .expect("shutdown");
    h.running.finished.await.expect("clean exit");
    assert!(
        std::net::TcpListener::bind(addr).is_ok(),
        "the port is released after shutdown"
    );
}

#[tokio::test]
async fn health_and_controller_shutdown() {
    let h = Harness::start().await;
    let channel = h.channel(Some(&h.client_identity)).await.expect("connect");
    let mut health = tonic_health::pb::health_client::HealthClient::new(channel.clone());
    let status = health
        .check(tonic_health::pb::HealthCheckRequest {
            service: "plugin".into(),
        })
        .await
        .expect("health")
        .into_inner();
    assert_eq!(
        status.status,
        tonic_health::pb::health_check_response::ServingStatus::Serving as i32
    );

    // A stdio stream is open, as go-plugin's client keeps one: shutdown must still finish.
    let mut stdio = go_plugin::grpc_stdio_client::GrpcStdioClient::new(channel.clone());
    let _stream = stdio.stream_stdio(()).await.expect("stdio");

    let mut controller = go_plugin::grpc_controller_client::GrpcControllerClient::new(channel);
    controller
        .shutdown(go_plugin::Empty {})
        .await
        .expect("shutdown");
    let crate::transport::ListenAddress::Unix(socket) = h.running.address.clone() else {
        panic!("the harness listens on a unix socket");
    };
    h.running.finished.await.expect("clean exit");
    assert!(!socket.exists(), "socket file removed");
}

#[tokio::test]
async fn provider_schema_describes_attributes_blocks_and_identity() {
    let (_server, mut client) = Harness::connected().await;
    let schema = provider_schema(&mut client).await;
    assert!(schema.diagnostics.is_empty());
    assert!(schema.provider.is_some());
    let thing = &schema.resource_schemas["fake_thing"];
    assert_eq!(thing.version, 1);
    let block = thing.block.as_ref().expect("block");
    let attr = |name: &str| {
        block
            .attributes
            .iter()
            .find(|a| a.name == name)
            .expect(name)
    };
    assert!(attr("name").required && !attr("name").optional);
    assert_eq!(attr("name").r#type, b"\"string\"");
    assert!(attr("id").computed && !attr("id").optional);
    assert!(attr("enabled").optional && attr("enabled").computed);
    assert_eq!(attr("enabled").r#type, b"\"bool\"");
    assert!(attr("password").write_only && attr("password").sensitive);
    assert_eq!(attr("comment").description, "Free text.");
    assert_eq!(
        attr("comment").description_kind,
        pb::StringKind::Markdown as i32
    );
    assert!(schema.data_source_schemas.contains_key("fake_lookup"));
    assert!(schema.functions.contains_key("upper"));

    let identities = client
        .get_resource_identity_schemas(pb::get_resource_identity_schemas::Request {})
        .await
        .expect("identity")
        .into_inner();
    let identity = &identities.identity_schemas["fake_thing"];
    assert_eq!(identity.identity_attributes[0].name, "id");
    assert!(identity.identity_attributes[0].required_for_import);
}

async fn plan(
    client: &mut pb::provider_client::ProviderClient<tonic::transport::Channel>,
    prior: &Value,
    proposed: &Value,
    config: &Value,
) -> pb::plan_resource_change::Response {
    client
        .plan_resource_change(pb::plan_resource_change::Request {
            type_name: "fake_thing".into(),
            prior_state: dv(prior),
            proposed_new_state: dv(proposed),
            config: dv(config),
            prior_private: b"keep".to_vec(),
            client_capabilities: capabilities(),
            ..Default::default()
        })
        .await
        .expect("plan")
        .into_inner()
}

fn replace_paths(response: &pb::plan_resource_change::Response) -> Vec<String> {
    response
        .requires_replace
        .iter()
        .flat_map(|p| &p.steps)
        .filter_map(|s| match &s.selector {
            Some(pb::attribute_path::step::Selector::AttributeName(n)) => Some(n.clone()),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn plan_create_marks_computed_unknown_applies_defaults_and_nulls_write_only() {
    let (_server, mut client) = Harness::connected().await;
    let config = thing(&[("name", s("a")), ("password", s("hunter2"))]);
    let response = plan(&mut client, &Value::Null, &config, &config).await;
    assert!(
        errors(&response.diagnostics).is_empty(),
        "{:?}",
        errors(&response.diagnostics)
    );
    let planned = undv(response.planned_state.as_ref());
    assert_eq!(planned.get("name"), &s("a"));
    assert_eq!(planned.get("id"), &Value::Unknown);
    assert_eq!(planned.get("etag"), &Value::Unknown);
    assert_eq!(planned.get("enabled"), &Value::Bool(true));
    assert_eq!(planned.get("password"), &Value::Null);
    assert!(response.requires_replace.is_empty());
}

#[tokio::test]
async fn plan_update_keeps_state_where_asked_and_reports_replacement() {
    let (_server, mut client) = Harness::connected().await;
    let prior = thing(&[
        ("name", s("a")),
        ("id", s("id-a")),
        ("etag", s("1")),
        ("enabled", Value::Bool(true)),
    ]);

    // A plain update: etag becomes unknown, id keeps its state.
    let config = thing(&[("name", s("a")), ("comment", s("hello"))]);
    let proposed = prior.clone().with_attr("comment", s("hello"));
    let response = plan(&mut client, &prior, &proposed, &config).await;
    let planned = undv(response.planned_state.as_ref());
    assert_eq!(planned.get("id"), &s("id-a"));
    assert_eq!(planned.get("etag"), &Value::Unknown);
    assert_eq!(planned.get("comment"), &s("hello"));
    assert!(response.requires_replace.is_empty());
    assert_eq!(response.planned_private, b"keep");

    // Renaming replaces.
    let config = thing(&[("name", s("b"))]);
    let proposed = prior.clone().with_attr("name", s("b"));
    let response = plan(&mut client, &prior, &proposed, &config).await;
    assert_eq!(replace_paths(&response), vec!["name".to_owned()]);

    // Nothing changed: the plan is the prior state, nothing unknown.
    let config = thing(&[("name", s("a")), ("password", s("hunter2"))]);
    let response = plan(&mut client, &prior, &prior, &config).await;
    assert_eq!(undv(response.planned_state.as_ref()), prior);

    // Destroy: null.
    let response = plan(&mut client, &prior, &Value::Null, &Value::Null).await;
    assert_eq!(undv(response.planned_state.as_ref()), Value::Null);

    // modify_plan diagnostics reach Terraform with their attribute.
    let config = thing(&[("name", s("a")), ("comment", s("forbidden"))]);
    let proposed = prior.clone().with_attr("comment", s("forbidden"));
    let response = plan(&mut client, &prior, &proposed, &config).await;
    assert_eq!(
        errors(&response.diagnostics),
        vec!["Forbidden comment: pick another".to_owned()]
    );
    assert!(response.diagnostics[0].attribute.is_some());
}

#[tokio::test]
async fn apply_dispatches_and_never_returns_write_only_values() {
    let (h, mut client) = Harness::connected().await;
    let config = thing(&[("name", s("a")), ("password", s("hunter2"))]);
    let planned = thing(&[
        ("name", s("a")),
        ("id", Value::Unknown),
        ("etag", Value::Unknown),
        ("enabled", Value::Bool(true)),
    ]);
    let created = client
        .apply_resource_change(pb::apply_resource_change::Request {
            type_name: "fake_thing".into(),
            prior_state: dv(&Value::Null),
            planned_state: dv(&planned),
            config: dv(&config),
            ..Default::default()
        })
        .await
        .expect("apply")
        .into_inner();
    assert!(
        errors(&created.diagnostics).is_empty(),
        "{:?}",
        errors(&created.diagnostics)
    );
    let state = undv(created.new_state.as_ref());
    assert_eq!(state.get("id"), &s("id-a"));
    assert_eq!(
        state.get("password"),
        &Value::Null,
        "write-only must never reach state"
    );
    assert_eq!(created.private, b"p1");
    assert!(created.new_identity.is_some());
    let seen = h
        .provider
        .thing
        .created_with_password
        .lock()
        .expect("lock")
        .clone();
    assert_eq!(
        seen,
        Some(s("hunter2")),
        "create reads write-only values from config"
    );

    // Update keeps the id and bumps the etag.
    let planned_update = state
        .clone()
        .with_attr("comment", s("x"))
        .with_attr("etag", Value::Unknown);
    let updated = client
        .apply_resource_change(pb::apply_resource_change::Request {
            type_name: "fake_thing".into(),
            prior_state: dv(&state),
            planned_state: dv(&planned_update),
            config: dv(&thing(&[("name", s("a")), ("comment", s("x"))])),
            ..Default::default()
        })
        .await
        .expect("update")
        .into_inner();
    let new_state = undv(updated.new_state.as_ref());
    assert_eq!(new_state.get("etag"), &s("2"));
    assert_eq!(new_state.get("comment"), &s("x"));

    // Delete: null state, and the resource saw the id.
    let deleted = client
        .apply_resource_change(pb::apply_resource_change::Request {
            type_name: "fake_thing".into(),
            prior_state: dv(&new_state),
            planned_state: dv(&Value::Null),
            config: dv(&Value::Null),
            ..Default::default()
        })
        .await
        .expect("delete")
        .into_inner();
    assert_eq!(undv(deleted.new_state.as_ref()), Value::Null);
    assert_eq!(
        *h.provider.thing.deleted.lock().expect("lock"),
        vec!["id-a".to_owned()]
    );

    // A failed delete keeps the prior state so Terraform does not forget the object.
    let stuck = thing(&[
        ("name", s("undeletable")),
        ("id", s("id-undeletable")),
        ("etag", s("1")),
        ("enabled", Value::Bool(true)),
    ]);
    let failed = client
        .apply_resource_change(pb::apply_resource_change::Request {
            type_name: "fake_thing".into(),
            prior_state: dv(&stuck),
            planned_state: dv(&Value::Null),
            config: dv(&Value::Null),
            ..Default::default()
        })
        .await
        .expect("delete")
        .into_inner();
    assert_eq!(
        errors(&failed.diagnostics),
        vec!["Cannot delete: it is stuck".to_owned()]
    );
    assert_eq!(undv(failed.new_state.as_ref()), stuck);
}

/// A panic or an unencodable result in Apply or Read must never answer
/// without a state: Terraform reads that as a null object and forgets an
/// object that may exist (and, for a token, its one-time secret).
#[tokio::test]
async fn failed_apply_and_read_keep_prior_or_planned_state() {
    let (_server, mut client) = Harness::connected().await;
    let apply = |prior: Value, planned: Value| pb::apply_resource_change::Request {
        type_name: "fake_thing".into(),
        prior_state: dv(&prior),
        planned_state: dv(&planned),
        config: dv(&thing(&[("name", planned.get("name").clone())])),
        planned_private: b"planned".to_vec(),
        ..Default::default()
    };
    // Create: the planned object, unknowns null, with the error.
    for name in ["panic", "unencodable"] {
        let planned = thing(&[
            ("name", s(name)),
            ("id", Value::Unknown),
            ("etag", Value::Unknown),
            ("enabled", Value::Bool(true)),
        ]);
        let reply = client
            .apply_resource_change(apply(Value::Null, planned))
            .await
            .expect("apply")
            .into_inner();
        assert_eq!(
            errors(&reply.diagnostics).len(),
            1,
            "{name}: {:?}",
            reply.diagnostics
        );
        let state = undv(reply.new_state.as_ref());
        assert_eq!(state.get("name"), &s(name), "{name}: object forgotten");
        assert_eq!(state.get("id"), &Value::Null);
        assert_eq!(reply.private, b"planned");
    }
    // Update: the prior object.
    let prior = thing(&[
        ("name", s("a")),
        ("id", s("id-a")),
        ("etag", s("1")),
        ("enabled", Value::Bool(true)),
    ]);
    let reply = client
        .apply_resource_change(apply(
            prior.clone(),
            prior.clone().with_attr("comment", s("panic on update")),
        ))
        .await
        .expect("apply")
        .into_inner();
    assert!(
        errors(&reply.diagnostics)[0].contains("crashed"),
        "{:?}",
        reply.diagnostics
    );
    assert_eq!(undv(reply.new_state.as_ref()), prior);
    // Read: the current object, unchanged.
    for comment in ["panic on read", "unencodable on read"] {
        let current = prior.clone().with_attr("comment", s(comment));
        let reply = client
            .read_resource(pb::read_resource::Request {
                type_name: "fake_thing".into(),
                current_state: dv(&current),
                private: b"kept".to_vec(),
                ..Default::default()
            })
            .await
            .expect("read")
            .into_inner();
        assert_eq!(
            errors(&reply.diagnostics).len(),
            1,
            "{comment}: {:?}",
            reply.diagnostics
        );
        assert_eq!(undv(reply.new_state.as_ref()), current, "{comment}");
        assert_eq!(reply.private, b"kept");
    }
}

#[tokio::test]
async fn import_then_read() {
    let (_server, mut client) = Harness::connected().await;
    let imported = client
        .import_resource_state(pb::import_resource_state::Request {
            type_name: "fake_thing".into(),
            id: "id-web".into(),
            client_capabilities: capabilities(),
            identity: None,
        })
        .await
        .expect("import")
        .into_inner();
    assert!(imported.diagnostics.is_empty());
    let object = &imported.imported_resources[0];
    assert_eq!(object.type_name, "fake_thing");
    let state = undv(object.state.as_ref());
    assert_eq!(state.get("name"), &s("web"));
    assert!(object.identity.is_some());

    let read = client
        .read_resource(pb::read_resource::Request {
            type_name: "fake_thing".into(),
            current_state: object.state.clone(),
            private: object.private.clone(),
            ..Default::default()
        })
        .await
        .expect("read")
        .into_inner();
    assert_eq!(undv(read.new_state.as_ref()), state);

    let bad = client
        .import_resource_state(pb::import_resource_state::Request {
            type_name: "fake_thing".into(),
            id: "nonsense".into(),
            ..Default::default()
        })
        .await
        .expect("import")
        .into_inner();
    assert_eq!(
        errors(&bad.diagnostics),
        vec!["Invalid import id: expected id-<name>".to_owned()]
    );

    // An object gone upstream reads as null.
    let gone = client
        .read_resource(pb::read_resource::Request {
            type_name: "fake_thing".into(),
            current_state: dv(&thing(&[("name", s("gone")), ("id", s("id-gone"))])),
            ..Default::default()
        })
        .await
        .expect("read")
        .into_inner();
    assert_eq!(undv(gone.new_state.as_ref()), Value::Null);
}

#[tokio::test]
async fn validation_reports_attribute_paths_and_write_only_support() {
    let (_server, mut client) = Harness::connected().await;
    let response = client
        .validate_resource_config(pb::validate_resource_config::Request {
            type_name: "fake_thing".into(),
            config: dv(&thing(&[("name", s("")), ("password", s("x"))])),
            client_capabilities: None,
        })
        .await
        .expect("validate")
        .into_inner();
    let summaries: Vec<&str> = response
        .diagnostics
        .iter()
        .map(|d| d.summary.as_str())
        .collect();
    assert!(summaries.contains(&"Invalid name"), "{summaries:?}");
    assert!(
        summaries.contains(&"Write-only attribute not supported"),
        "{summaries:?}"
    );
    for diagnostic in &response.diagnostics {
        if diagnostic.summary == "Write-only attribute not supported" {
            // No path, so Terraform prints no configuration line (the secret).
            assert!(diagnostic.attribute.is_none());
            assert!(diagnostic.detail.contains("password is write-only"));
        } else {
            assert!(diagnostic.attribute.is_some(), "{}", diagnostic.summary);
        }
    }

    let unknown = client
        .validate_resource_config(pb::validate_resource_config::Request {
            type_name: "fake_nope".into(),
            ..Default::default()
        })
        .await
        .expect("validate")
        .into_inner();
    assert_eq!(unknown.diagnostics[0].summary, "Unknown resource type");
}

#[tokio::test]
async fn unsupported_rpcs_answer_with_a_clear_diagnostic() {
    let (_server, mut client) = Harness::connected().await;
    let generated = client
        .generate_resource_config(pb::generate_resource_config::Request {
            type_name: "fake_thing".into(),
            ..Default::default()
        })
        .await
        .expect("generate config")
        .into_inner();
    assert_eq!(generated.diagnostics.len(), 1);
    assert_eq!(
        generated.diagnostics[0].summary,
        "configuration generation not supported"
    );
    assert!(generated.diagnostics[0].detail.contains("fake_thing"));

    let states = client
        .get_states(pb::get_states::Request {
            type_name: "fake_store".into(),
        })
        .await
        .expect("get states")
        .into_inner();
    assert_eq!(states.diagnostics[0].summary, "state stores not supported");
}

#[tokio::test]
async fn upgrade_state_reads_json_and_refuses_flatmap() {
    let (_server, mut client) = Harness::connected().await;
    let upgraded = client
        .upgrade_resource_state(pb::upgrade_resource_state::Request {
            type_name: "fake_thing".into(),
            version: 1,
            raw_state: Some(pb::RawState {
                json: br#"{"name":"a","id":"id-a","etag":"1","enabled":true,"removed_long_ago":3}"#
                    .to_vec(),
                flatmap: Default::default(),
            }),
        })
        .await
        .expect("upgrade")
        .into_inner();
    assert!(
        upgraded.diagnostics.is_empty(),
        "{:?}",
        errors(&upgraded.diagnostics)
    );
    let state = undv(upgraded.upgraded_state.as_ref());
    assert_eq!(state.get("id"), &s("id-a"));
    assert_eq!(state.get("comment"), &Value::Null);

    let flatmap = client
        .upgrade_resource_state(pb::upgrade_resource_state::Request {
            type_name: "fake_thing".into(),
            version: 0,
            raw_state: Some(pb::RawState {
                json: Vec::new(),
                flatmap: [("id".to_owned(), "x".to_owned())].into(),
            }),
        })
        .await
        .expect("upgrade")
        .into_inner();
    assert_eq!(flatmap.diagnostics[0].summary, "Unsupported state format");

    let older = client
        .upgrade_resource_state(pb::upgrade_resource_state::Request {
            type_name: "fake_thing".into(),
            version: 0,
            raw_state: Some(pb::RawState {
                json: br#"{"name":"a"}"#.to_vec(),
                flatmap: Default::default(),
            }),
        })
        .await
        .expect("upgrade")
        .into_inner();
    assert_eq!(
        older.diagnostics[0].summary,
        "Unable to upgrade resource state"
    );
}

#[tokio::test]
async fn data_sources_and_functions() {
    let (_server, mut client) = Harness::connected().await;
    let lookup_type = Type::object([("input", Type::String), ("output", Type::String)]);
    let read = client
        .read_data_source(pb::read_data_source::Request {
            type_name: "fake_lookup".into(),
            config: encode(&Value::object([("input", s("abc"))]), &lookup_type),
            ..Default::default()
        })
        .await
        .expect("read data")
        .into_inner();
    let state = decode(read.state.as_ref(), &lookup_type);
    assert_eq!(state.get("output"), &s("ABC"));

    let call = |text: &str| pb::call_function::Request {
        name: "upper".into(),
        arguments: vec![encode(&s(text), &Type::String).expect("argument")],
    };
    let ok = client
        .call_function(call("hi"))
        .await
        .expect("call")
        .into_inner();
    assert_eq!(decode(ok.result.as_ref(), &Type::String), s("HI"));
    let failed = client
        .call_function(call(""))
        .await
        .expect("call")
        .into_inner();
    let error = failed.error.expect("function error");
    assert_eq!(error.function_argument, Some(0));
    assert_eq!(error.text, "text must not be empty");
}
