//! In-process conformance tests: the router is called with `oneshot`, and
//! each test asserts PVE's exact status, reason phrase and body.

use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, to_bytes};
use axum::http::{Request, Response, StatusCode};
use pve_sim::server::state::SharedState;
use pve_sim::{SimOptions, sim::build_state};
use serde_json::{Value, json};
use tower::ServiceExt as _;

const ROOT_PW: &str = "root-secret-pw";

struct Harness {
    state: SharedState,
    _dir: tempfile::TempDir,
}

fn harness() -> Harness {
    harness_with(Duration::from_secs(10))
}

fn harness_with(lock_timeout: Duration) -> Harness {
    let dir = tempfile::tempdir().expect("test helper");
    let options = SimOptions {
        root_password: ROOT_PW.to_string(),
        lock_timeout,
        ..SimOptions::default()
    };
    let state = build_state(&options, dir.path()).expect("test helper");
    Harness { state, _dir: dir }
}

struct Reply {
    status: StatusCode,
    reason: Option<String>,
    headers: axum::http::HeaderMap,
    body: Vec<u8>,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("test helper")
    }
}

async fn into_reply(response: Response<Body>) -> Reply {
    let reason = response
        .extensions()
        .get::<hyper::ext::ReasonPhrase>()
        .map(|r| String::from_utf8_lossy(r.as_bytes()).into_owned());
    let status = response.status();
    let headers = response.headers().clone();
    let body = to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("test helper")
        .to_vec();
    Reply {
        status,
        reason,
        headers,
        body,
    }
}

impl Harness {
    async fn send(&self, request: Request<Body>) -> Reply {
        let app = pve_sim::server::app(Arc::clone(&self.state));
        into_reply(app.oneshot(request).await.unwrap()).await
    }

    async fn call(&self, method: &str, path: &str, auth: Option<&str>, form: &str) -> Reply {
        let mut builder = Request::builder()
            .method(method)
            .uri(format!("/api2/json{path}"));
        if let Some(auth) = auth {
            builder = builder.header("authorization", auth);
        }
        let body = if form.is_empty() {
            Body::empty()
        } else {
            builder = builder.header("content-type", "application/x-www-form-urlencoded");
            Body::from(form.to_string())
        };
        self.send(builder.body(body).expect("test helper")).await
    }

    /// Log in as root and return (ticket, csrf).
    async fn root_ticket(&self) -> (String, String) {
        let reply = self
            .call(
                "POST",
                "/access/ticket",
                None,
                &format!("username=root@pam&password={ROOT_PW}"),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK);
        let data = &reply.json()["data"];
        (
            data["ticket"].as_str().expect("test helper").to_string(),
            data["CSRFPreventionToken"]
                .as_str()
                .expect("test helper")
                .to_string(),
        )
    }

    /// Send as root with ticket + CSRF.
    async fn root(&self, method: &str, path: &str, form: &str) -> Reply {
        let (ticket, csrf) = self.root_ticket().await;
        let mut builder = Request::builder()
            .method(method)
            .uri(format!("/api2/json{path}"))
            .header("cookie", format!("PVEAuthCookie={ticket}"))
            .header("csrfpreventiontoken", csrf);
        let body = if form.is_empty() {
            Body::empty()
        } else {
            builder = builder.header("content-type", "application/x-www-form-urlencoded");
            Body::from(form.to_string())
        };
        self.send(builder.body(body).expect("test helper")).await
    }
}

#[tokio::test]
async fn no_credentials_is_401_no_ticket_with_empty_body() {
    let h = harness();
    let reply = h.call("GET", "/access/users", None, "").await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.reason.as_deref(), Some("No ticket"));
    assert!(reply.body.is_empty());
    assert_eq!(reply.headers["server"], "pve-api-daemon/3.0");
}

#[tokio::test]
async fn bad_token_is_401_authentication_failed_with_empty_body() {
    let h = harness();
    let reply = h
        .call("GET", "/version", Some("PVEAPIToken=root@pam!nope=abc"), "")
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.reason.as_deref(), Some("Authentication failed!"));
    assert!(reply.body.is_empty());
}

#[tokio::test]
async fn unknown_path_is_501() {
    let h = harness();
    let reply = h.root("GET", "/access/foo", "").await;
    assert_eq!(reply.status, StatusCode::NOT_IMPLEMENTED);
    assert_eq!(
        reply.json(),
        json!({"data": null, "message": "Method 'GET /access/foo' not implemented"})
    );
    let reply = h.root("POST", "/version", "").await;
    assert_eq!(reply.status, StatusCode::NOT_IMPLEMENTED);
    assert_eq!(
        reply.json()["message"],
        "Method 'POST /version' not implemented"
    );
}

