//! `priv/token.cfg` ([`TokenSecrets`]) and `priv/shadow.cfg` ([`Shadow`]).
//!
//! Neither type prints secrets in its `Debug` output.

use std::collections::BTreeMap;
use std::fmt;

use rand::Rng;
use sha2::{Digest, Sha256};

/// API token secrets: full token id → secret UUID, stored in plain text like
/// PVE (pmxcfs compares `"<tokenid> <value>"` byte for byte).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct TokenSecrets {
    secrets: BTreeMap<String, String>,
}

impl fmt::Debug for TokenSecrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSecrets")
            .field("tokens", &self.secrets.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl TokenSecrets {
    /// Parse `token.cfg`: `<full-tokenid> <secret>` per line; other lines
    /// are skipped.
    pub fn parse(text: &str) -> Self {
        let mut secrets = BTreeMap::new();
        for line in text.lines() {
            let mut parts = line.split_whitespace();
            if let (Some(id), Some(secret), None) = (parts.next(), parts.next(), parts.next()) {
                secrets.insert(id.to_string(), secret.to_string());
            }
        }
        Self { secrets }
    }

    /// Serialise: one sorted `<tokenid> <secret>` line per token.
    pub fn write(&self) -> String {
        self.secrets
            .iter()
            .map(|(id, s)| format!("{id} {s}\n"))
            .collect()
    }

    /// `TokenConfig::generate_token`: a fresh lowercase UUID v4, replacing
    /// any previous secret of that token. Returns the secret.
    pub fn generate(&mut self, full_tokenid: &str) -> String {
        let value = uuid::Uuid::new_v4().to_string();
        self.secrets.insert(full_tokenid.to_string(), value.clone());
        value
    }

    /// Store a known secret (fixtures, imports).
    pub fn set(&mut self, full_tokenid: &str, secret: &str) {
        self.secrets
            .insert(full_tokenid.to_string(), secret.to_string());
    }

    /// `TokenConfig::delete_token`.
    pub fn remove(&mut self, full_tokenid: &str) {
        self.secrets.remove(full_tokenid);
    }

    /// Whether a secret is stored for the token.
    pub fn contains(&self, full_tokenid: &str) -> bool {
        self.secrets.contains_key(full_tokenid)
    }

    /// Whether `secret` is the token's stored value (constant-time compare).
    pub fn verify(&self, full_tokenid: &str, secret: &str) -> bool {
        self.secrets
            .get(full_tokenid)
            .is_some_and(|s| constant_time_eq(s.as_bytes(), secret.as_bytes()))
    }
}

/// Password hashes of one realm: user name (without `@realm`) → crypt hash.
/// Used for `priv/shadow.cfg` (pve realm).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Shadow {
    hashes: BTreeMap<String, String>,
}

