//! Which PVE nodes the provider talks to: `endpoint` (one node) or
//! `endpoints` (several nodes of one cluster, with failover), and the
//! certificate pins that go with them (`tls_fingerprint` for one node,
//! `tls_fingerprints` with one pin per endpoint).

use tfplugin::diag::Diagnostic;
use tfplugin::value::Value;

use crate::provider::ProviderModel;

/// The attribute names this module reads, declared by the provider's model.
const ENDPOINTS: &str = ProviderModel::ENDPOINTS;
const TLS_FINGERPRINTS: &str = ProviderModel::TLS_FINGERPRINTS;
const ENDPOINT_COOLDOWN: &str = ProviderModel::ENDPOINT_COOLDOWN;

/// The environment variable of `endpoints`: comma-separated URLs.
pub const ENDPOINTS_VAR: &str = "PROXMOX_VE_ENDPOINTS";
/// The environment variable of `tls_fingerprints`: comma-separated pins.
pub const TLS_FINGERPRINTS_VAR: &str = "PROXMOX_VE_TLS_FINGERPRINTS";

/// The name of an endpoint setting whose value is not known yet, if any.
pub fn unknown_setting(config: &Value) -> Option<&'static str> {
    [ENDPOINTS, TLS_FINGERPRINTS, ENDPOINT_COOLDOWN]
        .into_iter()
        .find(|name| !config.get(name).is_known())
}

/// The chosen endpoints and their pins (empty: no pinning).
#[derive(Debug, PartialEq, Eq)]
pub struct Endpoints {
    pub urls: Vec<String>,
    pub fingerprints: Vec<String>,
}

/// One setting in its two spellings: a single value and a list.
struct Pair<'a> {
    single: &'a str,
    single_var: &'a str,
    list: &'a str,
    list_var: &'a str,
}

const ENDPOINT: Pair<'static> = Pair {
    single: "endpoint",
    single_var: "PROXMOX_VE_ENDPOINT",
    list: ENDPOINTS,
    list_var: ENDPOINTS_VAR,
};
const FINGERPRINT: Pair<'static> = Pair {
    single: "tls_fingerprint",
    single_var: "PROXMOX_VE_TLS_FINGERPRINT",
    list: TLS_FINGERPRINTS,
    list_var: TLS_FINGERPRINTS_VAR,
};

impl Pair<'_> {
    /// The values set for this pair: the provider block's, else the
    /// environment's (as for every other setting). `None`: not set anywhere.
    fn choose(
        &self,
        config: &Value,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Option<Vec<String>>, Diagnostic> {
        let nonblank = |text: String| (!text.trim().is_empty()).then(|| text.trim().to_string());
        let block_single = config
            .get(self.single)
            .as_str()
            .map(str::to_string)
            .and_then(nonblank);
        let block_list = block_list(config, self.list)?;
        match (block_single, block_list) {
            (Some(_), Some(_)) => {
                return Err(Diagnostic::error(
                    format!("Both {} and {} are set", self.single, self.list),
                    format!(
                        "Set exactly one of `{}` (one node) and `{}` (several nodes of one cluster) in the provider block.",
                        self.single, self.list
                    ),
                )
                .at_attribute(self.list));
            }
            (Some(single), None) => return Ok(Some(vec![single])),
            (None, Some(list)) => return Ok(Some(list)),
            (None, None) => {}
        }
        let env_single = env(self.single_var).and_then(nonblank);
        let env_list = env(self.list_var).and_then(nonblank).map(|text| {
            text.split(',')
                .map(str::trim)
                .filter(|item| !item.is_empty())
                .map(str::to_string)
                .collect::<Vec<_>>()
        });
        match (env_single, env_list) {
            (Some(_), Some(_)) => Err(Diagnostic::error(
                format!("Both {} and {} are set", self.single_var, self.list_var),
                format!(
                    "Set exactly one of {} (`{}`, one node) and {} (`{}`, comma-separated nodes of one cluster), or set `{}` or `{}` in the provider block.",
                    self.single_var, self.single, self.list_var, self.list, self.single, self.list
                ),
            )),
            (Some(single), None) => Ok(Some(vec![single])),
            (None, Some(list)) => Ok(Some(list)),
            (None, None) => Ok(None),
        }
    }
}

