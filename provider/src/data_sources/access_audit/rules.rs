//! The audit's rules: each a stable id, a severity and a check over the
//! [`Facts`], producing findings that say what to do. Pure functions, so
//! every rule is unit-tested on hand-built facts.

use std::collections::{BTreeMap, BTreeSet};

use super::facts::{Facts, Grant, Identity, Kind};
use proxmox_client::AclPath;

/// How urgent a finding is. A CI check usually fails on `high`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    High,
    Medium,
    Low,
}

impl Severity {
    pub const ALL: [Severity; 3] = [Severity::High, Severity::Medium, Severity::Low];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
        }
    }
}

/// One rule: its id (stable: configurations ignore findings by it), its
/// severity and what it looks for.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    pub id: &'static str,
    pub severity: Severity,
    pub summary: &'static str,
}

pub const ROOT_TOKEN: &str = "root-token";
pub const TOKEN_ADMINISTRATOR: &str = "token-administrator";
pub const CAN_CHANGE_PERMISSIONS: &str = "can-change-permissions";
pub const CAN_CHANGE_SYSTEM: &str = "can-change-system";
pub const ACL_UNKNOWN_PRINCIPAL: &str = "acl-unknown-principal";
pub const TOKEN_NO_EXPIRY: &str = "token-no-expiry";
pub const TOKEN_NO_PRIVSEP: &str = "token-no-privsep";
pub const MASKED_GROUP_GRANT: &str = "masked-group-grant";
pub const TOKEN_EXPIRING_SOON: &str = "token-expiring-soon";
pub const TOKEN_EXPIRED: &str = "token-expired";
pub const USER_EXPIRED: &str = "user-expired";
pub const TOKEN_WITHOUT_GRANTS: &str = "token-without-grants";
pub const GRANTS_UNUSABLE: &str = "grants-unusable";
pub const DUPLICATE_GRANT: &str = "duplicate-grant";

/// Every rule, most severe first.
pub const RULES: &[Rule] = &[
    Rule {
        id: ROOT_TOKEN,
        severity: Severity::High,
        summary: "An API token of `root@pam`.",
    },
    Rule {
        id: TOKEN_ADMINISTRATOR,
        severity: Severity::High,
        summary: "A token holds the `Administrator` role: granted to the token, or inherited from its user when privilege separation is off.",
    },
    Rule {
        id: CAN_CHANGE_PERMISSIONS,
        severity: Severity::High,
        summary: "An identity can change who may do what: `Permissions.Modify`, `User.Modify`, `Realm.Allocate`, `Realm.AllocateUser` or `Group.Allocate` on `/` or `/access`.",
    },
    Rule {
        id: CAN_CHANGE_SYSTEM,
        severity: Severity::High,
        summary: "An identity can change or control the nodes: `Sys.Modify`, `Sys.PowerMgmt` or `Sys.Console` on `/` or `/nodes`.",
    },
    Rule {
        id: ACL_UNKNOWN_PRINCIPAL,
        severity: Severity::High,
        summary: "An ACL entry names a user or group that does not exist; PVE keeps it, and a user or group created later under that name silently gets the grant.",
    },
    Rule {
        id: TOKEN_NO_EXPIRY,
        severity: Severity::Medium,
        summary: "A token never expires.",
    },
    Rule {
        id: TOKEN_NO_PRIVSEP,
        severity: Severity::Medium,
        summary: "A token without privilege separation: it holds everything its user holds.",
    },
    Rule {
        id: MASKED_GROUP_GRANT,
        severity: Severity::Medium,
        summary: "A user's own ACL entry on a path hides roles its group grants on the same path (PVE applies user entries instead of group entries there).",
    },
    Rule {
        id: TOKEN_EXPIRING_SOON,
        severity: Severity::Low,
        summary: "A token expires within `expiry_window_days`.",
    },
    Rule {
        id: TOKEN_EXPIRED,
        severity: Severity::Low,
        summary: "A token has expired but still exists.",
    },
    Rule {
        id: USER_EXPIRED,
        severity: Severity::Low,
        summary: "A user has expired but still exists.",
    },
    Rule {
        id: TOKEN_WITHOUT_GRANTS,
        severity: Severity::Low,
        summary: "A privilege-separated token with no ACL entry of its own: it can do nothing.",
    },
    Rule {
        id: GRANTS_UNUSABLE,
        severity: Severity::Low,
        summary: "An identity holds privileges but cannot log in to use them: its user is disabled or its realm is gone.",
    },
    Rule {
        id: DUPLICATE_GRANT,
        severity: Severity::Low,
        summary: "An ACL entry repeats what already applies: the same roles propagate from a parent path, or a group grants a member what the member's own entry on that path already grants.",
    },
];

