//! The generated tonic trait, implemented by handing every RPC to the shared
//! wrapper [`ProviderService::run`] with its body.

use futures::stream;
use tonic::{Request, Response, Status, Streaming};

use super::actions::InvokeEvents;
use super::unsupported::unsupported;
use super::{Outcome, ProviderService};
use crate::proto::tfplugin6 as pb;
use crate::proto::tfplugin6::provider_server::Provider as ProviderRpc;

type Reply<T> = Result<Response<T>, Status>;
type Events<T> = stream::Iter<std::vec::IntoIter<Result<T, Status>>>;

fn events<T>(items: Vec<T>) -> Events<T> {
    stream::iter(items.into_iter().map(Ok).collect::<Vec<_>>())
}

async fn fails<R>(diagnostics: crate::diag::Diagnostics) -> Outcome<R> {
    Err(diagnostics)
}

#[tonic::async_trait]
impl ProviderRpc for ProviderService {
    async fn get_metadata(
        &self,
        _: Request<pb::get_metadata::Request>,
    ) -> Reply<pb::get_metadata::Response> {
        Ok(Response::new(
            self.run("GetMetadata", "", self.metadata()).await,
        ))
    }

    async fn get_provider_schema(
        &self,
        _: Request<pb::get_provider_schema::Request>,
    ) -> Reply<pb::get_provider_schema::Response> {
        Ok(Response::new(
            self.run("GetProviderSchema", "", self.provider_schema())
                .await,
        ))
    }

    async fn validate_provider_config(
        &self,
        request: Request<pb::validate_provider_config::Request>,
    ) -> Reply<pb::validate_provider_config::Response> {
        let req = request.into_inner();
        Ok(Response::new(
            self.run("ValidateProviderConfig", "", self.validate_provider(req))
                .await,
        ))
    }

    async fn validate_resource_config(
        &self,
        request: Request<pb::validate_resource_config::Request>,
    ) -> Reply<pb::validate_resource_config::Response> {
        let req = request.into_inner();
        let name = req.type_name.clone();
        Ok(Response::new(
            self.run("ValidateResourceConfig", &name, self.validate_resource(req))
                .await,
        ))
    }

    async fn validate_data_resource_config(
        &self,
        request: Request<pb::validate_data_resource_config::Request>,
    ) -> Reply<pb::validate_data_resource_config::Response> {
        let req = request.into_inner();
        let name = req.type_name.clone();
        Ok(Response::new(
            self.run(
                "ValidateDataResourceConfig",
                &name,
                self.validate_data_source(req),
            )
            .await,
        ))
    }

    async fn upgrade_resource_state(
        &self,
        request: Request<pb::upgrade_resource_state::Request>,
    ) -> Reply<pb::upgrade_resource_state::Response> {
        let req = request.into_inner();
        let name = req.type_name.clone();
        Ok(Response::new(
            self.run("UpgradeResourceState", &name, self.upgrade_state(req))
                .await,
        ))
    }

    async fn get_resource_identity_schemas(
        &self,
        _: Request<pb::get_resource_identity_schemas::Request>,
    ) -> Reply<pb::get_resource_identity_schemas::Response> {
        Ok(Response::new(
            self.run("GetResourceIdentitySchemas", "", self.identity_schemas())
                .await,
        ))
    }

    async fn upgrade_resource_identity(
        &self,
        request: Request<pb::upgrade_resource_identity::Request>,
    ) -> Reply<pb::upgrade_resource_identity::Response> {
        let req = request.into_inner();
        let name = req.type_name.clone();
        Ok(Response::new(
            self.run("UpgradeResourceIdentity", &name, self.upgrade_identity(req))
                .await,
        ))
    }

    async fn configure_provider(
        &self,
        request: Request<pb::configure_provider::Request>,
    ) -> Reply<pb::configure_provider::Response> {
        let req = request.into_inner();
        Ok(Response::new(
            self.run("ConfigureProvider", "", self.configure(req)).await,
        ))
    }

    async fn read_resource(
        &self,
        request: Request<pb::read_resource::Request>,
    ) -> Reply<pb::read_resource::Response> {
        let req = request.into_inner();
        let name = req.type_name.clone();
        Ok(Response::new(
            self.run_or(
                "ReadResource",
                &name,
                Self::read_fallback(&req),
                self.handle_read_resource(req),
            )
            .await,
        ))
    }

    async fn plan_resource_change(
        &self,
        request: Request<pb::plan_resource_change::Request>,
    ) -> Reply<pb::plan_resource_change::Response> {
        let req = request.into_inner();
        let name = req.type_name.clone();
        Ok(Response::new(
            self.run("PlanResourceChange", &name, self.plan_resource(req))
                .await,
        ))
    }

