//! What a provider implements. The server (see `server`) turns every RPC into
//! calls on these traits, runs the declarative plan rules of the schema, and
//! turns the results back into protocol messages. Nothing here names a
//! concrete provider's types.

use std::sync::Arc;

use async_trait::async_trait;

use crate::diag::Diagnostics;
use crate::schema::{IdentitySchema, Schema};
use crate::value::{Type, Value};

/// Facts about the calling Terraform (or OpenTofu) client.
#[derive(Clone, Debug, Default)]
pub struct ClientInfo {
    /// e.g. "1.15.5"; empty when the client did not say.
    pub terraform_version: String,
    /// The client supports write-only attributes (Terraform ≥ 1.11).
    pub write_only_attributes_allowed: bool,
    /// The client can handle deferred actions.
    pub deferral_allowed: bool,
}

/// The result of a resource write or read: what Terraform stores.
#[derive(Clone, Debug, Default)]
pub struct ResourceState {
    pub state: Value,
    /// The resource identity, for resources that declare an identity schema.
    pub identity: Option<Value>,
    /// Opaque provider-private bytes stored beside the state.
    pub private: Vec<u8>,
}

/// A plan being computed for a resource, after the framework applied the
/// schema's declarative plan rules. `modify_plan` may change `planned` and
/// add to `requires_replace`.
#[derive(Debug)]
pub struct PlanContext<'a> {
    /// Null when the resource is being created.
    pub prior: &'a Value,
    pub config: &'a Value,
    /// Null when the resource is being destroyed.
    pub planned: Value,
    /// Top-level attribute names whose change forces replacement.
    pub requires_replace: Vec<String>,
    pub client: &'a ClientInfo,
    pub diagnostics: Diagnostics,
}

/// A request to adopt the state of another resource type (a `moved` block
/// whose source is a different type, possibly of another provider).
#[derive(Clone, Default)]
pub struct MoveStateRequest {
    /// e.g. "registry.terraform.io/hashicorp/null".
    pub source_provider_address: String,
    pub source_type_name: String,
    pub source_schema_version: i64,
    /// The source state as stored, in the source type's JSON layout.
    pub source_state: serde_json::Value,
    pub source_private: Vec<u8>,
    pub source_identity: Option<serde_json::Value>,
    pub source_identity_schema_version: i64,
}

// State may hold secrets: never print it.
impl std::fmt::Debug for MoveStateRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MoveStateRequest")
            .field("source_provider_address", &self.source_provider_address)
            .field("source_type_name", &self.source_type_name)
            .field("source_schema_version", &self.source_schema_version)
            .finish_non_exhaustive()
    }
}

/// The result of a state move: the adopted state and any warnings about
/// what the move dropped or reinterpreted.
#[derive(Clone, Debug, Default)]
pub struct MovedState {
    pub state: ResourceState,
    /// Shown to the user with the plan; errors here fail the move.
    pub diagnostics: Diagnostics,
}

/// An import request: by id string or, on Terraform ≥ 1.12, by identity.
#[derive(Clone, Debug, Default)]
pub struct ImportRequest {
    pub id: String,
    pub identity: Option<Value>,
}

#[async_trait]
pub trait Provider: Send + Sync + 'static {
    /// The provider's local name, e.g. "pve"; resource type names start with it.
    fn type_name(&self) -> &str;
    fn schema(&self) -> Schema;
    async fn validate_config(&self, _config: &Value) -> Diagnostics {
        Diagnostics::default()
    }
    /// Called once per provider process before any resource CRUD.
    async fn configure(&self, config: &Value, client: &ClientInfo) -> Diagnostics;
    fn resources(&self) -> Vec<Arc<dyn Resource>>;
    fn data_sources(&self) -> Vec<Arc<dyn DataSource>>;
    fn ephemeral_resources(&self) -> Vec<Arc<dyn EphemeralResource>> {
        Vec::new()
    }
    fn functions(&self) -> Vec<Arc<dyn Function>> {
        Vec::new()
    }
    fn list_resources(&self) -> Vec<Arc<dyn ListResource>> {
        Vec::new()
    }
    /// Terraform ≥ 1.14 `action` blocks. Older clients never ask for them.
    fn actions(&self) -> Vec<Arc<dyn Action>> {
        Vec::new()
    }
}

