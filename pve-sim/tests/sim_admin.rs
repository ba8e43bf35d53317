//! The `/_sim` admin API's single gate: every route answers 401 to a
//! caller that is not root@pam, 403 to a client that is not on loopback,
//! and reaches its handler for root or with `--open-sim-admin`.

#[cfg(test)]
mod common;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::{Body, to_bytes};
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use common::harness;
use pve_sim::server::state::SharedState;
use pve_sim::{SimOptions, sim::build_state};
use serde_json::Value;
use tower::ServiceExt as _;

/// Every `/_sim` endpoint with a body its handler accepts. The last test
/// checks that each one is routed, so this list cannot name a path that
/// does not exist; a route missing from it is still behind the gate (see
/// the unit test in `server/admin.rs`).
const ROUTES: &[(&str, &str, &str)] = &[
    ("GET", "/_sim/faults", ""),
    ("POST", "/_sim/faults", r#"{"error_rate": 0}"#),
    ("GET", "/_sim/stats", ""),
    ("POST", "/_sim/stats/reset", ""),
    ("GET", "/_sim/cluster/nodes", ""),
    ("POST", "/_sim/cluster/nodes/pve", r#"{"state": "up"}"#),
    (
        "POST",
        "/_sim/guests",
        r#"{"vmid": 4242, "type": "lxc", "node": "pve"}"#,
    ),
    ("DELETE", "/_sim/guests/4242", ""),
    ("PUT", "/_sim/directories/corp", r#"{"users": []}"#),
];

const NOT_ROOT: &str = "the /_sim endpoints need root@pam (a ticket with its CSRF token, or an API token of root@pam), or a simulator started with --open-sim-admin";

fn request(method: &str, path: &str, body: &str, token: Option<&str>) -> Request<Body> {
    let mut builder = Request::builder().method(method).uri(path);
    if let Some(token) = token {
        builder = builder.header("authorization", format!("PVEAPIToken={token}"));
    }
    if body.is_empty() {
        builder.body(Body::empty()).expect("request")
    } else {
        builder
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))
            .expect("request")
    }
}

async fn send(state: &SharedState, request: Request<Body>) -> (StatusCode, Value) {
    let app = pve_sim::server::app(Arc::clone(state));
    let response = app.oneshot(request).await.expect("infallible");
    let status = response.status();
    let bytes = to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("body");
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn every_sim_route_refuses_callers_that_are_not_root() {
    let h = harness().await;
    let token = h.token_user("ci").await;
    h.grant("/", "Administrator", "ci").await;
    for &(method, path, body) in ROUTES {
        for who in [None, Some(token.as_str())] {
            let (status, answer) = send(&h.state, request(method, path, body, who)).await;
            assert_eq!(
                status,
                StatusCode::UNAUTHORIZED,
                "{method} {path} as {who:?}"
            );
            assert_eq!(answer["error"], NOT_ROOT, "{method} {path}");
        }
    }
    // Nothing was done: no fault set, no guest added, no directory stated.
    assert_eq!(h.state.faults.get(), Default::default());
    assert!(
        h.state
            .inventory
            .get()
            .guests
            .iter()
            .all(|g| g.vmid != 4242)
    );
    assert!(h.state.directories.get("corp").is_none());
}

#[tokio::test]
async fn every_sim_route_refuses_clients_that_are_not_on_loopback() {
    let dir = tempfile::tempdir().unwrap();
    let options = SimOptions {
        root_password: "root-secret-pw".to_string(),
        open_sim_admin: true,
        ..SimOptions::default()
    };
    let state = build_state(&options, dir.path()).unwrap();
    let remote: SocketAddr = "192.0.2.7:40000".parse().unwrap();
    for &(method, path, body) in ROUTES {
        let mut request = request(method, path, body, None);
        request.extensions_mut().insert(ConnectInfo(remote));
        let (status, answer) = send(&state, request).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path}");
        assert_eq!(
            answer["error"], "the /_sim endpoints only answer loopback clients",
            "{method} {path}"
        );
    }
}

/// Root (through `Harness::send`'s ticket) and `--open-sim-admin` reach
/// every handler: the answer is the handler's own, never the gate's.
#[tokio::test]
async fn every_sim_route_is_routed_and_answers_root_and_the_open_flag() {
    let h = harness().await;
    let dir = tempfile::tempdir().unwrap();
    let open = build_state(
        &SimOptions {
            root_password: "root-secret-pw".to_string(),
            open_sim_admin: true,
            ..SimOptions::default()
        },
        dir.path(),
    )
    .unwrap();
    for &(method, path, body) in ROUTES {
        let reply = h
            .send_body(method, path, None, "application/json", body)
            .await;
        let (open_status, open_answer) = send(&open, request(method, path, body, None)).await;
        for (status, answer) in [(reply.status, reply.body), (open_status, open_answer)] {
            assert!(
                !matches!(
                    status,
                    StatusCode::UNAUTHORIZED
                        | StatusCode::FORBIDDEN
                        | StatusCode::METHOD_NOT_ALLOWED
                ),
                "{method} {path}: {status} {answer}"
            );
            // Unrouted paths answer 404 with an empty body; a handler's
            // 404 (in-process there is no cluster; a guest already gone)
            // says why.
            if status == StatusCode::NOT_FOUND {
                assert!(
                    answer["error"].is_string(),
                    "{method} {path} is not routed: {answer}"
                );
            }
        }
    }
}
