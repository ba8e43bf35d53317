//! Provider-level, data source, ephemeral resource, function and list
//! resource RPC bodies.

use std::collections::HashMap;

use super::{Entry, ListEvents, Outcome, ProviderService, Reply, decode, encode, unknown_type};
use crate::convert;
use crate::diag::{Diagnostic, Diagnostics};
use crate::plan;
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

fn find<'a, T: ?Sized>(
    map: &'a std::collections::BTreeMap<String, Entry<T>>,
    kind: &str,
    type_name: &str,
) -> Result<&'a Entry<T>, Diagnostics> {
    map.get(type_name)
        .ok_or_else(|| unknown_type(kind, type_name))
}

fn timestamp(at: time::OffsetDateTime) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: at.unix_timestamp(),
        nanos: i32::try_from(at.nanosecond()).unwrap_or(0),
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

    pub(super) async fn validate_data_source(
        &self,
        req: pb::validate_data_resource_config::Request,
    ) -> Outcome<pb::validate_data_resource_config::Response> {
        let entry = find(&self.registry.data_sources, "data source", &req.type_name)?;
        let config = decode(req.config.as_ref(), &entry.ty, "configuration")?;
        Ok(Reply::with(
            Default::default(),
            entry.item.validate(&config).await,
        ))
    }

    pub(super) async fn handle_read_data_source(
        &self,
        req: pb::read_data_source::Request,
    ) -> Outcome<pb::read_data_source::Response> {
        let entry = find(&self.registry.data_sources, "data source", &req.type_name)?;
        let config = decode(req.config.as_ref(), &entry.ty, "configuration")?;
        let mut state = entry.item.read(&config).await?;
        if let Some(path) = plan::first_unknown(&state) {
            return Err(Diagnostic::error(
                "Provider returned an unknown value",
                format!(
                    "Data source {} left {path} unknown. This is a bug in the provider.",
                    req.type_name
                ),
            )
            .at(path)
            .into());
        }
        plan::null_write_only(&entry.schema.block, &mut state);
        Ok(Reply::new(pb::read_data_source::Response {
            state: Some(encode(&state, &entry.ty, "data source state")?),
            ..Default::default()
        }))
    }

    pub(super) async fn validate_ephemeral(
        &self,
        req: pb::validate_ephemeral_resource_config::Request,
    ) -> Outcome<pb::validate_ephemeral_resource_config::Response> {
        let entry = find(
            &self.registry.ephemerals,
            "ephemeral resource",
            &req.type_name,
        )?;
        let config = decode(req.config.as_ref(), &entry.ty, "configuration")?;
        Ok(Reply::with(
            Default::default(),
            entry.item.validate(&config).await,
        ))
    }

    pub(super) async fn open_ephemeral(
        &self,
        req: pb::open_ephemeral_resource::Request,
    ) -> Outcome<pb::open_ephemeral_resource::Response> {
        let entry = find(
            &self.registry.ephemerals,
            "ephemeral resource",
            &req.type_name,
        )?;
        let config = decode(req.config.as_ref(), &entry.ty, "configuration")?;
        let opened = entry.item.open(&config).await?;
        Ok(Reply::new(pb::open_ephemeral_resource::Response {
            result: Some(encode(&opened.result, &entry.ty, "ephemeral result")?),
            renew_at: opened.renew_at.map(timestamp),
            private: Some(opened.private),
            ..Default::default()
        }))
    }

    pub(super) async fn renew_ephemeral(
        &self,
        req: pb::renew_ephemeral_resource::Request,
    ) -> Outcome<pb::renew_ephemeral_resource::Response> {
        let entry = find(
            &self.registry.ephemerals,
            "ephemeral resource",
            &req.type_name,
        )?;
        let private = req.private.unwrap_or_default();
        let renew_at = entry.item.renew(&private).await?;
        Ok(Reply::new(pb::renew_ephemeral_resource::Response {
            renew_at: renew_at.map(timestamp),
            private: Some(private),
            diagnostics: Vec::new(),
        }))
    }

    pub(super) async fn close_ephemeral(
        &self,
        req: pb::close_ephemeral_resource::Request,
    ) -> Outcome<pb::close_ephemeral_resource::Response> {
        let entry = find(
            &self.registry.ephemerals,
            "ephemeral resource",
            &req.type_name,
        )?;
        entry.item.close(&req.private.unwrap_or_default()).await?;
        Ok(Reply::new(Default::default()))
    }

    pub(super) async fn functions(&self) -> Outcome<pb::get_functions::Response> {
        Ok(Reply::new(pb::get_functions::Response {
            functions: self
                .registry
                .functions
                .iter()
                .map(|(n, (_, signature))| (n.clone(), convert::function(signature)))
                .collect(),
            diagnostics: Vec::new(),
        }))
    }

    pub(super) async fn handle_call_function(
        &self,
        req: pb::call_function::Request,
    ) -> Outcome<pb::call_function::Response> {
        let Some((function, signature)) = self.registry.functions.get(&req.name) else {
            return Err(unknown_type("function", &req.name));
        };
        let failed = |text: String, argument: Option<i64>| {
            Ok(Reply::new(pb::call_function::Response {
                result: None,
                error: Some(pb::FunctionError {
                    text,
                    function_argument: argument,
                }),
            }))
        };
        if req.arguments.len() < signature.parameters.len()
            || (signature.variadic.is_none() && req.arguments.len() > signature.parameters.len())
        {
            return failed(
                format!(
                    "{} takes {} argument(s), got {}",
                    req.name,
                    signature.parameters.len(),
                    req.arguments.len()
                ),
                None,
            );
        }
        let types = convert::parameter_types(signature, req.arguments.len());
        let mut arguments = Vec::with_capacity(req.arguments.len());
        for (index, (argument, ty)) in req.arguments.iter().zip(&types).enumerate() {
            match crate::wire::decode(Some(argument), ty) {
                Ok(value) => arguments.push(value),
                Err(e) => {
                    return failed(format!("invalid argument: {e}"), i64::try_from(index).ok());
                }
            }
        }
        match function.call(arguments).await {
            Ok(result) => Ok(Reply::new(pb::call_function::Response {
                result: Some(encode(&result, &signature.return_type, "function result")?),
                error: None,
            })),
            Err(error) => Ok(Reply::new(pb::call_function::Response {
                result: None,
                error: Some(convert::function_error(error)),
            })),
        }
    }

    pub(super) async fn validate_list(
        &self,
        req: pb::validate_list_resource_config::Request,
    ) -> Outcome<pb::validate_list_resource_config::Response> {
        let entry = find(&self.registry.lists, "list resource", &req.type_name)?;
        let config = decode(req.config.as_ref(), &entry.ty, "list configuration")?;
        Ok(Reply::with(
            Default::default(),
            entry.item.validate(&config).await,
        ))
    }

    pub(super) async fn list(&self, req: pb::list_resource::Request) -> Outcome<ListEvents> {
        let entry = find(&self.registry.lists, "list resource", &req.type_name)?;
        let resource = self.registry.resource(&req.type_name)?;
        let Some(identity_ty) = &resource.identity_ty else {
            return Err(unknown_type("list resource", &req.type_name));
        };
        let config = decode(req.config.as_ref(), &entry.ty, "list configuration")?;
        let found = entry
            .item
            .list(&config, req.include_resource_object, req.limit)
            .await?;
        let mut events = ListEvents::default();
        for result in found {
            let resource_object = match (req.include_resource_object, result.state) {
                (true, Some(mut state)) => {
                    plan::null_write_only(&resource.schema.block, &mut state);
                    Some(encode(&state, &resource.ty, "resource state")?)
                }
                _ => None,
            };
            events.events.push(pb::list_resource::Event {
                identity: Some(pb::ResourceIdentityData {
                    identity_data: Some(encode(
                        &result.identity,
                        identity_ty,
                        "resource identity",
                    )?),
                }),
                display_name: result.display_name,
                resource_object,
                diagnostic: Vec::new(),
            });
        }
        Ok(Reply::new(events))
    }
}
