//! Data source `pve_access_audit`: who can do what on the cluster, as PVE
//! itself evaluates it, with findings a CI check can fail on.
//!
//! Cost: four list calls (users with tokens, groups, roles, ACL) plus one
//! `GET /access/permissions?userid=…` per audited identity. The privileges
//! are never recomputed here: PVE's answer already covers inheritance,
//! groups, pools and the token/user intersection.

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use proxmox_client::{AclPath, AuthId, GroupId, UserId};
use tfplugin::Model;
use tfplugin::diag::{Diagnostic, Diagnostics};
use tfplugin::provider::DataSource;
use tfplugin::schema::Schema;
use tfplugin::value::Value;

use crate::connection::Pve;
use crate::convert;

mod facts;
mod report;
mod rules;

pub use facts::{Facts, Filter, Identity, Kind, collect};
pub use rules::{Finding, Ignore, Options, RULES, Severity, apply_ignores, evaluate};

/// Default `expiry_window_days`.
const DEFAULT_EXPIRY_WINDOW_DAYS: i64 = 14;
const SECONDS_PER_DAY: i64 = 86_400;

/// The `pve_access_audit` data source.
#[derive(Debug)]
pub struct AccessAuditDataSource {
    pve: Pve,
}

impl AccessAuditDataSource {
    pub fn new(pve: &Pve) -> Self {
        AccessAuditDataSource { pve: pve.clone() }
    }
}

fn rule_list() -> String {
    RULES
        .iter()
        .map(|rule| format!("`{}`", rule.id))
        .collect::<Vec<_>>()
        .join(", ")
}

#[async_trait]
impl DataSource for AccessAuditDataSource {
    fn type_name(&self) -> &str {
        "pve_access_audit"
    }

    fn schema(&self) -> Schema {
        AuditModel::schema()
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        let mut diagnostics = Diagnostics::new();
        convert::check_known_string(config, AuditModel::REALM, &mut diagnostics, |text| {
            format!("x@{text}").parse::<UserId>().map(drop).map_err(|_| {
                format!("`{text}` is not a realm name: use letters, digits, '.', '-' and '_', starting with a letter, e.g. `pve`.")
            })
        });
        convert::check_known_string(config, AuditModel::USER_ID, &mut diagnostics, |text| {
            text.parse::<UserId>().map(drop).map_err(|error| {
                format!("{error}. Use a user id like `alice@pve` (its tokens are included).")
            })
        });
        convert::check_known_string(config, AuditModel::PATH_PREFIX, &mut diagnostics, |text| {
            AclPath::normalize(text).map(drop).map_err(|_| {
                format!("`{text}` is not a path: use letters, digits, '.', '-', '_' and '/', e.g. `/vms`.")
            })
        });
        if let Some(days) = config.get(AuditModel::EXPIRY_WINDOW_DAYS).as_f64()
            && (days < 0.0 || days.fract() != 0.0)
        {
            diagnostics.push(convert::invalid(
                AuditModel::EXPIRY_WINDOW_DAYS,
                format!("`{days}` is not a whole number of days ≥ 0; write e.g. `30`."),
            ));
        }
        for block in config
            .get(AuditModel::IGNORE)
            .elements()
            .unwrap_or_default()
        {
            if let Some(rule) = block.get(IgnoreModel::RULE).as_str()
                && rules::rule(rule).is_none()
            {
                diagnostics.push(ignore_error(format!(
                    "`{rule}` is not a rule id. Use one of {}.",
                    rule_list()
                )));
            }
            if let Some(identity) = block.get(IgnoreModel::IDENTITY).as_str()
                && identity.parse::<AuthId>().is_err()
                && identity.parse::<GroupId>().is_err()
            {
                diagnostics.push(ignore_error(format!(
                    "`{identity}` is not a user (`alice@pve`), token (`ci@pve!deploy`) or group (`ops`) id."
                )));
            }
            if block
                .get(IgnoreModel::REASON)
                .as_str()
                .is_some_and(|r| r.trim().is_empty())
            {
                diagnostics.push(ignore_error(
                    "`reason` is empty: say why the finding is accepted, so the next reviewer knows.".into(),
                ));
            }
        }
        diagnostics
    }

