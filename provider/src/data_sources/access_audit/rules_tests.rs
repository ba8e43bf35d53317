//! Every rule on hand-built facts: one case where it fires, one where it
//! does not. (The e2e and pve-sim tests check the same against PVE's own
//! evaluation.)

use std::collections::{BTreeMap, BTreeSet};

use super::*;
use crate::data_sources::access_audit::facts::PathPrivileges;
use crate::data_sources::access_audit::rules;

const NOW: i64 = 1_900_000_000;
const DAY: i64 = 86_400;

fn user(id: &str, groups: &[&str]) -> Identity {
    Identity {
        id: id.into(),
        kind: Kind::User,
        user_id: id.into(),
        realm: id.rsplit_once('@').unwrap().1.into(),
        realm_exists: true,
        user_enabled: true,
        user_expire: 0,
        expire: 0,
        groups: groups.iter().map(ToString::to_string).collect(),
        privsep: None,
        privileges: PathPrivileges::new(),
    }
}

fn token(owner: &Identity, name: &str, privsep: bool, expire: i64) -> Identity {
    Identity {
        id: format!("{}!{name}", owner.id),
        kind: Kind::Token,
        privsep: Some(privsep),
        expire,
        ..owner.clone()
    }
}

fn with_privs(mut identity: Identity, path: &str, privs: &[&str]) -> Identity {
    identity.privileges.insert(
        path.into(),
        privs.iter().map(|p| (p.to_string(), true)).collect(),
    );
    identity
}

fn grant(path: &str, kind: &str, ugid: &str, role: &str, propagate: bool) -> Grant {
    Grant {
        path: path.parse().unwrap(),
        kind: kind.into(),
        ugid: ugid.into(),
        role: role.into(),
        propagate,
    }
}

/// Facts where every audited identity exists, the groups are those the
/// users name, and the roles are PVE 9's built-in ones.
fn facts(identities: Vec<Identity>, acl: Vec<Grant>) -> Facts {
    let mut groups: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for i in identities.iter().filter(|i| !i.is_token()) {
        for g in &i.groups {
            groups.entry(g.clone()).or_default().insert(i.id.clone());
        }
    }
    Facts {
        now: NOW,
        users: identities
            .iter()
            .filter(|i| !i.is_token())
            .map(|i| i.id.clone())
            .collect(),
        tokens: identities
            .iter()
            .filter(|i| i.is_token())
            .map(|i| i.id.clone())
            .collect(),
        groups,
        identities,
        acl,
        roles: crate::privileges::builtin_role_names()
            .into_iter()
            .map(|name| {
                let privs = crate::privileges::builtin_role_privileges(name).unwrap_or_default();
                (
                    name.to_string(),
                    privs.iter().map(ToString::to_string).collect(),
                )
            })
            .collect(),
        ..Facts::default()
    }
}

const OPTIONS: Options = Options {
    expiry_window: 14 * DAY,
};

fn fired(facts: &Facts, rule: &str) -> Vec<Finding> {
    evaluate(facts, &OPTIONS)
        .into_iter()
        .filter(|f| f.rule == rule)
        .collect()
}

/// The ids (and paths) the rule fired for.
fn hits(facts: &Facts, rule: &str) -> Vec<(String, Option<String>)> {
    fired(facts, rule)
        .into_iter()
        .map(|f| (f.identity, f.path))
        .collect()
}

fn id(identity: &str, path: Option<&str>) -> (String, Option<String>) {
    (identity.to_string(), path.map(str::to_string))
}

#[test]
fn every_rule_id_is_unique_and_every_severity_matches_its_rule() {
    let ids: BTreeSet<&str> = RULES.iter().map(|r| r.id).collect();
    assert_eq!(ids.len(), RULES.len());
    for r in RULES {
        assert_eq!(rules::rule(r.id).unwrap().severity, r.severity);
    }
}

