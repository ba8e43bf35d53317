//! The PVE 9 privilege list and the built-in ("special") roles.
//!
//! Mirrors `AccessControl.pm::$privgroups` / `create_roles` of
//! libpve-access-control 9.1.x: every category lists `root`, `admin`, `user`
//! and `audit` privileges, and the built-in roles are derived from them.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

/// One privilege category of `$privgroups`.
struct PrivGroup {
    name: &'static str,
    root: &'static [&'static str],
    admin: &'static [&'static str],
    user: &'static [&'static str],
    audit: &'static [&'static str],
}

const PRIV_GROUPS: &[PrivGroup] = &[
    PrivGroup {
        name: "VM",
        root: &[],
        admin: &[
            "VM.Config.Disk",
            "VM.Config.CPU",
            "VM.Config.Memory",
            "VM.Config.Network",
            "VM.Config.HWType",
            "VM.Config.Options",
            "VM.Allocate",
            "VM.Clone",
            "VM.GuestAgent.Unrestricted",
            "VM.Migrate",
            "VM.Replicate",
            "VM.Snapshot",
            "VM.Snapshot.Rollback",
        ],
        user: &[
            "VM.Config.CDROM",
            "VM.Config.Cloudinit",
            "VM.Console",
            "VM.Backup",
            "VM.GuestAgent.FileRead",
            "VM.GuestAgent.FileSystemMgmt",
            "VM.GuestAgent.FileWrite",
            "VM.PowerMgmt",
        ],
        audit: &["VM.Audit", "VM.GuestAgent.Audit"],
    },
    PrivGroup {
        name: "Sys",
        root: &[
            "Sys.PowerMgmt",
            "Sys.Modify",
            "Sys.Incoming",
            "Sys.AccessNetwork",
        ],
        admin: &["Sys.Console", "Sys.Syslog"],
        user: &[],
        audit: &["Sys.Audit"],
    },
    PrivGroup {
        name: "Datastore",
        root: &[],
        admin: &["Datastore.Allocate", "Datastore.AllocateTemplate"],
        user: &["Datastore.AllocateSpace"],
        audit: &["Datastore.Audit"],
    },
    PrivGroup {
        name: "SDN",
        root: &[],
        admin: &["SDN.Allocate", "SDN.Audit"],
        user: &["SDN.Use"],
        audit: &["SDN.Audit"],
    },
    PrivGroup {
        name: "User",
        root: &["Realm.Allocate"],
        admin: &["User.Modify", "Group.Allocate", "Realm.AllocateUser"],
        user: &[],
        audit: &[],
    },
    PrivGroup {
        name: "Pool",
        root: &[],
        admin: &["Pool.Allocate"],
        user: &["Pool.Audit"],
        audit: &["Pool.Audit"],
    },
    PrivGroup {
        name: "Mapping",
        root: &[],
        admin: &["Mapping.Modify"],
        user: &["Mapping.Use"],
        audit: &["Mapping.Audit"],
    },
];

/// The privilege outside every category.
pub const PERMISSIONS_MODIFY: &str = "Permissions.Modify";

/// Name of the role that grants every privilege.
pub const ADMINISTRATOR: &str = "Administrator";

/// Name of the role that blocks every inherited privilege.
pub const NO_ACCESS: &str = "NoAccess";

struct Tables {
    privileges: BTreeSet<&'static str>,
    roles: BTreeMap<&'static str, BTreeSet<&'static str>>,
}

fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(build_tables)
}

/// `create_roles`: derive the built-in roles from the category lists.
fn build_tables() -> Tables {
    let mut privileges: BTreeSet<&'static str> = BTreeSet::new();
    privileges.insert(PERMISSIONS_MODIFY);
    let mut roles: BTreeMap<&'static str, BTreeSet<&'static str>> = BTreeMap::new();
    let mut pve_admin = BTreeSet::new();
    let mut auditor = BTreeSet::new();
    // Role names must be 'static; the category set is fixed, so spell them out.
    let names = |cat: &str| -> (&'static str, &'static str) {
        match cat {
            "VM" => ("PVEVMAdmin", "PVEVMUser"),
            "Sys" => ("PVESysAdmin", "PVESysUser"),
            "Datastore" => ("PVEDatastoreAdmin", "PVEDatastoreUser"),
            "SDN" => ("PVESDNAdmin", "PVESDNUser"),
            "User" => ("PVEUserAdmin", "PVEUserUser"),
            "Pool" => ("PVEPoolAdmin", "PVEPoolUser"),
            _ => ("PVEMappingAdmin", "PVEMappingUser"),
        }
    };
    for group in PRIV_GROUPS {
        let all = group
            .root
            .iter()
            .chain(group.admin)
            .chain(group.user)
            .chain(group.audit);
        privileges.extend(all.copied());
        let (admin_name, user_name) = names(group.name);
        let admin: BTreeSet<&'static str> = group
            .admin
            .iter()
            .chain(group.user)
            .chain(group.audit)
            .copied()
            .collect();
        pve_admin.extend(admin.iter().copied());
        roles.insert(admin_name, admin);
        if !group.user.is_empty() {
            roles.insert(
                user_name,
                group.user.iter().chain(group.audit).copied().collect(),
            );
        }
        auditor.extend(group.audit.iter().copied());
    }
    // PVEAdmin never gets Mapping.Modify (only Administrator and PVEMappingAdmin).
    pve_admin.remove("Mapping.Modify");
    roles.insert("PVEAdmin", pve_admin);
    roles.insert("PVEAuditor", auditor);
    roles.insert("PVETemplateUser", ["VM.Audit", "VM.Clone"].into());
    roles.insert(NO_ACCESS, BTreeSet::new());
    roles.insert(ADMINISTRATOR, privileges.clone());
    Tables { privileges, roles }
}

