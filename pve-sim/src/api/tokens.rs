//! `/access/users/{userid}/token[/{tokenid}]`.

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use serde_json::{Map, Value, json};

use super::ApiResult;
use super::call::Call;
use super::error::ok;
use crate::model::Token;
use crate::model::TokenParams;
use crate::model::ids::split_list;
use crate::server::state::SharedState;

fn info(token: &Token) -> Map<String, Value> {
    let mut out = Map::new();
    if let Some(c) = &token.comment {
        out.insert("comment".into(), json!(c));
    }
    out.insert("expire".into(), json!(token.expire));
    out.insert("privsep".into(), json!(u8::from(token.privsep)));
    out
}

async fn list(State(state): State<SharedState>, call: Call) -> ApiResult {
    let snapshot = state.read();
    let userid = call.required("userid");
    crate::model::perm::check_user_exist(&snapshot.users, &userid)?;
    let tokens: Vec<Value> = snapshot
        .users
        .users
        .get(&userid)
        .map(|u| {
            u.tokens
                .iter()
                .map(|(id, t)| {
                    let mut entry = info(t);
                    entry.insert("tokenid".into(), json!(id));
                    Value::Object(entry)
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(ok(Value::Array(tokens)))
}

async fn read(State(state): State<SharedState>, call: Call) -> ApiResult {
    let snapshot = state.read();
    let token = snapshot
        .users
        .check_token_exist(&call.required("userid"), &call.required("tokenid"))?;
    Ok(ok(Value::Object(info(token))))
}

fn params(call: &Call) -> TokenParams {
    TokenParams {
        privsep: call.params.bool("privsep"),
        expire: call
            .params
            .int("expire")
            .and_then(|v| u64::try_from(v).ok()),
        comment: call.params.str("comment"),
        delete: call
            .params
            .str("delete")
            .map(|d| split_list(&d))
            .unwrap_or_default(),
    }
}

async fn create(State(state): State<SharedState>, call: Call) -> ApiResult {
    let userid = call.required("userid");
    let tokenid = call.required("tokenid");
    let full = format!("{userid}!{tokenid}");
    let p = params(&call);
    let value = state
        .write(
            "generating token failed",
            call.faults.lock_timeout,
            |snap| {
                snap.create_token(&userid, &tokenid, &p)
                    .map(|(_, created)| created.value)
            },
        )
        .await?;
    // §4.3: `info` echoes privsep as sent (integer 1 when omitted), expire
    // only when given, comment only when non-empty.
    let mut info = Map::new();
    if let Some(c) = p.comment.as_ref().filter(|c| !c.is_empty()) {
        info.insert("comment".into(), json!(c));
    }
    if let Some(expire) = call.params.raw("expire") {
        info.insert("expire".into(), expire.clone());
    }
    info.insert(
        "privsep".into(),
        call.params.raw("privsep").cloned().unwrap_or(json!(1)),
    );
    Ok(ok(json!({
        "full-tokenid": full,
        "info": info,
        "value": value,
    })))
}

async fn update(State(state): State<SharedState>, call: Call) -> ApiResult {
    let userid = call.required("userid");
    let tokenid = call.required("tokenid");
    let full = format!("{userid}!{tokenid}");
    let p = params(&call);
    let regenerate = call.params.bool("regenerate").unwrap_or(false);
    let (token, value) = state
        .write(
            "updating token info failed",
            call.faults.lock_timeout,
            |snap| {
                snap.update_token(&userid, &tokenid, &p, regenerate)
                    .map(|(token, created)| (token, created.map(|c| c.value)))
            },
        )
        .await?;
    // `update_token_info` answers `{%$token}`: the token as read from
    // user.cfg (numbers) with the request's `privsep`, `expire` and
    // `comment` put in as they were sent (a form `privsep=0` comes back as
    // the string "0", a JSON `false` as false); an empty comment is gone.
    let mut out = info(&token);
    for name in ["privsep", "expire", "comment"] {
        // (`delete=comment` runs after the comment is set.)
        let kept = name != "comment" || out.contains_key(name);
        if let Some(sent) = call.params.raw(name).filter(|_| kept) {
            out.insert(name.into(), sent.clone());
        }
    }
    if let Some(value) = value {
        out.insert("full-tokenid".into(), json!(full));
        out.insert("value".into(), json!(value));
    }
    Ok(ok(Value::Object(out)))
}

async fn delete(State(state): State<SharedState>, call: Call) -> ApiResult {
    let userid = call.required("userid");
    let tokenid = call.required("tokenid");
    state
        .write("deleting token failed", call.faults.lock_timeout, |snap| {
            snap.delete_token(&userid, &tokenid)
        })
        .await?;
    Ok(ok(Value::Null))
}

/// Routes of this family.
pub fn router() -> Router<SharedState> {
    Router::new()
        .route("/access/users/{userid}/token", get(list))
        .route(
            "/access/users/{userid}/token/{tokenid}",
            get(read).post(create).put(update).delete(delete),
        )
}
