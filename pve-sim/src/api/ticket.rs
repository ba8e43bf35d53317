//! `/access/ticket` (login, renewal, verify mode).

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use serde_json::{Map, Value, json};

use super::ApiResult;
use super::call::Call;
use super::error::{ApiError, ok};
use crate::model::perm::{self, AuthState, auth_state};
use crate::model::{ROOT_USERID, UserConfig};
use crate::server::state::{SharedState, now};

const AUTH_FAILURE: &str = "authentication failure";

fn failure() -> ApiError {
    ApiError::with_status(StatusCode::UNAUTHORIZED, AUTH_FAILURE)
}

/// `compute_api_permission`: per GUI area, the privileges held anywhere
/// relevant. The simulator evaluates the user's effective permissions on
/// all known paths and sorts them into the areas by path and privilege name.
fn capabilities(cfg: &UserConfig, userid: &str) -> Value {
    let areas: [(&str, &[&str]); 7] = [
        ("vms", &["VM.", "Permissions.Modify"]),
        ("access", &["User.", "Group.", "Permissions.Modify"]),
        ("storage", &["Datastore.", "Permissions.Modify"]),
        ("nodes", &["Sys.", "Permissions.Modify"]),
        ("sdn", &["SDN.", "Permissions.Modify"]),
        ("dc", &["Sys.Audit", "Sys.Modify", "SDN."]),
        ("mapping", &["Mapping.", "Permissions.Modify"]),
    ];
    let mut out = Map::new();
    for (area, _) in &areas {
        out.insert((*area).to_string(), Value::Object(Map::new()));
    }
    let effective = perm::effective_permissions(cfg, userid, None);
    for (path, privs) in effective {
        let top = path.trim_start_matches('/').split('/').next().unwrap_or("");
        let targets: Vec<&str> = match top {
            "vms" => vec!["vms"],
            "storage" => vec!["storage"],
            "access" => vec!["access"],
            "nodes" => vec!["nodes"],
            "sdn" => vec!["sdn", "dc"],
            "mapping" => vec!["mapping"],
            "pool" => vec!["vms", "storage"],
            _ => areas.iter().map(|(a, _)| *a).collect(),
        };
        for (area, prefixes) in &areas {
            if !targets.contains(area) {
                continue;
            }
            if let Some(Value::Object(map)) = out.get_mut(*area) {
                for p in privs.keys() {
                    if prefixes.iter().any(|pre| p.starts_with(pre)) {
                        map.insert(p.clone(), json!(1));
                    }
                }
            }
        }
    }
    Value::Object(out)
}

async fn get_ticket(_call: Call) -> ApiResult {
    Ok(ok(Value::Null))
}

async fn create_ticket(State(state): State<SharedState>, call: Call) -> ApiResult {
    let mut username = call.required("username");
    if let Some(realm) = call.params.str("realm")
        && !username.ends_with(&format!("@{realm}"))
    {
        username = format!("{username}@{realm}");
    }
    let password = call.required("password");
    if call.params.has("tfa-challenge") {
        // No TFA is ever configured in the simulator, so no challenge can be valid.
        return Err(failure());
    }
    let snapshot = state.read();
    let cfg = &snapshot.users;
    let now = now();
    let unix = u64::try_from(now).unwrap_or(0);

    let authenticated = if let Some(ticket_user) = state.signer.verify_ticket(&password, now) {
        // Renewal; root@pam may create tickets for other users.
        ticket_user == username || ticket_user == ROOT_USERID
    } else {
        super::users::check_password(&state, &snapshot, &username, &password)
    };
    if !authenticated || auth_state(cfg, &username, unix) != AuthState::Ok {
        tracing::info!("authentication failure; user={username}");
        // pveproxy delays every 401, failed logins included, so guessing
        // costs time and an unknown user looks like a wrong password.
        if !state.auth_failure_delay.is_zero() {
            tokio::time::sleep(state.auth_failure_delay).await;
        }
        return Err(failure());
    }
    if let (Some(path), Some(privs)) = (call.params.str("path"), call.params.str("privs")) {
        let privs = crate::model::ids::split_list(&privs);
        let refs: Vec<&str> = privs.iter().map(String::as_str).collect();
        if !perm::check(cfg, &username, &path, &refs, false) {
            return Err(failure());
        }
        // `create_ticket` adds `cap` to verify_auth's `{username}` as it
        // does for a new ticket (`API2/AccessControl.pm`).
        return Ok(ok(json!({
            "cap": capabilities(cfg, &username),
            "username": username,
        })));
    }
    // OTP without configured TFA is ignored, as PVE does.
    let mut answer = json!({
        "CSRFPreventionToken": state.signer.issue_csrf(&username, now),
        "cap": capabilities(cfg, &username),
        "ticket": state.signer.issue_ticket(&username, now),
        "username": username,
    });
    // A clustered node names its cluster to those with Sys.Audit on `/`.
    if state.inventory.get().nodes.len() > 1
        && perm::check(cfg, &username, "/", &["Sys.Audit"], false)
    {
        answer["clustername"] = json!(crate::cluster::CLUSTER_NAME);
    }
    Ok(ok(answer))
}

/// Routes of this family.
pub fn router() -> Router<SharedState> {
    Router::new().route("/access/ticket", get(get_ticket).post(create_ticket))
}
