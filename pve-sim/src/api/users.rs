//! `/access/users[/{userid}]` and `PUT /access/password`.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, put};
use serde_json::{Map, Value, json};

use super::ApiResult;
use super::call::Call;
use super::error::{ApiError, ok};
use crate::model::ids::split_list;
use crate::model::{User, UserConfig, perm};
use crate::model::{UserCreate, UserUpdate};
use crate::server::state::{SharedState, Snapshot};

/// Privileges that make users visible in the list (§4.2).
const LIST_PRIVS: [&str; 2] = ["User.Modify", "Sys.Audit"];

fn realm_of(userid: &str) -> &str {
    userid.rsplit_once('@').map(|(_, r)| r).unwrap_or("")
}

/// The `realm-type` of a userid's realm, if the realm exists.
pub fn realm_type(snapshot: &Snapshot, userid: &str) -> Option<String> {
    let realm = realm_of(userid);
    snapshot.domains.get(realm).map(|r| r.kind.clone())
}

/// `implied`: root@pam without a line in user.cfg (deleted), which PVE's
/// parser adds back with `enable` only.
fn user_fields(user: &User, implied: bool, out: &mut Map<String, Value>) {
    out.insert("enable".into(), json!(u8::from(user.enable)));
    if !implied {
        out.insert("expire".into(), json!(user.expire));
    }
    for (key, value) in [
        ("firstname", &user.firstname),
        ("lastname", &user.lastname),
        ("email", &user.email),
        ("comment", &user.comment),
        ("keys", &user.keys),
    ] {
        if let Some(v) = value {
            out.insert(key.into(), json!(v));
        }
    }
}

fn token_info(token: &crate::model::Token) -> Map<String, Value> {
    let mut info = Map::new();
    if let Some(c) = &token.comment {
        info.insert("comment".into(), json!(c));
    }
    info.insert("expire".into(), json!(token.expire));
    info.insert("privsep".into(), json!(u8::from(token.privsep)));
    info
}

/// Users the caller may list (§4.2 filtering).
fn visible(
    cfg: &UserConfig,
    authid: &str,
    userid: &str,
    all: bool,
    allowed_groups: &[String],
) -> bool {
    all || userid == authid
        || allowed_groups.iter().any(|g| {
            cfg.groups
                .get(g)
                .is_some_and(|gr| gr.members.contains(userid))
        })
}

async fn list(State(state): State<SharedState>, call: Call) -> ApiResult {
    let snapshot = state.read();
    let cfg = &snapshot.users;
    let authid = call.authid();
    let all = perm::check(cfg, authid, "/access/groups", &LIST_PRIVS, true);
    let allowed_groups: Vec<String> = cfg
        .groups
        .keys()
        .filter(|g| {
            perm::check(
                cfg,
                authid,
                &format!("/access/groups/{g}"),
                &LIST_PRIVS,
                true,
            )
        })
        .cloned()
        .collect();
    let enabled = call.params.bool("enabled");
    let full = call.params.bool("full").unwrap_or(false);
    let mut out = Vec::new();
    for (userid, user) in &cfg.users {
        if !visible(cfg, authid, userid, all, &allowed_groups) {
            continue;
        }
        if enabled.is_some_and(|e| e != user.enable) {
            continue;
        }
        let mut entry = Map::new();
        entry.insert("userid".into(), json!(userid));
        let implied = cfg.root_implied && userid == crate::model::ROOT_USERID;
        user_fields(user, implied, &mut entry);
        if let Some(rt) = realm_type(&snapshot, userid) {
            entry.insert("realm-type".into(), json!(rt));
        }
        if full {
            entry.insert("groups".into(), json!(cfg.user_groups(userid).join(",")));
            let tokens: Vec<Value> = user
                .tokens
                .iter()
                .map(|(id, t)| {
                    let mut info = token_info(t);
                    info.insert("tokenid".into(), json!(id));
                    Value::Object(info)
                })
                .collect();
            entry.insert(
                "tokens".into(),
                if tokens.is_empty() {
                    Value::Null
                } else {
                    Value::Array(tokens)
                },
            );
        }
        out.push(Value::Object(entry));
    }
    Ok(ok(Value::Array(out)))
}

