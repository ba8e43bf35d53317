//! Function `acl_path`: builds an ACL path from an object kind and id and
//! checks it against the paths PVE 9.1 accepts (reference §6.5), so a typo
//! such as `/vm/100` or `/access/realms/pve` fails at plan time.

use async_trait::async_trait;
use proxmox_client::AclPath;
use tfplugin::provider::{Function, FunctionError, FunctionSignature};
use tfplugin::value::{Type, Value};

use super::{argument_error, string_argument, string_parameter};

/// `provider::pve::acl_path(kind, id)`.
#[derive(Debug)]
pub struct AclPathFunction;

/// One kind of object an ACL can be set on.
struct Kind {
    name: &'static str,
    /// The collection path the id is appended to.
    prefix: &'static str,
    /// How many `/`-separated levels the id may have.
    min_levels: usize,
    max_levels: usize,
    /// The id rule, for errors and the docs.
    rule: &'static str,
    example: &'static str,
}

const NAME: &str = "letters, digits, '.', '-' and '_'";

/// Every kind, in documentation order. Paths without an id (`/`, `/vms`,
/// `/access/groups`, …) are written literally.
const KINDS: &[Kind] = &[
    kind(
        "vm",
        "/vms",
        1,
        "a VMID of at least 100 (digits, no leading zero)",
        "100",
    ),
    kind("storage", "/storage", 1, NAME, "local-lvm"),
    kind(
        "pool",
        "/pool",
        3,
        "a pool id, nested up to 3 levels (`a`, `a/b`, `a/b/c`), each level of ASCII letters, digits, '.', '-' and '_'",
        "prod/web",
    ),
    kind("node", "/nodes", 1, NAME, "pve1"),
    kind("group", "/access/groups", 1, NAME, "ops"),
    kind("realm", "/access/realm", 1, NAME, "pve"),
    kind(
        "sdn_zone",
        "/sdn/zones",
        3,
        "`<zone>`, `<zone>/<vnet>` or `<zone>/<vnet>/<vlan 1-9999>`, zone and vnet of letters, digits, '.', '-' and '_'",
        "zone1/vnet1",
    ),
    kind(
        "sdn_controller",
        "/sdn/controllers",
        1,
        "letters, digits, '-' and '_'",
        "evpn1",
    ),
    kind(
        "sdn_dns",
        "/sdn/dns",
        1,
        "letters and digits only",
        "powerdns1",
    ),
    kind(
        "sdn_ipam",
        "/sdn/ipams",
        1,
        "letters and digits only",
        "pve",
    ),
    kind(
        "sdn_fabric",
        "/sdn/fabrics",
        1,
        "letters and digits only (PVE ≥ 9.0.1)",
        "fabric1",
    ),
    kind(
        "sdn_prefix_list",
        "/sdn/prefix-lists",
        1,
        "letters and digits only (PVE ≥ 9.1)",
        "pl1",
    ),
    kind(
        "sdn_route_map",
        "/sdn/route-maps",
        1,
        "letters and digits only (PVE ≥ 9.1)",
        "rm1",
    ),
    kind("mapping_pci", "/mapping/pci", 1, NAME, "gpu0"),
    kind("mapping_usb", "/mapping/usb", 1, NAME, "dongle"),
    kind("mapping_dir", "/mapping/dir", 1, NAME, "share1"),
    kind(
        "mapping",
        "/mapping",
        2,
        "`<type>` or `<type>/<id>`, each of letters, digits, '.', '-' and '_'",
        "pci/gpu0",
    ),
];

const fn kind(
    name: &'static str,
    prefix: &'static str,
    max_levels: usize,
    rule: &'static str,
    example: &'static str,
) -> Kind {
    Kind {
        name,
        prefix,
        min_levels: 1,
        max_levels,
        rule,
        example,
    }
}

#[async_trait]
impl Function for AclPathFunction {
    fn name(&self) -> &str {
        "acl_path"
    }

