//! Validating identifier newtypes (reference §3).
//!
//! Each id checks PVE's format rule on construction, so a malformed id is
//! rejected locally with a message naming the rule instead of as a 400 from
//! the server (or, worse, as a request to an unintended URL).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An identifier failed validation. The message names the rule that failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {kind} '{value}': {rule}")]
pub struct IdError {
    kind: &'static str,
    value: String,
    rule: String,
}

impl IdError {
    pub(crate) fn new(kind: &'static str, value: &str, rule: impl Into<String>) -> Self {
        Self {
            kind,
            value: value.to_owned(),
            rule: rule.into(),
        }
    }

    /// The kind of identifier, e.g. `user id`.
    pub fn kind(&self) -> &'static str {
        self.kind
    }

    /// The rejected value.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// The rule that the value broke.
    pub fn rule(&self) -> &str {
        &self.rule
    }
}

/// `[A-Za-z0-9.\-_]`: the character class shared by group, role and pool names.
fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')
}

/// `[A-Za-z][A-Za-z0-9.\-_]+`: realm names and token names.
fn is_realm_like(s: &str) -> bool {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphabetic() => {}
        _ => return false,
    }
    let rest = chars.as_str();
    !rest.is_empty() && rest.chars().all(is_name_char)
}

const REALM_LIKE_RULE: &str = "must match [A-Za-z][A-Za-z0-9.-_]+ (a letter, then at least one letter, digit, '.', '-' or '_')";
const NAME_RULE: &str = "must be non-empty and contain only letters, digits, '.', '-' and '_'";

macro_rules! string_id {
    ($(#[$meta:meta])* $name:ident, $kind:literal, $check:expr) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(String);

        impl $name {
            /// Validates and wraps an identifier.
            pub fn new(value: impl AsRef<str>) -> Result<Self, IdError> {
                let value = value.as_ref();
                let check: fn(&str) -> Result<(), String> = $check;
                check(value).map_err(|rule| IdError::new($kind, value, rule))?;
                Ok(Self(value.to_owned()))
            }

            /// The identifier text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), self.0)
            }
        }

        impl FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> {
                Self::new(s)
            }
        }

        impl TryFrom<&str> for $name {
            type Error = IdError;
            fn try_from(s: &str) -> Result<Self, IdError> {
                Self::new(s)
            }
        }

        impl TryFrom<String> for $name {
            type Error = IdError;
            fn try_from(s: String) -> Result<Self, IdError> {
                Self::new(s)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let s = String::deserialize(deserializer)?;
                Self::new(&s).map_err(serde::de::Error::custom)
            }
        }
    };
}

string_id!(
    /// An authentication realm (domain) name such as `pve`, `pam` or `ldap1`:
    /// `[A-Za-z][A-Za-z0-9.\-_]+`, at most 32 characters.
    ///
    /// ```
    /// let realm: proxmox_client::RealmId = "pve".parse()?;
    /// # Ok::<(), proxmox_client::IdError>(())
    /// ```
    RealmId,
    "realm id",
    |s| {
        if !is_realm_like(s) {
            Err(REALM_LIKE_RULE.into())
        } else if s.len() > 32 {
            Err(format!("may be at most 32 characters long (got {})", s.len()))
        } else {
            Ok(())
        }
    }
);

string_id!(
    /// The name part of an API token (`ci` in `root@pam!ci`):
    /// `[A-Za-z][A-Za-z0-9.\-_]+`.
    TokenName,
    "token name",
    |s| {
        if is_realm_like(s) {
            Ok(())
        } else {
            Err(REALM_LIKE_RULE.into())
        }
    }
);

string_id!(
    /// A group name: `[A-Za-z0-9.\-_]+` (the stricter rule of PVE ≥ 9.0.5).
    GroupId,
    "group id",
    |s| {
        if !s.is_empty() && s.chars().all(is_name_char) {
            Ok(())
        } else {
            Err(NAME_RULE.into())
        }
    }
);

string_id!(
    /// A role name: `[A-Za-z0-9.\-_]+`.
    ///
    /// Built-in roles (`PVEAdmin`, `Administrator`, …) are valid ids; PVE
    /// refuses only to *create* roles in the `PVE` namespace, see
    /// [`RoleId::is_reserved_for_builtin`].
    RoleId,
    "role id",
    |s| {
        if !s.is_empty() && s.chars().all(is_name_char) {
            Ok(())
        } else {
            Err(NAME_RULE.into())
        }
    }
);

