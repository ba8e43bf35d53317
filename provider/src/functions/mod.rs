//! Provider functions (Terraform ≥ 1.8, OpenTofu ≥ 1.7), one file per
//! function: pure helpers that validate ids and paths at plan time and
//! compose values such as token credentials, with no API call.

use std::sync::Arc;

use tfplugin::provider::{Function, FunctionError, FunctionParameter};
use tfplugin::value::{Type, Value};

pub mod acl_path;
pub mod api_token;
pub mod parse_token_id;
pub mod privileges;

/// Every function of the provider, called as `provider::pve::<name>(…)`.
pub fn all() -> Vec<Arc<dyn Function>> {
    vec![
        Arc::new(parse_token_id::ParseTokenId),
        Arc::new(api_token::ApiTokenFunction),
        Arc::new(acl_path::AclPathFunction),
        Arc::new(privileges::PrivilegesFunction),
    ]
}

/// A required string parameter: Terraform rejects null and waits for
/// unknown values itself, so `call` only ever sees known strings.
fn string_parameter(name: &str, description: &str) -> FunctionParameter {
    FunctionParameter {
        name: name.to_string(),
        ty: Type::String,
        allow_null: false,
        allow_unknown: false,
        description: description.to_string(),
    }
}

/// An error that Terraform reports against argument `index`. Terraform
/// wraps it as `Invalid value for "id" parameter: <text>.`, so a final
/// period of our own is dropped.
fn argument_error(index: usize, text: impl Into<String>) -> FunctionError {
    let text: String = text.into();
    FunctionError {
        text: text.trim_end_matches('.').to_string(),
        argument: i64::try_from(index).ok(),
    }
}

/// Argument `index` as a string, or an error naming `name`. Terraform has
/// already converted the argument to the parameter's type, so a mismatch
/// here means a protocol bug, still reported without a panic.
fn string_argument<'a>(
    arguments: &'a [Value],
    index: usize,
    name: &str,
) -> Result<&'a str, FunctionError> {
    arguments
        .get(index)
        .and_then(Value::as_str)
        .ok_or_else(|| argument_error(index, format!("`{name}` must be a known, non-null string.")))
}
