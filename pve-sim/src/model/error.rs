//! [`ModelError`]: a failed model operation, carrying what PVE's API answers.

use std::collections::BTreeMap;
use std::fmt;

/// The HTTP status PVE uses for a plain `die` (almost every model error).
pub const STATUS_INTERNAL: u16 = 500;
/// The HTTP status of a parameter exception raised outside a config lock.
pub const STATUS_PARAM: u16 = 400;
/// The HTTP status of a permission exception.
pub const STATUS_FORBIDDEN: u16 = 403;

/// The top-level message of every 400 parameter exception.
pub const PARAM_FAILED: &str = "Parameter verification failed.";

/// A failed model operation, shaped like the error PVE's API returns.
///
/// * `status`: the HTTP status PVE uses (500 for a `die`, 400 for a parameter
///   exception raised outside the config lock, 403 for permission checks).
/// * `message`: the complete text of PVE's `message` field, **including** any
///   operation prefix such as `create user failed: `, but **without** the
///   trailing `"\n"` PVE appends (the HTTP layer adds it). The reason phrase is
///   its first line. For a 400 it is always `Parameter verification failed.`.
/// * `errors`: the per-parameter map of a 400 (empty otherwise).
///
/// Messages never contain secrets (passwords, token values).
#[derive(Clone, PartialEq, Eq)]
pub struct ModelError {
    /// HTTP status code PVE answers with.
    pub status: u16,
    /// Full message without the trailing newline.
    pub message: String,
    /// Per-parameter errors of a 400 parameter exception.
    pub errors: BTreeMap<String, String>,
}

impl ModelError {
    /// A plain `die` outside a lock: 500 with `message` as is.
    pub fn internal(message: impl Into<String>) -> Self {
        Self {
            status: STATUS_INTERNAL,
            message: message.into(),
            errors: BTreeMap::new(),
        }
    }

    /// A parameter exception outside a lock: 400 `Parameter verification failed.`
    /// with one entry per parameter.
    pub fn param<K: Into<String>, V: Into<String>>(
        errors: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        Self {
            status: STATUS_PARAM,
            message: PARAM_FAILED.to_string(),
            errors: errors
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }

    /// A permission exception: 403 `Permission check failed[ (<what>)]`.
    pub fn forbidden(what: Option<&str>) -> Self {
        Self::internal(perm_exc_text(what)).with_status(STATUS_FORBIDDEN)
    }

    fn with_status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }

    /// `lock_user_config($code, $errmsg)`: any error raised inside the lock is
    /// stringified and re-raised as a plain 500 `die "$errmsg: $err"`.
    ///
    /// A parameter exception turns into
    /// `<prefix>: 400 Parameter verification failed.\n<param>: <text>` and a
    /// permission exception into `<prefix>: 403 Permission check failed (…)`.
    pub fn in_lock(self, prefix: &str) -> Self {
        let inner = self.stringify();
        Self::internal(format!("{prefix}: {inner}"))
    }

    /// `PVE::Exception::stringify` without the final newline.
    fn stringify(&self) -> String {
        match self.status {
            STATUS_INTERNAL => self.message.clone(),
            code => {
                let mut out = format!("{code} {}", self.message);
                for (k, v) in &self.errors {
                    out.push('\n');
                    out.push_str(k);
                    out.push_str(": ");
                    out.push_str(v.trim_end_matches('\n'));
                }
                out
            }
        }
    }
}

/// The text of `raise_perm_exc($what)`.
pub fn perm_exc_text(what: Option<&str>) -> String {
    match what {
        Some(w) => format!("Permission check failed ({w})"),
        None => "Permission check failed".to_string(),
    }
}

impl fmt::Debug for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ModelError")
            .field("status", &self.status)
            .field("message", &self.message)
            .field("errors", &self.errors)
            .finish()
    }
}

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        for (k, v) in &self.errors {
            write!(f, "; {k}: {v}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ModelError {}

/// Result alias for model operations.
pub type ModelResult<T> = Result<T, ModelError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn param_exception_inside_lock_becomes_500() {
        let e = ModelError::param([(
            "role",
            "Cannot add role 'R' - requires 'Permissions.Modify'",
        )])
        .in_lock("ACL update failed");
        assert_eq!(e.status, 500);
        assert_eq!(
            e.message,
            "ACL update failed: 400 Parameter verification failed.\nrole: Cannot add role 'R' - requires 'Permissions.Modify'"
        );
        assert!(e.errors.is_empty());
    }

    #[test]
    fn perm_exception_inside_lock_keeps_code_in_text() {
        let e = ModelError::forbidden(Some("/vms/100, Permissions.Modify|VM.Allocate"))
            .in_lock("update pools failed");
        assert_eq!(
            e.message,
            "update pools failed: 403 Permission check failed (/vms/100, Permissions.Modify|VM.Allocate)"
        );
        assert_eq!(e.status, 500);
    }

    #[test]
    fn plain_die_inside_lock_is_prefixed() {
        let e = ModelError::internal("user 'a@pve' already exists").in_lock("create user failed");
        assert_eq!(e.message, "create user failed: user 'a@pve' already exists");
    }
}
