//! The access data sources end to end: pve_role, pve_roles, pve_pool,
//! pve_pools, pve_acls, pve_permissions and pve_version read what the
//! resources (and PVE's built-ins) hold.

use std::collections::BTreeSet;

use proxmox_client::{CreateGroup, CreateUser, GroupId, UserId};
use pve_e2e::{Target, Workdir};
use serde_json::Value;

fn strings(value: &Value) -> BTreeSet<String> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {value}"))
        .iter()
        .map(|v| v.as_str().expect("string").to_string())
        .collect()
}

#[test]
fn data_sources_read_roles_pools_acls_permissions_and_version() {
    let target = Target::start();
    let user: UserId = format!("{}@pve", target.unique("dsuser"))
        .parse()
        .expect("user id");
    let group: GroupId = target.unique("dsgroup").parse().expect("group id");
    target.block_on(async {
        let client = target.client();
        client
            .groups()
            .create(&group, &CreateGroup::default())
            .await
            .expect("group");
        client
            .users()
            .create(
                &user,
                &CreateUser {
                    groups: vec![group.clone()],
                    ..Default::default()
                },
            )
            .await
            .expect("user");
    });
    let role = target.unique("DsRole");
    let pool = target.unique("dspool");
    let workdir = Workdir::new(&target);
    workdir.config(&format!(
        r#"
terraform {{
  required_providers {{
    pve = {{ source = "pve-rs/pve" }}
  }}
}}
provider "pve" {{}}

resource "pve_role" "r" {{
  role_id    = "{role}"
  privileges = ["VM.Console", "Pool.Audit"]
}}
resource "pve_pool" "p" {{
  pool_id = "{pool}"
  comment = "data source test"
}}
resource "pve_pool_membership" "m" {{
  pool_id = pve_pool.p.pool_id
  vm_id   = 150
}}
resource "pve_acl" "group_on_pool" {{
  path     = "/pool/${{pve_pool.p.pool_id}}"
  role_id  = pve_role.r.role_id
  group_id = "{group}"
}}
resource "pve_acl" "user_on_vm" {{
  path      = "/vms/150"
  role_id   = "PVEAuditor"
  user_id   = "{user}"
  propagate = false
}}

data "pve_role" "custom" {{
  role_id = pve_role.r.role_id
}}
data "pve_role" "builtin" {{
  role_id = "PVEVMUser"
}}
data "pve_roles" "all" {{
  depends_on = [pve_role.r]
}}
data "pve_pool" "p" {{
  pool_id    = pve_pool.p.pool_id
  depends_on = [pve_pool_membership.m]
}}
data "pve_pools" "all" {{
  depends_on = [pve_pool.p]
}}
data "pve_acls" "pool_subtree" {{
  path                = "/pool"
  include_descendants = true
  depends_on          = [pve_acl.group_on_pool]
}}
data "pve_acls" "user" {{
  user_id    = "{user}"
  depends_on = [pve_acl.user_on_vm]
}}
data "pve_permissions" "user_on_vm" {{
  user_id    = "{user}"
  path       = "/vms/150"
  depends_on = [pve_acl.user_on_vm, pve_acl.group_on_pool, pve_pool_membership.m]
}}
data "pve_permissions" "caller" {{
  path = "/"
}}
data "pve_version" "v" {{}}

output "custom"       {{ value = data.pve_role.custom }}
output "builtin"      {{ value = data.pve_role.builtin }}
output "roles"        {{ value = data.pve_roles.all.roles }}
output "pool"         {{ value = data.pve_pool.p }}
output "pools"        {{ value = data.pve_pools.all.pools }}
output "pool_subtree" {{ value = data.pve_acls.pool_subtree.acls }}
output "user_acls"    {{ value = data.pve_acls.user.acls }}
output "user_on_vm"   {{ value = data.pve_permissions.user_on_vm }}
output "caller"       {{ value = data.pve_permissions.caller }}
output "version"      {{ value = data.pve_version.v }}
"#
    ));
    workdir.apply();
    workdir.assert_plan_empty();
    let outputs = workdir.outputs();
    let out = |name: &str| outputs[name]["value"].clone();

    let custom = out("custom");
    assert_eq!(
        strings(&custom["privileges"]),
        ["Pool.Audit", "VM.Console"].map(String::from).into()
    );
    assert_eq!(custom["special"], false);
    let builtin = out("builtin");
    assert_eq!(builtin["special"], true);
    assert!(
        strings(&builtin["privileges"]).contains("VM.PowerMgmt"),
        "{builtin}"
    );

    let roles = out("roles");
    let roles = roles.as_array().expect("roles list");
    let names: Vec<&str> = roles
        .iter()
        .map(|r| r["role_id"].as_str().expect("id"))
        .collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(names, sorted, "roles are sorted");
    let admin = roles
        .iter()
        .find(|r| r["role_id"] == "Administrator")
        .expect("Administrator listed");
    assert_eq!(admin["special"], true);
    assert_eq!(
        strings(&admin["privileges"]).len(),
        47,
        "PVE 9 has 47 privileges"
    );
    assert!(
        roles
            .iter()
            .any(|r| r["role_id"] == role.as_str() && r["special"] == false)
    );

    let pool_value = out("pool");
    assert_eq!(pool_value["comment"], "data source test");
    let members = pool_value["members"].as_array().expect("members");
    assert!(
        members
            .iter()
            .any(|m| m["vm_id"] == 150 && m["id"] == "qemu/150" && m["storage_id"].is_null()),
        "{pool_value}"
    );
    assert!(
        out("pools")
            .as_array()
            .expect("pools")
            .iter()
            .any(|p| p["pool_id"] == pool.as_str() && p["comment"] == "data source test")
    );

    let subtree = out("pool_subtree");
    let subtree = subtree.as_array().expect("acls");
    assert!(
        subtree.iter().any(|a| a["path"] == format!("/pool/{pool}")
            && a["group_id"] == group.as_str()
            && a["role_id"] == role.as_str()
            && a["propagate"] == true
            && a["user_id"].is_null()),
        "{subtree:?}"
    );
    assert!(subtree.iter().all(|a| {
        a["path"]
            .as_str()
            .is_some_and(|p| p == "/pool" || p.starts_with("/pool/"))
    }));
    let user_acls = out("user_acls");
    assert_eq!(
        user_acls.as_array().map(Vec::len),
        Some(1),
        "only the user's own entry: {user_acls}"
    );
    assert_eq!(user_acls[0]["path"], "/vms/150");
    assert_eq!(user_acls[0]["propagate"], false);

    // The user's own PVEAuditor entry plus the group's role through the pool.
    let perms = out("user_on_vm");
    let privileges = strings(&perms["privileges"]);
    for expected in ["VM.Audit", "Sys.Audit", "VM.Console", "Pool.Audit"] {
        assert!(privileges.contains(expected), "{expected} missing: {perms}");
    }
    assert!(!privileges.contains("VM.PowerMgmt"), "{perms}");
    let propagated = perms["propagated"].as_object().expect("map");
    assert_eq!(propagated.len(), privileges.len());
    assert_eq!(
        propagated["VM.Audit"], false,
        "both grants on /vms/150 are non-propagating"
    );

    let caller = out("caller");
    assert!(
        strings(&caller["privileges"]).contains("Sys.Modify"),
        "root's token: {caller}"
    );

    let version = out("version");
    assert!(
        version["version"]
            .as_str()
            .is_some_and(|v| v.starts_with("9.")),
        "{version}"
    );
    assert!(
        version["release"]
            .as_str()
            .is_some_and(|r| r.starts_with("9.")),
        "{version}"
    );
    assert!(
        version["repoid"].as_str().is_some_and(|r| !r.is_empty()),
        "{version}"
    );

    workdir.destroy();
}

