//! Managed resource RPC bodies: validate, upgrade, read, plan, apply,
//! import, move, identity.

use super::{Outcome, ProviderService, Reply, ResourceEntry, codec_error, decode, encode};
use crate::diag::{AttributePath, Diagnostic, Diagnostics};
use crate::plan;
use crate::proto::tfplugin6 as pb;
use crate::provider::{ImportRequest, MoveStateRequest, PlanContext, ResourceState};
use crate::schema::Block;
use crate::value::Value;
use crate::wire;

impl ResourceEntry {
    fn decode_identity(
        &self,
        data: Option<&pb::ResourceIdentityData>,
    ) -> Result<Option<Value>, Diagnostics> {
        let Some(dv) = data.and_then(|d| d.identity_data.as_ref()) else {
            return Ok(None);
        };
        let Some(ty) = &self.identity_ty else {
            return Ok(None);
        };
        let value = decode(Some(dv), ty, "resource identity")?;
        Ok((!value.is_null()).then_some(value))
    }

    fn encode_identity(
        &self,
        identity: Option<&Value>,
    ) -> Result<Option<pb::ResourceIdentityData>, Diagnostics> {
        match (identity, &self.identity_ty) {
            (Some(value), Some(ty)) if !value.is_null() => Ok(Some(pb::ResourceIdentityData {
                identity_data: Some(encode(value, ty, "resource identity")?),
            })),
            _ => Ok(None),
        }
    }

    /// Encodes a state for Terraform: write-only attributes always null.
    fn encode_state(&self, mut state: Value) -> Result<pb::DynamicValue, Diagnostics> {
        plan::null_write_only(&self.schema.block, &mut state);
        encode(&state, &self.ty, "resource state")
    }

    fn name(&self) -> &str {
        self.resource.type_name()
    }
}

/// A state after apply/read must be wholly known; unknowns become null and an
/// error names the first one.
fn settle_unknowns(
    type_name: &str,
    operation: &str,
    state: &mut Value,
    diagnostics: &mut Diagnostics,
) {
    while let Some(path) = plan::first_unknown(state) {
        if !diagnostics
            .iter()
            .any(|d| d.summary == "Provider returned an unknown value")
        {
            diagnostics.push(
                Diagnostic::error(
                    "Provider returned an unknown value",
                    format!(
                        "After {operation}, {type_name} left {path} unknown. This is a bug in the provider; \
                         please report it."
                    ),
                )
                .at(path.clone()),
            );
        }
        replace_at(state, &path, Value::Null);
    }
}

fn replace_at(value: &mut Value, path: &AttributePath, replacement: Value) {
    use crate::diag::PathStep;
    let mut current = value;
    for step in &path.0 {
        let next = match (step, current) {
            (
                PathStep::Attribute(name) | PathStep::ElementKeyString(name),
                Value::Object(m) | Value::Map(m),
            ) => m.get_mut(name),
            (PathStep::ElementKeyInt(i), Value::List(v) | Value::Set(v) | Value::Tuple(v)) => {
                usize::try_from(*i).ok().and_then(|i| v.get_mut(i))
            }
            _ => None,
        };
        match next {
            Some(next) => current = next,
            None => return,
        }
    }
    *current = replacement;
}

/// Attributes set in configuration that the calling Terraform cannot keep out
/// of plan and state. The diagnostics name the attribute but carry no path:
/// with one, Terraform prints the configuration line, i.e. the secret.
fn write_only_not_allowed(block: &Block, config: &Value) -> Diagnostics {
    block
        .attributes
        .iter()
        .filter(|a| a.write_only && !config.get(&a.name).is_null())
        .map(|a| {
            Diagnostic::error(
                "Write-only attribute not supported",
                format!(
                    "The attribute {} is write-only, which needs Terraform 1.11 or later. Upgrade Terraform, \
                     or leave the attribute unset.",
                    a.name
                ),
            )
        })
        .collect()
}

fn parse_raw_json(
    raw: Option<&pb::RawState>,
    what: &str,
) -> Result<Option<serde_json::Value>, Diagnostics> {
    let Some(raw) = raw else {
        return Ok(None);
    };
    if raw.json.is_empty() {
        if raw.flatmap.is_empty() {
            return Ok(None);
        }
        return Err(Diagnostics::error(
            format!("Unsupported {what} format"),
            format!(
                "The stored {what} uses the legacy flatmap format of Terraform 0.11 and earlier, which this \
                 provider cannot read. Refresh the resource with a Terraform 0.12-0.15 release first, or \
                 remove it from state and import it again."
            ),
        ));
    }
    serde_json::from_slice(&raw.json).map(Some).map_err(|e| {
        Diagnostics::error(
            format!("Invalid stored {what}"),
            format!(
                "The stored {what} is not valid JSON (line {}, column {}).",
                e.line(),
                e.column()
            ),
        )
    })
}

