//! Role, ACL and pool mutations (`API2/Role.pm`, `API2/ACL.pm`,
//! pve-manager `API2/Pool.pm`).

use std::collections::BTreeSet;

use super::acl_path;
use super::config::{Pool, Role, UserConfig};
use super::error::{ModelError, ModelResult};
use super::ids::{split_tokenid, verify_poolid, verify_userid};
use super::perm;
use super::privileges;

/// PUT /access/acl parameters (lists already split).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AclUpdate {
    /// `path` as sent (normalised and validated here).
    pub path: String,
    /// `roles`.
    pub roles: Vec<String>,
    /// `users`.
    pub users: Vec<String>,
    /// `groups`.
    pub groups: Vec<String>,
    /// `tokens`.
    pub tokens: Vec<String>,
    /// `propagate` (default 1).
    pub propagate: Option<bool>,
    /// `delete`: remove instead of add.
    pub delete: bool,
}

/// PUT /pools parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PoolUpdate {
    /// `comment` (`Some("")` clears).
    pub comment: Option<String>,
    /// `vms`, parsed; `None` = not sent.
    pub vms: Option<Vec<u64>>,
    /// `storage`, split; `None` = not sent.
    pub storage: Option<Vec<String>>,
    /// `allow-move`.
    pub allow_move: bool,
    /// `delete`: remove the listed members instead of adding them.
    pub delete: bool,
}

fn check_privs(privs: &[String]) -> ModelResult<()> {
    match privs.iter().find(|p| !privileges::is_valid_privilege(p)) {
        Some(bad) => Err(ModelError::internal(privileges::invalid_privilege_message(
            bad,
        ))),
        None => Ok(()),
    }
}

impl UserConfig {
    /// GET /access/roles/{roleid}: the privileges, or 500 `role 'x' does not exist`.
    pub fn role(&self, roleid: &str) -> ModelResult<BTreeSet<String>> {
        self.role_privs(roleid)
            .ok_or_else(|| ModelError::internal(format!("role '{roleid}' does not exist")))
    }

    /// POST /access/roles. Errors: 400 `{roleid: "cannot use role ID starting
    /// with the (case-insensitive) 'PVE' namespace"}`; 500 `create role
    /// failed: role 'x' already exists` (built-ins included); 500 `create
    /// role failed: invalid privilege 'X'` (normally caught by the schema).
    pub fn create_role(&mut self, roleid: &str, privs: &[String]) -> ModelResult<()> {
        if roleid.len() >= 3 && roleid[..3].eq_ignore_ascii_case("PVE") {
            return Err(ModelError::param([(
                "roleid",
                "cannot use role ID starting with the (case-insensitive) 'PVE' namespace",
            )]));
        }
        self.locked("create role failed", |cfg| {
            if cfg.role_exists(roleid) {
                return Err(ModelError::internal(format!(
                    "role '{roleid}' already exists"
                )));
            }
            check_privs(privs)?;
            cfg.roles.insert(
                roleid.to_string(),
                Role {
                    privs: privs.iter().cloned().collect(),
                },
            );
            Ok(())
        })
    }

    /// PUT /access/roles/{roleid}: replace the privileges, or add them with
    /// `append`. Errors: 500 `auto-generated role 'X' cannot be modified` (no
    /// prefix), 500 `update role failed: role 'x' does not exist`.
    pub fn update_role(
        &mut self,
        roleid: &str,
        privs: Option<&[String]>,
        append: bool,
    ) -> ModelResult<()> {
        if privileges::is_builtin_role(roleid) {
            return Err(ModelError::internal(format!(
                "auto-generated role '{roleid}' cannot be modified"
            )));
        }
        self.locked("update role failed", |cfg| {
            let role = cfg
                .roles
                .get_mut(roleid)
                .ok_or_else(|| ModelError::internal(format!("role '{roleid}' does not exist")))?;
            if !append {
                role.privs.clear();
            }
            if let Some(privs) = privs {
                check_privs(privs)?;
                role.privs.extend(privs.iter().cloned());
            }
            Ok(())
        })
    }

    /// DELETE /access/roles/{roleid}. ACLs using the role vanish on reload.
    /// Errors: 500 `auto-generated role 'X' cannot be deleted` (no prefix),
    /// 500 `delete role failed: role 'x' does not exist`.
    pub fn delete_role(&mut self, roleid: &str) -> ModelResult<()> {
        if privileges::is_builtin_role(roleid) {
            return Err(ModelError::internal(format!(
                "auto-generated role '{roleid}' cannot be deleted"
            )));
        }
        self.locked("delete role failed", |cfg| {
            if cfg.roles.remove(roleid).is_none() {
                return Err(ModelError::internal(format!(
                    "role '{roleid}' does not exist"
                )));
            }
            Ok(())
        })
    }