/// A list-of-strings attribute; `None` when null. Empty and blank entries
/// are refused with the attribute named.
fn block_list(config: &Value, name: &str) -> Result<Option<Vec<String>>, Diagnostic> {
    let value = config.get(name);
    let Some(elements) = value.elements() else {
        return Ok(None);
    };
    let invalid = |why: &str| {
        Diagnostic::error(format!("Invalid {name}"), format!("`{name}` {why}")).at_attribute(name)
    };
    if elements.is_empty() {
        return Err(invalid(
            "is an empty list: list at least one node, e.g. [\"https://pve1:8006\"].",
        ));
    }
    elements
        .iter()
        .map(|element| match element.as_str().map(str::trim) {
            Some(text) if !text.is_empty() => Ok(text.to_string()),
            _ => Err(invalid("has a blank entry: every entry must be set.")),
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// Reads `endpoint`/`endpoints` and `tls_fingerprint`/`tls_fingerprints`
/// (block first, then `PROXMOX_VE_*`), and checks that pins and endpoints
/// line up.
pub fn from_config(
    config: &Value,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Endpoints, Diagnostic> {
    let urls = ENDPOINT.choose(config, env)?.ok_or_else(|| {
        Diagnostic::error(
            "Missing endpoint",
            "Set `endpoint = \"https://HOST:8006\"` (or `endpoints = [\"https://pve1:8006\", …]` for a cluster) in the provider block, or PROXMOX_VE_ENDPOINT (or PROXMOX_VE_ENDPOINTS).",
        )
        .at_attribute("endpoint")
    })?;
    let fingerprints = FINGERPRINT.choose(config, env)?.unwrap_or_default();
    if !fingerprints.is_empty() && fingerprints.len() != urls.len() {
        let detail = if fingerprints.len() == 1 {
            format!(
                "`tls_fingerprint` pins one certificate, but {} endpoints are configured and every node of a cluster has its own certificate. Use `tls_fingerprints` with one fingerprint per endpoint, in the same order, or `ca_certificate` with the cluster's pve-root-ca.pem.",
                urls.len()
            )
        } else {
            format!(
                "`tls_fingerprints` has {} fingerprints for {} endpoints: give one per endpoint, in the order of `endpoints`.",
                fingerprints.len(),
                urls.len()
            )
        };
        return Err(
            Diagnostic::error("Fingerprints do not match the endpoints", detail).at_attribute(
                if fingerprints.len() == 1 {
                    "tls_fingerprint"
                } else {
                    "tls_fingerprints"
                },
            ),
        );
    }
    Ok(Endpoints { urls, fingerprints })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(block: &[(&str, Value)], env: &[(&str, &str)]) -> Result<Endpoints, Diagnostic> {
        let config = Value::object(block.iter().cloned());
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        from_config(&config, &|var: &str| {
            env.iter().find(|(k, _)| k == var).map(|(_, v)| v.clone())
        })
    }

    fn urls(list: &[&str]) -> Value {
        Value::list_of_strings(list.iter().copied())
    }

    #[test]
    fn one_endpoint_or_a_list_from_the_block_or_the_environment() {
        let one = read(&[("endpoint", Value::string("https://a:8006"))], &[]).unwrap();
        assert_eq!(one.urls, ["https://a:8006"]);
        let list = read(
            &[("endpoints", urls(&["https://a:8006", "https://b:8006"]))],
            &[],
        )
        .unwrap();
        assert_eq!(list.urls, ["https://a:8006", "https://b:8006"]);
        let env = read(&[], &[(ENDPOINTS_VAR, " https://a:8006 , https://b:8006,")]).unwrap();
        assert_eq!(env.urls, ["https://a:8006", "https://b:8006"]);
        // The block wins over the environment.
        let block = read(
            &[("endpoint", Value::string("https://c:8006"))],
            &[(ENDPOINTS_VAR, "https://a:8006,https://b:8006")],
        )
        .unwrap();
        assert_eq!(block.urls, ["https://c:8006"]);
    }

    #[test]
    fn both_spellings_at_once_are_refused_naming_both() {
        let error = read(
            &[
                ("endpoint", Value::string("https://a:8006")),
                ("endpoints", urls(&["https://b:8006"])),
            ],
            &[],
        )
        .unwrap_err();
        assert!(error.detail.contains("`endpoint`") && error.detail.contains("`endpoints`"));
        let error = read(
            &[],
            &[
                ("PROXMOX_VE_ENDPOINT", "https://a:8006"),
                (ENDPOINTS_VAR, "https://b:8006"),
            ],
        )
        .unwrap_err();
        assert!(
            error.detail.contains("PROXMOX_VE_ENDPOINT ") && error.detail.contains(ENDPOINTS_VAR),
            "{}",
            error.detail
        );
        let error = read(&[], &[]).unwrap_err();
        assert_eq!(error.summary, "Missing endpoint");
        let error = read(&[("endpoints", urls(&[]))], &[]).unwrap_err();
        assert!(error.detail.contains("empty list"), "{}", error.detail);
    }

    #[test]
    fn pins_line_up_with_the_endpoints() {
        let two = urls(&["https://a:8006", "https://b:8006"]);
        let pinned = read(
            &[
                ("endpoints", two.clone()),
                ("tls_fingerprints", urls(&["AA", "BB"])),
            ],
            &[],
        )
        .unwrap();
        assert_eq!(pinned.fingerprints, ["AA", "BB"]);
        let error = read(
            &[
                ("endpoints", two.clone()),
                ("tls_fingerprint", Value::string("AA")),
            ],
            &[],
        )
        .unwrap_err();
        assert!(
            error.detail.contains("use `tls_fingerprints`")
                || error.detail.contains("Use `tls_fingerprints`"),
            "{}",
            error.detail
        );
        let error = read(&[("endpoints", two)], &[(TLS_FINGERPRINTS_VAR, "AA,BB,CC")]).unwrap_err();
        assert!(
            error.detail.contains("3 fingerprints for 2 endpoints"),
            "{}",
            error.detail
        );
    }
}
