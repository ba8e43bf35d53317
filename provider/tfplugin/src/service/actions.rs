//! Action RPC bodies (protocol 6.10, Terraform ≥ 1.14): ValidateActionConfig,
//! PlanAction, and InvokeAction with its stream of progress events that ends
//! in one `Completed` event carrying the diagnostics.
//!
//! An invocation runs in its own task so that progress reaches Terraform
//! while the action works. It is dropped (interrupting in-flight work) when
//! Terraform sends StopProvider or stops reading the stream; the completion
//! then says so.

use std::sync::Arc;

use tokio::sync::{mpsc, watch};
use tokio_stream::wrappers::UnboundedReceiverStream;
use tonic::Status;

use super::{Outcome, ProviderService, Registry, Reply, WithDiagnostics, decode, run};
use crate::convert;
use crate::diag::{Diagnostic, Diagnostics};
use crate::plan;
use crate::proto::tfplugin6 as pb;
use crate::provider::ActionContext;

/// The event stream of one InvokeAction call.
pub(crate) type InvokeEvents = UnboundedReceiverStream<Result<pb::invoke_action::Event, Status>>;

type EventSender = mpsc::UnboundedSender<Result<pb::invoke_action::Event, Status>>;

impl WithDiagnostics for pb::invoke_action::event::Completed {
    fn add_diagnostics(&mut self, diagnostics: Diagnostics) {
        self.diagnostics.extend(convert::diagnostics(diagnostics));
    }
}

fn progress_event(message: String) -> pb::invoke_action::Event {
    pb::invoke_action::Event {
        r#type: Some(pb::invoke_action::event::Type::Progress(
            pb::invoke_action::event::Progress { message },
        )),
    }
}

fn completed_event(completed: pb::invoke_action::event::Completed) -> pb::invoke_action::Event {
    pb::invoke_action::Event {
        r#type: Some(pb::invoke_action::event::Type::Completed(completed)),
    }
}

impl ProviderService {
    pub(super) async fn validate_action(
        &self,
        req: pb::validate_action_config::Request,
    ) -> Outcome<pb::validate_action_config::Response> {
        let entry = self.registry.action(&req.type_name)?;
        let config = decode(req.config.as_ref(), &entry.ty, "action configuration")?;
        Ok(Reply::with(
            Default::default(),
            entry.item.validate(&config).await,
        ))
    }

    pub(super) async fn handle_plan_action(
        &self,
        req: pb::plan_action::Request,
    ) -> Outcome<pb::plan_action::Response> {
        let entry = self.registry.action(&req.action_type)?;
        let config = decode(req.config.as_ref(), &entry.ty, "action configuration")?;
        let client = self.client_info(req.client_capabilities.as_ref());
        Ok(Reply::with(
            Default::default(),
            entry.item.plan(&config, &client).await,
        ))
    }

    /// Starts an invocation and returns its event stream at once.
    pub(super) fn handle_invoke_action(&self, req: pb::invoke_action::Request) -> InvokeEvents {
        let (events, stream) = mpsc::unbounded_channel();
        let registry = Arc::clone(&self.registry);
        let stop = self.stop.subscribe();
        tokio::spawn(drive_invocation(registry, req, stop, events));
        UnboundedReceiverStream::new(stream)
    }
}

/// Runs one invocation through the shared wrapper, forwarding progress lines
/// as they come and the completion last.
async fn drive_invocation(
    registry: Arc<Registry>,
    req: pb::invoke_action::Request,
    stop: watch::Receiver<bool>,
    events: EventSender,
) {
    let name = req.action_type.clone();
    let (progress, mut progress_lines) = mpsc::unbounded_channel::<String>();
    let context = ActionContext::new(progress, stop);
    let completion = run(
        "InvokeAction",
        &name,
        invoke(&registry, req, &context, &events),
    );
    tokio::pin!(completion);
    let completed = loop {
        tokio::select! {
            biased;
            Some(line) = progress_lines.recv() => {
                let _ = events.send(Ok(progress_event(line)));
            }
            completed = &mut completion => break completed,
        }
    };
    // Lines sent just before the action returned still precede the end.
    while let Ok(line) = progress_lines.try_recv() {
        let _ = events.send(Ok(progress_event(line)));
    }
    // The receiver may be gone (Terraform hung up): nothing left to tell.
    let _ = events.send(Ok(completed_event(completed)));
}

async fn invoke(
    registry: &Registry,
    req: pb::invoke_action::Request,
    context: &ActionContext,
    events: &EventSender,
) -> Outcome<pb::invoke_action::event::Completed> {
    let entry = registry.action(&req.action_type)?;
    let config = decode(req.config.as_ref(), &entry.ty, "action configuration")?;
    if let Some(path) = plan::first_unknown(&config) {
        return Err(Diagnostic::error(
            "Action configuration not known",
            format!(
                "{path} of action {} is only known after apply, but an action runs with known values. \
                 Run it after the values it depends on exist (e.g. from a later apply).",
                req.action_type
            ),
        )
        .at(path)
        .into());
    }
    if context.is_stopped() {
        return Err(stopped(&req.action_type));
    }
    tokio::select! {
        diagnostics = entry.item.invoke(&config, context) => {
            Ok(Reply::with(Default::default(), diagnostics))
        }
        () = context.stopped() => Err(stopped(&req.action_type)),
        () = events.closed() => Err(Diagnostics::error(
            "Action interrupted",
            format!("Terraform stopped listening while action {} was running; it was interrupted.", req.action_type),
        )),
    }
}

fn stopped(action_type: &str) -> Diagnostics {
    Diagnostics::error(
        "Action interrupted",
        format!(
            "Terraform asked the provider to stop while action {action_type} was running, so it was \
             interrupted and may have done part of its work. Check the result, then invoke it again."
        ),
    )
}
