//! Several endpoints: the failover layer against in-process nodes that are
//! healthy (HTTPS test servers), refuse connections (a closed port), or
//! hang (a TCP listener that accepts and never answers).

#[cfg(test)]
mod support;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::Response;
use axum::http::{HeaderMap, Method};
use axum::routing::{MethodRouter, any, get, post};
use proxmox_client::{Client, ClientBuilder, CreateUser, Error};
use support::{API_TOKEN, TestServer, drop_connection, fast_retries, ok, pve_error, unauthorized};

const NO_QUORUM: &str = "create user failed: cfs-lock 'file-user_cfg' error: no quorum!\n";

/// A port nothing listens on: connecting is refused.
fn closed_port_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("test setup");
    let port = listener.local_addr().expect("test setup").port();
    drop(listener);
    format!("https://127.0.0.1:{port}")
}

/// A node that accepts TCP connections and never sends a byte; counts them.
struct HangingNode {
    url: String,
    accepted: Arc<AtomicUsize>,
}

async fn hanging_node() -> HangingNode {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("test setup");
    let url = format!(
        "https://127.0.0.1:{}",
        listener.local_addr().expect("test setup").port()
    );
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = accepted.clone();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            held.push(socket);
        }
    });
    HangingNode { url, accepted }
}

/// Counts reads and writes per node.
#[derive(Clone, Default)]
struct Counts {
    reads: Arc<AtomicUsize>,
    writes: Arc<AtomicUsize>,
}

impl Counts {
    fn count(&self, method: &Method) {
        if method == Method::GET {
            self.reads.fetch_add(1, Ordering::SeqCst);
        } else {
            self.writes.fetch_add(1, Ordering::SeqCst);
        }
    }
    fn reads(&self) -> usize {
        self.reads.load(Ordering::SeqCst)
    }
    fn writes(&self) -> usize {
        self.writes.load(Ordering::SeqCst)
    }
}

/// A healthy node: lists no users, accepts every create.
fn healthy_app(counts: Counts) -> Router {
    Router::new()
        .route(
            "/api2/json/access/users",
            any(|State(c): State<Counts>, method: Method| async move {
                c.count(&method);
                if method == Method::GET {
                    ok(serde_json::json!([]))
                } else {
                    ok(serde_json::Value::Null)
                }
            }),
        )
        .with_state(counts)
}

/// A GET route that counts each request in the router's [`Counts`] and
/// answers `answer()`.
fn counted_get(answer: fn() -> Response<Body>) -> MethodRouter<Counts> {
    get(move |State(c): State<Counts>| async move {
        c.count(&Method::GET);
        answer()
    })
}

/// A builder over `urls` that trusts the CAs of `servers`, with fast retries
/// and short timeouts (a hanging node costs 300 ms).
fn cluster_builder(urls: &[&str], servers: &[&TestServer]) -> ClientBuilder {
    let mut builder = Client::builder(urls[0])
        .endpoints(urls.iter().copied())
        .api_token(API_TOKEN.parse().expect("test setup"))
        .connect_timeout(Duration::from_millis(300))
        .timeout(Duration::from_secs(5))
        .retry_policy(fast_retries(2));
    for server in servers {
        builder = builder.ca_pem(server.ca_pem.clone());
    }
    builder
}

#[tokio::test]
async fn a_hanging_first_node_costs_one_timeout_for_many_requests() {
    let hang = hanging_node().await;
    let counts = Counts::default();
    let healthy = TestServer::start(healthy_app(counts.clone())).await;
    let client = cluster_builder(&[&hang.url, &healthy.url()], &[&healthy])
        .build()
        .unwrap();
    // A burst of concurrent requests, then sequential ones, from clones.
    let burst: Vec<_> = (0..10)
        .map(|_| {
            let c = client.clone();
            tokio::spawn(async move { c.users().list().await })
        })
        .collect();
    for call in burst {
        call.await.unwrap().unwrap();
    }
    for _ in 0..10 {
        client.clone().users().list().await.unwrap();
    }
    assert_eq!(counts.reads(), 20);
    assert_eq!(
        hang.accepted.load(Ordering::SeqCst),
        1,
        "one request tests the dead node; the others wait for its verdict and then skip it"
    );
}