    async fn apply_resource_change(
        &self,
        request: Request<pb::apply_resource_change::Request>,
    ) -> Reply<pb::apply_resource_change::Response> {
        let req = request.into_inner();
        let name = req.type_name.clone();
        Ok(Response::new(
            self.run_or(
                "ApplyResourceChange",
                &name,
                self.apply_fallback(&req),
                self.apply_resource(req),
            )
            .await,
        ))
    }

    async fn import_resource_state(
        &self,
        request: Request<pb::import_resource_state::Request>,
    ) -> Reply<pb::import_resource_state::Response> {
        let req = request.into_inner();
        let name = req.type_name.clone();
        Ok(Response::new(
            self.run("ImportResourceState", &name, self.import_resource(req))
                .await,
        ))
    }

    async fn move_resource_state(
        &self,
        request: Request<pb::move_resource_state::Request>,
    ) -> Reply<pb::move_resource_state::Response> {
        let req = request.into_inner();
        let name = req.target_type_name.clone();
        Ok(Response::new(
            self.run("MoveResourceState", &name, self.move_resource(req))
                .await,
        ))
    }

    async fn read_data_source(
        &self,
        request: Request<pb::read_data_source::Request>,
    ) -> Reply<pb::read_data_source::Response> {
        let req = request.into_inner();
        let name = req.type_name.clone();
        Ok(Response::new(
            self.run("ReadDataSource", &name, self.handle_read_data_source(req))
                .await,
        ))
    }

    async fn generate_resource_config(
        &self,
        request: Request<pb::generate_resource_config::Request>,
    ) -> Reply<pb::generate_resource_config::Response> {
        let name = request.into_inner().type_name;
        let body = fails(unsupported("configuration generation", &name));
        Ok(Response::new(
            self.run("GenerateResourceConfig", &name, body).await,
        ))
    }

    async fn validate_ephemeral_resource_config(
        &self,
        request: Request<pb::validate_ephemeral_resource_config::Request>,
    ) -> Reply<pb::validate_ephemeral_resource_config::Response> {
        let req = request.into_inner();
        let name = req.type_name.clone();
        Ok(Response::new(
            self.run(
                "ValidateEphemeralResourceConfig",
                &name,
                self.validate_ephemeral(req),
            )
            .await,
        ))
    }

    async fn open_ephemeral_resource(
        &self,
        request: Request<pb::open_ephemeral_resource::Request>,
    ) -> Reply<pb::open_ephemeral_resource::Response> {
        let req = request.into_inner();
        let name = req.type_name.clone();
        Ok(Response::new(
            self.run("OpenEphemeralResource", &name, self.open_ephemeral(req))
                .await,
        ))
    }

    async fn renew_ephemeral_resource(
        &self,
        request: Request<pb::renew_ephemeral_resource::Request>,
    ) -> Reply<pb::renew_ephemeral_resource::Response> {
        let req = request.into_inner();
        let name = req.type_name.clone();
        Ok(Response::new(
            self.run("RenewEphemeralResource", &name, self.renew_ephemeral(req))
                .await,
        ))
    }

    async fn close_ephemeral_resource(
        &self,
        request: Request<pb::close_ephemeral_resource::Request>,
    ) -> Reply<pb::close_ephemeral_resource::Response> {
        let req = request.into_inner();
        let name = req.type_name.clone();
        Ok(Response::new(
            self.run("CloseEphemeralResource", &name, self.close_ephemeral(req))
                .await,
        ))
    }

    type ListResourceStream = Events<pb::list_resource::Event>;

    async fn list_resource(
        &self,
        request: Request<pb::list_resource::Request>,
    ) -> Reply<Self::ListResourceStream> {
        let req = request.into_inner();
        let name = req.type_name.clone();
        let outcome = self.run("ListResource", &name, self.list(req)).await;
        Ok(Response::new(events(outcome.events)))
    }

    async fn validate_list_resource_config(
        &self,
        request: Request<pb::validate_list_resource_config::Request>,
    ) -> Reply<pb::validate_list_resource_config::Response> {
        let req = request.into_inner();
        let name = req.type_name.clone();
        Ok(Response::new(
            self.run("ValidateListResourceConfig", &name, self.validate_list(req))
                .await,
        ))
    }

    async fn get_functions(
        &self,
        _: Request<pb::get_functions::Request>,
    ) -> Reply<pb::get_functions::Response> {
        Ok(Response::new(
            self.run("GetFunctions", "", self.functions()).await,
        ))
    }

