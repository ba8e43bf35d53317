//! The smaller PVE behaviours (issue #14 section 3): values echoed as sent,
//! JSON bodies, the token-refused message, root@pam's line, the TFA reads,
//! `cap` on a privilege check, realm sync on a missing realm, the counters
//! of the nested pool path forms.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::http::StatusCode;
use common::harness;
use serde_json::json;

#[tokio::test]
async fn token_update_echoes_the_request_values_as_sent() {
    let h = harness().await;
    h.root("POST", "/access/users", "userid=ci@pve").await;
    h.root("POST", "/access/users/ci@pve/token/tk", "").await;
    // Form values are strings and come back as strings.
    let form = h
        .root(
            "PUT",
            "/access/users/ci@pve/token/tk",
            "privsep=0&expire=0&comment=deploy",
        )
        .await;
    assert_eq!(
        form,
        json!({"comment": "deploy", "expire": "0", "privsep": "0"})
    );
    // JSON values keep their JSON type; what was not sent is read from
    // user.cfg (numbers).
    let sent = h
        .send_json(
            "PUT",
            "/access/users/ci@pve/token/tk",
            &json!({"privsep": true, "expire": 4_102_444_800_u64}),
        )
        .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    assert_eq!(
        *sent.data(),
        json!({"comment": "deploy", "expire": 4_102_444_800_u64, "privsep": true})
    );
    // Nothing sent: all from the file.
    let read_back = h
        .root("PUT", "/access/users/ci@pve/token/tk", "delete=comment")
        .await;
    assert_eq!(
        read_back,
        json!({"expire": 4_102_444_800_u64, "privsep": 1})
    );
}

