//! Small conversions shared by resources and data sources: PVE's epoch
//! expiry ↔ RFC 3339 text, durations, and reading typed attributes into
//! diagnostics that name the attribute and the fix.
//!
//! Nothing here talks to PVE; everything is pure and unit-tested.

use std::str::FromStr;

use proxmox_client::IdError;
use tfplugin::diag::{Diagnostic, Diagnostics};
use tfplugin::value::{Type, Value};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

// ---------------------------------------------------------------------------
// Expiry dates

/// Parses an RFC 3339 timestamp into PVE's `expire` (seconds since the
/// epoch). PVE stores whole seconds and reads 0 as "never", so fractions of a
/// second and instants at or before 1970-01-01T00:00:00Z are refused: the
/// first would never read back equal, the second would silently mean "never".
pub fn rfc3339_to_epoch(text: &str) -> Result<i64, String> {
    let instant = OffsetDateTime::parse(text, &Rfc3339).map_err(|error| {
        format!("`{text}` is not an RFC 3339 timestamp ({error}); write it like `2030-01-31T23:59:59Z` or `2030-01-31T23:59:59+01:00`")
    })?;
    if instant.nanosecond() != 0 {
        return Err(format!(
            "`{text}` has a fraction of a second, but PVE stores whole seconds; drop the fraction"
        ));
    }
    let epoch = instant.unix_timestamp();
    if epoch <= 0 {
        return Err(format!(
            "`{text}` is not after 1970-01-01T00:00:00Z; PVE reads such a date as \"never expires\", so leave the attribute unset (null) for that"
        ));
    }
    Ok(epoch)
}

/// Formats PVE's `expire` as RFC 3339 in UTC; 0 (and anything before the
/// epoch, which PVE cannot store) is `None`, meaning never.
pub fn epoch_to_rfc3339(epoch: i64) -> Option<String> {
    if epoch <= 0 {
        return None;
    }
    OffsetDateTime::from_unix_timestamp(epoch)
        .ok()
        .and_then(|instant| instant.format(&Rfc3339).ok())
}

/// The expiry text to store after reading `epoch` from PVE: the prior text
/// when it names the same instant (so `…+01:00` written in configuration
/// does not turn into a perpetual diff against `…Z`), else the UTC form.
pub fn expiration_from_api(epoch: i64, prior: Option<&str>) -> Option<String> {
    if epoch <= 0 {
        return None;
    }
    match prior {
        Some(text) if rfc3339_to_epoch(text) == Ok(epoch) => Some(text.to_string()),
        _ => epoch_to_rfc3339(epoch),
    }
}

/// The current time as RFC 3339 in UTC, in whole seconds (the form every
/// timestamp attribute of this provider uses).
pub fn now_rfc3339() -> String {
    let now = OffsetDateTime::now_utc().unix_timestamp();
    // Any time after 1970 formats; the fallback only satisfies the type.
    epoch_to_rfc3339(now).unwrap_or_else(|| "1970-01-01T00:00:01Z".into())
}

/// Reads an optional RFC 3339 attribute as PVE's `expire`: null is 0 (never).
/// Errors point at the attribute.
pub fn expiration_attr(value: &Value, name: &str) -> Result<i64, Diagnostics> {
    match string(value, name)? {
        None => Ok(0),
        Some(text) => {
            rfc3339_to_epoch(&text).map_err(|detail| Diagnostics::from(invalid(name, detail)))
        }
    }
}

// ---------------------------------------------------------------------------
// Durations

/// Parses a duration such as `90d`, `12h`, `1h30m`, `45s` or `2w` into
/// seconds. Units: `s`, `m`, `h`, `d` (24 h) and `w` (7 d); every number
/// needs a unit and the total must fit an `i64`.
pub fn parse_duration(text: &str) -> Result<i64, String> {
    let hint = "write a duration like `90d`, `12h`, `1h30m` or `45s` (units s, m, h, d, w)";
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(format!("an empty duration is not valid; {hint}"));
    }
    let mut total: i64 = 0;
    let mut digits = String::new();
    for c in trimmed.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit: i64 = match c {
            's' => 1,
            'm' => 60,
            'h' => 3_600,
            'd' => 86_400,
            'w' => 604_800,
            _ => return Err(format!("`{text}` has an unexpected `{c}`; {hint}")),
        };
        if digits.is_empty() {
            return Err(format!(
                "`{text}` has a unit `{c}` without a number; {hint}"
            ));
        }
        let amount: i64 = digits
            .parse()
            .map_err(|_| format!("`{text}` is too long a duration"))?;
        total = amount
            .checked_mul(unit)
            .and_then(|seconds| total.checked_add(seconds))
            .ok_or_else(|| format!("`{text}` is too long a duration"))?;
        digits.clear();
    }
    if !digits.is_empty() {
        return Err(format!("`{text}` ends in a number without a unit; {hint}"));
    }
    Ok(total)
}

