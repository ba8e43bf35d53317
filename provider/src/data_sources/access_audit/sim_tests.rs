//! The audit against pve-sim: a seeded user.cfg where every rule fires for
//! one identity and not for its control, with the privileges coming from
//! the simulator's `GET /access/permissions` (PVE's algorithm), and the
//! cost of four list calls plus one call per identity.

use std::collections::BTreeSet;

use proxmox_client::Client;

use super::facts::{Filter, collect};
use super::rules::*;

const DAY: i64 = 86_400;

fn seed(now: i64) -> String {
    let future = now + 100 * DAY;
    let soon = now + 3 * DAY;
    let past = now - DAY;
    format!(
        "\
user:root@pam:1:0::::::
token:root@pam!tf:{future}:1::
user:admin@pve:1:0::::::
user:nodes@pve:1:0::::::
user:ci@pve:1:0::::::
token:ci@pve!deploy:{future}:1::
token:ci@pve!idle:{future}:1::
token:ci@pve!shared:{future}:0::
token:ci@pve!forever:0:1::
token:ci@pve!soon:{soon}:1::
token:ci@pve!old:{past}:1::
token:ci@pve!boss:{future}:1::
user:old@pve:1:{past}::::::
user:off@pve:0:0::::::
user:x@gone:1:0::::::
user:alice@pve:1:0::::::
user:ops1@pve:1:0::::::
group:ops:alice@pve,ops1@pve::
acl:1:/:admin@pve:Administrator:
acl:1:/nodes:nodes@pve:PVESysAdmin:
acl:1:/vms:ci@pve:PVEVMAdmin:
acl:1:/vms:ci@pve!deploy,ci@pve!forever,ci@pve!soon,ci@pve!old:PVEVMUser:
acl:1:/vms/100:ci@pve!deploy:PVEVMUser:
acl:1:/vms:ci@pve!boss:Administrator:
acl:1:/vms:off@pve,x@gone:PVEAuditor:
acl:1:/storage:ghost@pve,@former:PVEAuditor:
acl:1:/pool:@ops:PVEPoolAdmin:
acl:1:/pool:alice@pve:PVEAuditor:
acl:1:/sdn:@ops:PVEAuditor:
acl:1:/sdn:ops1@pve:PVEAuditor:
"
    )
}

async fn audit(filter: Filter) -> (super::Facts, Vec<Finding>, u64, u64) {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("user.cfg"), seed(now)).unwrap();
    let sim = pve_sim::start(pve_sim::SimOptions {
        state_dir: Some(dir.path().to_path_buf()),
        ..pve_sim::SimOptions::default()
    })
    .await
    .unwrap();
    let client = Client::builder(sim.url())
        .ca_pem(sim.ca_cert_pem().to_string())
        .password("root@pam".parse().unwrap(), sim.root_password())
        .build()
        .unwrap();
    let acl = client.acl().list().await.unwrap();
    let before = sim.stats();
    let facts = collect(&client, &acl, &filter, now).await.unwrap();
    let after = sim.stats();
    let findings = evaluate(
        &facts,
        &Options {
            expiry_window: 14 * DAY,
        },
    );
    let calls = after.total - before.total;
    let permission_calls =
        after.count("GET /access/permissions") - before.count("GET /access/permissions");
    sim.shutdown().await;
    (facts, findings, calls, permission_calls)
}

fn for_rule(findings: &[Finding], rule: &str) -> BTreeSet<(String, Option<String>)> {
    findings
        .iter()
        .filter(|f| f.rule == rule)
        .map(|f| (f.identity.clone(), f.path.clone()))
        .collect()
}

fn set(items: &[(&str, Option<&str>)]) -> BTreeSet<(String, Option<String>)> {
    items
        .iter()
        .map(|(i, p)| (i.to_string(), p.map(str::to_string)))
        .collect()
}

