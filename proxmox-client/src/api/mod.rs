//! Handlers per API area, with their request and response types.

pub mod access;
pub mod acl;
pub mod domains;
pub mod groups;
pub mod pools;
pub mod roles;
pub mod tasks;
pub mod tokens;
pub mod users;

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::Error;

/// Adds `key: value` to a JSON object (PVE omits the id in single-object answers).
pub(crate) fn with_field(mut data: Value, key: &str, value: &str) -> Value {
    if let Value::Object(map) = &mut data {
        map.insert(key.to_owned(), Value::String(value.to_owned()));
    }
    data
}

/// Decodes `data` into `T`, reporting shape errors with the request.
pub(crate) fn decode<T: DeserializeOwned>(
    method: &str,
    path: &str,
    data: Value,
) -> Result<T, Error> {
    serde_json::from_value(data).map_err(|e| Error::Decode {
        method: method.to_owned(),
        path: path.to_owned(),
        message: e.to_string(),
    })
}
