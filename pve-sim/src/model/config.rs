//! [`UserConfig`]: the in-memory form of `/etc/pve/user.cfg`.
//!
//! The shape follows PVE's parsed hash, with one normalisation: group
//! membership lives only in [`Group::members`] (PVE keeps a mirror in each
//! user; [`UserConfig::user_groups`] derives it).

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use super::acl_path;
use super::privileges;

/// The superuser that bypasses every permission check.
pub const ROOT_USERID: &str = "root@pam";

/// One `user:` line with its `token:` lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Whether the account may log in (`enable`).
    pub enable: bool,
    /// Expiry as epoch seconds; 0 = never.
    pub expire: u64,
    /// First name (decoded text).
    pub firstname: Option<String>,
    /// Last name (decoded text).
    pub lastname: Option<String>,
    /// E-mail; `Some("")` is possible (PVE keeps an empty but defined value).
    pub email: Option<String>,
    /// Comment (decoded text).
    pub comment: Option<String>,
    /// Legacy yubico/OATH keys, or `x` when the user has new-style TFA.
    pub keys: Option<String>,
    /// API tokens by sub-id (the part after `!`).
    pub tokens: BTreeMap<String, Token>,
}

impl User {
    /// A new, enabled user with nothing else set.
    pub fn new(enable: bool) -> Self {
        Self {
            enable,
            expire: 0,
            firstname: None,
            lastname: None,
            email: None,
            comment: None,
            keys: None,
            tokens: BTreeMap::new(),
        }
    }

    /// PVE's `check_user_enabled` without the existence part: enabled and
    /// not expired at `now` (epoch seconds).
    pub fn is_usable(&self, now: u64) -> bool {
        self.enable && !(self.expire > 0 && self.expire < now)
    }
}

/// One API token of a user (a `token:` line). The secret lives in
/// [`super::secrets::TokenSecrets`], never here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// Privilege separation: the token gets the intersection of its own ACLs
    /// and the user's privileges instead of the user's privileges.
    pub privsep: bool,
    /// Expiry as epoch seconds; 0 = never (the user's own expiry still applies).
    pub expire: u64,
    /// Comment (decoded text).
    pub comment: Option<String>,
}

impl Token {
    /// `expire > 0 && expire < now`.
    pub fn is_expired(&self, now: u64) -> bool {
        self.expire > 0 && self.expire < now
    }
}

/// One `group:` line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Group {
    /// Comment (decoded text).
    pub comment: Option<String>,
    /// Member userids. May name users that do not exist (PVE keeps them).
    pub members: BTreeSet<String>,
}

/// One custom `role:` line. Built-in roles are not stored here.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Role {
    /// Privilege names (all valid PVE 9 privileges).
    pub privs: BTreeSet<String>,
}

/// One `pool:` line. Nested ids are `a/b/c`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pool {
    /// Comment (decoded text).
    pub comment: Option<String>,
    /// Member guests.
    pub vms: BTreeSet<u64>,
    /// Member storages.
    pub storage: BTreeSet<String>,
}

/// Role assignments of one member on one ACL node: role → propagate.
pub type RoleMap = BTreeMap<String, bool>;

/// The ACL entries set on one path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AclNode {
    /// userid → roles.
    pub users: BTreeMap<String, RoleMap>,
    /// group name (without `@`) → roles.
    pub groups: BTreeMap<String, RoleMap>,
    /// full token id → roles.
    pub tokens: BTreeMap<String, RoleMap>,
}

impl AclNode {
    /// Whether the node holds no role at all.
    pub fn is_empty(&self) -> bool {
        [&self.users, &self.groups, &self.tokens]
            .iter()
            .all(|m| m.values().all(RoleMap::is_empty))
    }
}

/// What kind of member an ACL entry names (GET /access/acl `type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum AclMemberKind {
    /// A userid.
    User,
    /// A group (listed without `@`).
    Group,
    /// A full token id.
    Token,
}