impl ProviderService {
    /// What ReadResource answers when the read fails or panics, or its
    /// result cannot be encoded: the current state, unchanged. Without a
    /// state Terraform would drop the object.
    pub(super) fn read_fallback(req: &pb::read_resource::Request) -> pb::read_resource::Response {
        pb::read_resource::Response {
            new_state: req.current_state.clone(),
            private: req.private.clone(),
            new_identity: req.current_identity.clone(),
            ..Default::default()
        }
    }

    /// What ApplyResourceChange answers when the provider panics or its
    /// result cannot be encoded, i.e. when nobody knows how far it got. An
    /// update or delete keeps the prior state. A create keeps the planned
    /// state (unknown values null): the object may exist, and Terraform
    /// then records it as tainted, so the next refresh finds out and the
    /// next apply replaces it, instead of forgetting an object that exists.
    pub(super) fn apply_fallback(
        &self,
        req: &pb::apply_resource_change::Request,
    ) -> pb::apply_resource_change::Response {
        let prior = pb::apply_resource_change::Response {
            new_state: req.prior_state.clone(),
            private: req.planned_private.clone(),
            ..Default::default()
        };
        let Ok(entry) = self.registry.resource(&req.type_name) else {
            return prior;
        };
        let decoded = (
            decode(req.prior_state.as_ref(), &entry.ty, "prior state"),
            decode(req.planned_state.as_ref(), &entry.ty, "planned state"),
        );
        let (Ok(Value::Null), Ok(mut planned)) = decoded else {
            return prior;
        };
        if planned.is_null() {
            return prior;
        }
        while let Some(path) = plan::first_unknown(&planned) {
            replace_at(&mut planned, &path, Value::Null);
        }
        match entry.encode_state(planned) {
            Ok(state) => pb::apply_resource_change::Response {
                new_state: Some(state),
                private: req.planned_private.clone(),
                ..Default::default()
            },
            Err(_) => prior,
        }
    }

    pub(super) async fn validate_resource(
        &self,
        req: pb::validate_resource_config::Request,
    ) -> Outcome<pb::validate_resource_config::Response> {
        let entry = self.registry.resource(&req.type_name)?;
        let config = decode(req.config.as_ref(), &entry.ty, "configuration")?;
        let client = self.client_info(req.client_capabilities.as_ref());
        let mut diagnostics = Diagnostics::new();
        if !client.write_only_attributes_allowed {
            diagnostics.extend(write_only_not_allowed(&entry.schema.block, &config));
        }
        diagnostics.extend(entry.resource.validate(&config).await);
        Ok(Reply::with(Default::default(), diagnostics))
    }

    pub(super) async fn upgrade_state(
        &self,
        req: pb::upgrade_resource_state::Request,
    ) -> Outcome<pb::upgrade_resource_state::Response> {
        let entry = self.registry.resource(&req.type_name)?;
        let current = entry.schema.version;
        let raw = req.raw_state.as_ref();
        let value = if req.version > current {
            return Err(Diagnostics::error(
                "Resource state from a newer provider",
                format!(
                    "The state of this {} was written with schema version {}, but this provider knows \
                     version {current} at most. Use the newer provider version that wrote it.",
                    entry.name(),
                    req.version
                ),
            ));
        } else if req.version == current {
            parse_raw_json(raw, "state")?; // flatmap and syntax errors
            match raw {
                Some(raw) if !raw.json.is_empty() => wire::decode_state_json(&raw.json, &entry.ty)
                    .map_err(|e| codec_error(e, "Stored state does not match the schema"))?,
                _ => Value::Null,
            }
        } else {
            let json = parse_raw_json(raw, "state")?.unwrap_or(serde_json::Value::Null);
            match entry.resource.upgrade_state(req.version, &json).await? {
                Some(value) => value,
                None => {
                    return Err(Diagnostics::error(
                        "Unable to upgrade resource state",
                        format!(
                            "The state of this {} has schema version {}, and this provider cannot upgrade it \
                             to version {current}.",
                            entry.name(),
                            req.version
                        ),
                    ));
                }
            }
        };
        Ok(Reply::new(pb::upgrade_resource_state::Response {
            upgraded_state: Some(entry.encode_state(value)?),
            diagnostics: Vec::new(),
        }))
    }

