//! [`State`]: all access-control files together, for operations that touch
//! more than one of them (passwords, token secrets).

use std::fmt;

use super::config::{Token, UserConfig};
use super::domains::Domains;
use super::error::{ModelError, ModelResult};
use super::ids::{split_tokenid, verify_userid};
use super::mutate_users::{TokenParams, UserCreate};
use super::perm::{AuthState, auth_state};
use super::realm_secrets::RealmPasswords;
use super::secrets::{Shadow, TokenSecrets};

/// The whole access-control state of one simulated node.
#[derive(Debug, Clone, Default)]
pub struct State {
    /// `user.cfg`.
    pub users: UserConfig,
    /// `priv/token.cfg`.
    pub tokens: TokenSecrets,
    /// `priv/shadow.cfg` (pve realm passwords).
    pub shadow: Shadow,
    /// Simulated Linux passwords for the `pam` realm (simulator-only file
    /// `priv/pam-shadow.cfg`; PVE uses the host's PAM).
    pub pam: Shadow,
    /// `domains.cfg`.
    pub domains: Domains,
    /// `priv/realm/<realm>.pw` (LDAP/AD bind passwords).
    pub realm_passwords: RealmPasswords,
}

/// The answer of POST …/token/{tokenid}, and of a regenerating update.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenCreated {
    /// `user@realm!tokenid`.
    pub full_tokenid: String,
    /// The secret (shown once to the client; redacted in `Debug`).
    pub value: String,
}

impl fmt::Debug for TokenCreated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenCreated")
            .field("full_tokenid", &self.full_tokenid)
            .field("value", &"<redacted>")
            .finish()
    }
}

impl State {
    /// `domain_set_password`: store a password through the realm plugin.
    /// Errors (unprefixed): `auth domain 'R' does not exist`, `can't set
    /// password on auth type 'X'`, the userid format error.
    pub fn set_password(&mut self, userid: &str, password: &str) -> ModelResult<()> {
        let (user, realm) = verify_userid(userid).map_err(ModelError::internal)?;
        let kind = self
            .domains
            .get(realm)
            .map(|r| r.kind.clone())
            .ok_or_else(|| ModelError::internal(format!("auth domain '{realm}' does not exist")))?;
        match kind.as_str() {
            "pve" => self.shadow.set_password(user, password),
            "pam" => self.pam.set_password(user, password),
            other => {
                return Err(ModelError::internal(format!(
                    "can't set password on auth type '{other}'"
                )));
            }
        }
        Ok(())
    }

    /// Whether `password` is right for `userid` (pve and pam realms only;
    /// other realms have no local password store).
    pub fn verify_password(&self, userid: &str, password: &str) -> bool {
        let Ok((user, realm)) = verify_userid(userid) else {
            return super::secrets::refuse_after_hashing(password);
        };
        match self.domains.get(realm).map(|r| r.kind.as_str()) {
            Some("pve") => self.shadow.verify(user, password),
            Some("pam") => self.pam.verify(user, password),
            _ => super::secrets::refuse_after_hashing(password),
        }
    }

    /// Every file written out and parsed again, as PVE re-reads pmxcfs on
    /// each request: what a write left in memory is not what the next
    /// request sees when the file format drops or changes it (comments
    /// trimmed or dropped, entries that do not parse). user.cfg is already
    /// in that state: every change to it goes through
    /// [`UserConfig::written`], which keeps the file as PVE wrote it.
    pub fn reread(&mut self) {
        debug_assert!(
            self.users.file.as_deref().is_none_or(|file| {
                let (parsed, _) = UserConfig::parse_file(file);
                parsed.users == self.users.users && parsed.acl == self.users.acl
            }),
            "user.cfg changed without UserConfig::written"
        );
        self.tokens = TokenSecrets::parse(&self.tokens.write());
        self.shadow = Shadow::parse(&self.shadow.write()).0;
        self.pam = Shadow::parse(&self.pam.write()).0;
        self.domains = Domains::parse(&self.domains.write());
    }