    async fn read(&self, config: &Value) -> Result<Value, Diagnostics> {
        let filter = filter_from_config(config)?;
        let days = convert::i64(config, AuditModel::EXPIRY_WINDOW_DAYS)?
            .unwrap_or(DEFAULT_EXPIRY_WINDOW_DAYS);
        let options = Options {
            expiry_window: days.max(0).saturating_mul(SECONDS_PER_DAY),
        };
        let ignores = ignores_from_config(config)?;
        let connection = self.pve.connection()?;
        let acl = connection
            .acl_entries()
            .await
            .map_err(|error| connection.diagnose("list ACL entries", &error))?;
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let facts = collect(connection.client(), &acl, &filter, now)
            .await
            .map_err(|failure| connection.diagnose(&failure.action, &failure.error))?;
        let (findings, ignored) = apply_ignores(evaluate(&facts, &options), &ignores);

        let mut model = AuditModel::from_value(config)?;
        model.identities = facts
            .identities
            .iter()
            .map(IdentityEntry::from_facts)
            .collect();
        model.findings = findings.iter().map(FindingEntry::from_finding).collect();
        model.ignored_findings = ignored
            .iter()
            .map(|(finding, reason)| IgnoredFindingEntry::from_finding(finding, reason))
            .collect();
        model.finding_counts = Severity::ALL
            .iter()
            .map(|severity| {
                let n = findings.iter().filter(|f| f.severity == *severity).count();
                (severity.as_str().to_string(), n as i64)
            })
            .collect();
        model.report_markdown = report::render(&facts, &findings, &ignored);
        Ok(model.to_value())
    }
}

fn ignore_error(detail: String) -> Diagnostic {
    convert::invalid(AuditModel::IGNORE, detail)
}

fn filter_from_config(config: &Value) -> Result<Filter, Diagnostics> {
    let user = match convert::string(config, AuditModel::USER_ID)? {
        None => None,
        Some(text) => Some(convert::parse_id::<UserId>(
            &text,
            AuditModel::USER_ID,
            "alice@pve",
        )?),
    };
    let path = match convert::string(config, AuditModel::PATH_PREFIX)? {
        None => None,
        Some(text) => Some(AclPath::normalize(&text).map_err(|_| {
            Diagnostics::from(convert::invalid(
                AuditModel::PATH_PREFIX,
                format!("`{text}` is not a path, e.g. `/vms`."),
            ))
        })?),
    };
    Ok(Filter {
        realm: convert::string(config, AuditModel::REALM)?,
        user,
        path,
    })
}

fn ignores_from_config(config: &Value) -> Result<Vec<Ignore>, Diagnostics> {
    let mut ignores = Vec::new();
    for block in config
        .get(AuditModel::IGNORE)
        .elements()
        .unwrap_or_default()
    {
        let rule = convert::required_string(block, IgnoreModel::RULE)?;
        if rules::rule(&rule).is_none() {
            return Err(ignore_error(format!(
                "`{rule}` is not a rule id. Use one of {}.",
                rule_list()
            ))
            .into());
        }
        ignores.push(Ignore {
            rule,
            identity: convert::string(block, IgnoreModel::IDENTITY)?,
            reason: convert::required_string(block, IgnoreModel::REASON)?,
        });
    }
    Ok(ignores)
}

