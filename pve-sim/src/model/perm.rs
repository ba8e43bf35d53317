//! The permission engine (§6): `AccessControl::roles`,
//! `RPCEnvironment::permissions` / `compile_acl_path`, and the check
//! primitives of `exec_api2_perm_check`.
//!
//! Everything here is a pure function of a [`UserConfig`]; enabled/expired
//! state is deliberately ignored (§6.3: it is enforced at authentication,
//! see [`auth_state`]).

use std::collections::{BTreeMap, BTreeSet};

use super::config::{ROOT_USERID, UserConfig};
use super::error::{ModelError, perm_exc_text};
use super::ids::{split_list, split_tokenid, verify_userid};
use super::privileges::{self, NO_ACCESS, PERMISSIONS_MODIFY};

/// role → propagate, or privilege → propagate.
pub type FlagMap = BTreeMap<String, bool>;

/// The paths GET /access/permissions always evaluates (§4.7).
pub const DEFAULT_EFFECTIVE_PATHS: [&str; 8] = [
    "/",
    "/access",
    "/access/groups",
    "/nodes",
    "/pool",
    "/sdn",
    "/storage",
    "/vms",
];

/// Roles of `authid` (userid or full token id) on `path`, with their
/// propagate flags — `AccessControl::roles` (§6.2). Pools are not
/// considered here and privsep tokens are not intersected; use
/// [`permissions`] for real checks.
pub fn roles_on_path(cfg: &UserConfig, authid: &str, path: &str) -> FlagMap {
    // §6.1: root can do anything.
    if authid == ROOT_USERID {
        return FlagMap::from([(privileges::ADMINISTRATOR.to_string(), true)]);
    }
    // A non-privsep token gets exactly its user's roles; a missing token none.
    if let Some((userid, sub)) = split_tokenid(authid) {
        let Some(token) = cfg.users.get(userid).and_then(|u| u.tokens.get(sub)) else {
            return FlagMap::new();
        };
        if !token.privsep {
            return roles_on_path(cfg, userid, path);
        }
    }

    // §6.2 top-down walk. Perl: `split("/", $path)`, `[""]` for "/"; empty
    // components do not descend but still count as a step.
    let mut steps: Vec<&str> = if path == "/" {
        vec![""]
    } else {
        path.split('/').collect()
    };
    while steps.len() > 1 && steps.last() == Some(&"") {
        steps.pop(); // Perl drops trailing empty fields
    }
    let mut roles = FlagMap::new();
    let mut node_path = String::from("/");
    let n = steps.len();
    for (i, step) in steps.iter().enumerate() {
        let is_final = i + 1 == n;
        if !step.is_empty() {
            if node_path != "/" {
                node_path.push('/');
            }
            node_path.push_str(step);
        }
        let Some(node) = cfg.acl.get(&node_path) else {
            continue; // nothing set here: the inherited set carries on
        };
        let applicable = |ri: &FlagMap| -> Option<FlagMap> {
            let new: FlagMap = ri
                .iter()
                .filter(|(_, propagate)| is_final || **propagate)
                .map(|(r, p)| (r.clone(), *p))
                .collect();
            (!new.is_empty()).then_some(new)
        };
        // Step 1: token entries of the evaluated id replace everything.
        if let Some(new) = node.tokens.get(authid).and_then(applicable) {
            roles = new;
            continue;
        }
        // Step 2: user entries replace everything and mask group entries.
        if let Some(new) = node.users.get(authid).and_then(applicable) {
            roles = new;
            continue;
        }
        // Step 3: union of the entries of all groups the id is a member of.
        let mut new = FlagMap::new();
        for (group, ri) in &node.groups {
            let member = cfg
                .groups
                .get(group)
                .is_some_and(|g| g.members.contains(authid));
            if !member {
                continue;
            }
            for (role, propagate) in ri {
                if is_final || *propagate {
                    new.insert(role.clone(), *propagate);
                }
            }
        }
        if !new.is_empty() {
            roles = new;
        }
        // Step 4: otherwise the inherited set carries on.
    }
    // NoAccess collapses the result.
    if let Some(p) = roles.get(NO_ACCESS) {
        return FlagMap::from([(NO_ACCESS.to_string(), *p)]);
    }
    roles
}