// ---------------------------------------------------------------------------
// Typed attribute readers

/// An error diagnostic at attribute `name`: "Invalid `name`" plus `detail`.
pub fn invalid(name: &str, detail: impl Into<String>) -> Diagnostic {
    Diagnostic::error(format!("Invalid {name}"), detail).at_attribute(name)
}

fn codec(name: &str, error: &tfplugin::codec::CodecError) -> Diagnostics {
    Diagnostics::from(error.to_diagnostic(format!("Invalid {name}")))
}

/// A string attribute; null is `None`. Unknown or mistyped values are
/// diagnostics at the attribute.
pub fn string(value: &Value, name: &str) -> Result<Option<String>, Diagnostics> {
    value.string_attr(name).map_err(|error| codec(name, &error))
}

/// A string attribute that must be set.
pub fn required_string(value: &Value, name: &str) -> Result<String, Diagnostics> {
    string(value, name)?
        .ok_or_else(|| Diagnostics::from(invalid(name, format!("`{name}` must be set."))))
}

/// A bool attribute; null is `None`.
pub fn bool(value: &Value, name: &str) -> Result<Option<bool>, Diagnostics> {
    value.bool_attr(name).map_err(|error| codec(name, &error))
}

/// A whole-number attribute; null is `None`.
pub fn i64(value: &Value, name: &str) -> Result<Option<i64>, Diagnostics> {
    value.i64_attr(name).map_err(|error| codec(name, &error))
}

/// A list or set of strings; null is `None`.
pub fn strings(value: &Value, name: &str) -> Result<Option<Vec<String>>, Diagnostics> {
    value
        .strings_attr(name)
        .map_err(|error| codec(name, &error))
}

/// Parses `text` as a validating PVE id (`UserId`, `GroupId`, …) for
/// attribute `name`; `example` shows a valid value in the error.
pub fn parse_id<T>(text: &str, name: &str, example: &str) -> Result<T, Diagnostic>
where
    T: FromStr<Err = IdError>,
{
    text.parse::<T>()
        .map_err(|error| invalid(name, format!("{error}. Use a value like `{example}`.")))
}

/// A required id attribute, parsed.
pub fn id_attr<T>(value: &Value, name: &str, example: &str) -> Result<T, Diagnostics>
where
    T: FromStr<Err = IdError>,
{
    let text = required_string(value, name)?;
    parse_id(&text, name, example).map_err(Diagnostics::from)
}

/// Parses each element of a string list/set attribute as an id; errors point
/// at the attribute and name the element.
pub fn ids_attr<T>(value: &Value, name: &str, example: &str) -> Result<Option<Vec<T>>, Diagnostics>
where
    T: FromStr<Err = IdError>,
{
    let Some(items) = strings(value, name)? else {
        return Ok(None);
    };
    let mut diagnostics = Diagnostics::new();
    let mut ids = Vec::with_capacity(items.len());
    for item in &items {
        match parse_id::<T>(item, name, example) {
            Ok(id) => ids.push(id),
            Err(diagnostic) => diagnostics.push(diagnostic),
        }
    }
    if diagnostics.has_errors() {
        Err(diagnostics)
    } else {
        Ok(Some(ids))
    }
}

/// Plan-time check of an optional string attribute that may be unknown:
/// runs `check` only on a known string and pushes its error at `name`.
pub fn check_known_string(
    config: &Value,
    name: &str,
    diagnostics: &mut Diagnostics,
    check: impl FnOnce(&str) -> Result<(), String>,
) {
    if let Some(text) = config.get(name).as_str()
        && let Err(detail) = check(text)
    {
        diagnostics.push(invalid(name, detail));
    }
}