    fn signature(&self) -> FunctionSignature {
        let kinds: Vec<String> = KINDS
            .iter()
            .map(|k| {
                format!(
                    "- `{}`: `{}/<id>`; the id: {}; e.g. `{}`",
                    k.name, k.prefix, k.rule, k.example
                )
            })
            .collect();
        FunctionSignature {
            parameters: vec![
                string_parameter(
                    "kind",
                    "The kind of object: one of the kinds listed above, e.g. `vm`, `storage`, `pool`.",
                ),
                string_parameter(
                    "id",
                    "The object's id, e.g. `100` for a VM (a number is converted), `local-lvm` for a storage, `prod/web` for a nested pool.",
                ),
            ],
            variadic: None,
            return_type: Type::String,
            summary: "Builds a validated ACL path such as `/vms/100` or `/pool/prod`".into(),
            description: format!(
                "Returns the ACL path of one object, checked against the paths Proxmox VE 9.1 accepts for ACL entries (`pve_acl.path`). Kinds:\n\n{}\n\nAn unknown kind, an empty id, or an id PVE would refuse is an error that names the argument at fault. Paths that name no single object (`/`, `/vms`, `/storage`, `/access/groups`, `/sdn/zones`, `/mapping`, …) are written literally.",
                kinds.join("\n")
            ),
            deprecation_message: String::new(),
        }
    }

    async fn call(&self, arguments: Vec<Value>) -> Result<Value, FunctionError> {
        let kind = string_argument(&arguments, 0, "kind")?;
        let id = string_argument(&arguments, 1, "id")?;
        let kind = find_kind(kind).map_err(|detail| argument_error(0, detail))?;
        build(kind, id)
            .map(Value::string)
            .map_err(|detail| argument_error(1, detail))
    }
}

fn find_kind(name: &str) -> Result<&'static Kind, String> {
    if let Some(kind) = KINDS.iter().find(|k| k.name == name) {
        return Ok(kind);
    }
    let names: Vec<String> = KINDS.iter().map(|k| format!("`{}`", k.name)).collect();
    let suggestion = KINDS
        .iter()
        .find(|k| k.name.eq_ignore_ascii_case(name) || k.prefix.rsplit('/').next() == Some(name))
        .map(|k| format!(" Did you mean `{}`?", k.name))
        .unwrap_or_default();
    Err(format!(
        "`{name}` is not a kind of ACL object.{suggestion} Valid kinds: {}.",
        names.join(", ")
    ))
}

