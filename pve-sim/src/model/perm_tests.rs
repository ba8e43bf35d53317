//! The permission-engine test table: one named case per §6 rule.

use super::config::UserConfig;
use super::error::ModelError;
use super::perm::{self, AuthState, GroupsParam};

const FIXTURE: &str = include_str!("testdata/perm.cfg");

fn cfg() -> UserConfig {
    let (cfg, warnings) = UserConfig::parse(FIXTURE);
    // ghost@pve is a group member and ACL member without a user entry.
    assert_eq!(
        warnings,
        [
            "user config - ignore invalid group member 'ghost@pve'",
            "user config - ignore invalid acl member 'ghost@pve'"
        ]
    );
    cfg
}

/// A named expectation on `permissions(authid, path)`.
struct Case {
    name: &'static str,
    authid: &'static str,
    path: &'static str,
    has: &'static [&'static str],
    lacks: &'static [&'static str],
}

const fn case(
    name: &'static str,
    authid: &'static str,
    path: &'static str,
    has: &'static [&'static str],
    lacks: &'static [&'static str],
) -> Case {
    Case {
        name,
        authid,
        path,
        has,
        lacks,
    }
}

const CASES: &[Case] = &[
    case(
        "6.1 root@pam has Sys.Modify on /",
        "root@pam",
        "/",
        &["Sys.Modify", "Permissions.Modify"],
        &[],
    ),
    case(
        "6.1 root@pam has privileges on any path",
        "root@pam",
        "/vms/999",
        &["VM.Allocate", "Realm.Allocate"],
        &[],
    ),
    case(
        "6.2 user role on /",
        "alice@pve",
        "/",
        &["Sys.Audit"],
        &["Sys.Modify"],
    ),
    case(
        "6.2 propagated role inherited",
        "alice@pve",
        "/nodes/pve1",
        &["Sys.Audit", "Datastore.Audit"],
        &["Sys.Console"],
    ),
    case(
        "6.2 deeper ACL replaces (no merge)",
        "alice@pve",
        "/vms",
        &["VM.Allocate"],
        &["Sys.Audit"],
    ),
    case(
        "6.2 deeper propagated role reaches children",
        "alice@pve",
        "/vms/150",
        &["VM.Allocate"],
        &["Sys.Audit"],
    ),
    case(
        "6.3 pool roles inherited from / reach member guests",
        "alice@pve",
        "/vms/101",
        &["VM.Allocate", "Sys.Audit"],
        &[],
    ),
    case(
        "6.2 non-propagating role applies on exact path",
        "alice@pve",
        "/vms/100",
        &["VM.PowerMgmt", "VM.Console"],
        &["VM.Allocate"],
    ),
    case(
        "6.2 non-propagating role skipped below",
        "alice@pve",
        "/vms/100/x",
        &["VM.Allocate"],
        &[],
    ),
    case(
        "6.2 user entry masks group entry",
        "bob@pve",
        "/vms",
        &["VM.Audit", "VM.PowerMgmt"],
        &["VM.Console", "VM.Backup"],
    ),
    case(
        "6.2 group entry applies without user entry",
        "erin@pve",
        "/vms/150",
        &["VM.Console", "VM.Backup"],
        &["VM.Allocate"],
    ),
    case(
        "6.2 group entries at one node are united",
        "bob@pve",
        "/storage",
        &["Datastore.AllocateSpace", "Sys.Audit", "VM.Audit"],
        &["Datastore.Allocate"],
    ),
    case(
        "6.2 ACL of a missing user still grants",
        "ghost@pve",
        "/sdn/zones",
        &["SDN.Allocate"],
        &["Sys.Modify"],
    ),
    case(
        "6.2 NoAccess in group union wins at its node",
        "erin@pve",
        "/vms/200",
        &[],
        &["VM.Allocate", "VM.Audit", "VM.Console"],
    ),
    case(
        "6.2 other group member unaffected by NoAccess",
        "bob@pve",
        "/vms/200",
        &["VM.Allocate"],
        &[],
    ),
    case(
        "6.2 NoAccess propagates",
        "erin@pve",
        "/sdn/vnets",
        &[],
        &["SDN.Audit"],
    ),
    case(
        "6.2 deeper ACL replaces inherited NoAccess",
        "erin@pve",
        "/sdn/zones/z1",
        &["SDN.Use", "SDN.Audit"],
        &["SDN.Allocate"],
    ),
    case(
        "6.2 user non-propagating entry on exact path masks groups",
        "bob@pve",
        "/mapping",
        &["Mapping.Modify"],
        &[],
    ),
    case(
        "6.2 below it the group entry of the parent applies",
        "bob@pve",
        "/mapping/pci",
        &["Mapping.Use"],
        &["Mapping.Modify"],
    ),
    case(
        "6.2 non-propagating user role on /access",
        "erin@pve",
        "/access",
        &["User.Modify"],
        &[],
    ),
    case(
        "6.2 non-propagating user role absent below",
        "erin@pve",
        "/access/groups",
        &[],
        &["User.Modify"],
    ),
    case(
        "6.2 nothing set anywhere",
        "bob@pve",
        "/nodes",
        &[],
        &["Sys.Audit"],
    ),
    case(
        "6.3 pool roles added to member guest",
        "erin@pve",
        "/vms/101",
        &["VM.Allocate", "VM.Console"],
        &[],
    ),
    case(
        "6.3 nested pool inherits parent pool ACL",
        "erin@pve",
        "/vms/102",
        &["VM.Allocate"],
        &[],
    ),
    case(
        "6.3 pool roles added to member storage",
        "erin@pve",
        "/storage/local",
        &["VM.Allocate", "Datastore.AllocateSpace"],
        &[],
    ),
    case(
        "6.3 pool NoAccess trumps regular ACL",
        "erin@pve",
        "/vms/103",
        &[],
        &["VM.Console", "VM.Audit"],
    ),
    case(
        "6.3 direct NoAccess blocks pool roles",
        "erin@pve",
        "/vms/200",
        &[],
        &["VM.Allocate"],
    ),
    case(
        "6.3 pool roles only on exact member paths",
        "erin@pve",
        "/vms",
        &["VM.Console"],
        &["VM.Allocate"],
    ),
    case(
        "6.3 no pool ACL, no pool roles",
        "alice@pve",
        "/vms/103",
        &["VM.Allocate"],
        &[],
    ),
    case(
        "6.3.4 privsep token: intersection with user",
        "alice@pve!sep",
        "/vms/100",
        &["VM.PowerMgmt", "VM.Console"],
        &["VM.Allocate"],
    ),
    case(
        "6.3.4 privsep token: own ACL bounds user",
        "alice@pve!sep2",
        "/nodes",
        &["Sys.Audit"],
        &["VM.Allocate"],
    ),
    case(
        "6.3.4 privsep token: no own ACL, nothing",
        "alice@pve!sep2",
        "/",
        &[],
        &["Sys.Audit"],
    ),
    case(
        "6.3.4 privsep token: user lacks what token has",
        "alice@pve!sep",
        "/",
        &["Sys.Audit"],
        &["Sys.Modify", "Permissions.Modify"],
    ),
    case(
        "6.3.4 non-privsep token gets user privileges",
        "alice@pve!full",
        "/vms",
        &["VM.Allocate"],
        &["Sys.Audit"],
    ),
    case(
        "6.3.4 missing token gets nothing",
        "alice@pve!nope",
        "/",
        &[],
        &["Sys.Audit"],
    ),
    case(
        "6.3.4 token of missing user gets nothing",
        "nobody@pve!tok",
        "/",
        &[],
        &["Sys.Audit"],
    ),
    case(
        "6.1 root privsep token: own ACLs only",
        "root@pam!sep",
        "/",
        &["Sys.Audit"],
        &["Sys.Modify"],
    ),
    case(
        "6.1 root non-privsep token: everything",
        "root@pam!full",
        "/vms/100",
        &["VM.Allocate", "Sys.Modify"],
        &[],
    ),
    case(
        "6.3 invalid auth id gets nothing",
        "garbage",
        "/",
        &[],
        &["Sys.Audit"],
    ),
    case(
        "6.3 disabled user keeps ACL privileges",
        "carol@pve",
        "/",
        &["Sys.Audit"],
        &[],
    ),
    case(
        "6.2 path without leading slash skips root node",
        "alice@pve",
        "nodes",
        &[],
        &["Sys.Audit"],
    ),
];

