//! The client against an in-process HTTPS server: TLS, auth, encoding, error
//! mapping and the retry layer.

#[cfg(test)]
mod support;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, Method, Response, Uri};
use axum::routing::{any, get, post};
use proxmox_client::{
    AclUpdate, ChangePassword, Client, CreateToken, CreateUser, Error, PoolId, TokenName,
    UpdatePool, UpdateUser, UserId,
};
use support::{TestServer, drop_connection, ok, pve_error, unauthorized};

const LOCK_TIMEOUT: &str =
    "create user failed: cfs-lock 'file-user_cfg' error: got lock request timeout\n";

/// Records every request as (method, path+query, body).
#[derive(Clone, Default)]
struct Recorder {
    hits: Arc<AtomicUsize>,
    requests: Arc<Mutex<Vec<(String, String, String)>>>,
}

impl Recorder {
    fn record(&self, method: &Method, uri: &Uri, body: &Bytes) -> usize {
        self.requests.lock().expect("test helper").push((
            method.to_string(),
            uri.to_string(),
            String::from_utf8_lossy(body).into_owned(),
        ));
        self.hits.fetch_add(1, Ordering::SeqCst) + 1
    }
    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
    fn last(&self) -> (String, String, String) {
        self.requests
            .lock()
            .expect("test helper")
            .last()
            .cloned()
            .expect("test helper")
    }
}

#[tokio::test]
async fn lock_timeout_is_retried_until_success() {
    let rec = Recorder::default();
    let app = Router::new()
        .route(
            "/api2/json/access/users",
            post(
                |State(rec): State<Recorder>, method: Method, uri: Uri, body: Bytes| async move {
                    if rec.record(&method, &uri, &body) <= 2 {
                        pve_error(500, LOCK_TIMEOUT)
                    } else {
                        ok(serde_json::Value::Null)
                    }
                },
            ),
        )
        .with_state(rec.clone());
    let server = TestServer::start(app).await;
    let client = server.token_client();
    let alice: UserId = "alice@pve".parse().unwrap();
    client
        .users()
        .create(&alice, &CreateUser::default())
        .await
        .unwrap();
    assert_eq!(rec.hits(), 3, "two lock timeouts, then success");
}

#[tokio::test]
async fn non_retryable_errors_are_not_retried() {
    let rec = Recorder::default();
    let app = Router::new()
        .route(
            "/api2/json/access/users/{id}",
            any(
                |State(rec): State<Recorder>, method: Method, uri: Uri, body: Bytes| async move {
                    rec.record(&method, &uri, &body);
                    if uri.path().ends_with("ghost@pve") {
                        pve_error(500, "no such user ('ghost@pve')\n")
                    } else {
                        pve_error(500, "something unexpected broke\n")
                    }
                },
            ),
        )
        .with_state(rec.clone());
    let server = TestServer::start(app).await;
    let client = server.token_client();
    let err = client
        .users()
        .get(&"bob@pve".parse().unwrap())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Api(_)), "{err:?}");
    assert_eq!(rec.hits(), 1);
    let err = client
        .users()
        .get(&"ghost@pve".parse().unwrap())
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    assert_eq!(rec.hits(), 2);
}

#[tokio::test]
async fn create_is_not_retried_after_a_dropped_connection_but_reads_are() {
    let rec = Recorder::default();
    let app = Router::new()
        .route(
            "/api2/json/access/users",
            any(
                |State(rec): State<Recorder>, method: Method, uri: Uri, body: Bytes| async move {
                    rec.record(&method, &uri, &body);
                    drop_connection()
                },
            ),
        )
        .with_state(rec.clone());
    let server = TestServer::start(app).await;
    let client = server.token_client();
    let err = client
        .users()
        .create(&"alice@pve".parse().unwrap(), &CreateUser::default())
        .await
        .unwrap_err();
    assert!(err.is_outcome_unknown(), "{err:?}");
    assert!(!err.is_retryable());
    assert_eq!(rec.hits(), 1, "a create must not be repeated blindly");

    let err = client.users().list().await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert_eq!(rec.hits(), 1 + 5, "a GET is retried: 1 attempt + 4 retries");
}

