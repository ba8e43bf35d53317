//! Moving state from bpg/proxmox (`moved { from = proxmox_… to = pve_… }`,
//! Terraform ≥ 1.8): the helpers every resource's `move_state` shares.
//!
//! A move is a pure transformation of the JSON state bpg stored: it runs
//! before the provider is configured, so it never calls PVE. Each resource
//! maps bpg's attributes onto its own state layout, then builds its state
//! through its own model (which computes ids and identity and checks the
//! values). The schemas mapped are those of bpg at commit
//! d6bd1ffe00c0f2822ff6370b3dcb6e60eb1c3da9 (2026-07-19); every access type
//! bpg ships is at schema version 0 there (SDKv2 resources and framework
//! resources alike), and none has a resource identity.
//!
//! bpg habits: its SDKv2 resources store `""` for an unset comment, e-mail,
//! name or key, and `1970-01-01T00:00:00Z` for "never expires"; those become
//! null here, since this provider uses null for unset.

use serde_json::{Map, Value as Json};
use tfplugin::diag::{AttributePath, Diagnostic, Diagnostics};
use tfplugin::provider::{MoveStateRequest, MovedState, ResourceState};

/// bpg's provider addresses: Terraform's registry and OpenTofu's.
const BPG_ADDRESSES: [&str; 2] = [
    "registry.terraform.io/bpg/proxmox",
    "registry.opentofu.org/bpg/proxmox",
];

/// The highest schema version of any bpg access type (see the module docs).
const BPG_SCHEMA_VERSION: i64 = 0;

/// The state of one bpg resource being moved, and what the mapping found.
pub(crate) struct BpgState<'a> {
    source: &'a str,
    target: &'static str,
    attributes: &'a Map<String, Json>,
    diagnostics: Diagnostics,
}

