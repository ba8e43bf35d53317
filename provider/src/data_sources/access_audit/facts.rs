//! What the audit knows: the identities with their raw facts and the
//! effective privileges PVE computed for each, plus the lists the rules
//! compare against. Collected with four list calls and one
//! `GET /access/permissions` per audited identity.

use std::collections::{BTreeMap, BTreeSet};

use futures::{StreamExt as _, TryStreamExt as _};
use proxmox_client::{
    AclEntry, AclPath, AuthId, Client, Error, ListUsers, PermissionsQuery, UserId,
};

/// `path → privilege → propagate`, as `GET /access/permissions` answers.
pub type PathPrivileges = BTreeMap<String, BTreeMap<String, bool>>;

/// How many `GET /access/permissions` calls run at once. pveproxy serves
/// requests with three worker processes by default; four in flight keeps
/// them busy without queueing much behind other clients.
const PERMISSION_CALLS_IN_FLIGHT: usize = 4;

/// A user or an API token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    User,
    Token,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::User => "user",
            Kind::Token => "token",
        }
    }
}

/// One audited identity: its facts and effective privileges.
#[derive(Debug, Clone, PartialEq)]
pub struct Identity {
    /// `name@realm` or `name@realm!token`.
    pub id: String,
    pub kind: Kind,
    /// The user (for a token: its owner).
    pub user_id: String,
    pub realm: String,
    /// Whether the realm still exists (PVE reports `realm-type` only then).
    pub realm_exists: bool,
    /// The user's `enable` flag (a token stops when its user is disabled).
    pub user_enabled: bool,
    /// The user's expiry, epoch seconds, 0 = never.
    pub user_expire: i64,
    /// The identity's own expiry (for a user the same as `user_expire`).
    pub expire: i64,
    /// The user's groups.
    pub groups: Vec<String>,
    /// Tokens only: privilege separation.
    pub privsep: Option<bool>,
    /// Effective privileges per path, limited to the audited path subtree.
    pub privileges: PathPrivileges,
}

impl Identity {
    pub fn is_token(&self) -> bool {
        self.kind == Kind::Token
    }
}

/// One ACL entry in plain strings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub path: AclPath,
    /// `user`, `group` or `token`.
    pub kind: String,
    pub ugid: String,
    pub role: String,
    pub propagate: bool,
}

impl From<&AclEntry> for Grant {
    fn from(entry: &AclEntry) -> Self {
        Grant {
            path: entry.path.clone(),
            kind: entry.principal.kind().to_string(),
            ugid: entry.principal.ugid().to_string(),
            role: entry.roleid.as_str().to_string(),
            propagate: entry.propagate,
        }
    }
}

/// Everything the rules and the report look at.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// When the audit ran, epoch seconds.
    pub now: i64,
    /// The audited identities (after the filters), users each followed by their tokens.
    pub identities: Vec<Identity>,
    /// The whole ACL (not filtered: orphan and shadowing rules need all of it).
    pub acl: Vec<Grant>,
    /// Every existing user.
    pub users: BTreeSet<String>,
    /// Every existing group with its members.
    pub groups: BTreeMap<String, BTreeSet<String>>,
    /// Every existing token (`user!name`).
    pub tokens: BTreeSet<String>,
    /// Every role with its privileges.
    pub roles: BTreeMap<String, BTreeSet<String>>,
    /// The audited realm, if limited.
    pub realm: Option<String>,
    /// The audited user (and its tokens), if limited.
    pub user: Option<String>,
    /// The audited path subtree, if limited.
    pub path: Option<AclPath>,
}

impl Facts {
    /// Whether `path` lies in the audited subtree.
    pub fn in_scope(&self, path: &str) -> bool {
        self.path.as_ref().is_none_or(|base| base.contains(path))
    }

    /// Whether the realm and user filters select `user` (`name@realm`).
    pub fn selects_user(&self, user: &str) -> bool {
        let realm = user.rsplit_once('@').map_or("", |(_, realm)| realm);
        self.realm.as_deref().is_none_or(|r| r == realm)
            && self.user.as_deref().is_none_or(|u| u == user)
    }
}

/// Which identities and paths to audit.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub realm: Option<String>,
    pub user: Option<UserId>,
    pub path: Option<AclPath>,
}

impl Filter {
    fn accepts_user(&self, user: &UserId) -> bool {
        self.realm.as_deref().is_none_or(|r| user.realm() == r)
            && self.user.as_ref().is_none_or(|u| u == user)
    }
}

