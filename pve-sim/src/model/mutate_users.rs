//! User, token and group mutations (`API2/User.pm`, `API2/Group.pm`).

use super::config::{Group, Token, User, UserConfig};
use super::error::{ModelError, ModelResult};
use super::ids::{perl_true, verify_userid};
use super::perm::check_user_exist;

/// POST /access/users parameters (everything but `password`, which the
/// realm plugin stores; see [`super::state::State::create_user`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserCreate {
    /// `userid`.
    pub userid: String,
    /// `enable` (default 1).
    pub enable: Option<bool>,
    /// `expire` (stored only when non-zero).
    pub expire: Option<u64>,
    /// `firstname` (stored only when non-empty).
    pub firstname: Option<String>,
    /// `lastname`.
    pub lastname: Option<String>,
    /// `email`.
    pub email: Option<String>,
    /// `comment`.
    pub comment: Option<String>,
    /// `keys`.
    pub keys: Option<String>,
    /// `groups`, already split with [`super::ids::split_list`].
    pub groups: Option<Vec<String>>,
}

/// PUT /access/users/{userid} parameters: `Some` = the parameter was sent
/// (`Some("")` clears a text field).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserUpdate {
    /// `enable`.
    pub enable: Option<bool>,
    /// `expire`.
    pub expire: Option<u64>,
    /// `firstname`.
    pub firstname: Option<String>,
    /// `lastname`.
    pub lastname: Option<String>,
    /// `email`.
    pub email: Option<String>,
    /// `comment`.
    pub comment: Option<String>,
    /// `keys`.
    pub keys: Option<String>,
    /// `groups`, split; `Some(vec![])` (sent empty) clears memberships
    /// unless `append`.
    pub groups: Option<Vec<String>>,
    /// `append`: add `groups` instead of replacing.
    pub append: bool,
}

/// Token create/update parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TokenParams {
    /// `privsep` (create default 1).
    pub privsep: Option<bool>,
    /// `expire` (create default 0).
    pub expire: Option<u64>,
    /// `comment` (`Some("")` clears on update).
    pub comment: Option<String>,
    /// Update only: `delete` list (only `comment` is deletable).
    pub delete: Vec<String>,
}

fn truthy(v: &Option<String>) -> Option<String> {
    v.as_ref().filter(|s| perl_true(Some(s))).cloned()
}

impl UserConfig {
    /// Apply `f` to a copy; on success replace `self` with the copy as
    /// written and read back ([`UserConfig::written`]), on error leave `self` untouched and prefix
    /// the error like `lock_user_config($code, $prefix)`.
    pub(crate) fn locked<T>(
        &mut self,
        prefix: &str,
        f: impl FnOnce(&mut UserConfig) -> ModelResult<T>,
    ) -> ModelResult<T> {
        let mut copy = self.clone();
        // PVE's write starts from a fresh parse, which put root@pam back.
        copy.root_implied = false;
        let out = f(&mut copy).map_err(|e| e.in_lock(prefix))?;
        *self = copy.written();
        Ok(out)
    }

    /// POST /access/users (without password). Errors (500, prefix
    /// `create user failed: ` included): `user 'x' already exists`,
    /// `no such group 'g'`, or the userid format error.
    pub fn create_user(&mut self, p: &UserCreate) -> ModelResult<()> {
        self.locked("create user failed", |cfg| {
            verify_userid(&p.userid).map_err(ModelError::internal)?;
            if cfg.users.contains_key(&p.userid) {
                return Err(ModelError::internal(format!(
                    "user '{}' already exists",
                    p.userid
                )));
            }
            let mut user = User::new(p.enable.unwrap_or(true));
            user.expire = p.expire.unwrap_or(0);
            cfg.users.insert(p.userid.clone(), user);
            for g in p.groups.iter().flatten() {
                let group = cfg
                    .groups
                    .get_mut(g)
                    .ok_or_else(|| ModelError::internal(format!("no such group '{g}'")))?;
                group.members.insert(p.userid.clone());
            }
            if let Some(user) = cfg.users.get_mut(&p.userid) {
                user.firstname = truthy(&p.firstname);
                user.lastname = truthy(&p.lastname);
                user.email = truthy(&p.email);
                user.comment = truthy(&p.comment);
                user.keys = truthy(&p.keys);
            }
            Ok(())
        })
    }

