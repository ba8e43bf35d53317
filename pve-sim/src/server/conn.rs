//! The HTTPS listener of one node: TLS handshake, HTTP/1.1 via hyper, the
//! access log, dropped-connection faults, the node's `hang` and `down`
//! states, and graceful shutdown.

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
use crate::cluster::{NodeState, ServingNode};

/// Which node a listener serves and how it is told to change.
#[derive(Debug, Clone)]
pub struct NodeConn {
    /// Index of the node in the cluster (request extension [`ServingNode`]).
    pub index: usize,
    /// The node's state (`hang` freezes new requests and connections).
    pub state: watch::Receiver<NodeState>,
    /// `true`: the node goes down: close the listener, cut connections.
    pub stop: watch::Receiver<bool>,
}

/// Resolve once the node leaves `hang` or the simulator shuts down.
async fn until_not_hung(
    mut state: watch::Receiver<NodeState>,
    mut shutdown: watch::Receiver<bool>,
) {
    tokio::select! {
        _ = state.wait_for(|s| *s != NodeState::Hang) => {}
        _ = shutdown.wait_for(|stop| *stop) => {}
    }
}

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
    node: NodeConn,
    shutdown: watch::Receiver<bool>,
    mut req: hyper::Request<Incoming>,
) -> Result<hyper::Response<Body>, Dropped> {
    if *node.state.borrow() == NodeState::Hang {
        // A frozen node reads the request and never answers; when it
        // thaws (or goes down) the connection is gone.
        until_not_hung(node.state.clone(), shutdown).await;
        return Err(Dropped);
    }
    let request_line = format!("{} {} {:?}", req.method(), req.uri().path(), req.version());
    req.extensions_mut().insert(ConnectInfo(peer));
    req.extensions_mut().insert(ServingNode(node.index));
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
/// requests and return; or until the node's `stop` flips, then close the
/// listener and cut every connection at once (the node died).
pub async fn serve(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    app: Router,
    log: Option<Arc<AccessLog>>,
    mut shutdown: watch::Receiver<bool>,
    node: NodeConn,
) {
    let mut connections = JoinSet::new();
    let mut stop = node.stop.clone();
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
                if *node.state.borrow() == NodeState::Hang {
                    // Accept the TCP connection, never read or write a byte.
                    let (state, conn_shutdown) = (node.state.clone(), shutdown.clone());
                    connections.spawn(async move {
                        until_not_hung(state, conn_shutdown).await;
                        drop(stream);
                    });
                    continue;
                }
                let _ = stream.set_nodelay(true);
                let acceptor = acceptor.clone();
                let app = app.clone();
                let log = log.clone();
                let node = node.clone();
                let mut conn_shutdown = shutdown.clone();
                connections.spawn(async move {
                    let tls = match acceptor.accept(stream).await {
                        Ok(tls) => tls,
                        Err(e) => {
                            tracing::debug!("TLS handshake with {peer} failed: {e}");
                            return;
                        }
                    };
                    let request_shutdown = conn_shutdown.clone();
                    let service = hyper::service::service_fn(move |req| {
                        handle(app.clone(), peer, log.clone(), node.clone(), request_shutdown.clone(), req)
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
            _ = async { let _ = stop.wait_for(|stop| *stop).await; } => {
                drop(listener);
                connections.shutdown().await;
                if let Some(log) = &log {
                    log.flush();
                }
                return;
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    while connections.join_next().await.is_some() {}
    if let Some(log) = &log {
        log.flush();
    }
}