    /// POST /access/users with optional password. As in PVE the password is
    /// stored before the group check, so a later `no such group` failure
    /// leaves the password behind. Errors carry `create user failed: `.
    pub fn create_user(&mut self, p: &UserCreate, password: Option<&str>) -> ModelResult<()> {
        verify_userid(&p.userid)
            .map_err(|m| ModelError::internal(m).in_lock("create user failed"))?;
        // lookup_username (pve-access-control `AccessControl.pm`): in a realm
        // with `case-sensitive 0` an existing user of another casing counts.
        let existing = self.lookup_username(&p.userid);
        if self.users.users.contains_key(&existing) {
            return Err(
                ModelError::internal(format!("user '{existing}' already exists"))
                    .in_lock("create user failed"),
            );
        }
        if let Some(pw) = password {
            self.set_password(&p.userid, pw)
                .map_err(|e| e.in_lock("create user failed"))?;
        }
        self.users.create_user(p)
    }

    /// `lookup_username($username, 1)`: for realms with `case-sensitive 0`
    /// (LDAP/AD), the first configured user whose id matches ignoring case;
    /// otherwise the id itself.
    pub fn lookup_username(&self, userid: &str) -> String {
        let Ok((_, realm)) = verify_userid(userid) else {
            return userid.to_string();
        };
        let case_sensitive = self
            .domains
            .get(realm)
            .and_then(|r| r.options.get("case-sensitive"))
            .is_none_or(|v| v != "0");
        if case_sensitive {
            return userid.to_string();
        }
        let wanted = userid.to_lowercase();
        self.users
            .users
            .keys()
            .find(|u| u.to_lowercase() == wanted)
            .cloned()
            .unwrap_or_else(|| userid.to_string())
    }

    /// DELETE /access/users/{userid}: user.cfg part plus the realm plugin's
    /// `delete_user` (pve realm: shadow entry). Token secrets stay, like PVE.
    pub fn delete_user(&mut self, userid: &str) -> ModelResult<()> {
        self.users.delete_user(userid)?;
        if let Ok((user, realm)) = verify_userid(userid)
            && self.domains.get(realm).is_some_and(|r| r.kind == "pve")
        {
            self.shadow.remove(user);
        }
        Ok(())
    }

    /// POST /access/users/{userid}/token/{tokenid}: returns the stored token
    /// and the new secret (a lowercase UUID v4).
    pub fn create_token(
        &mut self,
        userid: &str,
        tokenid: &str,
        p: &TokenParams,
    ) -> ModelResult<(Token, TokenCreated)> {
        self.users.create_token(userid, tokenid, p)?;
        let full_tokenid = format!("{userid}!{tokenid}");
        let value = self.tokens.generate(&full_tokenid);
        let token = self.users.check_token_exist(userid, tokenid)?.clone();
        Ok((
            token,
            TokenCreated {
                full_tokenid,
                value,
            },
        ))
    }

    /// PUT /access/users/{userid}/token/{tokenid}, with `regenerate`.
    pub fn update_token(
        &mut self,
        userid: &str,
        tokenid: &str,
        p: &TokenParams,
        regenerate: bool,
    ) -> ModelResult<(Token, Option<TokenCreated>)> {
        let token = self.users.update_token(userid, tokenid, p)?;
        let created = regenerate.then(|| {
            let full_tokenid = format!("{userid}!{tokenid}");
            let value = self.tokens.generate(&full_tokenid);
            TokenCreated {
                full_tokenid,
                value,
            }
        });
        Ok((token, created))
    }

    /// DELETE /access/users/{userid}/token/{tokenid}: user.cfg entry and secret.
    pub fn delete_token(&mut self, userid: &str, tokenid: &str) -> ModelResult<()> {
        self.users.delete_token(userid, tokenid)?;
        self.tokens.remove(&format!("{userid}!{tokenid}"));
        Ok(())
    }

    /// `verify_token` (§2.3) at `now`: `Ok(full token id)` or PVE's 401
    /// reason (`invalid token value!` for a wrong secret).
    pub fn verify_token(&self, tokenid: &str, secret: &str, now: u64) -> Result<String, String> {
        if split_tokenid(tokenid).is_none() {
            return Err(super::ids::split_tokenid_error(tokenid));
        }
        if let AuthState::Denied(msg) = auth_state(&self.users, tokenid, now) {
            return Err(msg);
        }
        if !self.tokens.verify(tokenid, secret) {
            return Err("invalid token value!".to_string());
        }
        Ok(tokenid.to_string())
    }
}