async fn read(State(state): State<SharedState>, call: Call) -> ApiResult {
    let snapshot = state.read();
    let cfg = &snapshot.users;
    let userid = call.required("userid");
    let user = cfg
        .users
        .get(&userid)
        .ok_or_else(|| ApiError::internal(format!("no such user ('{userid}')")))?;
    let mut out = Map::new();
    let implied = cfg.root_implied && userid == crate::model::ROOT_USERID;
    user_fields(user, implied, &mut out);
    let mut groups = cfg.user_groups(&userid);
    groups.sort();
    out.insert("groups".into(), json!(groups));
    let tokens: Map<String, Value> = user
        .tokens
        .iter()
        .map(|(id, t)| (id.clone(), Value::Object(token_info(t))))
        .collect();
    out.insert(
        "tokens".into(),
        if tokens.is_empty() {
            Value::Null
        } else {
            Value::Object(tokens)
        },
    );
    Ok(ok(Value::Object(out)))
}

fn expire_param(call: &Call) -> Option<u64> {
    call.params
        .int("expire")
        .and_then(|v| u64::try_from(v).ok())
}

async fn create(State(state): State<SharedState>, call: Call) -> ApiResult {
    let p = &call.params;
    let create = UserCreate {
        userid: call.required("userid"),
        enable: p.bool("enable"),
        expire: expire_param(&call),
        firstname: p.str("firstname"),
        lastname: p.str("lastname"),
        email: p.str("email"),
        comment: p.str("comment"),
        keys: p.str("keys"),
        groups: p.str("groups").map(|g| split_list(&g)),
    };
    let password = p.str("password");
    state
        .write("create user failed", call.faults.lock_timeout, |snap| {
            snap.create_user(&create, password.as_deref())
        })
        .await?;
    Ok(ok(Value::Null))
}

async fn update(State(state): State<SharedState>, call: Call) -> ApiResult {
    let p = &call.params;
    let userid = call.required("userid");
    let update = UserUpdate {
        enable: p.bool("enable"),
        expire: expire_param(&call),
        firstname: p.str("firstname"),
        lastname: p.str("lastname"),
        email: p.str("email"),
        comment: p.str("comment"),
        keys: p.str("keys"),
        groups: p.str("groups").map(|g| split_list(&g)),
        append: p.bool("append").unwrap_or(false),
    };
    state
        .write("update user failed", call.faults.lock_timeout, |snap| {
            snap.users.update_user(&userid, &update)
        })
        .await?;
    Ok(ok(Value::Null))
}

async fn delete(State(state): State<SharedState>, call: Call) -> ApiResult {
    let userid = call.required("userid");
    state
        .write("delete user failed", call.faults.lock_timeout, |snap| {
            snap.delete_user(&userid)
        })
        .await?;
    Ok(ok(Value::Null))
}

/// Check a password for `userid` (root@pam: the configured password; pve
/// realm: shadow.cfg). Other realms cannot authenticate in the simulator.
pub fn check_password(
    state: &SharedState,
    snapshot: &Snapshot,
    userid: &str,
    password: &str,
) -> bool {
    if userid == crate::model::ROOT_USERID {
        return state.check_root_password(password);
    }
    snapshot.verify_password(userid, password)
}

async fn change_password(State(state): State<SharedState>, call: Call) -> ApiResult {
    let userid = call.required("userid");
    let password = call.required("password");
    let caller = call
        .caller
        .clone()
        .ok_or_else(|| ApiError::forbidden(None))?;
    {
        let snapshot = state.read();
        perm::check_user_exist(&snapshot.users, &userid)?;
        if userid == crate::model::ROOT_USERID && !caller.is_root() {
            return Err(ApiError::forbidden(None));
        }
        if !caller.is_root() {
            let Some(confirm) = call.params.str("confirmation-password") else {
                return Err(ApiError::param(
                    "confirmation-password",
                    "password is required to modify user",
                ));
            };
            if !check_password(&state, &snapshot, caller.userid(), &confirm) {
                return Err(ApiError::internal("invalid credentials"));
            }
            if realm_of(&userid) == "pam" && userid != caller.authid {
                return Err(ApiError::forbidden(None));
            }
        }
    }
    if userid == crate::model::ROOT_USERID {
        return Err(ApiError::with_status(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the root@pam password is set on the simulator's command line",
        ));
    }
    state
        .write("change password failed", call.faults.lock_timeout, |snap| {
            snap.set_password(&userid, &password)
        })
        .await?;
    Ok(ok(Value::Null))
}

/// Routes of this family.
pub fn router() -> Router<SharedState> {
    Router::new()
        .route("/access/users", get(list).post(create))
        .route(
            "/access/users/{userid}",
            get(read).put(update).delete(delete),
        )
        .route("/access/password", put(change_password))
}
