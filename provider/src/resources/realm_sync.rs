//! `pve_realm_sync`: runs a sync of an LDAP or AD realm when created and
//! again whenever its triggers or options change (each change replaces the
//! resource, and every creation is one sync). It stores the task id PVE
//! returns. Destroying it only forgets the sync: synced users and groups
//! stay, since a sync cannot be undone.

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use proxmox_client::{RealmId, SyncDomain};
use tfplugin::Model;
use tfplugin::diag::{Diagnostic, Diagnostics};
use tfplugin::provider::{ImportRequest, MoveStateRequest, MovedState, Resource, ResourceState};
use tfplugin::schema::Schema;
use tfplugin::value::Value;

use crate::connection::Pve;
use crate::convert;
use crate::resources::moved::BpgState;
use crate::resources::realm::check_realm_id;

const SCOPES: [&str; 3] = ["users", "groups", "both"];
const REMOVE_VANISHED: [&str; 3] = ["acl", "properties", "entry"];

/// The `pve_realm_sync` resource.
#[derive(Debug)]
pub struct RealmSyncResource {
    pve: Pve,
}

impl RealmSyncResource {
    pub fn new(pve: &Pve) -> Self {
        RealmSyncResource { pve: pve.clone() }
    }
}

#[async_trait]
impl Resource for RealmSyncResource {
    fn type_name(&self) -> &str {
        "pve_realm_sync"
    }

    fn schema(&self) -> Schema {
        SyncModel::schema()
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        check_sync_options(config)
    }

    async fn create(&self, planned: &Value, _config: &Value) -> Result<ResourceState, Diagnostics> {
        let model = SyncModel::from_value(planned)?;
        let realm: RealmId = convert::id_attr(planned, SyncModel::REALM, "corp")?;
        let connection = self.pve.connection()?;
        let request = model.options.request();
        let id = realm.clone();
        // A sync is not idempotent to retry blindly, but running it twice
        // is harmless; still, the client does not retry a POST in doubt.
        let task = connection
            .write(|client| async move { client.domains().sync(&id, &request).await })
            .await
            .map_err(|error| sync_failed(&connection, &realm, &error))?;
        Ok(SyncModel {
            task_id: Some(task),
            ..model
        }
        .to_state())
    }

    async fn read(&self, current: &ResourceState) -> Result<Option<ResourceState>, Diagnostics> {
        // A finished sync has nothing to read; the realm it synced may be gone.
        let realm: RealmId = convert::id_attr(&current.state, SyncModel::REALM, "corp")?;
        let connection = self.pve.connection()?;
        match connection.client().domains().get(&realm).await {
            Ok(_) => Ok(Some(SyncModel::from_value(&current.state)?.to_state())),
            Err(error) if error.is_not_found() || error.to_string().contains("does not exist") => {
                Ok(None)
            }
            Err(error) => Err(connection.diagnose(&format!("read realm '{realm}'"), &error)),
        }
    }

    async fn update(
        &self,
        prior: &ResourceState,
        planned: &Value,
        _config: &Value,
    ) -> Result<ResourceState, Diagnostics> {
        // Every input forces replacement, so nothing reaches here but a
        // refresh-only change; keep the recorded task.
        let prior = SyncModel::from_value(&prior.state)?;
        Ok(SyncModel {
            task_id: prior.task_id,
            ..SyncModel::from_value(planned)?
        }
        .to_state())
    }

    async fn delete(&self, _prior: &ResourceState) -> Result<(), Diagnostics> {
        // A sync cannot be undone; forgetting it is all there is to do.
        Ok(())
    }

    async fn import(&self, _request: &ImportRequest) -> Result<Vec<ResourceState>, Diagnostics> {
        Err(Diagnostics::error(
            "pve_realm_sync cannot be imported",
            "A pve_realm_sync records a sync that this configuration ran; there is nothing on the server to import. Add the resource to your configuration and apply: that runs a sync.",
        ))
    }

