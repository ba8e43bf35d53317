//! tfplugin's msgpack and JSON DynamicValue decoders on arbitrary bytes:
//! the first byte picks the schema type, the rest is the payload.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tfplugin::codec::{json, msgpack};
use tfplugin::value::Type;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, payload)) = data.split_first() else {
        return;
    };
    let ty = match selector % 8 {
        0 => Type::String,
        1 => Type::Number,
        2 => Type::Bool,
        3 => Type::Dynamic,
        4 => Type::List(Box::new(Type::Dynamic)),
        5 => Type::Map(Box::new(Type::Number)),
        6 => Type::Set(Box::new(Type::String)),
        _ => Type::object([("a", Type::String), ("b", Type::Dynamic)]),
    };
    let _ = msgpack::decode(payload, &ty);
    let _ = json::decode(payload, &ty);
});
