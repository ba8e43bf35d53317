//! List resource RPC bodies: ValidateListResourceConfig and ListResource.

use super::{Outcome, ProviderService, Reply, WithDiagnostics, decode, encode, unknown_type};
use crate::convert;
use crate::diag::Diagnostics;
use crate::plan;
use crate::proto::tfplugin6 as pb;

/// The events of one ListResource call, before they become a stream.
#[derive(Default)]
pub(crate) struct ListEvents {
    pub events: Vec<pb::list_resource::Event>,
}

impl WithDiagnostics for ListEvents {
    fn add_diagnostics(&mut self, diagnostics: Diagnostics) {
        if !diagnostics.is_empty() {
            self.events.push(pb::list_resource::Event {
                diagnostic: convert::diagnostics(diagnostics),
                ..Default::default()
            });
        }
    }
}

impl ProviderService {
    pub(super) async fn validate_list(
        &self,
        req: pb::validate_list_resource_config::Request,
    ) -> Outcome<pb::validate_list_resource_config::Response> {
        let entry = self.registry.list(&req.type_name)?;
        let config = decode(req.config.as_ref(), &entry.ty, "list configuration")?;
        Ok(Reply::with(
            Default::default(),
            entry.item.validate(&config).await,
        ))
    }

    pub(super) async fn list(&self, req: pb::list_resource::Request) -> Outcome<ListEvents> {
        let entry = self.registry.list(&req.type_name)?;
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
