//! ACL paths in PVE's normal form (reference §4.6 and §6.5).
//!
//! PVE normalises every ACL path it is given (`PVE::AccessControl::normalize_path`)
//! and, when an ACL is granted, checks it against a fixed list of forms
//! (`PVE::AccessControl::check_path`). [`AclPath`] holds a path in that normal
//! form, so paths compare equal exactly when PVE treats them as the same path;
//! [`AclPath::grantable`] adds the checks of a grant, so a bad path is refused
//! locally with a message naming the fix instead of as a 400 half-way through
//! a batch of changes.

use std::borrow::Borrow;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The path forms PVE 9.1 lets an ACL be granted on, for error messages.
const VALID_FORMS: &str = "/, /access, /access/groups, /access/groups/<group>, /access/realm, /access/realm/<realm>, \
/nodes, /nodes/<node>, /pool, /pool/<pool>[/<sub>[/<sub>]], /sdn, /sdn/controllers[/<id>], /sdn/dns[/<id>], \
/sdn/ipams[/<id>], /sdn/fabrics[/<id>], /sdn/prefix-lists[/<id>], /sdn/route-maps[/<id>], \
/sdn/zones[/<zone>[/<vnet>[/<vlan 1-9999>]]], /storage, /storage/<storage>, /vms, /vms/<vmid ≥ 100>, \
/mapping, /mapping/<type>[/<id>]";

/// Why a text is not a usable ACL path. `Display` names the fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AclPathError {
    /// Empty, or a character outside `[[:alnum:].-_/]`: PVE rejects it.
    #[error(
        "`{path}` is not an ACL path: it must be non-empty and contain only letters, digits, '.', '-', '_' and '/'. Valid forms: {VALID_FORMS}."
    )]
    Invalid {
        /// The rejected text.
        path: String,
    },
    /// Not in the form PVE stores (a leading `/`, no `//`, no trailing `/`).
    #[error(
        "`{path}` is not in the form PVE stores: write `{normal}` (one leading '/', no '//' and no trailing '/')."
    )]
    NotNormal {
        /// The rejected text.
        path: String,
        /// The same path in PVE's normal form.
        normal: AclPath,
    },
    /// Non-ASCII letters: PVE accepts them, but reads `user.cfg` back as
    /// Latin-1 bytes, so the entry no longer matches and is dropped.
    #[error(
        "`{path}` contains non-ASCII characters: PVE accepts them, but drops the entry the next time it reads user.cfg. Use ASCII letters, digits, '.', '-', '_' and '/' only."
    )]
    NonAscii {
        /// The rejected text.
        path: String,
    },
    /// A well-formed path that is none of the forms PVE 9.1 grants ACLs on.
    #[error("PVE 9.1 does not accept an ACL on `{path}`. Valid forms: {VALID_FORMS}.")]
    NotGrantable {
        /// The rejected path.
        path: AclPath,
    },
}

/// An ACL path in PVE's normal form: one leading `/`, no empty segment, no
/// trailing `/`, and only `[[:alnum:].-_/]` (e.g. `/`, `/vms/100`, `/pool/dev`).
///
/// Two `AclPath`s are equal exactly when PVE treats them as the same path.
/// Any normal-form path can be held (PVE lists, and lets `delete=1` remove,
/// entries on paths it would no longer grant); [`AclPath::grantable`] and
/// [`AclPath::is_grantable`] add PVE 9.1's list of forms an ACL can be set on.
///
/// ```
/// use proxmox_client::AclPath;
/// let path: AclPath = "/vms/100".parse()?;
/// assert_eq!(path.as_str(), "/vms/100");
/// assert!(path.is_grantable());
/// assert!("/vms/".parse::<AclPath>().is_err(), "not in normal form");
/// assert_eq!(AclPath::normalize("vms//100/")?, path);
/// # Ok::<(), proxmox_client::AclPathError>(())
/// ```
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AclPath(String);

impl AclPath {
    /// The forms PVE 9.1 lets an ACL be granted on, as one line for messages.
    ///
    /// ```
    /// assert!(proxmox_client::AclPath::VALID_FORMS.starts_with("/, /access"));
    /// ```
    pub const VALID_FORMS: &'static str = VALID_FORMS;

    /// The root path `/`, which contains every path.
    ///
    /// ```
    /// assert_eq!(proxmox_client::AclPath::root().as_str(), "/");
    /// ```
    pub fn root() -> Self {
        Self("/".to_owned())
    }

