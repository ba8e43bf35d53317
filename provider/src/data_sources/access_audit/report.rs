//! `report_markdown`: the identities × paths matrix and the findings, as a
//! Markdown document for `terraform output -raw … > access-report.md`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use super::facts::Facts;
use super::rules::{Finding, Severity};

/// What one matrix cell shows: the role whose privileges are exactly the
/// held set (the first by name when several match), else the privileges.
/// A trailing `¹` marks privileges that do not propagate further down.
fn cell(privileges: &BTreeMap<String, bool>, roles: &BTreeMap<String, BTreeSet<String>>) -> String {
    let held: BTreeSet<&str> = privileges.keys().map(String::as_str).collect();
    let text = roles
        .iter()
        .find(|(_, privs)| {
            !privs.is_empty()
                && privs.len() == held.len()
                && privs.iter().all(|p| held.contains(p.as_str()))
        })
        .map_or_else(
            || held.iter().copied().collect::<Vec<_>>().join(", "),
            |(role, _)| format!("**{role}**"),
        );
    if privileges.values().all(|propagate| !propagate) {
        format!("{text} ¹")
    } else {
        text
    }
}

fn counts(findings: &[Finding]) -> String {
    Severity::ALL
        .iter()
        .map(|severity| {
            let n = findings.iter().filter(|f| f.severity == *severity).count();
            format!("{n} {}", severity.as_str())
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Renders the report.
pub fn render(facts: &Facts, findings: &[Finding], ignored: &[(Finding, String)]) -> String {
    let mut out = String::new();
    let users = facts.identities.iter().filter(|i| !i.is_token()).count();
    let tokens = facts.identities.len() - users;
    let paths: BTreeSet<&str> = facts
        .identities
        .iter()
        .flat_map(|i| i.privileges.keys().map(String::as_str))
        .collect();
    let _ = writeln!(out, "# Access audit\n");
    let mut scope = Vec::new();
    if let Some(realm) = &facts.realm {
        scope.push(format!("realm `{realm}`"));
    }
    if let Some(user) = &facts.user {
        scope.push(format!("user `{user}`"));
    }
    if let Some(path) = &facts.path {
        scope.push(format!("paths under `{path}`"));
    }
    let scope = if scope.is_empty() {
        String::new()
    } else {
        format!(" (limited to {})", scope.join(", "))
    };
    let _ = writeln!(
        out,
        "{users} users and {tokens} API tokens{scope}, privileges on {} paths as PVE evaluates them. Findings: {}; {} ignored.\n",
        paths.len(),
        counts(findings),
        ignored.len()
    );

    let _ = writeln!(out, "## Findings\n");
    if findings.is_empty() {
        let _ = writeln!(out, "None.\n");
    } else {
        let _ = writeln!(out, "| Severity | Rule | Identity | Path | What to do |");
        let _ = writeln!(out, "|---|---|---|---|---|");
        for f in findings {
            let _ = writeln!(
                out,
                "| {} | `{}` | `{}` | {} | {} |",
                f.severity.as_str(),
                f.rule,
                f.identity,
                f.path
                    .as_deref()
                    .map_or_else(|| "–".to_string(), |p| format!("`{p}`")),
                escape(&f.message)
            );
        }
        out.push('\n');
    }
    if !ignored.is_empty() {
        let _ = writeln!(out, "### Ignored\n");
        let _ = writeln!(out, "| Rule | Identity | Path | Reason |");
        let _ = writeln!(out, "|---|---|---|---|");
        for (f, reason) in ignored {
            let _ = writeln!(
                out,
                "| `{}` | `{}` | {} | {} |",
                f.rule,
                f.identity,
                f.path
                    .as_deref()
                    .map_or_else(|| "–".to_string(), |p| format!("`{p}`")),
                escape(reason)
            );
        }
        out.push('\n');
    }

    let _ = writeln!(out, "## Identities\n");
    let _ = writeln!(
        out,
        "| Identity | Realm | Enabled | Expires | Groups | Privilege separation |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|");
    for i in &facts.identities {
        let expires = crate::convert::epoch_to_rfc3339(i.expire).unwrap_or_else(|| "never".into());
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} | {} |",
            i.id,
            i.realm,
            if i.user_enabled { "yes" } else { "no" },
            expires,
            if i.groups.is_empty() {
                "–".to_string()
            } else {
                i.groups.join(", ")
            },
            match i.privsep {
                None => "–",
                Some(true) => "yes",
                Some(false) => "no",
            }
        );
    }
    out.push('\n');

    let _ = writeln!(out, "## Effective privileges\n");
    let holders: Vec<_> = facts
        .identities
        .iter()
        .filter(|i| !i.privileges.is_empty())
        .collect();
    if holders.is_empty() {
        let _ = writeln!(out, "No audited identity holds any privilege.");
        return out;
    }
    let _ = writeln!(
        out,
        "A bold name: the privileges are exactly that role's. ¹: only on that path (not propagated). –: nothing.\n"
    );
    let _ = write!(out, "| Identity |");
    for path in &paths {
        let _ = write!(out, " `{path}` |");
    }
    let _ = write!(out, "\n|---|");
    for _ in &paths {
        out.push_str("---|");
    }
    out.push('\n');
    for identity in holders {
        let _ = write!(out, "| `{}` |", identity.id);
        for path in &paths {
            let text = identity
                .privileges
                .get(*path)
                .map_or_else(|| "–".to_string(), |privs| cell(privs, &facts.roles));
            let _ = write!(out, " {text} |");
        }
        out.push('\n');
    }
    out
}

/// Keeps a message inside its table cell.
fn escape(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cell_names_the_role_that_matches_exactly() {
        let roles = BTreeMap::from([
            (
                "PVEAuditor".to_string(),
                BTreeSet::from(["Sys.Audit".to_string(), "VM.Audit".to_string()]),
            ),
            ("Empty".to_string(), BTreeSet::new()),
        ]);
        let exact = BTreeMap::from([
            ("Sys.Audit".to_string(), true),
            ("VM.Audit".to_string(), true),
        ]);
        assert_eq!(cell(&exact, &roles), "**PVEAuditor**");
        let partial = BTreeMap::from([("VM.Audit".to_string(), false)]);
        assert_eq!(cell(&partial, &roles), "VM.Audit ¹");
    }
}