#[tokio::test]
async fn every_rule_fires_for_its_case_and_not_for_its_control() {
    let (facts, findings, calls, permission_calls) = audit(Filter::default()).await;

    // Cost: users, groups, roles (the ACL list was passed in) + one per identity.
    assert_eq!(permission_calls, facts.identities.len() as u64);
    assert_eq!(calls, 3 + permission_calls);
    assert_eq!(facts.identities.len(), 9 + 8);

    assert_eq!(
        for_rule(&findings, ROOT_TOKEN),
        set(&[("root@pam!tf", None)])
    );
    assert_eq!(
        for_rule(&findings, TOKEN_ADMINISTRATOR),
        set(&[("ci@pve!boss", Some("/vms"))])
    );
    assert_eq!(
        for_rule(&findings, CAN_CHANGE_PERMISSIONS),
        set(&[("admin@pve", Some("/"))])
    );
    assert_eq!(
        for_rule(&findings, CAN_CHANGE_SYSTEM),
        set(&[("admin@pve", Some("/")), ("nodes@pve", Some("/nodes"))])
    );
    assert_eq!(
        for_rule(&findings, ACL_UNKNOWN_PRINCIPAL),
        set(&[
            ("former", Some("/storage")),
            ("ghost@pve", Some("/storage"))
        ])
    );
    assert_eq!(
        for_rule(&findings, TOKEN_NO_EXPIRY),
        set(&[("ci@pve!forever", None)])
    );
    assert_eq!(
        for_rule(&findings, TOKEN_NO_PRIVSEP),
        set(&[("ci@pve!shared", None)])
    );
    assert_eq!(
        for_rule(&findings, MASKED_GROUP_GRANT),
        set(&[("alice@pve", Some("/pool"))])
    );
    assert_eq!(
        for_rule(&findings, TOKEN_EXPIRING_SOON),
        set(&[("ci@pve!soon", None)])
    );
    assert_eq!(
        for_rule(&findings, TOKEN_EXPIRED),
        set(&[("ci@pve!old", None)])
    );
    assert_eq!(for_rule(&findings, USER_EXPIRED), set(&[("old@pve", None)]));
    assert_eq!(
        for_rule(&findings, TOKEN_WITHOUT_GRANTS),
        set(&[("ci@pve!idle", None), ("root@pam!tf", None)])
    );
    assert_eq!(
        for_rule(&findings, GRANTS_UNUSABLE),
        set(&[("off@pve", None), ("x@gone", None)])
    );
    assert_eq!(
        for_rule(&findings, DUPLICATE_GRANT),
        set(&[
            ("ci@pve!deploy", Some("/vms/100")),
            ("ops1@pve", Some("/sdn"))
        ])
    );

    // The privileges are PVE's evaluation: alice's own entry masks the
    // group's PVEPoolAdmin on /pool, and a privilege-separated token gets
    // the intersection with its user.
    let alice = facts
        .identities
        .iter()
        .find(|i| i.id == "alice@pve")
        .unwrap();
    assert!(alice.privileges["/pool"].contains_key("Sys.Audit"));
    assert!(!alice.privileges["/pool"].contains_key("Pool.Allocate"));
    let masked = findings
        .iter()
        .find(|f| f.rule == MASKED_GROUP_GRANT)
        .unwrap();
    assert!(
        masked.message.contains("Pool.Allocate"),
        "{}",
        masked.message
    );
    let boss = facts
        .identities
        .iter()
        .find(|i| i.id == "ci@pve!boss")
        .unwrap();
    assert!(boss.privileges["/vms"].contains_key("VM.Allocate"));
    assert!(
        !boss.privileges["/vms"].contains_key("Sys.Modify"),
        "intersected with ci@pve's PVEVMAdmin"
    );
}

#[tokio::test]
async fn filters_select_identities_and_paths() {
    let (facts, findings, _, permission_calls) = audit(Filter {
        realm: Some("pam".into()),
        ..Filter::default()
    })
    .await;
    let ids: Vec<&str> = facts.identities.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids, ["root@pam", "root@pam!tf"]);
    assert_eq!(permission_calls, 2);
    assert!(findings.iter().all(|f| f.identity.starts_with("root@pam")));

    let (facts, findings, _, _) = audit(Filter {
        user: Some("ci@pve".parse().unwrap()),
        path: Some("/vms/100".parse().unwrap()),
        ..Filter::default()
    })
    .await;
    for identity in &facts.identities {
        assert_eq!(identity.user_id, "ci@pve");
        assert!(
            identity.privileges.keys().all(|p| p == "/vms/100"),
            "{identity:?}"
        );
    }
    // ci@pve!idle holds nothing below /vms/100 and is left out.
    assert!(facts.identities.iter().all(|i| i.id != "ci@pve!idle"));
    assert!(
        findings
            .iter()
            .all(|f| f.path.as_deref().is_none_or(|p| p == "/vms/100"))
    );
}
