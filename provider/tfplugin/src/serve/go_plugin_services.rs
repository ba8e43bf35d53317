//! go-plugin's own services beside the provider: the controller (clean
//! shutdown) and the stdio stream.

use std::pin::Pin;

use futures::Stream;
use tokio::sync::watch;
use tonic::{Request, Response, Status};

use crate::proto::plugin as go_plugin;

/// go-plugin's controller: `Shutdown` ends the process cleanly.
pub(super) struct Controller {
    pub(super) shutdown: watch::Sender<bool>,
}

#[tonic::async_trait]
impl go_plugin::grpc_controller_server::GrpcController for Controller {
    async fn shutdown(
        &self,
        _: Request<go_plugin::Empty>,
    ) -> Result<Response<go_plugin::Empty>, Status> {
        tracing::debug!("shutdown requested by the plugin host");
        self.shutdown.send_replace(true);
        Ok(Response::new(go_plugin::Empty {}))
    }
}

/// go-plugin's stdio stream. Logs go straight to stderr, so the stream
/// carries nothing; it stays open until shutdown so the host does not see
/// an early end.
pub(super) struct Stdio {
    pub(super) shutdown: watch::Receiver<bool>,
}

type StdioStream = Pin<Box<dyn Stream<Item = Result<go_plugin::StdioData, Status>> + Send>>;

#[tonic::async_trait]
impl go_plugin::grpc_stdio_server::GrpcStdio for Stdio {
    type StreamStdioStream = StdioStream;

    async fn stream_stdio(&self, _: Request<()>) -> Result<Response<StdioStream>, Status> {
        let mut shutdown = self.shutdown.clone();
        let idle = futures::stream::once(async move {
            let _ = shutdown.wait_for(|stopped| *stopped).await;
        });
        let stream = futures::StreamExt::filter_map(idle, |()| async { None });
        Ok(Response::new(Box::pin(stream)))
    }
}
