//! The action RPCs through the real gRPC surface: schemas, validation,
//! planning with unknown values, the invoke event stream, and StopProvider.

use tokio_stream::StreamExt as _;

use super::{Harness, encode, metadata, provider_schema};
use crate::proto::tfplugin6 as pb;
use crate::value::{Type, Value};

fn countdown_type() -> Type {
    Type::object([
        ("steps", Type::Number),
        ("fail", Type::Bool),
        ("hang", Type::Bool),
    ])
}

fn config(steps: Value, fail: bool, hang: bool) -> Option<pb::DynamicValue> {
    let value = Value::object([
        ("steps", steps),
        ("fail", Value::Bool(fail)),
        ("hang", Value::Bool(hang)),
    ]);
    encode(&value, &countdown_type())
}

fn invoke_request(steps: i64, fail: bool, hang: bool) -> pb::invoke_action::Request {
    pb::invoke_action::Request {
        action_type: "fake_countdown".into(),
        config: config(Value::number(steps), fail, hang),
        client_capabilities: None,
    }
}

/// Progress messages, then the diagnostics of the completion (summaries).
async fn collect(
    mut stream: tonic::Streaming<pb::invoke_action::Event>,
) -> (Vec<String>, Vec<pb::Diagnostic>) {
    let mut progress = Vec::new();
    let mut completed = None;
    while let Some(event) = stream.next().await {
        let event = event.expect("event");
        assert!(completed.is_none(), "an event after the completion");
        match event.r#type.expect("event type") {
            pb::invoke_action::event::Type::Progress(p) => progress.push(p.message),
            pb::invoke_action::event::Type::Completed(c) => completed = Some(c.diagnostics),
        }
    }
    (progress, completed.expect("a completion event"))
}

#[tokio::test]
async fn schema_and_metadata_list_actions() {
    let (_server, mut client) = Harness::connected().await;
    let schema = provider_schema(&mut client).await;
    let action = &schema.action_schemas["fake_countdown"];
    let block = action
        .schema
        .as_ref()
        .and_then(|s| s.block.as_ref())
        .expect("block");
    let names: Vec<_> = block.attributes.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["steps", "fail", "hang"]);
    assert!(block.attributes[0].required);

    let metadata = metadata(&mut client).await;
    let actions: Vec<_> = metadata
        .actions
        .iter()
        .map(|a| a.type_name.as_str())
        .collect();
    assert_eq!(actions, ["fake_countdown"]);
}

#[tokio::test]
async fn validate_and_plan_reach_the_action() {
    let (_server, mut client) = Harness::connected().await;
    let invalid = client
        .validate_action_config(pb::validate_action_config::Request {
            type_name: "fake_countdown".into(),
            config: config(Value::number(-1), false, false),
        })
        .await
        .expect("validate")
        .into_inner();
    assert_eq!(invalid.diagnostics.len(), 1);
    assert_eq!(invalid.diagnostics[0].summary, "Invalid steps");
    let path = invalid.diagnostics[0].attribute.as_ref().expect("path");
    assert_eq!(
        path.steps[0].selector,
        Some(pb::attribute_path::step::Selector::AttributeName(
            "steps".into()
        ))
    );

    let planned = client
        .plan_action(pb::plan_action::Request {
            action_type: "fake_countdown".into(),
            config: config(Value::Unknown, false, false),
            client_capabilities: None,
        })
        .await
        .expect("plan")
        .into_inner();
    assert_eq!(planned.diagnostics.len(), 1);
    assert_eq!(planned.diagnostics[0].summary, "Steps unknown");

    let unknown = client
        .plan_action(pb::plan_action::Request {
            action_type: "fake_reboot".into(),
            ..Default::default()
        })
        .await
        .expect("plan")
        .into_inner();
    assert_eq!(unknown.diagnostics[0].summary, "Unknown action");
    assert!(unknown.diagnostics[0].detail.contains("fake_reboot"));
}

#[tokio::test]
async fn invoke_streams_progress_then_one_completion() {
    let (_server, mut client) = Harness::connected().await;
    let stream = client
        .invoke_action(invoke_request(3, false, false))
        .await
        .expect("invoke")
        .into_inner();
    let (progress, diagnostics) = collect(stream).await;
    assert_eq!(progress, ["step 1 of 3", "step 2 of 3", "step 3 of 3"]);
    assert_eq!(diagnostics.len(), 1);
    assert_eq!(diagnostics[0].summary, "Countdown done");
    assert_eq!(
        diagnostics[0].severity,
        pb::diagnostic::Severity::Warning as i32
    );

    let failed = client
        .invoke_action(invoke_request(1, true, false))
        .await
        .expect("invoke")
        .into_inner();
    let (progress, diagnostics) = collect(failed).await;
    assert_eq!(progress, ["step 1 of 1"]);
    assert_eq!(diagnostics[0].summary, "Countdown failed");
    assert_eq!(
        diagnostics[0].severity,
        pb::diagnostic::Severity::Error as i32
    );

    let unknown = client
        .invoke_action(pb::invoke_action::Request {
            action_type: "fake_countdown".into(),
            config: config(Value::Unknown, false, false),
            client_capabilities: None,
        })
        .await
        .expect("invoke")
        .into_inner();
    let (progress, diagnostics) = collect(unknown).await;
    assert!(progress.is_empty());
    assert_eq!(diagnostics[0].summary, "Action configuration not known");
}

#[tokio::test]
async fn stop_provider_interrupts_a_running_action() {
    let (_server, mut client) = Harness::connected().await;
    let mut stream = client
        .invoke_action(invoke_request(1, false, true))
        .await
        .expect("invoke")
        .into_inner();
    // Wait until the action is running and hanging, then stop the provider.
    let mut seen = Vec::new();
    while seen.last().map(String::as_str) != Some("waiting") {
        let event = stream.next().await.expect("an event").expect("ok");
        match event.r#type.expect("type") {
            pb::invoke_action::event::Type::Progress(p) => seen.push(p.message),
            pb::invoke_action::event::Type::Completed(c) => {
                panic!("completed early: {:?}", c.diagnostics)
            }
        }
    }
    let stopped = client
        .stop_provider(pb::stop_provider::Request {})
        .await
        .expect("stop")
        .into_inner();
    assert_eq!(stopped.error, "");
    let (_, diagnostics) = collect(stream).await;
    assert_eq!(diagnostics[0].summary, "Action interrupted");
    assert!(diagnostics[0].detail.contains("fake_countdown"));

    // Later invocations are refused at once.
    let later = client
        .invoke_action(invoke_request(2, false, false))
        .await
        .expect("invoke")
        .into_inner();
    let (progress, diagnostics) = collect(later).await;
    assert!(progress.is_empty());
    assert_eq!(diagnostics[0].summary, "Action interrupted");
}
