//! `user.cfg` parser and writer, following `parse_user_config` and
//! `write_user_config` of libpve-access-control 9.1.x line by line.

use std::collections::BTreeMap;

use super::acl_path;
use super::config::{ROOT_USERID, RoleMap, Token, User, UserConfig, tree_order};
use super::ids::{
    byte_string, decode_file_text, encode_text, is_groupid, is_perl_space, is_pool_storage_id,
    is_roleid, perl_print_bytes, perl_split_colon, perl_true, split_list, split_tokenid,
    verify_poolid, verify_userid,
};
use super::privileges;

/// `$expire = 0 if !$expire; die unless /^\d+$/; int($expire)`.
fn parse_expire(raw: Option<&str>) -> Option<u64> {
    if !perl_true(raw) {
        return Some(0);
    }
    let s = raw.unwrap_or_default();
    if !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Perl would turn an overflowing value into a float; saturate instead.
    Some(s.parse::<u64>().unwrap_or(u64::MAX))
}

/// Decoded text for a truthy field, else `None` (`decode_text($x) if $x`).
fn text_field(raw: Option<&str>) -> Option<String> {
    perl_true(raw).then(|| decode_file_text(raw.unwrap_or_default()))
}

/// Encoded text for a truthy value, else `""` (`$x ? encode_text($x) : ''`).
fn encoded_or_empty(value: Option<&String>) -> String {
    match value {
        Some(v) if perl_true(Some(v)) => encode_text(v),
        _ => String::new(),
    }
}

impl UserConfig {
    /// Parse `user.cfg` text like PVE: invalid lines and members are skipped
    /// with a warning (returned, without trailing newline, in file order),
    /// ACL lines naming an unknown role or a missing token are dropped, ACLs
    /// naming missing users or groups are kept, and `root@pam` is added if
    /// absent.
    pub fn parse(text: &str) -> (UserConfig, Vec<String>) {
        let mut cfg = UserConfig::default();
        // root@pam comes from its line, or is added at the end (below).
        cfg.users.clear();
        let mut warnings = Vec::new();
        // `/^\s*(.+?)\s*$/gm`: lines end at `\n` only, trimmed of ASCII space.
        for line in text
            .split('\n')
            .map(|l| l.trim_matches(is_perl_space))
            .filter(|l| !l.is_empty())
        {
            let data = perl_split_colon(line);
            let field = |i: usize| data.get(i).map(String::as_str);
            match field(0).unwrap_or_default() {
                "user" => parse_user(&mut cfg, &data, &mut warnings),
                "group" => parse_group(&mut cfg, &data, &mut warnings),
                "role" => parse_role(&mut cfg, &data, &mut warnings),
                "acl" => parse_acl(&mut cfg, &data, &mut warnings),
                "pool" => parse_pool(&mut cfg, &data, &mut warnings),
                "token" => parse_token(&mut cfg, &data, &mut warnings),
                _ => warnings.push(format!("user config - ignore config line: {line}")),
            }
        }
        if !cfg.users.contains_key(ROOT_USERID) {
            cfg.users.insert(ROOT_USERID.to_string(), User::new(true));
            cfg.root_implied = true;
        }
        (cfg, warnings)
    }

    /// Parse user.cfg's bytes as PVE does: each byte is one character
    /// ([`byte_string`]), so UTF-8 written into the file reads back as its
    /// bytes. The bytes are kept as [`UserConfig::file`]: what the file
    /// holds until the next write.
    pub fn parse_file(bytes: &[u8]) -> (UserConfig, Vec<String>) {
        let (mut cfg, warnings) = Self::parse(&byte_string(bytes));
        cfg.file = Some(bytes.into());
        (cfg, warnings)
    }

    /// The bytes `cfs_write_file("user.cfg", …)` puts on disk for this
    /// configuration ([`perl_print_bytes`] of [`UserConfig::write`]).
    pub fn write_file(&self) -> Vec<u8> {
        perl_print_bytes(&self.write())
    }

