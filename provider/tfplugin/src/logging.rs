//! Logs in the form Terraform expects from go-plugin plugins: one hclog JSON
//! object per line on stderr (`@level`, `@message`, `@module`,
//! `@timestamp`, then the event's fields). Terraform re-emits them under
//! `TF_LOG`/`TF_LOG_PROVIDER`.
//!
//! Only names, counts and durations are ever logged by this crate; values
//! of attributes (which may be sensitive or write-only) never are.

use std::io::Write as _;

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt as _};
use tracing_subscriber::util::SubscriberInitExt as _;

/// The level chosen by `TF_LOG_PROVIDER`, else `TF_LOG`; unset or unknown
/// means off, `JSON` means trace (as terraform-plugin-log reads them).
pub fn level_from_env() -> LevelFilter {
    let value = std::env::var("TF_LOG_PROVIDER")
        .ok()
        .filter(|v| !v.is_empty())
        .or_else(|| std::env::var("TF_LOG").ok());
    parse_level(value.as_deref().unwrap_or(""))
}

fn parse_level(value: &str) -> LevelFilter {
    match value.trim().to_ascii_lowercase().as_str() {
        "trace" | "json" => LevelFilter::TRACE,
        "debug" => LevelFilter::DEBUG,
        "info" => LevelFilter::INFO,
        "warn" => LevelFilter::WARN,
        "error" => LevelFilter::ERROR,
        _ => LevelFilter::OFF,
    }
}

/// Installs the hclog JSON logger as the global subscriber, at the level
/// from the environment. Returns false when a subscriber was already set
/// (the caller's choice wins).
pub fn init() -> bool {
    let level = level_from_env();
    // Transport crates are chatty below info; their detail is rarely useful
    // to a provider user.
    let cap = std::cmp::min(level, LevelFilter::INFO);
    let filter = Targets::new()
        .with_default(level)
        .with_target("h2", cap)
        .with_target("hyper", cap)
        .with_target("hyper_util", cap)
        .with_target("tower", cap)
        .with_target("tonic", cap)
        .with_target("rustls", cap);
    tracing_subscriber::registry()
        .with(HclogLayer::new("provider").with_filter(filter))
        .try_init()
        .is_ok()
}

/// A tracing layer writing hclog JSON lines to stderr.
#[derive(Debug, Clone)]
pub struct HclogLayer {
    module: String,
}

impl HclogLayer {
    /// `module` becomes `@module` (Terraform shows it next to each line).
    pub fn new(module: impl Into<String>) -> Self {
        Self {
            module: module.into(),
        }
    }

    /// The JSON line for one event (without the newline).
    fn render(&self, event: &Event<'_>, now: time::OffsetDateTime) -> String {
        let mut visitor = FieldCollector::default();
        event.record(&mut visitor);
        let mut object = serde_json::Map::new();
        object.insert(
            "@level".into(),
            hclog_level(*event.metadata().level()).into(),
        );
        object.insert(
            "@message".into(),
            visitor.message.unwrap_or_default().into(),
        );
        object.insert("@module".into(), self.module.clone().into());
        object.insert("@timestamp".into(), timestamp(now).into());
        for (key, value) in visitor.fields {
            object.entry(key).or_insert(value);
        }
        serde_json::Value::Object(object).to_string()
    }
}

fn hclog_level(level: Level) -> &'static str {
    match level {
        Level::TRACE => "trace",
        Level::DEBUG => "debug",
        Level::INFO => "info",
        Level::WARN => "warn",
        Level::ERROR => "error",
    }
}

/// hclog's JSON time layout: RFC 3339 with microseconds.
fn timestamp(now: time::OffsetDateTime) -> String {
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"
    );
    now.to_offset(time::UtcOffset::UTC)
        .format(&format)
        .unwrap_or_default()
}

impl<S: Subscriber> Layer<S> for HclogLayer {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let mut line = self.render(event, time::OffsetDateTime::now_utc());
        line.push('\n');
        // A failed write to stderr has nowhere better to be reported.
        let _ = std::io::stderr().lock().write_all(line.as_bytes());
    }
}

#[derive(Default)]
struct FieldCollector {
    message: Option<String>,
    fields: Vec<(String, serde_json::Value)>,
}

impl FieldCollector {
    fn put(&mut self, field: &Field, value: serde_json::Value) {
        if field.name() == "message" {
            self.message = Some(match value {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            });
        } else {
            self.fields.push((field.name().to_owned(), value));
        }
    }
}

impl Visit for FieldCollector {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.put(field, format!("{value:?}").into());
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.put(field, value.into());
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.put(field, value.into());
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.put(field, value.into());
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.put(field, value.into());
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.put(field, value.into());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[test]
    fn levels_follow_terraform_names() {
        assert_eq!(parse_level("JSON"), LevelFilter::TRACE);
        assert_eq!(parse_level("debug"), LevelFilter::DEBUG);
        assert_eq!(parse_level("WARN"), LevelFilter::WARN);
        assert_eq!(parse_level("off"), LevelFilter::OFF);
        assert_eq!(parse_level(""), LevelFilter::OFF);
    }

    /// Captures rendered lines instead of writing them to stderr.
    struct Capture(HclogLayer, Arc<Mutex<Vec<String>>>);

    impl<S: Subscriber> Layer<S> for Capture {
        fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
            let line = self.0.render(
                event,
                time::macros::datetime!(2025-01-02 03:04:05.123456 UTC),
            );
            self.1.lock().unwrap_or_else(|e| e.into_inner()).push(line);
        }
    }

    #[test]
    fn renders_hclog_json() {
        let lines = Arc::new(Mutex::new(Vec::new()));
        let subscriber = tracing_subscriber::registry()
            .with(Capture(HclogLayer::new("provider"), lines.clone()));
        tracing::subscriber::with_default(subscriber, || {
            tracing::warn!(rpc = "PlanResourceChange", errors = 2_u64, "request failed");
        });
        let lines = lines.lock().unwrap_or_else(|e| e.into_inner());
        let json: serde_json::Value = serde_json::from_str(&lines[0]).expect("json");
        assert_eq!(json["@level"], "warn");
        assert_eq!(json["@message"], "request failed");
        assert_eq!(json["@module"], "provider");
        assert_eq!(json["@timestamp"], "2025-01-02T03:04:05.123456Z");
        assert_eq!(json["rpc"], "PlanResourceChange");
        assert_eq!(json["errors"], 2);
    }
}
