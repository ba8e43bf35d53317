//! Identifier checks (§3) and the small text helpers PVE's config files use.
//!
//! Hand-written matchers for the anchored PVE regexes, so no regex can fail
//! to compile at runtime.

/// `[A-Za-z][A-Za-z0-9.\-_]+`: realm names and token sub-ids.
pub fn is_realm_name(s: &str) -> bool {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphabetic() => {}
        _ => return false,
    }
    let rest = chars.as_str();
    !rest.is_empty() && rest.chars().all(is_name_char)
}

/// `[A-Za-z0-9.\-_]`
fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')
}

/// `[A-Za-z0-9.\-_]+`: group and role names, pool path components.
pub fn is_simple_name(s: &str) -> bool {
    !s.is_empty() && s.chars().all(is_name_char)
}

/// `[^\s:/]+`: the user part of a userid.
fn is_user_part(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| !c.is_whitespace() && c != ':' && c != '/')
}

/// Split `user@realm` on the last `@` that leaves a valid realm (the regex is
/// greedy on the user part, which may itself contain `@`).
fn split_userid(s: &str) -> Option<(&str, &str)> {
    let at = s.rfind('@')?;
    let (user, realm) = (&s[..at], &s[at + 1..]);
    (is_user_part(user) && is_realm_name(realm)).then_some((user, realm))
}

/// `verify_username`: returns `(user part, realm)` or PVE's error text.
pub fn verify_userid(s: &str) -> Result<(&str, &str), String> {
    // Perl's `length`: characters. A user id from a request path is a byte
    // string in PVE (see `byte_string`), so there it counts bytes, as here.
    let len = s.chars().count();
    if len < 3 {
        return Err(format!("user name '{s}' is too short"));
    }
    if len > 64 {
        return Err(format!("user name '{s}' is too long ({len} > 64)"));
    }
    split_userid(s).ok_or_else(|| format!("value '{s}' does not look like a valid user name"))
}

/// Whether `s` is a valid userid (no token part).
pub fn is_userid(s: &str) -> bool {
    verify_userid(s).is_ok()
}

/// `split_tokenid`: `user@realm!token` → `(user@realm, token)`.
///
/// No length check, like PVE's `$token_full_regex`.
pub fn split_tokenid(s: &str) -> Option<(&str, &str)> {
    let bang = s.rfind('!')?;
    let (userid, token) = (&s[..bang], &s[bang + 1..]);
    (is_realm_name(token) && split_userid(userid).is_some()).then_some((userid, token))
}

/// The error text of `split_tokenid` without `noerr`.
pub fn split_tokenid_error(s: &str) -> String {
    format!("'{s}' is not a valid token ID - not able to split into user and token parts")
}

/// Whether `s` is a full token id.
pub fn is_tokenid(s: &str) -> bool {
    split_tokenid(s).is_some()
}

/// `pve-groupid` (9.0.5+ regex).
pub fn is_groupid(s: &str) -> bool {
    is_simple_name(s)
}

/// `pve-roleid`.
pub fn is_roleid(s: &str) -> bool {
    is_simple_name(s)
}

/// `verify_poolname`: 1 to 3 `/`-separated simple names.
pub fn verify_poolid(s: &str) -> Result<(), String> {
    // Perl's split drops trailing empty fields, so count the non-trailing ones.
    let parts: Vec<&str> = s.trim_end_matches('/').split('/').collect();
    if parts.len() > 3 {
        return Err(format!(
            "pool name '{s}' nested too deeply (max levels = 3)"
        ));
    }
    if !s.split('/').all(is_simple_name) {
        return Err(format!("pool name '{s}' contains invalid characters"));
    }
    Ok(())
}

/// Storage ids accepted in pool lines: `^[a-z][a-z0-9\-_.]*[a-z0-9]$` (case-insensitive).
pub fn is_pool_storage_id(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 2 || !b[0].is_ascii_alphabetic() || !b[b.len() - 1].is_ascii_alphanumeric() {
        return false;
    }
    b.iter()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
}

