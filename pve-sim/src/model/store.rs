//! [`StateDir`]: load and atomically save the access-control files of one
//! simulated node from a directory laid out like `/etc/pve`.

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::config::UserConfig;
use super::domains::Domains;
use super::ids::is_realm_name;
use super::realm_secrets::RealmPasswords;
use super::secrets::{Shadow, TokenSecrets};
use super::state::State;

/// File names relative to the state directory.
pub const USER_CFG: &str = "user.cfg";
/// API token secrets.
pub const TOKEN_CFG: &str = "priv/token.cfg";
/// pve-realm password hashes.
pub const SHADOW_CFG: &str = "priv/shadow.cfg";
/// Simulated PAM password hashes (simulator-only).
pub const PAM_SHADOW_CFG: &str = "priv/pam-shadow.cfg";
/// Realms.
pub const DOMAINS_CFG: &str = "domains.cfg";
/// LDAP/AD bind passwords, one `<realm>.pw` file each (`PVE/Auth/LDAP.pm`).
pub const REALM_PW_DIR: &str = "priv/realm";
/// Where PVE 6.x kept them; PVE 9 still reads and deletes there
/// (`LDAP.pm` `get_cred_file`, see [`RealmPasswords`]).
pub const LEGACY_REALM_PW_DIR: &str = "priv/ldap";

/// A directory holding `user.cfg`, `domains.cfg` and `priv/…`. Missing files
/// mean empty/default content, so an existing `user.cfg` can be dropped in.
#[derive(Debug, Clone)]
pub struct StateDir {
    dir: PathBuf,
}

fn read_optional(path: &Path) -> io::Result<String> {
    match fs::read_to_string(path) {
        Ok(s) => Ok(s),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(String::new()),
        Err(e) => Err(e),
    }
}