    async fn move_state(
        &self,
        request: &MoveStateRequest,
    ) -> Result<Option<MovedState>, Diagnostics> {
        crate::resources::moved::from_bpg(request, "pve_realm_sync", &BPG_TYPES, from_bpg)
    }
}

/// Static checks of `realm` and the sync options (values may be unknown).
pub(crate) fn check_sync_options(config: &Value) -> Diagnostics {
    let mut diagnostics = Diagnostics::new();
    convert::check_known_string(config, SyncModel::REALM, &mut diagnostics, check_realm_id);
    convert::check_known_string(config, SyncOptions::SCOPE, &mut diagnostics, |scope| {
        if SCOPES.contains(&scope) {
            Ok(())
        } else {
            Err(format!(
                "`{scope}` is not a scope: use `users`, `groups` or `both`."
            ))
        }
    });
    if let Some(items) = config.get(SyncOptions::REMOVE_VANISHED).elements()
        && let Some(bad) = items
            .iter()
            .filter_map(Value::as_str)
            .find(|item| !REMOVE_VANISHED.contains(item))
    {
        diagnostics.push(convert::invalid(
            SyncOptions::REMOVE_VANISHED,
            format!("`{bad}` is not one of `acl`, `properties`, `entry`. Use an empty set to remove nothing."),
        ));
    }
    diagnostics
}

/// The diagnostics of a refused sync request, with the scope hint PVE's
/// "scope: Not passed as parameter…" calls for.
pub(crate) fn sync_failed(
    connection: &crate::connection::Connection,
    realm: &RealmId,
    error: &proxmox_client::Error,
) -> Diagnostics {
    let mut diagnostics = connection.diagnose(&format!("sync realm '{realm}'"), error);
    if error.to_string().contains("scope") {
        diagnostics.push(
            Diagnostic::error(
                "Sync scope needed",
                "Set `scope` here, or `sync_defaults_scope` on the realm.",
            )
            .at_attribute(SyncOptions::SCOPE),
        );
    }
    diagnostics
}

/// The state of one `pve_realm_sync`: its fields are the resource's
/// attributes; `realm` and the sync options are also the action's.
#[derive(Debug, Clone, PartialEq, Model)]
#[tf(
    description = "Runs a sync of an LDAP or AD realm (`POST /access/domains/{realm}/sync`): users and groups of the directory become PVE users and groups. \
The sync runs when this resource is created, and again whenever `triggers` or any option changes (the resource is replaced; each creation is one sync). \
PVE runs the sync as a background task; `task_id` is its UPID, to follow in the task log. \
Destroying the resource does nothing on the server: synced users and groups stay. Unset options fall back to the realm's `sync_defaults_*`. \
Not importable: it records a sync this configuration ran. \
Which to choose: on Terraform 1.14 or later prefer the `pve_realm_sync` action, which waits for the sync, streams its task log and fails when the sync fails \
(this resource only starts the task); keep this resource for Terraform (or OpenTofu) versions without actions."
)]
struct SyncModel {
    #[tf(
        required,
        requires_replace,
        description = "The LDAP or AD realm to sync, e.g. `pve_realm_ldap.corp.realm` (the reference also orders the sync after the realm)."
    )]
    realm: String,
    #[tf(flatten)]
    options: SyncOptions,
    /// Elements may be null in Terraform's maps; kept as they are.
    #[tf(
        optional,
        requires_replace,
        description = "Arbitrary values; any change runs the sync again, e.g. `{ schedule = \"2025-w14\" }` or the realm's `filter`."
    )]
    triggers: Option<BTreeMap<String, Option<String>>>,
    /// Unknown while planned: the task exists only once the sync ran.
    #[tf(
        computed,
        use_state_for_unknown,
        description = "The UPID of the sync task PVE started."
    )]
    task_id: Option<String>,
}

