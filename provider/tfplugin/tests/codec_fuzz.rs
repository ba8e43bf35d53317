//! A deterministic fuzz pass over the decoders: random bytes and mutations
//! of valid encodings, for a fixed seed and count, must decode or fail with
//! a `CodecError` — never panic, hang or allocate without bound. (The
//! coverage-guided version of this lives in `fuzz/` for cargo-fuzz users.)

use std::collections::BTreeMap;

use tfplugin::codec::{json, msgpack};
use tfplugin::value::{Type, Value};

/// xorshift64*: tiny, deterministic, and good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn types() -> Vec<Type> {
    let object = Type::object([
        ("name", Type::String),
        ("count", Type::Number),
        ("enabled", Type::Bool),
        ("tags", Type::Set(Box::new(Type::String))),
        ("extra", Type::Dynamic),
    ]);
    vec![
        Type::String,
        Type::Number,
        Type::Bool,
        Type::Dynamic,
        Type::List(Box::new(Type::Number)),
        Type::Map(Box::new(Type::String)),
        Type::Tuple(vec![Type::String, Type::Bool]),
        Type::List(Box::new(object.clone())),
        object,
    ]
}

fn seeds(ty: &Type) -> Vec<Vec<u8>> {
    let value = match ty {
        Type::Object { .. } => Value::object([
            ("name", Value::string("alice@pve")),
            ("count", Value::from(12_345_678_901_i64)),
            ("enabled", Value::Bool(true)),
            ("tags", Value::set_of_strings(["a", "b"])),
            ("extra", Value::list([Value::string("x")])),
        ]),
        Type::String => Value::string("PVEAPIToken"),
        Type::Number => "3.14159265358979323846264338327950288"
            .parse()
            .map(Value::Number)
            .unwrap_or(Value::Null),
        Type::Dynamic => Value::Map(BTreeMap::from([("k".to_string(), Value::Unknown)])),
        _ => Value::Unknown,
    };
    let mut out = vec![msgpack::encode(&value, ty).unwrap_or_default()];
    out.push(json::encode(&value, ty).unwrap_or_default());
    out
}

#[test]
fn decoders_survive_random_and_mutated_input() {
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let types = types();
    let mut decoded = 0usize;
    for round in 0..30_000 {
        let ty = &types[round % types.len()];
        let mut bytes = if round % 3 == 0 {
            (0..rng.below(64))
                .map(|_| rng.next() as u8)
                .collect::<Vec<u8>>()
        } else {
            let seeds = seeds(ty);
            seeds[rng.below(seeds.len())].clone()
        };
        // Flip, insert, truncate: the classic byte mutations.
        for _ in 0..=rng.below(4) {
            if bytes.is_empty() {
                bytes.push(rng.next() as u8);
                continue;
            }
            let at = rng.below(bytes.len());
            match rng.below(3) {
                0 => bytes[at] ^= 1 << rng.below(8),
                1 => bytes.insert(at, rng.next() as u8),
                _ => bytes.truncate(at),
            }
        }
        if msgpack::decode(&bytes, ty).is_ok() {
            decoded += 1;
        }
        if json::decode(&bytes, ty).is_ok() {
            decoded += 1;
        }
    }
    // Some mutations must still be valid input, or the pass only exercised
    // the first byte of every decoder.
    assert!(
        decoded > 100,
        "only {decoded} inputs decoded: mutations too destructive"
    );
}