/// Every privilege `authid` holds on `path`, mapped to its (informational)
/// propagate flag — `RPCEnvironment::permissions` (§6.3).
pub fn permissions(cfg: &UserConfig, authid: &str, path: &str) -> FlagMap {
    // §6.1: root@pam gets every privilege.
    if authid == ROOT_USERID {
        return cfg
            .role_privs(privileges::ADMINISTRATOR)
            .unwrap_or_default()
            .into_iter()
            .map(|p| (p, true))
            .collect();
    }
    if let Some((userid, sub)) = split_tokenid(authid) {
        // §6.3.4: a missing token gets nothing.
        let Some(token) = cfg.users.get(userid).and_then(|u| u.tokens.get(sub)) else {
            return FlagMap::new();
        };
        let user_privs = permissions(cfg, userid, path);
        // privsep=0: exactly the user's privileges.
        if !token.privsep {
            return user_privs;
        }
        let own = compile_acl_path(cfg, authid, path);
        // root@pam's privsep tokens get their own ACLs only (no intersection).
        if userid == ROOT_USERID {
            return own;
        }
        // §6.3.4: privsep=1: intersection, propagate = AND of both flags.
        return own
            .into_iter()
            .filter_map(|(p, tp)| user_privs.get(&p).map(|up| (p, tp && *up)))
            .collect();
    }
    if verify_userid(authid).is_err() {
        return FlagMap::new();
    }
    compile_acl_path(cfg, authid, path)
}

/// `compile_acl_path` for one id, without the token intersection.
fn compile_acl_path(cfg: &UserConfig, authid: &str, path: &str) -> FlagMap {
    // §6.3.1: roles on the path itself.
    let mut roles = roles_on_path(cfg, authid, path);

    // §6.3.2: roles from pools containing this exact /vms/<id> or /storage/<id>.
    let mut pool_roles: BTreeSet<String> = BTreeSet::new();
    for (pool_id, pool) in &cfg.pools {
        let member = path
            .strip_prefix("/vms/")
            .and_then(|id| id.parse::<u64>().ok().filter(|v| v.to_string() == id))
            .is_some_and(|vmid| pool.vms.contains(&vmid))
            || path
                .strip_prefix("/storage/")
                .is_some_and(|sid| pool.storage.contains(sid));
        if member {
            pool_roles.extend(roles_on_path(cfg, authid, &format!("/pool/{pool_id}")).into_keys());
        }
    }
    if !pool_roles.is_empty() && !roles.contains_key(NO_ACCESS) {
        if pool_roles.contains(NO_ACCESS) {
            // A pool NoAccess trumps the regular ACL.
            roles = FlagMap::from([(NO_ACCESS.to_string(), false)]);
        } else {
            for role in pool_roles {
                // Pool-derived roles never propagate and never overwrite.
                roles.entry(role).or_insert(false);
            }
        }
    }

    // §6.3.3: union of the roles' privileges, propagate = OR.
    let mut privs = FlagMap::new();
    for (role, propagate) in &roles {
        for p in cfg.role_privs(role).unwrap_or_default() {
            let flag = privs.entry(p).or_insert(false);
            *flag = *flag || *propagate;
        }
    }
    privs
}

/// `check` / `check_any` without raising: all of `privs` (or, with `any`,
/// at least one) are held on `path`.
pub fn check(cfg: &UserConfig, authid: &str, path: &str, privs: &[&str], any: bool) -> bool {
    require(cfg, authid, path, privs, any).is_ok()
}

/// `check` / `check_any` raising PVE's 403: `Permission check failed
/// (<path>, <first missing priv>)`, or `(<path>, A|B)` with `any`.
pub fn require(
    cfg: &UserConfig,
    authid: &str,
    path: &str,
    privs: &[&str],
    any: bool,
) -> Result<(), ModelError> {
    let held = permissions(cfg, authid, path);
    if any {
        if privs.iter().any(|p| held.contains_key(*p)) {
            return Ok(());
        }
        return Err(ModelError::forbidden(Some(&format!(
            "{path}, {}",
            privs.join("|")
        ))));
    }
    match privs.iter().find(|p| !held.contains_key(**p)) {
        None => Ok(()),
        Some(missing) => Err(ModelError::forbidden(Some(&format!("{path}, {missing}")))),
    }
}

