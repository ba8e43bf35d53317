//! ACL paths as PVE 9.1 accepts them (reference §4.6 and §6.5), so a bad
//! `pve_acl.path` fails at plan time instead of half-way through an apply.

/// The path forms PVE 9.1 accepts, for error messages.
pub const VALID_FORMS: &str = "/, /access, /access/groups, /access/groups/<group>, /access/realm, /access/realm/<realm>, \
/nodes, /nodes/<node>, /pool, /pool/<pool>[/<sub>[/<sub>]], /sdn, /sdn/controllers[/<id>], /sdn/dns[/<id>], \
/sdn/ipams[/<id>], /sdn/fabrics[/<id>], /sdn/prefix-lists[/<id>], /sdn/route-maps[/<id>], \
/sdn/zones[/<zone>[/<vnet>[/<vlan 1-9999>]]], /storage, /storage/<storage>, /vms, /vms/<vmid ≥ 100>, \
/mapping, /mapping/<type>[/<id>]";

/// Normalises a path the way `PUT /access/acl` does: runs of `/` collapse
/// to one, a trailing `/` is dropped, a leading `/` is added. `None` when the
/// path is empty or has a character outside `[[:alnum:].-_/]`.
pub fn normalize(path: &str) -> Option<String> {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    if path.is_empty() {
        return None;
    }
    let normal = format!("/{}", segments.join("/"));
    let allowed = |c: char| c.is_alphanumeric() || matches!(c, '.' | '-' | '_' | '/');
    normal.chars().all(allowed).then_some(normal)
}

/// `[[:alnum:].\-_]+`
fn name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

/// `[[:alnum:]]+`
fn alnum(s: &str) -> bool {
    !s.is_empty() && s.chars().all(char::is_alphanumeric)
}

/// `[A-Za-z0-9.\-_]+` (pool levels are ASCII-only in PVE's regex).
fn ascii_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

/// A decimal number of `min..=max` digits without a leading zero.
fn number(s: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&s.len()) && !s.starts_with('0') && s.chars().all(|c| c.is_ascii_digit())
}

/// Whether a normalised path is one PVE 9.1 lets an ACL be set on
/// (`AccessControl::check_path`).
pub fn is_valid(normal: &str) -> bool {
    if normal == "/" {
        return true;
    }
    let Some(rest) = normal.strip_prefix('/') else {
        return false;
    };
    let parts: Vec<&str> = rest.split('/').collect();
    match parts.as_slice() {
        ["access" | "nodes" | "pool" | "sdn" | "storage" | "vms" | "mapping"] => true,
        ["access", "groups" | "realm"] => true,
        ["access", "groups" | "realm", id] | ["nodes" | "storage" | "mapping", id] => name(id),
        ["mapping", kind, id] => name(kind) && name(id),
        ["pool", levels @ ..] => levels.len() <= 3 && levels.iter().all(|l| ascii_name(l)),
        ["vms", vmid] => number(vmid, 3, usize::MAX),
        [
            "sdn",
            "controllers" | "dns" | "ipams" | "fabrics" | "prefix-lists" | "route-maps" | "zones",
        ] => true,
        ["sdn", "controllers", id] => {
            !id.is_empty()
                && id
                    .chars()
                    .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-'))
        }
        [
            "sdn",
            "dns" | "ipams" | "fabrics" | "prefix-lists" | "route-maps",
            id,
        ] => alnum(id),
        ["sdn", "zones", zone] => name(zone),
        ["sdn", "zones", zone, vnet] => name(zone) && name(vnet),
        ["sdn", "zones", zone, vnet, vlan] => name(zone) && name(vnet) && number(vlan, 1, 4),
        _ => false,
    }
}