#[async_trait]
pub trait Resource: Send + Sync + 'static {
    /// Full type name, e.g. "pve_user".
    fn type_name(&self) -> &str;
    fn schema(&self) -> Schema;
    fn identity_schema(&self) -> Option<IdentitySchema> {
        None
    }
    /// Static checks of the configuration (values may be unknown).
    async fn validate(&self, _config: &Value) -> Diagnostics {
        Diagnostics::default()
    }
    /// Resource-specific plan changes after the schema's plan rules ran.
    async fn modify_plan(&self, _plan: &mut PlanContext<'_>) {}
    /// `planned` has write-only attributes nulled; read them from `config`.
    async fn create(&self, planned: &Value, config: &Value) -> Result<ResourceState, Diagnostics>;
    /// `Ok(None)` means the object is gone and Terraform should forget it.
    async fn read(&self, current: &ResourceState) -> Result<Option<ResourceState>, Diagnostics>;
    async fn update(
        &self,
        prior: &ResourceState,
        planned: &Value,
        config: &Value,
    ) -> Result<ResourceState, Diagnostics>;
    async fn delete(&self, prior: &ResourceState) -> Result<(), Diagnostics>;
    /// Returns the imported object(s); their state is then refreshed with `read`.
    async fn import(&self, request: &ImportRequest) -> Result<Vec<ResourceState>, Diagnostics>;
    /// Upgrade state stored by an older schema version, given as JSON.
    /// The default accepts state of the current version only.
    async fn upgrade_state(
        &self,
        version: i64,
        _json: &serde_json::Value,
    ) -> Result<Option<Value>, Diagnostics> {
        let _ = version;
        Ok(None)
    }
    /// Upgrade an identity stored by an older identity schema version, given as JSON.
    /// The default accepts identities of the current version only.
    async fn upgrade_identity(
        &self,
        _version: i64,
        _json: &serde_json::Value,
    ) -> Result<Option<Value>, Diagnostics> {
        Ok(None)
    }
    /// Adopt the state of another resource type (`moved { from = other_type.x }`).
    /// `Ok(None)` means the source type is not supported (the default).
    async fn move_state(
        &self,
        _request: &MoveStateRequest,
    ) -> Result<Option<MovedState>, Diagnostics> {
        Ok(None)
    }
}

#[async_trait]
pub trait DataSource: Send + Sync + 'static {
    fn type_name(&self) -> &str;
    fn schema(&self) -> Schema;
    async fn validate(&self, _config: &Value) -> Diagnostics {
        Diagnostics::default()
    }
    async fn read(&self, config: &Value) -> Result<Value, Diagnostics>;
}

/// What an ephemeral resource returns when opened.
#[derive(Clone, Debug, Default)]
pub struct EphemeralOpened {
    pub result: Value,
    /// Handed back to `renew` and `close`.
    pub private: Vec<u8>,
    /// When Terraform should call `renew`, if ever.
    pub renew_at: Option<time::OffsetDateTime>,
}

/// Terraform ≥ 1.10: a value that exists only for one run and never touches state.
#[async_trait]
pub trait EphemeralResource: Send + Sync + 'static {
    fn type_name(&self) -> &str;
    fn schema(&self) -> Schema;
    async fn validate(&self, _config: &Value) -> Diagnostics {
        Diagnostics::default()
    }
    async fn open(&self, config: &Value) -> Result<EphemeralOpened, Diagnostics>;
    async fn renew(&self, _private: &[u8]) -> Result<Option<time::OffsetDateTime>, Diagnostics> {
        Ok(None)
    }
    async fn close(&self, private: &[u8]) -> Result<(), Diagnostics>;
}

/// One parameter of a provider function.
#[derive(Clone, Debug, Default)]
pub struct FunctionParameter {
    pub name: String,
    pub ty: Type,
    pub allow_null: bool,
    pub allow_unknown: bool,
    pub description: String,
}

