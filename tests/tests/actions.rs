//! Actions end to end with Terraform 1.15: `pve_realm_sync` invoked by hand
//! (its task log streamed as progress, the users and groups synced) and from
//! an `action_trigger` after a realm change, a failing sync showing PVE's
//! task error, `pve_user_token_revoke` with its options and its refusal of a
//! missing token; and Terraform 1.0.3 still working with the provider.
//!
//! The sync tests need pve-sim's stated directories, so they run against the
//! simulator only.

use proxmox_client::{
    AclPrincipal, AclUpdate, CreateToken, CreateUser, GroupId, TokenName, UserId,
};
use pve_e2e::{Target, Workdir};
use pve_sim::directory::{Directory, DirectoryGroup, DirectoryUser};

const HEADER: &str = r#"
terraform {
  required_providers {
    pve = { source = "pve-rs/pve" }
  }
}
provider "pve" {}
"#;

fn invoke(workdir: &Workdir, action: &str) -> pve_e2e::terraform::Run {
    workdir.run(&[
        "apply",
        &format!("-invoke=action.{action}"),
        "-auto-approve",
        "-input=false",
        "-no-color",
    ])
}

fn user(uid: &str, email: &str) -> DirectoryUser {
    DirectoryUser {
        uid: uid.to_string(),
        email: Some(email.to_string()),
        ..DirectoryUser::default()
    }
}

fn user_exists(target: &Target, userid: &str) -> bool {
    let id: UserId = userid.parse().expect("user id");
    match target.block_on(target.client().users().get(&id)) {
        Ok(_) => true,
        Err(error) if error.is_not_found() => false,
        Err(error) => panic!("read user {userid}: {error}"),
    }
}

fn realm_config(realm: &str, comment: &str, trigger: bool) -> String {
    let lifecycle = if trigger {
        r"
  lifecycle {
    action_trigger {
      events  = [after_update]
      actions = [action.pve_realm_sync.corp]
    }
  }"
    } else {
        ""
    };
    format!(
        r#"{HEADER}
resource "pve_realm_ldap" "corp" {{
  realm     = "{realm}"
  server1   = "ldap.example.com"
  base_dn   = "dc=example,dc=com"
  user_attr = "uid"
  comment   = "{comment}"
{lifecycle}
}}
action "pve_realm_sync" "corp" {{
  config {{
    realm           = "{realm}"
    scope           = "both"
    remove_vanished = ["acl", "entry"]
  }}
}}
"#
    )
}

#[test]
fn realm_sync_action_streams_the_task_log_and_syncs() {
    let target = Target::start();
    let Some(sim) = target.sim() else {
        return;
    };
    let realm = target.unique("actsync");
    sim.state().directories.set(
        &realm,
        Directory {
            users: vec![
                user("alice", "alice@example.com"),
                user("bob", "bob@example.com"),
            ],
            groups: vec![DirectoryGroup {
                name: "ops".into(),
                members: vec!["alice".into()],
            }],
        },
    );
    let workdir = Workdir::new(&target);
    workdir.config(&realm_config(&realm, "first", false));
    workdir.apply();
    assert!(
        !user_exists(&target, &format!("alice@{realm}")),
        "no sync yet"
    );

    let run = invoke(&workdir, "pve_realm_sync.corp");
    let output = run.all_output();
    assert_eq!(run.code, 0, "{output}");
    // The task log, line by line, as progress of the action.
    for line in [
        format!("starting sync for realm {realm}"),
        "got data from server, updating users and groups".to_string(),
        format!("adding user 'alice@{realm}'"),
        format!("adding group 'ops-{realm}'"),
        "successfully updated users and groups configuration".to_string(),
        "TASK OK".to_string(),
    ] {
        assert!(
            output
                .lines()
                .any(|l| l.starts_with("Action action.pve_realm_sync.corp") && l.ends_with(&line)),
            "missing progress {line:?}:\n{output}"
        );
    }
    assert!(
        output.contains("Action complete: action.pve_realm_sync.corp"),
        "{output}"
    );

    // The server state after the sync.
    let alice: UserId = format!("alice@{realm}").parse().expect("user id");
    let found = target
        .block_on(target.client().users().get(&alice))
        .expect("alice synced");
    assert_eq!(found.email.as_deref(), Some("alice@example.com"));
    assert!(user_exists(&target, &format!("bob@{realm}")));
    let group: GroupId = format!("ops-{realm}").parse().expect("group id");
    let members = target
        .block_on(target.client().groups().get(&group))
        .expect("group synced")
        .members;
    assert_eq!(
        members.iter().map(UserId::as_str).collect::<Vec<_>>(),
        [alice.as_str()]
    );

    // Invoking does not touch the state or plan: the realm stays as is.
    workdir.assert_plan_empty();
    workdir.destroy();
}