/// Why a configured path cannot be used, or `Ok(())`. The message names
/// the fix: the normal form to write, or the forms PVE accepts.
pub fn check(path: &str) -> Result<(), String> {
    // PVE's regex allows any `[[:alnum:]]`, but user.cfg is read back as
    // Latin-1 bytes: a non-ASCII path no longer matches on the next read,
    // and PVE drops the entry silently.
    if !path.is_ascii() {
        return Err(format!(
            "`{path}` contains non-ASCII characters: PVE accepts them, but drops the entry the next time it reads user.cfg. Use ASCII letters, digits, '.', '-', '_' and '/' only."
        ));
    }
    let Some(normal) = normalize(path) else {
        return Err(format!(
            "`{path}` is not an ACL path: it must be non-empty and contain only letters, digits, '.', '-', '_' and '/'. Valid forms: {VALID_FORMS}."
        ));
    };
    if normal != path {
        return Err(format!(
            "`{path}` is not in the form PVE stores, which would show as a change on every plan: write `{normal}` (one leading '/', no '//' and no trailing '/')."
        ));
    }
    if !is_valid(&normal) {
        return Err(format!(
            "PVE 9.1 does not accept an ACL on `{path}`. Valid forms: {VALID_FORMS}."
        ));
    }
    Ok(())
}

/// Whether `path` is `base` or lies below it (`/` contains every path).
pub fn is_within(path: &str, base: &str) -> bool {
    base == "/"
        || path == base
        || path
            .strip_prefix(base)
            .is_some_and(|rest| rest.starts_with('/'))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn normalises_like_pve() {
        assert_eq!(normalize("/").as_deref(), Some("/"));
        assert_eq!(normalize("//").as_deref(), Some("/"));
        assert_eq!(normalize("vms//100/").as_deref(), Some("/vms/100"));
        assert_eq!(normalize("/pool/a/b").as_deref(), Some("/pool/a/b"));
        assert_eq!(normalize(""), None);
        assert_eq!(normalize("/vms/1 00"), None);
        assert_eq!(normalize("/vms|100"), None);
    }

    #[test]
    fn accepts_the_pve_9_1_forms() {
        for path in [
            "/",
            "/access",
            "/access/groups",
            "/access/groups/ops",
            "/access/realm/pve",
            "/nodes/pve1",
            "/pool",
            "/pool/prod",
            "/pool/a/b/c",
            "/sdn/zones",
            "/sdn/zones/z1/vnet1/4094",
            "/sdn/controllers/ctl_1-a",
            "/sdn/fabrics/f1",
            "/sdn/prefix-lists/p1",
            "/sdn/route-maps/r1",
            "/storage/local-lvm",
            "/vms",
            "/vms/100",
            "/vms/999999",
            "/mapping/pci",
            "/mapping/pci/gpu0",
        ] {
            assert!(is_valid(path), "{path} should be valid");
            assert_eq!(check(path), Ok(()), "{path}");
        }
    }

    #[test]
    fn rejects_what_pve_rejects() {
        for path in [
            "/vms/99",
            "/vms/0100",
            "/vms/abc",
            "/vms/100/disk",
            "/pool/a/b/c/d",
            "/access/realms/pve",
            "/access/users",
            "/sdn/zones/z/v/0",
            "/sdn/zones/z/v/10000",
            "/sdn/dns/a.b",
            "/storage/a/b",
            "/mapping/a/b/c",
            "/foo",
        ] {
            assert!(!is_valid(path), "{path} should be invalid");
            let error = check(path).unwrap_err();
            assert!(error.contains("Valid forms: /, /access"), "{error}");
        }
    }

    #[test]
    fn non_ascii_paths_are_refused_with_the_reason() {
        for path in ["/storage/lökal", "/mapping/pci/gpü"] {
            let error = check(path).unwrap_err();
            assert!(error.contains("non-ASCII"), "{error}");
        }
        // Upper case is fine: PVE storage ids may use it.
        assert_eq!(check("/storage/NFS-Backup"), Ok(()));
    }

    #[test]
    fn requires_the_normal_form_and_names_it() {
        let error = check("/vms/100/").unwrap_err();
        assert!(error.contains("write `/vms/100`"), "{error}");
        assert!(check("vms/100").unwrap_err().contains("write `/vms/100`"));
        assert!(check("/vms//100").unwrap_err().contains("write `/vms/100`"));
        assert!(check("").unwrap_err().contains("not an ACL path"));
    }

    #[test]
    fn containment() {
        assert!(is_within("/vms/100", "/"));
        assert!(is_within("/vms/100", "/vms"));
        assert!(is_within("/vms", "/vms"));
        assert!(!is_within("/vmsx", "/vms"));
        assert!(!is_within("/vms", "/vms/100"));
    }
}
