//! Terraform's msgpack `DynamicValue` encoding (go-cty `cty/msgpack`).
//!
//! Wire facts: null is msgpack nil; an unknown value is an extension (we
//! write fixext1 type 0 `d4 00 00`; on decode *any* extension is unknown,
//! and refinement payloads such as go-cty's type 12 maps are ignored);
//! numbers are ints when integral and in `i64` range, float64 when exactly
//! representable, else their decimal text as a msgpack string; lists, sets
//! and tuples are arrays; maps and objects are maps (objects always carry
//! every attribute, sorted by name); a value of a `dynamic` attribute is the
//! array `[type JSON as bin, value]`, except null (nil) and unknown (ext).

use std::collections::BTreeMap;

use rmp::Marker;
use rmp::encode as enc;

use super::CodecError;
use super::conform::{MAX_DEPTH, normalize_set};
use super::error::PathTracker;
use crate::diag::PathStep;
use crate::value::{Number, Type, Value};

/// The bytes of a wholly unknown value: fixext1, type 0, payload 0.
pub const UNKNOWN: [u8; 3] = [0xd4, 0x00, 0x00];

/// Encodes `value` as `ty` (after [`Value::conformed`]).
pub fn encode(value: &Value, ty: &Type) -> Result<Vec<u8>, CodecError> {
    let conformed = value.conformed(ty)?;
    let mut out = Vec::with_capacity(64);
    let mut path = PathTracker::default();
    write_value(&mut out, &conformed, ty, &mut path)?;
    Ok(out)
}

/// Decodes msgpack bytes holding a value of type `ty`. The whole input must
/// be one value.
pub fn decode(bytes: &[u8], ty: &Type) -> Result<Value, CodecError> {
    let mut reader = Reader { bytes, pos: 0 };
    let mut path = PathTracker::default();
    let value = reader.read_value(ty, &mut path, 0)?;
    if reader.pos != bytes.len() {
        return Err(CodecError::new(format!(
            "{} unexpected bytes after the value",
            bytes.len() - reader.pos
        )));
    }
    Ok(value)
}

fn write_error(path: &PathTracker) -> impl Fn(rmp::encode::ValueWriteError) -> CodecError + '_ {
    move |err| path.error(format!("msgpack write failed: {err}"))
}

fn length(len: usize, path: &PathTracker) -> Result<u32, CodecError> {
    u32::try_from(len).map_err(|_| path.error("collection is too large for msgpack"))
}

fn write_value(
    out: &mut Vec<u8>,
    value: &Value,
    ty: &Type,
    path: &mut PathTracker,
) -> Result<(), CodecError> {
    match (value, ty) {
        (Value::Unknown, _) => {
            out.extend_from_slice(&UNKNOWN);
            Ok(())
        }
        (Value::Null, _) => {
            out.push(0xc0);
            Ok(())
        }
        (_, Type::Dynamic) => {
            let inferred = value
                .infer_type()
                .map_err(|err| err.prefixed(path.steps()))?;
            enc::write_array_len(out, 2).map_err(write_error(path))?;
            enc::write_bin(out, &inferred.to_json()).map_err(write_error(path))?;
            write_value(out, value, &inferred, path)
        }
        (Value::Bool(b), Type::Bool) => {
            out.push(if *b { 0xc3 } else { 0xc2 });
            Ok(())
        }
        (Value::String(s), Type::String) => enc::write_str(out, s).map_err(write_error(path)),
        (Value::Number(n), Type::Number) => write_number(out, n, path),
        (Value::List(items), Type::List(element)) | (Value::Set(items), Type::Set(element)) => {
            enc::write_array_len(out, length(items.len(), path)?).map_err(write_error(path))?;
            for (index, item) in items.iter().enumerate() {
                path.push_index(index);
                write_value(out, item, element, path)?;
                path.pop();
            }
            Ok(())
        }
        (Value::Tuple(items), Type::Tuple(types)) if items.len() == types.len() => {
            enc::write_array_len(out, length(items.len(), path)?).map_err(write_error(path))?;
            for (index, (item, item_type)) in items.iter().zip(types).enumerate() {
                path.push_index(index);
                write_value(out, item, item_type, path)?;
                path.pop();
            }
            Ok(())
        }
        (Value::Map(entries), Type::Map(element)) => {
            enc::write_map_len(out, length(entries.len(), path)?).map_err(write_error(path))?;
            for (key, item) in entries {
                path.push(PathStep::ElementKeyString(key.clone()));
                enc::write_str(out, key).map_err(write_error(path))?;
                write_value(out, item, element, path)?;
                path.pop();
            }
            Ok(())
        }
        (Value::Object(entries), Type::Object { attributes, .. }) => {
            enc::write_map_len(out, length(attributes.len(), path)?).map_err(write_error(path))?;
            for (name, attribute_type) in attributes {
                path.push(PathStep::Attribute(name.clone()));
                enc::write_str(out, name).map_err(write_error(path))?;
                write_value(
                    out,
                    entries.get(name).unwrap_or(&Value::Null),
                    attribute_type,
                    path,
                )?;
                path.pop();
            }
            Ok(())
        }
        _ => Err(path.error(format!(
            "cannot write {} as {}",
            value.kind_name(),
            ty.to_json_string()
        ))),
    }
}

