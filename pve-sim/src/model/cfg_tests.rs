//! user.cfg round-trip and mutation tests.

use super::config::UserConfig;
use super::mutate_access::{AclUpdate, PoolUpdate};
use super::mutate_users::{TokenParams, UserCreate, UserUpdate};

const FIXTURE: &str = include_str!("testdata/user.cfg");
const MESSY: &str = include_str!("testdata/messy.cfg");

fn fixture() -> UserConfig {
    let (cfg, warnings) = UserConfig::parse(FIXTURE);
    assert!(warnings.is_empty(), "{warnings:?}");
    cfg
}

fn strs(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn fixture_round_trips_byte_for_byte() {
    let cfg = fixture();
    assert_eq!(cfg.write(), FIXTURE);
    let alice = &cfg.users["alice@pve"];
    assert_eq!(alice.comment.as_deref(), Some("Ops lead: on call ✓"));
    assert_eq!(alice.keys.as_deref(), Some("x"));
    assert_eq!(alice.tokens["tf"].expire, 1_893_456_000);
    assert!(!alice.tokens["tf"].privsep);
    assert_eq!(cfg.pools["prod"].comment.as_deref(), Some("Production ✓"));
    assert_eq!(cfg.user_groups("bob@pve"), ["devs"]);
    assert_eq!(cfg.child_pools("dev"), ["dev/team1"]);
    assert_eq!(cfg.vm_pool(1000), Some("dev"));
}

#[test]
fn messy_file_parses_like_pve() {
    let (cfg, warnings) = UserConfig::parse(MESSY);
    assert_eq!(
        warnings,
        [
            "user config - ignore config line: # comment-like junk line",
            "user config - ignore invalid privilege 'VM.Monitor'",
            "user config - ignore invalid acl token 'zed@pve!gone'",
            "user config - ignore invalid acl role 'Later'",
            "user config - ignore invalid acl group 'nogroup'",
            "user config - ignore invalid acl member 'ghost@pve'",
            // No root line: PVE adds root@pam only after the ACLs are read.
            "user config - ignore invalid acl member 'root@pam'",
            "user config - ignore user 'bad user@pve' - invalid user name",
            "user config - ignore invalid vmid 'abc' in pool 'p1'",
            "user config - ignore duplicate vmid '100' in pool 'p2'",
            "user config - ignore token 'zed@pve!tok' - (illegal characters in expire 'x')",
        ]
    );
    // What the file holds: no line for the implied root@pam.
    assert!(cfg.root_implied);
    let expected = "user:zed@pve:1:0::::::\n\n\npool:p1::100:local:\npool:p2::::\n\nrole:Later:Sys.Audit:\nrole:Old:VM.Audit:\n\nacl:1:/vms:@nogroup,ghost@pve:Old:\nacl:1:/vms:zed@pve:PVEAuditor:\n";
    assert_eq!(cfg.write(), expected);
    // root@pam ACLs are kept in memory but never written.
    assert!(cfg.acl["/vms"].users.contains_key("root@pam"));
}

#[test]
fn acl_writer_groups_members_and_orders_propagate() {
    let text = "user:a@pve:1:0::::::\nuser:b@pve:1:0::::::\nuser:root@pam:1:0::::::\n\n\n\n\nacl:1:/:b@pve:PVEAuditor:\nacl:1:/:a@pve:PVEAuditor:\nacl:0:/:a@pve:NoAccess:\nacl:1:/a-b:a@pve:PVEAuditor:\nacl:1:/a/b:a@pve:PVEAuditor:\n";
    let (cfg, _) = UserConfig::parse(text);
    assert_eq!(
        cfg.write(),
        "user:a@pve:1:0::::::\nuser:b@pve:1:0::::::\nuser:root@pam:1:0::::::\n\n\n\n\nacl:0:/:a@pve:NoAccess:\nacl:1:/:a@pve,b@pve:PVEAuditor:\nacl:1:/a/b:a@pve:PVEAuditor:\nacl:1:/a-b:a@pve:PVEAuditor:\n"
    );
}

#[test]
fn user_create_update_delete() {
    let mut cfg = fixture();
    let create = UserCreate {
        userid: "dan@pve".into(),
        expire: Some(0),
        firstname: Some(String::new()),
        email: Some("dan@example.com".into()),
        groups: Some(strs(&["admins", "devs"])),
        ..UserCreate::default()
    };
    cfg.create_user(&create).expect("create");
    let dan = &cfg.users["dan@pve"];
    assert!(dan.enable);
    assert_eq!(dan.firstname, None);
    assert_eq!(cfg.user_groups("dan@pve"), ["admins", "devs"]);
    let e = cfg.create_user(&create).expect_err("dup");
    assert_eq!(
        (e.status, e.message.as_str()),
        (500, "create user failed: user 'dan@pve' already exists")
    );
    let mut bad = create.clone();
    bad.userid = "eve@pve".into();
    bad.groups = Some(strs(&["nope"]));
    let before = cfg.clone();
    let e = cfg.create_user(&bad).expect_err("group");
    assert_eq!(e.message, "create user failed: no such group 'nope'");
    assert_eq!(cfg, before, "failed mutation leaves config unchanged");

    // Replace groups, then append.
    let upd = UserUpdate {
        groups: Some(strs(&["empty"])),
        comment: Some("x:y".into()),
        enable: Some(false),
        ..UserUpdate::default()
    };
    cfg.update_user("dan@pve", &upd).expect("update");
    assert_eq!(cfg.user_groups("dan@pve"), ["empty"]);
    assert!(!cfg.users["dan@pve"].enable);
    assert!(
        cfg.write()
            .contains("user:dan@pve:0:0:::dan@example.com:x%3Ay::\n")
    );
    let append = UserUpdate {
        groups: Some(strs(&["devs"])),
        append: true,
        ..UserUpdate::default()
    };
    cfg.update_user("dan@pve", &append).expect("append");
    assert_eq!(cfg.user_groups("dan@pve"), ["devs", "empty"]);
    let clear = UserUpdate {
        groups: Some(vec![]),
        email: Some(String::new()),
        ..UserUpdate::default()
    };
    cfg.update_user("dan@pve", &clear).expect("clear");
    assert!(cfg.user_groups("dan@pve").is_empty());
    let e = cfg.update_user("nobody@pve", &clear).expect_err("missing");
    assert_eq!(e.message, "update user failed: no such user ('nobody@pve')");
    let e = cfg
        .update_user("dan@pve", &append_group("zzz"))
        .expect_err("group");
    assert_eq!(e.message, "update user failed: no such group 'zzz'");

    // Delete removes memberships, user ACLs and tokens (and token ACLs on reload).
    cfg.delete_user("alice@pve").expect("delete");
    assert!(!cfg.users.contains_key("alice@pve"));
    assert!(!cfg.groups["admins"].members.contains("alice@pve"));
    assert!(
        cfg.acl_entries()
            .iter()
            .all(|e| !e.ugid.starts_with("alice@pve"))
    );
    cfg.delete_user("ghost@pve")
        .expect("missing user delete is a no-op");
}

fn append_group(g: &str) -> UserUpdate {
    UserUpdate {
        groups: Some(strs(&[g])),
        append: true,
        ..UserUpdate::default()
    }
}

#[test]
fn token_mutations() {
    let mut cfg = fixture();
    cfg.create_token("bob@pve", "deploy", &TokenParams::default())
        .expect("create");
    let t = &cfg.users["bob@pve"].tokens["deploy"];
    assert!(t.privsep);
    assert_eq!(t.expire, 0);
    let e = cfg
        .create_token("bob@pve", "deploy", &TokenParams::default())
        .expect_err("dup");
    assert_eq!(
        (e.status, e.message.as_str()),
        (400, "Parameter verification failed.")
    );
    assert_eq!(e.errors["tokenid"], "Token already exists.");
    let e = cfg
        .create_token("zed@pve", "x1", &TokenParams::default())
        .expect_err("user");
    assert_eq!(
        (e.status, e.message.as_str()),
        (500, "no such user ('zed@pve')")
    );

    let upd = TokenParams {
        comment: Some("hello".into()),
        privsep: Some(false),
        expire: Some(42),
        ..TokenParams::default()
    };
    let t = cfg.update_token("bob@pve", "deploy", &upd).expect("update");
    assert_eq!(
        (t.privsep, t.expire, t.comment.as_deref()),
        (false, 42, Some("hello"))
    );
    let clear = TokenParams {
        comment: Some(String::new()),
        ..TokenParams::default()
    };
    assert_eq!(
        cfg.update_token("bob@pve", "deploy", &clear)
            .expect("clear")
            .comment,
        None
    );
    let del = TokenParams {
        delete: strs(&["privsep"]),
        ..TokenParams::default()
    };
    let e = cfg
        .update_token("bob@pve", "deploy", &del)
        .expect_err("bad delete");
    assert_eq!(
        (e.status, e.message.as_str()),
        (
            500,
            "updating token info failed: 400 Parameter verification failed.\ndelete: unknown option 'privsep'"
        )
    );
    let e = cfg
        .update_token("bob@pve", "nope", &clear)
        .expect_err("missing");
    assert_eq!(e.message, "no such token 'nope' for user 'bob@pve'");

    // Deleting a token drops its ACLs on reload.
    cfg.delete_token("alice@pve", "ci").expect("delete");
    assert!(cfg.acl_entries().iter().all(|e| e.ugid != "alice@pve!ci"));
    let e = cfg.delete_token("alice@pve", "ci").expect_err("gone");
    assert_eq!(e.message, "no such token 'ci' for user 'alice@pve'");
}

#[test]
fn group_mutations() {
    let mut cfg = fixture();
    cfg.create_group("ops", Some("Operators")).expect("create");
    let e = cfg.create_group("ops", None).expect_err("dup");
    assert_eq!(e.message, "create group failed: group 'ops' already exists");
    cfg.update_group("ops", Some("")).expect("clear comment");
    assert_eq!(cfg.groups["ops"].comment, None);
    let e = cfg.update_group("nope", None).expect_err("missing");
    assert_eq!(
        e.message,
        "update group failed: group 'nope' does not exist"
    );
    assert_eq!(
        cfg.group("nope").expect_err("get").message,
        "group 'nope' does not exist"
    );
    cfg.delete_group("devs").expect("delete");
    assert!(cfg.acl_entries().iter().all(|e| e.ugid != "devs"));
    assert!(cfg.user_groups("bob@pve").is_empty());
    let e = cfg.delete_group("devs").expect_err("gone");
    assert_eq!(
        e.message,
        "delete group failed: group 'devs' does not exist"
    );
}

#[test]
fn role_mutations() {
    let mut cfg = fixture();
    for bad in ["PVEFoo", "pveX", "Pve"] {
        let e = cfg.create_role(bad, &[]).expect_err("namespace");
        assert_eq!(e.status, 400);
        assert_eq!(
            e.errors["roleid"],
            "cannot use role ID starting with the (case-insensitive) 'PVE' namespace"
        );
    }
    let e = cfg.create_role("Administrator", &[]).expect_err("builtin");
    assert_eq!(
        e.message,
        "create role failed: role 'Administrator' already exists"
    );
    cfg.create_role("Ops", &strs(&["VM.Audit"]))
        .expect("create");
    let e = cfg.create_role("Ops", &[]).expect_err("dup");
    assert_eq!(e.message, "create role failed: role 'Ops' already exists");
    cfg.update_role("Ops", Some(&strs(&["Sys.Audit"])), true)
        .expect("append");
    assert_eq!(cfg.role("Ops").expect("role").len(), 2);
    cfg.update_role("Ops", Some(&strs(&["Pool.Audit"])), false)
        .expect("replace");
    assert_eq!(
        cfg.role("Ops").expect("role"),
        ["Pool.Audit".to_string()].into()
    );
    let e = cfg
        .update_role("PVEAdmin", None, false)
        .expect_err("builtin");
    assert_eq!(
        e.message,
        "auto-generated role 'PVEAdmin' cannot be modified"
    );
    let e = cfg.update_role("Nope", None, false).expect_err("missing");
    assert_eq!(e.message, "update role failed: role 'Nope' does not exist");
    let e = cfg.delete_role("NoAccess").expect_err("builtin");
    assert_eq!(
        e.message,
        "auto-generated role 'NoAccess' cannot be deleted"
    );
    let e = cfg.delete_role("Nope").expect_err("missing");
    assert_eq!(e.message, "delete role failed: role 'Nope' does not exist");
    assert_eq!(
        cfg.role("Nope").expect_err("get").message,
        "role 'Nope' does not exist"
    );
    // Deleting a role drops ACLs that use it on reload.
    cfg.delete_role("TerraformProv").expect("delete");
    cfg.update_acl(
        "root@pam",
        &AclUpdate {
            path: "/vms".into(),
            roles: strs(&["Auditor2"]),
            users: strs(&["bob@pve"]),
            ..AclUpdate::default()
        },
    )
    .expect("acl");
    cfg.delete_role("Auditor2").expect("delete");
    assert!(cfg.acl_entries().iter().all(|e| e.roleid != "Auditor2"));
}

#[test]
fn acl_update_semantics_and_errors() {
    let mut cfg = fixture();
    let base = AclUpdate {
        path: "//vms//200/".into(),
        roles: strs(&["PVEVMUser"]),
        users: strs(&["bob@pve"]),
        propagate: Some(false),
        ..AclUpdate::default()
    };
    cfg.update_acl("root@pam", &base).expect("add");
    assert!(cfg.write().contains("acl:0:/vms/200:bob@pve:PVEVMUser:\n"));
    let mut again = base.clone();
    again.propagate = None;
    cfg.update_acl("root@pam", &again)
        .expect("overwrite propagate");
    assert!(cfg.write().contains("acl:1:/vms/200:bob@pve:PVEVMUser:\n"));
    let mut del = again.clone();
    del.delete = true;
    cfg.update_acl("root@pam", &del).expect("delete");
    cfg.update_acl("root@pam", &del)
        .expect("delete missing is a no-op");
    assert!(!cfg.acl.contains_key("/vms/200"));

    let e = cfg
        .update_acl(
            "root@pam",
            &AclUpdate {
                users: vec![],
                ..base.clone()
            },
        )
        .expect_err("no members");
    assert_eq!(e.status, 400);
    assert_eq!(e.errors.len(), 3);
    assert_eq!(
        e.errors["tokens"],
        "either 'users', 'groups' or 'tokens' is required."
    );
    let e = cfg
        .update_acl(
            "root@pam",
            &AclUpdate {
                path: "/foo".into(),
                ..base.clone()
            },
        )
        .expect_err("path");
    assert_eq!(e.errors["path"], "invalid ACL path '/foo'");
    let cases: Vec<(AclUpdate, &str)> = vec![
        (
            AclUpdate {
                roles: strs(&["Nope"]),
                ..base.clone()
            },
            "ACL update failed: role 'Nope' does not exist",
        ),
        (
            AclUpdate {
                groups: strs(&["nope"]),
                ..base.clone()
            },
            "ACL update failed: group 'nope' does not exist",
        ),
        (
            AclUpdate {
                users: strs(&["x@pve"]),
                ..base.clone()
            },
            "ACL update failed: user 'x@pve' does not exist",
        ),
        (
            AclUpdate {
                users: vec![],
                tokens: strs(&["bob@pve!zz"]),
                ..base.clone()
            },
            "ACL update failed: no such token 'zz' for user 'bob@pve'",
        ),
        (
            AclUpdate {
                users: vec![],
                tokens: strs(&["x@pve!zz"]),
                ..base.clone()
            },
            "ACL update failed: no such user ('x@pve')",
        ),
    ];
    for (p, msg) in cases {
        let e = cfg.update_acl("root@pam", &p).expect_err(msg);
        assert_eq!((e.status, e.message.as_str()), (500, msg));
    }
    // Delegation without Permissions.Modify: carol has PVEVMAdmin on /pool/dev.
    let e = cfg
        .update_acl(
            "carol@ldap",
            &AclUpdate {
                path: "/pool/dev".into(),
                roles: strs(&["Administrator"]),
                ..base.clone()
            },
        )
        .expect_err("superset");
    assert_eq!(
        e.message,
        "ACL update failed: 400 Parameter verification failed.\nrole: Cannot add role 'Administrator' - requires 'Permissions.Modify' or superset of privileges."
    );
    cfg.update_acl(
        "carol@ldap",
        &AclUpdate {
            path: "/pool/dev".into(),
            roles: strs(&["PVEVMUser"]),
            ..base.clone()
        },
    )
    .expect("subset allowed");
}

#[test]
fn pool_mutations() {
    let mut cfg = fixture();
    cfg.create_pool("qa", Some("QA")).expect("create");
    let e = cfg.create_pool("qa", None).expect_err("dup");
    assert_eq!(e.message, "create pool failed: pool 'qa' already exists");
    let e = cfg.create_pool("x/y", None).expect_err("parent");
    assert_eq!(
        e.message,
        "create pool failed: parent 'x' of pool 'x/y' does not exist"
    );
    let e = cfg.create_pool("1qa", None).expect_err("letter");
    assert_eq!(
        e.message,
        "create pool failed: pool name must start with a letter"
    );
    let e = cfg.create_pool("qa/9", None).expect_err("leaf letter");
    assert_eq!(
        e.message,
        "create pool failed: pool name must start with a letter"
    );
    cfg.create_pool("qa/team", None).expect("nested");

    let add = |vms: &[u64]| PoolUpdate {
        vms: Some(vms.to_vec()),
        ..PoolUpdate::default()
    };
    cfg.update_pool("root@pam", "qa", &add(&[500]))
        .expect("add vm");
    let e = cfg
        .update_pool("root@pam", "qa", &add(&[500]))
        .expect_err("dup");
    assert_eq!(
        e.message,
        "update pools failed: VM 500 is already a pool member"
    );
    let e = cfg
        .update_pool("root@pam", "qa", &add(&[100]))
        .expect_err("other pool");
    assert_eq!(
        e.message,
        "update pools failed: VM 100 belongs already to pool 'dev' and 'allow-move' is not set"
    );
    cfg.update_pool(
        "root@pam",
        "qa",
        &PoolUpdate {
            allow_move: true,
            ..add(&[100])
        },
    )
    .expect("move");
    assert_eq!(cfg.vm_pool(100), Some("qa"));
    let e = cfg
        .update_pool(
            "root@pam",
            "qa",
            &PoolUpdate {
                delete: true,
                ..add(&[999])
            },
        )
        .expect_err("not member");
    assert_eq!(
        e.message,
        "update pools failed: VM 999 is not a pool member"
    );
    let st = |s: &[&str], delete: bool| PoolUpdate {
        storage: Some(strs(s)),
        delete,
        ..PoolUpdate::default()
    };
    cfg.update_pool("root@pam", "qa", &st(&["local"], false))
        .expect("storage");
    let e = cfg
        .update_pool("root@pam", "qa", &st(&["local"], false))
        .expect_err("dup");
    assert_eq!(
        e.message,
        "update pools failed: Storage 'local' is already a pool member"
    );
    let e = cfg
        .update_pool("root@pam", "qa", &st(&["nfs"], true))
        .expect_err("missing");
    assert_eq!(
        e.message,
        "update pools failed: Storage 'nfs' is not a pool member"
    );
    let e = cfg
        .update_pool("root@pam", "nope", &st(&[], false))
        .expect_err("pool");
    assert_eq!(e.message, "update pools failed: pool 'nope' does not exist");
    let e = cfg
        .update_pool("bob@pve", "qa", &add(&[501]))
        .expect_err("perm");
    assert_eq!(
        e.message,
        "update pools failed: 403 Permission check failed (/vms/501, Permissions.Modify|VM.Allocate)"
    );

    let e = cfg
        .delete_pool("qa", |_| true, |_| true)
        .expect_err("children");
    assert_eq!(
        e.message,
        "delete pool failed: pool 'qa' is not empty (contains pool 'qa/team')"
    );
    cfg.delete_pool("qa/team", |_| true, |_| true)
        .expect("delete nested");
    let e = cfg.delete_pool("qa", |_| true, |_| true).expect_err("vm");
    assert_eq!(
        e.message,
        "delete pool failed: pool 'qa' is not empty (contains VM 100)"
    );
    let e = cfg
        .delete_pool("qa", |_| false, |_| true)
        .expect_err("storage");
    assert_eq!(
        e.message,
        "delete pool failed: pool 'qa' is not empty (contains storage 'local')"
    );
    cfg.update_acl(
        "root@pam",
        &AclUpdate {
            path: "/pool/qa".into(),
            roles: strs(&["PVEPoolUser"]),
            users: strs(&["bob@pve"]),
            ..AclUpdate::default()
        },
    )
    .expect("acl");
    cfg.delete_pool("qa", |_| false, |_| false)
        .expect("destroyed members are ignored");
    assert!(!cfg.acl.contains_key("/pool/qa"));
    let e = cfg
        .delete_pool("qa", |_| false, |_| false)
        .expect_err("gone");
    assert_eq!(e.message, "delete pool failed: pool 'qa' does not exist");
}
