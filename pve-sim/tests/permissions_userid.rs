//! `GET /access/permissions?userid=…` for users and API tokens, as the
//! access audit (`pve_access_audit`) uses it: who may ask about whom, and
//! that the answer is the server's own evaluation (groups, inheritance,
//! the privilege-separated token's intersection with its user).

use std::sync::Arc;

use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode};
use pve_sim::server::state::SharedState;
use pve_sim::{SimOptions, sim::build_state};
use serde_json::{Value, json};
use tower::ServiceExt as _;

const ROOT_PW: &str = "root-secret-pw";

struct Sim {
    state: SharedState,
    _dir: tempfile::TempDir,
}

impl Sim {
    fn start() -> Self {
        let dir = tempfile::tempdir().expect("test helper");
        let options = SimOptions {
            root_password: ROOT_PW.to_string(),
            ..SimOptions::default()
        };
        let state = build_state(&options, dir.path()).expect("test helper");
        Sim { state, _dir: dir }
    }

    async fn send(&self, request: Request<Body>) -> (StatusCode, Value) {
        let app = pve_sim::server::app(Arc::clone(&self.state));
        let response = app.oneshot(request).await.unwrap();
        let status = response.status();
        let body = to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("test helper");
        (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
    }

    async fn root(&self, method: &str, path: &str, form: &str) -> Value {
        let login = Request::builder()
            .method("POST")
            .uri("/api2/json/access/ticket")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(format!("username=root@pam&password={ROOT_PW}")))
            .expect("test helper");
        let (_, answer) = self.send(login).await;
        let data = &answer["data"];
        let request = Request::builder()
            .method(method)
            .uri(format!("/api2/json{path}"))
            .header(
                "cookie",
                format!(
                    "PVEAuthCookie={}",
                    data["ticket"].as_str().expect("test helper")
                ),
            )
            .header(
                "csrfpreventiontoken",
                data["CSRFPreventionToken"].as_str().expect("test helper"),
            )
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(form.to_string()))
            .expect("test helper");
        let (status, answer) = self.send(request).await;
        assert_eq!(status, StatusCode::OK, "{method} {path}: {answer}");
        answer["data"].clone()
    }

    /// A token's `PVEAPIToken=…` header value.
    async fn token(&self, user: &str, name: &str, privsep: bool) -> String {
        let created = self
            .root(
                "POST",
                &format!("/access/users/{user}/token/{name}"),
                &format!("privsep={}", u8::from(privsep)),
            )
            .await;
        format!(
            "PVEAPIToken={}={}",
            created["full-tokenid"].as_str().expect("test helper"),
            created["value"].as_str().expect("test helper")
        )
    }

    async fn permissions(&self, auth: &str, query: &str) -> (StatusCode, Value) {
        let request = Request::builder()
            .uri(format!("/api2/json/access/permissions{query}"))
            .header("authorization", auth)
            .body(Body::empty())
            .expect("test helper");
        self.send(request).await
    }
}

/// alice (no Sys.Audit) with token alice@pve!tk, auditor (PVEAuditor on /)
/// with token auditor@pve!tk, bob in group ops.
async fn fixture() -> (Sim, String, String) {
    let sim = Sim::start();
    sim.root("POST", "/access/groups", "groupid=ops").await;
    for user in ["alice@pve", "auditor@pve"] {
        sim.root("POST", "/access/users", &format!("userid={user}"))
            .await;
    }
    sim.root("POST", "/access/users", "userid=bob@pve&groups=ops")
        .await;
    sim.root(
        "PUT",
        "/access/acl",
        "path=/&roles=PVEAuditor&users=auditor@pve",
    )
    .await;
    sim.root(
        "PUT",
        "/access/acl",
        "path=/vms&roles=PVEVMAdmin&users=alice@pve",
    )
    .await;
    sim.root("PUT", "/access/acl", "path=/vms&roles=PVEVMUser&groups=ops")
        .await;
    let alice = sim.token("alice@pve", "tk", true).await;
    sim.root(
        "PUT",
        "/access/acl",
        "path=/vms/100&roles=Administrator&tokens=alice@pve!tk",
    )
    .await;
    let auditor = sim.token("auditor@pve", "tk", false).await;
    (sim, alice, auditor)
}

#[tokio::test]
async fn another_identity_needs_sys_audit_on_access_except_the_callers_own_token() {
    let (sim, alice_token, auditor_token) = fixture().await;
    // A token may ask about itself, but not about its user or another token.
    let (status, _) = sim.permissions(&alice_token, "?userid=alice@pve!tk").await;
    assert_eq!(status, StatusCode::OK);
    let (status, answer) = sim.permissions(&alice_token, "?userid=alice@pve").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        answer["message"],
        "Permission check failed (/access, Sys.Audit)\n"
    );
    // With Sys.Audit on /access (PVEAuditor on / propagates): anyone.
    for who in ["alice@pve", "alice@pve!tk", "bob@pve", "root@pam"] {
        let (status, _) = sim
            .permissions(&auditor_token, &format!("?userid={who}"))
            .await;
        assert_eq!(status, StatusCode::OK, "{who}");
    }
}

#[tokio::test]
async fn answers_are_the_servers_evaluation_for_users_tokens_and_groups() {
    let (sim, _, auditor) = fixture().await;
    // bob gets PVEVMUser through group ops, on /vms and (propagated) /vms/100.
    let (_, bob) = sim
        .permissions(&auditor, "?userid=bob@pve&path=/vms/100")
        .await;
    let privs = bob["data"]["/vms/100"].as_object().unwrap();
    assert!(privs.contains_key("VM.PowerMgmt"));
    assert!(!privs.contains_key("VM.Allocate"));
    // alice@pve!tk holds Administrator on /vms/100, intersected with alice's
    // PVEVMAdmin: no Sys.Modify, but VM.Allocate.
    let (_, token) = sim.permissions(&auditor, "?userid=alice@pve!tk").await;
    let data = token["data"].as_object().unwrap();
    let on_vm = data["/vms/100"].as_object().unwrap();
    assert!(on_vm.contains_key("VM.Allocate"));
    assert!(!on_vm.contains_key("Sys.Modify"));
    // Without a path: only paths with privileges; the token has none on /vms.
    assert!(!data.contains_key("/vms"));
    assert!(!data.contains_key("/"));
    // root@pam: everything everywhere, propagated.
    let (_, root) = sim
        .permissions(&auditor, "?userid=root@pam&path=/access")
        .await;
    assert_eq!(root["data"]["/access"]["Permissions.Modify"], json!(1));
}

#[tokio::test]
async fn unknown_identities_answer_empty_and_malformed_ones_are_refused() {
    let (sim, _, auditor) = fixture().await;
    for who in ["ghost@pve", "alice@pve!ghost", "ghost@pve!tk"] {
        let (status, answer) = sim.permissions(&auditor, &format!("?userid={who}")).await;
        assert_eq!(status, StatusCode::OK, "{who}");
        assert_eq!(answer["data"], json!({}), "{who}");
        let (_, answer) = sim
            .permissions(&auditor, &format!("?userid={who}&path=/vms"))
            .await;
        assert_eq!(answer["data"], json!({"/vms": {}}), "{who}");
    }
    let (status, answer) = sim.permissions(&auditor, "?userid=alice").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(answer["errors"]["userid"].is_string(), "{answer}");
    // An empty path is Perl-false in PVE: the whole list, not `{"": {}}`.
    let (_, all) = sim.permissions(&auditor, "?userid=bob@pve&path=").await;
    assert!(
        all["data"].as_object().unwrap().contains_key("/vms"),
        "{all}"
    );
}