/// Maps a move request from one of bpg's `source_types` with `map`.
/// `Ok(None)` when the source is not one of them (the framework then says
/// the move is not supported).
pub(crate) fn from_bpg(
    request: &MoveStateRequest,
    target: &'static str,
    source_types: &[&str],
    map: impl FnOnce(&mut BpgState<'_>) -> Result<ResourceState, Diagnostics>,
) -> Result<Option<MovedState>, Diagnostics> {
    if !source_types.contains(&request.source_type_name.as_str()) {
        return Ok(None);
    }
    let address = request.source_provider_address.to_ascii_lowercase();
    if !BPG_ADDRESSES.contains(&address.as_str()) {
        return Err(Diagnostics::error(
            "Unable to move resource state",
            format!(
                "{target} takes over {} only from bpg's provider (registry.terraform.io/bpg/proxmox), not from {}. Remove the moved block and import the object instead.",
                request.source_type_name, request.source_provider_address
            ),
        ));
    }
    if request.source_schema_version > BPG_SCHEMA_VERSION {
        return Err(Diagnostics::error(
            "Unable to move resource state",
            format!(
                "The state of {} has schema version {}, which this provider does not know (it maps bpg's version {BPG_SCHEMA_VERSION}). Remove the moved block and import the object into {target} instead, or report the bpg version you use.",
                request.source_type_name, request.source_schema_version
            ),
        ));
    }
    let Json::Object(attributes) = &request.source_state else {
        return Err(Diagnostics::error(
            "Unable to move resource state",
            format!(
                "The stored state of {} is not an object; nothing to move into {target}.",
                request.source_type_name
            ),
        ));
    };
    let mut bpg = BpgState {
        source: &request.source_type_name,
        target,
        attributes,
        diagnostics: Diagnostics::new(),
    };
    let mapped = map(&mut bpg);
    let mut diagnostics = bpg.diagnostics;
    match mapped {
        // The refusals recorded while reading bpg's state explain any
        // later error of the mapping, which would only repeat them.
        _ if diagnostics.has_errors() => Err(diagnostics),
        Ok(state) => Ok(Some(MovedState { state, diagnostics })),
        Err(errors) => {
            diagnostics.extend(errors);
            Err(diagnostics)
        }
    }
}

impl BpgState<'_> {
    /// The bpg type being moved, e.g. `proxmox_virtual_environment_user`.
    pub(crate) fn source(&self) -> &str {
        self.source
    }

    fn raw(&self, name: &str) -> Option<&Json> {
        self.attributes.get(name).filter(|value| !value.is_null())
    }

    /// Records that `name` cannot be moved; the move fails.
    pub(crate) fn refuse(&mut self, name: &str, detail: impl Into<String>) {
        self.diagnostics.push(
            Diagnostic::error(
                format!("Cannot move {}.{name} to {}", self.source, self.target),
                detail,
            )
            .at(AttributePath::attribute(name)),
        );
    }

    /// A warning shown with the plan: something dropped or reinterpreted.
    pub(crate) fn warn(&mut self, summary: impl Into<String>, detail: impl Into<String>) {
        self.diagnostics
            .push(Diagnostic::warning(summary.into(), detail.into()));
    }

    fn wrong_type(&mut self, name: &str, expected: &str) {
        // Never echo the value: it may be a secret.
        self.refuse(
            name,
            format!("bpg stored `{name}` as something other than {expected}; the state may be from an unknown bpg version. Import the object instead."),
        );
    }

    /// A string attribute, as stored.
    pub(crate) fn string(&mut self, name: &str) -> Option<String> {
        match self.raw(name)? {
            Json::String(text) => Some(text.clone()),
            _ => {
                self.wrong_type(name, "a string");
                None
            }
        }
    }

    /// A string attribute where bpg's `""` means unset.
    pub(crate) fn text(&mut self, name: &str) -> Option<String> {
        self.string(name).filter(|text| !text.is_empty())
    }

    /// A required string attribute; a missing one fails the move.
    pub(crate) fn required(&mut self, name: &str) -> String {
        match self.text(name) {
            Some(text) => text,
            None => {
                if self.raw(name).is_none() {
                    self.refuse(
                        name,
                        format!("bpg's state has no `{name}`, which identifies the object. Import the object instead."),
                    );
                }
                String::new()
            }
        }
    }

    pub(crate) fn bool(&mut self, name: &str) -> Option<bool> {
        match self.raw(name)? {
            Json::Bool(flag) => Some(*flag),
            _ => {
                self.wrong_type(name, "a boolean");
                None
            }
        }
    }

    pub(crate) fn i64(&mut self, name: &str) -> Option<i64> {
        match self.raw(name)? {
            Json::Number(number) if number.as_i64().is_some() => number.as_i64(),
            _ => {
                self.wrong_type(name, "a whole number");
                None
            }
        }
    }

    /// A boolean, or `None` when the attribute is unset or not a boolean.
    pub(crate) fn bool_lenient(&self, name: &str) -> Option<bool> {
        self.raw(name).and_then(Json::as_bool)
    }

    /// A whole number, or `None` when the attribute is unset or not a number.
    pub(crate) fn i64_lenient(&self, name: &str) -> Option<i64> {
        self.raw(name).and_then(Json::as_i64)
    }

    /// A set or list of strings.
    pub(crate) fn strings(&mut self, name: &str) -> Option<Vec<String>> {
        let items = match self.raw(name)? {
            Json::Array(items) => items,
            _ => {
                self.wrong_type(name, "a list of strings");
                return None;
            }
        };
        let strings: Option<Vec<String>> = items
            .iter()
            .map(|item| item.as_str().map(str::to_string))
            .collect();
        if strings.is_none() {
            self.wrong_type(name, "a list of strings");
        }
        strings
    }

    /// The string fields of each element of a nested block.
    pub(crate) fn block_strings(&self, name: &str, fields: &[&str]) -> Vec<Vec<String>> {
        self.raw(name)
            .and_then(Json::as_array)
            .map(|items| {
                items
                    .iter()
                    .map(|item| {
                        fields
                            .iter()
                            .map(|field| match item.get(field) {
                                Some(Json::String(text)) => text.clone(),
                                Some(Json::Bool(flag)) => flag.to_string(),
                                _ => String::new(),
                            })
                            .collect()
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// An RFC 3339 expiry where bpg's `""` and the Unix epoch mean "never".
    pub(crate) fn expiration(&mut self, name: &str) -> Option<String> {
        let text = self.text(name)?;
        // bpg's default, `1970-01-01T00:00:00Z` (or another spelling of the epoch).
        if text.starts_with("1970-01-01T00:00:00") {
            return None;
        }
        match crate::convert::rfc3339_to_epoch(&text) {
            Ok(_) => Some(text),
            Err(detail) => {
                self.refuse(name, format!("{detail} Fix the date in the bpg configuration and apply it with bpg first, or import the object instead."));
                None
            }
        }
    }
}

/// Warns about bpg's inline `acl` blocks of a user or group: PVE keeps the
/// entries, which become `pve_acl` resources by import.
pub(crate) fn warn_inline_acl(bpg: &mut BpgState<'_>, kind: &str, principal: &str) {
    let entries = bpg.block_strings("acl", &["path", "role_id"]);
    if entries.is_empty() {
        return;
    }
    let imports: Vec<String> = entries
        .iter()
        .map(|entry| {
            format!(
                "import {{\n  to = pve_acl.NAME\n  id = \"{}|{}|{kind}:{principal}\"\n}}",
                entry[0], entry[1]
            )
        })
        .collect();
    let source = bpg.source().to_string();
    bpg.warn(
        format!("The acl blocks of {source} are not moved"),
        format!(
            "pve_{kind} does not manage ACL entries; pve_acl does. The {} entries stay in PVE unchanged. To keep managing them, add one pve_acl resource per entry and import it:\n\n{}",
            entries.len(),
            imports.join("\n")
        ),
    );
}

#[cfg(test)]
pub(crate) mod testing {
    use super::*;

    /// A move request as Terraform sends it for a bpg resource.
    pub(crate) fn request(source_type: &str, state: Json) -> MoveStateRequest {
        MoveStateRequest {
            source_provider_address: BPG_ADDRESSES[0].into(),
            source_type_name: source_type.into(),
            source_schema_version: 0,
            source_state: state,
            ..MoveStateRequest::default()
        }
    }

    /// The moved state; panics (test only) when the move failed or was not supported.
    pub(crate) fn moved(result: Result<Option<MovedState>, Diagnostics>) -> MovedState {
        match result {
            Ok(Some(moved)) => moved,
            Ok(None) => panic!("move not supported"),
            Err(diagnostics) => panic!(
                "move failed: {:?}",
                diagnostics
                    .iter()
                    .map(|d| format!("{}: {}", d.summary, d.detail))
                    .collect::<Vec<_>>()
            ),
        }
    }

    /// The summaries of the errors of a failed move.
    pub(crate) fn refused(result: Result<Option<MovedState>, Diagnostics>) -> Vec<String> {
        match result {
            Err(diagnostics) => diagnostics
                .iter()
                .filter(|d| d.is_error())
                .map(|d| d.summary.clone())
                .collect(),
            Ok(_) => panic!("the move should fail"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::testing::*;
    use super::*;
    use serde_json::json;
    use tfplugin::value::Value;

    fn echo(bpg: &mut BpgState<'_>) -> Result<ResourceState, Diagnostics> {
        let comment = bpg.text("comment");
        let expiry = bpg.expiration("expiration_date");
        Ok(ResourceState {
            state: Value::object([
                ("id", Value::string(bpg.required("id"))),
                ("comment", crate::convert::opt_string(comment)),
                ("expiration_date", crate::convert::opt_string(expiry)),
            ]),
            ..ResourceState::default()
        })
    }

    #[test]
    fn only_bpg_types_from_bpg_are_moved() {
        let state = json!({"id": "x", "comment": "", "expiration_date": "1970-01-01T00:00:00Z"});
        let request = request("proxmox_thing", state.clone());
        let moved = moved(from_bpg(&request, "pve_thing", &["proxmox_thing"], echo));
        assert!(moved.state.state.get("comment").is_null(), "\"\" is unset");
        assert!(
            moved.state.state.get("expiration_date").is_null(),
            "1970 is never"
        );

        assert!(
            from_bpg(&request, "pve_thing", &["proxmox_other"], echo)
                .unwrap()
                .is_none()
        );
        let foreign = MoveStateRequest {
            source_provider_address: "registry.terraform.io/telmate/proxmox".into(),
            ..request.clone()
        };
        let error = from_bpg(&foreign, "pve_thing", &["proxmox_thing"], echo).unwrap_err();
        assert!(error.iter().next().unwrap().detail.contains("telmate"));
        let tofu = MoveStateRequest {
            source_provider_address: "registry.opentofu.org/bpg/proxmox".into(),
            ..request.clone()
        };
        assert!(from_bpg(&tofu, "pve_thing", &["proxmox_thing"], echo).is_ok());
        let newer = MoveStateRequest {
            source_schema_version: 1,
            ..request
        };
        let error = from_bpg(&newer, "pve_thing", &["proxmox_thing"], echo).unwrap_err();
        assert!(
            error
                .iter()
                .next()
                .unwrap()
                .detail
                .contains("schema version 1")
        );
    }

    #[test]
    fn refusals_name_the_attribute_and_never_echo_values() {
        let request = request(
            "proxmox_thing",
            json!({"comment": ["secret-ish"], "expiration_date": "tomorrow"}),
        );
        let result = from_bpg(&request, "pve_thing", &["proxmox_thing"], echo);
        let diagnostics = result.unwrap_err();
        let summaries: Vec<&str> = diagnostics.iter().map(|d| d.summary.as_str()).collect();
        assert_eq!(
            summaries,
            [
                "Cannot move proxmox_thing.comment to pve_thing",
                "Cannot move proxmox_thing.expiration_date to pve_thing",
                "Cannot move proxmox_thing.id to pve_thing",
            ]
        );
        assert!(diagnostics.iter().all(|d| !d.detail.contains("secret-ish")));
    }
}