#[test]
fn root_token() {
    let root = user("root@pam", &[]);
    let ci = user("ci@pve", &[]);
    let f = facts(
        vec![
            root.clone(),
            token(&root, "tf", true, NOW + 100 * DAY),
            ci.clone(),
            token(&ci, "tf", true, NOW + 100 * DAY),
        ],
        vec![],
    );
    assert_eq!(hits(&f, ROOT_TOKEN), vec![id("root@pam!tf", None)]);
    let f = facts(vec![root, ci.clone(), token(&ci, "tf", true, 0)], vec![]);
    assert!(hits(&f, ROOT_TOKEN).is_empty());
}

#[test]
fn token_administrator_direct_or_inherited_without_privsep() {
    let ci = user("ci@pve", &["ops"]);
    let direct = token(&ci, "direct", true, 0);
    let shared = token(&ci, "shared", false, 0);
    let separate = token(&ci, "separate", true, 0);
    let f = facts(
        vec![ci.clone(), direct, shared, separate],
        vec![
            grant("/vms", "token", "ci@pve!direct", "Administrator", true),
            grant("/", "group", "ops", "Administrator", true),
            grant("/vms", "token", "ci@pve!separate", "PVEVMUser", true),
        ],
    );
    assert_eq!(
        hits(&f, TOKEN_ADMINISTRATOR),
        vec![
            id("ci@pve!direct", Some("/vms")),
            id("ci@pve!shared", Some("/"))
        ]
    );
    assert!(
        fired(&f, TOKEN_ADMINISTRATOR)[1]
            .message
            .contains("inherits")
    );
    // The user itself holding Administrator is not this rule.
    let f = facts(
        vec![ci.clone()],
        vec![grant("/", "user", "ci@pve", "Administrator", true)],
    );
    assert!(hits(&f, TOKEN_ADMINISTRATOR).is_empty());
}

#[test]
fn can_change_permissions_on_root_or_access_only() {
    let admin = with_privs(
        user("admin@pve", &[]),
        "/access",
        &["User.Modify", "Sys.Audit"],
    );
    let vm = with_privs(user("vm@pve", &[]), "/access/groups/ops", &["User.Modify"]);
    let vm = with_privs(vm, "/vms", &["Permissions.Modify"]);
    let root = with_privs(user("root@pam", &[]), "/", &["Permissions.Modify"]);
    let f = facts(vec![admin, vm, root], vec![]);
    assert_eq!(
        hits(&f, CAN_CHANGE_PERMISSIONS),
        vec![id("admin@pve", Some("/access"))]
    );
    assert!(
        fired(&f, CAN_CHANGE_PERMISSIONS)[0]
            .message
            .contains("User.Modify")
    );
}

#[test]
fn can_change_system_on_root_or_nodes() {
    let ops = with_privs(
        user("ops@pve", &[]),
        "/nodes",
        &["Sys.PowerMgmt", "Sys.Audit"],
    );
    let auditor = with_privs(user("audit@pve", &[]), "/", &["Sys.Audit"]);
    let f = facts(vec![ops, auditor], vec![]);
    assert_eq!(
        hits(&f, CAN_CHANGE_SYSTEM),
        vec![id("ops@pve", Some("/nodes"))]
    );
}

#[test]
fn acl_unknown_principal_for_users_and_groups() {
    let alice = user("alice@pve", &["ops"]);
    let f = facts(
        vec![alice],
        vec![
            grant("/vms", "user", "alice@pve", "PVEVMUser", true),
            grant("/vms", "group", "ops", "PVEVMUser", true),
            grant("/vms", "user", "gone@pve", "PVEVMUser", true),
            grant("/storage", "group", "former", "PVEAuditor", true),
        ],
    );
    assert_eq!(
        hits(&f, ACL_UNKNOWN_PRINCIPAL),
        vec![id("former", Some("/storage")), id("gone@pve", Some("/vms"))]
    );
    // A realm filter keeps only the missing users of that realm.
    let mut filtered = f.clone();
    filtered.realm = Some("pam".into());
    assert!(hits(&filtered, ACL_UNKNOWN_PRINCIPAL).is_empty());
    // A path filter keeps only entries below it.
    let mut below = f;
    below.path = Some("/vms".parse().unwrap());
    assert_eq!(
        hits(&below, ACL_UNKNOWN_PRINCIPAL),
        vec![id("gone@pve", Some("/vms"))]
    );
}

