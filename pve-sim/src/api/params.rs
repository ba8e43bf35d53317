//! Request parameters as pveproxy collects them (pve-http-server
//! `src/PVE/APIServer/AnyEvent.pm::extract_params`): a form or JSON body for
//! POST/PUT, then the query string for every method (its values replace the
//! body's), plus the path placeholders.

use axum::http::{Method, StatusCode};
use serde_json::{Map, Value};

use super::error::ApiError;

/// The merged, not yet validated parameters of one call. Form values are
/// strings; JSON values keep their type (PVE echoes some of them back as
/// sent, see §1.1 "value typing quirk").
#[derive(Default, Clone, PartialEq)]
pub struct Params(Map<String, Value>);

impl std::fmt::Debug for Params {
    // Parameters carry passwords: show only the names.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.0.keys()).finish()
    }
}

impl Params {
    /// Wrap an existing map.
    pub fn from_map(map: Map<String, Value>) -> Self {
        Self(map)
    }

    /// The raw value as received.
    pub fn raw(&self, name: &str) -> Option<&Value> {
        self.0.get(name).filter(|v| !v.is_null())
    }

    /// Parameter names.
    pub fn names(&self) -> Vec<String> {
        self.0.keys().cloned().collect()
    }

    pub(crate) fn map_mut(&mut self) -> &mut Map<String, Value> {
        &mut self.0
    }

    /// Insert (or overwrite) one value.
    pub fn insert(&mut self, name: &str, value: Value) {
        self.0.insert(name.to_string(), value);
    }

    /// A string parameter (numbers and booleans in string form).
    pub fn str(&self, name: &str) -> Option<String> {
        match self.raw(name)? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(if *b { "1" } else { "0" }.to_string()),
            _ => None,
        }
    }

    /// A validated boolean parameter.
    pub fn bool(&self, name: &str) -> Option<bool> {
        match self.raw(name)? {
            Value::Bool(b) => Some(*b),
            other => Some(other.as_str() == Some("1") || other.as_i64() == Some(1)),
        }
    }

    /// A validated integer parameter.
    pub fn int(&self, name: &str) -> Option<i64> {
        match self.raw(name)? {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim_start_matches('+').parse().ok(),
            Value::Bool(b) => Some(i64::from(*b)),
            _ => None,
        }
    }

    /// True when the parameter is present (Perl `defined`).
    pub fn has(&self, name: &str) -> bool {
        self.raw(name).is_some()
    }
}

/// Add one urlencoded pair; a repeated key turns into an array.
fn push_pair(map: &mut Map<String, Value>, key: String, value: String) {
    match map.get_mut(&key) {
        Some(Value::Array(items)) => items.push(Value::String(value)),
        Some(existing) => {
            let first = existing.take();
            *existing = Value::Array(vec![first, Value::String(value)]);
        }
        None => {
            map.insert(key, Value::String(value));
        }
    }
}

fn parse_urlencoded(text: &str, map: &mut Map<String, Value>) -> Result<(), ApiError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(text)
        .map_err(|e| ApiError::internal(format!("unable to parse parameters - {e}")))?;
    for (k, v) in pairs {
        push_pair(map, k, v);
    }
    Ok(())
}

