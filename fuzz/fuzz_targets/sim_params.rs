//! pve-sim's request parsing and schema validation on arbitrary query
//! strings and bodies, for every method in the embedded PVE schema.
#![no_main]

use http::Method;
use libfuzzer_sys::fuzz_target;
use pve_sim::api::params::collect;
use pve_sim::api::schema::{MethodSpec, all_methods, validate};

fuzz_target!(|data: &[u8]| {
    let methods = all_methods();
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let (method, template) = &methods[usize::from(selector) % methods.len()];
    let split = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
    let query = std::str::from_utf8(&rest[..split]).ok();
    let body = rest.get(split + 1..).unwrap_or_default();
    let Ok(http_method) = method.parse::<Method>() else {
        return;
    };
    let content_type = if body.first() == Some(&b'{') {
        "application/json"
    } else {
        "application/x-www-form-urlencoded"
    };
    if let Ok(mut params) = collect(&http_method, query, Some(content_type), body, &[]) {
        let spec = MethodSpec::lookup(method, template);
        let _ = validate(spec.and_then(|s| s.parameters()), &mut params);
    }
});
