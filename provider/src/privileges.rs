//! Which privilege names and built-in roles the connected PVE knows.
//!
//! The authority is the server: `GET /access/roles` lists the built-in
//! `Administrator` role, which holds every privilege of that PVE version, and
//! marks the built-in roles with `special: 1`. So a PVE upgrade that adds a
//! privilege needs no provider release. The static PVE 9 list below is only
//! the fallback for plans made without a server (e.g. an endpoint that is
//! unknown until apply).

use std::collections::BTreeSet;
use std::sync::Arc;

use proxmox_client::{Error, RoleId};

use crate::connection::Connection;

/// The 47 privileges of PVE 9.x (access-control ≥ 9.0.3), reference §5.1.
/// Fallback only: see the module documentation.
pub const PVE9_PRIVILEGES: &[&str] = &[
    "Datastore.Allocate",
    "Datastore.AllocateSpace",
    "Datastore.AllocateTemplate",
    "Datastore.Audit",
    "Group.Allocate",
    "Mapping.Audit",
    "Mapping.Modify",
    "Mapping.Use",
    "Permissions.Modify",
    "Pool.Allocate",
    "Pool.Audit",
    "Realm.Allocate",
    "Realm.AllocateUser",
    "SDN.Allocate",
    "SDN.Audit",
    "SDN.Use",
    "Sys.AccessNetwork",
    "Sys.Audit",
    "Sys.Console",
    "Sys.Incoming",
    "Sys.Modify",
    "Sys.PowerMgmt",
    "Sys.Syslog",
    "User.Modify",
    "VM.Allocate",
    "VM.Audit",
    "VM.Backup",
    "VM.Clone",
    "VM.Config.CDROM",
    "VM.Config.CPU",
    "VM.Config.Cloudinit",
    "VM.Config.Disk",
    "VM.Config.HWType",
    "VM.Config.Memory",
    "VM.Config.Network",
    "VM.Config.Options",
    "VM.Console",
    "VM.GuestAgent.Audit",
    "VM.GuestAgent.FileRead",
    "VM.GuestAgent.FileSystemMgmt",
    "VM.GuestAgent.FileWrite",
    "VM.GuestAgent.Unrestricted",
    "VM.Migrate",
    "VM.PowerMgmt",
    "VM.Replicate",
    "VM.Snapshot",
    "VM.Snapshot.Rollback",
];

/// The built-in roles of PVE 9.x other than `Administrator` (which holds
/// every privilege), sorted by name, each with its sorted privileges.
pub const PVE9_BUILTIN_ROLES: &[(&str, &[&str])] = &[
    ("NoAccess", &[]),
    (
        "PVEAdmin",
        &[
            "Datastore.Allocate",
            "Datastore.AllocateSpace",
            "Datastore.AllocateTemplate",
            "Datastore.Audit",
            "Group.Allocate",
            "Mapping.Audit",
            "Mapping.Use",
            "Pool.Allocate",
            "Pool.Audit",
            "Realm.AllocateUser",
            "SDN.Allocate",
            "SDN.Audit",
            "SDN.Use",
            "Sys.Audit",
            "Sys.Console",
            "Sys.Syslog",
            "User.Modify",
            "VM.Allocate",
            "VM.Audit",
            "VM.Backup",
            "VM.Clone",
            "VM.Config.CDROM",
            "VM.Config.CPU",
            "VM.Config.Cloudinit",
            "VM.Config.Disk",
            "VM.Config.HWType",
            "VM.Config.Memory",
            "VM.Config.Network",
            "VM.Config.Options",
            "VM.Console",
            "VM.GuestAgent.Audit",
            "VM.GuestAgent.FileRead",
            "VM.GuestAgent.FileSystemMgmt",
            "VM.GuestAgent.FileWrite",
            "VM.GuestAgent.Unrestricted",
            "VM.Migrate",
            "VM.PowerMgmt",
            "VM.Replicate",
            "VM.Snapshot",
            "VM.Snapshot.Rollback",
        ],
    ),
    (
        "PVEAuditor",
        &[
            "Datastore.Audit",
            "Mapping.Audit",
            "Pool.Audit",
            "SDN.Audit",
            "Sys.Audit",
            "VM.Audit",
            "VM.GuestAgent.Audit",
        ],
    ),
    (
        "PVEDatastoreAdmin",
        &[
            "Datastore.Allocate",
            "Datastore.AllocateSpace",
            "Datastore.AllocateTemplate",
            "Datastore.Audit",
        ],
    ),
    (
        "PVEDatastoreUser",
        &["Datastore.AllocateSpace", "Datastore.Audit"],
    ),
    (
        "PVEMappingAdmin",
        &["Mapping.Audit", "Mapping.Modify", "Mapping.Use"],
    ),
    ("PVEMappingUser", &["Mapping.Audit", "Mapping.Use"]),
    ("PVEPoolAdmin", &["Pool.Allocate", "Pool.Audit"]),
    ("PVEPoolUser", &["Pool.Audit"]),
    ("PVESDNAdmin", &["SDN.Allocate", "SDN.Audit", "SDN.Use"]),
    ("PVESDNUser", &["SDN.Audit", "SDN.Use"]),
    ("PVESysAdmin", &["Sys.Audit", "Sys.Console", "Sys.Syslog"]),
    ("PVETemplateUser", &["VM.Audit", "VM.Clone"]),
    (
        "PVEUserAdmin",
        &["Group.Allocate", "Realm.AllocateUser", "User.Modify"],
    ),
    (
        "PVEVMAdmin",
        &[
            "VM.Allocate",
            "VM.Audit",
            "VM.Backup",
            "VM.Clone",
            "VM.Config.CDROM",
            "VM.Config.CPU",
            "VM.Config.Cloudinit",
            "VM.Config.Disk",
            "VM.Config.HWType",
            "VM.Config.Memory",
            "VM.Config.Network",
            "VM.Config.Options",
            "VM.Console",
            "VM.GuestAgent.Audit",
            "VM.GuestAgent.FileRead",
            "VM.GuestAgent.FileSystemMgmt",
            "VM.GuestAgent.FileWrite",
            "VM.GuestAgent.Unrestricted",
            "VM.Migrate",
            "VM.PowerMgmt",
            "VM.Replicate",
            "VM.Snapshot",
            "VM.Snapshot.Rollback",
        ],
    ),
    (
        "PVEVMUser",
        &[
            "VM.Audit",
            "VM.Backup",
            "VM.Config.CDROM",
            "VM.Config.Cloudinit",
            "VM.Console",
            "VM.GuestAgent.Audit",
            "VM.GuestAgent.FileRead",
            "VM.GuestAgent.FileSystemMgmt",
            "VM.GuestAgent.FileWrite",
            "VM.PowerMgmt",
        ],
    ),
];

