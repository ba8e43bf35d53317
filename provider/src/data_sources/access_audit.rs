//! Data source `pve_access_audit`: who can do what on the cluster, as PVE
//! itself evaluates it, with findings a CI check can fail on.
//!
//! Cost: four list calls (users with tokens, groups, roles, ACL) plus one
//! `GET /access/permissions?userid=…` per audited identity. The privileges
//! are never recomputed here: PVE's answer already covers inheritance,
//! groups, pools and the token/user intersection.

use std::collections::BTreeMap;

use async_trait::async_trait;
use proxmox_client::{AclPath, AuthId, GroupId, UserId};
use tfplugin::diag::{Diagnostic, Diagnostics};
use tfplugin::provider::DataSource;
use tfplugin::schema::{Attribute, Block, NestedBlock, Nesting, Schema};
use tfplugin::value::{Type, Value};

use crate::connection::Pve;
use crate::convert::{self, object_type, string_set};

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

fn identity_type() -> Type {
    object_type(&[
        ("id", Type::String),
        ("type", Type::String),
        ("user_id", Type::String),
        ("realm", Type::String),
        ("enabled", Type::Bool),
        ("expiration_date", Type::String),
        ("groups", string_set()),
        ("privileges_separation", Type::Bool),
        ("privileges", Type::Map(Box::new(string_set()))),
    ])
}

fn finding_type(with_reason: bool) -> Type {
    let mut attributes = vec![
        ("rule", Type::String),
        ("severity", Type::String),
        ("identity", Type::String),
        ("path", Type::String),
        ("message", Type::String),
    ];
    if with_reason {
        attributes.push(("reason", Type::String));
    }
    object_type(&attributes)
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
        Schema::new(Block {
            description: "Audits who can do what: every user and API token (optionally limited to a realm, a user or a path subtree) with its \
realm, state, expiry, groups, tokens and the privileges it effectively holds on every path, as PVE computes them (`GET /access/permissions` per identity), \
plus findings with a stable rule id, a severity and what to do, and a Markdown report. Cost: four list calls plus one call per audited identity. \
The credential needs `Sys.Audit` on `/access` and on the audited paths (the built-in `PVEAuditor` role on `/` is enough). \
See the guide *Auditing access* for the rules and the CI pattern."
                .into(),
            attributes: vec![
                Attribute::optional("realm", Type::String)
                    .description("Only users of this realm (and their tokens), e.g. `pve`."),
                Attribute::optional("user_id", Type::String)
                    .description("Only this user (`name@realm`) and its tokens."),
                Attribute::optional("path_prefix", Type::String).description(
                    "Only privileges on this path and below it (`/vms` covers `/vms/100`, not `/vmsx`), and only identities holding some there; findings about other paths are left out.",
                ),
                Attribute::optional("expiry_window_days", Type::Number).description(format!(
                    "`token-expiring-soon` fires for tokens that expire within this many days. Default {DEFAULT_EXPIRY_WINDOW_DAYS}."
                )),
                Attribute::computed("identities", Type::List(Box::new(identity_type()))).description(
                    "The audited users and tokens, each user followed by its tokens: `id`, `type` (`user` or `token`), `user_id`, `realm`, `enabled` (the user's flag; a token stops with its user), \
`expiration_date` (RFC 3339 UTC, null = never), `groups` (the user's), `privileges_separation` (tokens; null for users) and `privileges` (path → privileges held there, only paths with any).",
                ),
                Attribute::computed("findings", Type::List(Box::new(finding_type(false)))).description(
                    "The findings not ignored, most severe first: `rule`, `severity` (`high`, `medium`, `low`), `identity` (user, token or, for ACL rules, the group named), `path` (null when the finding is about the identity as a whole) and `message` (what was found and what to do).",
                ),
                Attribute::computed("ignored_findings", Type::List(Box::new(finding_type(true))))
                    .description("The findings an `ignore` block matched, with that block's `reason`."),
                Attribute::computed("finding_counts", Type::Map(Box::new(Type::Number))).description(
                    "Number of `findings` per severity: always the keys `high`, `medium` and `low`. A CI check: `finding_counts[\"high\"] == 0`.",
                ),
                Attribute::computed("report_markdown", Type::String).description(
                    "The findings, the identities and the identities × paths matrix (a role name where the privileges are exactly that role's) as Markdown; write it with `terraform output -raw`.",
                ),
            ],
            blocks: vec![NestedBlock {
                type_name: "ignore".into(),
                nesting: Nesting::List,
                block: Block {
                    description: "Accepts a finding: ignores a rule for every identity or for one. Matched findings move to `ignored_findings`.".into(),
                    attributes: vec![
                        Attribute::required("rule", Type::String)
                            .description(format!("The rule id to ignore: one of {}.", rule_list())),
                        Attribute::optional("identity", Type::String).description(
                            "Only for this user, token or group (as the finding's `identity` shows it). Unset: every identity.",
                        ),
                        Attribute::required("reason", Type::String)
                            .description("Why the finding is accepted; shown in the report."),
                    ],
                    ..Block::default()
                },
                ..NestedBlock::default()
            }],
            ..Block::default()
        })
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        let mut diagnostics = Diagnostics::new();
        convert::check_known_string(config, "realm", &mut diagnostics, |text| {
            format!("x@{text}").parse::<UserId>().map(drop).map_err(|_| {
                format!("`{text}` is not a realm name: use letters, digits, '.', '-' and '_', starting with a letter, e.g. `pve`.")
            })
        });
        convert::check_known_string(config, "user_id", &mut diagnostics, |text| {
            text.parse::<UserId>().map(drop).map_err(|error| {
                format!("{error}. Use a user id like `alice@pve` (its tokens are included).")
            })
        });
        convert::check_known_string(config, "path_prefix", &mut diagnostics, |text| {
            AclPath::normalize(text).map(drop).map_err(|_| {
                format!("`{text}` is not a path: use letters, digits, '.', '-', '_' and '/', e.g. `/vms`.")
            })
        });
        if let Some(days) = config.get("expiry_window_days").as_f64()
            && (days < 0.0 || days.fract() != 0.0)
        {
            diagnostics.push(convert::invalid(
                "expiry_window_days",
                format!("`{days}` is not a whole number of days ≥ 0; write e.g. `30`."),
            ));
        }
        for block in config.get("ignore").elements().unwrap_or_default() {
            if let Some(rule) = block.get("rule").as_str()
                && rules::rule(rule).is_none()
            {
                diagnostics.push(ignore_error(format!(
                    "`{rule}` is not a rule id. Use one of {}.",
                    rule_list()
                )));
            }
            if let Some(identity) = block.get("identity").as_str()
                && identity.parse::<AuthId>().is_err()
                && identity.parse::<GroupId>().is_err()
            {
                diagnostics.push(ignore_error(format!(
                    "`{identity}` is not a user (`alice@pve`), token (`ci@pve!deploy`) or group (`ops`) id."
                )));
            }
            if block
                .get("reason")
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
        let days =
            convert::i64(config, "expiry_window_days")?.unwrap_or(DEFAULT_EXPIRY_WINDOW_DAYS);
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

        let mut out = config.clone();
        out.set_attr(
            "identities",
            Value::list(facts.identities.iter().map(identity_value)),
        );
        out.set_attr(
            "findings",
            Value::list(findings.iter().map(|f| finding_value(f, None))),
        );
        out.set_attr(
            "ignored_findings",
            Value::list(
                ignored
                    .iter()
                    .map(|(f, reason)| finding_value(f, Some(reason))),
            ),
        );
        out.set_attr(
            "finding_counts",
            Value::map(Severity::ALL.iter().map(|severity| {
                let n = findings.iter().filter(|f| f.severity == *severity).count();
                (severity.as_str(), Value::number(n as u64))
            })),
        );
        out.set_attr(
            "report_markdown",
            Value::string(report::render(&facts, &findings, &ignored)),
        );
        Ok(out)
    }
}

