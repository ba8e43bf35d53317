//! The tfplugin6 `Provider` gRPC service: a registry of the provider's
//! types and one shared wrapper every RPC runs through. The tonic trait impl
//! in [`dispatch`] only hands each RPC to the wrapper with its body; the
//! bodies live in one module per protocol area.

mod actions;
mod data_sources;
mod dispatch;
mod ephemeral;
mod functions;
mod list;
mod provider;
mod resources;
mod unsupported;

use std::collections::BTreeMap;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use futures::FutureExt;

use crate::codec::CodecError;
use crate::convert;
use crate::diag::{Diagnostics, Severity};
use crate::proto::tfplugin6 as pb;
use crate::provider::{
    Action, ClientInfo, DataSource, EphemeralResource, Function, FunctionSignature, ListResource,
    Provider, Resource,
};
use crate::schema::{IdentitySchema, Schema};
use crate::value::{Type, Value};
use crate::wire;

/// A managed resource type with its schemas computed once.
pub(crate) struct ResourceEntry {
    pub resource: Arc<dyn Resource>,
    pub schema: Schema,
    pub ty: Type,
    pub identity: Option<IdentitySchema>,
    pub identity_ty: Option<Type>,
}

/// A type with a plain schema (data source, ephemeral or list resource).
pub(crate) struct Entry<T: ?Sized> {
    pub item: Arc<T>,
    pub schema: Schema,
    pub ty: Type,
}

/// Everything the provider offers, keyed by type name. Built once at start.
pub(crate) struct Registry {
    pub provider: Arc<dyn Provider>,
    pub provider_schema: Schema,
    pub provider_ty: Type,
    pub resources: BTreeMap<String, ResourceEntry>,
    pub data_sources: BTreeMap<String, Entry<dyn DataSource>>,
    pub ephemerals: BTreeMap<String, Entry<dyn EphemeralResource>>,
    pub lists: BTreeMap<String, Entry<dyn ListResource>>,
    pub functions: BTreeMap<String, (Arc<dyn Function>, FunctionSignature)>,
    pub actions: BTreeMap<String, Entry<dyn Action>>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("provider", &self.provider.type_name())
            .field("resources", &self.resources.keys().collect::<Vec<_>>())
            .field(
                "data_sources",
                &self.data_sources.keys().collect::<Vec<_>>(),
            )
            .field("ephemerals", &self.ephemerals.keys().collect::<Vec<_>>())
            .field("lists", &self.lists.keys().collect::<Vec<_>>())
            .field("functions", &self.functions.keys().collect::<Vec<_>>())
            .field("actions", &self.actions.keys().collect::<Vec<_>>())
            .finish()
    }
}

fn insert_unique<V>(
    map: &mut BTreeMap<String, V>,
    kind: &str,
    name: &str,
    value: V,
) -> Result<(), String> {
    if map.insert(name.to_owned(), value).is_some() {
        return Err(format!("the provider declares {kind} {name:?} twice"));
    }
    Ok(())
}

/// The [`Entry`]s of one kind of type, keyed by name; a name declared twice
/// is an error.
fn entries<T: ?Sized>(
    kind: &str,
    items: Vec<Arc<T>>,
    describe: impl Fn(&T) -> (String, Schema),
) -> Result<BTreeMap<String, Entry<T>>, String> {
    let mut map = BTreeMap::new();
    for item in items {
        let (name, schema) = describe(&item);
        let entry = Entry {
            ty: schema.value_type(),
            schema,
            item,
        };
        insert_unique(&mut map, kind, &name, entry)?;
    }
    Ok(map)
}

impl Registry {
    /// Collects the provider's types; a name declared twice is an error.
    pub(crate) fn new(provider: Arc<dyn Provider>) -> Result<Self, String> {
        let provider_schema = provider.schema();
        let mut registry = Registry {
            provider_ty: provider_schema.value_type(),
            provider_schema,
            provider: Arc::clone(&provider),
            resources: BTreeMap::new(),
            data_sources: BTreeMap::new(),
            ephemerals: BTreeMap::new(),
            lists: BTreeMap::new(),
            functions: BTreeMap::new(),
            actions: BTreeMap::new(),
        };
        for resource in provider.resources() {
            let schema = resource.schema();
            let identity = resource.identity_schema();
            let name = resource.type_name().to_owned();
            let entry = ResourceEntry {
                ty: schema.value_type(),
                identity_ty: identity.as_ref().map(IdentitySchema::value_type),
                schema,
                identity,
                resource,
            };
            insert_unique(&mut registry.resources, "resource type", &name, entry)?;
        }
        registry.data_sources = entries("data source", provider.data_sources(), |d| {
            (d.type_name().to_owned(), d.schema())
        })?;
        registry.ephemerals = entries("ephemeral resource", provider.ephemeral_resources(), |e| {
            (e.type_name().to_owned(), e.schema())
        })?;
        registry.lists = entries("list resource", provider.list_resources(), |l| {
            (l.type_name().to_owned(), l.schema())
        })?;
        if let Some(name) = registry.lists.keys().find(|name| {
            registry
                .resources
                .get(*name)
                .is_none_or(|r| r.identity.is_none())
        }) {
            return Err(format!(
                "list resource {name:?} needs a managed resource of the same name with an identity schema"
            ));
        }
        for function in provider.functions() {
            let name = function.name().to_owned();
            let signature = function.signature();
            insert_unique(
                &mut registry.functions,
                "function",
                &name,
                (function, signature),
            )?;
        }
        registry.actions = entries("action", provider.actions(), |a| {
            (a.type_name().to_owned(), a.schema())
        })?;
        Ok(registry)
    }