    /// PUT /access/acl on behalf of `authid` (the caller; the `perm-modify`
    /// check itself is the HTTP layer's, via [`perm::check_perm_modify`]).
    ///
    /// Errors, in PVE's order:
    /// * 400 `users`/`groups`/`tokens`: `either 'users', 'groups' or 'tokens' is required.`
    /// * 400 `path`: `invalid ACL path '<as sent>'`
    /// * 500 `ACL update failed: role 'x' does not exist`, then per role the
    ///   delegation check (`ACL update failed: 400 Parameter verification
    ///   failed.\nrole: Cannot add role …`), then `group 'g' does not exist`,
    ///   `user 'u' does not exist`, token split / `no such user ('u')` /
    ///   `no such token 't' for user 'u'`, all prefixed `ACL update failed: `.
    ///
    /// Re-adding overwrites the propagate flag; deleting a missing entry is a
    /// no-op.
    pub fn update_acl(&mut self, authid: &str, p: &AclUpdate) -> ModelResult<()> {
        if p.users.is_empty() && p.groups.is_empty() && p.tokens.is_empty() {
            let msg = "either 'users', 'groups' or 'tokens' is required.";
            return Err(ModelError::param([
                ("users", msg),
                ("groups", msg),
                ("tokens", msg),
            ]));
        }
        let path = acl_path::check_for_update(&p.path, p.delete)
            .map_err(|m| ModelError::param([("path", m)]))?;
        let propagate = p.propagate.unwrap_or(true);
        let before = self.clone();
        self.locked("ACL update failed", |cfg| {
            for role in &p.roles {
                if !cfg.role_exists(role) {
                    return Err(ModelError::internal(format!(
                        "role '{role}' does not exist"
                    )));
                }
                perm::check_acl_role_delegation(&before, authid, &path, role, propagate, p.delete)?;
                for group in &p.groups {
                    if !cfg.groups.contains_key(group) {
                        return Err(ModelError::internal(format!(
                            "group '{group}' does not exist"
                        )));
                    }
                    let node = cfg.acl.entry(path.clone()).or_default();
                    let roles = node.groups.entry(group.clone()).or_default();
                    if p.delete {
                        roles.remove(role);
                    } else {
                        roles.insert(role.clone(), propagate);
                    }
                }
                for user in &p.users {
                    verify_userid(user).map_err(ModelError::internal)?;
                    if !cfg.users.contains_key(user) {
                        return Err(ModelError::internal(format!(
                            "user '{user}' does not exist"
                        )));
                    }
                    let node = cfg.acl.entry(path.clone()).or_default();
                    let roles = node.users.entry(user.clone()).or_default();
                    if p.delete {
                        roles.remove(role);
                    } else {
                        roles.insert(role.clone(), propagate);
                    }
                }
                for token in &p.tokens {
                    let (userid, sub) = split_tokenid(token).ok_or_else(|| {
                        ModelError::internal(super::ids::split_tokenid_error(token))
                    })?;
                    cfg.check_token_exist(userid, sub)?;
                    let node = cfg.acl.entry(path.clone()).or_default();
                    let roles = node.tokens.entry(token.clone()).or_default();
                    if p.delete {
                        roles.remove(role);
                    } else {
                        roles.insert(role.clone(), propagate);
                    }
                }
            }
            Ok(())
        })
    }

    /// GET /pools?poolid / read: the pool or 500 `pool 'x' does not exist`.
    pub fn pool(&self, poolid: &str) -> ModelResult<&Pool> {
        self.pools
            .get(poolid)
            .ok_or_else(|| ModelError::internal(format!("pool '{poolid}' does not exist")))
    }

    /// POST /pools. Errors (prefix `create pool failed: `): `pool 'x' already
    /// exists`, `parent 'a' of pool 'a/b' does not exist`, `pool name must
    /// start with a letter`; the pool-id format error is unprefixed.
    pub fn create_pool(&mut self, poolid: &str, comment: Option<&str>) -> ModelResult<()> {
        verify_poolid(poolid).map_err(ModelError::internal)?;
        self.locked("create pool failed", |cfg| {
            if cfg.pools.contains_key(poolid) {
                return Err(ModelError::internal(format!(
                    "pool '{poolid}' already exists"
                )));
            }
            let leaf = match poolid.rsplit_once('/') {
                Some((parent, leaf)) => {
                    if !cfg.pools.contains_key(parent) {
                        return Err(ModelError::internal(format!(
                            "parent '{parent}' of pool '{poolid}' does not exist"
                        )));
                    }
                    leaf
                }
                None => poolid,
            };
            if !leaf.starts_with(|c: char| c.is_ascii_alphabetic()) {
                return Err(ModelError::internal("pool name must start with a letter"));
            }
            let comment = comment
                .filter(|c| super::ids::perl_true(Some(c)))
                .map(str::to_string);
            cfg.pools.insert(
                poolid.to_string(),
                Pool {
                    comment,
                    ..Pool::default()
                },
            );
            Ok(())
        })
    }