#[tokio::test]
async fn validation_failure_is_400_envelope_with_field_errors() {
    let h = harness();
    let reply = h
        .root("POST", "/access/users", "userid=bad&enable=true&bogus=1")
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        reply.reason.as_deref(),
        Some("Parameter verification failed.")
    );
    assert_eq!(
        reply.json(),
        json!({
            "data": null,
            "errors": {
                "bogus": "property is not defined in schema and the schema does not allow additional properties",
                "enable": "type check ('boolean') failed - got 'true'",
                "userid": "invalid format - value 'bad' does not look like a valid user name\n",
            },
            "message": "Parameter verification failed.\n",
        })
    );
}

#[tokio::test]
async fn ticket_and_csrf_flow() {
    let h = harness();
    let (ticket, csrf) = h.root_ticket().await;
    assert!(ticket.starts_with("PVE:root@pam:"));
    // GET with the cookie works without CSRF.
    let get = Request::builder()
        .uri("/api2/json/access/users")
        .header("cookie", format!("PVEAuthCookie={ticket}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(h.send(get).await.status, StatusCode::OK);
    // POST without CSRF: 401, empty body.
    let post = Request::builder()
        .method("POST")
        .uri("/api2/json/access/groups")
        .header("cookie", format!("PVEAuthCookie={ticket}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from("groupid=ops"))
        .unwrap();
    let reply = h.send(post).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        reply.reason.as_deref(),
        Some("Permission denied - invalid csrf token")
    );
    assert!(reply.body.is_empty());
    // With CSRF: OK.
    let post = Request::builder()
        .method("POST")
        .uri("/api2/json/access/groups")
        .header("authorization", format!("PVEAuthCookie={ticket}"))
        .header("csrfpreventiontoken", csrf)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from("groupid=ops"))
        .unwrap();
    let reply = h.send(post).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json(), json!({"data": null}));
    // Wrong password: 401 with JSON body.
    let reply = h
        .call(
            "POST",
            "/access/ticket",
            None,
            "username=root@pam&password=wrong",
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        reply.json(),
        json!({"data": null, "message": "authentication failure\n"})
    );
}

async fn create_token(h: &Harness, user: &str, token: &str, form: &str) -> Value {
    let reply = h
        .root("POST", &format!("/access/users/{user}/token/{token}"), form)
        .await;
    assert_eq!(
        reply.status,
        StatusCode::OK,
        "{:?}",
        String::from_utf8_lossy(&reply.body)
    );
    reply.json()["data"].clone()
}

#[tokio::test]
async fn token_create_shape_and_use() {
    let h = harness();
    let reply = h.root("POST", "/access/users", "userid=ci@pve").await;
    assert_eq!(reply.status, StatusCode::OK);
    let data = create_token(&h, "ci@pve", "deploy", "").await;
    assert_eq!(data["full-tokenid"], "ci@pve!deploy");
    assert_eq!(data["info"], json!({"privsep": 1}));
    let secret = data["value"].as_str().unwrap();
    assert!(uuid::Uuid::parse_str(secret).is_ok());
    let data = create_token(&h, "ci@pve", "second", "privsep=0&comment=x").await;
    assert_eq!(data["info"], json!({"comment": "x", "privsep": "0"}));

    // Duplicate: 400 with the tokenid error.
    let reply = h
        .root("POST", "/access/users/ci@pve/token/deploy", "")
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        reply.json()["errors"],
        json!({"tokenid": "Token already exists."})
    );

    // The token authenticates; privsep without ACLs sees only itself-less list.
    let auth = format!("PVEAPIToken=ci@pve!deploy={secret}");
    let reply = h.call("GET", "/version", Some(&auth), "").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json()["data"]["version"], "9.1.5");

    // allowtoken=0: 403 with PVE's text.
    let reply = h
        .call(
            "PUT",
            "/access/password",
            Some(&auth),
            "userid=ci@pve&password=abcdefgh",
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(
        reply.json()["message"],
        "Permission check failed (URI '/access/password' not available with API token, need proper ticket.\n)\n"
    );

    // Permission check wording for a privileged call.
    let reply = h
        .call("POST", "/access/groups", Some(&auth), "groupid=x")
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(
        reply.json(),
        json!({"data": null, "message": "Permission check failed (/access/groups, Group.Allocate)\n"})
    );
    assert_eq!(
        reply.reason.as_deref(),
        Some("Permission check failed (/access/groups, Group.Allocate)")
    );
}

#[tokio::test]
async fn lock_timeout_is_500_cfs_lock_error() {
    let h = harness_with(Duration::from_millis(20));
    let (ticket, csrf) = h.root_ticket().await;
    let guard = h.state.acquire_write_lock().await;
    let request = Request::builder()
        .method("POST")
        .uri("/api2/json/access/groups")
        .header("cookie", format!("PVEAuthCookie={ticket}"))
        .header("csrfpreventiontoken", csrf)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from("groupid=ops"))
        .unwrap();
    let reply = h.send(request).await;
    drop(guard);
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        reply.json(),
        json!({"data": null, "message": "create group failed: cfs-lock 'file-user_cfg' error: got lock request timeout\n"})
    );
    assert_eq!(
        reply.reason.as_deref(),
        Some("create group failed: cfs-lock 'file-user_cfg' error: got lock request timeout")
    );
}