    /// Serialise exactly like `write_user_config`: users (each followed by
    /// its tokens), groups, pools, custom roles and ACLs, each block sorted
    /// and followed by one blank line; ACL members sharing a role list are
    /// joined, `propagate=0` lines first, `root@pam` user ACLs omitted.
    pub fn write(&self) -> String {
        let mut out = String::new();
        for (userid, u) in &self.users {
            if self.root_implied && userid == ROOT_USERID {
                continue;
            }
            out.push_str(&format!(
                "user:{userid}:{}:{}:{}:{}:{}:{}:{}:\n",
                u8::from(u.enable),
                u.expire,
                encoded_or_empty(u.firstname.as_ref()),
                encoded_or_empty(u.lastname.as_ref()),
                u.email
                    .as_deref()
                    .filter(|e| perl_true(Some(e)))
                    .unwrap_or(""),
                encoded_or_empty(u.comment.as_ref()),
                u.keys
                    .as_deref()
                    .filter(|k| perl_true(Some(k)))
                    .unwrap_or(""),
            ));
            for (sub, t) in &u.tokens {
                out.push_str(&format!(
                    "token:{userid}!{sub}:{}:{}:{}:\n",
                    t.expire,
                    u8::from(t.privsep),
                    encoded_or_empty(t.comment.as_ref()),
                ));
            }
        }
        out.push('\n');
        for (name, g) in &self.groups {
            let members: Vec<&str> = g.members.iter().map(String::as_str).collect();
            out.push_str(&format!(
                "group:{name}:{}:{}:\n",
                members.join(","),
                encoded_or_empty(g.comment.as_ref())
            ));
        }
        out.push('\n');
        for (name, p) in &self.pools {
            // Perl sorts the vmid hash keys as strings.
            let mut vms: Vec<String> = p.vms.iter().map(u64::to_string).collect();
            vms.sort();
            let storage: Vec<&str> = p.storage.iter().map(String::as_str).collect();
            out.push_str(&format!(
                "pool:{name}:{}:{}:{}:\n",
                encoded_or_empty(p.comment.as_ref()),
                vms.join(","),
                storage.join(",")
            ));
        }
        out.push('\n');
        for (name, r) in &self.roles {
            if privileges::is_builtin_role(name) {
                continue;
            }
            let privs: Vec<&str> = r.privs.iter().map(String::as_str).collect();
            out.push_str(&format!("role:{name}:{}:\n", privs.join(",")));
        }
        out.push('\n');
        let mut paths: Vec<&String> = self.acl.keys().collect();
        paths.sort_by(|a, b| tree_order(a, b));
        for path in paths {
            write_acl_node(&mut out, path, &self.acl[path]);
        }
        out
    }
}

/// `$collect_rolelist_members` + the per-path loop of `write_user_config`.
fn write_acl_node(out: &mut String, path: &str, node: &super::config::AclNode) {
    // propagate → role list → members
    let mut lines: [BTreeMap<String, Vec<String>>; 2] = [BTreeMap::new(), BTreeMap::new()];
    let mut collect = |members: &BTreeMap<String, RoleMap>, prefix: &str, exclude: Option<&str>| {
        for (member, roles) in members {
            if exclude == Some(member.as_str()) {
                continue;
            }
            let l0: Vec<&str> = roles
                .iter()
                .filter(|(_, p)| !**p)
                .map(|(r, _)| r.as_str())
                .collect();
            let l1: Vec<&str> = roles
                .iter()
                .filter(|(_, p)| **p)
                .map(|(r, _)| r.as_str())
                .collect();
            for (idx, list) in [(0, l0), (1, l1)] {
                if !list.is_empty() {
                    lines[idx]
                        .entry(list.join(","))
                        .or_default()
                        .push(format!("{prefix}{member}"));
                }
            }
        }
    };
    collect(&node.groups, "@", None);
    collect(&node.users, "", Some(ROOT_USERID));
    collect(&node.tokens, "", None);
    for (propagate, by_roles) in lines.iter_mut().enumerate() {
        for (rolelist, members) in by_roles.iter_mut() {
            members.sort();
            members.dedup();
            out.push_str(&format!(
                "acl:{propagate}:{path}:{}:{rolelist}:\n",
                members.join(",")
            ));
        }
    }
}