    /// PUT /pools on behalf of `authid`: comment, then guests, then storages,
    /// each member checked with `check_perm_modify` first. Errors (prefix
    /// `update pools failed: `): `pool 'x' does not exist`, `VM 100 is not a
    /// pool member`, `VM 100 is already a pool member`, `VM 100 belongs
    /// already to pool 'y' and 'allow-move' is not set`, `Storage 's' is not a
    /// pool member`, `Storage 's' is already a pool member`, and permission
    /// failures as `403 Permission check failed (/vms/100,
    /// Permissions.Modify|VM.Allocate)` (a 403 inside the lock is a 500).
    pub fn update_pool(&mut self, authid: &str, poolid: &str, p: &PoolUpdate) -> ModelResult<()> {
        let before = self.clone();
        self.locked("update pools failed", |cfg| {
            if !cfg.pools.contains_key(poolid) {
                return Err(ModelError::internal(format!("pool '{poolid}' does not exist")));
            }
            if let (Some(c), Some(pool)) = (&p.comment, cfg.pools.get_mut(poolid)) {
                pool.comment = Some(c.clone());
            }
            for vmid in p.vms.iter().flatten() {
                let vm_path = format!("/vms/{vmid}");
                perm::require(&before, authid, &vm_path, &perm::perm_modify_privs(&vm_path), true)?;
                let current = cfg.vm_pool(*vmid).map(str::to_string);
                let member = current.as_deref() == Some(poolid);
                if p.delete {
                    if !member {
                        return Err(ModelError::internal(format!("VM {vmid} is not a pool member")));
                    }
                    if let Some(pool) = cfg.pools.get_mut(poolid) {
                        pool.vms.remove(vmid);
                    }
                    continue;
                }
                if member {
                    return Err(ModelError::internal(format!("VM {vmid} is already a pool member")));
                }
                if let Some(existing) = current {
                    if !p.allow_move {
                        return Err(ModelError::internal(format!(
                            "VM {vmid} belongs already to pool '{existing}' and 'allow-move' is not set"
                        )));
                    }
                    perm::require(&before, authid, &format!("/pool/{existing}"), &["Pool.Allocate"], false)?;
                    if let Some(old) = cfg.pools.get_mut(&existing) {
                        old.vms.remove(vmid);
                    }
                }
                if let Some(pool) = cfg.pools.get_mut(poolid) {
                    pool.vms.insert(*vmid);
                }
            }
            for sid in p.storage.iter().flatten() {
                let st_path = format!("/storage/{sid}");
                perm::require(&before, authid, &st_path, &perm::perm_modify_privs(&st_path), true)?;
                let Some(pool) = cfg.pools.get_mut(poolid) else {
                    continue;
                };
                if p.delete {
                    if !pool.storage.remove(sid) {
                        return Err(ModelError::internal(format!("Storage '{sid}' is not a pool member")));
                    }
                } else if !pool.storage.insert(sid.clone()) {
                    return Err(ModelError::internal(format!("Storage '{sid}' is already a pool member")));
                }
            }
            Ok(())
        })
    }

    /// DELETE /pools: only empty pools; guests/storages for which the
    /// predicates say "no longer exists" are ignored, like PVE ignores
    /// destroyed guests. Also removes the ACLs under `/pool/<id>`. Errors
    /// (prefix `delete pool failed: `): `pool 'x' does not exist`, `pool 'x'
    /// is not empty (contains pool 'x/y')`, `… (contains VM 100)`,
    /// `… (contains storage 's')`.
    pub fn delete_pool(
        &mut self,
        poolid: &str,
        guest_exists: impl Fn(u64) -> bool,
        storage_exists: impl Fn(&str) -> bool,
    ) -> ModelResult<()> {
        self.locked("delete pool failed", |cfg| {
            let pool = cfg
                .pools
                .get(poolid)
                .ok_or_else(|| ModelError::internal(format!("pool '{poolid}' does not exist")))?;
            if let Some(sub) = cfg.child_pools(poolid).first() {
                return Err(ModelError::internal(format!(
                    "pool '{poolid}' is not empty (contains pool '{sub}')"
                )));
            }
            // Perl sorts the vmid keys as strings.
            let mut vms: Vec<u64> = pool.vms.iter().copied().collect();
            vms.sort_by_key(|v| v.to_string());
            if let Some(vmid) = vms.into_iter().find(|v| guest_exists(*v)) {
                return Err(ModelError::internal(format!(
                    "pool '{poolid}' is not empty (contains VM {vmid})"
                )));
            }
            if let Some(sid) = pool.storage.iter().find(|s| storage_exists(s)) {
                return Err(ModelError::internal(format!(
                    "pool '{poolid}' is not empty (contains storage '{sid}')"
                )));
            }
            cfg.pools.remove(poolid);
            // delete_pool_acl deletes the tree child `pool -> <poolid>`: the
            // whole /pool/<id> subtree for a top-level pool, but nothing for a
            // nested id (`a/b` is no single tree key) — PVE quirk kept.
            if !poolid.contains('/') {
                let prefix = format!("/pool/{poolid}");
                let sub = format!("{prefix}/");
                cfg.acl
                    .retain(|path, _| path != &prefix && !path.starts_with(&sub));
            }
            Ok(())
        })
    }
}
