//! `/access/domains[/{realm}]` and `POST /access/domains/{realm}/sync`.

use axum::Router;
use axum::extract::State;
use axum::routing::{get, post};
use serde_json::{Map, Value, json};

use super::ApiResult;
use super::call::Call;
use super::error::{ApiError, ok};
use crate::model::ids::split_list;
use std::collections::BTreeMap;

use crate::model::domains::normalize_sync_options;
use crate::model::realm_ops::RealmRequest;
use crate::server::state::SharedState;

/// Options never returned by GET: the LDAP/AD bind password lives in
/// `priv/realm/<realm>.pw`, not in the section (an OpenID `client-key` is
/// stored in domains.cfg and PVE's GET returns it).
const SECRET_OPTIONS: [&str; 1] = ["password"];
/// Parameters that are not stored options.
const NOT_STORED: [&str; 6] = [
    "realm",
    "type",
    "check-connection",
    "delete",
    "digest",
    "password",
];

/// Options stored as JSON numbers when they look like integers (Perl JSON).
fn option_value(value: &str) -> Value {
    match value.parse::<i64>() {
        Ok(n) if n.to_string() == value => json!(n),
        _ => json!(value),
    }
}

async fn list(State(state): State<SharedState>, _call: Call) -> ApiResult {
    let snapshot = state.read();
    let out: Vec<Value> = snapshot
        .domains
        .realms
        .iter()
        .map(|realm| {
            let name = &realm.realm;
            let mut entry = Map::new();
            if let Some(c) = realm.options.get("comment") {
                entry.insert("comment".into(), json!(c));
            }
            if realm.options.get("default").is_some_and(|d| d == "1") {
                entry.insert("default".into(), json!(1));
            }
            entry.insert("realm".into(), json!(name));
            if let Some(tfa) = realm.options.get("tfa") {
                let kind = tfa
                    .split(',')
                    .next()
                    .unwrap_or("")
                    .trim_start_matches("type=");
                entry.insert("tfa".into(), json!(kind));
            }
            entry.insert("type".into(), json!(realm.kind));
            Value::Object(entry)
        })
        .collect();
    Ok(ok(Value::Array(out)))
}

async fn read(State(state): State<SharedState>, call: Call) -> ApiResult {
    let snapshot = state.read();
    let name = call.required("realm");
    let realm = snapshot
        .domains
        .get(&name)
        .ok_or_else(|| ApiError::internal(format!("domain '{name}' does not exist")))?;
    let mut out = Map::new();
    for (k, v) in &realm.options {
        if SECRET_OPTIONS.contains(&k.as_str()) {
            continue;
        }
        if k == "sync-defaults-options" && matches!(realm.kind.as_str(), "ldap" | "ad") {
            // GET maps full/purge too, but keeps them (`API2/Domains.pm`, read).
            out.insert(k.clone(), json!(normalize_sync_options(v, false)));
        } else {
            out.insert(k.clone(), option_value(v));
        }
    }
    out.insert("digest".into(), json!(snapshot.domains.digest()));
    out.insert("type".into(), json!(realm.kind));
    Ok(ok(Value::Object(out)))
}

fn stored_options(call: &Call) -> BTreeMap<String, String> {
    call.params
        .names()
        .into_iter()
        .filter(|n| !NOT_STORED.contains(&n.as_str()))
        .filter_map(|n| call.params.str(&n).map(|v| (n, v)))
        .collect()
}

async fn create(State(state): State<SharedState>, call: Call) -> ApiResult {
    let name = call.required("realm");
    let kind = call.required("type");
    let options = stored_options(&call);
    let password = call.params.str("password");
    let request = RealmRequest {
        options: &options,
        delete: &[],
        password: password.as_deref(),
        check_connection: call.params.bool("check-connection"),
        server_reachable: state.directories.get(&name).is_some(),
    };
    state
        .write_realm("add auth server failed", call.faults.lock_timeout, |snap| {
            snap.create_realm(&name, &kind, request)
        })
        .await?;
    Ok(ok(Value::Null))
}

async fn update(State(state): State<SharedState>, call: Call) -> ApiResult {
    let name = call.required("realm");
    let options = stored_options(&call);
    let delete = call
        .params
        .str("delete")
        .map(|d| split_list(&d))
        .unwrap_or_default();
    let expected = call.params.str("digest");
    let password = call.params.str("password");
    let request = RealmRequest {
        options: &options,
        delete: &delete,
        password: password.as_deref(),
        check_connection: call.params.bool("check-connection"),
        server_reachable: state.directories.get(&name).is_some(),
    };
    state
        .write_realm(
            "update auth server failed",
            call.faults.lock_timeout,
            |snap| {
                // assert_if_modified runs before the existence check.
                if let Some(expected) = &expected
                    && *expected != snap.domains.digest()
                {
                    return Err(crate::model::ModelError::internal(
                        "detected modified configuration - file changed by other user? Try again.",
                    )
                    .in_lock("update auth server failed"));
                }
                snap.update_realm(&name, request)
            },
        )
        .await?;
    Ok(ok(Value::Null))
}

async fn delete(State(state): State<SharedState>, call: Call) -> ApiResult {
    let name = call.required("realm");
    state
        .write(
            "delete auth server failed",
            call.faults.lock_timeout,
            |snap| snap.delete_realm(&name),
        )
        .await?;
    Ok(ok(Value::Null))
}

async fn sync(State(state): State<SharedState>, call: Call) -> ApiResult {
    let name = call.required("realm");
    // `raise_param_exc` in `API2/Domains.pm` sync: a 400 on `realm`.
    let realm = state
        .read()
        .domains
        .get(&name)
        .cloned()
        .ok_or_else(|| ApiError::param("realm", "Realm does not exist."))?;
    let kind = &realm.kind;
    if kind != "ldap" && kind != "ad" {
        return Err(ApiError::internal(format!(
            "Cannot sync realm type '{kind}'! Only LDAP/AD realms can be synced."
        )));
    }
    let params = super::realm_sync::SyncParams {
        scope: call.params.str("scope"),
        remove_vanished: call.params.str("remove-vanished"),
        enable_new: call.params.bool("enable-new"),
        dry_run: call.params.bool("dry-run").unwrap_or(false),
    };
    let defaults = realm
        .options
        .get("sync-defaults-options")
        .map(String::as_str);
    let upid = super::realm_sync::start(&state, &name, defaults, &params, call.authid())?;
    Ok(ok(json!(upid)))
}

/// Routes of this family.
pub fn router() -> Router<SharedState> {
    Router::new()
        .route("/access/domains", get(list).post(create))
        .route(
            "/access/domains/{realm}",
            get(read).put(update).delete(delete),
        )
        .route("/access/domains/{realm}/sync", post(sync))
}