fn version_app() -> Router {
    Router::new().route(
        "/api2/json/version",
        get(|| async {
            ok(serde_json::json!({"version": "9.1.2", "release": "9.1", "repoid": "abcdef12"}))
        }),
    )
}

#[tokio::test]
async fn fingerprint_pin_accepts_right_and_refuses_wrong_certificate() {
    let server = TestServer::start(version_app()).await;
    // Right pin, lower case without colons, and no CA configured at all.
    let pin = server.fingerprint.to_lowercase().replace(':', "");
    let client = Client::builder(server.url())
        .api_token("root@pam!ci=x-secret".parse().unwrap())
        .fingerprint(&pin)
        .build()
        .unwrap();
    assert_eq!(client.version().await.unwrap().version, "9.1.2");

    let wrong = "AB:".repeat(31) + "CD";
    let client = Client::builder(server.url())
        .api_token("root@pam!ci=x-secret".parse().unwrap())
        .fingerprint(&wrong)
        .build()
        .unwrap();
    let err = client.version().await.unwrap_err();
    assert!(matches!(err, Error::Tls { .. }), "{err:?}");
    assert!(err.to_string().contains("fingerprint mismatch"), "{err}");
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn ca_bundle_insecure_and_unknown_ca() {
    let server = TestServer::start(version_app()).await;
    let with_ca = server.builder().build().unwrap();
    assert!(with_ca.version().await.is_ok());

    let no_ca = Client::builder(server.url())
        .max_retries(0)
        .build()
        .unwrap();
    let err = no_ca.version().await.unwrap_err();
    assert!(matches!(err, Error::Tls { .. }), "{err:?}");

    let insecure = Client::builder(server.url())
        .insecure(true)
        .build()
        .unwrap();
    assert!(insecure.version().await.is_ok());

    let tls13 = server
        .builder()
        .min_tls_version(proxmox_client::TlsVersion::Tls13)
        .build()
        .unwrap();
    assert!(tls13.version().await.is_ok());
}

#[tokio::test]
async fn api_token_header_and_401_mapping() {
    let app = Router::new().route(
        "/api2/json/version",
        get(|headers: HeaderMap| async move {
            let auth = headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if auth == "PVEAPIToken=root@pam!ci=good-secret" {
                ok(serde_json::json!({"version": "9.1.2", "release": "9.1", "repoid": "x"}))
            } else {
                unauthorized("Authentication failed!")
            }
        }),
    );
    let server = TestServer::start(app).await;
    let good = server
        .builder()
        .api_token("root@pam!ci=good-secret".parse().unwrap())
        .build()
        .unwrap();
    assert!(good.version().await.is_ok());
    let bad = server
        .builder()
        .api_token("root@pam!ci=bad-secret-value".parse().unwrap())
        .build()
        .unwrap();
    let err = bad.version().await.unwrap_err();
    assert!(err.is_authentication(), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("API token root@pam!ci"), "{text}");
    assert!(text.contains("Authentication failed!"), "{text}");
    assert!(!text.contains("bad-secret-value") && !format!("{err:?}").contains("bad-secret-value"));
}

/// A PVE-like ticket server: `/access/ticket` issues numbered tickets;
/// `/access/users` requires the cookie, and the CSRF token on writes.
#[derive(Clone, Default)]
struct TicketServer {
    logins: Arc<AtomicUsize>,
    login_passwords: Arc<Mutex<Vec<String>>>,
}

fn ticket_app(state: TicketServer) -> Router {
    Router::new()
        .route(
            "/api2/json/access/ticket",
            post(|State(s): State<TicketServer>, body: Bytes| async move {
                let form: HashMap<String, String> =
                    serde_urlencoded::from_bytes(&body).expect("test helper");
                let n = s.logins.fetch_add(1, Ordering::SeqCst) + 1;
                let pw = form["password"].clone();
                s.login_passwords
                    .lock()
                    .expect("test helper")
                    .push(pw.clone());
                if form["username"] != "root@pam"
                    || !(pw == "pw-123456" || pw.starts_with("PVE:root@pam:"))
                {
                    return pve_error(401, "authentication failure\n");
                }
                ok(serde_json::json!({
                    "username": "root@pam",
                    "ticket": format!("PVE:root@pam:6700000{n}::SIG{n}"),
                    "CSRFPreventionToken": format!("CSRF{n}"),
                    "cap": {}
                }))
            }),
        )
        .route(
            "/api2/json/access/users",
            any(|method: Method, headers: HeaderMap| async move {
                let cookie = headers
                    .get("cookie")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                let Some(n) = cookie
                    .strip_prefix("PVEAuthCookie=PVE:root@pam:6700000")
                    .and_then(|r| r.split("::").next())
                else {
                    return unauthorized("No ticket");
                };
                if method != Method::GET {
                    let csrf = headers
                        .get("csrfpreventiontoken")
                        .and_then(|v| v.to_str().ok());
                    if csrf != Some(&format!("CSRF{n}")) {
                        return unauthorized("Permission denied - invalid csrf token");
                    }
                }
                ok(serde_json::json!([]))
            }),
        )
        .with_state(state)
}

#[tokio::test]
async fn password_login_is_shared_by_concurrent_callers_and_sends_csrf() {
    let state = TicketServer::default();
    let server = TestServer::start(ticket_app(state.clone())).await;
    let client = server
        .builder()
        .password("root@pam".parse().unwrap(), "pw-123456")
        .build()
        .unwrap();
    let calls = (0..10).map(|_| {
        let c = client.clone();
        tokio::spawn(async move { c.users().list().await })
    });
    for call in calls {
        call.await.unwrap().unwrap();
    }
    assert_eq!(
        state.logins.load(Ordering::SeqCst),
        1,
        "one login for ten concurrent callers"
    );
    // A write carries the CSRF token (the server answers 401 otherwise).
    client
        .users()
        .create(&"bob@pve".parse().unwrap(), &CreateUser::default())
        .await
        .unwrap();
    let dbg = format!("{client:?}");
    assert!(!dbg.contains("pw-123456"), "{dbg}");
}

#[tokio::test]
async fn tickets_are_renewed_with_the_ticket_itself() {
    let state = TicketServer::default();
    let server = TestServer::start(ticket_app(state.clone())).await;
    let client = server
        .builder()
        .password("root@pam".parse().unwrap(), "pw-123456")
        // Renew on every use, to observe renewal without waiting 1 h 45.
        .ticket_renew_after(std::time::Duration::ZERO)
        .build()
        .unwrap();
    client.users().list().await.unwrap();
    client.users().list().await.unwrap();
    let passwords = state.login_passwords.lock().unwrap().clone();
    assert_eq!(passwords.len(), 2);
    assert_eq!(passwords[0], "pw-123456");
    assert_eq!(
        passwords[1], "PVE:root@pam:67000001::SIG1",
        "renewal uses the old ticket"
    );
}

#[tokio::test]
async fn wrong_password_is_an_authentication_error_without_the_password() {
    let state = TicketServer::default();
    let server = TestServer::start(ticket_app(state.clone())).await;
    let client = server
        .builder()
        .password("root@pam".parse().unwrap(), "wrong-password")
        .build()
        .unwrap();
    let err = client.users().list().await.unwrap_err();
    assert!(err.is_authentication(), "{err:?}");
    assert!(err.to_string().contains("password of root@pam"), "{err}");
    assert!(!format!("{err} {err:?}").contains("wrong-password"));
}

#[tokio::test]
async fn requests_are_encoded_like_pve_expects() {
    let rec = Recorder::default();
    let handler = |State(rec): State<Recorder>, method: Method, uri: Uri, body: Bytes| async move {
        rec.record(&method, &uri, &body);
        let path = uri.path().to_owned();
        if path.contains("/token/") && method == Method::POST {
            ok(serde_json::json!({
                "full-tokenid": "alice@pve!ci",
                "info": {"privsep": "0"},
                "value": "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"
            }))
        } else if path.contains("/token/") && method == Method::PUT {
            ok(serde_json::json!({
                "privsep": 1, "expire": 0,
                "value": "ffffffff-bbbb-4ccc-8ddd-eeeeeeeeeeee", "full-tokenid": "alice@pve!ci"
            }))
        } else if path == "/api2/json/pools" && method == Method::GET {
            ok(serde_json::json!([{"poolid": "a/b", "members": []}]))
        } else {
            ok(serde_json::Value::Null)
        }
    };
    let app = Router::new().fallback(any(handler)).with_state(rec.clone());
    let server = TestServer::start(app).await;
    let client = server.token_client();
    let alice: UserId = "alice@pve".parse().unwrap();

    client
        .users()
        .create(
            &alice,
            &CreateUser {
                password: Some("s3cret-pass".into()),
                enable: Some(false),
                groups: vec!["ops".parse().unwrap(), "dev".parse().unwrap()],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let (m, uri, body) = rec.last();
    assert_eq!(
        (m.as_str(), uri.as_str()),
        ("POST", "/api2/json/access/users")
    );
    assert_eq!(
        body,
        "userid=alice%40pve&password=s3cret-pass&enable=0&groups=ops%2Cdev"
    );

    client
        .users()
        .update(
            &alice,
            &UpdateUser {
                email: Some(String::new()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let (m, uri, body) = rec.last();
    assert_eq!(
        (m.as_str(), uri.as_str(), body.as_str()),
        ("PUT", "/api2/json/access/users/alice@pve", "email=")
    );

    let ci: TokenName = "ci".parse().unwrap();
    let created = client
        .tokens(&alice)
        .create(
            &ci,
            &CreateToken {
                privsep: Some(false),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(rec.last().1, "/api2/json/access/users/alice@pve/token/ci");
    assert_eq!(rec.last().2, "privsep=0");
    assert!(!created.info.privsep);
    assert_eq!(created.api_token().id().as_str(), "alice@pve!ci");

    let regenerated = client.tokens(&alice).regenerate(&ci).await.unwrap();
    assert_eq!(rec.last().2, "regenerate=1");
    assert!(regenerated.secret.expose().starts_with("ffffffff"));

    client
        .acl()
        .revoke(&AclUpdate {
            path: proxmox_client::AclPath::root(),
            roles: vec!["PVEAdmin".parse().unwrap()],
            principals: vec!["alice@pve!ci".parse().unwrap()],
            propagate: None,
        })
        .await
        .unwrap();
    assert_eq!(
        rec.last().2,
        "path=%2F&roles=PVEAdmin&tokens=alice%40pve%21ci&delete=1"
    );

    let pool: PoolId = "a/b".parse().unwrap();
    assert_eq!(client.pools().get(&pool).await.unwrap().poolid, pool);
    assert_eq!(rec.last().1, "/api2/json/pools?poolid=a%2Fb");
    client
        .pools()
        .update(
            &pool,
            &UpdatePool {
                vms: vec![100],
                allow_move: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (rec.last().1.as_str(), rec.last().2.as_str()),
        ("/api2/json/pools", "poolid=a%2Fb&vms=100&allow-move=1")
    );
    client.pools().delete(&pool).await.unwrap();
    assert_eq!(
        (rec.last().0.as_str(), rec.last().1.as_str()),
        ("DELETE", "/api2/json/pools?poolid=a%2Fb")
    );

    client
        .users()
        .change_password(
            &alice,
            &ChangePassword {
                password: "new-password".into(),
                confirmation_password: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(rec.last().1, "/api2/json/access/password");
}

#[tokio::test]
async fn error_answers_map_to_variants() {
    let app = Router::new().fallback(any(|uri: Uri, Query(q): Query<HashMap<String, String>>| async move {
        let _ = q;
        let resp: Response<Body> = match uri.path() {
            "/api2/json/access/users" => pve_error(403, "Permission check failed (/access, User.Modify)\n"),
            "/api2/json/access/roles" => support::json(
                axum::http::StatusCode::BAD_REQUEST,
                Some("Parameter verification failed.".into()),
                serde_json::json!({"data": null, "errors": {"privs": "invalid format - invalid privilege 'Foo.Bar'\n"}, "message": "Parameter verification failed.\n"}),
            ),
            "/api2/json/access/users/alice@pve/token/ci" => support::json(
                axum::http::StatusCode::BAD_REQUEST,
                None,
                serde_json::json!({"data": null, "errors": {"tokenid": "Token already exists."}}),
            ),
            "/api2/json/access/groups" => pve_error(500, "create group failed: group 'ops' already exists\n"),
            _ => pve_error(503, "Service Unavailable"),
        };
        resp
    }));
    let server = TestServer::start(app).await;
    let client = server
        .builder()
        .api_token("root@pam!ci=x".parse().unwrap())
        .max_retries(0)
        .build()
        .unwrap();
    let e = client.users().list().await.unwrap_err();
    assert!(e.is_permission());
    assert_eq!(
        e.api_error().unwrap().message,
        "Permission check failed (/access, User.Modify)"
    );
    let e = client
        .roles()
        .create(
            &"R".parse().unwrap(),
            &proxmox_client::CreateRole {
                privs: vec!["Foo.Bar".into()],
            },
        )
        .await
        .unwrap_err();
    let Error::Parameter(api) = &e else {
        panic!("{e:?}")
    };
    assert!(api.errors["privs"].contains("invalid privilege"));
    let e = client
        .tokens(&"alice@pve".parse().unwrap())
        .create(&"ci".parse().unwrap(), &CreateToken::default())
        .await
        .unwrap_err();
    assert!(e.is_conflict(), "{e:?}");
    let e = client
        .groups()
        .create(&"ops".parse().unwrap(), &Default::default())
        .await
        .unwrap_err();
    assert!(e.is_conflict(), "{e:?}");
    let e = client.version().await.unwrap_err();
    assert!(
        e.is_retryable() && matches!(e, Error::Unavailable(_)),
        "{e:?}"
    );
}

/// PVE never redirects: a redirect is an error, never followed (that would
/// re-send the credentials, and on 307/308 the login body, elsewhere).
#[tokio::test]
async fn redirects_are_not_followed() {
    let rec = Recorder::default();
    let app = Router::new()
        .route(
            "/api2/json/access/ticket",
            post(|| async {
                Response::builder()
                    .status(307)
                    .header("location", "/elsewhere")
                    .body(Body::empty())
                    .unwrap()
            }),
        )
        .route(
            "/api2/json/version",
            get(|| async {
                Response::builder()
                    .status(302)
                    .header("location", "/elsewhere")
                    .body(Body::empty())
                    .unwrap()
            }),
        )
        .route(
            "/elsewhere",
            any(
                |State(rec): State<Recorder>, method: Method, uri: Uri, body: Bytes| async move {
                    rec.record(&method, &uri, &body);
                    ok(serde_json::json!({"version": "9.0"}))
                },
            ),
        )
        .with_state(rec.clone());
    let server = TestServer::start(app).await;
    let token = server.token_client();
    let e = token.version().await.unwrap_err();
    assert_eq!(e.status(), Some(302), "{e:?}");
    let password = server
        .builder()
        .password("root@pam".parse().unwrap(), "hunter2-password")
        .max_retries(0)
        .build()
        .unwrap();
    assert!(password.version().await.is_err());
    assert_eq!(rec.hits(), 0, "a redirect was followed");
}

/// A 502/503/504 comes from a proxy, not from PVE: on a create (not
/// repeatable) PVE may have committed before the gateway gave up, so the
/// outcome is unknown and the create is not retried; a read is retried.
#[tokio::test]
async fn gateway_errors_make_a_create_outcome_unknown_and_are_retried_on_reads() {
    let rec = Recorder::default();
    let app = Router::new()
        .fallback(any(
            |State(rec): State<Recorder>, method: Method, uri: Uri, body: Bytes| async move {
                rec.record(&method, &uri, &body);
                pve_error(504, "Gateway Time-out")
            },
        ))
        .with_state(rec.clone());
    let server = TestServer::start(app).await;
    let client = server
        .builder()
        .api_token("root@pam!ci=x".parse().unwrap())
        .max_retries(2)
        .retry_delays(
            std::time::Duration::from_millis(1),
            std::time::Duration::from_millis(2),
        )
        .build()
        .unwrap();
    for status_source in ["create user", "create token"] {
        let before = rec.hits();
        let e = if status_source == "create user" {
            client
                .users()
                .create(&"alice@pve".parse().unwrap(), &CreateUser::default())
                .await
                .unwrap_err()
        } else {
            client
                .tokens(&"alice@pve".parse().unwrap())
                .create(&"ci".parse().unwrap(), &CreateToken::default())
                .await
                .map(|_| ())
                .unwrap_err()
        };
        assert!(e.is_outcome_unknown(), "{status_source}: {e:?}");
        assert!(e.to_string().contains("504"), "{e}");
        assert_eq!(
            rec.hits() - before,
            1,
            "{status_source} must not be repeated"
        );
    }
    let before = rec.hits();
    let e = client.users().list().await.unwrap_err();
    assert!(matches!(e, Error::Unavailable(_)), "{e:?}");
    assert_eq!(rec.hits() - before, 3, "a read is retried");
}

#[tokio::test]
async fn decoding_tolerates_pve_quirks_end_to_end() {
    let app = Router::new()
        .route(
            "/api2/json/access/users",
            get(|| async {
                ok(serde_json::json!([
                    {"userid": "a@pve", "enable": 1, "expire": 0, "groups": "", "tokens": null, "email": ""},
                    {"userid": "b@pve", "enable": "0", "expire": "0", "groups": "g1,g2",
                     "tokens": [{"tokenid": "t1", "privsep": 1, "expire": 0}], "new-field": [1, 2]}
                ]))
            }),
        )
        .route(
            "/api2/json/access/roles/{id}",
            get(|| async { ok(serde_json::json!({"VM.Audit": 1, "Sys.Audit": 1})) }),
        )
        .route(
            "/api2/json/access/permissions",
            get(|Query(q): Query<HashMap<String, String>>| async move {
                assert_eq!(q.get("userid").map(String::as_str), Some("a@pve!t1"));
                ok(serde_json::json!({"/vms": {"VM.Audit": 1, "VM.PowerMgmt": 0}}))
            }),
        );
    let server = TestServer::start(app).await;
    let client = server.token_client();
    let users = client.users().list().await.unwrap();
    assert!(users[0].groups.is_empty() && users[0].tokens.is_empty() && users[0].email.is_none());
    assert!(!users[1].enable);
    assert_eq!(users[1].groups.len(), 2);
    let role = client.roles().get(&"Mine".parse().unwrap()).await.unwrap();
    assert_eq!(role.privs.len(), 2);
    let perms = client
        .permissions(&proxmox_client::PermissionsQuery {
            userid: Some("a@pve!t1".parse().unwrap()),
            path: None,
        })
        .await
        .unwrap();
    assert!(perms["/vms"]["VM.Audit"]);
    assert!(!perms["/vms"]["VM.PowerMgmt"]);
}
