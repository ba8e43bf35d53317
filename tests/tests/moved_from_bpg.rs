//! Switching from bpg/proxmox with `moved` blocks (Terraform ≥ 1.8), end to
//! end: objects exist in PVE as bpg created them, a `terraform.tfstate`
//! holds them as bpg v0.111.1 wrote it (ids, stored defaults, provider
//! address), and a stand-in for bpg (`src/bin/bpg-proxmox-standin.rs`,
//! installed into a local filesystem mirror, since bpg cannot be built
//! here) serves bpg's schemas. `moved` blocks then carry every object to
//! its `pve_*` type: the plan shows only moves, the token keeps its secret,
//! which still authenticates, and after the apply the plan is empty.
//! Terraform 1.0.3, which has no `moved` blocks, stops on them before any
//! provider runs and leaves the state untouched.

use std::path::{Path, PathBuf};

use proxmox_client::{
    AclUpdate, Client, CreateDomain, CreateGroup, CreatePool, CreateRole, CreateToken, CreateUser,
    GroupId, PermissionsQuery, PoolId, RealmId, RoleId, TokenName, UserId,
};
use pve_e2e::terraform::provider_dir;
use pve_e2e::{Target, Workdir};
use serde_json::{Value, json};

/// The bpg release the stand-in poses as (bpg commit d6bd1ffe…, 2026-07-19).
const BPG_VERSION: &str = "0.111.1";
const BPG: &str = "provider[\"registry.terraform.io/bpg/proxmox\"]";
/// What bpg's SDKv2 resources keep as private state: `{"schema_version":"0"}`.
const SDK_PRIVATE: &str = "eyJzY2hlbWFfdmVyc2lvbiI6IjAifQ==";

struct Names {
    user: String,
    token_value: String,
    role: String,
    group: String,
    pool: String,
    sso: String,
    corp: String,
}

/// Creates the objects in PVE as bpg's creates would have left them.
fn create_as_bpg_did(target: &Target) -> Names {
    let user = format!("{}@pve", target.unique("mvu"));
    let role = target.unique("MvRole");
    let group = target.unique("mvg");
    let pool = target.unique("mvp");
    let sso = target.unique("mvsso");
    let corp = target.unique("mvcorp");
    let client = target.client();
    let user_id: UserId = user.parse().expect("user id");
    let token_value = target.block_on(async {
        client
            .groups()
            .create(
                &group.parse::<GroupId>().expect("group id"),
                &CreateGroup {
                    comment: Some("Operators".into()),
                },
            )
            .await
            .expect("create group");
        client
            .users()
            .create(
                &user_id,
                &CreateUser {
                    comment: Some("CI".into()),
                    enable: Some(true),
                    groups: vec![group.parse().expect("group id")],
                    ..Default::default()
                },
            )
            .await
            .expect("create user");
        let token = client
            .tokens(&user_id)
            .create(
                &"deploy".parse::<TokenName>().expect("token name"),
                &CreateToken {
                    privsep: Some(true),
                    ..Default::default()
                },
            )
            .await
            .expect("create token");
        client
            .roles()
            .create(
                &role.parse::<RoleId>().expect("role id"),
                &CreateRole {
                    privs: vec!["Sys.Audit".into(), "VM.Audit".into()],
                },
            )
            .await
            .expect("create role");
        client
            .pools()
            .create(
                &pool.parse::<PoolId>().expect("pool id"),
                &CreatePool {
                    comment: Some("Production".into()),
                },
            )
            .await
            .expect("create pool");
        client
            .acl()
            .grant(&AclUpdate {
                path: format!("/pool/{pool}").parse().expect("path"),
                roles: vec![role.parse().expect("role id")],
                principals: vec![token.id.clone().into()],
                propagate: Some(true),
            })
            .await
            .expect("grant ACL");
        client
            .domains()
            .create(
                &sso.parse::<RealmId>().expect("realm id"),
                &CreateDomain {
                    realm_type: "openid".into(),
                    comment: None,
                    default: None,
                    options: [
                        ("issuer-url", "https://auth.example.com/realms/main"),
                        ("client-id", "pve"),
                        ("client-key", "client secret"),
                        ("username-claim", "username"),
                        ("scopes", "openid email profile"),
                        ("audiences", "pve,pve-cli"),
                    ]
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                },
            )
            .await
            .expect("create OpenID realm");
        client
            .domains()
            .create(
                &corp.parse::<RealmId>().expect("realm id"),
                &CreateDomain {
                    realm_type: "ldap".into(),
                    comment: Some("Corporate directory".into()),
                    default: None,
                    options: [
                        ("server1", "ldap.example.com"),
                        ("base_dn", "ou=people,dc=example,dc=com"),
                        ("user_attr", "uid"),
                        ("mode", "ldaps"),
                        ("verify", "1"),
                        ("sslversion", "tlsv1_2"),
                        ("group_classes", "groupOfNames,group"),
                        ("sync-defaults-options", "scope=both,enable-new=1"),
                    ]
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                },
            )
            .await
            .expect("create LDAP realm");
        format!("{}={}", token.id, token.secret.expose())
    });
    Names {
        user,
        token_value,
        role,
        group,
        pool,
        sso,
        corp,
    }
}

