//! The core resources (user, token, group) on the oldest supported
//! Terraform, 1.0.3: create, empty plan, in-place update, destroy.

use proxmox_client::{GroupId, TokenName, UserId};
use pve_e2e::{Target, Workdir};

fn config(group: &str, user: &str, comment: &str) -> String {
    format!(
        r#"
terraform {{
  required_providers {{
    pve = {{ source = "pve-rs/pve" }}
  }}
}}
provider "pve" {{}}

resource "pve_group" "g" {{
  group_id = "{group}"
  comment  = "{comment}"
}}
resource "pve_user" "u" {{
  user_id         = "{user}"
  comment         = "{comment}"
  expiration_date = "2030-01-01T00:00:00Z"
  groups          = [pve_group.g.group_id]
}}
resource "pve_user_token" "t" {{
  user_id    = pve_user.u.user_id
  token_name = "legacy"
  comment    = "{comment}"
}}
output "token_id" {{
  value = pve_user_token.t.id
}}
"#
    )
}

#[test]
fn core_resources_on_terraform_1_0_3() {
    let target = Target::start();
    let workdir = Workdir::legacy(&target);
    let group = target.unique("legacy");
    let user = format!("{}@pve", target.unique("legacy"));
    let (group_id, user_id): (GroupId, UserId) =
        (group.parse().expect("group"), user.parse().expect("user"));
    let token: TokenName = "legacy".parse().expect("token name");

    workdir.config(&config(&group, &user, "first"));
    workdir.apply();
    let client = target.client();
    let found = target
        .block_on(client.users().get(&user_id))
        .expect("user created");
    assert_eq!(
        found
            .groups
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        std::slice::from_ref(&group)
    );
    assert_eq!(found.expire, 1_893_456_000);
    assert!(target.block_on(client.tokens(&user_id).get(&token)).is_ok());
    assert!(target.block_on(client.groups().get(&group_id)).is_ok());
    assert_eq!(
        workdir.outputs()["token_id"]["value"],
        format!("{user}!legacy")
    );
    let value = workdir.resource_attributes("pve_user_token.t")["value"].clone();
    assert!(
        value
            .as_str()
            .is_some_and(|v| v.starts_with(&format!("{user}!legacy=")))
    );
    workdir.assert_plan_empty();

    workdir.config(&config(&group, &user, "second"));
    workdir.assert_plan_changes();
    workdir.apply();
    let found = target
        .block_on(client.tokens(&user_id).get(&token))
        .expect("token");
    assert_eq!(found.comment.as_deref(), Some("second"));
    assert_eq!(
        workdir.resource_attributes("pve_user_token.t")["value"],
        value
    );
    workdir.assert_plan_empty();

    workdir.destroy();
    assert!(
        target
            .block_on(client.users().get(&user_id))
            .is_err_and(|e| e.is_not_found())
    );
    assert!(
        target
            .block_on(client.groups().get(&group_id))
            .is_err_and(|e| e.is_not_found())
    );
}