fn ignore_error(detail: String) -> Diagnostic {
    convert::invalid("ignore", detail)
}

fn filter_from_config(config: &Value) -> Result<Filter, Diagnostics> {
    let user = match convert::string(config, "user_id")? {
        None => None,
        Some(text) => Some(convert::parse_id::<UserId>(&text, "user_id", "alice@pve")?),
    };
    let path = match convert::string(config, "path_prefix")? {
        None => None,
        Some(text) => Some(AclPath::normalize(&text).map_err(|_| {
            Diagnostics::from(convert::invalid(
                "path_prefix",
                format!("`{text}` is not a path, e.g. `/vms`."),
            ))
        })?),
    };
    Ok(Filter {
        realm: convert::string(config, "realm")?,
        user,
        path,
    })
}

fn ignores_from_config(config: &Value) -> Result<Vec<Ignore>, Diagnostics> {
    let mut ignores = Vec::new();
    for block in config.get("ignore").elements().unwrap_or_default() {
        let rule = convert::required_string(block, "rule")?;
        if rules::rule(&rule).is_none() {
            return Err(ignore_error(format!(
                "`{rule}` is not a rule id. Use one of {}.",
                rule_list()
            ))
            .into());
        }
        ignores.push(Ignore {
            rule,
            identity: convert::string(block, "identity")?,
            reason: convert::required_string(block, "reason")?,
        });
    }
    Ok(ignores)
}

fn identity_value(identity: &Identity) -> Value {
    let privileges: BTreeMap<&str, Value> = identity
        .privileges
        .iter()
        .map(|(path, privs)| (path.as_str(), Value::set_of_strings(privs.keys().cloned())))
        .collect();
    Value::object([
        ("id", Value::string(&identity.id)),
        ("type", Value::string(identity.kind.as_str())),
        ("user_id", Value::string(&identity.user_id)),
        ("realm", Value::string(&identity.realm)),
        ("enabled", Value::Bool(identity.user_enabled)),
        (
            "expiration_date",
            convert::opt_string(convert::epoch_to_rfc3339(identity.expire)),
        ),
        (
            "groups",
            Value::set_of_strings(identity.groups.iter().cloned()),
        ),
        ("privileges_separation", Value::from(identity.privsep)),
        ("privileges", Value::map(privileges)),
    ])
}

fn finding_value(finding: &Finding, reason: Option<&str>) -> Value {
    let mut value = Value::object([
        ("rule", Value::string(finding.rule)),
        ("severity", Value::string(finding.severity.as_str())),
        ("identity", Value::string(&finding.identity)),
        ("path", convert::opt_string(finding.path.clone())),
        ("message", Value::string(&finding.message)),
    ]);
    if let Some(reason) = reason {
        value.set_attr("reason", Value::string(reason));
    }
    value
}

#[cfg(test)]
mod sim_tests;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_match_their_declared_types() {
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
        assert_eq!(keys(&identity_value(&identity)), declared(identity_type()));
        let finding = Finding {
            rule: rules::TOKEN_NO_EXPIRY,
            severity: Severity::Medium,
            identity: "ci@pve!deploy".into(),
            path: None,
            message: "m".into(),
        };
        assert_eq!(
            keys(&finding_value(&finding, None)),
            declared(finding_type(false))
        );
        assert_eq!(
            keys(&finding_value(&finding, Some("r"))),
            declared(finding_type(true))
        );
    }
}