/// The signature and documentation of a provider function.
#[derive(Clone, Debug, Default)]
pub struct FunctionSignature {
    pub parameters: Vec<FunctionParameter>,
    pub variadic: Option<FunctionParameter>,
    pub return_type: Type,
    pub summary: String,
    pub description: String,
    pub deprecation_message: String,
}

/// A function error: the text and, when one argument is at fault, its index.
#[derive(Clone, Debug, Default)]
pub struct FunctionError {
    pub text: String,
    pub argument: Option<i64>,
}

/// Terraform ≥ 1.8: `provider::<name>::<function>(…)`.
#[async_trait]
pub trait Function: Send + Sync + 'static {
    fn name(&self) -> &str;
    fn signature(&self) -> FunctionSignature;
    async fn call(&self, arguments: Vec<Value>) -> Result<Value, FunctionError>;
}

/// One object found by a list resource.
#[derive(Clone, Debug, Default)]
pub struct ListResult {
    pub display_name: String,
    pub identity: Value,
    /// The full resource state, when the request asked for it.
    pub state: Option<Value>,
}

/// Terraform ≥ 1.14 (`terraform query`): lists existing objects of a resource type.
#[async_trait]
pub trait ListResource: Send + Sync + 'static {
    /// The resource type being listed, e.g. "pve_user".
    fn type_name(&self) -> &str;
    /// The schema of the `config` block inside a `list` block.
    fn schema(&self) -> Schema;
    async fn validate(&self, _config: &Value) -> Diagnostics {
        Diagnostics::default()
    }
    async fn list(
        &self,
        config: &Value,
        include_state: bool,
        limit: i64,
    ) -> Result<Vec<ListResult>, Diagnostics>;
}

/// What a running action can tell Terraform, and learn from it: progress
/// lines (shown as `Action action.TYPE.NAME (…): message`) and whether
/// Terraform asked the provider to stop (StopProvider, e.g. on Ctrl-C) or
/// hung up. The server also drops the invocation when that happens, so
/// checking is only needed to stop cleanly between steps.
#[derive(Clone, Debug)]
pub struct ActionContext {
    progress: tokio::sync::mpsc::UnboundedSender<String>,
    stop: tokio::sync::watch::Receiver<bool>,
}

impl ActionContext {
    pub(crate) fn new(
        progress: tokio::sync::mpsc::UnboundedSender<String>,
        stop: tokio::sync::watch::Receiver<bool>,
    ) -> Self {
        Self { progress, stop }
    }

    /// Sends one progress line to Terraform now. Never carry secrets here:
    /// Terraform prints it and may store it (HCP Terraform run logs).
    pub fn progress(&self, message: impl Into<String>) {
        // A closed stream means Terraform went away; the invocation is
        // being dropped anyway, so a lost line is of no consequence.
        let _ = self.progress.send(message.into());
    }

    /// Terraform asked the provider to stop.
    pub fn is_stopped(&self) -> bool {
        *self.stop.borrow()
    }

    /// Resolves when Terraform asks the provider to stop.
    pub async fn stopped(&self) {
        let mut stop = self.stop.clone();
        // An error means the server is gone: treat it as a stop.
        let _ = stop.wait_for(|stopped| *stopped).await;
    }
}

/// Terraform ≥ 1.14: an `action` block, run by `terraform apply
/// -invoke=action.TYPE.NAME` or from a resource's `lifecycle.action_trigger`.
/// It has a configuration but no state; the schema holds only required and
/// optional attributes (Terraform rejects computed ones in actions).
#[async_trait]
pub trait Action: Send + Sync + 'static {
    /// Full type name, e.g. "pve_realm_sync".
    fn type_name(&self) -> &str;
    fn schema(&self) -> Schema;
    /// Static checks of the configuration (values may be unknown).
    async fn validate(&self, _config: &Value) -> Diagnostics {
        Diagnostics::default()
    }
    /// Checks at plan time, when the provider is configured; values may
    /// still be unknown. Errors stop the plan before anything runs.
    async fn plan(&self, _config: &Value, _client: &ClientInfo) -> Diagnostics {
        Diagnostics::default()
    }
    /// Runs the action with a wholly known configuration. The returned
    /// diagnostics complete the invocation: any error fails it.
    async fn invoke(&self, config: &Value, context: &ActionContext) -> Diagnostics;
}