/// A failed call: what the audit was doing, and the client error.
#[derive(Debug)]
pub struct CollectError {
    pub action: String,
    pub error: Error,
}

fn failed(action: impl Into<String>) -> impl FnOnce(Error) -> CollectError {
    let action = action.into();
    move |error| CollectError { action, error }
}

/// Reads the lists and every audited identity's effective privileges.
/// `acl` is the ACL list (the provider shares one cached copy per run).
pub async fn collect(
    client: &Client,
    acl: &[AclEntry],
    filter: &Filter,
    now: i64,
) -> Result<Facts, CollectError> {
    let listing = ListUsers {
        enabled: None,
        full: true,
    };
    let (users, groups, roles) = futures::try_join!(
        async {
            client
                .users()
                .list_with(&listing)
                .await
                .map_err(failed("list users and their tokens"))
        },
        async { client.groups().list().await.map_err(failed("list groups")) },
        async { client.roles().list().await.map_err(failed("list roles")) },
    )?;

    let mut facts = Facts {
        now,
        acl: acl.iter().map(Grant::from).collect(),
        users: users.iter().map(|u| u.userid.to_string()).collect(),
        groups: groups
            .iter()
            .map(|g| {
                let members = g.members.iter().map(ToString::to_string).collect();
                (g.groupid.to_string(), members)
            })
            .collect(),
        roles: roles
            .iter()
            .map(|r| (r.roleid.as_str().to_string(), r.privs.clone()))
            .collect(),
        realm: filter.realm.clone(),
        user: filter.user.as_ref().map(ToString::to_string),
        path: filter.path.clone(),
        ..Facts::default()
    };

    let mut sorted: Vec<_> = users.iter().collect();
    sorted.sort_by(|a, b| a.userid.cmp(&b.userid));
    for user in sorted {
        let mut tokens: Vec<_> = user.tokens.iter().collect();
        tokens.sort_by(|a, b| a.tokenid.cmp(&b.tokenid));
        for token in &tokens {
            facts
                .tokens
                .insert(format!("{}!{}", user.userid, token.tokenid));
        }
        if !filter.accepts_user(&user.userid) {
            continue;
        }
        let base = Identity {
            id: user.userid.to_string(),
            kind: Kind::User,
            user_id: user.userid.to_string(),
            realm: user.userid.realm().to_string(),
            realm_exists: user.realm_type.is_some(),
            user_enabled: user.enable,
            user_expire: user.expire,
            expire: user.expire,
            groups: user.groups.iter().map(ToString::to_string).collect(),
            privsep: None,
            privileges: PathPrivileges::new(),
        };
        for token in tokens {
            facts.identities.push(Identity {
                id: format!("{}!{}", user.userid, token.tokenid),
                kind: Kind::Token,
                expire: token.expire,
                privsep: Some(token.privsep),
                ..base.clone()
            });
        }
        // The user first, then its tokens (sorted by name).
        let at = facts.identities.len() - user.tokens.len();
        facts.identities.insert(at, base);
    }

    // One call per identity, a few in flight; PVE evaluates inheritance,
    // groups, pools and the token intersection itself.
    let mut queries = Vec::with_capacity(facts.identities.len());
    for identity in &facts.identities {
        let userid: AuthId = identity.id.parse().map_err(|_| CollectError {
            action: format!("audit '{}'", identity.id),
            error: Error::Decode {
                method: "GET".into(),
                path: "/access/users".into(),
                message: format!("'{}' is not a user or token id", identity.id),
            },
        })?;
        queries.push(PermissionsQuery {
            userid: Some(userid),
            path: None,
        });
    }
    let calls = queries.into_iter().map(|query| async move {
        let who = query
            .userid
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default();
        client
            .permissions(&query)
            .await
            .map_err(failed(format!("read the permissions of {who}")))
    });
    let answers: Vec<PathPrivileges> = futures::stream::iter(calls)
        .buffered(PERMISSION_CALLS_IN_FLIGHT)
        .try_collect()
        .await?;
    for (identity, answer) in facts.identities.iter_mut().zip(answers) {
        identity.privileges = answer
            .into_iter()
            .filter(|(path, privs)| {
                !privs.is_empty() && filter.path.as_ref().is_none_or(|base| base.contains(path))
            })
            .collect();
    }
    if filter.path.is_some() {
        // "Who can do what below this path": the others have nothing to show.
        facts.identities.retain(|i| !i.privileges.is_empty());
    }
    Ok(facts)
}