impl fmt::Debug for Shadow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shadow")
            .field("users", &self.hashes.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Shadow {
    /// Parse `shadow.cfg` (`<user>:<hash>:` lines). Invalid lines are skipped
    /// with PVE's warning `pve shadow password: ignore invalid line N`.
    pub fn parse(text: &str) -> (Self, Vec<String>) {
        let mut hashes = BTreeMap::new();
        let mut warnings = Vec::new();
        for (idx, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() {
                continue;
            }
            let fields: Vec<&str> = line.split(':').collect();
            let valid = fields.len() == 3
                && fields[2].is_empty()
                && [fields[0], fields[1]]
                    .iter()
                    .all(|f| !f.is_empty() && !f.chars().any(char::is_whitespace));
            if !valid {
                warnings.push(format!(
                    "pve shadow password: ignore invalid line {}",
                    idx + 1
                ));
                continue;
            }
            hashes.insert(fields[0].to_string(), fields[1].to_string());
        }
        (Self { hashes }, warnings)
    }

    /// Serialise: sorted `<user>:<hash>:` lines.
    pub fn write(&self) -> String {
        self.hashes
            .iter()
            .map(|(u, h)| format!("{u}:{h}:\n"))
            .collect()
    }

    /// `store_password`: hash with SHA-256 crypt (`$5$`, random salt) and
    /// store. The plain password is not kept.
    pub fn set_password(&mut self, user: &str, password: &str) {
        self.hashes
            .insert(user.to_string(), hash_password(password));
    }

    /// `delete_user`.
    pub fn remove(&mut self, user: &str) {
        self.hashes.remove(user);
    }

    /// Whether the user has a stored password.
    pub fn contains(&self, user: &str) -> bool {
        self.hashes.contains_key(user)
    }

    /// `authenticate_user`: whether `password` matches the stored hash.
    pub fn verify(&self, user: &str, password: &str) -> bool {
        match self.hashes.get(user) {
            Some(hash) => verify_password(password, hash),
            None => refuse_after_hashing(password),
        }
    }
}

const CRYPT_ALPHABET: &[u8; 64] =
    b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const DEFAULT_ROUNDS: u32 = 5000;

/// Returns false after the same hashing work as checking a real password,
/// so that an unknown user name cannot be told apart by the time a failed
/// login takes.
pub fn refuse_after_hashing(password: &str) -> bool {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let dummy = DUMMY.get_or_init(|| hash_password("no user has this password"));
    let _ = verify_password(password, dummy);
    false
}

/// Hash a password like PVE's `encrypt_pw`: `crypt($pw, '$5$<salt>')`.
pub fn hash_password(password: &str) -> String {
    let mut rng = rand::rng();
    let salt: String = (0..16)
        .map(|_| char::from(CRYPT_ALPHABET[rng.random_range(0..64)]))
        .collect();
    sha256_crypt(password.as_bytes(), salt.as_bytes(), None)
}

/// Verify `password` against a `$5$[rounds=N$]salt$hash` string.
pub fn verify_password(password: &str, hash: &str) -> bool {
    let Some(rest) = hash.strip_prefix("$5$") else {
        return false;
    };
    let (rounds, rest) = match rest.strip_prefix("rounds=") {
        Some(r) => match r.split_once('$') {
            Some((n, tail)) => match n.parse::<u32>() {
                Ok(n) => (Some(n), tail),
                Err(_) => return false,
            },
            None => return false,
        },
        None => (None, rest),
    };
    let Some((salt, _)) = rest.split_once('$') else {
        return false;
    };
    let computed = sha256_crypt(password.as_bytes(), salt.as_bytes(), rounds);
    constant_time_eq(computed.as_bytes(), hash.as_bytes())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn sha(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

/// Repeat `digest` to exactly `len` bytes.
fn stretch(digest: &[u8; 32], len: usize) -> Vec<u8> {
    digest.iter().copied().cycle().take(len).collect()
}

#[cfg(test)]
thread_local! {
    /// How many crypt hashes this thread computed (tests of timing parity).
    static HASHES: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// SHA-256 crypt (Drepper's "Unix crypt using SHA-256", glibc `$5$`).
fn sha256_crypt(password: &[u8], salt: &[u8], rounds: Option<u32>) -> String {
    #[cfg(test)]
    HASHES.with(|count| count.set(count.get() + 1));
    let salt = &salt[..salt.len().min(16)];
    let n_rounds = rounds.map_or(DEFAULT_ROUNDS, |r| r.clamp(1000, 999_999_999));
    let plen = password.len();

    let b = sha(&[password, salt, password]);
    let mut a = Sha256::new();
    a.update(password);
    a.update(salt);
    a.update(stretch(&b, plen));
    let mut n = plen;
    while n > 0 {
        if n & 1 == 1 {
            a.update(b);
        } else {
            a.update(password);
        }
        n >>= 1;
    }
    let a: [u8; 32] = a.finalize().into();

    let mut dp = Sha256::new();
    for _ in 0..plen {
        dp.update(password);
    }
    let p_bytes = stretch(&dp.finalize().into(), plen);

    let mut ds = Sha256::new();
    for _ in 0..(16 + usize::from(a[0])) {
        ds.update(salt);
    }
    let s_bytes = stretch(&ds.finalize().into(), salt.len());

    let mut c = a;
    for i in 0..n_rounds {
        let mut h = Sha256::new();
        if i & 1 == 1 {
            h.update(&p_bytes);
        } else {
            h.update(c);
        }
        if i % 3 != 0 {
            h.update(&s_bytes);
        }
        if i % 7 != 0 {
            h.update(&p_bytes);
        }
        if i & 1 == 1 {
            h.update(c);
        } else {
            h.update(&p_bytes);
        }
        c = h.finalize().into();
    }

    let mut out = String::from("$5$");
    if rounds.is_some() {
        out.push_str(&format!("rounds={n_rounds}$"));
    }
    out.push_str(&String::from_utf8_lossy(salt));
    out.push('$');
    const ORDER: [(usize, usize, usize); 10] = [
        (0, 10, 20),
        (21, 1, 11),
        (12, 22, 2),
        (3, 13, 23),
        (24, 4, 14),
        (15, 25, 5),
        (6, 16, 26),
        (27, 7, 17),
        (18, 28, 8),
        (9, 19, 29),
    ];
    let mut push = |b2: u8, b1: u8, b0: u8, count: usize| {
        let mut w = (u32::from(b2) << 16) | (u32::from(b1) << 8) | u32::from(b0);
        for _ in 0..count {
            out.push(char::from(CRYPT_ALPHABET[(w & 0x3f) as usize]));
            w >>= 6;
        }
    };
    for (x, y, z) in ORDER {
        push(c[x], c[y], c[z], 4);
    }
    push(0, c[31], c[30], 3);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_user_costs_the_same_hashing_as_a_wrong_password() {
        let mut shadow = Shadow::default();
        shadow.set_password("alice", "right-password");
        let _ = refuse_after_hashing("warm up the dummy hash");
        let hashes = |f: &dyn Fn() -> bool| {
            let before = HASHES.with(std::cell::Cell::get);
            assert!(!f());
            HASHES.with(std::cell::Cell::get) - before
        };
        let wrong = hashes(&|| shadow.verify("alice", "wrong-password"));
        let unknown = hashes(&|| shadow.verify("mallory", "wrong-password"));
        assert_eq!(wrong, 1);
        assert_eq!(unknown, wrong);
    }

    #[test]
    fn sha256_crypt_reference_vectors() {
        assert_eq!(
            sha256_crypt(b"Hello world!", b"saltstring", None),
            "$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5"
        );
        // Cross-checked with `openssl passwd -5 -salt abc secret123`.
        assert!(verify_password(
            "secret123",
            "$5$abc$sjWwrFCzx9R7kW385TYwfkeDSpLv3wPUj5MDItQXrw4"
        ));
        assert_eq!(
            sha256_crypt(b"Hello world!", b"saltstringsaltstring", Some(10000)),
            "$5$rounds=10000$saltstringsaltst$3xv.VbSHBb41AL9AvLeujZkZRBAwqFMz2.opqey6IcA"
        );
        assert!(verify_password(
            "Hello world!",
            "$5$rounds=10000$saltstringsaltst$3xv.VbSHBb41AL9AvLeujZkZRBAwqFMz2.opqey6IcA"
        ));
    }

    #[test]
    fn shadow_stores_hash_not_password() {
        let mut s = Shadow::default();
        s.set_password("alice", "correct horse");
        let text = s.write();
        assert!(text.starts_with("alice:$5$"));
        assert!(!text.contains("correct horse"));
        assert!(s.verify("alice", "correct horse"));
        assert!(!s.verify("alice", "wrong"));
        assert!(!s.verify("bob", "correct horse"));
        let (back, warnings) = Shadow::parse(&format!("{text}garbage line\n"));
        assert_eq!(warnings, ["pve shadow password: ignore invalid line 2"]);
        assert!(back.verify("alice", "correct horse"));
        assert!(!format!("{back:?}").contains("$5$"));
    }

    #[test]
    fn token_secrets_round_trip_and_verify() {
        let mut t = TokenSecrets::default();
        let v = t.generate("bob@pve!ci");
        assert_eq!(v.len(), 36);
        assert_eq!(v, v.to_lowercase());
        assert_eq!(
            uuid::Uuid::parse_str(&v).map(|u| u.get_version_num()),
            Ok(4)
        );
        assert!(t.verify("bob@pve!ci", &v));
        assert!(!t.verify("bob@pve!ci", "nope"));
        let back = TokenSecrets::parse(&t.write());
        assert_eq!(back, t);
        assert!(!format!("{t:?}").contains(&v));
        let v2 = t.generate("bob@pve!ci");
        assert_ne!(v, v2);
        assert!(!t.verify("bob@pve!ci", &v));
        t.remove("bob@pve!ci");
        assert!(!t.contains("bob@pve!ci"));
    }
}