/// A check for [`check_known_string`] on a comment PVE keeps in user.cfg.
/// PVE re-reads that file on every request, and the reader trims leading
/// and trailing whitespace and drops a comment of exactly `0` (false to
/// Perl): such a comment would read back differently from the
/// configuration ("inconsistent result after apply", then endless drift).
pub fn user_cfg_comment(text: &str) -> Result<(), String> {
    if text.is_empty() {
        Err("PVE does not store an empty comment; leave `comment` unset instead of \"\".".into())
    } else if text.trim() != text {
        Err("PVE trims leading and trailing spaces (and line breaks) when it reads user.cfg back, so this comment would never match; remove them (e.g. use `trimspace()`).".into())
    } else if text == "0" {
        Err("PVE drops a comment of exactly `0` when it reads user.cfg back (Perl reads it as false); use another text, or leave `comment` unset.".into())
    } else {
        Ok(())
    }
}

/// A check for ids that become one URL path segment (group and role ids):
/// `.` and `..` pass PVE's character rule, but the URL layer removes such
/// segments and the request would reach the collection endpoint instead.
pub fn not_a_dot_segment(text: &str) -> Result<(), String> {
    if text == "." || text == ".." {
        Err(format!(
            "`{text}` cannot be used as an id: URLs drop `.` and `..` path segments, so PVE would receive a request for the whole collection; use another name."
        ))
    } else {
        Ok(())
    }
}

/// A check for user names: user.cfg stores group members and ACL users as
/// `,`/`;`-separated lists, so a name containing either would be split into
/// other names when PVE reads the file back.
pub fn no_list_separator(text: &str) -> Result<(), String> {
    if text.contains([',', ';']) {
        Err("a user name must not contain `,` or `;`: PVE's user.cfg separates member lists with them, so the name would be split when PVE reads the file back; use another name.".into())
    } else {
        Ok(())
    }
}

/// A check for [`check_known_string`]: at most `max` characters (PVE counts bytes).
pub fn max_length(max: usize) -> impl FnOnce(&str) -> Result<(), String> {
    move |text| {
        if text.len() > max {
            Err(format!(
                "PVE accepts at most {max} characters here (got {}); shorten it.",
                text.len()
            ))
        } else {
            Ok(())
        }
    }
}

/// An object type from `(attribute, type)` pairs, for lists of objects in
/// data sources.
pub fn object_type(attributes: &[(&str, Type)]) -> Type {
    Type::Object {
        attributes: attributes
            .iter()
            .map(|(name, ty)| ((*name).to_string(), ty.clone()))
            .collect(),
        optional: std::collections::BTreeSet::new(),
    }
}

/// `set(string)`.
pub fn string_set() -> Type {
    Type::Set(Box::new(Type::String))
}

/// The string or null, as a `Value`.
pub fn opt_string(text: Option<impl Into<String>>) -> Value {
    text.map_or(Value::Null, |text| Value::String(text.into()))
}

