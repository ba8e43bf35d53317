//! Form/query parameter encoding in PVE's conventions.
//!
//! PVE's form decoder accepts booleans only as `1`/`0` (`true` is a 400) and
//! `-list` formats as one comma-joined string.

use std::fmt::Display;

/// Ordered request parameters. Deliberately has no `Debug`: values may be secrets.
#[derive(Default, Clone)]
pub(crate) struct Params(Vec<(String, String)>);

impl Params {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Adds a parameter unconditionally.
    pub(crate) fn put(&mut self, key: &str, value: impl Into<String>) -> &mut Self {
        self.0.push((key.to_owned(), value.into()));
        self
    }

    /// Adds a parameter if present.
    pub(crate) fn opt(&mut self, key: &str, value: Option<impl Display>) -> &mut Self {
        if let Some(v) = value {
            self.put(key, v.to_string());
        }
        self
    }

    /// Adds a boolean as `1`/`0`.
    pub(crate) fn bool(&mut self, key: &str, value: bool) -> &mut Self {
        self.put(key, if value { "1" } else { "0" })
    }

    /// Adds an optional boolean as `1`/`0`.
    pub(crate) fn opt_bool(&mut self, key: &str, value: Option<bool>) -> &mut Self {
        if let Some(v) = value {
            self.bool(key, v);
        }
        self
    }

    /// Adds `key=1` only when `value` is true (for flags whose default is off).
    pub(crate) fn flag(&mut self, key: &str, value: bool) -> &mut Self {
        if value {
            self.bool(key, true);
        }
        self
    }

    /// Adds a comma-joined list (even when empty: `key=` clears on PVE).
    pub(crate) fn list<T: Display>(&mut self, key: &str, items: &[T]) -> &mut Self {
        let joined = items
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(",");
        self.put(key, joined)
    }

    /// Adds a comma-joined list only when it is non-empty.
    pub(crate) fn nonempty_list<T: Display>(&mut self, key: &str, items: &[T]) -> &mut Self {
        if !items.is_empty() {
            self.list(key, items);
        }
        self
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(crate) fn pairs(&self) -> &[(String, String)] {
        &self.0
    }

    /// The `application/x-www-form-urlencoded` body.
    pub(crate) fn to_form(&self) -> String {
        url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(self.0.iter())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn booleans_are_one_and_zero_and_lists_are_comma_joined() {
        let mut p = Params::new();
        p.bool("enable", true)
            .bool("privsep", false)
            .opt_bool("append", None)
            .flag("delete", false)
            .list("groups", &["a", "b"])
            .list("empty", &[] as &[&str])
            .nonempty_list("skip", &[] as &[&str])
            .opt("comment", Some("a b&c=d"))
            .opt("none", None::<&str>);
        assert_eq!(
            p.to_form(),
            "enable=1&privsep=0&groups=a%2Cb&empty=&comment=a+b%26c%3Dd"
        );
    }
}