fn instance(ty: &str, name: &str, attributes: Value, private: Option<&str>) -> Value {
    let mut object =
        json!({"schema_version": 0, "attributes": attributes, "sensitive_attributes": []});
    if let Some(private) = private {
        object["private"] = json!(private);
    }
    json!({"mode": "managed", "type": ty, "name": name, "provider": BPG, "instances": [object]})
}

/// The state bpg v0.111.1 writes for these objects: its ids, the defaults
/// its SDKv2 resources store (`""`, the 1970 expiry), long and short names.
fn bpg_state(n: &Names) -> Value {
    let token_id = format!("{}!deploy", n.user);
    json!({
        "version": 4,
        "terraform_version": "1.9.8",
        "serial": 7,
        "lineage": "5d0c6f0e-8f5e-4a53-9d57-3a4b0b6e1b2c",
        "outputs": {},
        "resources": [
            instance("proxmox_virtual_environment_group", "ops", json!({
                "id": n.group, "group_id": n.group, "comment": "Operators",
                "members": [n.user], "acl": []
            }), Some(SDK_PRIVATE)),
            instance("proxmox_virtual_environment_user", "ci", json!({
                "id": n.user, "user_id": n.user, "acl": [], "comment": "CI", "email": "",
                "enabled": true, "expiration_date": "1970-01-01T00:00:00Z", "first_name": "",
                "groups": [n.group], "keys": "", "last_name": "", "password": null
            }), Some(SDK_PRIVATE)),
            instance("proxmox_user_token", "deploy", json!({
                "id": token_id, "user_id": n.user, "token_name": "deploy", "comment": null,
                "expiration_date": null, "privileges_separation": true, "value": n.token_value
            }), None),
            instance("proxmox_virtual_environment_role", "deployer", json!({
                "id": n.role, "role_id": n.role, "privileges": ["Sys.Audit", "VM.Audit"]
            }), Some(SDK_PRIVATE)),
            instance("proxmox_virtual_environment_pool", "prod", json!({
                "id": n.pool, "pool_id": n.pool, "comment": "Production", "members": []
            }), Some(SDK_PRIVATE)),
            instance("proxmox_acl", "deploy", json!({
                "id": format!("/pool/{}?{token_id}?{}", n.pool, n.role), "path": format!("/pool/{}", n.pool),
                "role_id": n.role, "token_id": token_id, "user_id": null, "group_id": null,
                "propagate": true
            }), None),
            instance("proxmox_virtual_environment_realm_openid", "sso", json!({
                "id": n.sso, "realm": n.sso, "issuer_url": "https://auth.example.com/realms/main",
                "client_id": "pve", "client_key": "client secret", "client_key_wo_version": null,
                "username_claim": "username", "scopes": "openid email profile",
                "audiences": "pve,pve-cli", "autocreate": null, "groups_claim": null,
                "groups_autocreate": null, "groups_overwrite": null, "prompt": null,
                "acr_values": null, "query_userinfo": null, "comment": null, "default": false
            }), None),
            instance("proxmox_realm_ldap", "corp", json!({
                "id": n.corp, "realm": n.corp, "server1": "ldap.example.com", "server2": null,
                "base_dn": "ou=people,dc=example,dc=com", "bind_dn": null, "bind_password": null,
                "user_attr": "uid", "port": null, "secure": null, "verify": true, "ca_path": null,
                "cert_path": null, "cert_key_path": null, "filter": null, "group_dn": null,
                "group_filter": null, "group_classes": "groupOfNames,group", "group_name_attr": null,
                "mode": "ldaps", "ssl_version": "tlsv1_2", "user_classes": null,
                "sync_attributes": null, "sync_defaults_options": "scope=both,enable-new=1",
                "comment": "Corporate directory", "default": false, "case_sensitive": null
            }), None),
        ],
        "check_results": null
    })
}