/// The rule with this id.
pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|rule| rule.id == id)
}

/// Privileges that change who may do what.
const ACCESS_PRIVILEGES: [&str; 5] = [
    "Permissions.Modify",
    "User.Modify",
    "Realm.Allocate",
    "Realm.AllocateUser",
    "Group.Allocate",
];
const ACCESS_PATHS: [&str; 2] = ["/", "/access"];

/// Privileges that change or control the nodes themselves.
const SYSTEM_PRIVILEGES: [&str; 3] = ["Sys.Modify", "Sys.PowerMgmt", "Sys.Console"];
const SYSTEM_PATHS: [&str; 2] = ["/", "/nodes"];

const ADMINISTRATOR: &str = "Administrator";
const ROOT: &str = "root@pam";

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: &'static str,
    pub severity: Severity,
    /// The user, token or (for ACL rules on groups) group concerned.
    pub identity: String,
    pub path: Option<String>,
    /// What was found and what to do about it.
    pub message: String,
}

impl Finding {
    fn new(rule_id: &'static str, identity: &str, path: Option<&str>, message: String) -> Self {
        let severity = rule(rule_id).map_or(Severity::High, |r| r.severity);
        Finding {
            rule: rule_id,
            severity,
            identity: identity.to_string(),
            path: path.map(str::to_string),
            message,
        }
    }
}

/// A configured exception: `rule` for every identity, or only for `identity`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ignore {
    pub rule: String,
    pub identity: Option<String>,
    pub reason: String,
}

impl Ignore {
    fn matches(&self, finding: &Finding) -> bool {
        self.rule == finding.rule
            && self
                .identity
                .as_deref()
                .is_none_or(|id| id == finding.identity)
    }
}

/// Settings of the rules.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// `token-expiring-soon` fires this many seconds before expiry.
    pub expiry_window: i64,
}

/// Every finding over `facts`, most severe first, then by rule, identity and path.
pub fn evaluate(facts: &Facts, options: &Options) -> Vec<Finding> {
    let mut findings = Vec::new();
    for identity in &facts.identities {
        identity_rules(facts, identity, options, &mut findings);
    }
    acl_rules(facts, &mut findings);
    findings.sort_by(|a, b| {
        (a.severity, a.rule, &a.identity, &a.path).cmp(&(b.severity, b.rule, &b.identity, &b.path))
    });
    findings.dedup();
    findings
}

/// Splits findings into the reported ones and the ignored ones (with the reason).
pub fn apply_ignores(
    findings: Vec<Finding>,
    ignores: &[Ignore],
) -> (Vec<Finding>, Vec<(Finding, String)>) {
    let mut reported = Vec::new();
    let mut ignored = Vec::new();
    for finding in findings {
        match ignores.iter().find(|ignore| ignore.matches(&finding)) {
            Some(ignore) => ignored.push((finding, ignore.reason.clone())),
            None => reported.push(finding),
        }
    }
    (reported, ignored)
}

fn is_expired(expire: i64, now: i64) -> bool {
    expire > 0 && expire <= now
}

fn when(epoch: i64) -> String {
    crate::convert::epoch_to_rfc3339(epoch).unwrap_or_else(|| epoch.to_string())
}