#[test]
fn permission_table() {
    let cfg = cfg();
    let mut failures = Vec::new();
    for c in CASES {
        let privs = perm::permissions(&cfg, c.authid, c.path);
        for p in c.has {
            if !privs.contains_key(*p) {
                failures.push(format!("{}: missing {p}", c.name));
            }
        }
        for p in c.lacks {
            if privs.contains_key(*p) {
                failures.push(format!("{}: unexpected {p}", c.name));
            }
        }
        if c.has.is_empty() && !c.lacks.is_empty() && !privs.is_empty() {
            failures.push(format!("{}: expected no privileges, got {privs:?}", c.name));
        }
    }
    assert!(CASES.len() >= 40, "{}", CASES.len());
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn root_gets_all_47_with_propagate() {
    let privs = perm::permissions(&cfg(), "root@pam", "/anything");
    assert_eq!(privs.len(), 47);
    assert!(privs.values().all(|p| *p));
}

#[test]
fn propagate_flags() {
    let cfg = cfg();
    // Non-propagating ACL role → flag 0.
    assert_eq!(
        perm::permissions(&cfg, "alice@pve", "/vms/100").get("VM.PowerMgmt"),
        Some(&false)
    );
    // Pool-derived roles never propagate; the group role on /vms does.
    let erin = perm::permissions(&cfg, "erin@pve", "/vms/101");
    assert_eq!(erin.get("VM.Allocate"), Some(&false));
    assert_eq!(erin.get("VM.Console"), Some(&true));
    // Token flag AND user flag.
    assert_eq!(
        perm::permissions(&cfg, "alice@pve!sep", "/vms/100").get("VM.PowerMgmt"),
        Some(&false)
    );
    assert_eq!(
        perm::permissions(&cfg, "alice@pve!sep", "/vms/101").get("VM.Allocate"),
        Some(&true)
    );
}

#[test]
fn non_privsep_token_equals_user_everywhere() {
    let cfg = cfg();
    for path in ["/", "/vms", "/vms/100", "/storage/local", "/access"] {
        assert_eq!(
            perm::permissions(&cfg, "alice@pve!full", path),
            perm::permissions(&cfg, "alice@pve", path),
            "{path}"
        );
    }
}

#[test]
fn roles_on_path_reports_noaccess_only() {
    let cfg = cfg();
    let roles = perm::roles_on_path(&cfg, "erin@pve", "/vms/200");
    assert_eq!(roles.keys().collect::<Vec<_>>(), ["NoAccess"]);
    assert_eq!(
        perm::roles_on_path(&cfg, "max@pve", "/"),
        Default::default(),
        "unknown users have no roles"
    );
    assert_eq!(
        perm::roles_on_path(&cfg, "root@pam", "/x")
            .keys()
            .collect::<Vec<_>>(),
        ["Administrator"]
    );
}

#[test]
fn check_and_require_texts() {
    let cfg = cfg();
    assert!(perm::check(
        &cfg,
        "alice@pve",
        "/vms/100",
        &["VM.Allocate", "VM.Console"],
        true
    ));
    assert!(!perm::check(
        &cfg,
        "alice@pve",
        "/vms/100",
        &["VM.Allocate", "VM.Console"],
        false
    ));
    let e = perm::require(
        &cfg,
        "alice@pve",
        "/vms/100",
        &["VM.Console", "VM.Allocate"],
        false,
    )
    .expect_err("missing");
    assert_eq!(
        (e.status, e.message.as_str()),
        (403, "Permission check failed (/vms/100, VM.Allocate)")
    );
    let e = perm::require(
        &cfg,
        "alice@pve",
        "/vms/100",
        &["VM.Allocate", "Sys.Modify"],
        true,
    )
    .expect_err("missing any");
    assert_eq!(
        e.message,
        "Permission check failed (/vms/100, VM.Allocate|Sys.Modify)"
    );
}

#[test]
fn effective_permissions_paths() {
    let cfg = cfg();
    let erin = perm::effective_permissions(&cfg, "erin@pve", None);
    assert!(erin.contains_key("/vms/101"), "pool member path");
    assert!(erin.contains_key("/access"), "ACL path");
    assert!(!erin.contains_key("/vms/103"), "empty paths are left out");
    assert!(!erin.contains_key("/"), "nothing on /");
    let one = perm::effective_permissions(&cfg, "erin@pve", Some("/nowhere"));
    assert_eq!(one.len(), 1);
    assert!(one["/nowhere"].is_empty());
    let root = perm::effective_permissions(&cfg, "root@pam", None);
    for p in perm::DEFAULT_EFFECTIVE_PATHS {
        assert_eq!(root[p].len(), 47, "{p}");
    }
    assert!(root.contains_key("/sdn/zones/z1") && root.contains_key("/sdn/zones"));
    assert!(perm::effective_permissions(&cfg, "nobody@pve!x", None).is_empty());
}

#[test]
fn auth_state_disabled_expired() {
    let cfg = cfg();
    assert_eq!(perm::auth_state(&cfg, "alice@pve", 1_000), AuthState::Ok);
    assert_eq!(
        perm::auth_state(&cfg, "alice@pve!sep", 1_000),
        AuthState::Ok
    );
    let denied = |s: &str| AuthState::Denied(s.to_string());
    assert_eq!(
        perm::auth_state(&cfg, "carol@pve", 1_000),
        denied("user 'carol@pve' is disabled")
    );
    assert_eq!(
        perm::auth_state(&cfg, "dave@pve", 1_000),
        denied("user 'dave@pve' access expired")
    );
    assert_eq!(
        perm::auth_state(&cfg, "dave@pve!tk", 1_000),
        denied("user 'dave@pve' access expired")
    );
    assert_eq!(
        perm::auth_state(&cfg, "alice@pve!old", 1_000),
        denied("token 'old' access expired")
    );
    assert_eq!(
        perm::auth_state(&cfg, "alice@pve!nope", 1_000),
        denied("no such token 'nope' for user 'alice@pve'")
    );
    assert_eq!(
        perm::auth_state(&cfg, "x@pve", 1_000),
        denied("no such user ('x@pve')")
    );
}

#[test]
fn perm_modify_primitive() {
    let cfg = cfg();
    assert_eq!(
        perm::check_perm_modify(&cfg, "alice@pve", Some("/vms/100")),
        Err("Permission check failed (/vms/100, Permissions.Modify|VM.Allocate)".to_string())
    );
    assert_eq!(
        perm::check_perm_modify(&cfg, "alice@pve", Some("/vms/101")),
        Ok(())
    );
    assert_eq!(
        perm::check_perm_modify(&cfg, "alice@pve", None),
        Err("Permission check failed (/access, Permissions.Modify)".to_string())
    );
    assert_eq!(
        perm::check_perm_modify(&cfg, "erin@pve", Some("/storage")),
        Err("Permission check failed (/storage, Permissions.Modify)".to_string())
    );
    assert_eq!(perm::check_perm_modify(&cfg, "root@pam", Some("/")), Ok(()));
}

#[test]
fn userid_group_primitive() {
    let cfg = cfg();
    let um = ["User.Modify"];
    let msg = |r: Result<(), ModelError>| r.map_err(|e| (e.status, e.message));
    assert_eq!(
        msg(perm::check_userid_group(
            &cfg,
            "alice@pve",
            "bob@pve",
            &um,
            GroupsParam::None
        )),
        Ok(())
    );
    assert_eq!(
        msg(perm::check_userid_group(
            &cfg,
            "alice@pve",
            "carol@pve",
            &um,
            GroupsParam::None
        )),
        Err((403, "Permission check failed".to_string()))
    );
    assert_eq!(
        msg(perm::check_userid_group(
            &cfg,
            "alice@pve",
            "zed@pve",
            &um,
            GroupsParam::None
        )),
        Err((500, "no such user ('zed@pve')".to_string()))
    );
    assert_eq!(
        msg(perm::check_userid_group(
            &cfg,
            "alice@pve",
            "new@pve",
            &um,
            GroupsParam::Create(Some("ops"))
        )),
        Ok(())
    );
    assert_eq!(
        msg(perm::check_userid_group(
            &cfg,
            "alice@pve",
            "new@pve",
            &um,
            GroupsParam::Create(None)
        )),
        Err((
            403,
            "Permission check failed (/access/groups, User.Modify)".to_string()
        ))
    );
    assert_eq!(
        msg(perm::check_userid_group(
            &cfg,
            "alice@pve",
            "new@pve",
            &um,
            GroupsParam::Create(Some("ops,audit"))
        )),
        Err((
            403,
            "Permission check failed (/access/groups/audit, User.Modify)".to_string()
        ))
    );
    // Group-scoped admins must pass `groups` on every update.
    assert_eq!(
        msg(perm::check_userid_group(
            &cfg,
            "alice@pve",
            "bob@pve",
            &um,
            GroupsParam::Update(None)
        )),
        Err((
            403,
            "Permission check failed (/access/groups, User.Modify)".to_string()
        ))
    );
    assert_eq!(
        msg(perm::check_userid_group(
            &cfg,
            "erin@pve",
            "bob@pve",
            &["User.Modify", "Sys.Audit"],
            GroupsParam::Create(Some(""))
        )),
        Err((
            403,
            "Permission check failed (/access/groups, User.Modify|Sys.Audit)".to_string()
        ))
    );
    assert_eq!(
        msg(perm::check_userid_self(&cfg, "bob@pve", "bob@pve")),
        Ok(())
    );
    assert_eq!(
        msg(perm::check_userid_self(&cfg, "bob@pve!t", "bob@pve")),
        Err((403, "Permission check failed".to_string()))
    );
    assert_eq!(
        msg(perm::check_userid_realm_allocate(
            &cfg,
            "alice@pve",
            "x@pve"
        )),
        Err((
            403,
            "Permission check failed (/access/realm/pve, Realm.AllocateUser)".to_string()
        ))
    );
}

#[test]
fn acl_role_delegation_rules() {
    let cfg = cfg();
    let d = |path: &str, role: &str, propagate: bool, delete: bool| {
        perm::check_acl_role_delegation(&cfg, "alice@pve", path, role, propagate, delete)
            .map_err(|e| e.errors.get("role").cloned().unwrap_or_default())
    };
    assert_eq!(d("/vms/101", "PVEVMUser", true, false), Ok(()));
    assert_eq!(
        d("/vms/101", "Administrator", true, false),
        Err("Cannot add role 'Administrator' - requires 'Permissions.Modify' or superset of privileges.".into())
    );
    assert_eq!(
        d("/vms/101", "NoAccess", false, false),
        Err("Cannot add role 'NoAccess' - requires 'Permissions.Modify'".into())
    );
    assert_eq!(
        d("/vms/100", "PVEVMUser", true, false),
        Err("Cannot add role 'PVEVMUser' with propagation - requires 'Permissions.Modify' or propagated superset of privileges.".into())
    );
    assert_eq!(d("/vms/100", "PVEVMUser", false, false), Ok(()));
    assert_eq!(d("/vms/100", "PVEVMUser", true, true), Ok(()));
    assert_eq!(
        d("/vms/100", "PVEVMAdmin", false, true),
        Err("Cannot remove role 'PVEVMAdmin' - requires 'Permissions.Modify' or superset of privileges.".into())
    );
    // Permissions.Modify holders may hand out anything.
    assert!(
        perm::check_acl_role_delegation(&cfg, "root@pam", "/", "NoAccess", true, false).is_ok()
    );
}