/// What GET /access/permissions returns (§4.7): with `path`, exactly that
/// path (possibly empty); without, the default paths, every ACL tree node
/// and every pool member path, leaving out paths without privileges.
pub fn effective_permissions(
    cfg: &UserConfig,
    authid: &str,
    path: Option<&str>,
) -> BTreeMap<String, FlagMap> {
    if let Some(p) = path {
        return BTreeMap::from([(p.to_string(), permissions(cfg, authid, p))]);
    }
    let mut paths: BTreeSet<String> = DEFAULT_EFFECTIVE_PATHS
        .iter()
        .map(|p| p.to_string())
        .collect();
    paths.extend(cfg.acl_tree_paths());
    for pool in cfg.pools.values() {
        paths.extend(pool.vms.iter().map(|v| format!("/vms/{v}")));
        paths.extend(pool.storage.iter().map(|s| format!("/storage/{s}")));
    }
    paths
        .into_iter()
        .filter_map(|p| {
            let privs = permissions(cfg, authid, &p);
            (!privs.is_empty()).then_some((p, privs))
        })
        .collect()
}

/// How a `userid-group` check treats the `groups` parameter (§6.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupsParam<'a> {
    /// No `groups_param` option: the target user must exist.
    None,
    /// `groups_param => 'create'` (POST /access/users): the target need not
    /// exist; the value is the request's `groups` string, if any.
    Create(Option<&'a str>),
    /// `groups_param => 'update'` (PUT /access/users/{id}).
    Update(Option<&'a str>),
}

/// `check_user_exist`: `no such user ('x')` (500) or the userid format error.
pub fn check_user_exist(cfg: &UserConfig, userid: &str) -> Result<(), ModelError> {
    verify_userid(userid).map_err(ModelError::internal)?;
    if cfg.users.contains_key(userid) {
        Ok(())
    } else {
        Err(ModelError::internal(format!("no such user ('{userid}')")))
    }
}

/// `['userid-group', privs, groups_param => …]` (§6.6). `Err` is what PVE
/// raises at top level: 500 `no such user ('x')` for a missing target, or a
/// 403. Inside an `or`, treat any `Err` as "false".
pub fn check_userid_group(
    cfg: &UserConfig,
    authid: &str,
    target_userid: &str,
    privs: &[&str],
    groups_param: GroupsParam<'_>,
) -> Result<(), ModelError> {
    let check_existing_user = !matches!(groups_param, GroupsParam::Create(_));
    if check_existing_user {
        check_user_exist(cfg, target_userid)?;
    }
    // Any of the privs on /access/groups covers every group and user.
    if check(cfg, authid, "/access/groups", privs, true) {
        return Ok(());
    }
    let joined = privs.join("|");
    let allowed: BTreeSet<&str> = cfg
        .groups
        .keys()
        .filter(|g| check(cfg, authid, &format!("/access/groups/{g}"), privs, true))
        .map(String::as_str)
        .collect();
    if let GroupsParam::Create(groups) | GroupsParam::Update(groups) = groups_param {
        let listed = split_list(groups.unwrap_or_default());
        if listed.is_empty() {
            return Err(ModelError::forbidden(Some(&format!(
                "/access/groups, {joined}"
            ))));
        }
        if let Some(bad) = listed.iter().find(|g| !allowed.contains(g.as_str())) {
            return Err(ModelError::forbidden(Some(&format!(
                "/access/groups/{bad}, {joined}"
            ))));
        }
    }
    if check_existing_user {
        let member = allowed.iter().any(|g| {
            cfg.groups
                .get(*g)
                .is_some_and(|gr| gr.members.contains(target_userid))
        });
        if !member {
            return Err(ModelError::forbidden(None));
        }
    }
    Ok(())
}

/// `['userid-param', 'self']`: the target exists and is the caller itself.
pub fn check_userid_self(
    cfg: &UserConfig,
    authid: &str,
    target_userid: &str,
) -> Result<(), ModelError> {
    check_user_exist(cfg, target_userid)?;
    if authid == target_userid {
        Ok(())
    } else {
        Err(ModelError::forbidden(None))
    }
}

/// `['userid-param', 'Realm.AllocateUser']`: `Realm.AllocateUser` on
/// `/access/realm/<realm of target>`.
pub fn check_userid_realm_allocate(
    cfg: &UserConfig,
    authid: &str,
    target_userid: &str,
) -> Result<(), ModelError> {
    let (_, realm) = verify_userid(target_userid).map_err(ModelError::internal)?;
    require(
        cfg,
        authid,
        &format!("/access/realm/{realm}"),
        &["Realm.AllocateUser"],
        false,
    )
}

/// The privileges `check_perm_modify` accepts on a normalised path.
pub fn perm_modify_privs(path: &str) -> Vec<&'static str> {
    let mut privs = vec![PERMISSIONS_MODIFY];
    let sub = |prefix: &str| path.strip_prefix(prefix).is_some_and(|r| !r.is_empty());
    if sub("/storage/") {
        privs.push("Datastore.Allocate");
    } else if sub("/vms/") {
        privs.push("VM.Allocate");
    } else if sub("/pool/") {
        privs.push("Pool.Allocate");
    }
    privs
}

