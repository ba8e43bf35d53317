//! `POST /access/domains/{realm}/sync` as PVE runs it (`PVE::API2::Domains`
//! `sync`): options are resolved against the realm's `sync-defaults-options`
//! before the worker starts (a missing scope is a 400), then a worker task
//! (`auth-realm-sync`, or `auth-realm-sync-test` for a dry run) reads the
//! directory, updates users and groups under the config lock, and logs
//! each step with PVE's wording.

use std::collections::{BTreeMap, BTreeSet};

use super::error::ApiError;
use crate::directory::Directory;
use crate::model::realm_ops::unreachable_error;
use crate::model::{Group, User, UserConfig};
use crate::server::state::SharedState;

/// The resolved options of one sync.
#[derive(Debug, Clone)]
pub struct SyncOptions {
    scope: String,
    /// Subset of `acl`, `properties`, `entry`.
    remove_vanished: BTreeSet<String>,
    /// As given (`none` when set to nothing), for the log line.
    remove_vanished_text: Option<String>,
    enable_new: bool,
    dry_run: bool,
}

/// A request's parameters: `scope`, `remove-vanished`, `enable-new`, `dry-run`.
#[derive(Debug, Clone, Default)]
pub struct SyncParams {
    /// `scope` parameter.
    pub scope: Option<String>,
    /// `remove-vanished` parameter.
    pub remove_vanished: Option<String>,
    /// `enable-new` parameter.
    pub enable_new: Option<bool>,
    /// `dry-run` parameter.
    pub dry_run: bool,
}

/// `$parse_sync_opts`: parameter, else realm default, else schema default.
fn resolve(params: &SyncParams, defaults: Option<&str>) -> Result<SyncOptions, ApiError> {
    let defaults: BTreeMap<&str, &str> = defaults
        .unwrap_or("")
        .split(',')
        .filter_map(|kv| kv.split_once('='))
        .collect();
    let scope = params
        .scope
        .clone()
        .or_else(|| defaults.get("scope").map(|s| (*s).to_string()))
        .ok_or_else(|| {
            ApiError::param(
                "scope",
                "Not passed as parameter and not defined in realm default sync options.",
            )
        })?;
    let remove_vanished_text = params
        .remove_vanished
        .clone()
        .or_else(|| defaults.get("remove-vanished").map(|s| (*s).to_string()));
    let remove_vanished = remove_vanished_text
        .as_deref()
        .unwrap_or("")
        .split(';')
        .filter(|item| !item.is_empty() && *item != "none")
        .map(str::to_string)
        .collect();
    let enable_new = params
        .enable_new
        .or_else(|| defaults.get("enable-new").map(|v| *v == "1"))
        .unwrap_or(true);
    Ok(SyncOptions {
        scope,
        remove_vanished,
        remove_vanished_text,
        enable_new,
        dry_run: params.dry_run,
    })
}

impl SyncOptions {
    fn users(&self) -> bool {
        self.scope == "users" || self.scope == "both"
    }

    fn groups(&self) -> bool {
        self.scope == "groups" || self.scope == "both"
    }

    fn what(&self) -> &str {
        if self.scope == "both" {
            "users and groups"
        } else {
            &self.scope
        }
    }
}

/// Resolves the options and starts the worker; returns the task's UPID.
pub fn start(
    state: &SharedState,
    realm: &str,
    sync_defaults: Option<&str>,
    params: &SyncParams,
    authid: &str,
) -> Result<String, ApiError> {
    let options = resolve(params, sync_defaults)?;
    let kind = if options.dry_run {
        "auth-realm-sync-test"
    } else {
        "auth-realm-sync"
    };
    let upid = state
        .tasks
        .start(&state.local_node_name(), kind, realm, authid);
    let worker_state = SharedState::clone(state);
    let worker_upid = upid.clone();
    let realm = realm.to_string();
    // The worker runs on the node that started it (its writes need quorum).
    tokio::spawn(crate::cluster::on_serving_node(async move {
        let result = run(&worker_state, &worker_upid, &realm, &options).await;
        worker_state.tasks.finish(&worker_upid, result);
    }));
    Ok(upid)
}

async fn run(
    state: &SharedState,
    upid: &str,
    realm: &str,
    options: &SyncOptions,
) -> Result<(), String> {
    let log = |line: String| state.tasks.log(upid, line);
    let prefix = if options.dry_run {
        "(dry test run) "
    } else {
        ""
    };
    log(format!("{prefix}starting sync for realm {realm}"));
    let server = state
        .read()
        .domains
        .get(realm)
        .and_then(|r| r.options.get("server1").cloned())
        .unwrap_or_default();
    // No directory stated for the realm: its server does not answer.
    let directory = state
        .directories
        .get(realm)
        .ok_or_else(|| unreachable_error(&server))?;
    // The bind uses the stored `priv/realm/<realm>.pw` (LDAP.pm
    // `connect_and_bind`): a realm with `bind_dn` and no password fails.
    state.read().check_connection(realm, None, true)?;
    let what = options.what().to_string();
    let apply = |cfg: &mut UserConfig| {
        log(format!("got data from server, updating {what}"));
        if options.users() {
            update_users(cfg, realm, &directory, options, &log);
        }
        if options.groups() {
            update_groups(cfg, realm, &directory, options, &log);
        }
    };
    if options.dry_run {
        let mut copy = state.read().users.clone();
        apply(&mut copy);
        log(String::new());
        log("NOTE: Dry test run, changes were NOT written to the configuration.".to_string());
        return Ok(());
    }
    state
        .write(&format!("syncing {what} failed"), false, |snapshot| {
            let mut users = snapshot.users.clone();
            users.root_implied = false;
            apply(&mut users);
            // PVE writes user.cfg and reads it back: references to removed
            // users and groups disappear from what the next request sees.
            snapshot.users = users.written();
            Ok(())
        })
        .await
        .map_err(|e| e.message().trim_end().to_string())?;
    log(format!("successfully updated {what} configuration"));
    Ok(())
}