#[test]
fn action_trigger_syncs_after_a_realm_change() {
    let target = Target::start();
    let Some(sim) = target.sim() else {
        return;
    };
    let realm = target.unique("acttrig");
    sim.state().directories.set(
        &realm,
        Directory {
            users: vec![user("carol", "carol@example.com")],
            groups: Vec::new(),
        },
    );
    let workdir = Workdir::new(&target);
    workdir.config(&realm_config(&realm, "first", true));
    let created = workdir.apply();
    // The trigger fires on updates only.
    assert!(
        !created.stdout.contains("starting sync"),
        "{}",
        created.stdout
    );
    assert!(!user_exists(&target, &format!("carol@{realm}")));

    workdir.config(&realm_config(&realm, "second", true));
    let updated = workdir.apply();
    assert!(
        updated
            .stdout
            .contains(&format!("starting sync for realm {realm}")),
        "{}",
        updated.stdout
    );
    assert!(user_exists(&target, &format!("carol@{realm}")));
    workdir.assert_plan_empty();
    workdir.destroy();
}

#[test]
fn a_failing_sync_fails_the_action_with_the_task_error() {
    let target = Target::start();
    if target.sim().is_none() {
        return;
    }
    // No directory behind this realm: its server does not answer.
    let realm = target.unique("actfail");
    let workdir = Workdir::new(&target);
    workdir.config(&realm_config(&realm, "first", false));
    workdir.apply();
    let run = invoke(&workdir, "pve_realm_sync.corp");
    let output = run.all_output();
    assert_ne!(run.code, 0, "{output}");
    assert!(
        output.contains(&format!("Realm sync of {realm} failed")),
        "{output}"
    );
    assert!(
        output.contains("ldap.example.com: IO::Socket::IP: connect: Connection refused"),
        "PVE's task error is shown:\n{output}"
    );
    assert!(
        output.contains("TASK ERROR:"),
        "the task log is streamed:\n{output}"
    );
    workdir.destroy();
}

