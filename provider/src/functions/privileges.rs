//! Function `privileges`: the union of the privileges of built-in PVE 9
//! roles, e.g. to start a custom `pve_role` from `PVEVMUser` plus a few
//! extras without copying privilege lists by hand.
//!
//! The role table is static PVE 9.x data (reference §5.2, access-control
//! ≥ 9.0.3): a function runs without a server connection. `Administrator`
//! is every privilege of [`crate::privileges::PVE9_PRIVILEGES`]; the unit
//! tests check the table against pve-sim's derivation of `create_roles`.

use std::collections::BTreeSet;

use async_trait::async_trait;
use tfplugin::provider::{Function, FunctionError, FunctionSignature};
use tfplugin::value::{Type, Value};

use super::{argument_error, string_argument, string_parameter};
use crate::privileges::PVE9_PRIVILEGES;

/// `provider::pve::privileges(role_names...)`.
#[derive(Debug)]
pub struct PrivilegesFunction;

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

#[async_trait]
impl Function for PrivilegesFunction {
    fn name(&self) -> &str {
        "privileges"
    }

    fn signature(&self) -> FunctionSignature {
        FunctionSignature {
            parameters: Vec::new(),
            variadic: Some(string_parameter(
                "role_names",
                "Names of built-in PVE 9 roles, e.g. `\"PVEVMUser\", \"PVEDatastoreUser\"` (case-sensitive).",
            )),
            return_type: Type::Set(Box::new(Type::String)),
            summary: "The union of the privileges of built-in PVE 9 roles".into(),
            description: format!(
                "Returns the set of privileges held by any of the given built-in Proxmox VE 9 roles, for building custom roles: `setunion(provider::pve::privileges(\"PVEVMUser\"), [\"VM.Snapshot\"])`. No arguments give an empty set. The data is the static PVE 9.x table (access-control ≥ 9.0.3: no `VM.Monitor`; `VM.GuestAgent.*` and `VM.Replicate` included), so no server is needed; to read a custom role or the roles of the connected server, use data \"pve_role\". Built-in roles: {}. An unknown name (including a custom role) is an error that names it.",
                builtin_role_names().join(", ")
            ),
            deprecation_message: String::new(),
        }
    }

    async fn call(&self, arguments: Vec<Value>) -> Result<Value, FunctionError> {
        let mut union: BTreeSet<&str> = BTreeSet::new();
        for index in 0..arguments.len() {
            let role = string_argument(&arguments, index, "role_names")?;
            let privileges = builtin_role_privileges(role)
                .ok_or_else(|| argument_error(index, unknown_role(role)))?;
            union.extend(privileges.iter().copied());
        }
        Ok(Value::set_of_strings(union))
    }
}

fn unknown_role(role: &str) -> String {
    let names = builtin_role_names();
    let suggestion = names
        .iter()
        .find(|name| name.eq_ignore_ascii_case(role))
        .map(|name| format!(" Role names are case-sensitive: did you mean `{name}`?"))
        .unwrap_or_default();
    format!(
        "`{role}` is not a built-in Proxmox VE 9 role.{suggestion} Built-in roles: {}. For a custom role, read its privileges with data \"pve_role\" instead.",
        names.join(", ")
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn call(roles: &[&str]) -> Result<Vec<String>, FunctionError> {
        let arguments = roles.iter().map(|r| Value::string(*r)).collect();
        let value = futures::executor::block_on(PrivilegesFunction.call(arguments))?;
        Ok(value
            .elements()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect())
    }

    #[test]
    fn table_matches_the_pve9_derivation_of_the_simulator() {
        let simulated: Vec<(String, BTreeSet<String>)> =
            pve_sim::model::privileges::builtin_roles()
                .map(|(name, privs)| {
                    (
                        name.to_string(),
                        privs.iter().map(|p| p.to_string()).collect(),
                    )
                })
                .collect();
        let ours: Vec<(String, BTreeSet<String>)> = builtin_role_names()
            .into_iter()
            .map(|name| {
                let privs = builtin_role_privileges(name).unwrap();
                (
                    name.to_string(),
                    privs.iter().map(|p| p.to_string()).collect(),
                )
            })
            .collect();
        assert_eq!(ours, simulated);
    }

    #[test]
    fn every_listed_privilege_is_a_pve9_privilege_and_lists_are_sorted() {
        for (role, privileges) in PVE9_BUILTIN_ROLES {
            for privilege in *privileges {
                assert!(PVE9_PRIVILEGES.contains(privilege), "{role}: {privilege}");
            }
            assert!(
                privileges.windows(2).all(|w| w[0] < w[1]),
                "{role} is not sorted"
            );
        }
        assert_eq!(builtin_role_privileges("PVEAdmin").unwrap().len(), 40);
    }

    #[test]
    fn union_of_roles_is_sorted_and_deduplicated() {
        assert_eq!(
            call(&["PVEDatastoreUser", "PVEPoolUser", "PVEDatastoreUser"]).unwrap(),
            vec!["Datastore.AllocateSpace", "Datastore.Audit", "Pool.Audit"]
        );
        assert_eq!(call(&["PVETemplateUser", "PVEVMUser"]).unwrap().len(), 11);
        assert_eq!(call(&["Administrator"]).unwrap().len(), 47);
        assert!(call(&["NoAccess"]).unwrap().is_empty());
        assert!(call(&[]).unwrap().is_empty());
    }

    #[test]
    fn unknown_roles_are_named_at_their_argument_with_the_builtin_list() {
        let error = call(&["PVEVMUser", "VMOperator"]).unwrap_err();
        assert_eq!(error.argument, Some(1));
        assert!(
            error
                .text
                .starts_with("`VMOperator` is not a built-in Proxmox VE 9 role."),
            "{}",
            error.text
        );
        assert!(
            error
                .text
                .contains("Administrator, NoAccess, PVEAdmin, PVEAuditor"),
            "{}",
            error.text
        );
        assert!(error.text.contains("data \"pve_role\""), "{}", error.text);
        let error = call(&["pvevmuser"]).unwrap_err();
        assert_eq!(error.argument, Some(0));
        assert!(
            error.text.contains("did you mean `PVEVMUser`?"),
            "{}",
            error.text
        );
    }
}
