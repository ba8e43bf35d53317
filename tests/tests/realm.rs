//! `pve_realm_ldap`, `pve_realm_ad`, `pve_realm_openid` and
//! `pve_realm_sync` end to end: create, empty plan, in-place update, forced
//! replacement, import, out-of-band change and delete, destroy; write-only
//! secrets never in state or a saved plan; a sync on create and on every
//! trigger change.

use proxmox_client::{DomainConfig, RealmId, UpdateDomain};
use pve_e2e::{Target, Workdir};

const HEADER: &str = r#"
terraform {
  required_providers {
    pve = { source = "pve-rs/pve" }
  }
}
provider "pve" {}
"#;

fn realm(target: &Target, id: &str) -> Option<DomainConfig> {
    let id: RealmId = id.parse().expect("realm id");
    match target.block_on(target.client().domains().get(&id)) {
        Ok(found) => Some(found),
        Err(error) if error.is_not_found() || error.to_string().contains("does not exist") => None,
        Err(error) => panic!("read realm {id}: {error}"),
    }
}

fn option(found: &DomainConfig, key: &str) -> Option<String> {
    found.options.get(key).map(|v| match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    })
}

/// Plans to a file and returns the file's bytes and `terraform show -json` of it.
fn saved_plan(workdir: &Workdir) -> String {
    workdir.ok(&["plan", "-out=tfplan", "-input=false", "-no-color"]);
    let bytes = std::fs::read(workdir.path().join("tfplan")).expect("saved plan");
    let shown = workdir.ok(&["show", "-json", "-no-color", "tfplan"]).stdout;
    format!("{}\n{shown}", String::from_utf8_lossy(&bytes))
}

fn out_of_band_comment(target: &Target, id: &str, comment: &str) {
    let id: RealmId = id.parse().expect("realm id");
    target
        .block_on(target.client().domains().update(
            &id,
            &UpdateDomain {
                comment: Some(comment.into()),
                ..UpdateDomain::default()
            },
        ))
        .expect("out-of-band update");
}

fn out_of_band_delete(target: &Target, id: &str) {
    let id: RealmId = id.parse().expect("realm id");
    target
        .block_on(target.client().domains().delete(&id))
        .expect("out-of-band delete");
}

/// The secret comes from an ephemeral variable (`TF_VAR_...`), as it would
/// in real use: a literal would be saved with the configuration snapshot
/// inside a plan file, whatever the provider does.
fn ldap_config(name: &str, comment: &str, port: u16, version: u32) -> String {
    format!(
        r#"{HEADER}
variable "bind_password" {{
  type      = string
  sensitive = true
  ephemeral = true
}}
resource "pve_realm_ldap" "corp" {{
  realm         = "{name}"
  server1       = "ldap1.example.com"
  server2       = "ldap2.example.com"
  port          = {port}
  base_dn       = "ou=people,dc=example,dc=com"
  user_attr     = "uid"
  bind_dn       = "cn=pve,ou=services,dc=example,dc=com"
  mode          = "ldaps"
  verify        = true
  capath        = "/etc/ssl/certs/corp-ca.pem"
  filter        = "(memberOf=cn=pve,ou=groups,dc=example,dc=com)"
  user_classes  = ["inetOrgPerson", "posixAccount"]
  group_dn      = "ou=groups,dc=example,dc=com"
  group_name_attr = "cn"
  group_classes = ["groupOfNames"]
  sync_attributes = {{ email = "mail", firstname = "givenName" }}
  sync_defaults_scope           = "both"
  sync_defaults_enable_new      = false
  sync_defaults_remove_vanished = ["acl", "entry"]
  case_sensitive = false
  comment       = "{comment}"
  bind_password_wo         = var.bind_password
  bind_password_wo_version = {version}
}}
"#
    )
}