#[test]
fn token_revoke_removes_tokens_and_acl_entries_and_refuses_a_missing_token() {
    let target = Target::start();
    let client = target.client();
    let userid: UserId = format!("{}@pve", target.unique("leak"))
        .parse()
        .expect("user id");
    target
        .block_on(client.users().create(&userid, &CreateUser::default()))
        .expect("create user");
    let names: Vec<TokenName> = ["deploy", "backup", "spare"]
        .iter()
        .map(|n| n.parse().expect("token name"))
        .collect();
    for name in &names {
        target
            .block_on(client.tokens(&userid).create(name, &CreateToken::default()))
            .expect("create token");
    }
    let grant = |token: &TokenName, path: &str, role: &str| {
        target
            .block_on(client.acl().grant(&AclUpdate {
                path: path.parse().expect("path"),
                roles: vec![role.parse().expect("role")],
                principals: vec![AclPrincipal::Token(userid.token(token))],
                propagate: None,
            }))
            .expect("grant");
    };
    grant(&names[0], "/", "PVEAuditor");
    grant(&names[0], "/vms", "PVEVMUser");
    grant(&names[1], "/storage", "PVEDatastoreUser");
    let token_acl_entries = || {
        target
            .block_on(client.acl().list())
            .expect("list ACL")
            .into_iter()
            .filter(|e| matches!(&e.principal, AclPrincipal::Token(t) if t.user() == &userid))
            .count()
    };
    assert_eq!(token_acl_entries(), 3);

    let workdir = Workdir::new(&target);
    let config = |token: &str, extra: &str| {
        format!(
            r#"{HEADER}
action "pve_user_token_revoke" "leaked" {{
  config {{
    token_id = "{userid}!{token}"
{extra}
  }}
}}
"#
        )
    };

    // A token that does not exist is refused, naming the ones that do.
    workdir.config(&config("nope", ""));
    let refused = invoke(&workdir, "pve_user_token_revoke.leaked");
    let output = refused.all_output();
    assert_ne!(refused.code, 0, "{output}");
    assert!(output.contains("has no token named nope"), "{output}");
    assert!(
        output.contains("backup, deploy, spare") || output.contains("deploy"),
        "{output}"
    );
    assert!(output.contains("ignore_missing"), "{output}");

    // The leaked token, its ACL entries and the user's other tokens.
    workdir.config(&config(
        "deploy",
        "    remove_acl_entries     = true\n    revoke_all_user_tokens = true",
    ));
    let run = invoke(&workdir, "pve_user_token_revoke.leaked");
    let output = run.all_output();
    assert_eq!(run.code, 0, "{output}");
    for line in [
        format!("removed ACL entry / PVEAuditor of {userid}!deploy"),
        format!("removed ACL entry /vms PVEVMUser of {userid}!deploy"),
        format!("removed ACL entry /storage PVEDatastoreUser of {userid}!backup"),
        format!("revoked token {userid}!deploy"),
        format!("revoked token {userid}!backup"),
        format!("revoked token {userid}!spare"),
        "done: 3 token(s) revoked, 3 ACL entries removed".to_string(),
    ] {
        assert!(output.contains(&line), "missing {line:?}:\n{output}");
    }
    let left = target
        .block_on(client.tokens(&userid).list())
        .expect("list tokens");
    assert!(left.is_empty(), "{left:?}");
    assert_eq!(token_acl_entries(), 0);
    assert!(user_exists(&target, userid.as_str()), "the user stays");

    // Again: gone now, fine only when told so.
    workdir.config(&config("deploy", ""));
    assert_ne!(invoke(&workdir, "pve_user_token_revoke.leaked").code, 0);
    workdir.config(&config("deploy", "    ignore_missing = true"));
    let again = invoke(&workdir, "pve_user_token_revoke.leaked");
    assert_eq!(again.code, 0, "{}", again.all_output());
    assert!(
        again.all_output().contains("nothing to revoke"),
        "{}",
        again.all_output()
    );

    // An invalid id is caught before anything runs.
    workdir.config(&format!(
        r#"{HEADER}
action "pve_user_token_revoke" "leaked" {{
  config {{
    token_id = "no-realm!x"
  }}
}}
"#
    ));
    let invalid = workdir.run(&["validate", "-no-color"]);
    assert_ne!(invalid.code, 0);
    assert!(
        invalid.all_output().contains("token_id"),
        "{}",
        invalid.all_output()
    );
    target
        .block_on(client.users().delete(&userid))
        .expect("delete user");
}

#[test]
fn terraform_1_0_still_works_with_a_provider_that_offers_actions() {
    let target = Target::start();
    let workdir = Workdir::legacy(&target);
    let group = target.unique("actlegacy");
    workdir.config(&format!(
        r#"{HEADER}
resource "pve_group" "g" {{
  group_id = "{group}"
}}
"#
    ));
    let plan = workdir.plan();
    assert_eq!(plan.code, 2, "{}", plan.all_output());
    workdir.apply();
    workdir.assert_plan_empty();
    workdir.destroy();
}