/// The name of the role that holds every privilege.
const ADMINISTRATOR: &str = "Administrator";

/// The privileges of a built-in PVE 9 role, or `None` for any other name
/// (role names are case-sensitive, as in PVE).
pub fn builtin_role_privileges(role: &str) -> Option<&'static [&'static str]> {
    if role == ADMINISTRATOR {
        return Some(PVE9_PRIVILEGES);
    }
    PVE9_BUILTIN_ROLES
        .iter()
        .find(|(name, _)| *name == role)
        .map(|(_, privileges)| *privileges)
}

/// Every built-in role name, sorted.
pub fn builtin_role_names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = PVE9_BUILTIN_ROLES.iter().map(|(name, _)| *name).collect();
    names.push(ADMINISTRATOR);
    names.sort_unstable();
    names
}

/// The built-in roles that do not start with `PVE` (every `PVE…` name is
/// reserved for built-ins anyway, see [`is_builtin_role_name`]).
pub const BUILTIN_ROLES_OUTSIDE_PVE_NAMESPACE: &[&str] = &["Administrator", "NoAccess"];

/// Whether a role name is, or could be, a built-in role without asking the
/// server: `Administrator`, `NoAccess`, or any name in PVE's reserved `PVE`
/// namespace (case-insensitive).
pub fn is_builtin_role_name(role: &RoleId) -> bool {
    role.is_reserved_for_builtin() || BUILTIN_ROLES_OUTSIDE_PVE_NAMESPACE.contains(&role.as_str())
}

/// Why a built-in role cannot be managed; the text of plan and import errors.
pub fn builtin_role_explanation(role: &str) -> String {
    let reason = if role.get(..3).is_some_and(|p| p.eq_ignore_ascii_case("PVE")) {
        "Role names starting with `PVE` (in any case) are reserved by Proxmox VE for its built-in roles: PVE refuses to create them and refuses to modify or delete the built-in ones."
    } else {
        "It is a built-in Proxmox VE role (`special` = true): PVE refuses to modify or delete it."
    };
    format!(
        "`{role}` cannot be managed by pve_role. {reason} Use the built-in role as it is (e.g. `role_id = \"{role}\"` in a pve_acl, or read it with data \"pve_role\"), or give your custom role another name."
    )
}

/// What the server says about privileges and built-in roles.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Catalog {
    /// Every valid privilege name.
    pub privileges: BTreeSet<String>,
    /// The built-in (special) role names.
    pub builtin_roles: BTreeSet<String>,
    /// Where the lists came from: the server, or the static PVE 9 fallback.
    pub from_server: bool,
}

impl Catalog {
    /// The static PVE 9 catalog, for plans made without a server.
    pub fn pve9_fallback() -> Self {
        Catalog {
            privileges: PVE9_PRIVILEGES.iter().map(|p| (*p).to_string()).collect(),
            builtin_roles: BUILTIN_ROLES_OUTSIDE_PVE_NAMESPACE
                .iter()
                .map(|r| (*r).to_string())
                .collect(),
            from_server: false,
        }
    }