    pub(super) async fn upgrade_identity(
        &self,
        req: pb::upgrade_resource_identity::Request,
    ) -> Outcome<pb::upgrade_resource_identity::Response> {
        let entry = self.registry.resource(&req.type_name)?;
        let (Some(identity), Some(ty)) = (&entry.identity, &entry.identity_ty) else {
            return Err(Diagnostics::error(
                "Resource has no identity",
                format!("{} does not declare a resource identity.", entry.name()),
            ));
        };
        let value = if req.version == identity.version {
            match req.raw_identity.as_ref() {
                Some(raw) if !raw.json.is_empty() => wire::decode_state_json(&raw.json, ty)
                    .map_err(|e| {
                        codec_error(e, "Stored identity does not match the identity schema")
                    })?,
                _ => {
                    parse_raw_json(req.raw_identity.as_ref(), "identity")?;
                    Value::Null
                }
            }
        } else {
            let json = parse_raw_json(req.raw_identity.as_ref(), "identity")?
                .unwrap_or(serde_json::Value::Null);
            let upgraded = if req.version < identity.version {
                entry.resource.upgrade_identity(req.version, &json).await?
            } else {
                None
            };
            upgraded.ok_or_else(|| {
                Diagnostics::error(
                    "Unable to upgrade resource identity",
                    format!(
                        "The identity of this {} has version {}; this provider knows version {} and cannot \
                         convert it.",
                        entry.name(),
                        req.version,
                        identity.version
                    ),
                )
            })?
        };
        Ok(Reply::new(pb::upgrade_resource_identity::Response {
            upgraded_identity: entry.encode_identity(Some(&value))?,
            diagnostics: Vec::new(),
        }))
    }

    pub(super) async fn handle_read_resource(
        &self,
        req: pb::read_resource::Request,
    ) -> Outcome<pb::read_resource::Response> {
        let entry = self.registry.resource(&req.type_name)?;
        // On failure Terraform keeps what it had: echo the current state back
        // (the `?` paths below get the same from `run_or`).
        let fallback = Self::read_fallback(&req);
        let current = ResourceState {
            state: decode(req.current_state.as_ref(), &entry.ty, "resource state")?,
            identity: entry.decode_identity(req.current_identity.as_ref())?,
            private: req.private,
        };
        let read = match entry.resource.read(&current).await {
            Ok(read) => read,
            Err(diagnostics) => return Ok(Reply::with(fallback, diagnostics)),
        };
        let mut diagnostics = Diagnostics::new();
        let response = match read {
            None => pb::read_resource::Response {
                new_state: Some(entry.encode_state(Value::Null)?),
                ..Default::default()
            },
            Some(mut new) => {
                settle_unknowns(entry.name(), "refresh", &mut new.state, &mut diagnostics);
                pb::read_resource::Response {
                    new_state: Some(entry.encode_state(new.state)?),
                    private: new.private,
                    new_identity: entry
                        .encode_identity(new.identity.as_ref().or(current.identity.as_ref()))?,
                    ..Default::default()
                }
            }
        };
        Ok(Reply::with(response, diagnostics))
    }

    pub(super) async fn plan_resource(
        &self,
        req: pb::plan_resource_change::Request,
    ) -> Outcome<pb::plan_resource_change::Response> {
        let entry = self.registry.resource(&req.type_name)?;
        let prior = decode(req.prior_state.as_ref(), &entry.ty, "prior state")?;
        let proposed = decode(
            req.proposed_new_state.as_ref(),
            &entry.ty,
            "proposed new state",
        )?;
        let config = decode(req.config.as_ref(), &entry.ty, "configuration")?;
        let prior_identity = entry.decode_identity(req.prior_identity.as_ref())?;
        let client = self.client_info(req.client_capabilities.as_ref());

        let rules = plan::apply_rules(&entry.schema.block, &prior, &proposed, &config);
        let mut context = PlanContext {
            prior: &prior,
            config: &config,
            planned: rules.planned,
            requires_replace: rules.requires_replace,
            client: &client,
            diagnostics: Diagnostics::new(),
        };
        entry.resource.modify_plan(&mut context).await;
        let PlanContext {
            mut planned,
            mut requires_replace,
            diagnostics,
            ..
        } = context;
        let diagnostics = diagnostics.into_result()?;
        if proposed.is_null() {
            // Destroy plans are null whatever a modifier did.
            planned = Value::Null;
            requires_replace.clear();
        }
        plan::null_write_only(&entry.schema.block, &mut planned);
        requires_replace.sort();
        requires_replace.dedup();

        let response = pb::plan_resource_change::Response {
            planned_state: Some(encode(&planned, &entry.ty, "planned state")?),
            requires_replace: requires_replace
                .iter()
                .map(|name| crate::convert::attribute_path(&AttributePath::attribute(name.clone())))
                .collect(),
            planned_private: req.prior_private,
            planned_identity: if planned.is_null() {
                None
            } else {
                entry.encode_identity(prior_identity.as_ref())?
            },
            ..Default::default()
        };
        Ok(Reply::with(response, diagnostics))
    }

