//! The seed workflow as one scenario: a dedicated service user, one API
//! token per tool (privilege-separated), a custom least-privilege role
//! granted on the narrowest path to the user's group AND to the token, the
//! effective permissions checked with `pve_permissions`, and then the NEW
//! token itself, through the API, doing exactly what its role allows on its
//! path and nothing on a sibling path.

use std::collections::BTreeSet;

use proxmox_client::{Client, PermissionsQuery, PoolId, UpdatePool};
use pve_e2e::{Target, Workdir};
use serde_json::Value;

/// The privileges of the custom role: audit and manage one pool's guests.
const ROLE_PRIVILEGES: [&str; 4] = ["Pool.Allocate", "Pool.Audit", "VM.Audit", "VM.PowerMgmt"];

fn strings(value: &Value) -> BTreeSet<String> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {value}"))
        .iter()
        .map(|v| v.as_str().expect("string").to_string())
        .collect()
}

/// A client authenticated by an API token value `user@realm!name=secret`,
/// trusting the same CA as the provider.
fn token_client(target: &Target, token_value: &str) -> Client {
    let env = target.provider_env();
    let setting = |name: &str| env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let mut builder = Client::builder(target.endpoint())
        .api_token(token_value.parse().expect("token value parses"))
        .insecure(setting("PROXMOX_VE_INSECURE").is_some());
    if let Some(pem) = setting("PROXMOX_VE_CA_CERTIFICATE") {
        builder = builder.ca_pem(pem);
    }
    // Built inside the runtime the requests will run on.
    target
        .block_on(async { builder.build() })
        .expect("token client")
}