fn identity_rules(facts: &Facts, identity: &Identity, options: &Options, out: &mut Vec<Finding>) {
    let id = identity.id.as_str();
    let now = facts.now;
    match identity.kind {
        Kind::Token => {
            if identity.user_id == ROOT {
                out.push(Finding::new(ROOT_TOKEN, id, None, format!(
                    "{id} is a token of root@pam, which no ACL can limit. Create a dedicated user for the tool, give it only the roles it needs, use a privilege-separated token of that user, then delete this token."
                )));
            }
            if identity.privsep == Some(false) {
                out.push(Finding::new(TOKEN_NO_PRIVSEP, id, None, format!(
                    "{id} has privilege separation off, so it holds everything {} holds. Recreate it with `privileges_separation = true` and grant the token only what the tool needs.",
                    identity.user_id
                )));
            }
            if identity.expire == 0 {
                let bound = if identity.user_expire > 0 {
                    format!(
                        " (it stops when {} expires on {})",
                        identity.user_id,
                        when(identity.user_expire)
                    )
                } else {
                    String::new()
                };
                out.push(Finding::new(TOKEN_NO_EXPIRY, id, None, format!(
                    "{id} never expires{bound}. Set `expiration_date` (e.g. with the `rotating-tokens` pattern) so a leaked copy stops working on its own."
                )));
            } else if is_expired(identity.expire, now) {
                out.push(Finding::new(TOKEN_EXPIRED, id, None, format!(
                    "{id} expired on {} but still exists. Delete it (or renew it if it is still in use).",
                    when(identity.expire)
                )));
            } else if identity.expire - now <= options.expiry_window {
                out.push(Finding::new(TOKEN_EXPIRING_SOON, id, None, format!(
                    "{id} expires on {}. Rotate it before then, or let it lapse if the tool is retired.",
                    when(identity.expire)
                )));
            }
            if identity.privsep == Some(true)
                && !facts
                    .acl
                    .iter()
                    .any(|g| g.kind == "token" && g.ugid == identity.id)
            {
                out.push(Finding::new(TOKEN_WITHOUT_GRANTS, id, None, format!(
                    "{id} is privilege-separated but has no ACL entry of its own, so it can do nothing. Grant it the role it needs with a pve_acl, or delete it."
                )));
            }
            administrator_rule(facts, identity, out);
        }
        Kind::User => {
            if is_expired(identity.expire, now) {
                out.push(Finding::new(USER_EXPIRED, id, None, format!(
                    "{id} expired on {} but still exists, with its ACL entries and tokens. Delete the user (or extend `expiration_date` if it is still needed).",
                    when(identity.expire)
                )));
            }
        }
    }
    // root@pam itself holds everything by design and is not reported for
    // holding it; its tokens are (root-token).
    if identity.id != ROOT {
        privilege_rule(
            identity,
            CAN_CHANGE_PERMISSIONS,
            &ACCESS_PATHS,
            &ACCESS_PRIVILEGES,
            "can change users, groups, realms or ACLs, and so give itself anything",
            out,
        );
        privilege_rule(
            identity,
            CAN_CHANGE_SYSTEM,
            &SYSTEM_PATHS,
            &SYSTEM_PRIVILEGES,
            "can reconfigure, reboot or get a console on the nodes",
            out,
        );
    }
    unusable_rule(identity, now, out);
}

/// One finding at the first of `paths` where `identity` holds any of `privileges`.
fn privilege_rule(
    identity: &Identity,
    rule_id: &'static str,
    paths: &[&str],
    privileges: &[&str],
    consequence: &str,
    out: &mut Vec<Finding>,
) {
    for path in paths {
        let Some(held) = identity.privileges.get(*path) else {
            continue;
        };
        let risky: Vec<&str> = privileges
            .iter()
            .copied()
            .filter(|p| held.contains_key(*p))
            .collect();
        if risky.is_empty() {
            continue;
        }
        let id = &identity.id;
        out.push(Finding::new(rule_id, id, Some(path), format!(
            "{id} holds {} on {path}, so it {consequence}. Unless it is an administrator's own account, replace the grant with a role without these privileges on a more specific path.",
            risky.join(", ")
        )));
        return;
    }
}