/// Collect the parameters of a request. `path_params` are the template
/// placeholders (already URI-unescaped).
pub fn collect(
    method: &Method,
    query: Option<&str>,
    content_type: Option<&str>,
    body: &[u8],
    path_params: &[(String, String)],
) -> Result<Params, ApiError> {
    let mut map = Map::new();
    let has_body = !body.is_empty();
    let has_query = query.is_some_and(|q| q.split('&').any(|pair| !pair.is_empty()));
    if *method == Method::POST || *method == Method::PUT {
        // `parse_content_type`: the part before the first `;` or `,`,
        // compared case-sensitively; no header (or an empty one) is a form.
        let ct = content_type
            .and_then(|v| v.split([';', ',']).next())
            .map(str::trim)
            .unwrap_or("");
        match ct {
            // Decoded even when empty (`decode_json('')` fails): with no
            // `Content-Length`, `unshift_read_header` goes straight to
            // `handle_request` and `extract_params`.
            "application/json" => {
                map = super::json_body::decode_params(body, has_query)
                    .map_err(|e| ApiError::plain(StatusCode::INTERNAL_SERVER_ERROR, e))?;
            }
            "application/x-www-form-urlencoded" | "" if has_body => {
                let text = std::str::from_utf8(body).map_err(|_| {
                    ApiError::internal("unable to parse parameters - invalid UTF-8")
                })?;
                parse_urlencoded(text, &mut map)?;
            }
            "application/x-www-form-urlencoded" | "" => {}
            // `unshift_read_header` refuses other types only when there is
            // content, with the header as sent.
            _ if has_body => {
                return Err(ApiError::plain(
                    StatusCode::from_u16(506).unwrap_or(StatusCode::NOT_IMPLEMENTED),
                    format!(
                        "upload 'Content-Type '{}' not implemented",
                        content_type.unwrap_or_default()
                    ),
                ));
            }
            _ => {}
        }
    } else if has_body {
        // `unshift_read_header`, with pveproxy's own `error()`.
        return Err(ApiError::plain(
            StatusCode::NOT_IMPLEMENTED,
            format!("Unexpected content for method '{method}'"),
        ));
    }
    // `extract_params`: the query string is read last and its values
    // replace the body's (form or JSON) of the same name.
    if let Some(query) = query.filter(|q| !q.is_empty()) {
        let mut query_map = Map::new();
        parse_urlencoded(query, &mut query_map)?;
        map.extend(query_map);
    }
    for (name, value) in path_params {
        if let Some(existing) = map.get(name) {
            let same = existing.as_str() == Some(value.as_str());
            if !same {
                return Err(ApiError::param(
                    name,
                    "duplicate parameter (already defined in URI) with conflicting values!",
                ));
            }
        }
        map.insert(name.clone(), Value::String(value.clone()));
    }
    Ok(Params(map))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_and_form_merge_and_repeat() {
        let p = collect(
            &Method::PUT,
            Some("a=1&b=2"),
            Some("application/x-www-form-urlencoded"),
            b"b=3&c=x&c=y",
            &[("userid".into(), "u@pve".into())],
        )
        .unwrap();
        assert_eq!(p.str("a").as_deref(), Some("1"));
        // The query string wins over the body, as in PVE's extract_params.
        assert_eq!(p.str("b").as_deref(), Some("2"));
        assert_eq!(p.raw("c"), Some(&serde_json::json!(["x", "y"])));
        assert_eq!(p.str("userid").as_deref(), Some("u@pve"));
    }

    #[test]
    fn body_on_get_is_501() {
        let e = collect(&Method::GET, None, None, b"x=1", &[]).unwrap_err();
        assert_eq!(e.status(), StatusCode::NOT_IMPLEMENTED);
        assert_eq!(e.message(), "Unexpected content for method 'GET'");
    }

    #[test]
    fn conflicting_path_param_is_400() {
        let e = collect(
            &Method::PUT,
            None,
            Some("application/json"),
            br#"{"userid":"other@pve"}"#,
            &[("userid".into(), "u@pve".into())],
        )
        .unwrap_err();
        assert_eq!(e.status(), StatusCode::BAD_REQUEST);
    }

    #[test]
    fn json_bodies_fail_as_pveproxy_answers() {
        let e = collect(
            &Method::POST,
            None,
            Some("application/json; charset=utf-8"),
            b"{\"userid\": \"x@pve\",}",
            &[],
        )
        .unwrap_err();
        assert_eq!(e.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(
            e.message(),
            "'\"' expected, at character offset 19 (before \"}\") at /usr/share/perl5/PVE/APIServer/AnyEvent.pm line 934.\n"
        );
        // An empty JSON body is decoded too, and fails.
        let e = collect(&Method::PUT, None, Some("application/json"), b"", &[]).unwrap_err();
        assert!(e.message().contains("(before \"(end of string)\")"), "{e}");
        // The type is compared as sent: other spellings are refused, with
        // content, as uploads.
        let e = collect(&Method::POST, None, Some("Application/JSON"), b"{}", &[]).unwrap_err();
        assert_eq!(e.status().as_u16(), 506);
        assert_eq!(
            e.message(),
            "upload 'Content-Type 'Application/JSON' not implemented"
        );
        let p = collect(
            &Method::POST,
            Some("a=1"),
            Some("application/json"),
            b"null",
            &[],
        )
        .unwrap();
        assert_eq!(p.str("a").as_deref(), Some("1"));
    }

    #[test]
    fn debug_hides_values() {
        let p = collect(&Method::POST, None, None, b"password=hunter22", &[]).unwrap();
        assert!(!format!("{p:?}").contains("hunter22"));
    }
}