#[test]
fn ldap_realm_lifecycle_keeps_the_bind_password_out_of_state() {
    let target = Target::start();
    let mut workdir = Workdir::new(&target);
    let name = target.unique("ldap");
    let secret = "bind-s3cret-never-stored";
    workdir.set_env("TF_VAR_bind_password", secret);

    workdir.config(&ldap_config(&name, "corporate directory", 636, 1));
    let plan = saved_plan(&workdir);
    assert!(
        !plan.contains(secret),
        "the bind password is in the saved plan"
    );
    workdir.apply();
    let found = realm(&target, &name).expect("realm created");
    assert_eq!(found.realm_type, "ldap");
    assert_eq!(found.comment.as_deref(), Some("corporate directory"));
    assert_eq!(option(&found, "port").as_deref(), Some("636"));
    assert_eq!(option(&found, "mode").as_deref(), Some("ldaps"));
    assert_eq!(
        option(&found, "user_classes").as_deref(),
        Some("inetOrgPerson,posixAccount")
    );
    assert_eq!(
        option(&found, "sync_attributes").as_deref(),
        Some("email=mail,firstname=givenName")
    );
    // PVE re-prints the property string with its keys sorted.
    assert_eq!(
        option(&found, "sync-defaults-options").as_deref(),
        Some("enable-new=0,remove-vanished=acl;entry,scope=both")
    );
    assert_eq!(option(&found, "case-sensitive").as_deref(), Some("0"));
    assert!(
        !workdir.state_text().contains(secret),
        "the bind password is in state"
    );
    // PVE (and pve-sim) keep it in priv/realm/<realm>.pw, for later binds.
    let stored_password = || {
        target.sim().map(|sim| {
            std::fs::read_to_string(sim.state_dir().join(format!("priv/realm/{name}.pw")))
                .unwrap_or_default()
        })
    };
    if let Some(stored) = stored_password() {
        assert_eq!(stored, secret);
    }
    let attributes = workdir.resource_attributes("pve_realm_ldap.corp");
    assert!(attributes["bind_password_wo"].is_null());
    assert_eq!(attributes["bind_password_wo_version"], 1);
    workdir.assert_plan_empty();

    // In place: comment and port change, filter removed, password re-sent.
    let stats = |key: &str| target.sim().map(|sim| sim.stats().count(key));
    let puts_before = stats("PUT /access/domains/{realm}");
    workdir.set_env("TF_VAR_bind_password", "rotated-bind-s3cret");
    let updated = ldap_config(&name, "directory", 389, 2).replace(
        "  filter        = \"(memberOf=cn=pve,ou=groups,dc=example,dc=com)\"\n",
        "",
    );
    workdir.config(&updated);
    let plan = workdir.assert_plan_changes();
    assert!(plan.contains("updated in-place"), "{plan}");
    assert!(!saved_plan(&workdir).contains("rotated-bind-s3cret"));
    workdir.apply();
    if let (Some(before), Some(after)) = (puts_before, stats("PUT /access/domains/{realm}")) {
        assert_eq!(after, before + 1, "one PUT for the whole update");
    }
    let found = realm(&target, &name).expect("realm");
    assert_eq!(found.comment.as_deref(), Some("directory"));
    assert_eq!(option(&found, "port").as_deref(), Some("389"));
    assert_eq!(option(&found, "filter"), None);
    assert!(!workdir.state_text().contains("rotated-bind-s3cret"));
    if let Some(stored) = stored_password() {
        assert_eq!(stored, "rotated-bind-s3cret");
    }
    workdir.assert_plan_empty();

    // Out-of-band change is detected, then repaired.
    out_of_band_comment(&target, &name, "edited in the GUI");
    let plan = workdir.assert_plan_changes();
    assert!(plan.contains("edited in the GUI"), "{plan}");
    workdir.apply();
    assert_eq!(
        realm(&target, &name).and_then(|r| r.comment).as_deref(),
        Some("directory")
    );

    // Out-of-band delete: recreated.
    out_of_band_delete(&target, &name);
    workdir.assert_plan_changes();
    workdir.apply();
    assert!(realm(&target, &name).is_some());
    workdir.assert_plan_empty();

    // Import into a fresh directory: everything but the secret's version
    // is read back; setting the version then sends the password once.
    let mut adopted = Workdir::new(&target);
    adopted.set_env("TF_VAR_bind_password", "rotated-bind-s3cret");
    adopted.config(&updated);
    adopted.import("pve_realm_ldap.corp", &name);
    assert!(!adopted.state_text().contains("rotated-bind-s3cret"));
    let plan = adopted.assert_plan_changes();
    assert!(
        plan.contains("+ bind_password_wo_version") && plan.contains("1 to change"),
        "{plan}"
    );
    adopted.apply();
    adopted.assert_plan_empty();

    // A new realm id replaces the realm.
    let renamed = target.unique("ldapnew");
    workdir.config(&updated.replace(&format!("\"{name}\""), &format!("\"{renamed}\"")));
    let plan = workdir.assert_plan_changes();
    assert!(plan.contains("must be replaced"), "{plan}");
    workdir.apply();
    assert!(realm(&target, &name).is_none());
    assert!(realm(&target, &renamed).is_some());

    workdir.destroy();
    assert!(realm(&target, &renamed).is_none());
}

