//! Connections: the private unix socket go-plugin expects, the accept
//! loop with its concurrent TLS handshakes, and the stream type that hides
//! whether a connection is plain or TLS.

use std::io;
#[cfg(unix)]
use std::path::Path;
use std::path::PathBuf;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
#[cfg(unix)]
use tokio::net::UnixListener;
use tokio::sync::{mpsc, watch};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;
use tokio_stream::wrappers::ReceiverStream;
use tonic::transport::server::Connected;

#[cfg(unix)]
use super::ServeError;
use crate::transport::{IoStream, Listener};

/// How long a client may take over the TLS handshake.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// The socket and its private directory, both removed when dropped.
#[cfg_attr(not(unix), allow(dead_code))]
pub(super) struct SocketFile(pub(super) PathBuf);

impl SocketFile {
    pub(super) fn dir(&self) -> Option<&Path> {
        self.0.parent()
    }
}

impl Drop for SocketFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
        if let Some(dir) = self.dir() {
            let _ = std::fs::remove_dir(dir);
        }
    }
}

/// Binds `plugin.sock` inside a fresh `plugin…` directory in `dir` (named
/// like go-plugin's temp files). The directory is created 0700 and the
/// socket set to 0600: without TLS (no `PLUGIN_CLIENT_CERT`, or `--debug`)
/// anyone who can connect could drive the configured provider, and the
/// shared temp directory is world-writable. A fresh directory also means no
/// stale socket of a killed process is ever in the way.
#[cfg(unix)]
pub(super) fn bind(dir: &Path) -> Result<(UnixListener, SocketFile), ServeError> {
    use std::os::unix::fs::{DirBuilderExt as _, PermissionsExt as _};
    let listen_error = |source: io::Error| ServeError::Listen {
        dir: dir.to_owned(),
        source,
    };
    let pid = std::process::id();
    let mut last_error = io::Error::other("no attempt made");
    for attempt in 0..16_u32 {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let private_dir = dir.join(format!("plugin{pid}-{nanos:09}{attempt}"));
        match std::fs::DirBuilder::new().mode(0o700).create(&private_dir) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                last_error = e;
                continue;
            }
            Err(e) => return Err(listen_error(e)),
        }
        let path = private_dir.join("plugin.sock");
        // From here on the guard removes whatever was created.
        let socket = SocketFile(path.clone());
        let listener = UnixListener::bind(&path).map_err(listen_error)?;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
            .map_err(listen_error)?;
        return Ok((listener, socket));
    }
    Err(listen_error(last_error))
}

/// Accepts connections (and runs TLS handshakes concurrently, so one slow or
/// refused client does not hold up others) until shutdown.
pub(super) fn accept_loop(
    listener: Listener,
    acceptor: Option<TlsAcceptor>,
    mut shutdown: watch::Receiver<bool>,
) -> ReceiverStream<io::Result<Connection>> {
    let (tx, rx) = mpsc::channel(16);
    tokio::spawn(async move {
        loop {
            let stream = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok(stream) => stream,
                    Err(e) => {
                        tracing::warn!(error = %e, "accepting a connection failed");
                        continue;
                    }
                },
                _ = shutdown.wait_for(|stopped| *stopped) => return,
            };
            let Some(acceptor) = acceptor.clone() else {
                if tx.send(Ok(Connection::Plain(stream))).await.is_err() {
                    return;
                }
                continue;
            };
            let tx = tx.clone();
            tokio::spawn(async move {
                match tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                    Ok(Ok(tls)) => {
                        let _ = tx.send(Ok(Connection::Tls(Box::new(tls)))).await;
                    }
                    Ok(Err(e)) => {
                        tracing::warn!(error = %e, "refused a connection: TLS handshake failed")
                    }
                    Err(_) => tracing::warn!("refused a connection: TLS handshake timed out"),
                }
            });
        }
    });
    ReceiverStream::new(rx)
}

/// One accepted connection, with or without TLS.
pub(crate) enum Connection {
    Plain(Box<dyn IoStream>),
    Tls(Box<TlsStream<Box<dyn IoStream>>>),
}

impl Connected for Connection {
    type ConnectInfo = ();
    fn connect_info(&self) -> Self::ConnectInfo {}
}

impl AsyncRead for Connection {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Connection::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Connection::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Connection {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Connection::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Connection::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Connection::Plain(s) => Pin::new(s).poll_flush(cx),
            Connection::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Connection::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Connection::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Connection::Plain(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            Connection::Tls(s) => Pin::new(s.as_mut()).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Connection::Plain(s) => s.is_write_vectored(),
            Connection::Tls(s) => s.is_write_vectored(),
        }
    }
}
