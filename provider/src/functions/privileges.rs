//! Function `privileges`: the union of the privileges of built-in PVE 9
//! roles, e.g. to start a custom `pve_role` from `PVEVMUser` plus a few
//! extras without copying privilege lists by hand.
//!
//! The role table is the static PVE 9.x data in [`crate::privileges`]: a
//! function runs without a server connection. The unit tests check the
//! table against pve-sim's derivation of `create_roles`.

use std::collections::BTreeSet;

use async_trait::async_trait;
use tfplugin::provider::{Function, FunctionError, FunctionSignature};
use tfplugin::value::{Type, Value};

use super::{argument_error, string_argument, string_parameter};
use crate::privileges::{builtin_role_names, builtin_role_privileges};

/// `provider::pve::privileges(role_names...)`.
#[derive(Debug)]
pub struct PrivilegesFunction;

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
mod tests {
    use super::*;
    use crate::privileges::{PVE9_BUILTIN_ROLES, PVE9_PRIVILEGES};

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