#[tokio::test]
async fn json_bodies_are_checked_and_merged_as_pve_does() {
    let h = harness().await;
    h.root("POST", "/access/users", "userid=ci@pve").await;
    // A JSON true/false is accepted only for a boolean parameter.
    let reply = h
        .send_json(
            "PUT",
            "/access/users/ci@pve",
            &json!({"comment": true, "enable": false}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        reply.body["errors"],
        json!({"comment": "type check ('string') failed - got JSON::PP::Boolean"})
    );
    h.send_json("PUT", "/access/users/ci@pve", &json!({"enable": false}))
        .await;
    assert_eq!(h.root("GET", "/access/users/ci@pve", "").await["enable"], 0);
    // The query string is read after the body and wins.
    let reply = h
        .send_json(
            "PUT",
            "/access/users/ci@pve?comment=from-query",
            &json!({"comment": "from-body"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        h.root("GET", "/access/users/ci@pve", "").await["comment"],
        "from-query"
    );
}

#[tokio::test]
async fn ticket_only_methods_refuse_tokens_with_pves_message() {
    let h = harness().await;
    let token = h.token_user("ci").await;
    let reply = h
        .send(
            "PUT",
            "/access/password",
            Some(&token),
            "userid=ci@pve&password=abcdefgh",
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    // raise_perm_exc wraps a detail that already ends in a newline.
    assert_eq!(
        reply.message(),
        "Permission check failed (URI '/access/password' not available with API token, need proper ticket.\n)\n"
    );
    // Permission details as PVE gives them.
    let reply = h
        .send("POST", "/access/users", Some(&token), "userid=x@pve")
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(
        reply.message(),
        "Permission check failed (/access/realm/pve, Realm.AllocateUser)\n"
    );
}

#[tokio::test]
async fn long_user_ids_and_deep_pools_are_refused_with_pves_words() {
    let h = harness().await;
    let long = format!("{}@pve", "a".repeat(61));
    let reply = h
        .send("POST", "/access/users", None, &format!("userid={long}"))
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        reply.body["errors"]["userid"],
        format!("invalid format - user name '{long}' is too long (65 > 64)\n")
    );
    let reply = h.send("POST", "/pools", None, "poolid=a%2Fb%2Fc%2Fd").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        reply.body["errors"]["poolid"],
        "invalid format - pool name 'a/b/c/d' nested too deeply (max levels = 3)\n"
    );
}

#[tokio::test]
async fn deleting_root_removes_its_line_until_the_next_write() {
    let h = harness().await;
    let user_cfg = || std::fs::read_to_string(h.dir.path().join("user.cfg")).unwrap();
    assert!(user_cfg().contains("user:root@pam:"));
    h.root("DELETE", "/access/users/root@pam", "").await;
    assert!(!user_cfg().contains("user:root@pam:"), "{}", user_cfg());
    // The parser adds root@pam back with `enable` only.
    let users = h.root("GET", "/access/users", "").await;
    let root = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["userid"] == "root@pam")
        .cloned()
        .expect("root@pam still listed");
    assert_eq!(root["enable"], 1);
    assert!(root.get("expire").is_none(), "{root}");
    // The next write of user.cfg writes its line again.
    h.root("POST", "/access/groups", "groupid=ops").await;
    assert!(user_cfg().contains("user:root@pam:1:0:"), "{}", user_cfg());
    let root = h.root("GET", "/access/users/root@pam", "").await;
    assert_eq!(root["expire"], 0);
}

#[tokio::test]
async fn tfa_reads_answer_for_users_without_a_second_factor() {
    let h = harness().await;
    h.root("POST", "/access/users", "userid=ci@pve").await;
    assert_eq!(h.root("GET", "/access/tfa", "").await, json!([]));
    assert_eq!(h.root("GET", "/access/tfa/ci@pve", "").await, json!([]));
    assert_eq!(
        h.root("GET", "/access/users/ci@pve/tfa", "").await,
        json!({})
    );
    assert_eq!(
        h.root("GET", "/access/users/ci@pve/tfa?multiple=1", "")
            .await,
        json!({"user": []})
    );
    // A realm with a TFA requirement names its type.
    h.root("PUT", "/access/domains/pve", "tfa=type%3Doath")
        .await;
    assert_eq!(
        h.root("GET", "/access/users/ci@pve/tfa", "").await,
        json!({"realm": "oath"})
    );
    let reply = h.send("GET", "/access/users/x@nowhere/tfa", None, "").await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(reply.message(), "auth domain 'nowhere' does not exist\n");
    // Another user's TFA needs User.Modify or Sys.Audit on the groups.
    let token = h.token_user("other").await;
    let reply = h
        .send("GET", "/access/users/ci@pve/tfa", Some(&token), "")
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn ticket_privilege_check_returns_cap() {
    let h = harness().await;
    h.root("POST", "/access/users", "userid=ci@pve&password=longenough")
        .await;
    h.grant("/vms", "PVEVMUser", "ci").await;
    let reply = h
        .send(
            "POST",
            "/access/ticket",
            None,
            "username=ci@pve&password=longenough&path=%2Fvms%2F100&privs=VM.Console",
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let data = reply.data();
    assert_eq!(data["username"], "ci@pve");
    assert!(data.get("ticket").is_none());
    assert_eq!(data["cap"]["vms"]["VM.Console"], 1, "{data}");
}

#[tokio::test]
async fn realm_sync_of_a_missing_realm_is_a_parameter_error() {
    let h = harness().await;
    let reply = h.send("POST", "/access/domains/nope/sync", None, "").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.body["errors"]["realm"], "Realm does not exist.");
}

#[tokio::test]
async fn nested_pool_path_forms_count_as_unknown_routes() {
    let h = harness().await;
    h.root("POST", "/pools", "poolid=a").await;
    h.root("GET", "/pools/a", "").await;
    let reply = h.send("GET", "/pools/a/b", None, "").await;
    assert_eq!(reply.status, StatusCode::NOT_IMPLEMENTED);
    let stats = h.state.stats.snapshot();
    assert_eq!(stats.count("GET /pools/{poolid}"), 1);
    assert_eq!(stats.count("GET (unknown)"), 1);
}
