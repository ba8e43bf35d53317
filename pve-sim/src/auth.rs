//! Tickets and CSRF prevention tokens, in PVE's text formats.
//!
//! PVE signs tickets with an RSA key and CSRF tokens with an HMAC secret. The
//! simulator signs both with per-process HMAC-SHA256 keys: the text layout
//! (`PVE:<user>:<8 HEX>::<base64>` and `<8 HEX>:<base64>`) and the 2 h
//! lifetime with 5 min clock skew are what clients see, the algorithm is not.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use rand::RngCore as _;
use sha2::{Digest as _, Sha256};

/// `$ticket_lifetime` in `AccessControl.pm`.
pub const TICKET_LIFETIME: i64 = 7200;
/// Tickets issued up to this many seconds "in the future" are accepted.
const CLOCK_SKEW: i64 = 300;

/// HMAC-SHA256 (RFC 2104) over `message`.
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(block.map(|b| b ^ 0x36));
    inner.update(message);
    let inner = inner.finalize();
    let mut outer = Sha256::new();
    outer.update(block.map(|b| b ^ 0x5c));
    outer.update(inner);
    outer.finalize().into()
}

/// Constant-time comparison for secrets.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// `uri_escape(userid, ':')` as used in the ticket text.
fn escape_colon(userid: &str) -> String {
    userid.replace('%', "%25").replace(':', "%3A")
}

/// Percent-decoding (`URI::Escape::uri_unescape`): invalid escapes stay as is.
pub fn uri_unescape(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(hex) = std::str::from_utf8(&bytes[i + 1..i + 3])
            && let Ok(value) = u8::from_str_radix(hex, 16)
        {
            out.push(value);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The per-process signing keys. `Debug` never shows them.
pub struct TicketSigner {
    ticket_key: [u8; 32],
    csrf_key: [u8; 32],
}

impl std::fmt::Debug for TicketSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TicketSigner { .. }")
    }
}

impl Default for TicketSigner {
    fn default() -> Self {
        Self::new_random()
    }
}

impl TicketSigner {
    /// Fresh random keys: tickets do not survive a restart (like a rotated key).
    pub fn new_random() -> Self {
        let mut rng = rand::rng();
        let mut ticket_key = [0u8; 32];
        let mut csrf_key = [0u8; 32];
        rng.fill_bytes(&mut ticket_key);
        rng.fill_bytes(&mut csrf_key);
        Self {
            ticket_key,
            csrf_key,
        }
    }

    /// `assemble_rsa_ticket`: `PVE:<user>:<%08X time>::<base64 signature>`.
    pub fn issue_ticket(&self, userid: &str, now: i64) -> String {
        let plain = format!("PVE:{}:{:08X}", escape_colon(userid), now);
        let signature = STANDARD.encode(hmac_sha256(&self.ticket_key, plain.as_bytes()));
        format!("{plain}::{signature}")
    }

    /// Verify a ticket; the authenticated userid when valid and fresh.
    pub fn verify_ticket(&self, ticket: &str, now: i64) -> Option<String> {
        let (plain, signature) = ticket.split_once("::")?;
        let rest = plain.strip_prefix("PVE:")?;
        let (user, time) = rest.rsplit_once(':')?;
        if time.len() != 8 || user.is_empty() || user.starts_with("!tfa!") {
            return None;
        }
        let issued = i64::from_str_radix(time, 16).ok()?;
        let expected = STANDARD.encode(hmac_sha256(&self.ticket_key, plain.as_bytes()));
        if !constant_time_eq(expected.as_bytes(), signature.as_bytes()) {
            return None;
        }
        let age = now - issued;
        if !(-CLOCK_SKEW..=TICKET_LIFETIME).contains(&age) {
            return None;
        }
        Some(uri_unescape(user))
    }

    /// `assemble_csrf_prevention_token`: `<%08X time>:<base64 HMAC>`.
    pub fn issue_csrf(&self, userid: &str, now: i64) -> String {
        let time = format!("{now:08X}");
        let digest = hmac_sha256(&self.csrf_key, format!("{time}:{userid}").as_bytes());
        format!("{time}:{}", STANDARD_NO_PAD.encode(digest))
    }

    /// `verify_csrf_prevention_token` for this user.
    pub fn verify_csrf(&self, token: &str, userid: &str, now: i64) -> bool {
        let Some((time, signature)) = token.split_once(':') else {
            return false;
        };
        let Ok(issued) = i64::from_str_radix(time, 16) else {
            return false;
        };
        let digest = hmac_sha256(&self.csrf_key, format!("{time}:{userid}").as_bytes());
        let expected = STANDARD_NO_PAD.encode(digest);
        let age = now - issued;
        constant_time_eq(expected.as_bytes(), signature.as_bytes())
            && (-CLOCK_SKEW..=TICKET_LIFETIME).contains(&age)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc4231_case_2() {
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            hex::encode(mac),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn ticket_round_trip_and_expiry() {
        let signer = TicketSigner::new_random();
        let now = 0x6000_0000;
        let ticket = signer.issue_ticket("alice@pve", now);
        assert!(ticket.starts_with("PVE:alice@pve:60000000::"));
        assert_eq!(
            signer.verify_ticket(&ticket, now + 10).as_deref(),
            Some("alice@pve")
        );
        assert_eq!(signer.verify_ticket(&ticket, now + 7201), None);
        let forged = ticket.replace("alice", "admin");
        assert_eq!(signer.verify_ticket(&forged, now), None);
        let other = TicketSigner::new_random();
        assert_eq!(other.verify_ticket(&ticket, now), None);
    }

    #[test]
    fn csrf_is_bound_to_user() {
        let signer = TicketSigner::new_random();
        let token = signer.issue_csrf("alice@pve", 100);
        assert!(token.starts_with("00000064:"));
        assert!(signer.verify_csrf(&token, "alice@pve", 200));
        assert!(!signer.verify_csrf(&token, "bob@pve", 200));
        assert!(!signer.verify_csrf(&token, "alice@pve", 100 + 7201));
    }

    #[test]
    fn unescape() {
        assert_eq!(uri_unescape("a%3Ab%2"), "a:b%2");
    }
}