#[test]
fn seed_workflow_least_privilege_tokens_work_and_are_confined() {
    let target = Target::start();
    let user = format!("{}@pve", target.unique("automation"));
    let group = target.unique("automation");
    let role = target.unique("PoolOperator");
    let prod = target.unique("prod");
    let staging = target.unique("staging");
    let privileges: Vec<String> = ROLE_PRIVILEGES.iter().map(|p| format!("{p:?}")).collect();

    let workdir = Workdir::new(&target);
    workdir.config(&format!(
        r#"
terraform {{
  required_providers {{
    pve = {{ source = "pve-rs/pve" }}
  }}
}}
provider "pve" {{}}

resource "pve_pool" "prod" {{
  pool_id = "{prod}"
}}
resource "pve_pool" "staging" {{
  pool_id = "{staging}"
}}
resource "pve_pool_membership" "guest" {{
  pool_id = pve_pool.prod.pool_id
  vm_id   = 300
}}

resource "pve_group" "automation" {{
  group_id = "{group}"
}}
resource "pve_user" "automation" {{
  user_id = "{user}"
  comment = "service account"
  groups  = [pve_group.automation.group_id]
}}
resource "pve_role" "operator" {{
  role_id    = "{role}"
  privileges = [{privileges}]
}}

# One token per tool, privilege-separated (the default).
resource "pve_user_token" "terraform" {{
  user_id    = pve_user.automation.user_id
  token_name = "terraform"
}}
resource "pve_user_token" "ansible" {{
  user_id    = pve_user.automation.user_id
  token_name = "ansible"
}}

# The narrowest path, to the user's group AND to the terraform token.
resource "pve_acl" "group_on_prod" {{
  path     = "/pool/${{pve_pool.prod.pool_id}}"
  role_id  = pve_role.operator.role_id
  group_id = pve_group.automation.group_id
}}
resource "pve_acl" "terraform_on_prod" {{
  path     = "/pool/${{pve_pool.prod.pool_id}}"
  role_id  = pve_role.operator.role_id
  token_id = pve_user_token.terraform.id
}}
# The ansible token alone is granted staging; its user is not, so the
# privilege-separated token gets the (empty) intersection.
resource "pve_acl" "ansible_on_staging" {{
  path     = "/pool/${{pve_pool.staging.pool_id}}"
  role_id  = pve_role.operator.role_id
  token_id = pve_user_token.ansible.id
}}

data "pve_permissions" "terraform_on_prod" {{
  user_id    = pve_user_token.terraform.id
  path       = "/pool/${{pve_pool.prod.pool_id}}"
  depends_on = [pve_acl.group_on_prod, pve_acl.terraform_on_prod, pve_acl.ansible_on_staging, pve_pool_membership.guest]
}}
data "pve_permissions" "terraform_on_guest" {{
  user_id    = pve_user_token.terraform.id
  path       = "/vms/300"
  depends_on = [pve_acl.group_on_prod, pve_acl.terraform_on_prod, pve_acl.ansible_on_staging, pve_pool_membership.guest]
}}
data "pve_permissions" "terraform_on_staging" {{
  user_id    = pve_user_token.terraform.id
  path       = "/pool/${{pve_pool.staging.pool_id}}"
  depends_on = [pve_acl.group_on_prod, pve_acl.terraform_on_prod, pve_acl.ansible_on_staging, pve_pool_membership.guest]
}}
data "pve_permissions" "ansible_on_staging" {{
  user_id    = pve_user_token.ansible.id
  path       = "/pool/${{pve_pool.staging.pool_id}}"
  depends_on = [pve_acl.group_on_prod, pve_acl.terraform_on_prod, pve_acl.ansible_on_staging, pve_pool_membership.guest]
}}

output "terraform_on_prod"    {{ value = data.pve_permissions.terraform_on_prod }}
output "terraform_on_guest"   {{ value = data.pve_permissions.terraform_on_guest }}
output "terraform_on_staging" {{ value = data.pve_permissions.terraform_on_staging }}
output "ansible_on_staging"   {{ value = data.pve_permissions.ansible_on_staging }}
output "terraform_token" {{
  value     = pve_user_token.terraform.value
  sensitive = true
}}
output "ansible_token" {{
  value     = pve_user_token.ansible.value
  sensitive = true
}}
"#,
        privileges = privileges.join(", ")
    ));
    workdir.apply();
    workdir.assert_plan_empty();

    // What PVE computes, as pve_permissions reports it.
    let outputs = workdir.outputs();
    let out = |name: &str| outputs[name]["value"].clone();
    let expected: BTreeSet<String> = ROLE_PRIVILEGES.iter().map(|p| p.to_string()).collect();
    assert_eq!(strings(&out("terraform_on_prod")["privileges"]), expected);
    assert_eq!(out("terraform_on_prod")["propagated"]["VM.PowerMgmt"], true);
    // The pool's guest inherits the pool's grants (non-propagating there).
    assert_eq!(strings(&out("terraform_on_guest")["privileges"]), expected);
    assert!(strings(&out("terraform_on_staging")["privileges"]).is_empty());
    assert!(
        strings(&out("ansible_on_staging")["privileges"]).is_empty(),
        "privsep token: its own grant intersected with its user's (nothing)"
    );

    // Now the new tokens themselves, through the API.
    let terraform_value = out("terraform_token")
        .as_str()
        .expect("token value")
        .to_string();
    let ansible_value = out("ansible_token")
        .as_str()
        .expect("token value")
        .to_string();
    assert!(terraform_value.starts_with(&format!("{user}!terraform=")));
    let terraform = token_client(&target, &terraform_value);
    let ansible = token_client(&target, &ansible_value);
    let prod_id: PoolId = prod.parse().expect("pool id");
    let staging_id: PoolId = staging.parse().expect("pool id");
    let comment = |text: &str| UpdatePool {
        comment: Some(text.into()),
        ..Default::default()
    };

    target.block_on(async {
        // GET /access/permissions as the token shows its privileges on its path.
        let own = terraform
            .permissions(&PermissionsQuery {
                userid: None,
                path: Some(format!("/pool/{prod}").parse().expect("path")),
            })
            .await
            .expect("token reads its own permissions");
        let on_prod: BTreeSet<String> = own[&format!("/pool/{prod}")].keys().cloned().collect();
        assert_eq!(on_prod, expected);

        // A permitted read: the pool list shows its pool and not the sibling.
        let visible: Vec<String> = terraform
            .pools()
            .list()
            .await
            .expect("token lists pools")
            .into_iter()
            .map(|p| p.poolid.to_string())
            .collect();
        assert!(visible.contains(&prod), "{visible:?}");
        assert!(!visible.contains(&staging), "{visible:?}");

        // A permitted write on its path works.
        terraform
            .pools()
            .update(&prod_id, &comment("managed by the terraform token"))
            .await
            .expect("Pool.Allocate on its own pool");

        // The same write on a sibling path is refused with PVE's message.
        let error = terraform
            .pools()
            .update(&staging_id, &comment("not allowed"))
            .await
            .expect_err("no privileges on the sibling pool");
        assert!(error.is_permission(), "{error}");
        assert_eq!(error.status(), Some(403));
        assert!(
            error.to_string().contains(&format!(
                "Permission check failed (/pool/{staging}, Pool.Allocate)"
            )),
            "{error}"
        );

        // The ansible token holds a grant on staging, but its user does not.
        let error = ansible
            .pools()
            .update(&staging_id, &comment("not allowed either"))
            .await
            .expect_err("privsep intersection is empty");
        assert!(error.is_permission(), "{error}");
        // Nor can it touch the terraform token's pool.
        assert!(
            ansible
                .pools()
                .update(&prod_id, &comment("no"))
                .await
                .expect_err("no grant")
                .is_permission()
        );
    });
    let prod_pool = target
        .block_on(target.client().pools().get(&prod_id))
        .expect("prod");
    assert_eq!(
        prod_pool.comment.as_deref(),
        Some("managed by the terraform token")
    );
    let staging_pool = target
        .block_on(target.client().pools().get(&staging_id))
        .expect("staging");
    assert_eq!(staging_pool.comment, None);

    // The token's own write is drift for Terraform, which reverts it; then
    // everything goes away.
    workdir.assert_plan_changes();
    workdir.destroy();
    assert!(
        target
            .block_on(target.client().pools().get(&prod_id))
            .is_err_and(|e| e.is_not_found())
    );
}
