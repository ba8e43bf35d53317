//! Serving: the listener, optional mutual TLS, the gRPC services (the
//! provider, go-plugin's controller and stdio, health) and shutdown.

use std::future::Future;
use std::io;
#[cfg(unix)]
use std::path::Path;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;

mod connection;
mod go_plugin_services;

use connection::{SocketFile, accept_loop, bind};
use go_plugin_services::{Controller, Stdio};

use crate::handshake;
use crate::proto::plugin as go_plugin;
use crate::proto::tfplugin6::provider_server::ProviderServer;
use crate::provider::Provider;
use crate::service::{ProviderService, Registry};
use crate::tls::{PinnedClientCert, ServerIdentity, TlsError};
use crate::transport::{ListenAddress, Listener, Transport};

/// Terraform allows messages up to 256 MiB each way (large plans and states).
const MAX_MESSAGE_SIZE: usize = 256 << 20;
/// After a shutdown request, in-flight calls get this long to finish.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

/// How to serve the provider.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    /// The provider's source address, e.g. `registry.terraform.io/pve-rs/pve`
    /// (used in debug mode's `TF_REATTACH_PROVIDERS`).
    pub provider_address: String,
    /// Serve without Terraform launching the process, for debuggers: no
    /// magic cookie, no TLS; prints the `TF_REATTACH_PROVIDERS` value.
    pub debug: bool,
    /// Install the hclog JSON logger on stderr (level from `TF_LOG_PROVIDER`
    /// / `TF_LOG`). Turn off to install your own subscriber.
    pub install_logging: bool,
    /// Unix socket or loopback TCP. `None` reads
    /// [`TRANSPORT_ENV`](crate::transport::TRANSPORT_ENV) when serving
    /// (unset: unix sockets where the platform has them, TCP elsewhere).
    pub transport: Option<Transport>,
}

impl ServeOptions {
    /// Normal plugin mode with logging installed.
    pub fn new(provider_address: impl Into<String>) -> Self {
        Self {
            provider_address: provider_address.into(),
            debug: false,
            install_logging: true,
            transport: None,
        }
    }

    /// Options from the process arguments: `--debug` turns on debug mode.
    /// Any other argument is a usage error.
    pub fn from_args(provider_address: impl Into<String>) -> Result<Self, ServeError> {
        Self::from_arg_list(provider_address, std::env::args().skip(1))
    }

    fn from_arg_list(
        provider_address: impl Into<String>,
        args: impl IntoIterator<Item = String>,
    ) -> Result<Self, ServeError> {
        let mut options = Self::new(provider_address);
        for arg in args {
            match arg.as_str() {
                "--debug" | "-debug" => options.debug = true,
                other => {
                    return Err(ServeError::Usage(format!(
                        "unknown argument {other:?}; the only option is --debug (serve for a debugger \
                         and print TF_REATTACH_PROVIDERS)"
                    )));
                }
            }
        }
        Ok(options)
    }
}