#[test]
fn token_expiry_rules() {
    let ci = user("ci@pve", &[]);
    let f = facts(
        vec![
            ci.clone(),
            token(&ci, "never", true, 0),
            token(&ci, "soon", true, NOW + 3 * DAY),
            token(&ci, "later", true, NOW + 60 * DAY),
            token(&ci, "past", true, NOW - DAY),
        ],
        vec![],
    );
    assert_eq!(hits(&f, TOKEN_NO_EXPIRY), vec![id("ci@pve!never", None)]);
    assert_eq!(hits(&f, TOKEN_EXPIRING_SOON), vec![id("ci@pve!soon", None)]);
    assert_eq!(hits(&f, TOKEN_EXPIRED), vec![id("ci@pve!past", None)]);
    // The window is configurable.
    let wide = Options {
        expiry_window: 90 * DAY,
    };
    let soon: Vec<String> = evaluate(&f, &wide)
        .into_iter()
        .filter(|x| x.rule == TOKEN_EXPIRING_SOON)
        .map(|x| x.identity)
        .collect();
    assert_eq!(soon, ["ci@pve!later", "ci@pve!soon"]);
}

#[test]
fn user_expired() {
    let mut old = user("old@pve", &[]);
    old.expire = NOW - 1;
    let mut current = user("current@pve", &[]);
    current.expire = NOW + DAY;
    let f = facts(vec![old, current], vec![]);
    assert_eq!(hits(&f, USER_EXPIRED), vec![id("old@pve", None)]);
}

#[test]
fn token_no_privsep() {
    let ci = user("ci@pve", &[]);
    let f = facts(
        vec![
            ci.clone(),
            token(&ci, "a", false, 0),
            token(&ci, "b", true, 0),
        ],
        vec![],
    );
    assert_eq!(hits(&f, TOKEN_NO_PRIVSEP), vec![id("ci@pve!a", None)]);
}

#[test]
fn token_without_grants() {
    let ci = user("ci@pve", &[]);
    let f = facts(
        vec![
            ci.clone(),
            token(&ci, "idle", true, 0),
            token(&ci, "used", true, 0),
            token(&ci, "shared", false, 0),
        ],
        vec![grant("/vms", "token", "ci@pve!used", "PVEVMUser", true)],
    );
    assert_eq!(
        hits(&f, TOKEN_WITHOUT_GRANTS),
        vec![id("ci@pve!idle", None)]
    );
}

#[test]
fn grants_unusable_when_disabled_or_realm_gone() {
    let mut disabled = with_privs(user("off@pve", &[]), "/vms", &["VM.Audit"]);
    disabled.user_enabled = false;
    let mut orphan = with_privs(user("x@gone", &[]), "/vms", &["VM.Audit"]);
    orphan.realm_exists = false;
    let mut idle = user("idle@pve", &[]);
    idle.user_enabled = false; // no privileges: nothing to report
    let mut expired = with_privs(user("exp@pve", &[]), "/vms", &["VM.Audit"]);
    expired.expire = NOW - 1; // user-expired covers it
    let working = with_privs(user("ok@pve", &[]), "/vms", &["VM.Audit"]);
    let f = facts(vec![disabled, orphan, idle, expired, working], vec![]);
    assert_eq!(
        hits(&f, GRANTS_UNUSABLE),
        vec![id("off@pve", None), id("x@gone", None)]
    );
}