/// `PVE::Tools::split_list`: split on `,`, `;` and whitespace (or on NUL when
/// the text contains one), dropping empty items.
pub fn split_list(text: &str) -> Vec<String> {
    if text.contains('\0') {
        // Perl's split drops trailing empty fields only.
        let mut items: Vec<String> = text.split('\0').map(str::to_string).collect();
        while items.last().is_some_and(String::is_empty) {
            items.pop();
        }
        return items;
    }
    text.split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// `PVE::ParseUtils::encode_text`: UTF-8 bytes outside `0x20..=0x7e`, and
/// `%` and `:`, become `%XX` (upper-case hex).
pub fn encode_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for &b in text.as_bytes() {
        if (0x20..=0x7e).contains(&b) && b != b'%' && b != b':' {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `PVE::ParseUtils::decode_text` on a UTF-8 string: undo `%XX` escapes,
/// then decode UTF-8 (invalid sequences become U+FFFD like Perl's lax
/// decode).
pub fn decode_text(data: &str) -> String {
    unescape_utf8(data.as_bytes())
}

/// `decode_text` on a field of user.cfg as PVE's parser holds it: one
/// character per byte of the file (see [`byte_string`]), so each character
/// is taken back as the byte it came from before the escapes are undone.
pub fn decode_file_text(field: &str) -> String {
    let bytes: Vec<u8> = field.chars().map(file_byte).collect();
    unescape_utf8(&bytes)
}

fn unescape_utf8(bytes: &[u8]) -> String {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 3 <= bytes.len()
            && bytes[i + 1].is_ascii_hexdigit()
            && bytes[i + 2].is_ascii_hexdigit()
        {
            out.push(hex_val(bytes[i + 1]) * 16 + hex_val(bytes[i + 2]));
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The byte a character of [`byte_string`] stands for. Characters above
/// U+00FF never come from a file; should one appear it becomes `?`.
fn file_byte(c: char) -> u8 {
    u8::try_from(u32::from(c)).unwrap_or(b'?')
}

/// Bytes as a Perl byte string: one character (U+0000..U+00FF) per byte,
/// UTF-8 *not* decoded. That is how PVE's parsers see a file (pmxcfs hands
/// Perl bytes) and how its API server sees a request path (`uri_unescape`
/// without a decode, pve-http-server `AnyEvent.pm::process_header`), so a
/// user id written as UTF-8 reads back as its bytes (`jÃ¼rgen@pve`).
pub fn byte_string(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

/// The bytes `PVE::File::file_set_contents` writes for `text` (a Perl
/// string) without `force_utf8`, as `cfs_write_file` calls it for
/// user.cfg: it `print`s the string to an in-memory handle without an
/// encoding layer. When every character fits in a byte (U+0000..U+00FF)
/// Perl writes one byte per character (Latin-1); when any character is
/// wider, it warns "Wide character in print" and writes the whole string's
/// UTF-8 form instead. (pve-common `src/PVE/File.pm::file_set_contents`,
/// pve-cluster `PVE/Cluster.pm::cfs_write_file`.)
pub fn perl_print_bytes(text: &str) -> Vec<u8> {
    if text.chars().all(|c| u32::from(c) <= 0xff) {
        text.chars().map(file_byte).collect()
    } else {
        text.as_bytes().to_vec()
    }
}

/// Perl's `\s` on a byte string (no `unicode_strings` feature): ASCII
/// whitespace only, so a byte 0xA0 or 0x85 in user.cfg is not trimmed.
pub fn is_perl_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0B' | '\x0C')
}

fn hex_val(b: u8) -> u8 {
    match b {
        b'0'..=b'9' => b - b'0',
        b'a'..=b'f' => b - b'a' + 10,
        _ => b - b'A' + 10,
    }
}

/// Perl's `split(/:/, $line)` followed by trimming each field: trailing
/// empty fields are dropped, leading and inner ones kept.
pub fn perl_split_colon(line: &str) -> Vec<String> {
    let mut fields: Vec<String> = line
        .split(':')
        .map(|f| f.trim_matches(is_perl_space).to_string())
        .collect();
    // Perl drops trailing empty fields *before* trimming; a field of spaces
    // is not empty then, so only pop truly empty raw fields.
    let raw: Vec<&str> = line.split(':').collect();
    let mut keep = raw.len();
    while keep > 0 && raw[keep - 1].is_empty() {
        keep -= 1;
    }
    fields.truncate(keep);
    fields
}

/// Perl truthiness of a config field: undefined, `""` and `"0"` are false.
pub fn perl_true(s: Option<&str>) -> bool {
    matches!(s, Some(v) if !v.is_empty() && v != "0")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn userids() {
        assert_eq!(verify_userid("root@pam"), Ok(("root", "pam")));
        assert_eq!(verify_userid("a@b@pve"), Ok(("a@b", "pve")));
        assert_eq!(
            verify_userid("ab"),
            Err("user name 'ab' is too short".into())
        );
        assert_eq!(
            verify_userid("foo"),
            Err("value 'foo' does not look like a valid user name".into())
        );
        assert!(!is_userid("a b@pve"));
        assert!(!is_userid("a@p"));
        assert!(!is_userid("a:b@pve"));
        let long = format!("{}@pve", "x".repeat(61));
        assert_eq!(
            verify_userid(&long),
            Err(format!("user name '{long}' is too long (65 > 64)"))
        );
    }

    #[test]
    fn tokenids() {
        assert_eq!(split_tokenid("bob@pve!ci"), Some(("bob@pve", "ci")));
        assert_eq!(split_tokenid("bob@pve!c"), None);
        assert_eq!(split_tokenid("bob@pve!1ci"), None);
        assert_eq!(split_tokenid("bob@pve"), None);
        assert!(is_tokenid("a!b@pve!tok"));
    }

    #[test]
    fn pools_and_names() {
        assert!(verify_poolid("a/b/c").is_ok());
        assert_eq!(
            verify_poolid("a/b/c/d"),
            Err("pool name 'a/b/c/d' nested too deeply (max levels = 3)".into())
        );
        assert!(verify_poolid("a b").is_err());
        assert!(is_groupid("ops-1.x_y"));
        assert!(!is_groupid("a:b"));
        assert!(is_pool_storage_id("local-lvm"));
        assert!(!is_pool_storage_id("local-"));
    }

    #[test]
    fn split_lists() {
        assert_eq!(split_list(" a,b;c  d "), ["a", "b", "c", "d"]);
        assert!(split_list("").is_empty());
    }

    #[test]
    fn text_escaping_round_trips() {
        let s = "Grüße: 100% sure\tok";
        let enc = encode_text(s);
        assert_eq!(enc, "Gr%C3%BC%C3%9Fe%3A 100%25 sure%09ok");
        assert_eq!(decode_text(&enc), s);
        assert_eq!(decode_text("a%zz%4"), "a%zz%4");
    }

    #[test]
    fn perl_split() {
        assert_eq!(
            perl_split_colon("user:a@pve:1:0::::::"),
            ["user", "a@pve", "1", "0"]
        );
        assert_eq!(perl_split_colon(":x:"), ["", "x"]);
        assert_eq!(perl_split_colon("a: b :"), ["a", "b"]);
    }
}
