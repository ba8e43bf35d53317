//! Cluster mode over real TLS listeners: one configuration and one ticket
//! key behind every node, node states (down, hang, noquorum) and how each
//! looks to a client, the `/_sim/cluster` controls and per-node counters
//! (the binary's ready line: `cluster_binary.rs`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use pve_sim::{NodeState, RunningSim, SimOptions};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

const ROOT_PW: &str = "cluster-test-pw";

async fn cluster(nodes: usize) -> RunningSim {
    pve_sim::start(SimOptions {
        root_password: ROOT_PW.to_string(),
        nodes,
        // A refused no-quorum write waits for the lock timeout, as in PVE.
        lock_timeout: Duration::from_millis(50),
        ..SimOptions::default()
    })
    .await
    .unwrap()
}

fn client(sim: &RunningSim) -> Client {
    client_with_timeout(sim, Duration::from_secs(30))
}

fn client_with_timeout(sim: &RunningSim, timeout: Duration) -> Client {
    Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(sim.ca_cert_pem().as_bytes()).unwrap())
        .timeout(timeout)
        .build()
        .unwrap()
}

/// A root ticket and CSRF token, from the node at `url`.
struct Login {
    ticket: String,
    csrf: String,
}

async fn login(client: &Client, url: &str) -> Login {
    login_answer(client, url).await.0
}

