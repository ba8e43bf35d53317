//! `action "pve_realm_sync"`: runs a sync of an LDAP or AD realm and follows
//! the PVE task to its end, streaming the task log as progress. It fails
//! with the task's own error when the sync fails.

use std::time::Duration;

use async_trait::async_trait;
use proxmox_client::{Client, RealmId, TaskStatus};
use tfplugin::Model;
use tfplugin::diag::{Diagnostic, Diagnostics};
use tfplugin::provider::{Action, ActionContext};
use tfplugin::schema::{PlanRules, Schema};
use tfplugin::value::Value;

use crate::connection::{Connection, Pve};
use crate::convert;
use crate::resources::realm_sync::{SyncOptions, check_sync_options, sync_failed};

/// How long a sync may run unless `timeout` says otherwise.
const DEFAULT_TIMEOUT: &str = "30m";
/// The first pause between two looks at the task; it doubles up to the cap.
const FIRST_POLL: Duration = Duration::from_millis(200);
const MAX_POLL: Duration = Duration::from_secs(2);

/// The `pve_realm_sync` action.
#[derive(Debug)]
pub struct RealmSyncAction {
    pve: Pve,
}

impl RealmSyncAction {
    pub fn new(pve: &Pve) -> Self {
        RealmSyncAction { pve: pve.clone() }
    }
}

#[async_trait]
impl Action for RealmSyncAction {
    fn type_name(&self) -> &str {
        "pve_realm_sync"
    }

    fn schema(&self) -> Schema {
        // The options carry the resource's plan rules; an action plans nothing.
        let mut schema = RealmSyncModel::schema();
        for attribute in &mut schema.block.attributes {
            attribute.plan = PlanRules::default();
        }
        schema
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        let mut diagnostics = check_sync_options(config);
        convert::check_known_string(config, RealmSyncModel::TIMEOUT, &mut diagnostics, |text| {
            convert::parse_duration(text).map(|_| ())
        });
        diagnostics
    }

    async fn invoke(&self, config: &Value, context: &ActionContext) -> Diagnostics {
        match self.run(config, context).await {
            Ok(diagnostics) | Err(diagnostics) => diagnostics,
        }
    }
}

impl RealmSyncAction {
    async fn run(
        &self,
        config: &Value,
        context: &ActionContext,
    ) -> Result<Diagnostics, Diagnostics> {
        let model = RealmSyncModel::from_value(config)?;
        let realm: RealmId = convert::id_attr(config, RealmSyncModel::REALM, "corp")?;
        let request = model.options.request();
        let timeout_text = model.timeout.unwrap_or_else(|| DEFAULT_TIMEOUT.to_string());
        let timeout = convert::parse_duration(&timeout_text).map_err(|detail| {
            Diagnostics::from(convert::invalid(RealmSyncModel::TIMEOUT, detail))
        })?;
        let timeout = Duration::from_secs(u64::try_from(timeout).unwrap_or(0));
        let connection = self.pve.connection()?;
        let id = realm.clone();
        let dry_run = request.dry_run;
        let upid = connection
            .write(|client| async move { client.domains().sync(&id, &request).await })
            .await
            .map_err(|error| sync_failed(&connection, &realm, &error))?;
        context.progress(format!("sync of realm {realm} started as task {upid}"));
        let status = follow_task(&connection, &upid, timeout, context).await?;
        task_outcome(&realm, &upid, &status, dry_run)
    }
}