impl AclMemberKind {
    /// The `type` string of GET /access/acl.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Group => "group",
            Self::Token => "token",
        }
    }
}

/// One flattened ACL entry, as GET /access/acl lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AclEntry {
    /// Normalised path.
    pub path: String,
    /// Member kind.
    pub kind: AclMemberKind,
    /// userid, group name or token id.
    pub ugid: String,
    /// Role name.
    pub roleid: String,
    /// Whether the role propagates to sub-paths.
    pub propagate: bool,
}

/// The parsed `user.cfg`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserConfig {
    /// Users by userid (always contains `root@pam`).
    pub users: BTreeMap<String, User>,
    /// Groups by id.
    pub groups: BTreeMap<String, Group>,
    /// Custom roles by id (built-ins come from [`privileges`]).
    pub roles: BTreeMap<String, Role>,
    /// ACL nodes by normalised path.
    pub acl: BTreeMap<String, AclNode>,
    /// Pools by id.
    pub pools: BTreeMap<String, Pool>,
    /// Privileges a `role:` line re-using a built-in name added to that
    /// built-in (PVE's parser writes into its shared built-in table; such
    /// lines are never written back).
    pub builtin_additions: BTreeMap<String, BTreeSet<String>>,
    /// `root@pam` has no line in the file: the parser added it with only
    /// `enable` (`parse_user_config`), so it lists without `expire` and
    /// the next write of user.cfg writes its line again.
    pub root_implied: bool,
    /// The file this configuration was read from or written as, byte for
    /// byte; `None` until the first load or write. PVE's writer serialises
    /// the hash it changed, not a re-read one, so the file can hold what a
    /// parse drops: ACL lines naming a deleted token or role, comments with
    /// the spaces they were sent with, UTF-8 that reads back as bytes. The
    /// fields above are always this file's parse; the next write replaces it.
    pub file: Option<Arc<[u8]>>,
}

impl Default for UserConfig {
    fn default() -> Self {
        let mut users = BTreeMap::new();
        users.insert(ROOT_USERID.to_string(), User::new(true));
        Self {
            users,
            groups: BTreeMap::new(),
            roles: BTreeMap::new(),
            acl: BTreeMap::new(),
            pools: BTreeMap::new(),
            builtin_additions: BTreeMap::new(),
            root_implied: false,
            file: None,
        }
    }
}

/// Compare two normalised paths in ACL tree order (parents first, children
/// sorted by name), which is PVE's `iterate_acl_tree` order.
pub fn tree_order(a: &str, b: &str) -> Ordering {
    acl_path::components(a).cmp(&acl_path::components(b))
}

impl UserConfig {
    /// Whether `role` exists (built-in or custom).
    pub fn role_exists(&self, role: &str) -> bool {
        privileges::is_builtin_role(role) || self.roles.contains_key(role)
    }

    /// The privileges of a role (built-in or custom), `None` if unknown.
    pub fn role_privs(&self, role: &str) -> Option<BTreeSet<String>> {
        if let Some(builtin) = privileges::builtin_role_privs(role) {
            let mut set: BTreeSet<String> = builtin.iter().map(|p| p.to_string()).collect();
            if let Some(extra) = self.builtin_additions.get(role) {
                set.extend(extra.iter().cloned());
            }
            return Some(set);
        }
        self.roles.get(role).map(|r| r.privs.clone())
    }

