//! Where the plugin listens: a unix socket (go-plugin's default on unix) or
//! a loopback TCP port (go-plugin's only choice on Windows, which has no
//! unix sockets in Go's runtime).
//!
//! go-plugin's client accepts either: it reads the network (`unix` / `tcp`)
//! and the address from the handshake line. For TCP it passes the port range
//! to use in `PLUGIN_MIN_PORT` / `PLUGIN_MAX_PORT`. Mutual TLS is the same on
//! both; it matters more on TCP, where any local user can connect.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;

use crate::ServeError;

/// The environment variable that picks the transport: `unix` or `tcp`.
/// Unset or empty means the platform default (unix sockets where they exist).
pub const TRANSPORT_ENV: &str = "TFPLUGIN_TRANSPORT";

/// go-plugin's default port range when the client does not send one.
const DEFAULT_MIN_PORT: u16 = 10_000;
const DEFAULT_MAX_PORT: u16 = 25_000;

/// How the plugin listens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    /// A unix domain socket in `PLUGIN_UNIX_SOCKET_DIR` or the temp dir.
    Unix,
    /// `127.0.0.1` on a free port within `PLUGIN_MIN_PORT..=PLUGIN_MAX_PORT`.
    Tcp,
}

impl Transport {
    /// The platform default: unix sockets on unix, TCP elsewhere.
    pub fn platform_default() -> Self {
        if cfg!(unix) { Self::Unix } else { Self::Tcp }
    }

    /// From [`TRANSPORT_ENV`].
    pub fn from_env() -> Result<Self, ServeError> {
        Self::parse(std::env::var(TRANSPORT_ENV).ok().as_deref())
    }

    pub(crate) fn parse(value: Option<&str>) -> Result<Self, ServeError> {
        let value = value.map(str::trim).unwrap_or_default();
        if value.is_empty() {
            return Ok(Self::platform_default());
        }
        match value.to_ascii_lowercase().as_str() {
            "tcp" => Ok(Self::Tcp),
            "unix" if cfg!(unix) => Ok(Self::Unix),
            "unix" => Err(ServeError::Usage(format!(
                "{TRANSPORT_ENV}=unix: unix sockets are not available on this platform; \
                 unset {TRANSPORT_ENV} or set it to tcp"
            ))),
            _ => Err(ServeError::Usage(format!(
                "{TRANSPORT_ENV}={value:?} is not a transport; use \"unix\" or \"tcp\" \
                 (or leave it unset for the platform default)"
            ))),
        }
    }
}

/// Where a running plugin can be reached.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ListenAddress {
    Unix(PathBuf),
    Tcp(SocketAddr),
}

impl ListenAddress {
    /// go-plugin's network name, as in the handshake line.
    pub fn network(&self) -> &'static str {
        match self {
            Self::Unix(_) => "unix",
            Self::Tcp(_) => "tcp",
        }
    }

    /// The address as go-plugin writes it: a socket path or `host:port`.
    pub fn address(&self) -> String {
        match self {
            Self::Unix(path) => path.to_string_lossy().into_owned(),
            Self::Tcp(addr) => addr.to_string(),
        }
    }
}

/// The port range from `PLUGIN_MIN_PORT` / `PLUGIN_MAX_PORT`.
pub(crate) fn port_range_from_env() -> Result<(u16, u16), ServeError> {
    port_range(
        std::env::var("PLUGIN_MIN_PORT").ok().as_deref(),
        std::env::var("PLUGIN_MAX_PORT").ok().as_deref(),
    )
}

pub(crate) fn port_range(min: Option<&str>, max: Option<&str>) -> Result<(u16, u16), ServeError> {
    fn port(name: &str, value: Option<&str>, default: u16) -> Result<u16, ServeError> {
        match value.map(str::trim).filter(|v| !v.is_empty()) {
            None => Ok(default),
            Some(v) => v.parse::<u16>().ok().filter(|p| *p > 0).ok_or_else(|| {
                ServeError::Usage(format!("{name}={v:?} is not a TCP port (1-65535)"))
            }),
        }
    }
    let min = port("PLUGIN_MIN_PORT", min, DEFAULT_MIN_PORT)?;
    let max = port("PLUGIN_MAX_PORT", max, DEFAULT_MAX_PORT)?;
    if min > max {
        return Err(ServeError::Usage(format!(
            "PLUGIN_MIN_PORT ({min}) is greater than PLUGIN_MAX_PORT ({max})"
        )));
    }
    Ok((min, max))
}