#[tokio::test]
async fn writes_persist_in_pve_format_and_stats_count_routes() {
    let h = harness();
    h.root("POST", "/access/groups", "groupid=ops&comment=Ops")
        .await;
    h.root(
        "POST",
        "/access/users",
        "userid=bob@pve&groups=ops&password=longenough",
    )
    .await;
    let text = std::fs::read_to_string(h.state.state_path().join("user.cfg")).unwrap();
    assert!(text.contains("user:bob@pve:1:0:"), "{text}");
    assert!(text.contains("group:ops:bob@pve:Ops:"), "{text}");
    // bob can log in with the shadow password.
    let reply = h
        .call(
            "POST",
            "/access/ticket",
            None,
            "username=bob&realm=pve&password=longenough",
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json()["data"]["username"], "bob@pve");
    let stats = h.state.stats.snapshot();
    assert_eq!(stats.count("POST /access/users"), 1);
    assert_eq!(stats.count("POST /access/groups"), 1);
}

#[tokio::test]
async fn sim_admin_endpoints_need_root() {
    let h = harness();
    let anonymous = h
        .send(Request::get("/_sim/stats").body(Body::empty()).unwrap())
        .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    let (ticket, _) = h.root_ticket().await;
    let as_root = h
        .send(
            Request::get("/_sim/stats")
                .header("cookie", format!("PVEAuthCookie={ticket}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(as_root.status, StatusCode::OK);
    // A POST with root's ticket also needs its CSRF token, as in the API.
    let no_csrf = h
        .send(
            Request::post("/_sim/stats/reset")
                .header("cookie", format!("PVEAuthCookie={ticket}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(no_csrf.status, StatusCode::UNAUTHORIZED);
}

/// PVE re-reads user.cfg on every request: a comment the file format drops
/// (a literal `0` is false to Perl) is gone on the next read.
#[tokio::test]
async fn the_next_request_sees_what_the_files_hold() {
    let h = harness();
    let created = h
        .root("POST", "/access/groups", "groupid=reread&comment=0")
        .await;
    assert_eq!(created.status, StatusCode::OK);
    let read = h.root("GET", "/access/groups", "").await;
    let group = read.json()["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["groupid"] == "reread")
        .cloned()
        .unwrap();
    assert_ne!(group.get("comment"), Some(&json!("0")), "{group}");
}

/// A malformed JSON body: JSON::XS's `croak` from `extract_params`, caught
/// around `handle_api2_request` and answered by pveproxy's `error()`: 500,
/// the message with Perl's location as reason phrase and as a plain body.
#[tokio::test]
async fn malformed_json_bodies_are_answered_as_pveproxy_answers_them() {
    let h = harness();
    let (ticket, csrf) = h.root_ticket().await;
    let post = |body: &'static str| {
        Request::post("/api2/json/access/users")
            .header("cookie", format!("PVEAuthCookie={ticket}"))
            .header("csrfpreventiontoken", &csrf)
            .header("content-type", "application/json")
            .body(Body::from(body))
            .unwrap()
    };
    let at = " at /usr/share/perl5/PVE/APIServer/AnyEvent.pm line 934.";
    for (body, error) in [
        (
            "userid=x@pve",
            "malformed JSON string, neither tag, array, object, number, string or atom, at character offset 0 (before \"userid=x@pve\")",
        ),
        (
            r#"{"userid": "x@pve"} {"#,
            "garbage after JSON object, at character offset 20 (before \"{\")",
        ),
        (
            r#"{"userid": "x@pve""#,
            ", or } expected while parsing object/hash, at character offset 18 (before \"(end of string)\")",
        ),
    ] {
        let reply = h.send(post(body)).await;
        assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR, "{body}");
        assert_eq!(
            reply.reason.as_deref(),
            Some(format!("{error}{at}").as_str())
        );
        assert_eq!(
            String::from_utf8_lossy(&reply.body),
            format!("{error}{at}\n")
        );
        assert!(reply.headers.get("content-type").is_none(), "{body}");
    }
}

/// A body past `$limit_max_post` (512 KiB): pveproxy's plain 501, whatever
/// the body holds; one at the limit is read and handled as usual.
#[tokio::test]
async fn a_body_over_512_kib_is_refused_as_data_too_large() {
    let h = harness();
    let (ticket, csrf) = h.root_ticket().await;
    let post = |body: String| {
        Request::post("/api2/json/access/groups")
            .header("cookie", format!("PVEAuthCookie={ticket}"))
            .header("csrfpreventiontoken", &csrf)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap()
    };
    let filler = |len: usize| format!("groupid=big&comment={}", "a".repeat(len - 20));
    let over = h.send(post(filler(512 * 1024 + 1))).await;
    assert_eq!(over.status, StatusCode::NOT_IMPLEMENTED);
    assert_eq!(over.reason.as_deref(), Some("for data too large"));
    let under = h.send(post(filler(512 * 1024))).await;
    // A group comment has no length limit in PVE's schema.
    assert_eq!(under.status, StatusCode::OK);
}