fn administrator_rule(facts: &Facts, token: &Identity, out: &mut Vec<Finding>) {
    let id = &token.id;
    for grant in facts.acl.iter().filter(|g| g.role == ADMINISTRATOR) {
        if !facts.in_scope(grant.path.as_str()) {
            continue;
        }
        let path = grant.path.as_str();
        if grant.kind == "token" && grant.ugid == *id {
            out.push(Finding::new(TOKEN_ADMINISTRATOR, id, Some(path), format!(
                "{id} is granted Administrator on {path}. Grant the narrowest role the tool needs (a built-in PVE* role or a custom pve_role) on the most specific path instead."
            )));
        } else if token.privsep == Some(false)
            && ((grant.kind == "user" && grant.ugid == token.user_id)
                || (grant.kind == "group" && token.groups.contains(&grant.ugid)))
        {
            out.push(Finding::new(TOKEN_ADMINISTRATOR, id, Some(path), format!(
                "{id} inherits Administrator on {path} from {} because its privilege separation is off. Recreate the token with `privileges_separation = true` and grant it only what the tool needs.",
                token.user_id
            )));
        }
    }
}

fn unusable_rule(identity: &Identity, now: i64, out: &mut Vec<Finding>) {
    if identity.privileges.is_empty() || identity.id == ROOT {
        return;
    }
    // Expired identities have their own rules; this one is for the rest.
    if is_expired(identity.expire, now) || is_expired(identity.user_expire, now) {
        return;
    }
    let why = if !identity.realm_exists {
        format!("realm '{}' no longer exists", identity.realm)
    } else if !identity.user_enabled {
        format!("{} is disabled", identity.user_id)
    } else {
        return;
    };
    let id = &identity.id;
    out.push(Finding::new(GRANTS_UNUSABLE, id, None, format!(
        "{id} holds privileges on {} path(s) but cannot log in: {why}. Remove its ACL entries (or delete it) so the grants cannot come back to life when it is re-enabled or the realm is re-created.",
        identity.privileges.len()
    )));
}

/// The ACL entries of each principal, by path: `(kind, ugid) → path → role → propagate`.
type AclIndex<'a> = BTreeMap<(&'a str, &'a str), BTreeMap<&'a AclPath, BTreeMap<&'a str, bool>>>;

fn index(acl: &[Grant]) -> AclIndex<'_> {
    let mut out = AclIndex::new();
    for grant in acl {
        out.entry((grant.kind.as_str(), grant.ugid.as_str()))
            .or_default()
            .entry(&grant.path)
            .or_default()
            .insert(grant.role.as_str(), grant.propagate);
    }
    out
}

fn acl_rules(facts: &Facts, out: &mut Vec<Finding>) {
    let audited: BTreeSet<&str> = facts.identities.iter().map(|i| i.id.as_str()).collect();
    let identity_filter = facts.realm.is_some() || facts.user.is_some();
    for grant in facts.acl.iter().filter(|g| facts.in_scope(g.path.as_str())) {
        let exists = match grant.kind.as_str() {
            "user" => facts.users.contains(&grant.ugid),
            "group" => facts.groups.contains_key(&grant.ugid),
            _ => facts.tokens.contains(&grant.ugid),
        };
        if exists {
            continue;
        }
        // With an identity filter, report only missing users it would select.
        let selected =
            !identity_filter || (grant.kind != "group" && facts.selects_user(user_of(&grant.ugid)));
        if selected {
            out.push(Finding::new(ACL_UNKNOWN_PRINCIPAL, &grant.ugid, Some(grant.path.as_str()), format!(
                "The ACL on {} grants {} to {} '{}', which does not exist; a {} created later under that name would get it. Remove the entry (pve_acl or `pveum acl delete {} --roles {} --{}s {}`).",
                grant.path, grant.role, grant.kind, grant.ugid, grant.kind, grant.path, grant.role, grant.kind, grant.ugid
            )));
        }
    }

    let index = index(&facts.acl);
    for ((kind, ugid), by_path) in &index {
        if *kind == "group" || !audited.contains(ugid) {
            continue;
        }
        let groups: Vec<&str> = if *kind == "user" {
            facts
                .groups
                .iter()
                .filter(|(_, members)| members.contains(*ugid))
                .map(|(g, _)| g.as_str())
                .collect()
        } else {
            Vec::new()
        };
        for (path, roles) in by_path {
            if facts.in_scope(path.as_str()) {
                redundant_descendant(&index, ugid, &groups, by_path, path, roles, out);
                if *kind == "user" {
                    shadowed_group_grants(facts, &index, ugid, &groups, path, roles, out);
                }
            }
        }
    }
}

