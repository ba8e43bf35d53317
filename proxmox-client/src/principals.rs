//! Credentials and principals built from ids: `ApiToken`, `AclPrincipal`, `AuthId`.

use std::fmt;
use std::str::FromStr;

use crate::ids::IdError;
use crate::{GroupId, Secret, TokenId, UserId};

/// An API token credential `user@realm!name=secret`, as PVE shows it once at
/// creation and as the `PVEAPIToken` header carries it.
///
/// Parsing splits at the **last** `=` (as PVE does), so the secret may not
/// contain `=`, but the id may. A leading `PVEAPIToken=` is accepted and
/// dropped. `Debug` and `Display` never show the secret.
///
/// ```
/// use proxmox_client::ApiToken;
/// let token: ApiToken = "root@pam!ci=8a6e0b1c-0000-4000-8000-000000000000".parse()?;
/// assert_eq!(token.id().as_str(), "root@pam!ci");
/// assert!(!format!("{token:?}").contains("8a6e0b1c"));
/// # Ok::<(), proxmox_client::IdError>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct ApiToken {
    id: TokenId,
    secret: Secret,
}

impl ApiToken {
    /// Combines a token id and its secret.
    pub fn new(id: TokenId, secret: Secret) -> Self {
        Self { id, secret }
    }

    /// Parses `user@realm!name=secret`.
    pub fn parse(value: &str) -> Result<Self, IdError> {
        let value = value.trim();
        let value = value.strip_prefix("PVEAPIToken=").unwrap_or(value);
        let Some((id, secret)) = value.rsplit_once('=') else {
            // Never echo the input: it may be a bare secret.
            return Err(IdError::new(
                "API token",
                "<redacted>",
                "must have the form user@realm!name=secret",
            ));
        };
        if secret.is_empty() {
            return Err(IdError::new(
                "API token",
                "<redacted>",
                "the secret after the last '=' is empty",
            ));
        }
        // Never echo the id part either: in a swapped `SECRET=id` it is the secret.
        let id = TokenId::new(id).map_err(|e| {
            IdError::new(
                "API token",
                "<redacted>",
                format!(
                    "the part before the last '=' must be a token id user@realm!name ({})",
                    e.rule()
                ),
            )
        })?;
        Ok(Self {
            id,
            secret: Secret::new(secret),
        })
    }

    /// The full token id.
    pub fn id(&self) -> &TokenId {
        &self.id
    }

    /// The secret value.
    pub fn secret(&self) -> &Secret {
        &self.secret
    }

    /// The `Authorization` header value `PVEAPIToken=<id>=<secret>`.
    pub(crate) fn header_value(&self) -> String {
        format!("PVEAPIToken={}={}", self.id, self.secret.expose())
    }
}

impl fmt::Debug for ApiToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiToken")
            .field("id", &self.id)
            .field("secret", &self.secret)
            .finish()
    }
}

impl fmt::Display for ApiToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}=[REDACTED]", self.id)
    }
}

impl FromStr for ApiToken {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        Self::parse(s)
    }
}

impl TryFrom<&str> for ApiToken {
    type Error = IdError;
    fn try_from(s: &str) -> Result<Self, IdError> {
        Self::parse(s)
    }
}

/// Who an ACL entry applies to.
///
/// Parsing (`FromStr`) follows `user.cfg` conventions: an id with `!` is a
/// token, `@group` (leading `@`) is a group, an id with `@` is a user, and a
/// bare name is a group.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AclPrincipal {
    /// A user `name@realm`.
    User(UserId),
    /// A group.
    Group(GroupId),
    /// An API token `user@realm!name`.
    Token(TokenId),
}

impl AclPrincipal {
    /// The PVE `type` string: `user`, `group` or `token`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::User(_) => "user",
            Self::Group(_) => "group",
            Self::Token(_) => "token",
        }
    }

    /// The `ugid` PVE reports: user id, group name (without `@`) or full token id.
    pub fn ugid(&self) -> &str {
        match self {
            Self::User(u) => u.as_str(),
            Self::Group(g) => g.as_str(),
            Self::Token(t) => t.as_str(),
        }
    }

    /// Builds a principal from the `type` and `ugid` fields of an ACL entry.
    pub fn from_kind(kind: &str, ugid: &str) -> Result<Self, IdError> {
        match kind {
            "user" => Ok(Self::User(UserId::new(ugid)?)),
            "group" => Ok(Self::Group(GroupId::new(ugid)?)),
            "token" => Ok(Self::Token(TokenId::new(ugid)?)),
            _ => Err(IdError::new(
                "ACL principal type",
                kind,
                "must be 'user', 'group' or 'token'",
            )),
        }
    }
}

