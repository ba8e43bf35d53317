//! The HTTPS listener: TLS handshake, HTTP/1.1 via hyper, the access log,
//! dropped-connection faults and graceful shutdown.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::body::HttpBody as _;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt as _;

use crate::access_log::{AccessLog, LogEntry};
use crate::api::auth::LoggedUser;
use crate::api::error::DropConnection;

/// Error returned to hyper to make it close the connection unanswered.
#[derive(Debug)]
struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by fault injection")
    }
}

impl std::error::Error for Dropped {}

async fn handle(
    app: Router,
    peer: SocketAddr,
    log: Option<Arc<AccessLog>>,
    mut req: hyper::Request<Incoming>,
) -> Result<hyper::Response<Body>, Dropped> {
    let request_line = format!("{} {} {:?}", req.method(), req.uri().path(), req.version());
    req.extensions_mut().insert(ConnectInfo(peer));
    let response = match app.oneshot(req.map(Body::new)).await {
        Ok(response) => response,
        Err(never) => match never {},
    };
    if let Some(log) = &log {
        let userid = response
            .extensions()
            .get::<LoggedUser>()
            .map(|u| u.0.as_str());
        log.write(&LogEntry {
            client: peer.ip(),
            userid,
            time: time::OffsetDateTime::now_utc(),
            request_line: &request_line,
            status: response.status().as_u16(),
            length: response.body().size_hint().exact(),
        });
    }
    if response.extensions().get::<DropConnection>().is_some() {
        return Err(Dropped);
    }
    Ok(response)
}

/// Accept connections until `shutdown` flips, then finish in-flight
/// requests and return.
pub async fn serve(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    app: Router,
    log: Option<Arc<AccessLog>>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(pair) => pair,
                    Err(e) => {
                        tracing::warn!("accept failed: {e}");
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let acceptor = acceptor.clone();
                let app = app.clone();
                let log = log.clone();
                let mut conn_shutdown = shutdown.clone();
                connections.spawn(async move {
                    let tls = match acceptor.accept(stream).await {
                        Ok(tls) => tls,
                        Err(e) => {
                            tracing::debug!("TLS handshake with {peer} failed: {e}");
                            return;
                        }
                    };
                    let service = hyper::service::service_fn(move |req| {
                        handle(app.clone(), peer, log.clone(), req)
                    });
                    let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
                    let conn = builder.serve_connection(TokioIo::new(tls), service);
                    tokio::pin!(conn);
                    tokio::select! {
                        result = conn.as_mut() => {
                            if let Err(e) = result {
                                tracing::debug!("connection from {peer} ended: {e}");
                            }
                        }
                        _ = async { let _ = conn_shutdown.wait_for(|stop| *stop).await; } => {
                            conn.as_mut().graceful_shutdown();
                            let _ = conn.await;
                        }
                    }
                });
            }
            _ = async { let _ = shutdown.wait_for(|stop| *stop).await; } => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    while connections.join_next().await.is_some() {}
    if let Some(log) = &log {
        log.flush();
    }
}