fn parse_user(cfg: &mut UserConfig, data: &[String], warnings: &mut Vec<String>) {
    let f = |i: usize| data.get(i).map(String::as_str);
    let userid = f(1).unwrap_or_default();
    if verify_userid(userid).is_err() {
        warnings.push(format!(
            "user config - ignore user '{userid}' - invalid user name"
        ));
        return;
    }
    let Some(expire) = parse_expire(f(3)) else {
        warnings.push(format!(
            "user config - ignore user '{userid}' - (illegal characters in expire '{}')",
            f(3).unwrap_or_default()
        ));
        return;
    };
    // A re-defined user starts from scratch (tokens included), like PVE.
    let user = User {
        enable: perl_true(f(2)),
        expire,
        firstname: text_field(f(4)),
        lastname: text_field(f(5)),
        email: f(6).map(str::to_string),
        comment: text_field(f(7)),
        keys: perl_true(f(8)).then(|| f(8).unwrap_or_default().to_string()),
        tokens: BTreeMap::new(),
    };
    cfg.users.insert(userid.to_string(), user);
}

fn parse_group(cfg: &mut UserConfig, data: &[String], warnings: &mut Vec<String>) {
    let f = |i: usize| data.get(i).map(String::as_str);
    let name = f(1).unwrap_or_default();
    if !is_groupid(name) {
        warnings.push(format!(
            "user config - ignore group '{name}' - invalid characters in group name"
        ));
        return;
    }
    let comment = text_field(f(3));
    let known_users: Vec<bool> = split_list(f(2).unwrap_or_default())
        .iter()
        .map(|u| cfg.users.contains_key(u))
        .collect();
    let group = cfg.groups.entry(name.to_string()).or_default();
    if comment.is_some() {
        group.comment = comment;
    }
    for (member, known) in split_list(f(2).unwrap_or_default())
        .into_iter()
        .zip(known_users)
    {
        if verify_userid(&member).is_err() {
            warnings.push(format!(
                "user config - ignore invalid group member '{member}'"
            ));
            continue;
        }
        if !known {
            // PVE warns but still records the membership on the group.
            warnings.push(format!(
                "user config - ignore invalid group member '{member}'"
            ));
        }
        group.members.insert(member);
    }
}

fn parse_role(cfg: &mut UserConfig, data: &[String], warnings: &mut Vec<String>) {
    let f = |i: usize| data.get(i).map(String::as_str);
    let name = f(1).unwrap_or_default();
    if !is_roleid(name) {
        warnings.push(format!(
            "user config - ignore role '{name}' - invalid characters in role name"
        ));
        return;
    }
    let builtin = privileges::is_builtin_role(name);
    if !builtin {
        cfg.roles.entry(name.to_string()).or_default();
    }
    for p in split_list(f(2).unwrap_or_default()) {
        if !privileges::is_valid_privilege(&p) {
            warnings.push(format!("user config - ignore invalid privilege '{p}'"));
            continue;
        }
        if builtin {
            cfg.builtin_additions
                .entry(name.to_string())
                .or_default()
                .insert(p);
        } else if let Some(role) = cfg.roles.get_mut(name) {
            role.privs.insert(p);
        }
    }
}

