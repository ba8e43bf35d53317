//! A string that must never be printed: passwords, token secrets, tickets, CSRF tokens.

use std::fmt;

/// A secret string with a redacted `Debug` and `Display`, overwritten with
/// zeros when dropped (so it does not linger in freed memory).
///
/// Wrapping every credential in `Secret` means that a stray `{:?}` on a
/// configuration struct, an error or a log line cannot leak it. The value is
/// reachable only through the explicit [`Secret::expose`].
///
/// ```
/// use proxmox_client::Secret;
/// let s = Secret::new("hunter22");
/// assert_eq!(format!("{s:?}"), "Secret([REDACTED])");
/// assert_eq!(s.expose(), "hunter22");
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// Returns the secret text. Call this only where the value is sent to the server.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the secret is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.0);
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([REDACTED])")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

impl<'de> serde::Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_are_redacted() {
        let s = Secret::new("top-secret-value");
        assert!(!format!("{s:?}").contains("top-secret"));
        assert!(!format!("{s}").contains("top-secret"));
        assert!(!format!("{:?}", Some(s.clone())).contains("top-secret"));
        assert_eq!(s.expose(), "top-secret-value");
    }
}