#[tokio::test]
async fn a_failed_node_is_tried_again_after_its_rest() {
    let hang = hanging_node().await;
    let healthy = TestServer::start(healthy_app(Counts::default())).await;
    // With no rest at all, every request tests the first node again.
    let client = cluster_builder(&[&hang.url, &healthy.url()], &[&healthy])
        .unhealthy_for(Duration::ZERO)
        .build()
        .unwrap();
    for _ in 0..3 {
        client.users().list().await.unwrap();
    }
    assert_eq!(hang.accepted.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn a_refused_write_moves_to_the_next_node() {
    let counts = Counts::default();
    let healthy = TestServer::start(healthy_app(counts.clone())).await;
    let client = cluster_builder(&[&closed_port_url(), &healthy.url()], &[&healthy])
        .build()
        .unwrap();
    client
        .users()
        .create(&"alice@pve".parse().unwrap(), &CreateUser::default())
        .await
        .unwrap();
    assert_eq!(counts.writes(), 1, "sent once, to the second node");
}

#[tokio::test]
async fn a_write_whose_answer_was_lost_is_not_repeated_on_another_node() {
    let first = Counts::default();
    let dropping = Router::new()
        .route(
            "/api2/json/access/users",
            any(|State(c): State<Counts>, method: Method| async move {
                c.count(&method);
                drop_connection()
            }),
        )
        .with_state(first.clone());
    let dropping = TestServer::start(dropping).await;
    let second = Counts::default();
    let healthy = TestServer::start(healthy_app(second.clone())).await;
    let client = cluster_builder(&[&dropping.url(), &healthy.url()], &[&dropping, &healthy])
        .build()
        .unwrap();
    let err = client
        .users()
        .create(&"alice@pve".parse().unwrap(), &CreateUser::default())
        .await
        .unwrap_err();
    assert!(err.is_outcome_unknown(), "{err:?}");
    assert!(
        err.to_string().contains(&dropping.url()),
        "names the node: {err}"
    );
    assert_eq!((first.writes(), second.writes()), (1, 0));
    // The read-back that follows goes to the healthy node.
    client.users().list().await.unwrap();
    assert_eq!((first.reads(), second.reads()), (0, 1));
}

#[tokio::test]
async fn a_node_without_quorum_serves_reads_and_gets_one_refused_write() {
    let first = Counts::default();
    let no_quorum = Router::new()
        .route(
            "/api2/json/access/users",
            any(|State(c): State<Counts>, method: Method| async move {
                c.count(&method);
                if method == Method::GET {
                    ok(serde_json::json!([]))
                } else {
                    pve_error(500, NO_QUORUM)
                }
            }),
        )
        .with_state(first.clone());
    let no_quorum = TestServer::start(no_quorum).await;
    let second = Counts::default();
    let healthy = TestServer::start(healthy_app(second.clone())).await;
    let client = cluster_builder(&[&no_quorum.url(), &healthy.url()], &[&no_quorum, &healthy])
        .build()
        .unwrap();
    client.users().list().await.unwrap();
    assert_eq!(first.reads(), 1, "reads work without quorum");
    for name in ["alice@pve", "bob@pve"] {
        client
            .users()
            .create(&name.parse().unwrap(), &CreateUser::default())
            .await
            .unwrap();
    }
    assert_eq!(
        (first.writes(), second.writes()),
        (1, 2),
        "the refusal marks the node: the second write goes straight to the next one"
    );
}

#[tokio::test]
async fn all_nodes_down_is_one_error_listing_each() {
    let (a, b) = (closed_port_url(), closed_port_url());
    let hang = hanging_node().await;
    let client = cluster_builder(&[&a, &b, &hang.url], &[])
        .max_retries(0)
        .build()
        .unwrap();
    let err = client.users().list().await.unwrap_err();
    assert!(matches!(err, Error::AllNodesFailed { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("none of the 3 PVE endpoints could serve GET /access/users"));
    for url in [&a, &b, &hang.url] {
        assert!(text.contains(url.as_str()), "{url} missing from: {text}");
    }
    assert!(
        text.contains("timed out") || text.contains("timeout"),
        "{text}"
    );
}

#[tokio::test]
async fn answers_name_the_node_and_do_not_fail_over() {
    let counts = Counts::default();
    let forbidding = Router::new()
        .route(
            "/api2/json/access/users",
            counted_get(|| pve_error(403, "Permission check failed (/access, User.Modify)\n")),
        )
        .with_state(counts.clone());
    let first = TestServer::start(forbidding).await;
    let second_counts = Counts::default();
    let second = TestServer::start(healthy_app(second_counts.clone())).await;
    let client = cluster_builder(&[&first.url(), &second.url()], &[&first, &second])
        .build()
        .unwrap();
    let err = client.users().list().await.unwrap_err();
    assert!(err.is_permission(), "{err:?}");
    assert!(
        err.to_string().contains(&format!("(node {})", first.url())),
        "{err}"
    );
    assert_eq!((counts.reads(), second_counts.reads()), (1, 0));
}

/// pveproxy answers 595 when the node a `/nodes/{name}/…` request names
/// cannot be reached: that node's trouble, not the endpoint's. The error is
/// returned, the endpoint stays in use. The same 595 on a request the
/// endpoint serves itself fails over as before.
#[tokio::test]
async fn a_595_about_a_named_node_does_not_fail_over() {
    const UPID: &str = "UPID:pve3:0000C530:0001E240:67000000:auth-realm-sync:ldap:root@pam:";
    let first = Counts::default();
    let proxying = Router::new()
        .route(
            "/api2/json/nodes/{node}/tasks/{upid}/status",
            counted_get(|| pve_error(595, "No route to host\n")),
        )
        .route(
            "/api2/json/access/users",
            counted_get(|| ok(serde_json::json!([]))),
        )
        .route(
            "/api2/json/access/groups",
            counted_get(|| pve_error(595, "Connection refused\n")),
        )
        .with_state(first.clone());
    let proxying = TestServer::start(proxying).await;
    let second = Counts::default();
    let healthy = TestServer::start(healthy_app(second.clone()).route(
        "/api2/json/access/groups",
        get(|| async { ok(serde_json::json!([])) }),
    ))
    .await;
    let client = cluster_builder(&[&proxying.url(), &healthy.url()], &[&proxying, &healthy])
        .max_retries(0)
        .build()
        .unwrap();
    let err = client.task(UPID).unwrap().status().await.unwrap_err();
    assert_eq!(err.status(), Some(595), "{err:?}");
    assert!(
        err.to_string()
            .contains(&format!("(node {})", proxying.url())),
        "{err}"
    );
    assert_eq!(
        (first.reads(), second.reads()),
        (1, 0),
        "not sent to the next endpoint"
    );
    client.users().list().await.unwrap();
    assert_eq!(
        (first.reads(), second.reads()),
        (2, 0),
        "the endpoint was not marked unhealthy"
    );
    // 595 for a request the endpoint serves itself: the endpoint's failure.
    client.groups().list().await.unwrap();
    assert_eq!(first.reads(), 3);
    client.users().list().await.unwrap();
    assert_eq!(
        (first.reads(), second.reads()),
        (3, 1),
        "now marked: the next request skips it"
    );
}

/// Two nodes sharing one ticket issuer (a cluster-wide auth key): the first
/// answers 502 to reads while `first_down` is set.
#[tokio::test]
async fn one_login_serves_every_node() {
    let logins = Arc::new(AtomicUsize::new(0));
    let first_down = Arc::new(AtomicBool::new(false));
    let node = |refuses: Option<Arc<AtomicBool>>| {
        Router::new()
            .route(
                "/api2/json/access/ticket",
                post(
                    |State(l): State<Arc<AtomicUsize>>, body: Bytes| async move {
                        let form: HashMap<String, String> =
                            serde_urlencoded::from_bytes(&body).unwrap();
                        assert_eq!(form["password"], "pw-123456");
                        l.fetch_add(1, Ordering::SeqCst);
                        ok(serde_json::json!({
                            "username": "root@pam",
                            "ticket": "PVE:root@pam:67000001::SIG",
                            "CSRFPreventionToken": "CSRF",
                        }))
                    },
                ),
            )
            .route(
                "/api2/json/access/users",
                get(move |headers: HeaderMap| {
                    let refuses = refuses.clone();
                    async move {
                        if refuses.is_some_and(|r| r.load(Ordering::SeqCst)) {
                            return pve_error(502, "Bad Gateway\n");
                        }
                        match headers.get("cookie").and_then(|v| v.to_str().ok()) {
                            Some("PVEAuthCookie=PVE:root@pam:67000001::SIG") => {
                                ok(serde_json::json!([]))
                            }
                            _ => unauthorized("No ticket"),
                        }
                    }
                }),
            )
            .with_state(logins.clone())
    };
    let first = TestServer::start(node(Some(first_down.clone()))).await;
    let second = TestServer::start(node(None)).await;
    let client = Client::builder(first.url())
        .endpoints([first.url(), second.url()])
        .password("root@pam".parse().unwrap(), "pw-123456")
        .fingerprints([&first.fingerprint, &second.fingerprint])
        .max_retries(0)
        .build()
        .unwrap();
    client.users().list().await.unwrap();
    first_down.store(true, Ordering::SeqCst);
    client.users().list().await.unwrap();
    assert_eq!(
        logins.load(Ordering::SeqCst),
        1,
        "the ticket from the first node works on the second"
    );
}

#[tokio::test]
async fn pins_are_per_endpoint() {
    let first = TestServer::start(healthy_app(Counts::default())).await;
    let second_counts = Counts::default();
    let second = TestServer::start(healthy_app(second_counts.clone())).await;
    let urls = [first.url(), second.url()];
    let err = Client::builder(&urls[0])
        .endpoints(urls.clone())
        .fingerprint(&first.fingerprint)
        .build()
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("2 endpoints but 1 certificate fingerprints"),
        "{err}"
    );
    // The first pin is wrong: its node is refused at the TLS handshake
    // (nothing sent), and the request moves on to the second node.
    let client = Client::builder(&urls[0])
        .endpoints(urls.clone())
        .api_token(API_TOKEN.parse().unwrap())
        .fingerprints([&second.fingerprint, &second.fingerprint])
        .build()
        .unwrap();
    client.users().list().await.unwrap();
    assert_eq!(second_counts.reads(), 1);
    let err = Client::builder(&urls[0])
        .endpoints([&urls[0], &urls[0]])
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("listed twice"), "{err}");
}
