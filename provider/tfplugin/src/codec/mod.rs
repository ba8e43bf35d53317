//! Wire encodings of [`Value`](crate::value::Value)s, driven by the schema's
//! [`Type`](crate::value::Type):
//!
//! - [`msgpack`]: the `DynamicValue.msgpack` form Terraform sends and expects;
//! - [`json`]: the `DynamicValue.json` form and raw state JSON (decoding
//!   keeps numbers exact);
//! - cty type JSON: [`Type::to_json`](crate::value::Type::to_json) and
//!   [`Type::from_json`](crate::value::Type::from_json);
//! - [`Value::check`](crate::value::Value::check) /
//!   [`Value::conformed`](crate::value::Value::conformed): the shape rules
//!   both encoders apply.
//!
//! Errors are [`CodecError`]s carrying the attribute path; they describe
//! types and shapes, never values.

mod attrs;
mod conform;
mod error;
pub mod json;
mod json_tree;
pub mod msgpack;
mod number;
mod type_json;

pub use error::{CodecError, path_to_string};
pub use number::ParseNumberError;

pub(crate) use conform::normalize_set;
