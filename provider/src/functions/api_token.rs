//! Function `api_token`: builds the credential `USER@REALM!TOKEN=SECRET`
//! that `PROXMOX_VE_API_TOKEN`, a provider's `api_token` and the
//! `Authorization: PVEAPIToken=…` header take, after checking every part.

use async_trait::async_trait;
use proxmox_client::{TokenName, UserId};
use tfplugin::provider::{Function, FunctionError, FunctionSignature};
use tfplugin::value::{Type, Value};

use super::{argument_error, string_argument, string_parameter};

/// `provider::pve::api_token(user_id, token_name, secret)`.
#[derive(Debug)]
pub struct ApiTokenFunction;

#[async_trait]
impl Function for ApiTokenFunction {
    fn name(&self) -> &str {
        "api_token"
    }

    fn signature(&self) -> FunctionSignature {
        FunctionSignature {
            parameters: vec![
                string_parameter("user_id", "The token's user, `USER@REALM`, e.g. `ci@pve`."),
                string_parameter("token_name", "The token name, e.g. `deploy` (`[A-Za-z][A-Za-z0-9.-_]+`)."),
                string_parameter(
                    "secret",
                    "The token secret PVE returned at creation (a UUID). Pass it from a sensitive or ephemeral value: the result inherits its marks.",
                ),
            ],
            variadic: None,
            return_type: Type::String,
            summary: "Builds the credential string `USER@REALM!TOKEN=SECRET`".into(),
            description: "Joins a user id, token name and secret into the form that `PROXMOX_VE_API_TOKEN`, the `api_token` argument of this provider (and of other Proxmox providers) and the HTTP header `Authorization: PVEAPIToken=USER@REALM!TOKEN=SECRET` take. Each part is validated with PVE's rules; the secret must be non-empty and contain no `=`, whitespace or control characters (PVE splits the credential at the last `=`). Errors name the argument at fault and never show the secret. Terraform carries the `sensitive` or `ephemeral` marking of the arguments over to the result.".into(),
            deprecation_message: String::new(),
        }
    }

    async fn call(&self, arguments: Vec<Value>) -> Result<Value, FunctionError> {
        let user = string_argument(&arguments, 0, "user_id")?;
        let name = string_argument(&arguments, 1, "token_name")?;
        let secret = string_argument(&arguments, 2, "secret")?;
        let user: UserId = user.parse().map_err(|error: proxmox_client::IdError| {
            argument_error(
                0,
                format!(
                    "`{user}` is not a PVE user id: {}. Write it as `USER@REALM`, e.g. `ci@pve`.",
                    error.rule()
                ),
            )
        })?;
        let name: TokenName = name.parse().map_err(|error: proxmox_client::IdError| {
            let hint = if name.contains('!') {
                " Pass only the part after `!` (see provider::pve::parse_token_id)."
            } else {
                ""
            };
            argument_error(
                1,
                format!(
                    "`{name}` is not a PVE token name: it {}.{hint}",
                    error.rule()
                ),
            )
        })?;
        check_secret(secret).map_err(|detail| argument_error(2, detail))?;
        Ok(Value::string(format!("{}={secret}", user.token(&name))))
    }
}

/// Why `secret` cannot be the secret part of a credential. The text never
/// contains the secret itself.
fn check_secret(secret: &str) -> Result<(), String> {
    if secret.is_empty() {
        return Err(
            "the secret is empty; pass the `value` PVE returned when the token was created.".into(),
        );
    }
    if secret.contains('=') {
        return Err("the secret contains `=` (not shown here); PVE splits `USER@REALM!TOKEN=SECRET` at the last `=`, so pass only the secret (a UUID), not a whole credential.".into());
    }
    if secret.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("the secret (not shown here) contains whitespace or a control character; a PVE token secret is a UUID such as `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` — check for a stray newline (e.g. use trimspace(file(…))).".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "0b0e2d4c-1111-4222-8333-444455556666";

    fn call(user: &str, name: &str, secret: &str) -> Result<Value, FunctionError> {
        futures::executor::block_on(ApiTokenFunction.call(vec![
            Value::string(user),
            Value::string(name),
            Value::string(secret),
        ]))
    }

    #[test]
    fn joins_the_parts_into_a_credential_the_client_accepts() {
        let value = call("ci@pve", "deploy", SECRET).unwrap();
        let text = value.as_str().unwrap();
        assert_eq!(text, format!("ci@pve!deploy={SECRET}"));
        let parsed: proxmox_client::ApiToken = text.parse().unwrap();
        assert_eq!(parsed.id().as_str(), "ci@pve!deploy");
        assert_eq!(parsed.secret().expose(), SECRET);
    }

    #[test]
    fn invalid_user_and_name_point_at_their_argument() {
        let error = call("ci", "deploy", SECRET).unwrap_err();
        assert_eq!(error.argument, Some(0));
        assert!(
            error.text.contains("`ci` is not a PVE user id"),
            "{}",
            error.text
        );
        let error = call("ci@pve", "1x", SECRET).unwrap_err();
        assert_eq!(error.argument, Some(1));
        assert!(
            error.text.contains("`1x` is not a PVE token name"),
            "{}",
            error.text
        );
        let error = call("ci@pve", "ci@pve!deploy", SECRET).unwrap_err();
        assert_eq!(error.argument, Some(1));
        assert!(error.text.contains("part after `!`"), "{}", error.text);
    }

    #[test]
    fn invalid_secrets_point_at_the_secret_without_showing_it() {
        for (bad, expected) in [
            ("", "empty"),
            ("ci@pve!deploy=0b0e2d4c-aaaa", "contains `=`"),
            ("0b0e2d4c-aaaa\n", "whitespace"),
            ("0b0e2d4c aaaa", "whitespace"),
        ] {
            let error = call("ci@pve", "deploy", bad).unwrap_err();
            assert_eq!(error.argument, Some(2), "{bad:?}");
            assert!(error.text.contains(expected), "{bad:?}: {}", error.text);
            assert!(
                !error.text.contains("0b0e2d4c"),
                "secret leaked: {}",
                error.text
            );
        }
    }

    #[test]
    fn a_user_error_never_shows_the_secret() {
        let error = call("bad", "deploy", SECRET).unwrap_err();
        assert!(!error.text.contains(SECRET));
    }
}