/// The path of `id` under `kind`, or why PVE would refuse it.
fn build(kind: &Kind, id: &str) -> Result<String, String> {
    let invalid = |why: &str| {
        format!(
            "`{id}` is not a valid {} id: {why}. Expected {}, e.g. `{}`.",
            kind.name, kind.rule, kind.example
        )
    };
    if id.is_empty() {
        return Err(format!(
            "the id is empty. For every object of kind `{}` write the literal path `{}` instead; an empty id is refused so that an unset variable cannot silently widen a grant.",
            kind.name, kind.prefix
        ));
    }
    let levels: Vec<&str> = id.split('/').collect();
    if levels.iter().any(|level| level.is_empty()) {
        return Err(invalid(
            "it has an empty level (a leading, trailing or doubled '/')",
        ));
    }
    if levels.len() < kind.min_levels || levels.len() > kind.max_levels {
        return Err(invalid(&if kind.max_levels == 1 {
            "it must not contain '/'".to_string()
        } else {
            format!(
                "it has {} '/'-separated levels, at most {} are allowed",
                levels.len(),
                kind.max_levels
            )
        }));
    }
    if kind.name == "vm"
        && !(id.len() >= 3 && !id.starts_with('0') && id.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(invalid("PVE accepts ACLs only on VMIDs of 100 and above"));
    }
    match AclPath::new(format!("{}/{id}", kind.prefix)) {
        Ok(path) if path.is_grantable() => Ok(path.to_string()),
        _ => Err(invalid("PVE 9.1 does not accept it in an ACL path")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(kind: &str, id: &str) -> Result<String, FunctionError> {
        futures::executor::block_on(
            AclPathFunction.call(vec![Value::string(kind), Value::string(id)]),
        )
        .map(|value| value.as_str().unwrap().to_string())
    }

    #[test]
    fn builds_every_kind_and_pve_accepts_the_result() {
        for (kind, id, path) in [
            ("vm", "100", "/vms/100"),
            ("vm", "999999", "/vms/999999"),
            ("storage", "local-lvm", "/storage/local-lvm"),
            ("pool", "prod", "/pool/prod"),
            ("pool", "a/b/c", "/pool/a/b/c"),
            ("node", "pve1", "/nodes/pve1"),
            ("group", "ops", "/access/groups/ops"),
            ("realm", "pve", "/access/realm/pve"),
            ("sdn_zone", "z1", "/sdn/zones/z1"),
            ("sdn_zone", "z1/vnet1", "/sdn/zones/z1/vnet1"),
            ("sdn_zone", "z1/vnet1/4094", "/sdn/zones/z1/vnet1/4094"),
            ("sdn_controller", "ctl_1-a", "/sdn/controllers/ctl_1-a"),
            ("sdn_dns", "dns1", "/sdn/dns/dns1"),
            ("sdn_ipam", "pve", "/sdn/ipams/pve"),
            ("sdn_fabric", "f1", "/sdn/fabrics/f1"),
            ("sdn_prefix_list", "p1", "/sdn/prefix-lists/p1"),
            ("sdn_route_map", "r1", "/sdn/route-maps/r1"),
            ("mapping_pci", "gpu0", "/mapping/pci/gpu0"),
            ("mapping_usb", "stick", "/mapping/usb/stick"),
            ("mapping_dir", "share", "/mapping/dir/share"),
            ("mapping", "pci", "/mapping/pci"),
            ("mapping", "pci/gpu0", "/mapping/pci/gpu0"),
        ] {
            assert_eq!(call(kind, id).unwrap(), path, "{kind} {id}");
            assert!(crate::acl_path::check(path).is_ok(), "{path}");
        }
    }

    #[test]
    fn every_kind_has_a_valid_example() {
        for kind in KINDS {
            let path = call(kind.name, kind.example).unwrap();
            assert!(path.starts_with(kind.prefix), "{path}");
        }
    }

    #[test]
    fn unknown_kind_lists_the_kinds_at_the_kind_argument() {
        let error = call("vms", "100").unwrap_err();
        assert_eq!(error.argument, Some(0));
        assert!(error.text.contains("`vms` is not a kind"), "{}", error.text);
        assert!(error.text.contains("Did you mean `vm`?"), "{}", error.text);
        assert!(
            error.text.contains("`vm`, `storage`, `pool`"),
            "{}",
            error.text
        );
        assert!(error.text.contains("`mapping_pci`"), "{}", error.text);
        let error = call("VM", "100").unwrap_err();
        assert!(error.text.contains("Did you mean `vm`?"), "{}", error.text);
        let error = call("disk", "x").unwrap_err();
        assert!(!error.text.contains("Did you mean"), "{}", error.text);
    }

    #[test]
    fn ids_pve_refuses_are_errors_at_the_id_argument() {
        for (kind, id, expected) in [
            ("vm", "99", "VMIDs of 100 and above"),
            ("vm", "0100", "VMIDs of 100 and above"),
            ("vm", "abc", "VMIDs of 100 and above"),
            ("vm", "100/1", "must not contain '/'"),
            ("pool", "a/b/c/d", "at most 3 are allowed"),
            ("pool", "a//b", "empty level"),
            ("pool", "/a", "empty level"),
            ("storage", "a/b", "must not contain '/'"),
            ("storage", "local lvm", "does not accept it"),
            ("sdn_dns", "a.b", "does not accept it"),
            ("sdn_zone", "z/v/0", "does not accept it"),
            ("sdn_zone", "z/v/10000", "does not accept it"),
            ("pool", "pröd", "does not accept it"),
            ("mapping", "a/b/c", "at most 2 are allowed"),
        ] {
            let error = call(kind, id).unwrap_err();
            assert_eq!(error.argument, Some(1), "{kind} {id}");
            assert!(error.text.contains(expected), "{kind} {id}: {}", error.text);
            assert!(
                error
                    .text
                    .contains(&format!("`{id}` is not a valid {kind} id")),
                "{}",
                error.text
            );
        }
    }

    #[test]
    fn an_empty_id_is_refused_rather_than_widening_the_grant() {
        let error = call("vm", "").unwrap_err();
        assert_eq!(error.argument, Some(1));
        assert!(error.text.contains("literal path `/vms`"), "{}", error.text);
    }
}