/// Why the provider could not be served.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(
        "This binary is a plugin for Terraform and OpenTofu. It is not meant to be run directly: \
         declare the provider in a configuration and run `terraform init` / `terraform plan`, \
         which start it automatically. (To attach a debugger, run it with --debug.)"
    )]
    NotLaunchedByTerraform,
    #[error(
        "this provider speaks plugin protocol version 6, but Terraform offered only {offered:?}; \
         use Terraform 1.0 or later"
    )]
    ProtocolVersion { offered: String },
    #[error("{0}")]
    Usage(String),
    #[error("invalid provider definition: {0}")]
    Provider(String),
    #[error("could not listen on a unix socket in {dir}: {source}")]
    Listen { dir: PathBuf, source: io::Error },
    #[error(
        "could not listen on 127.0.0.1 on any port from {min} to {max} \
         (PLUGIN_MIN_PORT..PLUGIN_MAX_PORT): {source}"
    )]
    ListenTcp {
        min: u16,
        max: u16,
        source: io::Error,
    },
    #[error(transparent)]
    Tls(#[from] TlsError),
    /// The gRPC server failed; the transport's own error is the boxed source.
    #[error("gRPC server failed: {0}")]
    Transport(#[source] crate::BoxError),
    #[error("the server task stopped unexpectedly: {0}")]
    Crashed(String),
    #[error("could not write the handshake: {0}")]
    Stdout(io::Error),
}

/// Serves `provider` until Terraform asks the plugin to shut down (or, in
/// debug mode, until Ctrl-C).
///
/// Started by Terraform: checks the magic cookie and protocol version,
/// listens on a unix socket (in `PLUGIN_UNIX_SOCKET_DIR` or the temp dir) or,
/// where there are none or when `TFPLUGIN_TRANSPORT=tcp`, on a loopback TCP
/// port within `PLUGIN_MIN_PORT..=PLUGIN_MAX_PORT`,
/// enables mutual TLS when `PLUGIN_CLIENT_CERT` is set, and prints the
/// handshake line as the only stdout output. SIGINT is ignored, as go-plugin
/// servers do (Terraform handles Ctrl-C and then shuts plugins down); SIGTERM
/// stops the server.
pub async fn serve(provider: Arc<dyn Provider>, options: ServeOptions) -> Result<(), ServeError> {
    if options.install_logging {
        crate::logging::init();
    }
    let registry = Arc::new(Registry::new(provider).map_err(ServeError::Provider)?);
    let transport = match options.transport {
        Some(transport) => transport,
        None => Transport::from_env()?,
    };
    if options.debug {
        return serve_debug(registry, &options, transport).await;
    }
    handshake::check_magic_cookie(std::env::var(handshake::MAGIC_COOKIE_KEY).ok().as_deref())?;
    handshake::negotiate_protocol(std::env::var("PLUGIN_PROTOCOL_VERSIONS").ok().as_deref())?;
    let client_cert = match std::env::var("PLUGIN_CLIENT_CERT") {
        Ok(pem) if !pem.trim().is_empty() => Some(PinnedClientCert::from_pem(&pem)?),
        _ => None,
    };
    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    let running = start_transport(
        transport,
        registry,
        client_cert,
        shutdown_tx.clone(),
        shutdown_rx,
    )
    .await?;

    print_stdout(&running.handshake_line)?;
    tracing::info!(
        network = running.address.network(),
        address = %running.address.address(),
        tls = running.tls,
        "plugin server started"
    );

    spawn_signal_handlers(shutdown_tx, false);
    running.finished.await
}

async fn serve_debug(
    registry: Arc<Registry>,
    options: &ServeOptions,
    transport: Transport,
) -> Result<(), ServeError> {
    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    let running =
        start_transport(transport, registry, None, shutdown_tx.clone(), shutdown_rx).await?;
    let reattach = handshake::reattach_json(
        &options.provider_address,
        std::process::id(),
        running.address.network(),
        &running.address.address(),
    );
    print_stdout(&format!(
        "Provider started. To attach Terraform CLI, set the TF_REATTACH_PROVIDERS environment variable \
         with the following:\n\n\tTF_REATTACH_PROVIDERS='{reattach}'\n"
    ))?;
    spawn_signal_handlers(shutdown_tx, true);
    running.finished.await
}

fn print_stdout(text: &str) -> Result<(), ServeError> {
    use std::io::Write as _;
    let mut stdout = io::stdout().lock();
    writeln!(stdout, "{text}").map_err(ServeError::Stdout)?;
    stdout.flush().map_err(ServeError::Stdout)
}

/// Listens with `transport` and starts serving.
async fn start_transport(
    transport: Transport,
    registry: Arc<Registry>,
    client_cert: Option<PinnedClientCert>,
    shutdown_tx: watch::Sender<bool>,
    shutdown_rx: watch::Receiver<bool>,
) -> Result<Running, ServeError> {
    match transport {
        #[cfg(unix)]
        Transport::Unix => {
            start(
                registry,
                client_cert,
                &socket_dir(),
                shutdown_tx,
                shutdown_rx,
            )
            .await
        }
        #[cfg(not(unix))]
        Transport::Unix => Err(ServeError::Usage(
            "unix sockets are not available on this platform".to_owned(),
        )),
        Transport::Tcp => {
            let (min, max) = crate::transport::port_range_from_env()?;
            start_tcp(registry, client_cert, (min, max), shutdown_tx, shutdown_rx).await
        }
    }
}

#[cfg_attr(not(unix), allow(dead_code))]
fn socket_dir() -> PathBuf {
    std::env::var_os("PLUGIN_UNIX_SOCKET_DIR")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir)
}

