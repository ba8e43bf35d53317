//! `moved` from bpg's `proxmox_virtual_environment_acl` / `proxmox_acl`
//! (see `resources::moved`).

use tfplugin::diag::Diagnostics;
use tfplugin::provider::ResourceState;
use tfplugin::value::Value;

use super::model::AclModel;
use crate::acl_path;
use crate::convert;
use crate::resources::moved::BpgState;

/// bpg's ACL types (framework, schema version 0): the long name and the short one.
pub(super) const BPG_TYPES: [&str; 2] = ["proxmox_virtual_environment_acl", "proxmox_acl"];

/// bpg's ACL state as `pve_acl` state. bpg's id (`path?principal?role`)
/// becomes this provider's import id, `path|role|type:principal`.
pub(super) fn from_bpg(bpg: &mut BpgState<'_>) -> Result<ResourceState, Diagnostics> {
    let value = Value::object([
        ("path", Value::string(bpg.required("path"))),
        ("role_id", Value::string(bpg.required("role_id"))),
        ("user_id", convert::opt_string(bpg.text("user_id"))),
        ("group_id", convert::opt_string(bpg.text("group_id"))),
        ("token_id", convert::opt_string(bpg.text("token_id"))),
        (
            "propagate",
            Value::Bool(bpg.bool("propagate").unwrap_or(true)),
        ),
    ]);
    if let Err(detail) = acl_path::check(value.get("path").as_str().unwrap_or_default()) {
        bpg.refuse(
            "path",
            format!("{detail}. Correct the path with bpg first, or import the entry instead."),
        );
    }
    Ok(AclModel::from_value(&value)?.to_state())
}

#[cfg(test)]
mod moved_from_bpg {
    use super::*;
    use crate::connection::Pve;
    use crate::resources::acl::AclResource;
    use crate::resources::moved::testing::{moved, refused, request};
    use serde_json::json;
    use tfplugin::provider::Resource;

    #[tokio::test]
    async fn moves_bpg_acl_of_each_principal_under_both_names() {
        let resource = AclResource::new(&Pve::default());
        let cases = [
            (
                "token_id",
                "ci@pve!deploy",
                "/vms/100|PVEVMUser|token:ci@pve!deploy",
            ),
            ("user_id", "ci@pve", "/vms/100|PVEVMUser|user:ci@pve"),
            ("group_id", "ops", "/vms/100|PVEVMUser|group:ops"),
        ];
        for source in BPG_TYPES {
            for (attribute, principal, id) in cases {
                let mut state = json!({
                    "id": format!("/vms/100?{principal}?PVEVMUser"), "path": "/vms/100",
                    "role_id": "PVEVMUser", "propagate": false,
                    "user_id": null, "group_id": null, "token_id": null
                });
                state[attribute] = json!(principal);
                let moved = moved(resource.move_state(&request(source, state)).await);
                assert_eq!(moved.state.state.get("id").as_str(), Some(id));
                assert_eq!(moved.state.state.get(attribute).as_str(), Some(principal));
                assert_eq!(moved.state.state.get("propagate").as_bool(), Some(false));
                assert!(moved.state.identity.is_some());
            }
        }
        let bad_path = json!({"path": "vms//100", "role_id": "PVEVMUser", "user_id": "ci@pve"});
        assert!(
            refused(resource.move_state(&request("proxmox_acl", bad_path)).await)
                .contains(&"Cannot move proxmox_acl.path to pve_acl".to_string())
        );
    }
}