    pub(crate) fn resource(&self, type_name: &str) -> Result<&ResourceEntry, Diagnostics> {
        self.resources
            .get(type_name)
            .ok_or_else(|| unknown_type("resource type", type_name))
    }

    pub(crate) fn data_source(
        &self,
        type_name: &str,
    ) -> Result<&Entry<dyn DataSource>, Diagnostics> {
        find(&self.data_sources, "data source", type_name)
    }

    pub(crate) fn ephemeral(
        &self,
        type_name: &str,
    ) -> Result<&Entry<dyn EphemeralResource>, Diagnostics> {
        find(&self.ephemerals, "ephemeral resource", type_name)
    }

    pub(crate) fn list(&self, type_name: &str) -> Result<&Entry<dyn ListResource>, Diagnostics> {
        find(&self.lists, "list resource", type_name)
    }

    pub(crate) fn action(&self, type_name: &str) -> Result<&Entry<dyn Action>, Diagnostics> {
        find(&self.actions, "action", type_name)
    }
}

/// The entry of a plain-schema type, or an "unknown type" error naming
/// `kind`.
fn find<'a, T: ?Sized>(
    map: &'a BTreeMap<String, Entry<T>>,
    kind: &str,
    type_name: &str,
) -> Result<&'a Entry<T>, Diagnostics> {
    map.get(type_name)
        .ok_or_else(|| unknown_type(kind, type_name))
}

fn unknown_type(kind: &str, type_name: &str) -> Diagnostics {
    Diagnostics::error(
        format!("Unknown {kind}"),
        format!(
            "This provider has no {kind} named {type_name:?}. Check the type name, or upgrade the provider."
        ),
    )
}

/// A response plus the diagnostics (e.g. warnings) to send with it.
pub(crate) struct Reply<R> {
    pub response: R,
    pub diagnostics: Diagnostics,
}

impl<R> Reply<R> {
    pub(crate) fn new(response: R) -> Self {
        Self {
            response,
            diagnostics: Diagnostics::new(),
        }
    }

    pub(crate) fn with(response: R, diagnostics: Diagnostics) -> Self {
        Self {
            response,
            diagnostics,
        }
    }
}

/// What an RPC body produces: a reply, or only diagnostics (the response is
/// then the message's empty default).
pub(crate) type Outcome<R> = Result<Reply<R>, Diagnostics>;

/// A response message that carries diagnostics.
pub(crate) trait WithDiagnostics: Default {
    fn add_diagnostics(&mut self, diagnostics: Diagnostics);
}

macro_rules! with_diagnostics {
    ($($module:ident :: $message:ident . $field:ident),* $(,)?) => {
        $(impl WithDiagnostics for pb::$module::$message {
            fn add_diagnostics(&mut self, diagnostics: Diagnostics) {
                self.$field.extend(convert::diagnostics(diagnostics));
            }
        })*
    };
}

with_diagnostics!(
    get_metadata::Response.diagnostics,
    get_provider_schema::Response.diagnostics,
    validate_provider_config::Response.diagnostics,
    validate_resource_config::Response.diagnostics,
    validate_data_resource_config::Response.diagnostics,
    upgrade_resource_state::Response.diagnostics,
    get_resource_identity_schemas::Response.diagnostics,
    upgrade_resource_identity::Response.diagnostics,
    configure_provider::Response.diagnostics,
    read_resource::Response.diagnostics,
    plan_resource_change::Response.diagnostics,
    apply_resource_change::Response.diagnostics,
    import_resource_state::Response.diagnostics,
    move_resource_state::Response.diagnostics,
    read_data_source::Response.diagnostics,
    generate_resource_config::Response.diagnostics,
    validate_ephemeral_resource_config::Response.diagnostics,
    open_ephemeral_resource::Response.diagnostics,
    renew_ephemeral_resource::Response.diagnostics,
    close_ephemeral_resource::Response.diagnostics,
    validate_list_resource_config::Response.diagnostics,
    get_functions::Response.diagnostics,
    validate_state_store::Response.diagnostics,
    configure_state_store::Response.diagnostics,
    read_state_bytes::Response.diagnostics,
    write_state_bytes::Response.diagnostics,
    lock_state::Response.diagnostics,
    unlock_state::Response.diagnostics,
    get_states::Response.diagnostics,
    delete_state::Response.diagnostics,
    plan_action::Response.diagnostics,
    validate_action_config::Response.diagnostics,
);