/// The `pve_*` configuration that replaces bpg's, with its `moved` blocks.
fn pve_config(n: &Names) -> String {
    let Names {
        user,
        role,
        group,
        pool,
        sso,
        corp,
        ..
    } = n;
    format!(
        r#"
terraform {{
  required_version = ">= 1.8"
  required_providers {{
    pve     = {{ source = "pve-rs/pve" }}
    proxmox = {{ source = "bpg/proxmox", version = "{BPG_VERSION}" }}
  }}
}}
provider "pve" {{}}

resource "pve_group" "ops" {{
  group_id = "{group}"
  comment  = "Operators"
}}
resource "pve_user" "ci" {{
  user_id = "{user}"
  comment = "CI"
  groups  = [pve_group.ops.group_id]
}}
resource "pve_user_token" "deploy" {{
  user_id    = pve_user.ci.user_id
  token_name = "deploy"
}}
resource "pve_role" "deployer" {{
  role_id    = "{role}"
  privileges = ["Sys.Audit", "VM.Audit"]
}}
resource "pve_pool" "prod" {{
  pool_id = "{pool}"
  comment = "Production"
}}
resource "pve_acl" "deploy" {{
  path     = "/pool/${{pve_pool.prod.pool_id}}"
  role_id  = pve_role.deployer.role_id
  token_id = pve_user_token.deploy.id
}}
resource "pve_realm_openid" "sso" {{
  realm          = "{sso}"
  issuer_url     = "https://auth.example.com/realms/main"
  client_id      = "pve"
  username_claim = "username"
  scopes         = ["openid", "email", "profile"]
  audiences      = ["pve", "pve-cli"]
}}
resource "pve_realm_ldap" "corp" {{
  realm                    = "{corp}"
  server1                  = "ldap.example.com"
  base_dn                  = "ou=people,dc=example,dc=com"
  user_attr                = "uid"
  mode                     = "ldaps"
  verify                   = true
  sslversion               = "tlsv1_2"
  group_classes            = ["groupOfNames", "group"]
  sync_defaults_scope      = "both"
  sync_defaults_enable_new = true
  comment                  = "Corporate directory"
}}

moved {{
  from = proxmox_virtual_environment_group.ops
  to   = pve_group.ops
}}
moved {{
  from = proxmox_virtual_environment_user.ci
  to   = pve_user.ci
}}
moved {{
  from = proxmox_user_token.deploy
  to   = pve_user_token.deploy
}}
moved {{
  from = proxmox_virtual_environment_role.deployer
  to   = pve_role.deployer
}}
moved {{
  from = proxmox_virtual_environment_pool.prod
  to   = pve_pool.prod
}}
moved {{
  from = proxmox_acl.deploy
  to   = pve_acl.deploy
}}
moved {{
  from = proxmox_virtual_environment_realm_openid.sso
  to   = pve_realm_openid.sso
}}
moved {{
  from = proxmox_realm_ldap.corp
  to   = pve_realm_ldap.corp
}}
"#
    )
}

/// `os_arch` as Terraform names platforms.
fn platform() -> String {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        other => other,
    };
    format!("{}_{arch}", std::env::consts::OS)
}

/// Installs the bpg stand-in into a filesystem mirror in `workdir` and
/// points Terraform at it (the provider under test stays a dev override).
fn install_bpg_standin(workdir: &mut Workdir) {
    let mirror: PathBuf = workdir.path().join("mirror");
    let dir = mirror
        .join("registry.terraform.io/bpg/proxmox")
        .join(BPG_VERSION)
        .join(platform());
    std::fs::create_dir_all(&dir).expect("create mirror dir");
    std::fs::copy(
        env!("CARGO_BIN_EXE_bpg-proxmox-standin"),
        dir.join(format!("terraform-provider-proxmox_v{BPG_VERSION}")),
    )
    .expect("install the bpg stand-in");
    let cli_config = workdir.path().join("bpg.terraformrc");
    std::fs::write(
        &cli_config,
        format!(
            "provider_installation {{\n  dev_overrides {{\n    \"registry.terraform.io/pve-rs/pve\" = \"{}\"\n  }}\n  filesystem_mirror {{\n    path    = \"{}\"\n    include = [\"registry.terraform.io/bpg/proxmox\"]\n  }}\n}}\n",
            provider_dir().display(),
            mirror.display()
        ),
    )
    .expect("write CLI config");
    workdir.set_env("TF_CLI_CONFIG_FILE", &cli_config.display().to_string());
}

fn write_state(path: &Path, state: &Value) {
    std::fs::write(
        path.join("terraform.tfstate"),
        serde_json::to_string_pretty(state).expect("state JSON"),
    )
    .expect("write terraform.tfstate");
}

/// A client that authenticates with the token value only.
fn token_client(target: &Target, value: &str) -> Client {
    let env = target.provider_env();
    let ca = env
        .iter()
        .find(|(key, _)| key == "PROXMOX_VE_CA_CERTIFICATE")
        .map(|(_, value)| value.clone());
    let mut builder = Client::builder(target.endpoint())
        .api_token(value.parse().expect("token value parses"))
        .insecure(ca.is_none());
    if let Some(pem) = ca {
        builder = builder.ca_pem(pem);
    }
    builder.build().expect("token client")
}

