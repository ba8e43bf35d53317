//! Ephemeral resource RPC bodies: ValidateEphemeralResourceConfig and
//! Open/Renew/CloseEphemeralResource.

use super::{Outcome, ProviderService, Reply, decode, encode};
use crate::proto::tfplugin6 as pb;

fn timestamp(at: time::OffsetDateTime) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: at.unix_timestamp(),
        nanos: i32::try_from(at.nanosecond()).unwrap_or(0),
    }
}

impl ProviderService {
    pub(super) async fn validate_ephemeral(
        &self,
        req: pb::validate_ephemeral_resource_config::Request,
    ) -> Outcome<pb::validate_ephemeral_resource_config::Response> {
        let entry = self.registry.ephemeral(&req.type_name)?;
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
        let entry = self.registry.ephemeral(&req.type_name)?;
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
        let entry = self.registry.ephemeral(&req.type_name)?;
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
        let entry = self.registry.ephemeral(&req.type_name)?;
        entry.item.close(&req.private.unwrap_or_default()).await?;
        Ok(Reply::new(Default::default()))
    }
}
