//! `RPCEnvironment::check_api2_permissions` / `exec_api2_perm_check`: run a
//! method's permission tree from the schema against the model's engine.

use serde_json::Value;

use super::auth::Caller;
use super::error::ApiError;
use super::params::Params;
use crate::model::config::UserConfig;
use crate::model::error::ModelError;
use crate::model::ids::verify_userid;
use crate::model::perm::{self, GroupsParam};

/// `PVE::AccessControl::normalize_path` for permission templates.
pub fn normalize_path(path: &str) -> String {
    let parts: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    format!("/{}", parts.join("/"))
}

/// Fill `{name}` placeholders from the parameters.
fn fill_template(template: &str, params: &Params) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        match rest[open..].find('}') {
            Some(close) => {
                let name = &rest[open + 1..open + close];
                out.push_str(&params.str(name).unwrap_or_default());
                rest = &rest[open + close + 1..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    normalize_path(&out)
}

fn strings(value: Option<&Value>) -> Vec<&str> {
    value
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// Named options after the positional ones (`"any", 1`, `"groups_param", "create"`).
fn option<'a>(items: &'a [Value], from: usize, name: &str) -> Option<&'a Value> {
    let rest = items.get(from..)?;
    rest.chunks(2)
        .find(|pair| pair.first().and_then(Value::as_str) == Some(name))
        .and_then(|pair| pair.get(1))
}

fn truthy(value: Option<&Value>) -> bool {
    match value {
        Some(Value::Number(n)) => n.as_i64().is_some_and(|v| v != 0),
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => !s.is_empty() && s != "0",
        _ => false,
    }
}

/// Evaluate one check node. With `noerr`, failures return `Ok(false)`
/// (except userid format errors, which PVE raises regardless).
fn exec(
    cfg: &UserConfig,
    authid: &str,
    check: &[Value],
    params: &Params,
    noerr: bool,
) -> Result<bool, ModelError> {
    let soft = |r: Result<(), ModelError>| -> Result<bool, ModelError> {
        match r {
            Ok(()) => Ok(true),
            Err(_) if noerr => Ok(false),
            Err(e) => Err(e),
        }
    };
    match check.first().and_then(Value::as_str) {
        Some("and") => {
            for sub in &check[1..] {
                let sub = sub.as_array().map(Vec::as_slice).unwrap_or_default();
                if !exec(cfg, authid, sub, params, noerr)? {
                    return Ok(false);
                }
            }
            Ok(true)
        }
        Some("or") => {
            for sub in &check[1..] {
                let sub = sub.as_array().map(Vec::as_slice).unwrap_or_default();
                if exec(cfg, authid, sub, params, true)? {
                    return Ok(true);
                }
            }
            soft(Err(ModelError::forbidden(None)))
        }
        Some("perm") => {
            let template = check.get(1).and_then(Value::as_str).unwrap_or("/");
            let privs = strings(check.get(2));
            let any = truthy(option(check, 3, "any"));
            let path = fill_template(template, params);
            soft(perm::require(cfg, authid, &path, &privs, any))
        }
        Some("perm-modify") => {
            let template = check.get(1).and_then(Value::as_str).unwrap_or("/");
            let path = fill_template(template, params);
            let result = perm::check_perm_modify(cfg, authid, Some(&path)).map_err(|message| {
                let mut e = ModelError::forbidden(None);
                e.message = message;
                e
            });
            soft(result)
        }
        Some("userid-param") => {
            let userid = params.str("userid").unwrap_or_default();
            verify_userid(&userid).map_err(ModelError::internal)?;
            match check.get(1).and_then(Value::as_str) {
                Some("self") => soft(perm::check_userid_self(cfg, authid, &userid)),
                _ => soft(perm::check_userid_realm_allocate(cfg, authid, &userid)),
            }
        }
        Some("userid-group") => {
            let userid = params.str("userid").unwrap_or_default();
            let privs = strings(check.get(1));
            let groups = params.str("groups");
            let mode = match option(check, 2, "groups_param").and_then(Value::as_str) {
                Some("create") => GroupsParam::Create(groups.as_deref()),
                Some("update") => GroupsParam::Update(groups.as_deref()),
                _ => GroupsParam::None,
            };
            soft(perm::check_userid_group(cfg, authid, &userid, &privs, mode))
        }
        other => Err(ModelError::internal(format!(
            "unknown permission test '{}'",
            other.unwrap_or("")
        ))),
    }
}

/// Enforce a method's `permissions` block for `caller` (None =
/// unauthenticated public method).
pub fn check_permissions(
    cfg: &UserConfig,
    caller: Option<&Caller>,
    permissions: Option<&Value>,
    params: &Params,
) -> Result<(), ApiError> {
    let user = permissions
        .and_then(|p| p.get("user"))
        .and_then(Value::as_str);
    if user == Some("world") {
        return Ok(());
    }
    let Some(caller) = caller else {
        return Err(ApiError::forbidden(Some("user != null")));
    };
    if caller.is_root() {
        return Ok(());
    }
    if user == Some("all") {
        return Ok(());
    }
    let Some(check) = permissions
        .and_then(|p| p.get("check"))
        .and_then(Value::as_array)
    else {
        return Err(ApiError::forbidden(Some("user != root@pam")));
    };
    match exec(cfg, &caller.authid, check, params, false) {
        Ok(true) => Ok(()),
        Ok(false) => Err(ApiError::forbidden(None)),
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_fill_normalizes() {
        let mut p = Params::default();
        p.insert("poolid", Value::String("a/b".into()));
        assert_eq!(fill_template("/pool/{poolid}", &p), "/pool/a/b");
        p.insert("path", Value::String("//vms/100/".into()));
        assert_eq!(fill_template("{path}", &p), "/vms/100");
    }
}