/// SIGTERM always stops the server; SIGINT only in debug mode (otherwise it
/// is ignored like go-plugin does, so Terraform can finish its work and shut
/// the plugin down itself).
#[cfg(not(unix))]
fn spawn_signal_handlers(shutdown: watch::Sender<bool>, stop_on_interrupt: bool) {
    // No SIGTERM here: the host stops the plugin through the controller's
    // Shutdown (or kills it). Ctrl-C stops only a debug-mode server.
    if stop_on_interrupt {
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                shutdown.send_replace(true);
            }
        });
    }
}

#[cfg(unix)]
fn spawn_signal_handlers(shutdown: watch::Sender<bool>, stop_on_interrupt: bool) {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut interrupt), Ok(mut terminate)) = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) else {
        tracing::warn!("could not install signal handlers");
        return;
    };
    tokio::spawn(async move {
        let mut count = 0_u64;
        loop {
            tokio::select! {
                _ = interrupt.recv() => {
                    count += 1;
                    if stop_on_interrupt {
                        shutdown.send_replace(true);
                        return;
                    }
                    tracing::trace!(count, "plugin received interrupt signal, ignoring");
                }
                _ = terminate.recv() => {
                    tracing::debug!("plugin received SIGTERM, shutting down");
                    shutdown.send_replace(true);
                    return;
                }
            }
        }
    });
}

/// A server that is listening.
pub(crate) struct Running {
    pub address: ListenAddress,
    pub tls: bool,
    /// The server certificate, when mutual TLS is on.
    #[cfg_attr(not(test), allow(dead_code))]
    pub server_certificate: Option<rustls_pki_types::CertificateDer<'static>>,
    pub handshake_line: String,
    /// Resolves when the server has stopped (and the socket is removed).
    pub finished: Pin<Box<dyn Future<Output = Result<(), ServeError>> + Send>>,
}

/// Binds a unix socket in `socket_dir` and starts serving in the background.
#[cfg(unix)]
pub(crate) async fn start(
    registry: Arc<Registry>,
    client_cert: Option<PinnedClientCert>,
    socket_dir: &Path,
    shutdown_tx: watch::Sender<bool>,
    shutdown_rx: watch::Receiver<bool>,
) -> Result<Running, ServeError> {
    let (listener, socket) = bind(socket_dir)?;
    let address = ListenAddress::Unix(socket.0.clone());
    start_listening(
        Listener::Unix(listener),
        address,
        Some(socket),
        registry,
        client_cert,
        shutdown_tx,
        shutdown_rx,
    )
    .await
}

/// Binds `127.0.0.1` on a free port in `ports` (inclusive) and starts
/// serving in the background.
pub(crate) async fn start_tcp(
    registry: Arc<Registry>,
    client_cert: Option<PinnedClientCert>,
    ports: (u16, u16),
    shutdown_tx: watch::Sender<bool>,
    shutdown_rx: watch::Receiver<bool>,
) -> Result<Running, ServeError> {
    let listener = crate::transport::bind_tcp(ports.0, ports.1)?;
    let local = listener
        .local_addr()
        .map_err(|source| ServeError::ListenTcp {
            min: ports.0,
            max: ports.1,
            source,
        })?;
    start_listening(
        Listener::Tcp(listener),
        ListenAddress::Tcp(local),
        None,
        registry,
        client_cert,
        shutdown_tx,
        shutdown_rx,
    )
    .await
}

