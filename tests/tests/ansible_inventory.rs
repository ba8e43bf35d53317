//! Acceptance with a real client: Ansible's Proxmox inventory plugin
//! (`community.proxmox.proxmox` from PyPI `ansible` 12.3.0, installed by
//! `tools/install-ansible.sh`), authenticated with a privilege-separated API
//! token that Terraform created through this provider, lists exactly the
//! guests the token's role and paths allow — against pve-sim's inventory.
//!
//! The plugin reads `GET /nodes`, `/nodes/{node}/lxc`, `/nodes/{node}/qemu`,
//! `/pools` and `/pools/{poolid}` with plain `requests`, trusting pve-sim's
//! CA through `REQUESTS_CA_BUNDLE`.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

use pve_e2e::terraform::repo_root;
use pve_e2e::{Target, Workdir};
use serde_json::Value;

/// `ansible-inventory` from tools/ansible, or `ANSIBLE_INVENTORY_BIN`.
fn ansible_inventory_bin() -> PathBuf {
    let path = std::env::var_os("ANSIBLE_INVENTORY_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("tools/ansible/bin/ansible-inventory"));
    assert!(
        path.exists(),
        "{} not found: run `make tools` (tools/install-ansible.sh installs Ansible 12.3.0), or set ANSIBLE_INVENTORY_BIN",
        path.display()
    );
    path
}

fn hosts(inventory: &Value, group: &str) -> BTreeSet<String> {
    inventory[group]["hosts"]
        .as_array()
        .map(|hosts| {
            hosts
                .iter()
                .filter_map(|h| h.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// A host variable; `--list` wraps strings from plugins as
/// `{"__ansible_unsafe": "…"}`.
fn var<'a>(inventory: &'a Value, host: &str, name: &str) -> &'a Value {
    let value = &inventory["_meta"]["hostvars"][host][name];
    value.get("__ansible_unsafe").unwrap_or(value)
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// `ansible-inventory --list` on `config`, isolated from the user's Ansible
/// settings, failing on any unparsed source; the parsed JSON and the text.
fn run_inventory(
    workdir: &Workdir,
    config: &std::path::Path,
    sim: &pve_sim::RunningSim,
    secret: &str,
) -> (Value, String) {
    let ansible_cfg = workdir.path().join("ansible.cfg");
    std::fs::write(&ansible_cfg, "[defaults]\n").expect("write ansible.cfg");
    let output = Command::new(ansible_inventory_bin())
        .arg("--list")
        .arg("-i")
        .arg(config)
        .current_dir(workdir.path())
        .env("ANSIBLE_CONFIG", &ansible_cfg)
        .env("ANSIBLE_HOME", workdir.path().join(".ansible"))
        .env("ANSIBLE_LOCAL_TEMP", workdir.path().join(".ansible/tmp"))
        .env("ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED", "true")
        .env("ANSIBLE_NOCOLOR", "1")
        .env("REQUESTS_CA_BUNDLE", sim.ca_cert_path())
        .env_remove("PROXMOX_PASSWORD")
        .env_remove("PROXMOX_URL")
        .output()
        .expect("run ansible-inventory");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "ansible-inventory failed:\n{stdout}\n{stderr}"
    );
    assert!(
        !stdout.contains(secret) && !stderr.contains(secret),
        "the token secret leaked into Ansible's output"
    );
    let inventory = serde_json::from_str(&stdout).expect("ansible-inventory prints JSON");
    (inventory, stdout)
}

#[test]
fn ansible_inventory_sees_exactly_what_the_terraform_made_token_allows() {
    let target = Target::start();
    // The guests below are pve-sim's default inventory; a real host has its own.
    let Some(sim) = target.sim() else {
        eprintln!("skipped: needs pve-sim's default inventory");
        return;
    };
    let user = format!("{}@pve", target.unique("ansible"));
    let role = target.unique("InventoryReader");
    let web = target.unique("web");
    let db = target.unique("db");

    let workdir = Workdir::new(&target);
    workdir.config(&format!(
        r#"
terraform {{
  required_providers {{
    pve = {{ source = "pve-rs/pve" }}
  }}
}}
provider "pve" {{}}

resource "pve_pool" "web" {{
  pool_id = "{web}"
}}
resource "pve_pool" "db" {{
  pool_id = "{db}"
}}
resource "pve_pool_membership" "web" {{
  for_each = toset(["100", "101"]) # a VM and a container
  pool_id  = pve_pool.web.pool_id
  vm_id    = tonumber(each.value)
}}
resource "pve_pool_membership" "db" {{
  pool_id = pve_pool.db.pool_id
  vm_id   = 150
}}

resource "pve_user" "ansible" {{
  user_id = "{user}"
}}
resource "pve_role" "reader" {{
  role_id    = "{role}"
  privileges = ["Pool.Audit", "VM.Audit"]
}}
resource "pve_user_token" "inventory" {{
  user_id    = pve_user.ansible.user_id
  token_name = "inventory"
}}

# Granted to the user AND its privilege-separated token: visible.
resource "pve_acl" "user_web" {{
  path    = "/pool/${{pve_pool.web.pool_id}}"
  role_id = pve_role.reader.role_id
  user_id = pve_user.ansible.user_id
}}
resource "pve_acl" "token_web" {{
  path     = "/pool/${{pve_pool.web.pool_id}}"
  role_id  = pve_role.reader.role_id
  token_id = pve_user_token.inventory.id
}}
resource "pve_acl" "user_vm103" {{
  path    = "/vms/103"
  role_id = pve_role.reader.role_id
  user_id = pve_user.ansible.user_id
}}
resource "pve_acl" "token_vm103" {{
  path     = "/vms/103"
  role_id  = pve_role.reader.role_id
  token_id = pve_user_token.inventory.id
}}
# Only the user: the token's share of it is the empty intersection.
resource "pve_acl" "user_db" {{
  path    = "/pool/${{pve_pool.db.pool_id}}"
  role_id = pve_role.reader.role_id
  user_id = pve_user.ansible.user_id
}}
# Only the token: its user lacks it, so again nothing.
resource "pve_acl" "token_vm200" {{
  path     = "/vms/200"
  role_id  = pve_role.reader.role_id
  token_id = pve_user_token.inventory.id
}}

output "token" {{
  value     = pve_user_token.inventory.value
  sensitive = true
}}
"#
    ));
    workdir.apply();
    let token = workdir.outputs()["token"]["value"]
        .as_str()
        .expect("token value output")
        .to_string();
    let (token_id, secret) = token.split_once('=').expect("ID=SECRET");
    let (token_user, token_name) = token_id.split_once('!').expect("USER!NAME");
    assert_eq!(token_user, user);

    // The plugin only accepts file names ending in proxmox.yml.
    let config = workdir.path().join("inventory.proxmox.yml");
    std::fs::write(
        &config,
        format!(
            "plugin: community.proxmox.proxmox\nurl: {url}\nuser: {token_user}\ntoken_id: {token_name}\ntoken_secret: {secret}\nvalidate_certs: true\nwant_facts: false\n",
            url = target.endpoint(),
        ),
    )
    .expect("write inventory config");
    let (inventory, stdout) = run_inventory(&workdir, &config, sim, secret);

    // Exactly the guests the token may audit: the web pool's VM and
    // container, and guest 103 granted directly. Not db-1 (user-only pool),
    // not dns-1 (token-only ACL), none of the others, and never a template.
    let qemu = hosts(&inventory, "proxmox_all_qemu");
    let lxc = hosts(&inventory, "proxmox_all_lxc");
    assert_eq!(qemu, set(&["web-1", "web-staging"]), "{stdout}");
    assert_eq!(lxc, set(&["web-2"]), "{stdout}");
    assert_eq!(
        hosts(&inventory, "proxmox_all_running"),
        set(&["web-1", "web-2"])
    );
    assert_eq!(
        hosts(&inventory, "proxmox_all_stopped"),
        set(&["web-staging"])
    );
    assert_eq!(hosts(&inventory, "proxmox_nodes"), set(&["pve"]));

    // Pools: the token sees its pool with both members, and not the other.
    assert_eq!(
        hosts(&inventory, &format!("proxmox_pool_{web}")),
        set(&["web-1", "web-2"])
    );
    assert!(
        inventory.get(format!("proxmox_pool_{db}")).is_none(),
        "the token must not see pool {db}: {stdout}"
    );

    // Host variables carry the guest's identity as PVE reported it.
    assert_eq!(var(&inventory, "web-2", "proxmox_vmid"), 101);
    assert_eq!(var(&inventory, "web-2", "proxmox_vmtype"), "lxc");
    assert_eq!(var(&inventory, "web-1", "proxmox_node"), "pve");
    let vars = &inventory["_meta"]["hostvars"];
    assert!(vars.get("db-1").is_none() && vars.get("dns-1").is_none());

    // Least privilege is not a snapshot: revoke the direct grant, and the
    // next inventory run loses guest 103.
    workdir.config(
        &std::fs::read_to_string(workdir.path().join("main.tf"))
            .expect("read main.tf")
            .replace(
                "resource \"pve_acl\" \"token_vm103\"",
                "resource \"pve_acl\" \"unused\"",
            )
            .replace("path     = \"/vms/103\"", "path     = \"/vms/303\""),
    );
    workdir.apply();
    let (inventory, _) = run_inventory(&workdir, &config, sim, secret);
    // 303 is granted to the token only now: still invisible; 103 is gone.
    assert_eq!(hosts(&inventory, "proxmox_all_qemu"), set(&["web-1"]));
    assert_eq!(hosts(&inventory, "proxmox_all_lxc"), set(&["web-2"]));

    workdir.destroy();
}