/// The sync options, shared by the resource ([`SyncModel`] flattens them)
/// and the `pve_realm_sync` action (which flattens them too and drops the
/// plan rules: an action plans nothing).
#[derive(Debug, Clone, PartialEq, Model)]
pub(crate) struct SyncOptions {
    #[tf(
        optional,
        requires_replace,
        description = "What to sync: `users`, `groups` or `both`. Required unless the realm sets `sync_defaults_scope`."
    )]
    scope: Option<String>,
    /// Null (the realm's default) is not the empty set (remove nothing).
    #[tf(
        optional,
        requires_replace,
        description = "What to remove for entries that vanished from the directory: a set of `acl`, `properties`, `entry`; empty means nothing. Unset: the realm's default (PVE's: nothing)."
    )]
    remove_vanished: Option<BTreeSet<String>>,
    #[tf(
        optional,
        requires_replace,
        description = "Enable newly synced users. Unset: the realm's default (PVE's: true)."
    )]
    enable_new: Option<bool>,
    #[tf(
        optional,
        requires_replace,
        description = "Only report what would change (in the task log); change nothing. Default false."
    )]
    dry_run: Option<bool>,
}

impl SyncOptions {
    /// The request PVE's sync call takes.
    pub(crate) fn request(&self) -> SyncDomain {
        SyncDomain {
            scope: self.scope.clone(),
            remove_vanished: self.remove_vanished.as_ref().map(|items| {
                let mut items: Vec<&str> = items.iter().map(String::as_str).collect();
                items.sort_by_key(|item| REMOVE_VANISHED.iter().position(|k| k == item));
                if items.is_empty() {
                    "none".to_string()
                } else {
                    items.join(";")
                }
            }),
            enable_new: self.enable_new,
            dry_run: self.dry_run.unwrap_or(false),
        }
    }
}

/// bpg's realm sync types (framework, schema version 0): the long name and the short one.
const BPG_TYPES: [&str; 2] = [
    "proxmox_virtual_environment_realm_sync",
    "proxmox_realm_sync",
];

