//! `/access/acl` and `GET /access/permissions`.

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use serde_json::{Map, Value, json};

use super::ApiResult;
use super::call::Call;
use super::error::{ApiError, ok};
use crate::model::AclUpdate;
use crate::model::ids::split_list;
use crate::model::perm;
use crate::server::state::SharedState;

async fn list(State(state): State<SharedState>, call: Call) -> ApiResult {
    let snapshot = state.read();
    let cfg = &snapshot.users;
    let authid = call.authid();
    let audit = perm::check(cfg, authid, "/access", &["Sys.Audit"], false);
    let out: Vec<Value> = cfg
        .acl_entries()
        .into_iter()
        .filter(|e| audit || perm::check_perm_modify(cfg, authid, Some(&e.path)).is_ok())
        .map(|e| {
            json!({
                "path": e.path,
                "propagate": u8::from(e.propagate),
                "roleid": e.roleid,
                "type": e.kind.as_str(),
                "ugid": e.ugid,
            })
        })
        .collect();
    Ok(ok(Value::Array(out)))
}

fn list_param(call: &Call, name: &str) -> Vec<String> {
    call.params
        .str(name)
        .map(|v| split_list(&v))
        .unwrap_or_default()
}

async fn update(State(state): State<SharedState>, call: Call) -> ApiResult {
    let update = AclUpdate {
        path: call.required("path"),
        roles: list_param(&call, "roles"),
        users: list_param(&call, "users"),
        groups: list_param(&call, "groups"),
        tokens: list_param(&call, "tokens"),
        propagate: call.params.bool("propagate"),
        delete: call.params.bool("delete").unwrap_or(false),
    };
    let authid = call.authid().to_string();
    state
        .write("ACL update failed", call.faults.lock_timeout, |snap| {
            snap.users.update_acl(&authid, &update)
        })
        .await?;
    Ok(ok(Value::Null))
}

async fn permissions(State(state): State<SharedState>, call: Call) -> ApiResult {
    let snapshot = state.read();
    let cfg = &snapshot.users;
    let caller = call
        .caller
        .clone()
        .ok_or_else(|| ApiError::forbidden(None))?;
    let target = call
        .params
        .str("userid")
        .unwrap_or_else(|| caller.authid.clone());
    if target != caller.authid {
        // §4.7: a user may query its own tokens; anything else needs Sys.Audit.
        let own_token = !caller.via_token
            && target
                .split_once('!')
                .is_some_and(|(user, _)| user == caller.authid);
        if !own_token {
            perm::require(cfg, &caller.authid, "/access", &["Sys.Audit"], false)?;
        }
    }
    // PVE tests the parameter for Perl truthiness (`if (my $path = …)`):
    // an empty path or "0" answers the whole list, like no path at all.
    let path = call
        .params
        .str("path")
        .filter(|p| !p.is_empty() && p != "0");
    let result = perm::effective_permissions(cfg, &target, path.as_deref());
    let out: Map<String, Value> = result
        .into_iter()
        .map(|(p, privs)| {
            let inner: Map<String, Value> = privs
                .into_iter()
                .map(|(k, v)| (k, json!(u8::from(v))))
                .collect();
            (p, Value::Object(inner))
        })
        .collect();
    Ok(ok(Value::Object(out)))
}

/// Routes of this family.
pub fn router() -> Router<SharedState> {
    Router::new()
        .route("/access/acl", get(list).put(update))
        .route("/access/permissions", get(permissions))
}