fn parse_acl(cfg: &mut UserConfig, data: &[String], warnings: &mut Vec<String>) {
    let f = |i: usize| data.get(i).map(String::as_str);
    let propagate = perl_true(f(1));
    let pathtxt = f(2).unwrap_or_default();
    let Some(path) = acl_path::normalize(pathtxt) else {
        warnings.push(format!(
            "user config - ignore invalid path in acl '{pathtxt}'"
        ));
        return;
    };
    let members = split_list(f(3).unwrap_or_default());
    for role in split_list(f(4).unwrap_or_default()) {
        if !is_roleid(&role) {
            warnings.push(format!(
                "user config - ignore invalid role name '{role}' in acl"
            ));
            continue;
        }
        if !cfg.role_exists(&role) {
            warnings.push(format!("user config - ignore invalid acl role '{role}'"));
            continue;
        }
        for ug in &members {
            let group = ug
                .strip_prefix('@')
                .filter(|g| !g.chars().any(char::is_whitespace));
            if let Some(group) = group.filter(|g| is_groupid(g)) {
                if !cfg.groups.contains_key(group) {
                    warnings.push(format!("user config - ignore invalid acl group '{group}'"));
                }
                let node = cfg.acl.entry(path.clone()).or_default();
                node.groups
                    .entry(group.to_string())
                    .or_default()
                    .insert(role.clone(), propagate);
            } else if verify_userid(ug).is_ok() {
                if !cfg.users.contains_key(ug) {
                    warnings.push(format!("user config - ignore invalid acl member '{ug}'"));
                }
                let node = cfg.acl.entry(path.clone()).or_default();
                node.users
                    .entry(ug.clone())
                    .or_default()
                    .insert(role.clone(), propagate);
            } else if split_tokenid(ug).is_some() {
                if cfg.token(ug).is_some() {
                    let node = cfg.acl.entry(path.clone()).or_default();
                    node.tokens
                        .entry(ug.clone())
                        .or_default()
                        .insert(role.clone(), propagate);
                } else {
                    warnings.push(format!("user config - ignore invalid acl token '{ug}'"));
                }
            } else {
                warnings.push(format!("user config - invalid user/group '{ug}' in acl"));
            }
        }
    }
}

fn parse_pool(cfg: &mut UserConfig, data: &[String], warnings: &mut Vec<String>) {
    let f = |i: usize| data.get(i).map(String::as_str);
    let name = f(1).unwrap_or_default();
    if verify_poolid(name).is_err() {
        warnings.push(format!(
            "user config - ignore pool '{name}' - invalid characters in pool name"
        ));
        return;
    }
    cfg.pools.entry(name.to_string()).or_default();
    // Make sure every ancestor of a nested pool exists.
    let mut curr = name;
    while let Some((parent, _)) = curr.rsplit_once('/') {
        cfg.pools.entry(parent.to_string()).or_default();
        curr = parent;
    }
    if let (Some(comment), Some(p)) = (text_field(f(2)), cfg.pools.get_mut(name)) {
        p.comment = Some(comment);
    }
    for vmid in split_list(f(3).unwrap_or_default()) {
        let parsed = vmid
            .bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| vmid.parse::<u64>().ok())
            .flatten();
        let Some(id) = parsed else {
            warnings.push(format!(
                "user config - ignore invalid vmid '{vmid}' in pool '{name}'"
            ));
            continue;
        };
        if cfg.vm_pool(id).is_some() {
            warnings.push(format!(
                "user config - ignore duplicate vmid '{id}' in pool '{name}'"
            ));
            continue;
        }
        if let Some(p) = cfg.pools.get_mut(name) {
            p.vms.insert(id);
        }
    }
    for storeid in split_list(f(4).unwrap_or_default()) {
        if !is_pool_storage_id(&storeid) {
            warnings.push(format!(
                "user config - ignore invalid storage '{storeid}' in pool '{name}'"
            ));
            continue;
        }
        if let Some(p) = cfg.pools.get_mut(name) {
            p.storage.insert(storeid);
        }
    }
}

fn parse_token(cfg: &mut UserConfig, data: &[String], warnings: &mut Vec<String>) {
    let f = |i: usize| data.get(i).map(String::as_str);
    let tokenid = f(1).unwrap_or_default();
    let Some((userid, sub)) = split_tokenid(tokenid) else {
        warnings.push(format!("user config - ignore invalid tokenid '{tokenid}'"));
        return;
    };
    let Some(expire) = parse_expire(f(2)) else {
        warnings.push(format!(
            "user config - ignore token '{tokenid}' - (illegal characters in expire '{}')",
            f(2).unwrap_or_default()
        ));
        return;
    };
    let privsep = perl_true(f(3));
    let comment = text_field(f(4));
    match cfg.users.get_mut(userid) {
        Some(user) => {
            let token = user.tokens.entry(sub.to_string()).or_insert(Token {
                privsep,
                expire,
                comment: None,
            });
            token.privsep = privsep;
            token.expire = expire;
            if comment.is_some() {
                token.comment = comment;
            }
        }
        None => warnings.push(format!(
            "user config - ignore token '{tokenid}' - user does not exist"
        )),
    }
}
