//! The list caches against pve-sim: list answers equal the per-object GETs,
//! one list call serves concurrent readers, and a write is never followed
//! by a stale read.

use std::collections::BTreeSet;

use proxmox_client::{
    Client, CreateGroup, CreatePool, CreateRole, CreateToken, CreateUser, GroupId, PoolId, RoleId,
    TokenId, UpdateRole, UpdateUser, UserId,
};

use super::Connection;

async fn simulated() -> (pve_sim::RunningSim, Connection, Client) {
    let sim = pve_sim::start(pve_sim::SimOptions::default())
        .await
        .unwrap();
    let root = Client::builder(sim.url())
        .ca_pem(sim.ca_cert_pem().to_string())
        .password("root@pam".parse().unwrap(), sim.root_password())
        .build()
        .unwrap();
    let connection = Connection::new(root.clone(), "password of root@pam");
    (sim, connection, root)
}

fn user(id: &str) -> UserId {
    id.parse().unwrap()
}

/// Users with and without groups, tokens, names, keys and expiry; roles,
/// groups and pools with and without comments.
async fn populate(root: &Client) {
    for group in ["ops", "dev", "audit"] {
        let comment = (group != "audit").then(|| format!("{group} team"));
        root.groups()
            .create(&group.parse().unwrap(), &CreateGroup { comment })
            .await
            .unwrap();
    }
    root.users()
        .create(
            &user("alice@pve"),
            &CreateUser {
                comment: Some("admin".into()),
                email: Some("alice@example.com".into()),
                firstname: Some("Alice".into()),
                lastname: Some("Liddell".into()),
                expire: Some(4_102_444_800),
                enable: Some(false),
                keys: Some("x".to_string().into()),
                // Out of order on purpose: GET sorts them.
                groups: vec!["ops".parse().unwrap(), "dev".parse().unwrap()],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    root.users()
        .create(&user("bob@pve"), &CreateUser::default())
        .await
        .unwrap();
    for (name, privsep, expire, comment) in [
        ("ci", Some(false), Some(4_102_444_800), Some("pipeline")),
        ("b-backup", None, None, None),
        ("a-audit", Some(true), Some(0), Some("")),
    ] {
        root.tokens(&user("alice@pve"))
            .create(
                &name.parse().unwrap(),
                &CreateToken {
                    comment: comment.map(str::to_string),
                    expire,
                    privsep,
                },
            )
            .await
            .unwrap();
    }
    for (role, privs) in [
        ("Empty", vec![]),
        ("Ops", vec!["VM.Audit", "Sys.Audit", "VM.Console"]),
    ] {
        root.roles()
            .create(
                &role.parse().unwrap(),
                &CreateRole {
                    privs: privs.into_iter().map(str::to_string).collect(),
                },
            )
            .await
            .unwrap();
    }
    for (pool, comment) in [("prod", Some("production")), ("lab", None)] {
        root.pools()
            .create(
                &pool.parse().unwrap(),
                &CreatePool {
                    comment: comment.map(str::to_string),
                },
            )
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn list_answers_equal_the_object_reads() {
    let (_sim, connection, root) = simulated().await;
    populate(&root).await;

    for id in ["alice@pve", "bob@pve", "root@pam"] {
        let id = user(id);
        let mut listed = connection.listed_user(&id).await.expect("listed");
        let got = root.users().get(&id).await.unwrap();
        // Only the list names the realm type; the resources do not read it.
        listed.realm_type = None;
        assert_eq!(listed, got, "{id}");
        for info in &got.tokens {
            let token = TokenId::from_parts(id.clone(), info.tokenid.clone());
            let listed = connection.listed_token(&token).await.expect("token");
            let got = root.tokens(&id).get(&info.tokenid).await.unwrap();
            assert_eq!(listed, got, "{token}");
        }
    }
    let alice = connection.listed_user(&user("alice@pve")).await.unwrap();
    assert_eq!(alice.tokens.len(), 3);
    assert_eq!(alice.groups.len(), 2);

    for id in ["Empty", "Ops", "PVEAuditor", "Administrator", "NoAccess"] {
        let id: RoleId = id.parse().unwrap();
        let listed = connection.listed_role(&id).await.expect("role");
        assert_eq!(listed, root.roles().get(&id).await.unwrap(), "{id}");
    }
    for id in ["ops", "dev", "audit"] {
        let id: GroupId = id.parse().unwrap();
        let listed = connection.listed_group(&id).await.expect("group");
        assert_eq!(listed, root.groups().get(&id).await.unwrap(), "{id}");
    }
    for id in ["prod", "lab"] {
        let id: PoolId = id.parse().unwrap();
        let listed = connection.listed_pool(&id).await.expect("pool");
        let got = root.pools().get(&id).await.unwrap();
        // The pool resource reads the comment only; the list has no members.
        assert_eq!(
            (&listed.poolid, &listed.comment),
            (&got.poolid, &got.comment)
        );
    }
}

#[tokio::test]
async fn one_list_call_serves_every_concurrent_reader() {
    let (sim, connection, root) = simulated().await;
    populate(&root).await;
    let before = sim.stats();
    let reads = (0..50).map(|i| {
        let connection = &connection;
        async move {
            let id = if i % 2 == 0 { "alice@pve" } else { "bob@pve" };
            connection.listed_user(&user(id)).await.is_some()
        }
    });
    let found = futures::future::join_all(reads).await;
    assert!(found.iter().all(|f| *f));
    let role: RoleId = "Ops".parse().unwrap();
    for _ in 0..10 {
        assert!(connection.listed_role(&role).await.is_some());
    }
    let after = sim.stats();
    assert_eq!(after.total - before.total, 2, "{:?}", after.by_route);
    assert_eq!(after.count("GET /access/users"), 1);
    assert_eq!(after.count("GET /access/roles"), 1);
}

#[tokio::test]
async fn a_write_is_never_followed_by_a_stale_read() {
    let (sim, connection, root) = simulated().await;
    populate(&root).await;
    let alice = user("alice@pve");
    let role: RoleId = "Ops".parse().unwrap();
    let comment = |u: Option<proxmox_client::User>| u.and_then(|u| u.comment);
    assert_eq!(
        comment(connection.listed_user(&alice).await).as_deref(),
        Some("admin")
    );
    assert!(connection.listed_role(&role).await.is_some());

    // A write through the connection: the next read sees it.
    let id = alice.clone();
    connection
        .write(|client| async move {
            client
                .users()
                .update(
                    &id,
                    &UpdateUser {
                        comment: Some("changed".into()),
                        ..Default::default()
                    },
                )
                .await
        })
        .await
        .unwrap();
    assert_eq!(
        comment(connection.listed_user(&alice).await).as_deref(),
        Some("changed")
    );
    // Every list is invalidated, not only the one the write touched.
    let lists_before = sim.stats().count("GET /access/roles");
    let id = role.clone();
    connection
        .write(|client| async move {
            client
                .roles()
                .update(
                    &id,
                    &UpdateRole {
                        privs: vec!["VM.Audit".into()],
                        append: false,
                    },
                )
                .await
        })
        .await
        .unwrap();
    let privs = connection.listed_role(&role).await.unwrap().privs;
    assert_eq!(privs, BTreeSet::from(["VM.Audit".to_string()]));
    assert_eq!(sim.stats().count("GET /access/roles"), lists_before + 1);

    // A failed write invalidates too: PVE may have applied part of it.
    let gone = user("alice@pve");
    let _ = connection
        .write(|client| async move { client.users().delete(&gone).await })
        .await;
    assert!(
        connection.listed_user(&alice).await.is_none(),
        "a deleted user is not served from an old list"
    );
    // Deleting the user took its tokens with it.
    let token = TokenId::from_parts(alice.clone(), "ci".parse().unwrap());
    assert!(connection.listed_token(&token).await.is_none());
}

#[tokio::test]
async fn a_write_during_a_list_call_is_not_hidden_by_it() {
    let (sim, connection, root) = simulated().await;
    populate(&root).await;
    let bob = user("bob@pve");
    // Slow list calls, so the write below lands while one is in flight.
    sim.set_faults(pve_sim::FaultConfig {
        latency_ms: 200,
        ..Default::default()
    });
    let reader = connection.listed_user(&bob);
    let writer = async {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let id = bob.clone();
        connection
            .write(|client| async move {
                client
                    .users()
                    .update(
                        &id,
                        &UpdateUser {
                            comment: Some("written".into()),
                            ..Default::default()
                        },
                    )
                    .await
            })
            .await
            .unwrap();
    };
    let (_, ()) = tokio::join!(reader, writer);
    sim.set_faults(pve_sim::FaultConfig::default());
    let after = connection.listed_user(&bob).await.unwrap();
    assert_eq!(after.comment.as_deref(), Some("written"));
}

#[tokio::test]
async fn objects_missing_from_a_list_are_left_to_the_object_read() {
    let (_sim, connection, _root) = simulated().await;
    assert!(connection.listed_user(&user("nobody@pve")).await.is_none());
    let token = TokenId::from_parts(user("root@pam"), "none".parse().unwrap());
    assert!(connection.listed_token(&token).await.is_none());
    assert!(
        connection
            .listed_role(&"Missing".parse().unwrap())
            .await
            .is_none()
    );
    assert!(
        connection
            .listed_group(&"missing".parse().unwrap())
            .await
            .is_none()
    );
    assert!(
        connection
            .listed_pool(&"missing".parse().unwrap())
            .await
            .is_none()
    );
}

/// One create through `create_or_adopt` of group `id` with `comment`,
/// adopting only a group whose comment is `adopt_if`.
async fn create_group(
    connection: &Connection,
    id: &str,
    comment: &str,
    adopt_if: &str,
) -> Result<Option<()>, tfplugin::diag::Diagnostics> {
    let group: GroupId = id.parse().unwrap();
    let creation = super::Creation::new("group", id, "pve_group", "group_id");
    let request = CreateGroup {
        comment: Some(comment.to_string()),
    };
    let created = group.clone();
    connection
        .create_or_adopt(
            &creation,
            |client| async move { client.groups().create(&created, &request).await },
            |client| {
                let id = group.clone();
                async move { client.groups().get(&id).await }
            },
            |found| found.comment.as_deref() == Some(adopt_if),
        )
        .await
}

#[tokio::test]
async fn create_or_adopt_creates_refuses_and_adopts_only_what_was_planned() {
    let (sim, connection, _root) = simulated().await;
    assert_eq!(
        create_group(&connection, "ops", "x", "x").await.unwrap(),
        Some(())
    );

    // Already there: one wording, naming the import command, at the attribute.
    let exists = create_group(&connection, "ops", "x", "x")
        .await
        .unwrap_err();
    let diagnostic = &exists.0[0];
    assert_eq!(diagnostic.summary, "Group 'ops' already exists");
    assert!(diagnostic.detail.starts_with(
        "PVE already has a group 'ops'. To manage it with Terraform, import it: `terraform import pve_group.NAME ops`"
    ));
    assert_eq!(
        diagnostic.attribute,
        Some(tfplugin::diag::AttributePath::attribute("group_id"))
    );

    // PVE commits, the answer is lost: read back and adopt what was planned…
    let lose_answers = pve_sim::FaultConfig {
        drop_after_commit_rate: 1.0,
        path_prefix: "/access/groups".into(),
        ..Default::default()
    };
    sim.set_faults(lose_answers);
    assert_eq!(
        create_group(&connection, "dev", "y", "y").await.unwrap(),
        None
    );
    // …and refuse anything else, naming the import command.
    let other = create_group(&connection, "qa", "z", "not z")
        .await
        .unwrap_err();
    let diagnostic = &other.0[0];
    assert_eq!(diagnostic.summary, "Group 'qa' exists with other settings");
    assert!(diagnostic.detail.contains(
        "now exists, but not as planned; it may belong to someone else. Inspect it, then import it (`terraform import pve_group.NAME qa`) or delete it."
    ));
    sim.set_faults(pve_sim::FaultConfig::default());
}

/// Faults that close the connection of every matching request before PVE
/// handles it: the client has sent a create and gets no answer, and
/// nothing was applied.
fn lose_unapplied(path_prefix: &str) -> pve_sim::FaultConfig {
    pve_sim::FaultConfig {
        drop_rate: 1.0,
        path_prefix: path_prefix.into(),
        ..Default::default()
    }
}

/// Requests pve-sim received for `route` ("POST /access/groups").
fn received(sim: &pve_sim::RunningSim, route: &str) -> u64 {
    sim.stats().by_route.get(route).copied().unwrap_or(0)
}

/// Creates group `id` (comment "x") through `create_or_adopt`; the answers
/// of the first `lost` attempts are lost before PVE applies them (the
/// read-backs in between are answered). Returns the result and the number
/// of attempts.
async fn create_group_losing(
    sim: &pve_sim::RunningSim,
    connection: &Connection,
    id: &str,
    lost: usize,
) -> (Result<Option<()>, tfplugin::diag::Diagnostics>, usize) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let group: GroupId = id.parse().unwrap();
    let creation = super::Creation::new("group", id, "pve_group", "group_id");
    let request = CreateGroup {
        comment: Some("x".into()),
    };
    let attempts = std::sync::Arc::new(AtomicUsize::new(0));
    let (created, counter) = (group.clone(), attempts.clone());
    let result = connection
        .create_or_adopt(
            &creation,
            |client| async move {
                let losing = counter.fetch_add(1, Ordering::SeqCst) < lost;
                if losing {
                    sim.set_faults(lose_unapplied("/access/groups"));
                }
                let result = client.groups().create(&created, &request).await;
                sim.set_faults(pve_sim::FaultConfig::default());
                if losing {
                    assert!(result.as_ref().unwrap_err().is_outcome_unknown());
                }
                result
            },
            |client| {
                let id = group.clone();
                async move { client.groups().get(&id).await }
            },
            |found| found.comment.as_deref() == Some("x"),
        )
        .await;
    (result, attempts.load(Ordering::SeqCst))
}

#[tokio::test]
async fn a_lost_create_that_was_not_applied_is_sent_again() {
    let (sim, connection, root) = simulated().await;
    let (result, attempts) = create_group_losing(&sim, &connection, "ops", 1).await;
    assert_eq!(result.unwrap(), Some(()), "created by the second attempt");
    assert_eq!(attempts, 2);
    assert_eq!(received(&sim, "POST /access/groups"), 2);
    let found = root.groups().get(&"ops".parse().unwrap()).await.unwrap();
    assert_eq!(found.comment.as_deref(), Some("x"));
}

/// The token's secret exists only in the create's answer: a create sent
/// again after a lost, unapplied one must return it, and it must work.
#[tokio::test]
async fn a_token_create_sent_again_returns_a_working_secret() {
    let (sim, connection, _root) = simulated().await;
    let token = TokenId::from_parts(user("root@pam"), "ci".parse().unwrap());
    let text = token.to_string();
    let creation = super::Creation::new("API token", &text, "pve_user_token", "token_name");
    let request = CreateToken {
        comment: Some("ci".into()),
        privsep: Some(false),
        ..Default::default()
    };
    let lost = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sim_ref = &sim;
    let (id, lost_once) = (token.clone(), lost.clone());
    let created = connection
        .create_or_adopt(
            &creation,
            |client| async move {
                let first = !lost_once.swap(true, std::sync::atomic::Ordering::SeqCst);
                if first {
                    sim_ref.set_faults(lose_unapplied("/access/users/root@pam/token"));
                }
                let result = client.tokens(id.user()).create(id.name(), &request).await;
                sim_ref.set_faults(pve_sim::FaultConfig::default());
                result
            },
            |client| {
                let id = token.clone();
                async move { client.tokens(id.user()).get(id.name()).await }
            },
            |found| found.comment.as_deref() == Some("ci"),
        )
        .await
        .unwrap()
        .expect("a create's answer, not an adoption");
    assert_eq!(
        received(&sim, "POST /access/users/{userid}/token/{tokenid}"),
        2
    );
    let client = Client::builder(sim.url())
        .ca_pem(sim.ca_cert_pem().to_string())
        .api_token(created.api_token())
        .build()
        .unwrap();
    let users = client.users().list().await.unwrap();
    assert!(users.iter().any(|u| u.userid == user("root@pam")));
}

/// A create that lost its answer twice is not sent a third time, and a
/// read-back that fails for another reason than "not found" keeps the
/// outcome-unknown error: nothing proves the create was not applied.
#[tokio::test]
async fn a_create_is_sent_again_only_once_and_only_on_a_definite_not_found() {
    let (sim, connection, _root) = simulated().await;
    let (twice, attempts) = create_group_losing(&sim, &connection, "qa", 2).await;
    let twice = twice.unwrap_err();
    assert_eq!(attempts, 2, "sent twice, no more");
    assert_eq!(received(&sim, "POST /access/groups"), 2);
    assert!(
        twice.0[0].detail.contains("outcome unknown"),
        "{:?}",
        twice.0[0]
    );

    let group: GroupId = "dev".parse().unwrap();
    let creation = super::Creation::new("group", "dev", "pve_group", "group_id");
    let request = CreateGroup::default();
    let sim_ref = &sim;
    let unreadable = connection
        .create_or_adopt(
            &creation,
            |client| async move {
                sim_ref.set_faults(lose_unapplied("/access/groups"));
                let result = client.groups().create(&group, &request).await;
                sim_ref.set_faults(pve_sim::FaultConfig::default());
                result
            },
            |_client| async {
                Err::<proxmox_client::Group, _>(proxmox_client::Error::Config(
                    "read-back refused".into(),
                ))
            },
            |_| true,
        )
        .await
        .unwrap_err();
    assert_eq!(received(&sim, "POST /access/groups"), 3, "not sent again");
    assert!(
        unreadable.0[0].detail.contains("outcome unknown"),
        "{:?}",
        unreadable.0[0]
    );
}