fn remove_vanished_note(options: &SyncOptions) -> String {
    options
        .remove_vanished_text
        .as_ref()
        .map(|text| format!(" (remove-vanished opts: {text})"))
        .unwrap_or_default()
}

/// `$update_users`.
fn update_users(
    cfg: &mut UserConfig,
    realm: &str,
    directory: &Directory,
    options: &SyncOptions,
    log: &dyn Fn(String),
) {
    log(format!("syncing users{}", remove_vanished_note(options)));
    let suffix = format!("@{realm}");
    let synced: BTreeMap<String, _> = directory
        .users
        .iter()
        .map(|u| (format!("{}{suffix}", u.uid), u))
        .collect();
    let remove = &options.remove_vanished;
    if remove.contains("entry") {
        log("deleting outdated existing users first".to_string());
    }
    let vanished: Vec<String> = cfg
        .users
        .keys()
        .filter(|id| id.ends_with(&suffix) && !synced.contains_key(*id))
        .cloned()
        .collect();
    for userid in vanished {
        if remove.contains("entry") {
            log(format!("remove user '{userid}'"));
            cfg.users.remove(&userid);
        }
        if remove.contains("acl") {
            log(format!("purge users '{userid}' ACL entries"));
            for node in cfg.acl.values_mut() {
                node.users.remove(&userid);
            }
        }
    }
    for (userid, entry) in &synced {
        let old = cfg.users.get(userid).cloned();
        if remove.contains("properties") || old.is_none() {
            log(match old {
                Some(_) => format!("overwriting user '{userid}'"),
                None => format!("adding user '{userid}'"),
            });
            let mut user = User::new(old.as_ref().map_or(options.enable_new, |o| o.enable));
            user.email.clone_from(&entry.email);
            user.firstname.clone_from(&entry.firstname);
            user.lastname.clone_from(&entry.lastname);
            if let Some(old) = old {
                user.tokens = old.tokens;
            }
            cfg.users.insert(userid.clone(), user);
        } else if let Some(user) = cfg.users.get_mut(userid) {
            for (field, value) in [
                (&mut user.email, &entry.email),
                (&mut user.firstname, &entry.firstname),
                (&mut user.lastname, &entry.lastname),
            ] {
                if value.is_some() {
                    field.clone_from(value);
                }
            }
            log(format!("updating user '{userid}'"));
        }
    }
}

/// `$update_groups`: groups are named `<name>-<realm>`.
fn update_groups(
    cfg: &mut UserConfig,
    realm: &str,
    directory: &Directory,
    options: &SyncOptions,
    log: &dyn Fn(String),
) {
    log(format!("syncing groups{}", remove_vanished_note(options)));
    let suffix = format!("-{realm}");
    let synced: BTreeMap<String, BTreeSet<String>> = directory
        .groups
        .iter()
        .map(|g| {
            let members = g
                .members
                .iter()
                .map(|uid| format!("{uid}@{realm}"))
                .filter(|userid| cfg.users.contains_key(userid))
                .collect();
            (format!("{}{suffix}", g.name), members)
        })
        .collect();
    let remove = &options.remove_vanished;
    if remove.contains("entry") {
        log("deleting outdated existing groups first".to_string());
    }
    let vanished: Vec<String> = cfg
        .groups
        .keys()
        .filter(|id| id.ends_with(&suffix) && !synced.contains_key(*id))
        .cloned()
        .collect();
    for groupid in vanished {
        if remove.contains("entry") {
            log(format!("remove group '{groupid}'"));
            cfg.groups.remove(&groupid);
        }
        if remove.contains("acl") {
            log(format!("purge groups '{groupid}' ACL entries"));
            for node in cfg.acl.values_mut() {
                node.groups.remove(&groupid);
            }
        }
    }
    for (groupid, members) in synced {
        match cfg.groups.get_mut(&groupid) {
            Some(group) if !remove.contains("properties") => {
                group.members = members;
                log(format!("updating group '{groupid}'"));
            }
            existing => {
                log(if existing.is_some() {
                    format!("overwriting group '{groupid}'")
                } else {
                    format!("adding group '{groupid}'")
                });
                cfg.groups.insert(
                    groupid,
                    Group {
                        comment: None,
                        members,
                    },
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_fall_back_to_realm_defaults() {
        let params = SyncParams::default();
        let err = resolve(&params, None).expect_err("no scope");
        assert_eq!(err.status().as_u16(), 400);
        let opts = resolve(
            &params,
            Some("enable-new=0,remove-vanished=acl;entry,scope=both"),
        )
        .expect("defaults");
        assert_eq!(opts.scope, "both");
        assert!(!opts.enable_new);
        assert_eq!(opts.remove_vanished.len(), 2);
        let given = SyncParams {
            scope: Some("users".into()),
            remove_vanished: Some("none".into()),
            enable_new: Some(true),
            dry_run: true,
        };
        let opts = resolve(&given, Some("scope=both,enable-new=0")).expect("params");
        assert_eq!(opts.scope, "users");
        assert!(opts.enable_new && opts.dry_run && opts.remove_vanished.is_empty());
    }
}