impl RoleId {
    /// Whether the name starts with `PVE` (case-insensitive), which PVE reserves
    /// for built-in roles: creating such a role fails with a 400.
    pub fn is_reserved_for_builtin(&self) -> bool {
        self.0
            .get(..3)
            .is_some_and(|p| p.eq_ignore_ascii_case("PVE"))
    }
}

string_id!(
    /// A resource pool id, possibly nested up to three levels (`a`, `a/b`,
    /// `a/b/c`); each level is `[A-Za-z0-9.\-_]+`.
    ///
    /// ```
    /// let pool: proxmox_client::PoolId = "dev/ci".parse()?;
    /// assert_eq!(pool.parent().map(|p| p.to_string()), Some("dev".to_string()));
    /// # Ok::<(), proxmox_client::IdError>(())
    /// ```
    PoolId,
    "pool id",
    |s| {
        let levels: Vec<&str> = s.split('/').collect();
        if levels.len() > 3 {
            return Err("may have at most 3 levels (a/b/c)".into());
        }
        if levels
            .iter()
            .all(|l| !l.is_empty() && l.chars().all(is_name_char))
        {
            Ok(())
        } else {
            Err("each '/'-separated level must be non-empty and contain only letters, digits, '.', '-' and '_'".into())
        }
    }
);

impl PoolId {
    /// The parent pool of a nested pool (`a` for `a/b`), or `None` at top level.
    pub fn parent(&self) -> Option<PoolId> {
        self.0
            .rsplit_once('/')
            .map(|(parent, _)| PoolId(parent.to_owned()))
    }

    /// The last level of the id (`b` for `a/b`). Since PVE 9.0 it must start
    /// with a letter when the pool is created.
    pub fn leaf(&self) -> &str {
        self.0.rsplit_once('/').map_or(self.0.as_str(), |(_, l)| l)
    }
}

/// A user id `name@realm`, e.g. `root@pam` or `alice@pve`.
///
/// Rule: `^[^\s:/]+@[A-Za-z][A-Za-z0-9.\-_]+$`, 3–64 characters in total.
/// The realm is everything after the last `@`.
///
/// ```
/// use proxmox_client::UserId;
/// let user: UserId = "alice@pve".parse()?;
/// assert_eq!(user.name(), "alice");
/// assert_eq!(user.realm(), "pve");
/// assert!("alice".parse::<UserId>().is_err());
/// # Ok::<(), proxmox_client::IdError>(())
/// ```
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UserId(String);

impl UserId {
    /// Validates and wraps a user id.
    pub fn new(value: impl AsRef<str>) -> Result<Self, IdError> {
        let s = value.as_ref();
        let err = |rule: String| IdError::new("user id", s, rule);
        if s.len() < 3 {
            return Err(err("must be at least 3 characters long".into()));
        }
        if s.len() > 64 {
            return Err(err(format!(
                "may be at most 64 characters long (got {})",
                s.len()
            )));
        }
        let Some((name, realm)) = s.rsplit_once('@') else {
            return Err(err("must have the form name@realm".into()));
        };
        if name.is_empty()
            || name
                .chars()
                .any(|c| c.is_whitespace() || c == ':' || c == '/')
        {
            return Err(err(
                "the name before '@' must be non-empty and contain no whitespace, ':' or '/'"
                    .into(),
            ));
        }
        if !is_realm_like(realm) {
            return Err(err(format!("the realm after '@' {REALM_LIKE_RULE}")));
        }
        Ok(Self(s.to_owned()))
    }

    /// The user id text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part before the last `@`.
    pub fn name(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(n, _)| n)
    }

    /// The realm: the part after the last `@`.
    pub fn realm(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(_, r)| r)
    }

    /// The full token id `self!name`.
    pub fn token(&self, name: &TokenName) -> TokenId {
        TokenId::from_parts(self.clone(), name.clone())
    }
}

/// A full API token id `user@realm!name`, e.g. `root@pam!ci`.
///
/// The user id is everything before the last `!`.
///
/// ```
/// use proxmox_client::TokenId;
/// let id: TokenId = "root@pam!ci".parse()?;
/// assert_eq!(id.user().as_str(), "root@pam");
/// assert_eq!(id.name().as_str(), "ci");
/// # Ok::<(), proxmox_client::IdError>(())
/// ```
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TokenId {
    full: String,
    user: UserId,
    name: TokenName,
}