const MOVES: [(&str, &str); 8] = [
    ("proxmox_virtual_environment_group.ops", "pve_group.ops"),
    ("proxmox_virtual_environment_user.ci", "pve_user.ci"),
    ("proxmox_user_token.deploy", "pve_user_token.deploy"),
    (
        "proxmox_virtual_environment_role.deployer",
        "pve_role.deployer",
    ),
    ("proxmox_virtual_environment_pool.prod", "pve_pool.prod"),
    ("proxmox_acl.deploy", "pve_acl.deploy"),
    (
        "proxmox_virtual_environment_realm_openid.sso",
        "pve_realm_openid.sso",
    ),
    ("proxmox_realm_ldap.corp", "pve_realm_ldap.corp"),
];

#[test]
fn moved_blocks_take_over_bpg_state_without_changes() {
    let target = Target::start();
    let names = create_as_bpg_did(&target);
    let mut workdir = Workdir::new(&target);
    install_bpg_standin(&mut workdir);
    write_state(workdir.path(), &bpg_state(&names));
    workdir.config(&pve_config(&names));
    workdir.ok(&["init", "-input=false", "-no-color"]);

    // The plan: every object moves, nothing else changes.
    let plan = workdir.run(&["plan", "-input=false", "-no-color"]);
    let text = plan.all_output();
    assert_eq!(plan.code, 0, "plan failed:\n{text}");
    for (from, to) in MOVES {
        assert!(
            text.contains(&format!("# {from} has moved to {to}")),
            "{from} → {to} not in the plan:\n{text}"
        );
    }
    assert!(
        text.contains("0 to add, 0 to change, 0 to destroy"),
        "the plan changes more than addresses:\n{text}"
    );
    assert!(!text.contains("will be updated in-place"), "{text}");
    assert!(
        !text.contains(&names.token_value),
        "the secret leaked into the plan"
    );

    workdir.apply();
    workdir.assert_plan_empty();

    // The secret came along, and it still authenticates with its ACL.
    let token = workdir.resource_attributes("pve_user_token.deploy");
    assert_eq!(token["value"].as_str(), Some(names.token_value.as_str()));
    assert!(token["created_at"].as_str().is_some());
    // A privilege-separated token's privileges are those of its ACL that
    // its user also has; authenticating at all is what proves the secret.
    target
        .block_on(
            token_client(&target, &names.token_value).permissions(&PermissionsQuery::default()),
        )
        .expect("the moved token authenticates");

    let acl = workdir.resource_attributes("pve_acl.deploy");
    assert_eq!(
        acl["id"].as_str(),
        Some(
            format!(
                "/pool/{}|{}|token:{}!deploy",
                names.pool, names.role, names.user
            )
            .as_str()
        )
    );
    let openid = workdir.resource_attributes("pve_realm_openid.sso");
    assert_eq!(openid["audiences"], json!(["pve", "pve-cli"]));
    let state = workdir.state();
    let resources = state["resources"].as_array().expect("resources");
    assert!(
        resources.iter().all(|r| r["provider"]
            .as_str()
            .is_some_and(|p| p.contains("pve-rs/pve"))),
        "bpg still owns something: {resources:?}"
    );
    assert!(
        !workdir.state_text().contains("client secret"),
        "bpg's client_key was not moved into state"
    );
}

#[test]
fn terraform_1_0_refuses_moved_blocks_and_keeps_the_state() {
    let target = Target::start();
    let names = Names {
        user: "ci@pve".into(),
        token_value: "ci@pve!deploy=00000000-0000-4000-8000-000000000000".into(),
        role: "Deployer".into(),
        group: "ops".into(),
        pool: "prod".into(),
        sso: "sso".into(),
        corp: "corp".into(),
    };
    let mut workdir = Workdir::legacy(&target);
    install_bpg_standin(&mut workdir);
    let state = bpg_state(&names);
    write_state(workdir.path(), &state);
    workdir.config(&pve_config(&names));
    let init = workdir.run(&["init", "-input=false", "-no-color"]);
    let text = init.all_output();
    assert_ne!(init.code, 0, "Terraform 1.0.3 cannot move state:\n{text}");
    // Terraform 1.0 reads no `moved` block at all: it stops on the first,
    // before any provider starts (the guide's troubleshooting quotes this).
    assert!(
        text.contains("Blocks of type \"moved\" are not expected here"),
        "Terraform 1.0.3 should refuse the moved blocks:\n{text}"
    );
    let after: Value = serde_json::from_str(
        &std::fs::read_to_string(workdir.path().join("terraform.tfstate")).expect("state"),
    )
    .expect("state JSON");
    assert_eq!(after, state, "the state is untouched");
}