fn write_number(out: &mut Vec<u8>, number: &Number, path: &PathTracker) -> Result<(), CodecError> {
    match number.canonical() {
        Number::Int(int) => enc::write_sint(out, int)
            .map(drop)
            .map_err(write_error(path)),
        Number::Float(float) if float.is_nan() => Err(path.error("NaN is not a valid number")),
        Number::Float(float) => enc::write_f64(out, float).map_err(write_error(path)),
        Number::Big(text) => {
            if text.parse::<Number>().is_err() {
                return Err(path.error("number is not a valid decimal number"));
            }
            enc::write_str(out, &text).map_err(write_error(path))
        }
    }
}

/// A cursor over msgpack bytes. Lengths are checked against the remaining
/// input before anything is allocated.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, len: usize, path: &PathTracker) -> Result<&'a [u8], CodecError> {
        let end = self
            .pos
            .checked_add(len)
            .filter(|end| *end <= self.bytes.len())
            .ok_or_else(|| path.error("msgpack input ends in the middle of a value"))?;
        let slice = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(slice)
    }

    fn peek(&self, path: &PathTracker) -> Result<u8, CodecError> {
        self.bytes
            .get(self.pos)
            .copied()
            .ok_or_else(|| path.error("msgpack input ends where a value was expected"))
    }

    fn uint(&mut self, width: usize, path: &PathTracker) -> Result<u64, CodecError> {
        Ok(self
            .take(width, path)?
            .iter()
            .fold(0u64, |acc, byte| (acc << 8) | u64::from(*byte)))
    }

    fn len(&mut self, width: usize, path: &PathTracker) -> Result<usize, CodecError> {
        let len = self.uint(width, path)?;
        usize::try_from(len).map_err(|_| path.error("msgpack length too large"))
    }

    /// Skips an extension value (any type code), returning whether it was one.
    fn skip_extension(&mut self, marker: Marker, path: &PathTracker) -> Result<bool, CodecError> {
        let payload = match marker {
            Marker::FixExt1 => 1,
            Marker::FixExt2 => 2,
            Marker::FixExt4 => 4,
            Marker::FixExt8 => 8,
            Marker::FixExt16 => 16,
            Marker::Ext8 => self.len(1, path)?,
            Marker::Ext16 => self.len(2, path)?,
            Marker::Ext32 => self.len(4, path)?,
            _ => return Ok(false),
        };
        // One byte of type code, then the payload (refinements we ignore).
        self.take(1 + payload, path)?;
        Ok(true)
    }

    fn read_value(
        &mut self,
        ty: &Type,
        path: &mut PathTracker,
        depth: usize,
    ) -> Result<Value, CodecError> {
        if depth > MAX_DEPTH {
            return Err(path.error("value is nested too deeply"));
        }
        let marker = Marker::from_u8(self.peek(path)?);
        self.pos += 1;
        if self.skip_extension(marker, path)? {
            return Ok(Value::Unknown);
        }
        if marker == Marker::Null {
            return Ok(Value::Null);
        }
        match ty {
            Type::Dynamic => self.read_dynamic(marker, path, depth),
            Type::Bool => match marker {
                Marker::True => Ok(Value::Bool(true)),
                Marker::False => Ok(Value::Bool(false)),
                _ => Err(self.unexpected("a bool", marker, path)),
            },
            Type::String => self
                .read_str(marker, path)
                .map(|s| Value::String(s.to_owned())),
            Type::Number => self.read_number(marker, path).map(Value::Number),
            Type::List(element) | Type::Set(element) => {
                let len = self.array_len(marker, path)?;
                let mut items = Vec::with_capacity(len.min(self.bytes.len() - self.pos));
                for index in 0..len {
                    path.push_index(index);
                    items.push(self.read_value(element, path, depth + 1)?);
                    path.pop();
                }
                Ok(if matches!(ty, Type::Set(_)) {
                    Value::Set(normalize_set(items))
                } else {
                    Value::List(items)
                })
            }
            Type::Tuple(types) => {
                let len = self.array_len(marker, path)?;
                if len != types.len() {
                    return Err(path.error(format!(
                        "a tuple of {} elements is required, found {len}",
                        types.len()
                    )));
                }
                let mut items = Vec::with_capacity(len);
                for (index, item_type) in types.iter().enumerate() {
                    path.push_index(index);
                    items.push(self.read_value(item_type, path, depth + 1)?);
                    path.pop();
                }
                Ok(Value::Tuple(items))
            }
            Type::Map(element) => {
                let len = self.map_len(marker, path)?;
                let mut entries = BTreeMap::new();
                for _ in 0..len {
                    let key_marker = Marker::from_u8(self.peek(path)?);
                    self.pos += 1;
                    let key = self.read_str(key_marker, path)?.to_owned();
                    path.push(PathStep::ElementKeyString(key.clone()));
                    let item = self.read_value(element, path, depth + 1)?;
                    if entries.insert(key, item).is_some() {
                        return Err(path.error("map key appears twice"));
                    }
                    path.pop();
                }
                Ok(Value::Map(entries))
            }
            Type::Object { attributes, .. } => {
                let len = self.map_len(marker, path)?;
                let mut entries = BTreeMap::new();
                for _ in 0..len {
                    let key_marker = Marker::from_u8(self.peek(path)?);
                    self.pos += 1;
                    let name = self.read_str(key_marker, path)?.to_owned();
                    path.push(PathStep::Attribute(name.clone()));
                    let Some(attribute_type) = attributes.get(&name) else {
                        return Err(
                            path.error("unsupported attribute: the schema does not declare it")
                        );
                    };
                    let item = self.read_value(attribute_type, path, depth + 1)?;
                    if entries.insert(name, item).is_some() {
                        return Err(path.error("attribute appears twice"));
                    }
                    path.pop();
                }
                for name in attributes.keys() {
                    entries.entry(name.clone()).or_insert(Value::Null);
                }
                Ok(Value::Object(entries))
            }
        }
    }

    fn read_dynamic(
        &mut self,
        marker: Marker,
        path: &mut PathTracker,
        depth: usize,
    ) -> Result<Value, CodecError> {
        let len = self.array_len(marker, path)?;
        if len != 2 {
            return Err(path.error("a dynamic value must be a [type, value] array of two elements"));
        }
        let type_marker = Marker::from_u8(self.peek(path)?);
        self.pos += 1;
        let type_json = match type_marker {
            Marker::Bin8 | Marker::Bin16 | Marker::Bin32 => {
                let width = match type_marker {
                    Marker::Bin8 => 1,
                    Marker::Bin16 => 2,
                    _ => 4,
                };
                let len = self.len(width, path)?;
                self.take(len, path)?
            }
            _ => self.read_str(type_marker, path)?.as_bytes(),
        };
        let ty = Type::from_json(type_json)
            .map_err(|err| path.error(format!("dynamic value type: {}", err.message())))?;
        self.read_value(&ty, path, depth + 1)
    }

    fn read_str(&mut self, marker: Marker, path: &PathTracker) -> Result<&'a str, CodecError> {
        let len = match marker {
            Marker::FixStr(len) => usize::from(len),
            Marker::Str8 | Marker::Bin8 => self.len(1, path)?,
            Marker::Str16 | Marker::Bin16 => self.len(2, path)?,
            Marker::Str32 | Marker::Bin32 => self.len(4, path)?,
            _ => return Err(self.unexpected("a string", marker, path)),
        };
        let bytes = self.take(len, path)?;
        std::str::from_utf8(bytes).map_err(|_| path.error("string is not valid UTF-8"))
    }

    fn read_number(&mut self, marker: Marker, path: &PathTracker) -> Result<Number, CodecError> {
        let number = match marker {
            Marker::FixPos(n) => Number::Int(i64::from(n)),
            Marker::FixNeg(n) => Number::Int(i64::from(n)),
            Marker::U8 => Number::from(self.uint(1, path)?),
            Marker::U16 => Number::from(self.uint(2, path)?),
            Marker::U32 => Number::from(self.uint(4, path)?),
            Marker::U64 => Number::from(self.uint(8, path)?),
            // Two's complement reinterpretation of the big-endian bits is the point here.
            #[allow(clippy::cast_possible_truncation, clippy::cast_possible_wrap)]
            Marker::I8 => Number::Int(i64::from(self.uint(1, path)? as u8 as i8)),
            #[allow(clippy::cast_possible_truncation, clippy::cast_possible_wrap)]
            Marker::I16 => Number::Int(i64::from(self.uint(2, path)? as u16 as i16)),
            #[allow(clippy::cast_possible_truncation, clippy::cast_possible_wrap)]
            Marker::I32 => Number::Int(i64::from(self.uint(4, path)? as u32 as i32)),
            #[allow(clippy::cast_possible_wrap)]
            Marker::I64 => Number::Int(self.uint(8, path)? as i64),
            #[allow(clippy::cast_possible_truncation)]
            Marker::F32 => Number::from(f64::from(f32::from_bits(self.uint(4, path)? as u32))),
            Marker::F64 => Number::from(f64::from_bits(self.uint(8, path)?)),
            Marker::FixStr(_) | Marker::Str8 | Marker::Str16 | Marker::Str32 => self
                .read_str(marker, path)?
                .parse::<Number>()
                .map_err(|_| {
                    path.error("a number is required, found a string that is not a decimal number")
                })?,
            _ => return Err(self.unexpected("a number", marker, path)),
        };
        if let Number::Float(float) = number
            && float.is_nan()
        {
            return Err(path.error("NaN is not a valid number"));
        }
        Ok(number)
    }

    fn array_len(&mut self, marker: Marker, path: &PathTracker) -> Result<usize, CodecError> {
        match marker {
            Marker::FixArray(len) => Ok(usize::from(len)),
            Marker::Array16 => self.len(2, path),
            Marker::Array32 => self.len(4, path),
            _ => Err(self.unexpected("an array", marker, path)),
        }
    }

    fn map_len(&mut self, marker: Marker, path: &PathTracker) -> Result<usize, CodecError> {
        match marker {
            Marker::FixMap(len) => Ok(usize::from(len)),
            Marker::Map16 => self.len(2, path),
            Marker::Map32 => self.len(4, path),
            _ => Err(self.unexpected("a map", marker, path)),
        }
    }

    fn unexpected(&self, wanted: &str, marker: Marker, path: &PathTracker) -> CodecError {
        path.error(format!(
            "{wanted} is required, found msgpack {}",
            marker_name(marker)
        ))
    }
}

fn marker_name(marker: Marker) -> &'static str {
    match marker {
        Marker::Null => "nil",
        Marker::True | Marker::False => "bool",
        Marker::FixPos(_)
        | Marker::FixNeg(_)
        | Marker::U8
        | Marker::U16
        | Marker::U32
        | Marker::U64
        | Marker::I8
        | Marker::I16
        | Marker::I32
        | Marker::I64 => "integer",
        Marker::F32 | Marker::F64 => "float",
        Marker::FixStr(_) | Marker::Str8 | Marker::Str16 | Marker::Str32 => "string",
        Marker::Bin8 | Marker::Bin16 | Marker::Bin32 => "binary",
        Marker::FixArray(_) | Marker::Array16 | Marker::Array32 => "array",
        Marker::FixMap(_) | Marker::Map16 | Marker::Map32 => "map",
        Marker::FixExt1
        | Marker::FixExt2
        | Marker::FixExt4
        | Marker::FixExt8
        | Marker::FixExt16
        | Marker::Ext8
        | Marker::Ext16
        | Marker::Ext32 => "extension",
        Marker::Reserved => "reserved byte 0xc1",
    }
}