impl TokenId {
    /// Validates and wraps a full token id.
    pub fn new(value: impl AsRef<str>) -> Result<Self, IdError> {
        let s = value.as_ref();
        let Some((user, name)) = s.rsplit_once('!') else {
            return Err(IdError::new(
                "token id",
                s,
                "must have the form user@realm!name",
            ));
        };
        let user = UserId::new(user)
            .map_err(|e| IdError::new("token id", s, format!("user part: {}", e.rule)))?;
        let name = TokenName::new(name)
            .map_err(|e| IdError::new("token id", s, format!("token name part {}", e.rule)))?;
        Ok(Self::from_parts(user, name))
    }

    /// Builds a token id from its user and name.
    pub fn from_parts(user: UserId, name: TokenName) -> Self {
        Self {
            full: format!("{user}!{name}"),
            user,
            name,
        }
    }

    /// The full id text `user@realm!name`.
    pub fn as_str(&self) -> &str {
        &self.full
    }

    /// The owning user.
    pub fn user(&self) -> &UserId {
        &self.user
    }

    /// The token name.
    pub fn name(&self) -> &TokenName {
        &self.name
    }
}

macro_rules! impl_str_traits {
    ($name:ident, $ctor:path) => {
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), self.as_str())
            }
        }
        impl FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> {
                $ctor(s)
            }
        }
        impl TryFrom<&str> for $name {
            type Error = IdError;
            fn try_from(s: &str) -> Result<Self, IdError> {
                $ctor(s)
            }
        }
        impl TryFrom<String> for $name {
            type Error = IdError;
            fn try_from(s: String) -> Result<Self, IdError> {
                $ctor(s)
            }
        }
        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }
        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }
        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let s = String::deserialize(deserializer)?;
                $ctor(&s).map_err(serde::de::Error::custom)
            }
        }
    };
}

impl_str_traits!(UserId, UserId::new);
impl_str_traits!(TokenId, TokenId::new);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_ids() {
        assert!(UserId::new("root@pam").is_ok());
        assert!(UserId::new("first.last@example.com@ldap1").is_ok());
        let u = UserId::new("a@b@pve").unwrap();
        assert_eq!((u.name(), u.realm()), ("a@b", "pve"));
        for bad in [
            "",
            "ab",
            "alice",
            "@pve",
            "a b@pve",
            "a:b@pve",
            "a/b@pve",
            "alice@1pve",
            "alice@p",
        ] {
            assert!(UserId::new(bad).is_err(), "{bad} should be rejected");
        }
        let long = format!("{}@pve", "x".repeat(61));
        let err = UserId::new(&long).unwrap_err();
        assert!(err.to_string().contains("at most 64"), "{err}");
        let err = UserId::new("alice").unwrap_err();
        assert!(err.to_string().contains("name@realm"), "{err}");
    }

    #[test]
    fn token_ids() {
        let t = TokenId::new("root@pam!ci").unwrap();
        assert_eq!(t.user().as_str(), "root@pam");
        assert_eq!(t.name().as_str(), "ci");
        assert_eq!(t.to_string(), "root@pam!ci");
        assert!(TokenId::new("root@pam").is_err());
        assert!(TokenId::new("root@pam!1ci").is_err());
        assert!(TokenId::new("root@pam!c").is_err());
        assert!(TokenId::new("root!x@pam!ci").is_ok());
        assert!(TokenName::new("ci-1.2_x").is_ok());
    }

    #[test]
    fn other_ids() {
        assert!(GroupId::new("ops.team-1_x").is_ok());
        assert!(GroupId::new("a:b").is_err());
        assert!(GroupId::new("").is_err());
        assert!(RoleId::new("PVEAdmin").unwrap().is_reserved_for_builtin());
        assert!(RoleId::new("pveX").unwrap().is_reserved_for_builtin());
        assert!(!RoleId::new("Ops").unwrap().is_reserved_for_builtin());
        assert!(RealmId::new("pve").is_ok());
        assert!(RealmId::new("x".repeat(33)).is_err());
        let p = PoolId::new("a/b/c").unwrap();
        assert_eq!(p.leaf(), "c");
        assert_eq!(p.parent().unwrap().as_str(), "a/b");
        assert!(PoolId::new("a").unwrap().parent().is_none());
        assert!(
            PoolId::new("a/b/c/d")
                .unwrap_err()
                .to_string()
                .contains("3 levels")
        );
        assert!(PoolId::new("a//b").is_err());
        assert!(PoolId::new("/a").is_err());
    }

    #[test]
    fn serde_round_trip_validates() {
        let u: UserId = serde_json::from_str("\"bob@pve\"").unwrap();
        assert_eq!(serde_json::to_string(&u).unwrap(), "\"bob@pve\"");
        assert!(serde_json::from_str::<UserId>("\"bob\"").is_err());
    }
}