/// Every valid privilege name of PVE 9 (47), sorted.
pub fn all_privileges() -> impl Iterator<Item = &'static str> {
    tables().privileges.iter().copied()
}

/// Whether `name` is a valid PVE 9 privilege (`verify_privname`).
pub fn is_valid_privilege(name: &str) -> bool {
    tables().privileges.contains(name)
}

/// The schema error text for an unknown privilege.
pub fn invalid_privilege_message(name: &str) -> String {
    format!("invalid privilege '{name}'")
}

/// Whether `role` is a built-in role (`role_is_special`).
pub fn is_builtin_role(role: &str) -> bool {
    tables().roles.contains_key(role)
}

/// The privileges of a built-in role, or `None` for any other name.
pub fn builtin_role_privs(role: &str) -> Option<&'static BTreeSet<&'static str>> {
    tables().roles.get(role)
}

/// All built-in roles with their privileges, sorted by role name.
pub fn builtin_roles() -> impl Iterator<Item = (&'static str, &'static BTreeSet<&'static str>)> {
    tables().roles.iter().map(|(name, privs)| (*name, privs))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn privs(role: &str) -> Vec<&'static str> {
        builtin_role_privs(role)
            .map(|p| p.iter().copied().collect())
            .unwrap_or_default()
    }

    #[test]
    fn pve9_has_47_privileges() {
        assert_eq!(all_privileges().count(), 47);
        assert!(is_valid_privilege("VM.Replicate"));
        assert!(is_valid_privilege("VM.GuestAgent.Unrestricted"));
        assert!(is_valid_privilege("Sys.AccessNetwork"));
        assert!(!is_valid_privilege("VM.Monitor"));
    }

    #[test]
    fn builtin_role_set_matches_pve9() {
        let names: Vec<_> = builtin_roles().map(|(n, _)| n).collect();
        assert_eq!(
            names,
            [
                "Administrator",
                "NoAccess",
                "PVEAdmin",
                "PVEAuditor",
                "PVEDatastoreAdmin",
                "PVEDatastoreUser",
                "PVEMappingAdmin",
                "PVEMappingUser",
                "PVEPoolAdmin",
                "PVEPoolUser",
                "PVESDNAdmin",
                "PVESDNUser",
                "PVESysAdmin",
                "PVETemplateUser",
                "PVEUserAdmin",
                "PVEVMAdmin",
                "PVEVMUser",
            ]
        );
        assert!(!is_builtin_role("PVESysUser"));
        assert!(!is_builtin_role("PVEUserUser"));
    }

    #[test]
    fn builtin_role_contents() {
        assert_eq!(privs("Administrator").len(), 47);
        assert!(privs("NoAccess").is_empty());
        let admin = privs("PVEAdmin");
        assert_eq!(admin.len(), 40);
        for missing in [
            "Sys.PowerMgmt",
            "Sys.Modify",
            "Sys.Incoming",
            "Sys.AccessNetwork",
            "Realm.Allocate",
            "Permissions.Modify",
            "Mapping.Modify",
        ] {
            assert!(!admin.contains(&missing), "{missing}");
        }
        assert_eq!(
            privs("PVEAuditor"),
            [
                "Datastore.Audit",
                "Mapping.Audit",
                "Pool.Audit",
                "SDN.Audit",
                "Sys.Audit",
                "VM.Audit",
                "VM.GuestAgent.Audit"
            ]
        );
        assert_eq!(
            privs("PVEVMUser"),
            [
                "VM.Audit",
                "VM.Backup",
                "VM.Config.CDROM",
                "VM.Config.Cloudinit",
                "VM.Console",
                "VM.GuestAgent.Audit",
                "VM.GuestAgent.FileRead",
                "VM.GuestAgent.FileSystemMgmt",
                "VM.GuestAgent.FileWrite",
                "VM.PowerMgmt"
            ]
        );
        assert_eq!(privs("PVEVMAdmin").len(), 23);
        assert_eq!(
            privs("PVEDatastoreUser"),
            ["Datastore.AllocateSpace", "Datastore.Audit"]
        );
        assert_eq!(privs("PVESDNUser"), ["SDN.Audit", "SDN.Use"]);
        assert_eq!(privs("PVEPoolUser"), ["Pool.Audit"]);
        assert_eq!(
            privs("PVESysAdmin"),
            ["Sys.Audit", "Sys.Console", "Sys.Syslog"]
        );
        assert_eq!(
            privs("PVEUserAdmin"),
            ["Group.Allocate", "Realm.AllocateUser", "User.Modify"]
        );
        assert_eq!(privs("PVETemplateUser"), ["VM.Audit", "VM.Clone"]);
        assert_eq!(
            privs("PVEMappingAdmin"),
            ["Mapping.Audit", "Mapping.Modify", "Mapping.Use"]
        );
    }
}