/// What names the object to import: the identity attribute when Terraform
/// imports by resource identity (≥ 1.12), else the trimmed import id.
pub fn import_key(request: &tfplugin::provider::ImportRequest, identity_attribute: &str) -> String {
    match &request.identity {
        Some(identity) => identity
            .get(identity_attribute)
            .as_str()
            .unwrap_or_default()
            .to_string(),
        None => request.id.trim().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use proxmox_client::{GroupId, UserId};

    #[test]
    fn rfc3339_round_trips_through_epoch() {
        assert_eq!(rfc3339_to_epoch("2030-01-01T00:00:00Z"), Ok(1_893_456_000));
        assert_eq!(
            rfc3339_to_epoch("2030-01-01T01:00:00+01:00"),
            Ok(1_893_456_000)
        );
        assert_eq!(
            epoch_to_rfc3339(1_893_456_000).as_deref(),
            Some("2030-01-01T00:00:00Z")
        );
    }

    #[test]
    fn zero_and_negative_epochs_mean_never() {
        assert_eq!(epoch_to_rfc3339(0), None);
        assert_eq!(epoch_to_rfc3339(-5), None);
        assert_eq!(expiration_from_api(0, Some("2030-01-01T00:00:00Z")), None);
    }

    #[test]
    fn refuses_dates_pve_cannot_store() {
        let epoch = rfc3339_to_epoch("1970-01-01T00:00:00Z").unwrap_err();
        assert!(epoch.contains("never expires"), "{epoch}");
        assert!(rfc3339_to_epoch("1969-12-31T00:00:00Z").is_err());
        let fraction = rfc3339_to_epoch("2030-01-01T00:00:00.5Z").unwrap_err();
        assert!(fraction.contains("whole seconds"), "{fraction}");
        let garbage = rfc3339_to_epoch("next tuesday").unwrap_err();
        assert!(garbage.contains("2030-01-31T23:59:59Z"), "{garbage}");
        assert!(
            rfc3339_to_epoch("2030-01-01").is_err(),
            "a date alone is not RFC 3339"
        );
    }

    #[test]
    fn read_back_keeps_the_configured_spelling_of_the_same_instant() {
        let epoch = 1_893_456_000;
        assert_eq!(
            expiration_from_api(epoch, Some("2030-01-01T01:00:00+01:00")).as_deref(),
            Some("2030-01-01T01:00:00+01:00")
        );
        // A different instant (changed out of band) reads back in UTC.
        assert_eq!(
            expiration_from_api(epoch + 60, Some("2030-01-01T01:00:00+01:00")).as_deref(),
            Some("2030-01-01T00:01:00Z")
        );
        assert_eq!(
            expiration_from_api(epoch, None).as_deref(),
            Some("2030-01-01T00:00:00Z")
        );
    }

    #[test]
    fn expiration_attr_reads_null_as_never_and_points_at_the_attribute() {
        let config = Value::object([("expiration_date", Value::Null)]);
        assert_eq!(expiration_attr(&config, "expiration_date"), Ok(0));
        let config = Value::object([("expiration_date", "soon")]);
        let error = expiration_attr(&config, "expiration_date").unwrap_err();
        assert_eq!(error.0[0].summary, "Invalid expiration_date");
        assert_eq!(
            error.0[0]
                .attribute
                .as_ref()
                .map(ToString::to_string)
                .as_deref(),
            Some("expiration_date")
        );
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("45s"), Ok(45));
        assert_eq!(parse_duration("1h30m"), Ok(5_400));
        assert_eq!(parse_duration("90d"), Ok(7_776_000));
        assert_eq!(parse_duration("2w"), Ok(1_209_600));
        assert_eq!(parse_duration(" 0s "), Ok(0));
        assert!(parse_duration("").unwrap_err().contains("empty"));
        assert!(parse_duration("10").unwrap_err().contains("without a unit"));
        assert!(
            parse_duration("h")
                .unwrap_err()
                .contains("without a number")
        );
        assert!(parse_duration("1y").unwrap_err().contains("unexpected `y`"));
        assert!(
            parse_duration("99999999999999999999w")
                .unwrap_err()
                .contains("too long")
        );
    }

    #[test]
    fn typed_readers_name_the_attribute() {
        let config = Value::object([
            ("name", Value::Unknown),
            ("flag", Value::from("yes")),
            ("groups", Value::set_of_strings(["ops", "bad:name"])),
        ]);
        let unknown = string(&config, "name").unwrap_err();
        assert_eq!(unknown.0[0].summary, "Invalid name");
        assert!(bool(&config, "flag").is_err());
        let groups = ids_attr::<GroupId>(&config, "groups", "ops").unwrap_err();
        assert_eq!(groups.len(), 1);
        assert!(
            groups.0[0].detail.contains("bad:name"),
            "{}",
            groups.0[0].detail
        );
        let missing = required_string(&config, "absent").unwrap_err();
        assert!(missing.0[0].detail.contains("must be set"));
    }

    #[test]
    fn id_errors_show_an_example() {
        let error = parse_id::<UserId>("alice", "user_id", "alice@pve").unwrap_err();
        assert!(error.detail.contains("`alice@pve`"), "{}", error.detail);
        assert!(error.detail.contains("name@realm"), "{}", error.detail);
    }

    #[test]
    fn max_length_counts_bytes() {
        let mut diagnostics = Diagnostics::new();
        let config = Value::object([("comment", "x".repeat(11))]);
        check_known_string(&config, "comment", &mut diagnostics, max_length(10));
        assert_eq!(diagnostics.len(), 1);
        let mut none = Diagnostics::new();
        let unknown = Value::object([("comment", Value::Unknown)]);
        check_known_string(&unknown, "comment", &mut none, max_length(10));
        assert!(none.is_empty());
    }

    proptest! {
        #[test]
        fn every_storable_epoch_round_trips(epoch in 1_i64..253_402_300_799) {
            let text = epoch_to_rfc3339(epoch).unwrap();
            prop_assert_eq!(rfc3339_to_epoch(&text), Ok(epoch));
            prop_assert_eq!(expiration_from_api(epoch, Some(&text)), Some(text));
        }
    }
}