#[test]
fn a_missing_role_or_pool_is_a_clear_error() {
    let target = Target::start();
    let workdir = Workdir::new(&target);
    workdir.config(
        r#"
terraform {
  required_providers {
    pve = { source = "pve-rs/pve" }
  }
}
provider "pve" {}
data "pve_role" "x" {
  role_id = "DoesNotExist"
}
data "pve_pool" "y" {
  pool_id = "nopool"
}
"#,
    );
    let run = workdir.plan();
    assert_eq!(run.code, 1);
    let output = run.all_output().replace('\n', " ");
    assert!(
        output.contains("PVE has no role 'DoesNotExist'. Existing roles: Administrator"),
        "{output}"
    );
    assert!(output.contains("PVE has no pool 'nopool'"), "{output}");
}

#[test]
fn resources_lists_tagged_guests_with_their_acl_paths() {
    let target = Target::start();
    if target.sim().is_none() {
        // The expectations name the simulator's demo inventory.
        return;
    }
    let workdir = Workdir::new(&target);
    workdir.config(
        r#"
terraform {
  required_providers {
    pve = { source = "pve-rs/pve" }
  }
}
provider "pve" {}

data "pve_resources" "prod_web" {
  type = "vm"
  tags = ["prod", "web"]
}
data "pve_resources" "storage" {
  type = "storage"
}
data "pve_resources" "all" {}

output "prod_web" {
  value = [for r in data.pve_resources.prod_web.resources : r.acl_path]
}
output "prod_web_types" {
  value = [for r in data.pve_resources.prod_web.resources : r.type]
}
output "storage" {
  value = [for r in data.pve_resources.storage.resources : r.acl_path]
}
output "kinds" {
  value = distinct([for r in data.pve_resources.all.resources : r.type])
}
"#,
    );
    workdir.apply();
    let outputs = workdir.outputs();
    let list = |name: &str| -> Vec<String> {
        outputs[name]["value"]
            .as_array()
            .unwrap_or_else(|| panic!("{name}: {outputs}"))
            .iter()
            .map(|v| v.as_str().expect("string").to_string())
            .collect()
    };
    // Demo guests 100 (qemu), 101 and 102 (lxc) carry both tags; 103 is
    // staging, 150 is not web. Sorted by id: lxc/… before qemu/….
    assert_eq!(list("prod_web"), ["/vms/101", "/vms/102", "/vms/100"]);
    assert_eq!(list("prod_web_types"), ["lxc", "lxc", "qemu"]);
    assert_eq!(list("storage"), ["/storage/local", "/storage/local-lvm"]);
    let kinds: BTreeSet<String> = list("kinds").into_iter().collect();
    for kind in ["qemu", "lxc", "storage", "node"] {
        assert!(kinds.contains(kind), "{kinds:?}");
    }
    workdir.assert_plan_empty();

    // A type PVE does not filter by is refused at plan time.
    workdir.config(
        r#"
terraform {
  required_providers {
    pve = { source = "pve-rs/pve" }
  }
}
provider "pve" {}
data "pve_resources" "bad" {
  type = "guests"
}
"#,
    );
    let run = workdir.run(&["plan", "-input=false"]);
    assert_ne!(run.code, 0);
    assert!(
        run.all_output().contains("is not a resource type"),
        "{}",
        run.all_output()
    );
}