async fn start_listening(
    listener: Listener,
    address: ListenAddress,
    socket: Option<SocketFile>,
    registry: Arc<Registry>,
    client_cert: Option<PinnedClientCert>,
    shutdown_tx: watch::Sender<bool>,
    shutdown_rx: watch::Receiver<bool>,
) -> Result<Running, ServeError> {
    let (acceptor, server_certificate, certificate_b64) = match client_cert {
        Some(client) => {
            let identity = ServerIdentity::generate()?;
            let config = identity.server_config(client)?;
            let b64 = identity.handshake_base64();
            (
                Some(TlsAcceptor::from(Arc::new(config))),
                Some(identity.certificate.clone()),
                b64,
            )
        }
        None => (None, None, String::new()),
    };
    let handshake_line =
        handshake::handshake_line(address.network(), &address.address(), &certificate_b64);
    let tls = acceptor.is_some();
    if !tls {
        tracing::warn!(
            address = %address.address(),
            "serving plaintext gRPC without TLS (no PLUGIN_CLIENT_CERT, or --debug): any process of this \
             user that can connect can drive the configured provider"
        );
    }

    let (health_reporter, health_service) = tonic_health::server::health_reporter();
    health_reporter
        .set_service_status("plugin", tonic_health::ServingStatus::Serving)
        .await;

    let provider_service = ProviderServer::new(ProviderService::new(registry))
        .max_decoding_message_size(MAX_MESSAGE_SIZE)
        .max_encoding_message_size(MAX_MESSAGE_SIZE);
    let controller = go_plugin::grpc_controller_server::GrpcControllerServer::new(Controller {
        shutdown: shutdown_tx,
    });
    let stdio = go_plugin::grpc_stdio_server::GrpcStdioServer::new(Stdio {
        shutdown: shutdown_rx.clone(),
    });

    let incoming = accept_loop(listener, acceptor, shutdown_rx.clone());
    let router = tonic::transport::Server::builder()
        .add_service(health_service)
        .add_service(controller)
        .add_service(stdio)
        .add_service(provider_service);

    let mut stop = shutdown_rx;
    let serving = tokio::spawn(async move {
        let _socket = socket; // a unix socket file is removed when serving ends
        let stop_requested = {
            let mut stop = stop.clone();
            async move {
                let _ = stop.wait_for(|stopped| *stopped).await;
            }
        };
        let serving = router.serve_with_incoming_shutdown(incoming, stop_requested);
        tokio::pin!(serving);
        tokio::select! {
            result = &mut serving => result.map_err(|e| ServeError::Transport(Box::new(e)))?,
            () = async {
                let _ = stop.wait_for(|stopped| *stopped).await;
                tokio::time::sleep(SHUTDOWN_GRACE).await;
            } => {
                tracing::debug!("in-flight requests did not finish in time; exiting anyway");
            }
        }
        tracing::debug!("plugin server stopped");
        Ok::<(), ServeError>(())
    });
    let finished = async move {
        serving
            .await
            .unwrap_or_else(|e| Err(ServeError::Crashed(e.to_string())))
    };
    Ok(Running {
        address,
        tls,
        server_certificate,
        handshake_line,
        finished: Box::pin(finished),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_flag_is_parsed() {
        let options =
            ServeOptions::from_arg_list("example.com/a/b", vec!["--debug".to_owned()]).expect("ok");
        assert!(options.debug);
        assert_eq!(options.provider_address, "example.com/a/b");
        assert!(
            !ServeOptions::from_arg_list("x", Vec::new())
                .expect("ok")
                .debug
        );
        assert!(ServeOptions::from_arg_list("x", vec!["--bogus".to_owned()]).is_err());
    }

    #[tokio::test]
    async fn the_socket_is_private_and_removed_with_its_directory() {
        use std::os::unix::fs::PermissionsExt as _;
        let (listener, socket) = bind(&std::env::temp_dir()).expect("bind");
        let dir = socket.dir().expect("private dir").to_owned();
        let mode = |path: &Path| {
            std::fs::symlink_metadata(path)
                .expect("metadata")
                .permissions()
                .mode()
                & 0o777
        };
        assert_eq!(mode(&dir), 0o700, "{}", dir.display());
        assert_eq!(mode(&socket.0), 0o600, "{}", socket.0.display());
        assert!(dir.starts_with(std::env::temp_dir()));
        let path = socket.0.clone();
        drop(listener);
        drop(socket);
        assert!(
            !path.exists() && !dir.exists(),
            "left behind: {}",
            dir.display()
        );
    }
}