async fn login_answer(client: &Client, url: &str) -> (Login, Value) {
    let response = client
        .post(format!("{url}/api2/json/access/ticket"))
        .form(&[("username", "root@pam"), ("password", ROOT_PW)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    let login = Login {
        ticket: body["data"]["ticket"].as_str().unwrap().to_string(),
        csrf: body["data"]["CSRFPreventionToken"]
            .as_str()
            .unwrap()
            .to_string(),
    };
    (login, body)
}

async fn call(
    client: &Client,
    auth: &Login,
    method: reqwest::Method,
    url: &str,
    form: &[(&str, &str)],
) -> Result<(StatusCode, Value), reqwest::Error> {
    let mut request = client
        .request(method.clone(), url)
        .header("Cookie", format!("PVEAuthCookie={}", auth.ticket));
    if method != reqwest::Method::GET {
        request = request.header("CSRFPreventionToken", &auth.csrf).form(form);
    }
    let response = request.send().await?;
    let status = response.status();
    let body = response.json().await.unwrap_or(Value::Null);
    Ok((status, body))
}

async fn get(client: &Client, auth: &Login, url: &str) -> (StatusCode, Value) {
    call(client, auth, reqwest::Method::GET, url, &[])
        .await
        .unwrap()
}

async fn post(
    client: &Client,
    auth: &Login,
    url: &str,
    form: &[(&str, &str)],
) -> (StatusCode, Value) {
    call(client, auth, reqwest::Method::POST, url, form)
        .await
        .unwrap()
}

#[tokio::test]
async fn nodes_share_one_configuration_ca_and_ticket_key() {
    let sim = cluster(3).await;
    let nodes = sim.nodes();
    let names: Vec<&str> = nodes.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(names, ["pve1", "pve2", "pve3"]);
    assert_eq!(sim.url(), nodes[0].url);
    assert_eq!(sim.fingerprint(), nodes[0].fingerprint);
    assert_ne!(nodes[0].url, nodes[1].url);
    assert_ne!(nodes[0].fingerprint, nodes[1].fingerprint);

    // One client trusting the one cluster CA talks to every node.
    let client = client(&sim);
    let (auth, answer) = login_answer(&client, &nodes[0].url).await;
    assert_eq!(answer["data"]["clustername"], "pve-sim");
    let (status, _) = post(
        &client,
        &auth,
        &format!("{}/api2/json/access/users", nodes[0].url),
        &[("userid", "alice@pve"), ("comment", "written on pve1")],
    )
    .await;
    assert_eq!(status, 200);
    // The ticket issued by pve1 is accepted by pve2, which sees the write.
    let (status, body) = get(
        &client,
        &auth,
        &format!("{}/api2/json/access/users/alice@pve", nodes[1].url),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["comment"], "written on pve1");

    let stats = sim.stats();
    assert_eq!(stats.node("pve1").writes, 1);
    assert_eq!(stats.node("pve2").writes, 0);
    assert_eq!(stats.node("pve2").reads, 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn writes_through_every_node_wait_for_the_one_lock() {
    let sim = cluster(2).await;
    let nodes = sim.nodes();
    let client = client(&sim);
    let auth = login(&client, &nodes[1].url).await;
    // A writer holding the lock (as through pve1) makes pve2's write time out.
    let guard = sim.state().acquire_write_lock().await;
    let (status, body) = post(
        &client,
        &auth,
        &format!("{}/api2/json/access/groups", nodes[1].url),
        &[("groupid", "ops")],
    )
    .await;
    assert_eq!(status, 500);
    assert_eq!(
        body["message"],
        "create group failed: cfs-lock 'file-user_cfg' error: got lock request timeout\n"
    );
    drop(guard);
    let (status, _) = post(
        &client,
        &auth,
        &format!("{}/api2/json/access/groups", nodes[1].url),
        &[("groupid", "ops")],
    )
    .await;
    assert_eq!(status, 200);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_down_node_refuses_connections_and_comes_back_on_the_same_port() {
    let sim = cluster(2).await;
    let nodes = sim.nodes();
    let client = client(&sim);
    let auth = login(&client, &nodes[0].url).await;
    let version = |i: usize| format!("{}/api2/json/version", nodes[i].url);
    assert_eq!(get(&client, &auth, &version(0)).await.0, 200);

    sim.set_node_state("pve1", NodeState::Down).await.unwrap();
    assert_eq!(sim.node_state("pve1").unwrap(), NodeState::Down);
    // The pooled connection is cut and a new one is refused.
    let err = call(&client, &auth, reqwest::Method::GET, &version(0), &[])
        .await
        .unwrap_err();
    assert!(err.is_connect() || err.is_request(), "{err:?}");
    let fresh = self::client(&sim);
    let err = fresh.get(version(0)).send().await.unwrap_err();
    assert!(err.is_connect(), "{err:?}");
    // The other node serves on, with the same ticket.
    assert_eq!(get(&client, &auth, &version(1)).await.0, 200);

    sim.set_node_state("pve1", NodeState::Up).await.unwrap();
    assert_eq!(get(&client, &auth, &version(0)).await.0, 200);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_hung_node_accepts_and_never_answers() {
    let sim = cluster(2).await;
    let nodes = sim.nodes();
    let client = client(&sim);
    let auth = login(&client, &nodes[1].url).await;
    sim.set_node_state("pve2", NodeState::Hang).await.unwrap();

    let impatient = client_with_timeout(&sim, Duration::from_millis(300));
    let err = impatient
        .get(format!("{}/api2/json/version", nodes[1].url))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    // A request on the connection `client` opened before the hang hangs too.
    let err = client
        .get(format!("{}/api2/json/version", nodes[1].url))
        .header("Cookie", format!("PVEAuthCookie={}", auth.ticket))
        .timeout(Duration::from_millis(300))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");

    sim.set_node_state("pve2", NodeState::Up).await.unwrap();
    let (status, _) = get(
        &client,
        &auth,
        &format!("{}/api2/json/version", nodes[1].url),
    )
    .await;
    assert_eq!(status, 200);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_node_without_quorum_serves_reads_and_logins_and_refuses_writes() {
    let sim = cluster(3).await;
    let nodes = sim.nodes();
    let client = client(&sim);
    sim.set_node_state("pve3", NodeState::NoQuorum)
        .await
        .unwrap();
    let url3 = &nodes[2].url;

    let auth = login(&client, url3).await;
    let (status, _) = get(&client, &auth, &format!("{url3}/api2/json/access/users")).await;
    assert_eq!(status, 200);
    let (status, body) = post(
        &client,
        &auth,
        &format!("{url3}/api2/json/access/users"),
        &[("userid", "bob@pve")],
    )
    .await;
    assert_eq!(status, 500);
    assert_eq!(
        body,
        json!({ "data": null, "message": "create user failed: cfs-lock 'file-user_cfg' error: no quorum!\n" })
    );
    let (status, body) = get(&client, &auth, &format!("{url3}/api2/json/cluster/status")).await;
    assert_eq!(status, 200);
    assert_eq!(body["data"][0]["quorate"], 0, "{body}");

    // Nothing was written; the quorate nodes still write.
    let url1 = &nodes[0].url;
    let (status, _) = get(
        &client,
        &auth,
        &format!("{url1}/api2/json/access/users/bob@pve"),
    )
    .await;
    assert_eq!(status, 500);
    let (status, _) = post(
        &client,
        &auth,
        &format!("{url1}/api2/json/access/users"),
        &[("userid", "bob@pve")],
    )
    .await;
    assert_eq!(status, 200);

    // The node without quorum still reads what the others wrote.
    let (status, _) = get(
        &client,
        &auth,
        &format!("{url3}/api2/json/access/users/bob@pve"),
    )
    .await;
    assert_eq!(status, 200);

    let stats = sim.stats();
    assert_eq!(stats.node("pve3").writes, 1);
    assert_eq!(stats.node("pve3").refused, 1);
    assert_eq!(stats.node("pve1").writes, 1);
    assert_eq!(stats.node("pve1").refused, 0);

    // With pve2 down as well, pve1 is alone among three: no majority.
    sim.set_node_state("pve2", NodeState::Down).await.unwrap();
    let (status, body) = post(
        &client,
        &auth,
        &format!("{url1}/api2/json/access/groups"),
        &[("groupid", "ops")],
    )
    .await;
    assert_eq!(status, 500);
    assert!(
        body["message"].as_str().unwrap().contains("no quorum!"),
        "{body}"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn cluster_status_and_nodes_follow_the_node_states() {
    let sim = cluster(3).await;
    let nodes = sim.nodes();
    let client = client(&sim);
    let url2 = &nodes[1].url;
    let auth = login(&client, url2).await;
    sim.set_node_state("pve3", NodeState::Down).await.unwrap();

    let (_, body) = get(&client, &auth, &format!("{url2}/api2/json/cluster/status")).await;
    let rows = body["data"].as_array().unwrap();
    assert_eq!(rows[0]["type"], "cluster");
    assert_eq!(rows[0]["nodes"], 3);
    assert_eq!(rows[0]["quorate"], 1);
    let node_rows: Vec<(&str, i64, i64)> = rows[1..]
        .iter()
        .map(|r| {
            (
                r["name"].as_str().unwrap(),
                r["online"].as_i64().unwrap(),
                r["local"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(node_rows, [("pve1", 1, 0), ("pve2", 1, 1), ("pve3", 0, 0)]);

    let (_, body) = get(&client, &auth, &format!("{url2}/api2/json/nodes")).await;
    let listed: Vec<(&str, &str, &str)> = body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["node"].as_str().unwrap(),
                n["status"].as_str().unwrap(),
                n["ssl_fingerprint"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [
            ("pve1", "online", nodes[0].fingerprint.as_str()),
            ("pve2", "online", nodes[1].fingerprint.as_str()),
            ("pve3", "offline", nodes[2].fingerprint.as_str()),
        ]
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn task_calls_are_proxied_to_live_cluster_nodes_only() {
    let sim = cluster(3).await;
    let nodes = sim.nodes();
    let client = client(&sim);
    let url1 = &nodes[0].url;
    let auth = login(&client, url1).await;
    let upid = "UPID:pve2:0000ABCD:00012345:6740A1B2:auth-realm-sync:ldap:root@pam:";
    let status_of = |node: &str| format!("{url1}/api2/json/nodes/{node}/tasks/{upid}/status");

    // pve2 is a cluster node: the call reaches the task lookup.
    let (status, body) = get(&client, &auth, &status_of("pve2")).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["errors"]["upid"], "no such task");

    sim.set_node_state("pve2", NodeState::Hang).await.unwrap();
    let (status, body) = get(&client, &auth, &status_of("pve2")).await;
    assert_eq!(status.as_u16(), 595, "{body}");
    assert_eq!(body["message"], "No route to host\n");

    let (status, body) = get(&client, &auth, &status_of("pve9")).await;
    assert_eq!(status, 500);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("hostname lookup 'pve9' failed"),
        "{body}"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn sim_admin_endpoints_list_and_change_node_states() {
    let sim = cluster(2).await;
    let nodes = sim.nodes();
    let client = client(&sim);
    let url2 = &nodes[1].url;
    let auth = login(&client, url2).await;
    let admin = format!("{url2}/_sim/cluster/nodes");

    // Not for anonymous callers.
    let response = client
        .post(format!("{admin}/pve1"))
        .form(&[("state", "down")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);

    let (status, body) = post(
        &client,
        &auth,
        &format!("{admin}/pve1"),
        &[("state", "down")],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({ "data": { "name": "pve1", "state": "down" } }));
    assert_eq!(sim.node_state("pve1").unwrap(), NodeState::Down);

    let (status, body) = post(
        &client,
        &auth,
        &format!("{admin}/pve1"),
        &[("state", "asleep")],
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("up, down, hang, noquorum"),
        "{body}"
    );
    let (status, body) = post(&client, &auth, &format!("{admin}/pve9"), &[("state", "up")]).await;
    assert_eq!(status, 404);
    assert!(
        body["error"].as_str().unwrap().contains("pve1, pve2"),
        "{body}"
    );

    // JSON works as well as a form.
    let response = client
        .post(format!("{admin}/pve1"))
        .header("Cookie", format!("PVEAuthCookie={}", auth.ticket))
        .header("CSRFPreventionToken", &auth.csrf)
        .json(&json!({ "state": "noquorum" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let (status, body) = get(&client, &auth, &admin).await;
    assert_eq!(status, 200);
    let listed: Vec<(&str, &str, bool)> = body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["name"].as_str().unwrap(),
                n["state"].as_str().unwrap(),
                n["quorate"].as_bool().unwrap(),
            )
        })
        .collect();
    // pve2 is the only `up` node of two: no majority.
    assert_eq!(listed, [("pve1", "noquorum", false), ("pve2", "up", false)]);
    assert_eq!(body["data"][0]["url"], nodes[0].url);
    let stats: Value = client
        .get(format!("{url2}/_sim/stats"))
        .header("Cookie", format!("PVEAuthCookie={}", auth.ticket))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        stats["nodes"]["pve2"]["reads"].as_u64().unwrap() >= 1,
        "{stats}"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn a_single_node_is_pve_and_can_go_down_too() {
    let sim = cluster(1).await;
    let nodes = sim.nodes();
    assert_eq!(nodes.len(), 1);
    assert_eq!(nodes[0].name, "pve");
    assert_eq!(nodes[0].url, sim.url());
    let client = client(&sim);
    let (auth, answer) = login_answer(&client, sim.url()).await;
    // A standalone node names no cluster.
    assert!(answer["data"].get("clustername").is_none(), "{answer}");
    let (_, body) = get(
        &client,
        &auth,
        &format!("{}/api2/json/cluster/status", sim.url()),
    )
    .await;
    // A standalone node: no cluster row.
    assert_eq!(body["data"].as_array().unwrap().len(), 1, "{body}");
    sim.set_node_state("pve", NodeState::Down).await.unwrap();
    let err = self::client(&sim)
        .get(format!("{}/api2/json/version", sim.url()))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_connect(), "{err:?}");
    sim.shutdown().await;
}

#[tokio::test]
async fn too_few_inventory_nodes_is_a_clear_error() {
    let inventory = pve_sim::Inventory::parse(r#"{"nodes":[{"node":"a"},{"node":"b"}]}"#).unwrap();
    let err = pve_sim::start(SimOptions {
        nodes: 3,
        inventory,
        ..SimOptions::default()
    })
    .await
    .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("--nodes 3") && text.contains("lists 2"),
        "{text}"
    );
}