    pub(super) async fn apply_resource(
        &self,
        req: pb::apply_resource_change::Request,
    ) -> Outcome<pb::apply_resource_change::Response> {
        let entry = self.registry.resource(&req.type_name)?;
        // Until the provider says otherwise the object is as it was before.
        let fallback = pb::apply_resource_change::Response {
            new_state: req.prior_state.clone(),
            private: req.planned_private.clone(),
            ..Default::default()
        };
        let inputs = (|| {
            Ok::<_, Diagnostics>((
                decode(req.prior_state.as_ref(), &entry.ty, "prior state")?,
                decode(req.planned_state.as_ref(), &entry.ty, "planned state")?,
                decode(req.config.as_ref(), &entry.ty, "configuration")?,
                entry.decode_identity(req.planned_identity.as_ref())?,
            ))
        })();
        let (prior, planned, config, planned_identity) = match inputs {
            Ok(inputs) => inputs,
            Err(diagnostics) => return Ok(Reply::with(fallback, diagnostics)),
        };

        if planned.is_null() {
            let prior_state = ResourceState {
                state: prior,
                identity: planned_identity,
                private: req.planned_private,
            };
            return match entry.resource.delete(&prior_state).await {
                Ok(()) => Ok(Reply::new(pb::apply_resource_change::Response {
                    new_state: Some(entry.encode_state(Value::Null)?),
                    ..Default::default()
                })),
                Err(diagnostics) => Ok(Reply::with(fallback, diagnostics)),
            };
        }

        let (result, operation) = if prior.is_null() {
            (entry.resource.create(&planned, &config).await, "create")
        } else {
            let prior_state = ResourceState {
                state: prior,
                identity: planned_identity,
                private: req.planned_private,
            };
            (
                entry.resource.update(&prior_state, &planned, &config).await,
                "update",
            )
        };
        let mut new = match result {
            Ok(new) => new,
            Err(diagnostics) => return Ok(Reply::with(fallback, diagnostics)),
        };
        let mut diagnostics = Diagnostics::new();
        settle_unknowns(entry.name(), operation, &mut new.state, &mut diagnostics);
        Ok(Reply::with(
            pb::apply_resource_change::Response {
                new_state: Some(entry.encode_state(new.state)?),
                private: new.private,
                new_identity: entry.encode_identity(new.identity.as_ref())?,
                ..Default::default()
            },
            diagnostics,
        ))
    }

    pub(super) async fn import_resource(
        &self,
        req: pb::import_resource_state::Request,
    ) -> Outcome<pb::import_resource_state::Response> {
        let entry = self.registry.resource(&req.type_name)?;
        let request = ImportRequest {
            id: req.id,
            identity: entry.decode_identity(req.identity.as_ref())?,
        };
        let imported = entry.resource.import(&request).await?;
        if imported.is_empty() {
            return Err(Diagnostics::error(
                "Nothing to import",
                format!(
                    "{} found no object to import for the given id.",
                    entry.name()
                ),
            ));
        }
        let mut response = pb::import_resource_state::Response::default();
        for object in imported {
            response
                .imported_resources
                .push(pb::import_resource_state::ImportedResource {
                    type_name: req.type_name.clone(),
                    state: Some(entry.encode_state(object.state)?),
                    private: object.private,
                    identity: entry
                        .encode_identity(object.identity.as_ref().or(request.identity.as_ref()))?,
                });
        }
        Ok(Reply::new(response))
    }

    pub(super) async fn move_resource(
        &self,
        req: pb::move_resource_state::Request,
    ) -> Outcome<pb::move_resource_state::Response> {
        let entry = self.registry.resource(&req.target_type_name)?;
        let request = MoveStateRequest {
            source_state: parse_raw_json(req.source_state.as_ref(), "state")?
                .unwrap_or(serde_json::Value::Null),
            source_identity: parse_raw_json(req.source_identity.as_ref(), "identity")?,
            source_provider_address: req.source_provider_address,
            source_type_name: req.source_type_name,
            source_schema_version: req.source_schema_version,
            source_private: req.source_private,
            source_identity_schema_version: req.source_identity_schema_version,
        };
        let Some(moved) = entry.resource.move_state(&request).await? else {
            return Err(Diagnostics::error(
                "Unable to move resource state",
                format!(
                    "{} cannot take over the state of {} from provider {}. Remove the moved block and import \
                     the object instead.",
                    entry.name(),
                    request.source_type_name,
                    request.source_provider_address
                ),
            ));
        };
        if moved.diagnostics.has_errors() {
            return Err(moved.diagnostics);
        }
        let state = moved.state;
        Ok(Reply::with(
            pb::move_resource_state::Response {
                target_state: Some(entry.encode_state(state.state)?),
                target_private: state.private,
                target_identity: entry.encode_identity(state.identity.as_ref())?,
                diagnostics: Vec::new(),
            },
            moved.diagnostics,
        ))
    }
}