    /// PUT /access/users/{userid}. Errors (500, prefix included):
    /// `update user failed: no such user ('x')` (PVE re-checks inside the
    /// lock; non-root callers already fail the permission check with the
    /// unprefixed text), `update user failed: no such group 'g'`.
    pub fn update_user(&mut self, userid: &str, p: &UserUpdate) -> ModelResult<()> {
        verify_userid(userid).map_err(ModelError::internal)?;
        self.locked("update user failed", |cfg| {
            check_user_exist(cfg, userid)?;
            if let Some(user) = cfg.users.get_mut(userid) {
                if let Some(e) = p.enable {
                    user.enable = e;
                }
                if let Some(x) = p.expire {
                    user.expire = x;
                }
            }
            if let Some(groups) = &p.groups {
                if !p.append {
                    for g in cfg.groups.values_mut() {
                        g.members.remove(userid);
                    }
                }
                for g in groups {
                    let group = cfg
                        .groups
                        .get_mut(g)
                        .ok_or_else(|| ModelError::internal(format!("no such group '{g}'")))?;
                    group.members.insert(userid.to_string());
                }
            }
            if let Some(user) = cfg.users.get_mut(userid) {
                for (field, value) in [
                    (&mut user.firstname, &p.firstname),
                    (&mut user.lastname, &p.lastname),
                    (&mut user.email, &p.email),
                    (&mut user.comment, &p.comment),
                    (&mut user.keys, &p.keys),
                ] {
                    if let Some(v) = value {
                        *field = Some(v.clone());
                    }
                }
            }
            Ok(())
        })
    }

    /// DELETE /access/users/{userid}: removes the user (with its tokens),
    /// its group memberships and its user ACL entries. Like PVE there is no
    /// existence check here (a missing user is a silent no-op); the
    /// permission check reports `no such user` for non-root callers. Token
    /// secrets and shadow entries are handled by [`super::state::State`].
    pub fn delete_user(&mut self, userid: &str) -> ModelResult<()> {
        verify_userid(userid).map_err(ModelError::internal)?;
        self.locked("delete user failed", |cfg| {
            cfg.users.remove(userid);
            for g in cfg.groups.values_mut() {
                g.members.remove(userid);
            }
            for node in cfg.acl.values_mut() {
                node.users.remove(userid);
            }
            Ok(())
        })
    }

    /// Existence check used by token reads/updates/deletes (no prefix):
    /// `no such user ('u')` / `no such token 't' for user 'u'`.
    pub fn check_token_exist(&self, userid: &str, tokenid: &str) -> ModelResult<&Token> {
        check_user_exist(self, userid)?;
        self.users
            .get(userid)
            .and_then(|u| u.tokens.get(tokenid))
            .ok_or_else(|| {
                ModelError::internal(format!("no such token '{tokenid}' for user '{userid}'"))
            })
    }

    /// POST /access/users/{userid}/token/{tokenid}, config part. Returns the
    /// `info` object fields as PVE echoes them: `(privsep, expire if given,
    /// comment if non-empty)`. Errors: 500 `no such user ('u')` (no prefix),
    /// 400 `{tokenid: "Token already exists."}`. The secret is generated by
    /// [`super::state::State::create_token`].
    pub fn create_token(
        &mut self,
        userid: &str,
        tokenid: &str,
        p: &TokenParams,
    ) -> ModelResult<()> {
        let exists = self
            .users
            .get(userid)
            .is_some_and(|u| u.tokens.contains_key(tokenid));
        check_user_exist(self, userid)?;
        if exists {
            return Err(ModelError::param([("tokenid", "Token already exists.")]));
        }
        let full = format!("{userid}!{tokenid}");
        if !super::ids::is_tokenid(&full) {
            return Err(ModelError::internal(format!(
                "value '{full}' does not look like a valid token ID"
            )));
        }
        self.locked("generating token failed", |cfg| {
            let user = cfg
                .users
                .get_mut(userid)
                .ok_or_else(|| ModelError::internal(format!("no such user ('{userid}')")))?;
            user.tokens.insert(
                tokenid.to_string(),
                Token {
                    privsep: p.privsep.unwrap_or(true),
                    expire: p.expire.unwrap_or(0),
                    comment: truthy(&p.comment),
                },
            );
            Ok(())
        })
    }