/// `check_perm_modify` (§6.6 `perm-modify`): `Permissions.Modify` on the path
/// or the object-specific allocate privilege. `Err` holds the exact 403
/// message, e.g. `Permission check failed (/vms/100, Permissions.Modify|VM.Allocate)`.
/// `None` checks `Permissions.Modify` on `/access`.
pub fn check_perm_modify(cfg: &UserConfig, authid: &str, path: Option<&str>) -> Result<(), String> {
    let result = match path {
        None => require(cfg, authid, "/access", &[PERMISSIONS_MODIFY], false),
        Some(p) => require(cfg, authid, p, &perm_modify_privs(p), true),
    };
    result.map_err(|e| e.message)
}

/// The §4.6 delegation rule for a caller **without** `Permissions.Modify`
/// on `path`: it may only add/remove roles whose privileges it holds (and,
/// when adding with propagation, holds propagated), and never `NoAccess`.
/// `Err` is the parameter exception (`role: …`) PVE raises; inside the ACL
/// lock it becomes a 500 (see [`ModelError::in_lock`]). Unknown roles pass
/// (existence is checked separately, first).
pub fn check_acl_role_delegation(
    cfg: &UserConfig,
    authid: &str,
    path: &str,
    role: &str,
    propagate: bool,
    delete: bool,
) -> Result<(), ModelError> {
    let held = permissions(cfg, authid, path);
    if held.contains_key(PERMISSIONS_MODIFY) {
        return Ok(());
    }
    let verb = if delete { "remove" } else { "add" };
    for p in cfg.role_privs(role).unwrap_or_default() {
        match held.get(&p) {
            None => {
                return Err(ModelError::param([(
                    "role",
                    format!(
                        "Cannot {verb} role '{role}' - requires 'Permissions.Modify' or superset of privileges."
                    ),
                )]));
            }
            Some(flag) if propagate && !*flag && !delete => {
                return Err(ModelError::param([(
                    "role",
                    format!(
                        "Cannot {verb} role '{role}' with propagation - requires 'Permissions.Modify' or propagated superset of privileges."
                    ),
                )]));
            }
            Some(_) => {}
        }
    }
    if role == NO_ACCESS {
        return Err(ModelError::param([(
            "role",
            format!("Cannot {verb} role '{role}' - requires 'Permissions.Modify'"),
        )]));
    }
    Ok(())
}

/// Why an identity may not authenticate (§2.3, §6.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthState {
    /// Usable.
    Ok,
    /// PVE's error text (`no such user ('u@pve')`, `user 'u@pve' is disabled`,
    /// `user 'u@pve' access expired`, `no such token 't' for user 'u@pve'`,
    /// `token 't' access expired`, or the token-id split error).
    Denied(String),
}

/// `check_user_enabled` plus the token checks of `verify_token` (without
/// the secret): whether `authid` may authenticate at `now` (epoch seconds).
/// A disabled or expired user blocks all of its tokens; an expired token
/// blocks only itself.
pub fn auth_state(cfg: &UserConfig, authid: &str, now: u64) -> AuthState {
    let (userid, token) = if authid.contains('!') {
        match split_tokenid(authid) {
            Some((u, t)) => (u, Some(t)),
            None => return AuthState::Denied(super::ids::split_tokenid_error(authid)),
        }
    } else {
        (authid, None)
    };
    let Some(user) = cfg.users.get(userid) else {
        return AuthState::Denied(format!("no such user ('{userid}')"));
    };
    if !user.enable {
        return AuthState::Denied(format!("user '{userid}' is disabled"));
    }
    if user.expire > 0 && user.expire < now {
        return AuthState::Denied(format!("user '{userid}' access expired"));
    }
    if let Some(t) = token {
        let Some(info) = user.tokens.get(t) else {
            return AuthState::Denied(format!("no such token '{t}' for user '{userid}'"));
        };
        if info.is_expired(now) {
            return AuthState::Denied(format!("token '{t}' access expired"));
        }
    }
    AuthState::Ok
}

/// Format `perm_exc_text` for callers building their own 403s.
pub fn forbidden_text(what: Option<&str>) -> String {
    perm_exc_text(what)
}