impl fmt::Display for AclPrincipal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Group(g) => write!(f, "@{g}"),
            other => f.write_str(other.ugid()),
        }
    }
}

impl FromStr for AclPrincipal {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        if let Some(group) = s.strip_prefix('@') {
            Ok(Self::Group(GroupId::new(group)?))
        } else if s.contains('!') {
            Ok(Self::Token(TokenId::new(s)?))
        } else if s.contains('@') {
            Ok(Self::User(UserId::new(s)?))
        } else {
            Ok(Self::Group(GroupId::new(s)?))
        }
    }
}

impl From<UserId> for AclPrincipal {
    fn from(v: UserId) -> Self {
        Self::User(v)
    }
}
impl From<GroupId> for AclPrincipal {
    fn from(v: GroupId) -> Self {
        Self::Group(v)
    }
}
impl From<TokenId> for AclPrincipal {
    fn from(v: TokenId) -> Self {
        Self::Token(v)
    }
}

/// An authenticated identity: a user or an API token. Used where PVE accepts
/// either, e.g. the `userid` of `GET /access/permissions`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AuthId {
    /// A user.
    User(UserId),
    /// An API token.
    Token(TokenId),
}

impl AuthId {
    /// The id text.
    pub fn as_str(&self) -> &str {
        match self {
            Self::User(u) => u.as_str(),
            Self::Token(t) => t.as_str(),
        }
    }
}

impl fmt::Display for AuthId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AuthId {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        if s.contains('!') {
            Ok(Self::Token(TokenId::new(s)?))
        } else {
            Ok(Self::User(UserId::new(s)?))
        }
    }
}

impl From<UserId> for AuthId {
    fn from(v: UserId) -> Self {
        Self::User(v)
    }
}
impl From<TokenId> for AuthId {
    fn from(v: TokenId) -> Self {
        Self::Token(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_token_splits_at_last_equals_and_redacts() {
        let t = ApiToken::parse("root@pam!ci=abc-def").unwrap();
        assert_eq!(t.id().as_str(), "root@pam!ci");
        assert_eq!(t.secret().expose(), "abc-def");
        let t = ApiToken::parse("PVEAPIToken=root@pam!ci=s3cr3t").unwrap();
        assert_eq!(t.secret().expose(), "s3cr3t");
        assert!(!format!("{t:?}").contains("s3cr3t"));
        assert!(!format!("{t}").contains("s3cr3t"));
        // A name containing '=' is not a valid token name: the last '=' splits.
        assert!(ApiToken::parse("u@pve!a=b=c").is_err());
        let err = ApiToken::parse("justasecretvalue").unwrap_err();
        assert!(!err.to_string().contains("justasecretvalue"));
        assert!(ApiToken::parse("root@pam!ci=").is_err());
        // Swapped `SECRET=id`: the part before the last '=' is the secret.
        let err = ApiToken::parse("0badc0de-dead-4bad-8bad-0123456789ab=root@pam!ci").unwrap_err();
        assert!(!err.to_string().contains("0badc0de"), "{err}");
        assert!(err.to_string().contains("token id"), "{err}");
    }

    #[test]
    fn acl_principals() {
        assert_eq!(
            "alice@pve".parse::<AclPrincipal>().unwrap(),
            AclPrincipal::User(UserId::new("alice@pve").unwrap())
        );
        assert_eq!("@ops".parse::<AclPrincipal>().unwrap().kind(), "group");
        assert_eq!("ops".parse::<AclPrincipal>().unwrap().kind(), "group");
        let t = "alice@pve!ci".parse::<AclPrincipal>().unwrap();
        assert_eq!((t.kind(), t.ugid()), ("token", "alice@pve!ci"));
        assert!(AclPrincipal::from_kind("robot", "x").is_err());
    }
}