fn read_optional_bytes(path: &Path) -> io::Result<Vec<u8>> {
    match fs::read(path) {
        Ok(bytes) => Ok(bytes),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}

impl StateDir {
    /// Use `dir` (created on first save).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Load every file; returns the state and the parser warnings.
    pub fn load(&self) -> io::Result<(State, Vec<String>)> {
        // Bytes, not text: PVE writes user.cfg as Latin-1 unless a
        // character needs more (`ids::perl_print_bytes`).
        let user_cfg = read_optional_bytes(&self.dir.join(USER_CFG))?;
        let (mut users, mut warnings) = UserConfig::parse_file(&user_cfg);
        // No user.cfg yet: a fresh installation, whose file has root's line.
        if user_cfg.iter().all(u8::is_ascii_whitespace) {
            users.root_implied = false;
            users.file = None;
        }
        let tokens = TokenSecrets::parse(&read_optional(&self.dir.join(TOKEN_CFG))?);
        let (shadow, w) = Shadow::parse(&read_optional(&self.dir.join(SHADOW_CFG))?);
        warnings.extend(w);
        let (pam, w) = Shadow::parse(&read_optional(&self.dir.join(PAM_SHADOW_CFG))?);
        warnings.extend(w);
        let domains = Domains::parse(&read_optional(&self.dir.join(DOMAINS_CFG))?);
        let realm_passwords = self.load_realm_passwords()?;
        Ok((
            State {
                users,
                tokens,
                shadow,
                pam,
                domains,
                realm_passwords,
            },
            warnings,
        ))
    }

    /// Write every file atomically.
    pub fn save(&self, state: &State) -> io::Result<()> {
        self.save_users(&state.users)?;
        self.write_file(TOKEN_CFG, state.tokens.write(), true)?;
        self.write_file(SHADOW_CFG, state.shadow.write(), true)?;
        self.write_file(PAM_SHADOW_CFG, state.pam.write(), true)?;
        self.save_realm_passwords(&state.realm_passwords)?;
        self.write_file(DOMAINS_CFG, state.domains.write(), false)
    }

    /// Every `priv/realm/<realm>.pw` whose name is a realm name, and the
    /// same from the legacy `priv/ldap/`.
    fn load_realm_passwords(&self) -> io::Result<RealmPasswords> {
        Ok(RealmPasswords::from_files(self.load_pw_dir(REALM_PW_DIR)?)
            .with_legacy(self.load_pw_dir(LEGACY_REALM_PW_DIR)?))
    }

    fn load_pw_dir(&self, rel: &str) -> io::Result<Vec<(String, String)>> {
        let entries = match fs::read_dir(self.dir.join(rel)) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        let mut files = Vec::new();
        for entry in entries {
            let path = entry?.path();
            let realm = path
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.strip_suffix(".pw"))
                .filter(|r| is_realm_name(r));
            if let Some(realm) = realm {
                files.push((realm.to_string(), fs::read_to_string(&path)?));
            }
        }
        Ok(files)
    }

    /// Write each realm's `.pw` file (mode 0600) and remove the files of
    /// realms that no longer have one, in both directories (PVE never
    /// writes to the legacy one, only deletes from it).
    fn save_realm_passwords(&self, passwords: &RealmPasswords) -> io::Result<()> {
        self.save_pw_dir(REALM_PW_DIR, passwords.files().collect(), true)?;
        self.save_pw_dir(
            LEGACY_REALM_PW_DIR,
            passwords.legacy_files().collect(),
            false,
        )
    }

    fn save_pw_dir(&self, rel: &str, files: BTreeMap<&str, &str>, write: bool) -> io::Result<()> {
        let dir = self.dir.join(rel);
        match fs::read_dir(&dir) {
            Ok(entries) => {
                for entry in entries {
                    let path = entry?.path();
                    let stale = path
                        .file_name()
                        .and_then(|n| n.to_str())
                        .and_then(|n| n.strip_suffix(".pw"))
                        .is_some_and(|realm| is_realm_name(realm) && !files.contains_key(realm));
                    if stale {
                        fs::remove_file(&path)?;
                    }
                }
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        if write {
            for (realm, content) in files {
                self.write_file(&format!("{rel}/{realm}.pw"), content, true)?;
            }
        }
        Ok(())
    }

    /// Write only `user.cfg`: the bytes PVE's last write left
    /// ([`UserConfig::file_bytes`]).
    pub fn save_users(&self, users: &UserConfig) -> io::Result<()> {
        self.write_file(USER_CFG, users.file_bytes(), false)
    }

    /// Atomic replace: temp file in the same directory, fsync, rename
    /// (private files get mode 0600).
    fn write_file(&self, rel: &str, data: impl AsRef<[u8]>, private: bool) -> io::Result<()> {
        let target = self.dir.join(rel);
        let parent = target.parent().unwrap_or(&self.dir).to_path_buf();
        fs::create_dir_all(&parent)?;
        let mut tmp = tempfile::NamedTempFile::new_in(&parent)?;
        if private {
            use std::os::unix::fs::PermissionsExt;
            tmp.as_file()
                .set_permissions(fs::Permissions::from_mode(0o600))?;
        }
        tmp.write_all(data.as_ref())?;
        tmp.as_file().sync_all()?;
        tmp.persist(&target).map_err(|e| e.error)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::mutate_users::{TokenParams, UserCreate};

    #[test]
    fn missing_files_load_as_defaults_and_save_round_trips() {
        let dir = tempfile::tempdir().expect("tempdir");
        let sd = StateDir::new(dir.path().join("etc-pve"));
        let (mut state, warnings) = sd.load().expect("load");
        assert!(warnings.is_empty());
        assert!(state.users.users.contains_key("root@pam"));
        assert!(state.domains.get("pve").is_some());

        let create = UserCreate {
            userid: "alice@pve".into(),
            ..UserCreate::default()
        };
        state
            .create_user(&create, Some("s3cret-pass"))
            .expect("create");
        let (_, created) = state
            .create_token("alice@pve", "ci", &TokenParams::default())
            .expect("token");
        sd.save(&state).expect("save");

        let (back, _) = sd.load().expect("reload");
        assert_eq!(back.users, state.users);
        assert!(back.verify_password("alice@pve", "s3cret-pass"));
        assert_eq!(
            back.verify_token("alice@pve!ci", &created.value, 0),
            Ok("alice@pve!ci".to_string())
        );
        let shadow = fs::read_to_string(sd.path().join(SHADOW_CFG)).expect("shadow");
        assert!(!shadow.contains("s3cret-pass"));
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(sd.path().join(TOKEN_CFG))
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        // No temp files left behind.
        let leftovers = fs::read_dir(sd.path()).expect("dir").count();
        assert_eq!(leftovers, 3); // user.cfg, domains.cfg, priv/
    }

    #[test]
    fn dropped_in_user_cfg_is_used() {
        let dir = tempfile::tempdir().expect("tempdir");
        fs::write(
            dir.path().join(USER_CFG),
            "user:root@pam:1:0::::::\nuser:bob@pve:1:0::::::\n",
        )
        .expect("write");
        let (state, _) = StateDir::new(dir.path()).load().expect("load");
        assert!(state.users.users.contains_key("bob@pve"));
    }
}