    /// A path that is already in PVE's normal form; otherwise the error names
    /// the normal form to write ([`AclPathError::NotNormal`]).
    ///
    /// ```
    /// use proxmox_client::{AclPath, AclPathError};
    /// assert!(AclPath::new("/pool/dev").is_ok());
    /// let Err(AclPathError::NotNormal { normal, .. }) = AclPath::new("pool/dev/") else {
    ///     panic!("not in normal form");
    /// };
    /// assert_eq!(normal.as_str(), "/pool/dev");
    /// ```
    pub fn new(path: impl AsRef<str>) -> Result<Self, AclPathError> {
        let path = path.as_ref();
        let normal = Self::normalize(path)?;
        if normal.0 == path {
            Ok(normal)
        } else {
            Err(AclPathError::NotNormal {
                path: path.to_owned(),
                normal,
            })
        }
    }

    /// Normalises a path the way PVE does (`normalize_path`): runs of `/`
    /// collapse to one, a trailing `/` is dropped, a leading `/` is added.
    /// Fails when the text is empty or has a character outside `[[:alnum:].-_/]`.
    ///
    /// ```
    /// use proxmox_client::AclPath;
    /// assert_eq!(AclPath::normalize("//")?.as_str(), "/");
    /// assert_eq!(AclPath::normalize("vms//100/")?.as_str(), "/vms/100");
    /// assert!(AclPath::normalize("/vms|100").is_err());
    /// # Ok::<(), proxmox_client::AclPathError>(())
    /// ```
    pub fn normalize(path: impl AsRef<str>) -> Result<Self, AclPathError> {
        let path = path.as_ref();
        let allowed = |c: char| c.is_alphanumeric() || matches!(c, '.' | '-' | '_' | '/');
        if path.is_empty() || !path.chars().all(allowed) {
            return Err(AclPathError::Invalid {
                path: path.to_owned(),
            });
        }
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        Ok(Self(format!("/{}", segments.join("/"))))
    }

    /// A path an ACL can be granted on, checked in the order a user fixes
    /// them: ASCII only, a path at all, PVE's normal form (so the stored
    /// entry reads back unchanged), and one of PVE 9.1's forms.
    ///
    /// ```
    /// use proxmox_client::{AclPath, AclPathError};
    /// assert!(AclPath::grantable("/sdn/zones/z1/vnet1/42").is_ok());
    /// assert!(matches!(AclPath::grantable("/vms/99"), Err(AclPathError::NotGrantable { .. })));
    /// assert!(matches!(AclPath::grantable("/storage/lökal"), Err(AclPathError::NonAscii { .. })));
    /// ```
    pub fn grantable(path: impl AsRef<str>) -> Result<Self, AclPathError> {
        let path = path.as_ref();
        // PVE's regex allows any `[[:alnum:]]`, but user.cfg is read back as
        // Latin-1 bytes: a non-ASCII path no longer matches on the next read,
        // and PVE drops the entry silently.
        if !path.is_ascii() {
            return Err(AclPathError::NonAscii {
                path: path.to_owned(),
            });
        }
        let path = Self::new(path)?;
        if path.is_grantable() {
            Ok(path)
        } else {
            Err(AclPathError::NotGrantable { path })
        }
    }

    /// The path text, e.g. `/vms/100`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether PVE 9.1 lets an ACL be granted on this path
    /// (`AccessControl::check_path`, reference §6.5).
    ///
    /// ```
    /// use proxmox_client::AclPath;
    /// assert!(AclPath::new("/pool/a/b/c")?.is_grantable());
    /// assert!(!AclPath::new("/pool/a/b/c/d")?.is_grantable());
    /// # Ok::<(), proxmox_client::AclPathError>(())
    /// ```
    pub fn is_grantable(&self) -> bool {
        let Some(rest) = self.0.strip_prefix('/') else {
            return false;
        };
        if rest.is_empty() {
            return true;
        }
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
                "controllers" | "dns" | "ipams" | "fabrics" | "prefix-lists" | "route-maps"
                | "zones",
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

    /// Whether `path` (in normal form, as PVE lists it) is this path or lies
    /// below it. `/` contains every path; `/vms` contains `/vms/100` but not
    /// `/vmsx`.
    ///
    /// ```
    /// use proxmox_client::AclPath;
    /// let vms = AclPath::new("/vms")?;
    /// assert!(vms.contains("/vms/100") && vms.contains("/vms"));
    /// assert!(!vms.contains("/vmsx") && !vms.contains("/"));
    /// assert!(AclPath::root().contains("/storage/local"));
    /// # Ok::<(), proxmox_client::AclPathError>(())
    /// ```
    pub fn contains(&self, path: &str) -> bool {
        let base = self.0.as_str();
        base == "/"
            || path == base
            || path
                .strip_prefix(base)
                .is_some_and(|rest| rest.starts_with('/'))
    }
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

impl fmt::Display for AclPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for AclPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AclPath({:?})", self.0)
    }
}

