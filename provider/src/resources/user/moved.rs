//! `moved` from bpg's `proxmox_virtual_environment_user` (see `resources::moved`).

use tfplugin::Model;
use tfplugin::diag::Diagnostics;
use tfplugin::model::Unknowable;
use tfplugin::provider::ResourceState;

use super::model::UserModel;
use crate::resources::moved::{BpgState, warn_inline_acl};

/// bpg's user type (SDKv2, schema version 0; bpg has no short name for it).
pub(super) const BPG_TYPES: [&str; 1] = ["proxmox_virtual_environment_user"];

/// bpg's user state as `pve_user` state. bpg's inline `acl` blocks are
/// separate objects in PVE that `pve_user` does not manage: they are left
/// in place, and a warning gives the `pve_acl` import ids to adopt them.
pub(super) fn from_bpg(bpg: &mut BpgState<'_>) -> Result<ResourceState, Diagnostics> {
    let user_id = bpg.required("user_id");
    warn_inline_acl(bpg, "user", &user_id);
    let groups = bpg.strings("groups").unwrap_or_default();
    // The literals below are bpg's attribute names.
    let model = UserModel {
        user_id,
        comment: bpg.text("comment"),
        email: bpg.text("email"),
        first_name: bpg.text("first_name"),
        last_name: bpg.text("last_name"),
        enabled: bpg.bool("enabled").unwrap_or(true),
        expiration_date: bpg.expiration("expiration_date"),
        groups: Unknowable::Known(groups.into_iter().collect()),
        keys: bpg.text("keys"),
        // bpg kept the password in state; so does `password` (the value in
        // PVE is unchanged, and a configured `password` plans no change).
        password: bpg.text("password"),
        password_wo: None,
        password_wo_version: None,
    };
    Ok(model.to_state())
}

#[cfg(test)]
mod tests {
    use super::super::UserResource;
    use crate::connection::Pve;
    use crate::resources::moved::testing::{moved, refused, request};
    use serde_json::json;
    use tfplugin::provider::Resource;

    /// What bpg stores for a user configured with only `user_id`, `password`
    /// and one group (its defaults included).
    fn bpg_user() -> serde_json::Value {
        json!({
            "id": "ci@pve", "user_id": "ci@pve", "acl": [], "comment": "", "email": "",
            "enabled": true, "expiration_date": "1970-01-01T00:00:00Z", "first_name": "",
            "groups": ["ops"], "keys": "", "last_name": "", "password": "correct horse battery"
        })
    }

    #[tokio::test]
    async fn moves_bpg_user_with_its_defaults_as_unset() {
        let resource = UserResource::new(&Pve::default());
        let result = resource
            .move_state(&request("proxmox_virtual_environment_user", bpg_user()))
            .await;
        let moved = moved(result);
        let state = &moved.state.state;
        assert_eq!(state.get("user_id").as_str(), Some("ci@pve"));
        for unset in [
            "comment",
            "email",
            "first_name",
            "last_name",
            "keys",
            "expiration_date",
        ] {
            assert!(
                state.get(unset).is_null(),
                "{unset}: bpg's default means unset"
            );
        }
        assert_eq!(
            state.get("password").as_str(),
            Some("correct horse battery")
        );
        assert_eq!(state.get("enabled").as_bool(), Some(true));
        assert_eq!(
            moved.state.identity.unwrap().get("user_id").as_str(),
            Some("ci@pve")
        );
        assert!(moved.diagnostics.is_empty());
    }

    #[tokio::test]
    async fn inline_acl_is_left_in_pve_with_import_ids() {
        let mut state = bpg_user();
        state["acl"] = json!([{"path": "/vms/100", "role_id": "PVEVMUser", "propagate": true}]);
        state["expiration_date"] = json!("2030-01-01T00:00:00Z");
        state["comment"] = json!("CI");
        let resource = UserResource::new(&Pve::default());
        let moved = moved(
            resource
                .move_state(&request("proxmox_virtual_environment_user", state))
                .await,
        );
        assert_eq!(moved.state.state.get("comment").as_str(), Some("CI"));
        assert_eq!(
            moved.state.state.get("expiration_date").as_str(),
            Some("2030-01-01T00:00:00Z")
        );
        let warning = moved.diagnostics.iter().next().unwrap();
        assert!(!warning.is_error());
        assert!(warning.detail.contains("/vms/100|PVEVMUser|user:ci@pve"));
    }

    #[tokio::test]
    async fn refuses_a_state_without_user_id_or_with_a_bad_id() {
        let resource = UserResource::new(&Pve::default());
        let mut state = bpg_user();
        state.as_object_mut().unwrap().remove("user_id");
        let errors = refused(
            resource
                .move_state(&request("proxmox_virtual_environment_user", state))
                .await,
        );
        assert_eq!(
            errors,
            ["Cannot move proxmox_virtual_environment_user.user_id to pve_user"]
        );
        assert!(
            resource
                .move_state(&request("proxmox_virtual_environment_group", bpg_user()))
                .await
                .unwrap()
                .is_none()
        );
    }
}