/// bpg's realm sync state as `pve_realm_sync` state. bpg's
/// `remove_vanished` string (`acl;entry`, `none`) becomes a set; its
/// deprecated `full` and `purge` have no counterpart here. No task id is
/// known: the move records the last sync bpg ran without running one.
fn from_bpg(bpg: &mut BpgState<'_>) -> Result<ResourceState, Diagnostics> {
    for deprecated in ["full", "purge"] {
        if bpg.bool(deprecated) == Some(true) {
            bpg.refuse(
                deprecated,
                format!("PVE deprecated `{deprecated}` in favour of `remove_vanished`, which pve_realm_sync uses instead. Remove `{deprecated}` from the bpg resource (set `remove_vanished`, e.g. \"acl;properties;entry\") and apply with bpg, or remove the moved block and let pve_realm_sync run a new sync."),
            );
        }
    }
    // The literals below are bpg's attribute names.
    let remove_vanished = bpg.text("remove_vanished").map(|text| {
        text.split(';')
            .map(str::trim)
            .filter(|item| !item.is_empty() && *item != "none")
            .map(str::to_string)
            .collect()
    });
    let model = SyncModel {
        realm: bpg.required("realm"),
        options: SyncOptions {
            scope: bpg.text("scope"),
            remove_vanished,
            enable_new: bpg.bool("enable_new"),
            dry_run: bpg.bool("dry_run"),
        },
        triggers: None,
        task_id: None,
    };
    if let Err(detail) = check_realm_id(&model.realm) {
        bpg.refuse("realm", detail);
    }
    if let Some(item) = model
        .options
        .remove_vanished
        .iter()
        .flatten()
        .find(|item| !REMOVE_VANISHED.contains(&item.as_str()))
    {
        bpg.refuse(
            "remove_vanished",
            format!("`{item}` is none of `acl`, `properties`, `entry` and `none`."),
        );
    }
    Ok(model.to_state())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_encodes_remove_vanished_in_pve_order() {
        let model = SyncModel::from_value(&Value::object([
            ("realm", Value::string("corp")),
            ("scope", Value::string("both")),
            ("remove_vanished", Value::set_of_strings(["entry", "acl"])),
            ("enable_new", Value::Bool(false)),
            ("dry_run", Value::Null),
            ("triggers", Value::map([("k", Value::string("v"))])),
            ("task_id", Value::Null),
        ]))
        .unwrap();
        let request = model.options.request();
        assert_eq!(request.remove_vanished.as_deref(), Some("acl;entry"));
        assert_eq!(request.enable_new, Some(false));
        assert!(!request.dry_run);
        let none = SyncOptions {
            remove_vanished: Some(BTreeSet::new()),
            ..model.options
        };
        assert_eq!(none.request().remove_vanished.as_deref(), Some("none"));
    }

    #[test]
    fn the_options_stand_between_realm_and_triggers_with_their_plan_rules() {
        let names: Vec<String> = SyncModel::attributes()
            .into_iter()
            .map(|attribute| {
                assert!(
                    attribute.plan.requires_replace || attribute.computed,
                    "{}",
                    attribute.name
                );
                attribute.name
            })
            .collect();
        assert_eq!(
            names,
            [
                SyncModel::REALM,
                SyncOptions::SCOPE,
                SyncOptions::REMOVE_VANISHED,
                SyncOptions::ENABLE_NEW,
                SyncOptions::DRY_RUN,
                SyncModel::TRIGGERS,
                SyncModel::TASK_ID
            ]
        );
    }

    #[test]
    fn state_round_trips_with_triggers_and_an_unknown_task() {
        let planned = Value::object([
            ("realm", Value::string("corp")),
            ("scope", Value::Null),
            ("remove_vanished", Value::Null),
            ("enable_new", Value::Null),
            ("dry_run", Value::Null),
            (
                "triggers",
                Value::map([("week", Value::string("w14")), ("none", Value::Null)]),
            ),
            ("task_id", Value::Unknown),
        ]);
        let model = SyncModel::from_value(&planned).unwrap();
        assert_eq!(model.task_id, None);
        let created = SyncModel {
            task_id: Some("UPID:pve:1".into()),
            ..model
        };
        let state = created.to_state();
        assert!(state.identity.is_none(), "pve_realm_sync has no identity");
        assert_eq!(state.state.get("triggers"), planned.get("triggers"));
        assert_eq!(SyncModel::from_value(&state.state).unwrap(), created);
    }
}

#[cfg(test)]
mod moved_from_bpg {
    use super::*;
    use crate::resources::moved::testing::{moved, refused, request};
    use serde_json::json;

    #[tokio::test]
    async fn moves_bpg_realm_sync_and_refuses_deprecated_flags() {
        let resource = RealmSyncResource::new(&Pve::default());
        let state = json!({
            "id": "corp", "realm": "corp", "scope": "both", "remove_vanished": "acl;entry",
            "enable_new": true, "full": null, "purge": null, "dry_run": null
        });
        for source in BPG_TYPES {
            let moved = moved(resource.move_state(&request(source, state.clone())).await);
            let moved_state = &moved.state.state;
            assert_eq!(moved_state.get("scope").as_str(), Some("both"));
            let mut items = convert::strings(moved_state, "remove_vanished")
                .unwrap()
                .unwrap();
            items.sort();
            assert_eq!(items, ["acl", "entry"]);
            assert!(moved_state.get("task_id").is_null());
            assert!(
                moved.state.identity.is_none(),
                "pve_realm_sync has no identity"
            );
        }
        let mut none = state.clone();
        none["remove_vanished"] = json!("none");
        let moved_none = moved(
            resource
                .move_state(&request("proxmox_realm_sync", none))
                .await,
        );
        assert_eq!(
            convert::strings(&moved_none.state.state, "remove_vanished").unwrap(),
            Some(Vec::new())
        );
        let mut full = state;
        full["full"] = json!(true);
        assert_eq!(
            refused(
                resource
                    .move_state(&request("proxmox_realm_sync", full))
                    .await
            ),
            ["Cannot move proxmox_realm_sync.full to pve_realm_sync"]
        );
    }
}
