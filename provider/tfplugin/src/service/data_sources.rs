//! Data source RPC bodies: ValidateDataResourceConfig and ReadDataSource.

use super::{Outcome, ProviderService, Reply, decode, encode};
use crate::diag::Diagnostic;
use crate::plan;
use crate::proto::tfplugin6 as pb;

impl ProviderService {
    pub(super) async fn validate_data_source(
        &self,
        req: pb::validate_data_resource_config::Request,
    ) -> Outcome<pb::validate_data_resource_config::Response> {
        let entry = self.registry.data_source(&req.type_name)?;
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
        let entry = self.registry.data_source(&req.type_name)?;
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
}