#[test]
fn duplicate_grant_below_an_identical_propagating_grant() {
    let alice = user("alice@pve", &[]);
    let bob = user("bob@pve", &[]);
    let carol = user("carol@pve", &["ops"]);
    let f = facts(
        vec![alice, bob, carol],
        vec![
            grant("/vms", "user", "alice@pve", "PVEVMUser", true),
            grant("/vms/100", "user", "alice@pve", "PVEVMUser", true),
            // Not redundant: a different role set below.
            grant("/vms", "user", "bob@pve", "PVEVMUser", true),
            grant("/vms", "user", "bob@pve", "PVEAuditor", true),
            grant("/vms/100", "user", "bob@pve", "PVEVMUser", true),
            // Not redundant: a group entry in between would apply otherwise.
            grant("/vms", "user", "carol@pve", "PVEVMUser", true),
            grant("/vms/100", "group", "ops", "PVEAuditor", true),
            grant("/vms/100/x", "user", "carol@pve", "PVEVMUser", true),
        ],
    );
    assert_eq!(
        hits(&f, DUPLICATE_GRANT),
        vec![id("alice@pve", Some("/vms/100"))]
    );
    // A non-propagating parent does not make the child redundant.
    let f = facts(
        vec![user("alice@pve", &[])],
        vec![
            grant("/vms", "user", "alice@pve", "PVEVMUser", false),
            grant("/vms/100", "user", "alice@pve", "PVEVMUser", true),
        ],
    );
    assert!(hits(&f, DUPLICATE_GRANT).is_empty());
}

#[test]
fn duplicate_and_masked_group_grants_on_the_same_path() {
    let alice = user("alice@pve", &["ops"]);
    let bob = user("bob@pve", &["dev"]);
    let dave = user("dave@pve", &["ops"]);
    let f = facts(
        vec![alice, bob, dave],
        vec![
            grant("/vms", "group", "ops", "PVEVMUser", true),
            grant("/vms", "user", "alice@pve", "PVEVMUser", true),
            grant("/storage", "group", "dev", "PVEDatastoreUser", true),
            grant("/storage", "user", "bob@pve", "PVEAuditor", true),
        ],
    );
    assert_eq!(
        hits(&f, DUPLICATE_GRANT),
        vec![id("alice@pve", Some("/vms"))]
    );
    assert_eq!(
        hits(&f, MASKED_GROUP_GRANT),
        vec![id("bob@pve", Some("/storage"))]
    );
    assert!(
        fired(&f, MASKED_GROUP_GRANT)[0]
            .message
            .contains("PVEDatastoreUser")
    );
}

#[test]
fn ignores_by_rule_globally_or_per_identity() {
    let ci = user("ci@pve", &[]);
    let f = facts(
        vec![
            ci.clone(),
            token(&ci, "a", false, 0),
            token(&ci, "b", false, 0),
        ],
        vec![
            grant("/", "token", "ci@pve!a", "PVEAuditor", true),
            grant("/", "token", "ci@pve!b", "PVEAuditor", true),
        ],
    );
    let all = evaluate(&f, &OPTIONS);
    let per_identity = [Ignore {
        rule: TOKEN_NO_PRIVSEP.into(),
        identity: Some("ci@pve!a".into()),
        reason: "legacy tool".into(),
    }];
    let (reported, ignored) = apply_ignores(all.clone(), &per_identity);
    assert_eq!(ignored.len(), 1);
    assert_eq!(ignored[0].0.identity, "ci@pve!a");
    assert_eq!(ignored[0].1, "legacy tool");
    assert!(
        reported
            .iter()
            .any(|x| x.rule == TOKEN_NO_PRIVSEP && x.identity == "ci@pve!b")
    );
    let global = [Ignore {
        rule: TOKEN_NO_EXPIRY.into(),
        identity: None,
        reason: "rotated by the pipeline".into(),
    }];
    let (reported, ignored) = apply_ignores(all, &global);
    assert_eq!(ignored.len(), 2);
    assert!(reported.iter().all(|x| x.rule != TOKEN_NO_EXPIRY));
}

#[test]
fn findings_are_sorted_most_severe_first() {
    let ci = user("ci@pve", &[]);
    let root = user("root@pam", &[]);
    let f = facts(
        vec![
            ci.clone(),
            token(&ci, "a", false, 0),
            root.clone(),
            token(&root, "t", true, NOW + DAY),
        ],
        vec![],
    );
    let severities: Vec<Severity> = evaluate(&f, &OPTIONS).iter().map(|x| x.severity).collect();
    let mut sorted = severities.clone();
    sorted.sort();
    assert_eq!(severities, sorted);
    assert_eq!(severities.first(), Some(&Severity::High));
}