    /// PUT /access/users/{userid}/token/{tokenid}, config part; returns the
    /// updated token. Errors: 500 `no such user`/`no such token …` (no
    /// prefix), 500 `updating token info failed: 400 Parameter verification
    /// failed.\ndelete: unknown option 'x'`.
    pub fn update_token(
        &mut self,
        userid: &str,
        tokenid: &str,
        p: &TokenParams,
    ) -> ModelResult<Token> {
        self.check_token_exist(userid, tokenid)?;
        self.locked("updating token info failed", |cfg| {
            let token = cfg
                .users
                .get_mut(userid)
                .and_then(|u| u.tokens.get_mut(tokenid))
                .ok_or_else(|| {
                    ModelError::internal(format!("no such token '{tokenid}' for user '{userid}'"))
                })?;
            if let Some(ps) = p.privsep {
                token.privsep = ps;
            }
            if let Some(x) = p.expire {
                token.expire = x;
            }
            if let Some(c) = &p.comment {
                token.comment = Some(c.clone());
            }
            if token.comment.as_deref().is_some_and(str::is_empty) {
                token.comment = None;
            }
            for key in &p.delete {
                if key != "comment" {
                    return Err(ModelError::param([(
                        "delete",
                        format!("unknown option '{key}'"),
                    )]));
                }
                token.comment = None;
            }
            Ok(token.clone())
        })
    }

    /// DELETE /access/users/{userid}/token/{tokenid}, config part. ACLs
    /// naming the token disappear on reload, like in PVE. Errors: 500
    /// `no such user`/`no such token …` (no prefix).
    pub fn delete_token(&mut self, userid: &str, tokenid: &str) -> ModelResult<()> {
        self.check_token_exist(userid, tokenid)?;
        self.locked("deleting token failed", |cfg| {
            if let Some(u) = cfg.users.get_mut(userid) {
                u.tokens.remove(tokenid);
            }
            Ok(())
        })
    }

    /// GET /access/groups/{groupid} existence check: `group 'g' does not exist`.
    pub fn group(&self, groupid: &str) -> ModelResult<&Group> {
        self.groups
            .get(groupid)
            .ok_or_else(|| ModelError::internal(format!("group '{groupid}' does not exist")))
    }

    /// POST /access/groups. Error: `create group failed: group 'g' already exists`.
    pub fn create_group(&mut self, groupid: &str, comment: Option<&str>) -> ModelResult<()> {
        self.locked("create group failed", |cfg| {
            if cfg.groups.contains_key(groupid) {
                return Err(ModelError::internal(format!(
                    "group '{groupid}' already exists"
                )));
            }
            let comment = comment.filter(|c| perl_true(Some(c))).map(str::to_string);
            cfg.groups.insert(
                groupid.to_string(),
                Group {
                    comment,
                    members: Default::default(),
                },
            );
            Ok(())
        })
    }

    /// PUT /access/groups/{groupid} (`comment` only; `Some("")` clears).
    /// Error: `update group failed: group 'g' does not exist`.
    pub fn update_group(&mut self, groupid: &str, comment: Option<&str>) -> ModelResult<()> {
        self.locked("update group failed", |cfg| {
            let g = cfg
                .groups
                .get_mut(groupid)
                .ok_or_else(|| ModelError::internal(format!("group '{groupid}' does not exist")))?;
            if let Some(c) = comment {
                g.comment = Some(c.to_string());
            }
            Ok(())
        })
    }

    /// DELETE /access/groups/{groupid}: removes the group and its ACL
    /// entries. Error: `delete group failed: group 'g' does not exist`.
    pub fn delete_group(&mut self, groupid: &str) -> ModelResult<()> {
        self.locked("delete group failed", |cfg| {
            if cfg.groups.remove(groupid).is_none() {
                return Err(ModelError::internal(format!(
                    "group '{groupid}' does not exist"
                )));
            }
            for node in cfg.acl.values_mut() {
                node.groups.remove(groupid);
            }
            Ok(())
        })
    }
}
