//! `moved` from bpg's `proxmox_virtual_environment_user_token` and
//! `proxmox_user_token` (see `resources::moved`).

use tfplugin::Model;
use tfplugin::diag::Diagnostics;
use tfplugin::provider::ResourceState;
use tfplugin::value::Value;

use super::model::TokenModel;
use crate::convert::{self, opt_string};
use crate::resources::moved::BpgState;

/// bpg's token types (framework, schema version 0): the long name and the short one.
pub(super) const BPG_TYPES: [&str; 2] = [
    "proxmox_virtual_environment_user_token",
    "proxmox_user_token",
];

/// bpg's token state as `pve_user_token` state. The secret is kept: bpg
/// stores `value` in the same `NAME@REALM!TOKEN=SECRET` form. The rotation
/// clock (`created_at`) starts at the move, since bpg recorded no creation time.
pub(super) fn from_bpg(bpg: &mut BpgState<'_>) -> Result<ResourceState, Diagnostics> {
    let user_id = bpg.required("user_id");
    let token_name = bpg.required("token_name");
    let full_id = format!("{user_id}!{token_name}");
    let value = match bpg.text("value") {
        Some(value) if value.starts_with(&format!("{full_id}=")) => Some(value),
        Some(_) => {
            // Never echo the value: it is the secret.
            bpg.refuse(
                "value",
                format!("bpg's `value` is not of the form `{full_id}=SECRET`, so it is not the secret of this token. Import the token instead (its secret cannot be read back; the import leaves `value` null)."),
            );
            None
        }
        None => {
            bpg.warn(
                "The token secret is not known",
                format!("bpg's state has no `value` for {full_id} (it was imported into bpg, which cannot read secrets back). `value` stays null; the token keeps working with the secret you have."),
            );
            None
        }
    };
    let state = Value::object([
        ("user_id", Value::string(&user_id)),
        ("token_name", Value::string(&token_name)),
        ("comment", opt_string(bpg.text("comment"))),
        (
            "expiration_date",
            opt_string(bpg.expiration("expiration_date")),
        ),
        (
            "privileges_separation",
            Value::Bool(bpg.bool("privileges_separation").unwrap_or(true)),
        ),
        ("id", Value::string(&full_id)),
        ("value", opt_string(value)),
        ("rotate_after", Value::Null),
        ("keepers", Value::Null),
        ("created_at", Value::string(convert::now_rfc3339())),
    ]);
    Ok(TokenModel::from_value(&state)?.to_state())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::connection::Pve;
    use crate::resources::moved::testing::{moved, refused, request};
    use crate::resources::user_token::UserTokenResource;
    use serde_json::json;
    use tfplugin::provider::Resource;

    const SECRET: &str = "ci@pve!deploy=5f1a7c2e-0000-4000-8000-00000000beef";

    fn bpg_token() -> serde_json::Value {
        json!({
            "id": "ci@pve!deploy", "user_id": "ci@pve", "token_name": "deploy",
            "comment": null, "expiration_date": null, "privileges_separation": true,
            "value": SECRET
        })
    }

    #[tokio::test]
    async fn moves_both_bpg_names_and_keeps_the_secret() {
        let resource = UserTokenResource::new(&Pve::default());
        for source in BPG_TYPES {
            let moved = moved(resource.move_state(&request(source, bpg_token())).await);
            let state = &moved.state.state;
            assert_eq!(state.get("value").as_str(), Some(SECRET));
            assert_eq!(state.get("id").as_str(), Some("ci@pve!deploy"));
            assert_eq!(state.get("privileges_separation").as_bool(), Some(true));
            assert!(state.get("created_at").as_str().is_some());
            assert!(state.get("rotate_after").is_null());
            let identity = moved.state.identity.unwrap();
            assert_eq!(identity.get("token_name").as_str(), Some("deploy"));
            assert!(moved.diagnostics.is_empty());
        }
    }

    #[tokio::test]
    async fn imported_bpg_token_moves_without_a_secret_and_a_foreign_value_is_refused() {
        let resource = UserTokenResource::new(&Pve::default());
        let mut state = bpg_token();
        state["value"] = json!(null);
        state["expiration_date"] = json!("2031-05-01T00:00:00Z");
        state["privileges_separation"] = json!(false);
        let moved = moved(
            resource
                .move_state(&request("proxmox_user_token", state))
                .await,
        );
        assert!(moved.state.state.get("value").is_null());
        assert_eq!(
            moved.state.state.get("expiration_date").as_str(),
            Some("2031-05-01T00:00:00Z")
        );
        assert_eq!(
            moved.state.state.get("privileges_separation").as_bool(),
            Some(false)
        );
        assert_eq!(moved.diagnostics.len(), 1, "a warning about the secret");

        let mut foreign = bpg_token();
        foreign["value"] = json!("other@pve!x=very-secret");
        let result = resource
            .move_state(&request("proxmox_user_token", foreign))
            .await;
        let text = format!("{:?}", result.as_ref().err());
        assert!(!text.contains("very-secret"), "never echo the secret");
        assert_eq!(
            refused(result),
            ["Cannot move proxmox_user_token.value to pve_user_token"]
        );
    }
}
