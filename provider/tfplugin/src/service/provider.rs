//! Provider-level RPC bodies: GetMetadata, GetProviderSchema,
//! GetResourceIdentitySchemas, ValidateProviderConfig, ConfigureProvider
//! and StopProvider.

use std::collections::HashMap;

use super::{Outcome, ProviderService, Reply, decode};
use crate::convert;
use crate::proto::tfplugin6 as pb;

/// What this server supports beyond the protocol's baseline.
fn server_capabilities() -> pb::ServerCapabilities {
    pb::ServerCapabilities {
        plan_destroy: true,
        get_provider_schema_optional: false,
        move_resource_state: true,
        generate_resource_config: false,
    }
}

impl ProviderService {
    pub(super) async fn metadata(&self) -> Outcome<pb::get_metadata::Response> {
        let r = &self.registry;
        Ok(Reply::new(pb::get_metadata::Response {
            server_capabilities: Some(server_capabilities()),
            resources: r
                .resources
                .keys()
                .map(|n| pb::get_metadata::ResourceMetadata {
                    type_name: n.clone(),
                })
                .collect(),
            data_sources: r
                .data_sources
                .keys()
                .map(|n| pb::get_metadata::DataSourceMetadata {
                    type_name: n.clone(),
                })
                .collect(),
            ephemeral_resources: r
                .ephemerals
                .keys()
                .map(|n| pb::get_metadata::EphemeralMetadata {
                    type_name: n.clone(),
                })
                .collect(),
            list_resources: r
                .lists
                .keys()
                .map(|n| pb::get_metadata::ListResourceMetadata {
                    type_name: n.clone(),
                })
                .collect(),
            functions: r
                .functions
                .keys()
                .map(|n| pb::get_metadata::FunctionMetadata { name: n.clone() })
                .collect(),
            actions: r
                .actions
                .keys()
                .map(|n| pb::get_metadata::ActionMetadata {
                    type_name: n.clone(),
                })
                .collect(),
            ..Default::default()
        }))
    }

    pub(super) async fn provider_schema(&self) -> Outcome<pb::get_provider_schema::Response> {
        let r = &self.registry;
        Ok(Reply::new(pb::get_provider_schema::Response {
            provider: Some(convert::schema(&r.provider_schema)),
            resource_schemas: r
                .resources
                .iter()
                .map(|(n, e)| (n.clone(), convert::schema(&e.schema)))
                .collect(),
            data_source_schemas: r
                .data_sources
                .iter()
                .map(|(n, e)| (n.clone(), convert::schema(&e.schema)))
                .collect(),
            ephemeral_resource_schemas: r
                .ephemerals
                .iter()
                .map(|(n, e)| (n.clone(), convert::schema(&e.schema)))
                .collect(),
            list_resource_schemas: r
                .lists
                .iter()
                .map(|(n, e)| (n.clone(), convert::schema(&e.schema)))
                .collect(),
            functions: r
                .functions
                .iter()
                .map(|(n, (_, signature))| (n.clone(), convert::function(signature)))
                .collect(),
            action_schemas: r
                .actions
                .iter()
                .map(|(n, e)| {
                    let schema = pb::ActionSchema {
                        schema: Some(convert::schema(&e.schema)),
                    };
                    (n.clone(), schema)
                })
                .collect(),
            server_capabilities: Some(server_capabilities()),
            ..Default::default()
        }))
    }

    pub(super) async fn identity_schemas(
        &self,
    ) -> Outcome<pb::get_resource_identity_schemas::Response> {
        let identity_schemas: HashMap<_, _> = self
            .registry
            .resources
            .iter()
            .filter_map(|(n, e)| {
                e.identity
                    .as_ref()
                    .map(|i| (n.clone(), convert::identity_schema(i)))
            })
            .collect();
        Ok(Reply::new(pb::get_resource_identity_schemas::Response {
            identity_schemas,
            diagnostics: Vec::new(),
        }))
    }

    pub(super) async fn validate_provider(
        &self,
        req: pb::validate_provider_config::Request,
    ) -> Outcome<pb::validate_provider_config::Response> {
        let config = decode(
            req.config.as_ref(),
            &self.registry.provider_ty,
            "provider configuration",
        )?;
        let diagnostics = self.registry.provider.validate_config(&config).await;
        Ok(Reply::with(Default::default(), diagnostics))
    }

    pub(super) async fn configure(
        &self,
        req: pb::configure_provider::Request,
    ) -> Outcome<pb::configure_provider::Response> {
        if let Ok(mut version) = self.terraform_version.lock() {
            version.clone_from(&req.terraform_version);
        }
        let config = decode(
            req.config.as_ref(),
            &self.registry.provider_ty,
            "provider configuration",
        )?;
        let client = self.client_info(req.client_capabilities.as_ref());
        let diagnostics = self.registry.provider.configure(&config, &client).await;
        Ok(Reply::with(Default::default(), diagnostics))
    }

    /// StopProvider: running action invocations are interrupted, later ones
    /// refused.
    pub(super) fn stop(&self) {
        self.stop.send_replace(true);
    }
}