    /// The names in `wanted` that this catalog does not know, in order.
    pub fn unknown<'a>(&self, wanted: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
        wanted
            .into_iter()
            .filter(|name| !self.privileges.contains(*name))
            .collect()
    }

    /// The error detail for unknown privilege names: which ones, and every
    /// valid name, so the fix is one look away.
    pub fn unknown_privileges_message(&self, unknown: &[&str]) -> String {
        let quoted: Vec<String> = unknown.iter().map(|n| format!("`{n}`")).collect();
        let source = if self.from_server {
            "the connected Proxmox VE server"
        } else {
            "Proxmox VE 9 (no server was reachable at plan time, so the provider's built-in PVE 9 list was used)"
        };
        format!(
            "{} {} not a privilege known to {source}. Privilege names are case-sensitive. Valid privileges: {}.",
            quoted.join(", "),
            if unknown.len() == 1 { "is" } else { "are" },
            self.privileges
                .iter()
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}

/// The catalog of one provider process, fetched once from the server on
/// first use (a provider process has one connection, configured once).
#[derive(Debug, Default)]
pub struct CatalogCache {
    cell: tokio::sync::OnceCell<Arc<Catalog>>,
}

impl CatalogCache {
    /// The server's catalog, fetched on first use; errors are not cached,
    /// so a later plan tries again.
    pub async fn get(&self, connection: &Connection) -> Result<Arc<Catalog>, Error> {
        self.cell
            .get_or_try_init(|| async {
                let roles = connection.client().roles().list().await?;
                Ok::<_, Error>(Arc::new(catalog_from_roles(&roles)))
            })
            .await
            .cloned()
    }
}

/// Builds the catalog from `GET /access/roles`: the privileges of
/// `Administrator` (every privilege) plus any other privilege a built-in
/// role holds, and the names of the special roles.
pub fn catalog_from_roles(roles: &[proxmox_client::Role]) -> Catalog {
    let mut privileges = BTreeSet::new();
    let mut builtin_roles = BTreeSet::new();
    for role in roles.iter().filter(|role| role.special) {
        builtin_roles.insert(role.roleid.to_string());
        privileges.extend(role.privs.iter().cloned());
    }
    Catalog {
        privileges,
        builtin_roles,
        from_server: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fallback_has_the_47_pve9_privileges_without_vm_monitor() {
        let catalog = Catalog::pve9_fallback();
        assert_eq!(catalog.privileges.len(), 47);
        assert!(catalog.privileges.contains("VM.Replicate"));
        assert!(!catalog.privileges.contains("VM.Monitor"));
    }

    #[test]
    fn unknown_names_are_listed_with_every_valid_name() {
        let catalog = Catalog::pve9_fallback();
        let unknown = catalog.unknown(["VM.Audit", "VM.Monitor", "vm.audit"]);
        assert_eq!(unknown, vec!["VM.Monitor", "vm.audit"]);
        let message = catalog.unknown_privileges_message(&unknown);
        assert!(
            message
                .starts_with("`VM.Monitor`, `vm.audit` are not a privilege known to Proxmox VE 9"),
            "{message}"
        );
        assert!(
            message.contains("Valid privileges: Datastore.Allocate, "),
            "{message}"
        );
        assert!(message.contains("VM.Snapshot.Rollback."), "{message}");
    }

    #[test]
    fn server_catalog_comes_from_the_special_roles() {
        let roles: Vec<proxmox_client::Role> = serde_json::from_value(serde_json::json!([
            {"roleid": "Administrator", "privs": "Sys.Audit,VM.Audit,VM.NewIn92", "special": 1},
            {"roleid": "NoAccess", "privs": "", "special": 1},
            {"roleid": "Custom", "privs": "VM.Audit", "special": 0}
        ]))
        .unwrap();
        let catalog = catalog_from_roles(&roles);
        assert!(catalog.from_server);
        assert!(
            catalog.privileges.contains("VM.NewIn92"),
            "a privilege of a newer PVE is accepted"
        );
        assert_eq!(
            catalog
                .builtin_roles
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
            vec!["Administrator", "NoAccess"]
        );
        let message = catalog.unknown_privileges_message(&["X.Y"]);
        assert!(
            message.contains("`X.Y` is not a privilege known to the connected Proxmox VE server")
        );
    }

    #[test]
    fn builtin_names_are_recognised_and_explained() {
        for name in ["PVEAdmin", "pveCustom", "Administrator", "NoAccess"] {
            assert!(is_builtin_role_name(&name.parse().unwrap()), "{name}");
        }
        assert!(!is_builtin_role_name(&"VMOperator".parse().unwrap()));
        assert!(builtin_role_explanation("pveX").contains("reserved"));
        assert!(builtin_role_explanation("NoAccess").contains("built-in"));
    }
}