/// Binds `127.0.0.1` on the first free port of the range. The search starts
/// at a pseudo-random offset so that plugins started together (Terraform
/// starts one per provider, tests start many) rarely collide; go-plugin
/// itself starts at the minimum.
pub(crate) fn bind_tcp(min: u16, max: u16) -> Result<TcpListener, ServeError> {
    let span = u32::from(max - min) + 1;
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0)
        ^ std::process::id().rotate_left(16);
    let mut last_error = io::Error::other("the port range is empty");
    for step in 0..span {
        let offset = (seed.wrapping_add(step)) % span;
        // `offset < span <= 65536 - min`, so the sum fits in a u16.
        let Ok(port) = u16::try_from(u32::from(min) + offset) else {
            continue;
        };
        match std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, port)) {
            Ok(listener) => {
                let listener = listener
                    .set_nonblocking(true)
                    .and_then(|()| TcpListener::from_std(listener))
                    .map_err(|source| ServeError::ListenTcp { min, max, source })?;
                return Ok(listener);
            }
            // In use, or reserved by the system: try the next one, as
            // go-plugin does.
            Err(e) => last_error = e,
        }
    }
    Err(ServeError::ListenTcp {
        min,
        max,
        source: last_error,
    })
}

/// A byte stream a connection can run over (unix or TCP).
pub(crate) trait IoStream: AsyncRead + AsyncWrite + Send + Unpin + 'static {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin + 'static> IoStream for T {}

/// A bound listener of either kind.
pub(crate) enum Listener {
    #[cfg(unix)]
    Unix(tokio::net::UnixListener),
    Tcp(TcpListener),
}

impl Listener {
    pub(crate) async fn accept(&self) -> io::Result<Box<dyn IoStream>> {
        match self {
            #[cfg(unix)]
            Self::Unix(listener) => {
                let (stream, _) = listener.accept().await?;
                Ok(Box::new(stream))
            }
            Self::Tcp(listener) => {
                let (stream, _) = listener.accept().await?;
                // gRPC sends many small frames; do not let Nagle delay them.
                let _ = stream.set_nodelay(true);
                Ok(Box::new(stream))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transport_is_read_from_its_variable() {
        assert_eq!(Transport::parse(None).ok(), Some(Transport::Unix));
        assert_eq!(Transport::parse(Some(" ")).ok(), Some(Transport::Unix));
        assert_eq!(Transport::parse(Some("tcp")).ok(), Some(Transport::Tcp));
        assert_eq!(Transport::parse(Some("TCP")).ok(), Some(Transport::Tcp));
        assert_eq!(Transport::parse(Some("unix")).ok(), Some(Transport::Unix));
        let err = Transport::parse(Some("udp")).expect_err("not a transport");
        let message = err.to_string();
        assert!(message.contains(TRANSPORT_ENV), "{message}");
        assert!(message.contains("\"udp\""), "{message}");
    }

    #[test]
    fn port_range_defaults_to_go_plugins() {
        assert_eq!(port_range(None, None).ok(), Some((10_000, 25_000)));
        assert_eq!(
            port_range(Some("20000"), Some("20010")).ok(),
            Some((20_000, 20_010))
        );
        let err = port_range(Some("abc"), None).expect_err("not a port");
        assert!(err.to_string().contains("PLUGIN_MIN_PORT"), "{err}");
        let err = port_range(None, Some("70000")).expect_err("too large");
        assert!(err.to_string().contains("PLUGIN_MAX_PORT"), "{err}");
        let err = port_range(Some("30000"), Some("20000")).expect_err("inverted");
        assert!(err.to_string().contains("greater"), "{err}");
    }

    #[tokio::test]
    async fn tcp_bind_stays_in_range_and_skips_busy_ports() {
        // A one-port range that is taken fails with a message naming it ...
        let taken = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind");
        let port = taken.local_addr().expect("addr").port();
        let err = bind_tcp(port, port).expect_err("port is taken");
        assert!(err.to_string().contains(&port.to_string()), "{err}");

        // ... and a range around it picks another port inside the range.
        let (min, max) = (port.saturating_sub(20).max(1024), port.saturating_add(20));
        let listener = bind_tcp(min, max).expect("a free port nearby");
        let addr = listener.local_addr().expect("addr");
        assert_eq!(addr.ip(), Ipv4Addr::LOCALHOST);
        assert!(
            (min..=max).contains(&addr.port()),
            "{addr} not in {min}..={max}"
        );
        assert_ne!(addr.port(), port);
    }
}