    async fn call_function(
        &self,
        request: Request<pb::call_function::Request>,
    ) -> Reply<pb::call_function::Response> {
        let req = request.into_inner();
        let name = req.name.clone();
        Ok(Response::new(
            self.run("CallFunction", &name, self.handle_call_function(req))
                .await,
        ))
    }

    async fn validate_state_store_config(
        &self,
        request: Request<pb::validate_state_store::Request>,
    ) -> Reply<pb::validate_state_store::Response> {
        let name = request.into_inner().type_name;
        let body = fails(unsupported("state stores", &name));
        Ok(Response::new(
            self.run("ValidateStateStoreConfig", &name, body).await,
        ))
    }

    async fn configure_state_store(
        &self,
        request: Request<pb::configure_state_store::Request>,
    ) -> Reply<pb::configure_state_store::Response> {
        let name = request.into_inner().type_name;
        let body = fails(unsupported("state stores", &name));
        Ok(Response::new(
            self.run("ConfigureStateStore", &name, body).await,
        ))
    }

    type ReadStateBytesStream = Events<pb::read_state_bytes::Response>;

    async fn read_state_bytes(
        &self,
        request: Request<pb::read_state_bytes::Request>,
    ) -> Reply<Self::ReadStateBytesStream> {
        let name = request.into_inner().type_name;
        let body = fails(unsupported("state stores", &name));
        let response = self.run("ReadStateBytes", &name, body).await;
        Ok(Response::new(events(vec![response])))
    }

    async fn write_state_bytes(
        &self,
        _: Request<Streaming<pb::write_state_bytes::RequestChunk>>,
    ) -> Reply<pb::write_state_bytes::Response> {
        let body = fails(unsupported("state stores", ""));
        Ok(Response::new(self.run("WriteStateBytes", "", body).await))
    }

    async fn lock_state(
        &self,
        request: Request<pb::lock_state::Request>,
    ) -> Reply<pb::lock_state::Response> {
        let name = request.into_inner().type_name;
        let body = fails(unsupported("state stores", &name));
        Ok(Response::new(self.run("LockState", &name, body).await))
    }

    async fn unlock_state(
        &self,
        request: Request<pb::unlock_state::Request>,
    ) -> Reply<pb::unlock_state::Response> {
        let name = request.into_inner().type_name;
        let body = fails(unsupported("state stores", &name));
        Ok(Response::new(self.run("UnlockState", &name, body).await))
    }

    async fn get_states(
        &self,
        request: Request<pb::get_states::Request>,
    ) -> Reply<pb::get_states::Response> {
        let name = request.into_inner().type_name;
        let body = fails(unsupported("state stores", &name));
        Ok(Response::new(self.run("GetStates", &name, body).await))
    }

    async fn delete_state(
        &self,
        request: Request<pb::delete_state::Request>,
    ) -> Reply<pb::delete_state::Response> {
        let name = request.into_inner().type_name;
        let body = fails(unsupported("state stores", &name));
        Ok(Response::new(self.run("DeleteState", &name, body).await))
    }

    async fn plan_action(
        &self,
        request: Request<pb::plan_action::Request>,
    ) -> Reply<pb::plan_action::Response> {
        let req = request.into_inner();
        let name = req.action_type.clone();
        Ok(Response::new(
            self.run("PlanAction", &name, self.handle_plan_action(req))
                .await,
        ))
    }

    type InvokeActionStream = InvokeEvents;

    async fn invoke_action(
        &self,
        request: Request<pb::invoke_action::Request>,
    ) -> Reply<Self::InvokeActionStream> {
        Ok(Response::new(
            self.handle_invoke_action(request.into_inner()),
        ))
    }

    async fn validate_action_config(
        &self,
        request: Request<pb::validate_action_config::Request>,
    ) -> Reply<pb::validate_action_config::Response> {
        let req = request.into_inner();
        let name = req.type_name.clone();
        Ok(Response::new(
            self.run("ValidateActionConfig", &name, self.validate_action(req))
                .await,
        ))
    }

    async fn stop_provider(
        &self,
        _: Request<pb::stop_provider::Request>,
    ) -> Reply<pb::stop_provider::Response> {
        // Only action invocations are long-running; they are interrupted.
        // Every other call runs to completion within Terraform's timeouts.
        tracing::debug!(rpc = "StopProvider", "received request");
        self.stop();
        Ok(Response::new(pb::stop_provider::Response {
            error: String::new(),
        }))
    }
}