fn user_of(ugid: &str) -> &str {
    ugid.split_once('!').map_or(ugid, |(user, _)| user)
}

/// `duplicate-grant`: the principal's entries on `path` are exactly the
/// propagating roles of its nearest parent entry, and nothing in between
/// (or on `path`, which the entry masks) comes from its groups, so removing
/// them changes nothing.
fn redundant_descendant(
    index: &AclIndex<'_>,
    ugid: &str,
    groups: &[&str],
    by_path: &BTreeMap<&AclPath, BTreeMap<&str, bool>>,
    path: &AclPath,
    roles: &BTreeMap<&str, bool>,
    out: &mut Vec<Finding>,
) {
    if roles.values().any(|propagate| !propagate) {
        return; // a non-propagating entry stops inheritance below: not redundant
    }
    let Some((parent, parent_roles)) = by_path
        .iter()
        .filter(|(p, _)| **p != path && p.contains(path.as_str()))
        .max_by_key(|(p, _)| p.as_str().len())
    else {
        return;
    };
    let inherited: BTreeSet<&str> = parent_roles
        .iter()
        .filter(|(_, propagate)| **propagate)
        .map(|(role, _)| *role)
        .collect();
    if inherited != roles.keys().copied().collect::<BTreeSet<_>>() {
        return;
    }
    let group_entry_between = groups.iter().any(|group| {
        index.get(&("group", *group)).is_some_and(|paths| {
            paths
                .keys()
                .any(|p| p.contains(path.as_str()) && parent.contains(p.as_str()) && *p != *parent)
        })
    });
    if group_entry_between {
        return;
    }
    let listed: Vec<&str> = roles.keys().copied().collect();
    out.push(Finding::new(DUPLICATE_GRANT, ugid, Some(path.as_str()), format!(
        "{ugid} is granted {} on {path}, which it already inherits from its entry on {parent}. Remove the entry on {path}.",
        listed.join(", ")
    )));
}

/// The privileges of `role`; an unknown role counts as one privilege of
/// its own name, so it is never taken for a subset of another role.
fn role_privileges<'a>(facts: &'a Facts, role: &'a str) -> BTreeSet<&'a str> {
    facts.roles.get(role).map_or_else(
        || BTreeSet::from([role]),
        |privs| privs.iter().map(String::as_str).collect(),
    )
}

/// On `path`, `user`'s own entry replaces its groups' entries (PVE's
/// user-before-group rule): a group grant that adds nothing to the user's
/// own is a duplicate; one that would add privileges is masked.
fn shadowed_group_grants(
    facts: &Facts,
    index: &AclIndex<'_>,
    user: &str,
    groups: &[&str],
    path: &AclPath,
    own: &BTreeMap<&str, bool>,
    out: &mut Vec<Finding>,
) {
    let own_privileges: BTreeSet<&str> = own
        .keys()
        .flat_map(|role| role_privileges(facts, role))
        .collect();
    for group in groups {
        let Some(group_roles) = index.get(&("group", *group)).and_then(|p| p.get(path)) else {
            continue;
        };
        let roles: Vec<&str> = group_roles.keys().copied().collect();
        let lost: BTreeSet<&str> = roles
            .iter()
            .flat_map(|role| role_privileges(facts, role))
            .filter(|p| !own_privileges.contains(p))
            .collect();
        if lost.is_empty() {
            out.push(Finding::new(DUPLICATE_GRANT, user, Some(path.as_str()), format!(
                "Group {group} grants {} on {path}, which adds nothing to {user}'s own entry there (only the user's entry counts on that path). Remove one of them (usually the direct one, so membership decides).",
                roles.join(", ")
            )));
        } else {
            out.push(Finding::new(MASKED_GROUP_GRANT, user, Some(path.as_str()), format!(
                "Group {group} grants {} on {path}, but {user} does not get {} there: its own entry on {path} replaces its groups' entries. Add the role to {user}'s own entry, or remove that entry so the group's grant applies.",
                roles.join(", "),
                lost.into_iter().collect::<Vec<_>>().join(", ")
            )));
        }
    }
}

#[cfg(test)]
#[path = "rules_tests.rs"]
mod tests;
