//! `moved` from bpg's realm types: bpg's attributes are renamed to PVE's
//! option names, and the options are decoded exactly as a read from PVE
//! would decode them (so comma strings become lists and maps, and
//! `sync_defaults_options` splits into the `sync_defaults_*` attributes).

use serde_json::{Map, Value as Json};
use tfplugin::diag::Diagnostics;
use tfplugin::provider::ResourceState;
use tfplugin::value::Value;

use super::RealmKind;
use crate::resources::moved::BpgState;

/// How bpg stores one realm option: its attribute and PVE's option name.
pub(crate) type BpgOption = (&'static str, &'static str);

/// A bpg secret kept in its state (`bind_password`, `client_key`) that
/// becomes this type's write-only attribute.
#[derive(Debug)]
pub(crate) struct BpgSecret {
    pub attr: &'static str,
    /// bpg's own write-only version attribute, if it has one.
    pub version_attr: Option<&'static str>,
}

impl RealmKind {
    /// bpg's realm state as this type's state. `options` lists every bpg
    /// attribute besides `id`, `realm`, `comment`, `default` and the secret.
    pub(crate) fn state_from_bpg(
        &self,
        bpg: &mut BpgState<'_>,
        options: &[BpgOption],
        secret: &BpgSecret,
    ) -> Result<ResourceState, Diagnostics> {
        let realm_text = bpg.required("realm");
        let mut config = Map::new();
        config.insert("realm".into(), Json::String(realm_text.clone()));
        config.insert("type".into(), Json::String(self.pve_type.into()));
        if let Some(comment) = bpg.text("comment") {
            config.insert("comment".into(), Json::String(comment));
        }
        config.insert(
            "default".into(),
            Json::Bool(bpg.bool("default").unwrap_or(false)),
        );
        for (attr, pve) in options {
            if let Some(text) = bpg_option(bpg, attr) {
                config.insert((*pve).into(), Json::String(text));
            }
        }
        let realm = self.realm_id(&Value::object([("realm", Value::string(&realm_text))]))?;
        let found = serde_json::from_value(Json::Object(config)).map_err(|error| {
            Diagnostics::error(
                "Unable to move resource state",
                format!("bpg's realm state could not be read as realm options: {error}"),
            )
        })?;
        if bpg.text(secret.attr).is_some() {
            bpg.warn(
                format!("{}.{} is not moved", bpg.source(), secret.attr),
                format!(
                    "{} keeps secrets out of state: PVE keeps the current secret, and `{}` (with `{}`) sends a new one when you want to change it.",
                    self.type_name, self.secret.attr, self.secret.version_attr
                ),
            );
        }
        let version = secret
            .version_attr
            .and_then(|name| bpg.i64(name))
            .map_or(Value::Null, Value::number);
        let prior = Value::object([(self.secret.version_attr, version)]);
        let state = self.decode(&realm, &found, &prior);
        // Checked as a configuration would be, without the secret's version
        // (which alone would read as "version without a secret").
        let mut checked = state.state.clone();
        checked.set_attr(self.secret.version_attr, Value::Null);
        let problems = self.validate(&checked);
        if problems.has_errors() {
            return Err(problems);
        }
        Ok(state)
    }
}

/// One bpg attribute as PVE's option text; `""` and null are unset.
fn bpg_option(bpg: &mut BpgState<'_>, attr: &str) -> Option<String> {
    if let Some(flag) = bpg.bool_lenient(attr) {
        return Some(if flag { "1" } else { "0" }.into());
    }
    if let Some(number) = bpg.i64_lenient(attr) {
        return Some(number.to_string());
    }
    bpg.text(attr)
}
