//! A tiny in-test provider exercising every plan rule.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use crate::diag::{Diagnostic, Diagnostics};
use crate::provider::{
    Action, ActionContext, ClientInfo, DataSource, Function, FunctionError, FunctionParameter,
    FunctionSignature, ImportRequest, PlanContext, Provider, Resource, ResourceState,
};
use crate::schema::{Attribute, Block, IdentityAttribute, IdentitySchema, Schema};
use crate::value::{Type, Value};

pub(crate) struct FakeProvider {
    pub thing: Arc<FakeThing>,
}

impl FakeProvider {
    pub(crate) fn new() -> Self {
        Self {
            thing: Arc::new(FakeThing::default()),
        }
    }
}

#[async_trait]
impl Provider for FakeProvider {
    fn type_name(&self) -> &str {
        "fake"
    }

    fn schema(&self) -> Schema {
        Schema::new(Block {
            attributes: vec![Attribute::optional("endpoint", Type::String)],
            ..Block::default()
        })
    }

    async fn configure(&self, _config: &Value, _client: &ClientInfo) -> Diagnostics {
        Diagnostics::new()
    }

    fn resources(&self) -> Vec<Arc<dyn Resource>> {
        vec![self.thing.clone()]
    }

    fn data_sources(&self) -> Vec<Arc<dyn DataSource>> {
        vec![Arc::new(FakeLookup)]
    }

    fn functions(&self) -> Vec<Arc<dyn Function>> {
        vec![Arc::new(Upper)]
    }

    fn actions(&self) -> Vec<Arc<dyn Action>> {
        vec![Arc::new(Countdown)]
    }
}

/// `fake_thing`: records what create/update/delete received.
#[derive(Default)]
pub(crate) struct FakeThing {
    pub created_with_password: Mutex<Option<Value>>,
    pub deleted: Mutex<Vec<String>>,
}

pub(crate) fn thing_schema() -> Schema {
    Schema {
        version: 1,
        block: Block {
            attributes: vec![
                Attribute::required("name", Type::String).requires_replace(),
                Attribute::optional("comment", Type::String).description("Free text."),
                Attribute::computed("id", Type::String).use_state_for_unknown(),
                Attribute::computed("etag", Type::String),
                Attribute::optional("enabled", Type::Bool).default_value(Value::Bool(true)),
                Attribute::optional("password", Type::String)
                    .sensitive()
                    .write_only(),
            ],
            description: "A fake thing.".into(),
            ..Block::default()
        },
    }
}

fn state_from(planned: &Value, id: &str, etag: &str) -> Value {
    let mut state = planned.clone();
    state.set_attr("id", id);
    state.set_attr("etag", etag);
    state
}

#[async_trait]
impl Resource for FakeThing {
    fn type_name(&self) -> &str {
        "fake_thing"
    }

    fn schema(&self) -> Schema {
        thing_schema()
    }

    fn identity_schema(&self) -> Option<IdentitySchema> {
        Some(IdentitySchema {
            version: 0,
            attributes: vec![IdentityAttribute {
                name: "id".into(),
                ty: Type::String,
                required_for_import: true,
                ..IdentityAttribute::default()
            }],
        })
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        if config.get("name").as_str() == Some("") {
            Diagnostic::error("Invalid name", "name must not be empty")
                .at_attribute("name")
                .into()
        } else {
            Diagnostics::new()
        }
    }

    async fn modify_plan(&self, plan: &mut PlanContext<'_>) {
        if plan.config.get("comment").as_str() == Some("forbidden") {
            plan.diagnostics.push(
                Diagnostic::error("Forbidden comment", "pick another").at_attribute("comment"),
            );
        }
    }

    async fn create(&self, planned: &Value, config: &Value) -> Result<ResourceState, Diagnostics> {
        if let Ok(mut seen) = self.created_with_password.lock() {
            *seen = Some(config.get("password").clone());
        }
        let name = planned.get("name").as_str().unwrap_or_default().to_owned();
        // Failure paths the framework must survive without losing state.
        if name == "panic" {
            panic!("fake_thing: create panicked on purpose");
        }
        if name == "unencodable" {
            let mut state = state_from(planned, "id-unencodable", "1");
            state.set_attr("etag", Value::Bool(true));
            return Ok(ResourceState {
                state,
                identity: None,
                private: Vec::new(),
            });
        }
        // Misbehave on purpose: echo the write-only password into state; the
        // framework must null it.
        let mut state = state_from(planned, &format!("id-{name}"), "1");
        state.set_attr("password", config.get("password").clone());
        Ok(ResourceState {
            identity: Some(Value::object([("id", Value::string(format!("id-{name}")))])),
            state,
            private: b"p1".to_vec(),
        })
    }

    async fn read(&self, current: &ResourceState) -> Result<Option<ResourceState>, Diagnostics> {
        match current.state.get("comment").as_str() {
            Some("panic on read") => panic!("fake_thing: read panicked on purpose"),
            Some("unencodable on read") => {
                let mut state = current.state.clone();
                state.set_attr("etag", Value::Bool(true));
                return Ok(Some(ResourceState {
                    state,
                    ..current.clone()
                }));
            }
            _ => {}
        }
        if current.state.get("name").as_str() == Some("gone") {
            return Ok(None);
        }
        Ok(Some(current.clone()))
    }