    /// All roles with their privileges and whether they are built-in
    /// (`special`), sorted by name: what GET /access/roles lists.
    pub fn all_roles(&self) -> Vec<(String, BTreeSet<String>, bool)> {
        let mut out: Vec<(String, BTreeSet<String>, bool)> = privileges::builtin_roles()
            .map(|(name, _)| {
                (
                    name.to_string(),
                    self.role_privs(name).unwrap_or_default(),
                    true,
                )
            })
            .collect();
        for (name, role) in &self.roles {
            if !privileges::is_builtin_role(name) {
                out.push((name.clone(), role.privs.clone(), false));
            }
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    /// Groups `userid` is a member of, sorted.
    pub fn user_groups(&self, userid: &str) -> Vec<String> {
        self.groups
            .iter()
            .filter(|(_, g)| g.members.contains(userid))
            .map(|(name, _)| name.clone())
            .collect()
    }

    /// The pool a guest belongs to.
    pub fn vm_pool(&self, vmid: u64) -> Option<&str> {
        self.pools
            .iter()
            .find(|(_, p)| p.vms.contains(&vmid))
            .map(|(id, _)| id.as_str())
    }

    /// Direct child pools of `pool` (`a` → `a/b`), sorted.
    pub fn child_pools(&self, pool: &str) -> Vec<String> {
        let prefix = format!("{pool}/");
        self.pools
            .keys()
            .filter(|id| {
                id.strip_prefix(&prefix)
                    .is_some_and(|rest| !rest.contains('/'))
            })
            .cloned()
            .collect()
    }

    /// The token of a full token id, if both user and token exist.
    pub fn token(&self, tokenid: &str) -> Option<&Token> {
        let (userid, sub) = super::ids::split_tokenid(tokenid)?;
        self.users.get(userid)?.tokens.get(sub)
    }

    /// Every ACL tree node PVE's `iterate_acl_tree` visits, in its order:
    /// `/`, every path holding entries, and all their ancestors.
    pub fn acl_tree_paths(&self) -> Vec<String> {
        let mut set: BTreeSet<String> = BTreeSet::new();
        set.insert("/".to_string());
        for path in self.acl.keys() {
            let comps = acl_path::components(path);
            for i in 1..=comps.len() {
                set.insert(format!("/{}", comps[..i].join("/")));
            }
        }
        let mut paths: Vec<String> = set.into_iter().collect();
        paths.sort_by(|a, b| tree_order(a, b));
        paths
    }

    /// The ACL entries in GET /access/acl order: tree order of paths, then
    /// users, groups, tokens (each sorted, standing in for Perl hash order).
    pub fn acl_entries(&self) -> Vec<AclEntry> {
        let mut paths: Vec<&String> = self.acl.keys().collect();
        paths.sort_by(|a, b| tree_order(a, b));
        let mut out = Vec::new();
        for path in paths {
            let node = &self.acl[path];
            for (kind, map) in [
                (AclMemberKind::User, &node.users),
                (AclMemberKind::Group, &node.groups),
                (AclMemberKind::Token, &node.tokens),
            ] {
                for (ugid, roles) in map {
                    for (roleid, propagate) in roles {
                        out.push(AclEntry {
                            path: path.clone(),
                            kind,
                            ugid: ugid.clone(),
                            roleid: roleid.clone(),
                            propagate: *propagate,
                        });
                    }
                }
            }
        }
        out
    }

    /// `cfs_write_file` then the next `cfs_read_file`: this configuration
    /// written as PVE writes it (kept as [`UserConfig::file`]) and parsed
    /// back. The parse drops ACLs of deleted tokens and roles, `root@pam`
    /// ACLs and empty nodes, trims comments and reads UTF-8 as bytes, but
    /// the file keeps them until the write after.
    pub(crate) fn written(&self) -> Self {
        let file = self.write_file();
        let (mut cfg, _warnings) = Self::parse_file(&file);
        // The built-in table is process state in PVE; keep additions.
        for (role, privs) in &self.builtin_additions {
            cfg.builtin_additions
                .entry(role.clone())
                .or_default()
                .extend(privs.iter().cloned());
        }
        cfg
    }

    /// The bytes user.cfg holds for this configuration: the file it was
    /// read from or written as, else (never loaded or written) its write.
    pub fn file_bytes(&self) -> Cow<'_, [u8]> {
        match &self.file {
            Some(file) => Cow::Borrowed(file),
            None => Cow::Owned(self.write_file()),
        }
    }
}