#[test]
fn realm_import_by_id_and_type_check() {
    let target = Target::start();
    let name = target.unique("adimp");
    let ad = format!(
        r#"{HEADER}
resource "pve_realm_ad" "win" {{
  realm       = "{name}"
  server1     = "dc1.example.com"
  domain      = "example.com"
  mode        = "ldap+starttls"
  sslversion  = "tlsv1_2"
  default     = false
  comment     = "windows"
}}
"#
    );
    let workdir = Workdir::new(&target);
    workdir.config(&ad);
    workdir.apply();
    assert_eq!(
        realm(&target, &name).map(|r| r.realm_type).as_deref(),
        Some("ad")
    );
    workdir.assert_plan_empty();
    // In place.
    let edited = ad.replace("\"windows\"", "\"windows domain\"");
    workdir.config(&edited);
    assert!(workdir.assert_plan_changes().contains("updated in-place"));
    workdir.apply();
    assert_eq!(
        realm(&target, &name).and_then(|r| r.comment).as_deref(),
        Some("windows domain")
    );
    workdir.config(&ad);
    workdir.apply();
    workdir.assert_plan_empty();

    out_of_band_comment(&target, &name, "changed");
    workdir.assert_plan_changes();
    workdir.apply();

    // Import into a fresh directory: read fills everything, plan is empty.
    let adopted = Workdir::new(&target);
    adopted.config(&ad);
    adopted.import("pve_realm_ad.win", &name);
    let attributes = adopted.resource_attributes("pve_realm_ad.win");
    assert_eq!(attributes["domain"], "example.com");
    assert_eq!(attributes["sslversion"], "tlsv1_2");
    adopted.assert_plan_empty();

    // The wrong resource type is refused with the right one named.
    let wrong = Workdir::new(&target);
    wrong.config(&format!(
        "{HEADER}\nresource \"pve_realm_ldap\" \"x\" {{\n  realm = \"{name}\"\n  server1 = \"a\"\n  base_dn = \"dc=a\"\n  user_attr = \"uid\"\n}}\n"
    ));
    let run = wrong.run(&[
        "import",
        "-input=false",
        "-no-color",
        "pve_realm_ldap.x",
        &name,
    ]);
    assert_ne!(run.code, 0);
    assert!(
        run.all_output().contains("pve_realm_ad"),
        "{}",
        run.all_output()
    );

    // Creating an existing realm says how to import it.
    let clash = Workdir::new(&target);
    clash.config(&ad);
    let run = clash.run(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    assert_ne!(run.code, 0);
    assert!(
        run.all_output()
            .contains("terraform import pve_realm_ad.NAME")
            && run.all_output().contains("already exists"),
        "{}",
        run.all_output()
    );

    out_of_band_delete(&target, &name);
    workdir.assert_plan_changes();
    workdir.apply();
    workdir.destroy();
    assert!(realm(&target, &name).is_none());
}

#[test]
fn openid_realm_lifecycle_keeps_the_client_key_out_of_state() {
    let target = Target::start();
    let mut workdir = Workdir::new(&target);
    let name = target.unique("oidc");
    let key = "client-key-never-stored";
    workdir.set_env("TF_VAR_client_key", key);
    let config = |claim: &str, comment: &str, version: u32| {
        format!(
            r#"{HEADER}
variable "client_key" {{
  type      = string
  sensitive = true
  ephemeral = true
}}
resource "pve_realm_openid" "sso" {{
  realm             = "{name}"
  issuer_url        = "https://auth.example.com/realms/main"
  client_id         = "proxmox"
  client_key_wo     = var.client_key
  client_key_wo_version = {version}
  username_claim    = "{claim}"
  autocreate        = true
  scopes            = ["openid", "email", "profile"]
  prompt            = "login"
  acr_values        = "urn:mace:incommon:iap:silver"
  groups_claim      = "groups"
  groups_autocreate = true
  groups_overwrite  = false
  query_userinfo    = false
  comment           = "{comment}"
}}
"#
        )
    };
    workdir.config(&config("email", "single sign-on", 1));
    assert!(!saved_plan(&workdir).contains(key));
    workdir.apply();
    let found = realm(&target, &name).expect("realm");
    assert_eq!(found.realm_type, "openid");
    assert_eq!(
        option(&found, "issuer-url").as_deref(),
        Some("https://auth.example.com/realms/main")
    );
    assert_eq!(
        option(&found, "scopes").as_deref(),
        Some("openid email profile")
    );
    assert_eq!(option(&found, "groups-overwrite").as_deref(), Some("0"));
    assert!(!workdir.state_text().contains(key));
    workdir.assert_plan_empty();

    workdir.config(&config("email", "sso", 2));
    assert!(workdir.assert_plan_changes().contains("updated in-place"));
    workdir.apply();
    assert_eq!(
        realm(&target, &name).and_then(|r| r.comment).as_deref(),
        Some("sso")
    );
    assert!(!workdir.state_text().contains(key));
    workdir.assert_plan_empty();

    // PVE cannot change the username claim: replacement.
    // Import (without the write-only key, which is never read back).
    let mut adopted = Workdir::new(&target);
    adopted.set_env("TF_VAR_client_key", key);
    let without_key: String = config("email", "sso", 2)
        .lines()
        .filter(|line| !line.contains("client_key_wo"))
        .collect::<Vec<_>>()
        .join("\n");
    adopted.config(&without_key);
    adopted.import("pve_realm_openid.sso", &name);
    let attributes = adopted.resource_attributes("pve_realm_openid.sso");
    assert_eq!(attributes["username_claim"], "email");
    assert_eq!(
        attributes["scopes"],
        serde_json::json!(["openid", "email", "profile"])
    );
    adopted.assert_plan_empty();

    workdir.config(&config("subject", "sso", 2));
    assert!(workdir.assert_plan_changes().contains("must be replaced"));
    workdir.apply();
    assert_eq!(
        realm(&target, &name)
            .and_then(|r| option(&r, "username-claim"))
            .as_deref(),
        Some("subject")
    );

    out_of_band_delete(&target, &name);
    workdir.assert_plan_changes();
    workdir.apply();
    workdir.assert_plan_empty();
    workdir.destroy();
    assert!(realm(&target, &name).is_none());
}

#[test]
fn realm_sync_runs_on_create_and_on_trigger_change() {
    let target = Target::start();
    let workdir = Workdir::new(&target);
    let name = target.unique("sync");
    let config = |trigger: &str, scope: &str| {
        format!(
            r#"{HEADER}
resource "pve_realm_ldap" "corp" {{
  realm     = "{name}"
  server1   = "ldap.example.com"
  base_dn   = "dc=example,dc=com"
  user_attr = "uid"
}}
resource "pve_realm_sync" "corp" {{
  realm           = pve_realm_ldap.corp.realm
  scope           = "{scope}"
  remove_vanished = ["acl", "properties", "entry"]
  enable_new      = true
  triggers        = {{ run = "{trigger}" }}
}}
output "task" {{
  value = pve_realm_sync.corp.task_id
}}
"#
        )
    };
    let sim = target.sim();
    let syncs = || sim.map(|sim| sim.stats().count("POST /access/domains/{realm}/sync"));

    workdir.config(&config("1", "both"));
    workdir.apply();
    if sim.is_some() {
        assert_eq!(syncs(), Some(1), "one sync on create");
    }
    let task = workdir.outputs()["task"]["value"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(task.starts_with("UPID:") && task.contains(&name), "{task}");
    workdir.assert_plan_empty();
    if sim.is_some() {
        assert_eq!(syncs(), Some(1), "a refresh does not sync");
    }

    workdir.config(&config("2", "both"));
    assert!(workdir.assert_plan_changes().contains("must be replaced"));
    workdir.apply();
    if sim.is_some() {
        assert_eq!(syncs(), Some(2), "a trigger change syncs again");
    }
    workdir.config(&config("2", "users"));
    workdir.apply();
    if sim.is_some() {
        assert_eq!(syncs(), Some(3), "an option change syncs again");
    }
    workdir.assert_plan_empty();

    // Syncing an OpenID realm is refused by PVE, with its message.
    let oidc = Workdir::new(&target);
    let oidc_name = target.unique("syncoidc");
    oidc.config(&format!(
        r#"{HEADER}
resource "pve_realm_openid" "sso" {{
  realm      = "{oidc_name}"
  issuer_url = "https://auth.example.com"
  client_id  = "pve"
}}
resource "pve_realm_sync" "sso" {{
  realm = pve_realm_openid.sso.realm
  scope = "users"
}}
"#
    ));
    let run = oidc.run(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    assert_ne!(run.code, 0);
    assert!(
        run.all_output()
            .contains("Only LDAP/AD realms can be synced"),
        "{}",
        run.all_output()
    );
    oidc.destroy();
    // The refused request counts too (the counters are per route).
    let before_destroy = syncs();

    // Destroy does nothing on the server for the sync; the realm goes.
    workdir.destroy();
    assert_eq!(syncs(), before_destroy, "destroy runs no sync");
    assert!(realm(&target, &name).is_none());
}