/// Polls the task until it stops, reporting each new log line as progress.
async fn follow_task(
    connection: &Connection,
    upid: &str,
    timeout: Duration,
    context: &ActionContext,
) -> Result<TaskStatus, Diagnostics> {
    let client = connection.client();
    let task = client
        .task(upid)
        .map_err(|error| connection.diagnose("follow the sync task", &error))?;
    let deadline = tokio::time::Instant::now() + timeout;
    let mut reported = 0_u64;
    let mut pause = FIRST_POLL;
    loop {
        // Status first, then the log: once the status says stopped, the
        // log read after it holds every line up to the end.
        let status = task.status().await.map_err(|error| {
            connection.diagnose(&format!("read the status of task {upid}"), &error)
        })?;
        reported = report_new_lines(client, upid, reported, context)
            .await
            .map_err(|error| {
                connection.diagnose(&format!("read the log of task {upid}"), &error)
            })?;
        if status.is_stopped() {
            return Ok(status);
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(Diagnostics::error(
                "Realm sync still running",
                format!(
                    "Task {upid} did not end within the action's timeout. It keeps running on the node; \
                     follow it in the PVE task log, or raise `timeout`."
                ),
            ));
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(MAX_POLL);
    }
}

/// Reports the log lines after line `reported`; returns the new count.
async fn report_new_lines(
    client: &Client,
    upid: &str,
    reported: u64,
    context: &ActionContext,
) -> Result<u64, proxmox_client::Error> {
    let lines = client.task(upid)?.log(reported, 0).await?;
    let mut last = reported;
    for line in lines {
        // An empty log reads as one "no content" line: not a line yet.
        if line.n <= last || (line.n == 1 && line.t == "no content") {
            continue;
        }
        context.progress(line.t);
        last = line.n;
    }
    Ok(last)
}

/// Success (with a warning for task warnings or a dry run), or the task's error.
fn task_outcome(
    realm: &RealmId,
    upid: &str,
    status: &TaskStatus,
    dry_run: bool,
) -> Result<Diagnostics, Diagnostics> {
    let exit = status.exitstatus.as_deref().unwrap_or("unknown");
    if !status.succeeded() {
        return Err(Diagnostics::error(
            format!("Realm sync of {realm} failed"),
            format!(
                "PVE task {upid} ended with: {exit}\n\nThe task log above shows how far it got. \
                 Check the realm's server, bind credentials and base DN, then invoke the action again."
            ),
        ));
    }
    let mut diagnostics = Diagnostics::new();
    if exit != "OK" {
        diagnostics.push(Diagnostic::warning(
            format!("Realm sync of {realm} ended with {exit}"),
            format!("Task {upid} succeeded with warnings; the task log above lists them."),
        ));
    }
    if dry_run {
        diagnostics.push(Diagnostic::warning(
            "Dry run: nothing changed",
            format!(
                "The sync of {realm} only reported what it would change (see the task log above)."
            ),
        ));
    }
    Ok(diagnostics)
}

/// The configuration of `action "pve_realm_sync"`: the realm, the sync
/// options of the `pve_realm_sync` resource, and how long to wait.
#[derive(Debug, Clone, PartialEq, Model)]
#[tf(
    description = "Runs a sync of an LDAP or AD realm (`POST /access/domains/{realm}/sync`) and waits for it: \
users and groups of the directory become PVE users and groups. \
The sync task's log is streamed as progress while it runs, and the action fails with the task's error when the sync fails. \
Run it on demand with `terraform apply -invoke=action.pve_realm_sync.NAME`, or after a realm change from the realm's \
`lifecycle { action_trigger { … } }`. Unset options fall back to the realm's `sync_defaults_*`. \
Needs Terraform 1.14 or later; on older Terraform use the `pve_realm_sync` resource."
)]
struct RealmSyncModel {
    #[tf(
        required,
        description = "The LDAP or AD realm to sync, e.g. `pve_realm_ldap.corp.realm`."
    )]
    realm: String,
    #[tf(flatten)]
    options: SyncOptions,
    #[tf(
        optional,
        description = format!(
            "How long to wait for the sync task to end, e.g. `10m` or `1h`. Default `{DEFAULT_TIMEOUT}`. \
             When it runs out the action fails; the task itself keeps running on the node."
        )
    )]
    timeout: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_is_realm_the_sync_options_and_timeout_without_plan_rules() {
        let schema = RealmSyncAction::new(&Pve::default()).schema();
        let names: Vec<&str> = schema
            .block
            .attributes
            .iter()
            .map(|attribute| {
                assert_eq!(attribute.plan, PlanRules::default(), "{}", attribute.name);
                attribute.name.as_str()
            })
            .collect();
        assert_eq!(
            names,
            [
                RealmSyncModel::REALM,
                SyncOptions::SCOPE,
                SyncOptions::REMOVE_VANISHED,
                SyncOptions::ENABLE_NEW,
                SyncOptions::DRY_RUN,
                RealmSyncModel::TIMEOUT
            ]
        );
        assert!(schema.block.attributes[0].required);
        assert!(
            schema.block.attributes[5]
                .description
                .contains(DEFAULT_TIMEOUT)
        );
    }

    #[test]
    fn a_configuration_decodes_to_the_sync_request() {
        let config = Value::object([
            ("realm", Value::string("corp")),
            ("scope", Value::string("users")),
            (
                "remove_vanished",
                Value::set_of_strings(Vec::<String>::new()),
            ),
            ("enable_new", Value::Null),
            ("dry_run", Value::Bool(true)),
            ("timeout", Value::string("5m")),
        ]);
        let model = RealmSyncModel::from_value(&config).unwrap();
        assert_eq!(model.timeout.as_deref(), Some("5m"));
        let request = model.options.request();
        assert_eq!(request.scope.as_deref(), Some("users"));
        assert_eq!(request.remove_vanished.as_deref(), Some("none"));
        assert_eq!(request.enable_new, None);
        assert!(request.dry_run);
        let unset = RealmSyncModel::from_value(&config.with_attr("remove_vanished", Value::Null))
            .unwrap()
            .options
            .request();
        assert_eq!(unset.remove_vanished, None, "null is the realm's default");
    }

    #[tokio::test]
    async fn validate_names_a_bad_timeout() {
        let config = Value::object([
            ("realm", Value::string("corp")),
            ("timeout", Value::string("soon")),
        ]);
        let diagnostics = RealmSyncAction::new(&Pve::default())
            .validate(&config)
            .await;
        let [diagnostic] = diagnostics.0.as_slice() else {
            panic!("one diagnostic: {diagnostics:?}")
        };
        assert_eq!(
            diagnostic.attribute,
            Some(tfplugin::diag::AttributePath::attribute(
                RealmSyncModel::TIMEOUT
            ))
        );
    }
}