impl FromStr for AclPath {
    type Err = AclPathError;
    fn from_str(s: &str) -> Result<Self, AclPathError> {
        Self::new(s)
    }
}

impl TryFrom<&str> for AclPath {
    type Error = AclPathError;
    fn try_from(s: &str) -> Result<Self, AclPathError> {
        Self::new(s)
    }
}

impl TryFrom<String> for AclPath {
    type Error = AclPathError;
    fn try_from(s: String) -> Result<Self, AclPathError> {
        Self::new(s)
    }
}

impl AsRef<str> for AclPath {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl From<AclPath> for String {
    fn from(path: AclPath) -> Self {
        path.0
    }
}

impl From<&AclPath> for String {
    fn from(path: &AclPath) -> Self {
        path.0.clone()
    }
}

/// Lets maps keyed by `AclPath` be looked up with a `&str`.
impl Borrow<str> for AclPath {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for AclPath {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<String> for AclPath {
    fn eq(&self, other: &String) -> bool {
        self.0 == *other
    }
}

impl PartialEq<&str> for AclPath {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl Serialize for AclPath {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

/// Paths PVE sends are taken in their normal form: PVE stores nothing else,
/// and comparing normal forms is what PVE itself does.
impl<'de> Deserialize<'de> for AclPath {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Self::normalize(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn normal(path: &str) -> Option<String> {
        AclPath::normalize(path).ok().map(|p| p.0)
    }

    #[test]
    fn normalises_like_pve() {
        assert_eq!(normal("/").as_deref(), Some("/"));
        assert_eq!(normal("//").as_deref(), Some("/"));
        assert_eq!(normal("vms//100/").as_deref(), Some("/vms/100"));
        assert_eq!(normal("/pool/a/b").as_deref(), Some("/pool/a/b"));
        assert_eq!(normal(""), None);
        assert_eq!(normal("/vms/1 00"), None);
        assert_eq!(normal("/vms|100"), None);
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
            let parsed = AclPath::grantable(path);
            assert_eq!(parsed.as_ref().map(AclPath::as_str), Ok(path), "{path}");
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
            // Well-formed: PVE lists and deletes entries on such paths.
            let held = AclPath::new(path).unwrap();
            assert!(!held.is_grantable(), "{path} should not be grantable");
            let error = AclPath::grantable(path).unwrap_err();
            assert!(matches!(error, AclPathError::NotGrantable { .. }));
            assert!(
                error.to_string().contains("Valid forms: /, /access"),
                "{error}"
            );
        }
    }

    #[test]
    fn non_ascii_paths_are_refused_with_the_reason() {
        for path in ["/storage/lökal", "/mapping/pci/gpü"] {
            let error = AclPath::grantable(path).unwrap_err();
            assert!(error.to_string().contains("non-ASCII"), "{error}");
            // PVE's character class is Unicode: the path itself is well-formed.
            assert!(AclPath::new(path).is_ok());
        }
        // Upper case is fine: PVE storage ids may use it.
        assert!(AclPath::grantable("/storage/NFS-Backup").is_ok());
    }

    #[test]
    fn requires_the_normal_form_and_names_it() {
        for path in ["/vms/100/", "vms/100", "/vms//100"] {
            let error = AclPath::new(path).unwrap_err();
            assert!(error.to_string().contains("write `/vms/100`"), "{error}");
        }
        let error = AclPath::new("").unwrap_err();
        assert!(error.to_string().contains("not an ACL path"), "{error}");
    }

    #[test]
    fn containment() {
        let path = |p: &str| AclPath::new(p).unwrap();
        assert!(path("/").contains("/vms/100"));
        assert!(path("/vms").contains("/vms/100"));
        assert!(path("/vms").contains("/vms"));
        assert!(!path("/vms").contains("/vmsx"));
        assert!(!path("/vms/100").contains("/vms"));
    }

    #[test]
    fn serde_uses_the_text_and_normalises_what_the_server_sends() {
        let path: AclPath = serde_json::from_value(serde_json::json!("/vms/100/")).unwrap();
        assert_eq!(path, "/vms/100");
        assert_eq!(serde_json::to_value(&path).unwrap(), "/vms/100");
        assert!(serde_json::from_value::<AclPath>(serde_json::json!("")).is_err());
        assert_eq!(format!("{path:?}"), r#"AclPath("/vms/100")"#);
    }
}
