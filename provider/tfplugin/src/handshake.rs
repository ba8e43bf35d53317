//! The go-plugin handshake: how Terraform starts a plugin and learns where
//! to connect. Pure functions of the environment, so they can be tested.

use crate::ServeError;

/// The environment variable Terraform sets when it launches a provider.
pub const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
/// Terraform's magic cookie value (a constant shared by every provider).
pub const MAGIC_COOKIE_VALUE: &str =
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";
/// go-plugin's own protocol version (the first handshake field).
pub const CORE_PROTOCOL_VERSION: u32 = 1;
/// The Terraform plugin protocol major version this crate speaks.
pub const PROTOCOL_VERSION: u32 = 6;

/// Refuses to run unless Terraform launched the process.
pub(crate) fn check_magic_cookie(value: Option<&str>) -> Result<(), ServeError> {
    if value == Some(MAGIC_COOKIE_VALUE) {
        Ok(())
    } else {
        Err(ServeError::NotLaunchedByTerraform)
    }
}

/// Checks `PLUGIN_PROTOCOL_VERSIONS` (a comma-separated list). Unset means a
/// client too old to say, which go-plugin serves with its own version.
pub(crate) fn negotiate_protocol(offered: Option<&str>) -> Result<u32, ServeError> {
    let Some(offered) = offered.filter(|v| !v.trim().is_empty()) else {
        return Ok(PROTOCOL_VERSION);
    };
    let speaks_ours = offered
        .split(',')
        .filter_map(|v| v.trim().parse::<u32>().ok())
        .any(|v| v == PROTOCOL_VERSION);
    if speaks_ours {
        Ok(PROTOCOL_VERSION)
    } else {
        Err(ServeError::ProtocolVersion {
            offered: offered.to_owned(),
        })
    }
}

/// The single stdout line go-plugin clients read:
/// `CORE|PROTO|network|address|grpc|server-cert`.
pub(crate) fn handshake_line(network: &str, address: &str, certificate_base64: &str) -> String {
    format!(
        "{CORE_PROTOCOL_VERSION}|{PROTOCOL_VERSION}|{network}|{address}|grpc|{certificate_base64}"
    )
}

/// The `TF_REATTACH_PROVIDERS` value for a provider served in debug mode.
pub(crate) fn reattach_json(
    provider_address: &str,
    pid: u32,
    network: &str,
    address: &str,
) -> String {
    let mut providers = serde_json::Map::new();
    providers.insert(
        provider_address.to_owned(),
        serde_json::json!({
            "Protocol": "grpc",
            "ProtocolVersion": PROTOCOL_VERSION,
            "Pid": pid,
            "Test": true,
            "Addr": {"Network": network, "String": address},
        }),
    );
    serde_json::Value::Object(providers).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_must_match_exactly() {
        assert!(check_magic_cookie(Some(MAGIC_COOKIE_VALUE)).is_ok());
        assert!(matches!(
            check_magic_cookie(None),
            Err(ServeError::NotLaunchedByTerraform)
        ));
        assert!(check_magic_cookie(Some("d602bf8f")).is_err());
    }

    #[test]
    fn protocol_six_must_be_offered() {
        assert_eq!(negotiate_protocol(Some("5,6")).ok(), Some(6));
        assert_eq!(negotiate_protocol(Some("6")).ok(), Some(6));
        assert_eq!(negotiate_protocol(None).ok(), Some(6));
        let err = negotiate_protocol(Some("4,5")).expect_err("5 only");
        assert!(err.to_string().contains("4,5"), "{err}");
    }

    #[test]
    fn handshake_line_has_six_fields() {
        let line = handshake_line("unix", "/tmp/plugin123", "MIIB");
        assert_eq!(line, "1|6|unix|/tmp/plugin123|grpc|MIIB");
        assert_eq!(line.split('|').count(), 6);
        assert_eq!(handshake_line("unix", "/s", ""), "1|6|unix|/s|grpc|");
    }

    #[test]
    fn reattach_value_is_what_terraform_parses() {
        let json: serde_json::Value = serde_json::from_str(&reattach_json(
            "registry.terraform.io/pve-rs/pve",
            42,
            "unix",
            "/tmp/p.sock",
        ))
        .expect("json");
        let entry = &json["registry.terraform.io/pve-rs/pve"];
        assert_eq!(entry["Protocol"], "grpc");
        assert_eq!(entry["ProtocolVersion"], 6);
        assert_eq!(entry["Pid"], 42);
        assert_eq!(entry["Test"], true);
        assert_eq!(entry["Addr"]["Network"], "unix");
        assert_eq!(entry["Addr"]["String"], "/tmp/p.sock");
        let tcp: serde_json::Value =
            serde_json::from_str(&reattach_json("a/b/c", 1, "tcp", "127.0.0.1:10001"))
                .expect("json");
        assert_eq!(tcp["a/b/c"]["Addr"]["Network"], "tcp");
        assert_eq!(tcp["a/b/c"]["Addr"]["String"], "127.0.0.1:10001");
    }
}
