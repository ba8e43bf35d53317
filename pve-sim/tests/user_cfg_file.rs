//! user.cfg as PVE writes it (issue #14): the writer serialises the hash it
//! changed, and the next request parses the file again. So the file keeps
//! ACL lines of a deleted token or role until the write after, comments
//! keep the spaces they were sent with (the reader trims them), and UTF-8
//! reaches the file and the request path as Perl byte strings.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::http::StatusCode;
use common::{Harness, form_escape, harness};
use serde_json::Value;

fn user_cfg(h: &Harness) -> Vec<u8> {
    std::fs::read(h.dir.path().join("user.cfg")).unwrap()
}

fn user_cfg_text(h: &Harness) -> String {
    String::from_utf8(user_cfg(h)).expect("user.cfg is UTF-8 here")
}

fn acl_ugids(acl: &Value) -> Vec<String> {
    acl.as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{}:{}",
                e["ugid"].as_str().unwrap(),
                e["roleid"].as_str().unwrap()
            )
        })
        .collect()
}

fn userids(list: &Value) -> Vec<String> {
    let mut ids: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["userid"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn a_deleted_tokens_acl_line_stays_in_the_file_until_the_next_write() {
    let h = harness().await;
    h.root("POST", "/access/users", "userid=ci@pve").await;
    h.root("POST", "/access/users/ci@pve/token/deploy", "")
        .await;
    h.root(
        "PUT",
        "/access/acl",
        "path=/vms&roles=PVEAuditor&tokens=ci@pve!deploy",
    )
    .await;
    h.root("DELETE", "/access/users/ci@pve/token/deploy", "")
        .await;

    // Token.pm's delete removes the token, not its ACL: the writer still
    // has the entry in its hash, the reader drops it.
    let file = user_cfg_text(&h);
    assert!(!file.contains("token:ci@pve!deploy"), "{file}");
    assert!(
        file.contains("acl:1:/vms:ci@pve!deploy:PVEAuditor:\n"),
        "{file}"
    );
    let acl = h.root("GET", "/access/acl", "").await;
    assert!(acl_ugids(&acl).is_empty(), "{acl}");

    // Any later write serialises the parsed file, without the line.
    h.root("POST", "/access/groups", "groupid=ops").await;
    let file = user_cfg_text(&h);
    assert!(!file.contains("ci@pve!deploy"), "{file}");
    assert!(file.contains("group:ops:::\n"), "{file}");

    // A token of the same name created later does not inherit the grant.
    h.root("POST", "/access/users/ci@pve/token/deploy", "")
        .await;
    let acl = h.root("GET", "/access/acl", "").await;
    assert!(acl_ugids(&acl).is_empty(), "{acl}");
}

#[tokio::test]
async fn a_deleted_roles_acl_lines_and_a_deleted_users_token_acls_stay_until_the_next_write() {
    let h = harness().await;
    h.root("POST", "/access/roles", "roleid=Reader&privs=VM.Audit")
        .await;
    h.root("POST", "/access/users", "userid=ann@pve").await;
    h.root("POST", "/access/users/ann@pve/token/tk", "").await;
    h.root(
        "PUT",
        "/access/acl",
        "path=/&roles=Reader&users=ann@pve&tokens=ann@pve!tk",
    )
    .await;
    h.root(
        "PUT",
        "/access/acl",
        "path=/pool&roles=PVEAuditor&users=ann@pve",
    )
    .await;

    // Role.pm: "fixme: delete role from acl?" – the lines stay.
    h.root("DELETE", "/access/roles/Reader", "").await;
    let file = user_cfg_text(&h);
    assert!(!file.contains("role:Reader"), "{file}");
    assert!(
        file.contains("acl:1:/:ann@pve,ann@pve!tk:Reader:\n"),
        "{file}"
    );
    let acl = h.root("GET", "/access/acl", "").await;
    assert_eq!(acl_ugids(&acl), ["ann@pve:PVEAuditor"], "{acl}");

    // User.pm's delete removes the user's own ACLs (delete_user_acl) and
    // the user with its tokens; the tokens' ACL lines stay one write longer.
    h.root(
        "PUT",
        "/access/acl",
        "path=/vms&roles=PVEAuditor&tokens=ann@pve!tk",
    )
    .await;
    let file = user_cfg_text(&h);
    assert!(
        !file.contains("Reader"),
        "the write after dropped it: {file}"
    );
    h.root("DELETE", "/access/users/ann@pve", "").await;
    let file = user_cfg_text(&h);
    assert!(!file.contains("user:ann@pve"), "{file}");
    assert!(!file.contains("acl:1:/pool:"), "{file}");
    assert!(
        file.contains("acl:1:/vms:ann@pve!tk:PVEAuditor:\n"),
        "{file}"
    );
    let acl = h.root("GET", "/access/acl", "").await;
    assert!(acl_ugids(&acl).is_empty(), "{acl}");
}

#[tokio::test]
async fn comments_are_written_as_sent_and_read_back_trimmed() {
    let h = harness().await;
    h.root(
        "POST",
        "/access/groups",
        "groupid=ops&comment=%20%20on%20call%20",
    )
    .await;
    let file = user_cfg_text(&h);
    // encode_text leaves spaces alone; the reader trims each field.
    assert!(file.contains("group:ops::  on call :\n"), "{file}");
    let group = h.root("GET", "/access/groups/ops", "").await;
    assert_eq!(group["comment"], "on call");

    // A comment of spaces only is written, and reads back as none.
    h.root("PUT", "/access/groups/ops", "comment=%20%20").await;
    assert!(user_cfg_text(&h).contains("group:ops::  :\n"));
    let group = h.root("GET", "/access/groups/ops", "").await;
    assert_eq!(group.get("comment"), None, "{group}");

    // `%`, `:`, control characters and non-ASCII are escaped (PVE 9 escapes
    // `%` since pve-common's fix for #5486), so they come back exactly.
    let comment = "50%41: Zürich\tŁódź";
    h.root(
        "POST",
        "/access/users",
        &format!("userid=ann@pve&comment={}", form_escape(comment)),
    )
    .await;
    let file = user_cfg_text(&h);
    assert!(
        file.contains(":50%2541%3A Z%C3%BCrich%09%C5%81%C3%B3d%C5%BA:"),
        "{file}"
    );
    let user = h.root("GET", "/access/users/ann@pve", "").await;
    assert_eq!(user["comment"], comment);
}

#[tokio::test]
async fn a_non_ascii_user_id_is_written_as_perl_prints_it_and_read_back_as_bytes() {
    let h = harness().await;
    // Every character fits in a byte: the file is written in Latin-1.
    h.root(
        "POST",
        "/access/users",
        "userid=j%C3%BCrgen@pve&email=j%C3%BCrgen@example.com",
    )
    .await;
    let file = user_cfg(&h);
    let latin1 = b"user:j\xfcrgen@pve:1:0:::j\xfcrgen@example.com:::\n";
    assert!(
        file.windows(latin1.len()).any(|w| w == latin1),
        "{}",
        String::from_utf8_lossy(&file)
    );
    let list = h.root("GET", "/access/users", "").await;
    assert_eq!(userids(&list), ["jürgen@pve", "root@pam"]);
    // The request path is not decoded: its UTF-8 bytes name another user.
    let reply = h
        .send("GET", "/access/users/j%C3%BCrgen@pve", None, "")
        .await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(reply.message(), "no such user ('jÃ¼rgen@pve')\n");

    // A character wider than a byte makes Perl print the whole file as
    // UTF-8, and every non-ASCII user id now reads back as its bytes.
    h.root("POST", "/access/users", "userid=%C5%82ukasz@pve")
        .await;
    let file = user_cfg_text(&h);
    assert!(
        file.contains("user:jürgen@pve:1:0:::jürgen@example.com:::\n"),
        "{file}"
    );
    assert!(file.contains("user:łukasz@pve:"), "{file}");
    let list = h.root("GET", "/access/users", "").await;
    assert_eq!(
        userids(&list),
        ["jÃ¼rgen@pve", "root@pam", "Å\u{82}ukasz@pve"]
    );
    let user = h.root("GET", "/access/users/j%C3%BCrgen@pve", "").await;
    assert_eq!(user["email"], "jÃ¼rgen@example.com");

    // The next write prints those byte strings back as the same bytes.
    let before = user_cfg(&h);
    h.root("POST", "/access/groups", "groupid=ops").await;
    let after = user_cfg(&h);
    let strip_groups = |bytes: &[u8]| String::from_utf8_lossy(bytes).replace("group:ops:::\n", "");
    assert_eq!(strip_groups(&after), strip_groups(&before));
}

#[tokio::test]
async fn a_dropped_in_file_is_kept_byte_for_byte_until_the_first_write() {
    let dir = tempfile::tempdir().unwrap();
    let hand_written = "# written by hand\nuser:root@pam:1:0::::::\n  user:bob@pve:1:0:::: spaced :: \nacl:1:/:ghost@pve!t:PVEAuditor:\n";
    std::fs::write(dir.path().join("user.cfg"), hand_written).unwrap();
    let options = pve_sim::SimOptions {
        root_password: "root-secret-pw".to_string(),
        ..pve_sim::SimOptions::default()
    };
    let state = pve_sim::sim::build_state(&options, dir.path()).unwrap();
    // Start-up parses the file but does not rewrite it, as pmxcfs does not.
    let on_disk = std::fs::read_to_string(dir.path().join("user.cfg")).unwrap();
    assert_eq!(on_disk, hand_written);
    let snapshot = state.read();
    assert_eq!(
        snapshot.users.users["bob@pve"].comment.as_deref(),
        Some("spaced")
    );
    assert!(snapshot.users.acl.is_empty(), "the token does not exist");
}