/// The state of data `pve_access_audit`.
#[derive(Debug, Clone, PartialEq, Eq, Model)]
#[tf(
    description = "Audits who can do what: every user and API token (optionally limited to a realm, a user or a path subtree) with its \
realm, state, expiry, groups, tokens and the privileges it effectively holds on every path, as PVE computes them (`GET /access/permissions` per identity), \
plus findings with a stable rule id, a severity and what to do, and a Markdown report. Cost: four list calls plus one call per audited identity. \
The credential needs `Sys.Audit` on `/access` and on the audited paths (the built-in `PVEAuditor` role on `/` is enough). \
See the guide *Auditing access* for the rules and the CI pattern."
)]
struct AuditModel {
    #[tf(
        optional,
        description = "Only users of this realm (and their tokens), e.g. `pve`."
    )]
    realm: Option<String>,
    #[tf(
        optional,
        description = "Only this user (`name@realm`) and its tokens."
    )]
    user_id: Option<String>,
    #[tf(
        optional,
        description = "Only privileges on this path and below it (`/vms` covers `/vms/100`, not `/vmsx`), and only identities holding some there; findings about other paths are left out."
    )]
    path_prefix: Option<String>,
    #[tf(
        optional,
        description = format!(
            "`token-expiring-soon` fires for tokens that expire within this many days. Default {DEFAULT_EXPIRY_WINDOW_DAYS}."
        )
    )]
    expiry_window_days: Option<i64>,
    #[tf(
        computed,
        description = "The audited users and tokens, each user followed by its tokens: `id`, `type` (`user` or `token`), `user_id`, `realm`, `enabled` (the user's flag; a token stops with its user), \
`expiration_date` (RFC 3339 UTC, null = never), `groups` (the user's), `privileges_separation` (tokens; null for users) and `privileges` (path → privileges held there, only paths with any)."
    )]
    identities: Vec<IdentityEntry>,
    #[tf(
        computed,
        description = "The findings not ignored, most severe first: `rule`, `severity` (`high`, `medium`, `low`), `identity` (user, token or, for ACL rules, the group named), `path` (null when the finding is about the identity as a whole) and `message` (what was found and what to do)."
    )]
    findings: Vec<FindingEntry>,
    #[tf(
        computed,
        description = "The findings an `ignore` block matched, with that block's `reason`."
    )]
    ignored_findings: Vec<IgnoredFindingEntry>,
    #[tf(
        computed,
        description = "Number of `findings` per severity: always the keys `high`, `medium` and `low`. A CI check: `finding_counts[\"high\"] == 0`."
    )]
    finding_counts: BTreeMap<String, i64>,
    #[tf(
        computed,
        description = "The findings, the identities and the identities × paths matrix (a role name where the privileges are exactly that role's) as Markdown; write it with `terraform output -raw`."
    )]
    report_markdown: String,
    #[tf(block)]
    ignore: Vec<IgnoreModel>,
}

/// One `ignore` block of `pve_access_audit`.
#[derive(Debug, Clone, PartialEq, Eq, Model)]
#[tf(
    description = "Accepts a finding: ignores a rule for every identity or for one. Matched findings move to `ignored_findings`."
)]
struct IgnoreModel {
    #[tf(
        required,
        description = format!("The rule id to ignore: one of {}.", rule_list())
    )]
    rule: String,
    #[tf(
        optional,
        description = "Only for this user, token or group (as the finding's `identity` shows it). Unset: every identity."
    )]
    identity: Option<String>,
    #[tf(
        required,
        description = "Why the finding is accepted; shown in the report."
    )]
    reason: String,
}

/// One entry of `pve_access_audit.identities`.
#[derive(Debug, Clone, PartialEq, Eq, Model)]
struct IdentityEntry {
    #[tf(computed)]
    id: String,
    #[tf(computed)]
    r#type: String,
    #[tf(computed)]
    user_id: String,
    #[tf(computed)]
    realm: String,
    #[tf(computed)]
    enabled: bool,
    #[tf(computed)]
    expiration_date: Option<String>,
    #[tf(computed)]
    groups: BTreeSet<String>,
    #[tf(computed)]
    privileges_separation: Option<bool>,
    #[tf(computed)]
    privileges: BTreeMap<String, BTreeSet<String>>,
}

impl IdentityEntry {
    fn from_facts(identity: &Identity) -> Self {
        IdentityEntry {
            id: identity.id.clone(),
            r#type: identity.kind.as_str().to_string(),
            user_id: identity.user_id.clone(),
            realm: identity.realm.clone(),
            enabled: identity.user_enabled,
            expiration_date: convert::epoch_to_rfc3339(identity.expire),
            groups: identity.groups.iter().cloned().collect(),
            privileges_separation: identity.privsep,
            privileges: identity
                .privileges
                .iter()
                .map(|(path, privs)| (path.clone(), privs.keys().cloned().collect()))
                .collect(),
        }
    }
}

