//! A small in-process harness shared by the inventory and realm tests:
//! the router called with `oneshot`, root through a ticket, other callers
//! through API tokens.
#![allow(dead_code)]

use std::sync::Arc;

use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode};
use pve_sim::server::state::SharedState;
use pve_sim::{Inventory, SimOptions, sim::build_state};
use serde_json::Value;
use tower::ServiceExt as _;

const ROOT_PW: &str = "root-secret-pw";

pub struct Harness {
    pub state: SharedState,
    ticket: String,
    csrf: String,
    pub dir: tempfile::TempDir,
}

pub struct Reply {
    pub status: StatusCode,
    pub body: Value,
}

impl Reply {
    pub fn data(&self) -> &Value {
        &self.body["data"]
    }

    pub fn message(&self) -> String {
        self.body["message"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
}

pub async fn harness_with(inventory: Inventory) -> Harness {
    harness_in(tempfile::tempdir().unwrap(), inventory).await
}

/// A simulator started on the files `dir` already holds.
pub async fn harness_in(dir: tempfile::TempDir, inventory: Inventory) -> Harness {
    let options = SimOptions {
        root_password: ROOT_PW.to_string(),
        inventory,
        ..SimOptions::default()
    };
    let state = build_state(&options, dir.path()).unwrap();
    let mut h = Harness {
        state,
        ticket: String::new(),
        csrf: String::new(),
        dir,
    };
    let login = h
        .send(
            "POST",
            "/access/ticket",
            None,
            &format!("username=root@pam&password={ROOT_PW}"),
        )
        .await;
    h.ticket = login.data()["ticket"].as_str().unwrap().to_string();
    h.csrf = login.data()["CSRFPreventionToken"]
        .as_str()
        .unwrap()
        .to_string();
    h
}

pub async fn harness() -> Harness {
    harness_with(Inventory::demo()).await
}

impl Harness {
    /// Stop this simulator and start another one on its state directory,
    /// which reads back the files as they are now.
    pub async fn restart(self) -> Harness {
        harness_in(self.dir, Inventory::demo()).await
    }

    pub async fn send(&self, method: &str, path: &str, token: Option<&str>, form: &str) -> Reply {
        self.send_body(
            method,
            path,
            token,
            "application/x-www-form-urlencoded",
            form,
        )
        .await
    }

    /// As root (ticket), with a JSON body.
    pub async fn send_json(&self, method: &str, path: &str, body: &Value) -> Reply {
        self.send_body(method, path, None, "application/json", &body.to_string())
            .await
    }

    /// Any body with its content type; `token` or else root's ticket.
    pub async fn send_body(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        content_type: &str,
        form: &str,
    ) -> Reply {
        let mut builder = Request::builder()
            .method(method)
            .uri(if path.starts_with("/_sim/") {
                path.to_string()
            } else {
                format!("/api2/json{path}")
            });
        match token {
            Some(token) => {
                builder = builder.header("authorization", format!("PVEAPIToken={token}"))
            }
            None if !self.ticket.is_empty() => {
                builder = builder
                    .header("cookie", format!("PVEAuthCookie={}", self.ticket))
                    .header("csrfpreventiontoken", &self.csrf);
            }
            None => {}
        }
        let body = if form.is_empty() {
            Body::empty()
        } else {
            builder = builder.header("content-type", content_type);
            Body::from(form.to_string())
        };
        let app = pve_sim::server::app(Arc::clone(&self.state));
        let response = app.oneshot(builder.body(body).unwrap()).await.unwrap();
        let status = response.status();
        let bytes = to_bytes(response.into_body(), usize::MAX).await.unwrap();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Reply { status, body }
    }

    /// As root (ticket), expecting success.
    pub async fn root(&self, method: &str, path: &str, form: &str) -> Value {
        let reply = self.send(method, path, None, form).await;
        assert_eq!(
            reply.status,
            StatusCode::OK,
            "{method} {path}: {}",
            reply.body
        );
        reply.data().clone()
    }

    /// A user `who@pve` with a non-separated token; returns `who@pve!t=SECRET`.
    pub async fn token_user(&self, who: &str) -> String {
        self.root("POST", "/access/users", &format!("userid={who}@pve"))
            .await;
        let token = self
            .root(
                "POST",
                &format!("/access/users/{who}@pve/token/tk"),
                "privsep=0",
            )
            .await;
        format!(
            "{}={}",
            token["full-tokenid"].as_str().unwrap(),
            token["value"].as_str().unwrap()
        )
    }

    pub async fn grant(&self, path: &str, role: &str, who: &str) {
        self.root(
            "PUT",
            "/access/acl",
            &format!("path={path}&roles={role}&users={who}@pve"),
        )
        .await;
    }
}

/// `application/x-www-form-urlencoded` escaping of one value: every byte
/// outside the unreserved set as `%XX`.
pub fn form_escape(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