    async fn update(
        &self,
        prior: &ResourceState,
        planned: &Value,
        _config: &Value,
    ) -> Result<ResourceState, Diagnostics> {
        if planned.get("comment").as_str() == Some("panic on update") {
            panic!("fake_thing: update panicked on purpose");
        }
        let id = prior
            .state
            .get("id")
            .as_str()
            .unwrap_or_default()
            .to_owned();
        Ok(ResourceState {
            state: state_from(planned, &id, "2"),
            identity: prior.identity.clone(),
            private: prior.private.clone(),
        })
    }

    async fn delete(&self, prior: &ResourceState) -> Result<(), Diagnostics> {
        let id = prior
            .state
            .get("id")
            .as_str()
            .unwrap_or_default()
            .to_owned();
        if id == "id-undeletable" {
            return Err(Diagnostics::error("Cannot delete", "it is stuck"));
        }
        if let Ok(mut deleted) = self.deleted.lock() {
            deleted.push(id);
        }
        Ok(())
    }

    async fn import(&self, request: &ImportRequest) -> Result<Vec<ResourceState>, Diagnostics> {
        let Some(name) = request.id.strip_prefix("id-") else {
            return Err(Diagnostics::error(
                "Invalid import id",
                "expected id-<name>",
            ));
        };
        Ok(vec![ResourceState {
            state: Value::object([
                ("id", Value::string(&request.id)),
                ("name", Value::string(name)),
            ]),
            identity: Some(Value::object([("id", Value::string(&request.id))])),
            private: Vec::new(),
        }])
    }
}

/// `fake_lookup` data source: echoes its input upper-cased.
pub(crate) struct FakeLookup;

#[async_trait]
impl DataSource for FakeLookup {
    fn type_name(&self) -> &str {
        "fake_lookup"
    }

    fn schema(&self) -> Schema {
        Schema::new(Block {
            attributes: vec![
                Attribute::required("input", Type::String),
                Attribute::computed("output", Type::String),
            ],
            ..Block::default()
        })
    }

    async fn read(&self, config: &Value) -> Result<Value, Diagnostics> {
        let input = config
            .get("input")
            .as_str()
            .unwrap_or_default()
            .to_uppercase();
        Ok(config.clone().with_attr("output", input))
    }
}

/// `provider::fake::upper(text)`.
pub(crate) struct Upper;

#[async_trait]
impl Function for Upper {
    fn name(&self) -> &str {
        "upper"
    }

    fn signature(&self) -> FunctionSignature {
        FunctionSignature {
            parameters: vec![FunctionParameter {
                name: "text".into(),
                ty: Type::String,
                ..FunctionParameter::default()
            }],
            return_type: Type::String,
            summary: "Upper-cases text.".into(),
            ..FunctionSignature::default()
        }
    }

    async fn call(&self, arguments: Vec<Value>) -> Result<Value, FunctionError> {
        match arguments.first().and_then(Value::as_str) {
            Some("") => Err(FunctionError {
                text: "text must not be empty".into(),
                argument: Some(0),
            }),
            Some(text) => Ok(Value::string(text.to_uppercase())),
            None => Err(FunctionError {
                text: "text is required".into(),
                argument: Some(0),
            }),
        }
    }
}

/// `fake_countdown`: reports one progress line per step, then fails if
/// asked to, or waits for StopProvider when `hang` is set.
pub(crate) struct Countdown;

#[async_trait]
impl Action for Countdown {
    fn type_name(&self) -> &str {
        "fake_countdown"
    }

    fn schema(&self) -> Schema {
        Schema::new(Block {
            attributes: vec![
                Attribute::required("steps", Type::Number),
                Attribute::optional("fail", Type::Bool),
                Attribute::optional("hang", Type::Bool),
            ],
            ..Block::default()
        })
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        match config.get("steps").as_i64() {
            Some(n) if n < 0 => Diagnostic::error("Invalid steps", "steps must not be negative")
                .at_attribute("steps")
                .into(),
            _ => Diagnostics::new(),
        }
    }

    async fn plan(&self, config: &Value, _client: &ClientInfo) -> Diagnostics {
        if config.get("steps").is_unknown() {
            Diagnostic::warning("Steps unknown", "steps is only known after apply").into()
        } else {
            Diagnostics::new()
        }
    }

    async fn invoke(&self, config: &Value, context: &ActionContext) -> Diagnostics {
        let steps = config.get("steps").as_i64().unwrap_or(0);
        for step in 1..=steps {
            context.progress(format!("step {step} of {steps}"));
        }
        if config.get("hang").as_bool() == Some(true) {
            context.progress("waiting");
            std::future::pending::<()>().await;
        }
        if config.get("fail").as_bool() == Some(true) {
            return Diagnostics::error("Countdown failed", "asked to fail");
        }
        Diagnostic::warning("Countdown done", format!("{steps} steps")).into()
    }
}