/// The gRPC service object.
pub(crate) struct ProviderService {
    registry: Arc<Registry>,
    /// From ConfigureProvider; handed to plan modifiers.
    terraform_version: Mutex<String>,
    /// Set once by StopProvider; running actions watch it.
    stop: tokio::sync::watch::Sender<bool>,
}

impl ProviderService {
    pub(crate) fn new(registry: Arc<Registry>) -> Self {
        Self {
            registry,
            terraform_version: Mutex::new(String::new()),
            stop: tokio::sync::watch::channel(false).0,
        }
    }

    /// The shared wrapper, see [`run`].
    pub(crate) async fn run<R, F>(&self, rpc: &'static str, type_name: &str, body: F) -> R
    where
        R: WithDiagnostics,
        F: Future<Output = Outcome<R>>,
    {
        run(rpc, type_name, body).await
    }

    /// The shared wrapper with the response to send when the body fails or
    /// panics, see [`run_or`].
    pub(crate) async fn run_or<R, F>(
        &self,
        rpc: &'static str,
        type_name: &str,
        fallback: R,
        body: F,
    ) -> R
    where
        R: WithDiagnostics,
        F: Future<Output = Outcome<R>>,
    {
        run_or(rpc, type_name, fallback, body).await
    }
}

/// The shared wrapper: runs an RPC body, turns failures (and panics) into
/// error diagnostics on the response, and logs the call without values.
pub(crate) async fn run<R, F>(rpc: &'static str, type_name: &str, body: F) -> R
where
    R: WithDiagnostics,
    F: Future<Output = Outcome<R>>,
{
    run_or(rpc, type_name, R::default(), body).await
}

/// [`run`] with the response to send when the body fails or panics. For
/// ApplyResourceChange and ReadResource that must carry a state: a reply
/// without one reads as "the object is gone", and Terraform would forget an
/// object that exists.
pub(crate) async fn run_or<R, F>(rpc: &'static str, type_name: &str, fallback: R, body: F) -> R
where
    R: WithDiagnostics,
    F: Future<Output = Outcome<R>>,
{
    let started = Instant::now();
    tracing::debug!(rpc, type_name, "received request");
    let (mut response, diagnostics) = match AssertUnwindSafe(body).catch_unwind().await {
        Ok(Ok(reply)) => (reply.response, reply.diagnostics),
        Ok(Err(diagnostics)) => (fallback, diagnostics),
        Err(_) => (
            fallback,
            Diagnostics::error(
                "Provider internal error",
                format!(
                    "The provider crashed while handling {rpc} for {type_name:?}. This is a bug in the \
                         provider; please report it with the steps that led here."
                ),
            ),
        ),
    };
    let errors = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let warnings = diagnostics.len() - errors;
    let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    if errors > 0 {
        tracing::warn!(
            rpc,
            type_name,
            elapsed_ms,
            errors,
            warnings,
            "request failed"
        );
    } else {
        tracing::debug!(
            rpc,
            type_name,
            elapsed_ms,
            errors,
            warnings,
            "served request"
        );
    }
    response.add_diagnostics(diagnostics);
    response
}

impl ProviderService {
    fn client_info(&self, capabilities: Option<&pb::ClientCapabilities>) -> ClientInfo {
        let version = self
            .terraform_version
            .lock()
            .map(|v| v.clone())
            .unwrap_or_default();
        convert::client_info(&version, capabilities)
    }
}

/// Decodes a value, naming what it was on failure.
pub(crate) fn decode(
    value: Option<&pb::DynamicValue>,
    ty: &Type,
    what: &str,
) -> Result<Value, Diagnostics> {
    wire::decode(value, ty)
        .map_err(|e| codec_error(e, &format!("Invalid {what} received from Terraform")))
}

/// Encodes a value, naming what it was on failure.
pub(crate) fn encode(
    value: &Value,
    ty: &Type,
    what: &str,
) -> Result<pb::DynamicValue, Diagnostics> {
    wire::encode(value, ty)
        .map_err(|e| codec_error(e, &format!("Provider produced an invalid {what}")))
}

pub(crate) fn codec_error(error: CodecError, summary: &str) -> Diagnostics {
    Diagnostics::from(error.to_diagnostic(summary))
}