/// One entry of `pve_access_audit.findings`.
#[derive(Debug, Clone, PartialEq, Eq, Model)]
struct FindingEntry {
    #[tf(computed)]
    rule: String,
    #[tf(computed)]
    severity: String,
    #[tf(computed)]
    identity: String,
    #[tf(computed)]
    path: Option<String>,
    #[tf(computed)]
    message: String,
}

impl FindingEntry {
    fn from_finding(finding: &Finding) -> Self {
        FindingEntry {
            rule: finding.rule.to_string(),
            severity: finding.severity.as_str().to_string(),
            identity: finding.identity.clone(),
            path: finding.path.clone(),
            message: finding.message.clone(),
        }
    }
}

/// One entry of `pve_access_audit.ignored_findings`: a finding's attributes
/// and the reason.
#[derive(Debug, Clone, PartialEq, Eq, Model)]
struct IgnoredFindingEntry {
    #[tf(flatten)]
    finding: FindingEntry,
    #[tf(computed)]
    reason: String,
}

impl IgnoredFindingEntry {
    fn from_finding(finding: &Finding, reason: &str) -> Self {
        IgnoredFindingEntry {
            finding: FindingEntry::from_finding(finding),
            reason: reason.to_string(),
        }
    }
}

#[cfg(test)]
mod sim_tests;

#[cfg(test)]
mod tests {
    use super::*;
    use tfplugin::value::Type;

    #[test]
    fn entries_encode_as_their_declared_types() {
        use tfplugin::model::Field;
        let identity = Identity {
            id: "ci@pve!deploy".into(),
            kind: Kind::Token,
            user_id: "ci@pve".into(),
            realm: "pve".into(),
            realm_exists: true,
            user_enabled: true,
            user_expire: 0,
            expire: 0,
            groups: vec!["ops".into()],
            privsep: Some(true),
            privileges: BTreeMap::from([(
                "/vms".to_string(),
                BTreeMap::from([("VM.Audit".to_string(), true)]),
            )]),
        };
        let keys = |value: &Value| value.as_map().unwrap().keys().cloned().collect::<Vec<_>>();
        let declared = |ty: Type| match ty {
            Type::Object { attributes, .. } => attributes.keys().cloned().collect::<Vec<_>>(),
            _ => panic!("object type"),
        };
        let entry = IdentityEntry::from_facts(&identity).to_value();
        assert_eq!(keys(&entry), declared(IdentityEntry::ty()));
        assert_eq!(
            entry.get(IdentityEntry::PRIVILEGES).get("/vms"),
            &Value::set_of_strings(["VM.Audit".to_string()])
        );
        let finding = Finding {
            rule: rules::TOKEN_NO_EXPIRY,
            severity: Severity::Medium,
            identity: "ci@pve!deploy".into(),
            path: None,
            message: "m".into(),
        };
        let ignored = IgnoredFindingEntry::from_finding(&finding, "r").to_value();
        assert_eq!(keys(&ignored), declared(IgnoredFindingEntry::ty()));
        assert_eq!(ignored.get(IgnoredFindingEntry::REASON).as_str(), Some("r"));
        // The finding's attributes stand beside `reason`, not below it.
        assert_eq!(
            ignored.get(FindingEntry::RULE).as_str(),
            Some(rules::TOKEN_NO_EXPIRY)
        );
        assert_eq!(
            keys(&ignored),
            ["identity", "message", "path", "reason", "rule", "severity"]
        );
        assert_eq!(
            keys(&FindingEntry::from_finding(&finding).to_value()),
            declared(FindingEntry::ty())
        );
    }

    #[test]
    fn the_ignore_block_comes_from_its_model() {
        let schema = AuditModel::schema();
        let [ignore] = schema.block.blocks.as_slice() else {
            panic!("one block")
        };
        assert_eq!(ignore.type_name, AuditModel::IGNORE);
        let names: Vec<&str> = ignore
            .block
            .attributes
            .iter()
            .map(|a| a.name.as_str())
            .collect();
        assert_eq!(
            names,
            [
                IgnoreModel::RULE,
                IgnoreModel::IDENTITY,
                IgnoreModel::REASON
            ]
        );
        assert!(
            ignore.block.attributes[0]
                .description
                .contains("`token-no-expiry`")
        );
    }
}
