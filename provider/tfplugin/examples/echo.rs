//! A complete, tiny provider on `tfplugin`: `echo_note` stores its text and
//! gets an id. Build it and point Terraform at it with `dev_overrides`, or
//! run it with `--debug` and use the printed `TF_REATTACH_PROVIDERS`.

use std::sync::Arc;

use async_trait::async_trait;
use tfplugin::diag::Diagnostics;
use tfplugin::provider::{
    ClientInfo, DataSource, ImportRequest, Provider, Resource, ResourceState,
};
use tfplugin::schema::{Attribute, Block, Schema};
use tfplugin::value::{Type, Value};
use tfplugin::{ServeOptions, serve};

struct Echo;

#[async_trait]
impl Provider for Echo {
    fn type_name(&self) -> &str {
        "echo"
    }
    fn schema(&self) -> Schema {
        Schema::default()
    }
    async fn configure(&self, _config: &Value, _client: &ClientInfo) -> Diagnostics {
        Diagnostics::new()
    }
    fn resources(&self) -> Vec<Arc<dyn Resource>> {
        vec![Arc::new(Note)]
    }
    fn data_sources(&self) -> Vec<Arc<dyn DataSource>> {
        Vec::new()
    }
}

struct Note;

#[async_trait]
impl Resource for Note {
    fn type_name(&self) -> &str {
        "echo_note"
    }
    fn schema(&self) -> Schema {
        Schema::new(Block {
            attributes: vec![
                Attribute::required("text", Type::String).description("What to remember."),
                Attribute::computed("id", Type::String).use_state_for_unknown(),
                Attribute::optional("secret", Type::String)
                    .sensitive()
                    .write_only(),
            ],
            ..Block::default()
        })
    }
    async fn create(&self, planned: &Value, _config: &Value) -> Result<ResourceState, Diagnostics> {
        let id = format!(
            "note-{}",
            planned.get("text").as_str().unwrap_or_default().len()
        );
        Ok(ResourceState {
            state: planned.clone().with_attr("id", id),
            ..ResourceState::default()
        })
    }
    async fn read(&self, current: &ResourceState) -> Result<Option<ResourceState>, Diagnostics> {
        Ok(Some(current.clone()))
    }
    async fn update(
        &self,
        prior: &ResourceState,
        planned: &Value,
        _: &Value,
    ) -> Result<ResourceState, Diagnostics> {
        Ok(ResourceState {
            state: planned
                .clone()
                .with_attr("id", prior.state.get("id").clone()),
            ..prior.clone()
        })
    }
    async fn delete(&self, _prior: &ResourceState) -> Result<(), Diagnostics> {
        Ok(())
    }
    async fn import(&self, request: &ImportRequest) -> Result<Vec<ResourceState>, Diagnostics> {
        Ok(vec![ResourceState {
            state: Value::object([("id", Value::string(&request.id))]),
            ..ResourceState::default()
        }])
    }
}

#[tokio::main]
async fn main() {
    let result = match ServeOptions::from_args("registry.terraform.io/example/echo") {
        Ok(options) => serve(Arc::new(Echo), options).await,
        Err(e) => Err(e),
    };
    if let Err(e) = result {
        eprintln!("{e}");
        std::process::exit(1);
    }
}
