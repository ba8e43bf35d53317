//! Terraform-facing wording for ACL paths. The rules (PVE's normal form and
//! the 9.1 list of grantable forms) are [`proxmox_client::AclPath`]'s; this
//! only says what a non-normal path means for a plan, so a bad `pve_acl.path`
//! fails at plan time instead of half-way through an apply.

use proxmox_client::{AclPath, AclPathError};

/// A path a `pve_acl` can be granted on, or why not. The message names the
/// fix: the normal form to write, or the forms PVE accepts.
pub fn check(path: &str) -> Result<AclPath, String> {
    AclPath::grantable(path).map_err(|error| match error {
        AclPathError::NotNormal { path, normal } => format!(
            "`{path}` is not in the form PVE stores, which would show as a change on every plan: write `{normal}` (one leading '/', no '//' and no trailing '/')."
        ),
        other => other.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepted_paths_come_back_unchanged() {
        for path in ["/", "/vms/100", "/pool/a/b/c", "/storage/NFS-Backup"] {
            assert_eq!(check(path).unwrap().as_str(), path);
        }
    }

    #[test]
    fn messages_name_the_fix() {
        let error = check("/vms/100/").unwrap_err();
        assert!(
            error.contains("which would show as a change on every plan"),
            "{error}"
        );
        assert!(error.contains("write `/vms/100`"), "{error}");
        assert!(check("vms/100").unwrap_err().contains("write `/vms/100`"));
        assert!(check("/vms//100").unwrap_err().contains("write `/vms/100`"));
        assert!(check("").unwrap_err().contains("not an ACL path"));
        let error = check("/vms/99").unwrap_err();
        assert!(
            error.starts_with(
                "PVE 9.1 does not accept an ACL on `/vms/99`. Valid forms: /, /access"
            ),
            "{error}"
        );
        assert!(check("/storage/lökal").unwrap_err().contains("non-ASCII"));
    }
}
