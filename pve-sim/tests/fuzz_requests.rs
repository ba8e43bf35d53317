//! A deterministic fuzz pass over request parsing and the handlers: for a
//! fixed seed, thousands of requests built from the schema's own methods and
//! parameter names, with random and mutated values, percent-escapes, JSON and
//! form bodies. Every answer must be one PVE could give (a known status with
//! PVE's envelope, or an empty 401), no handler may panic, and the server
//! must still answer normally afterwards. (The coverage-guided version lives
//! in `fuzz/` for cargo-fuzz users.)

#[cfg(test)]
mod common;

use std::sync::Arc;

use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode};
use common::form_escape;
use pve_sim::api::schema::{MethodSpec, all_methods};
use pve_sim::{SimOptions, sim::build_state};
use serde_json::Value;
use tower::ServiceExt as _;

const ROOT_PW: &str = "fuzz-root-password";
/// Fixed, so a failure reproduces.
const SEED: u64 = 0xf022_5eed_0000_0001;

/// xorshift64*: tiny and deterministic.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// Values that are valid somewhere, invalid elsewhere, or hostile anywhere.
const VALUES: &[&str] = &[
    "",
    "0",
    "1",
    "true",
    "-1",
    "99999999999999999999",
    "1.5",
    "root@pam",
    "alice@pve",
    "alice@pve!ci",
    "a",
    "PVEAdmin",
    "Administrator",
    "NoAccess",
    "VM.Audit,Sys.Audit",
    "Bogus.Priv",
    "/",
    "/vms/100",
    "/pool/a/b",
    "//x//",
    "/access/realm/pve",
    "pve",
    "ldap",
    "%00",
    "%ff%fe",
    "a,b;c d",
    "x@y.z",
    "../../etc/passwd",
    "\u{1F600}",
    "users",
    "both",
    "0000-0000",
    "12345678901234567890123456789012345678901234567890123456789012345",
];

fn random_value(rng: &mut Rng) -> String {
    match rng.below(4) {
        0 => (0..rng.below(12))
            .map(|_| char::from(rng.below(95) as u8 + 32))
            .collect(),
        _ => rng.pick(VALUES).to_string(),
    }
}

#[tokio::test]
async fn random_requests_get_pve_shaped_answers_and_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    let options = SimOptions {
        root_password: ROOT_PW.to_string(),
        ..SimOptions::default()
    };
    let state = build_state(&options, dir.path()).unwrap();
    let app = || pve_sim::server::app(Arc::clone(&state));

    let login = Request::post("/api2/json/access/ticket")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(format!("username=root@pam&password={ROOT_PW}")))
        .unwrap();
    let reply = app().oneshot(login).await.unwrap();
    let body: Value =
        serde_json::from_slice(&to_bytes(reply.into_body(), usize::MAX).await.unwrap()).unwrap();
    let ticket = body["data"]["ticket"].as_str().unwrap().to_string();
    let csrf = body["data"]["CSRFPreventionToken"]
        .as_str()
        .unwrap()
        .to_string();

    let methods = all_methods();
    let mut rng = Rng(SEED);
    let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
    for _ in 0..3_000 {
        let (method, template) = &methods[rng.below(methods.len())];
        let names: Vec<String> = MethodSpec::lookup(method, template)
            .and_then(|spec| spec.parameters())
            .and_then(|p| p.get("properties"))
            .and_then(Value::as_object)
            .map(|props| props.keys().cloned().collect())
            .unwrap_or_default();
        // Fill path placeholders, sometimes with hostile text.
        let path: String = template
            .split('/')
            .map(|segment| {
                if segment.starts_with('{') {
                    form_escape(&random_value(&mut rng))
                } else {
                    segment.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        let mut pairs = Vec::new();
        for _ in 0..rng.below(6) {
            let name = if names.is_empty() || rng.below(5) == 0 {
                random_value(&mut rng)
            } else {
                names[rng.below(names.len())].clone()
            };
            pairs.push((name, random_value(&mut rng)));
        }
        let form = pairs
            .iter()
            .map(|(k, v)| format!("{}={}", form_escape(k), form_escape(v)))
            .collect::<Vec<_>>()
            .join("&");
        let as_json = rng.below(4) == 0;
        let (uri, body, content_type) = if method == "GET" || method == "DELETE" {
            (format!("/api2/json{path}?{form}"), String::new(), None)
        } else if as_json {
            let object: serde_json::Map<String, Value> = pairs
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect();
            (
                format!("/api2/json{path}"),
                Value::Object(object).to_string(),
                Some("application/json"),
            )
        } else {
            (
                format!("/api2/json{path}"),
                form,
                Some("application/x-www-form-urlencoded"),
            )
        };
        let mut request = Request::builder()
            .method(method.as_str())
            .uri(&uri)
            .header("cookie", format!("PVEAuthCookie={ticket}"))
            .header("csrfpreventiontoken", &csrf);
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        let Ok(request) = request.body(Body::from(body)) else {
            continue; // an URI the HTTP layer itself refuses never reaches us
        };
        let reply = app().oneshot(request).await.unwrap();
        let status = reply.status();
        let bytes = to_bytes(reply.into_body(), usize::MAX).await.unwrap();
        *statuses.entry(status.as_u16()).or_default() += 1;
        assert!(
            [200, 400, 401, 403, 404, 500, 501].contains(&status.as_u16()),
            "{method} {uri}: unexpected status {status}"
        );
        if status == StatusCode::UNAUTHORIZED {
            continue;
        }
        let json: Value = serde_json::from_slice(&bytes)
            .unwrap_or_else(|e| panic!("{method} {uri}: body is not JSON ({e})"));
        assert!(
            json.get("data").is_some(),
            "{method} {uri}: no data key: {json}"
        );
        if status != StatusCode::OK {
            assert!(
                json["message"].is_string(),
                "{method} {uri}: no message: {json}"
            );
        }
    }
    // The pass must have reached the handlers, not just the validator.
    assert!(
        statuses.get(&200).copied().unwrap_or(0) > 50,
        "{statuses:?}"
    );
    assert!(
        statuses.get(&400).copied().unwrap_or(0) > 50,
        "{statuses:?}"
    );

    let version = Request::get("/api2/json/version")
        .header("cookie", format!("PVEAuthCookie={ticket}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(
        app().oneshot(version).await.unwrap().status(),
        StatusCode::OK
    );
}
