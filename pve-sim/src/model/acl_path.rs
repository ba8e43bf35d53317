//! ACL path normalisation and the PVE 9.1 valid-path whitelist (§6.5).

/// `normalize_path`: collapse `//`, drop a trailing `/`, add a leading `/`,
/// then require `[[:alnum:].\-_/]+`. `None` means PVE's `undef` (the caller
/// answers `invalid ACL path '<as sent>'`).
pub fn normalize(path: &str) -> Option<String> {
    if path.is_empty() || path == "0" {
        // Perl: `return undef if !$path`.
        return None;
    }
    let mut out = String::with_capacity(path.len() + 1);
    let mut prev_slash = false;
    for c in path.chars() {
        if c == '/' {
            if prev_slash {
                continue;
            }
            prev_slash = true;
        } else {
            prev_slash = false;
        }
        out.push(c);
    }
    if out.ends_with('/') {
        out.pop();
    }
    if out.is_empty() {
        out.push('/');
    }
    if !out.starts_with('/') {
        out.insert(0, '/');
    }
    let ok = out
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_' | '/'));
    ok.then_some(out)
}

/// The error text PUT /access/acl answers (on `path`) for a bad path.
pub fn invalid_path_message(sent: &str) -> String {
    format!("invalid ACL path '{sent}'")
}

/// `[[:alnum:].\-_]+`
fn alnum_ext(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

/// `[[:alnum:]]+`
fn alnum(s: &str) -> bool {
    !s.is_empty() && s.chars().all(char::is_alphanumeric)
}

/// `[[:alnum:]_\-]+`
fn alnum_us_dash(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-'))
}

/// `[A-Za-z0-9.\-_]+`
fn ascii_name(s: &str) -> bool {
    crate::model::ids::is_simple_name(s)
}

/// `[1-9][0-9]{2,}` (VMID ≥ 100)
fn vmid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 3 && (b'1'..=b'9').contains(&b[0]) && b.iter().all(u8::is_ascii_digit)
}

/// `[1-9][0-9]{0,3}` (VLAN tag)
fn vlan(s: &str) -> bool {
    let b = s.as_bytes();
    (1..=4).contains(&b.len()) && (b'1'..=b'9').contains(&b[0]) && b.iter().all(u8::is_ascii_digit)
}

/// `check_path` of access-control 9.1.x: whether a normalised path is one of
/// the object paths PVE lets an ACL be set on.
pub fn is_valid(path: &str) -> bool {
    if path == "/" {
        return true;
    }
    let Some(rest) = path.strip_prefix('/') else {
        return false;
    };
    let parts: Vec<&str> = rest.split('/').collect();
    match parts.as_slice() {
        ["access"] | ["access", "groups"] | ["access", "realm"] => true,
        ["access", "groups", g] | ["access", "realm", g] => alnum_ext(g),
        ["nodes"] | ["pool"] | ["sdn"] | ["storage"] | ["vms"] | ["mapping"] => true,
        ["nodes", n] | ["storage", n] | ["mapping", n] => alnum_ext(n),
        ["mapping", a, b] => alnum_ext(a) && alnum_ext(b),
        ["pool", pool @ ..] => (1..=3).contains(&pool.len()) && pool.iter().all(|p| ascii_name(p)),
        ["vms", id] => vmid(id),
        ["sdn", kind] => matches!(
            *kind,
            "controllers" | "dns" | "fabrics" | "ipams" | "prefix-lists" | "route-maps" | "zones"
        ),
        ["sdn", "controllers", c] => alnum_us_dash(c),
        [
            "sdn",
            "dns" | "fabrics" | "ipams" | "prefix-lists" | "route-maps",
            x,
        ] => alnum(x),
        ["sdn", "zones", z] => alnum_ext(z),
        ["sdn", "zones", z, v] => alnum_ext(z) && alnum_ext(v),
        ["sdn", "zones", z, v, tag] => alnum_ext(z) && alnum_ext(v) && vlan(tag),
        _ => false,
    }
}

/// Normalise and validate like PUT /access/acl: `Ok(normalised)` or the
/// `path` parameter error text. With `delete`, only normalisation applies.
pub fn check_for_update(sent: &str, delete: bool) -> Result<String, String> {
    let norm = normalize(sent).ok_or_else(|| invalid_path_message(sent))?;
    if !delete && !is_valid(&norm) {
        return Err(invalid_path_message(sent));
    }
    Ok(norm)
}

/// The components of a normalised path (`/` has none).
pub fn components(path: &str) -> Vec<&str> {
    path.split('/').filter(|p| !p.is_empty()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalisation() {
        assert_eq!(normalize("//vms//100/").as_deref(), Some("/vms/100"));
        assert_eq!(normalize("vms").as_deref(), Some("/vms"));
        assert_eq!(normalize("/").as_deref(), Some("/"));
        assert_eq!(normalize("///").as_deref(), Some("/"));
        assert_eq!(normalize("/vms/a b"), None);
        assert_eq!(normalize(""), None);
    }

    #[test]
    fn whitelist() {
        for ok in [
            "/",
            "/access",
            "/access/groups/admins",
            "/access/realm/pve",
            "/nodes/pve1",
            "/pool/a/b/c",
            "/sdn/zones/z1/vnet1/100",
            "/sdn/fabrics/f1",
            "/sdn/prefix-lists/p1",
            "/sdn/route-maps/r1",
            "/sdn/controllers/c_1-x",
            "/storage/local-lvm",
            "/vms/100",
            "/mapping/pci/gpu0",
        ] {
            assert!(is_valid(ok), "{ok}");
        }
        for bad in [
            "/vms/99",
            "/vms/0100",
            "/access/realms/pve",
            "/pool/a/b/c/d",
            "/sdn/zones/z/v/0",
            "/sdn/zones/z/v/12345",
            "/sdn/dns/a-b",
            "/foo",
            "/nodes/a/b",
        ] {
            assert!(!is_valid(bad), "{bad}");
        }
    }

    #[test]
    fn update_check_texts() {
        assert_eq!(check_for_update("/vms/100/", false), Ok("/vms/100".into()));
        assert_eq!(
            check_for_update("/foo", false),
            Err("invalid ACL path '/foo'".into())
        );
        assert_eq!(check_for_update("/foo", true), Ok("/foo".into()));
        assert_eq!(
            check_for_update("/a b", true),
            Err("invalid ACL path '/a b'".into())
        );
    }
}
