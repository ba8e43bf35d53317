//! The one place where protocol `DynamicValue`s meet the value codec.

use crate::codec::{self, CodecError};
use crate::proto::tfplugin6 as pb;
use crate::value::{Type, Value};

/// The cty type JSON of `ty`, for schema `type` fields.
pub(crate) fn type_json(ty: &Type) -> Vec<u8> {
    ty.to_json()
}

/// Decodes a `DynamicValue` (msgpack preferred, JSON accepted); an absent
/// or empty value is null.
pub(crate) fn decode(value: Option<&pb::DynamicValue>, ty: &Type) -> Result<Value, CodecError> {
    match value {
        Some(v) if !v.msgpack.is_empty() => codec::msgpack::decode(&v.msgpack, ty),
        Some(v) if !v.json.is_empty() => codec::json::decode(&v.json, ty),
        _ => Ok(Value::Null),
    }
}

/// Encodes a value as msgpack, the encoding Terraform reads fastest.
pub(crate) fn encode(value: &Value, ty: &Type) -> Result<pb::DynamicValue, CodecError> {
    Ok(pb::DynamicValue {
        msgpack: codec::msgpack::encode(value, ty)?,
        json: Vec::new(),
    })
}

/// Decodes stored state JSON; attributes the schema no longer declares are
/// dropped, as Terraform's own SDKs do when reading old state.
pub(crate) fn decode_state_json(json: &[u8], ty: &Type) -> Result<Value, CodecError> {
    codec::json::decode_with(
        json,
        ty,
        codec::json::DecodeOptions {
            ignore_undefined_attributes: true,
        },
    )
}
