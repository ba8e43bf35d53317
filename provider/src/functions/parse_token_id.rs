//! Function `parse_token_id`: splits a full API token id into its parts, so
//! configurations need no hand-written `split("!", …)` that breaks on user
//! names containing `@` or `!`.

use async_trait::async_trait;
use proxmox_client::TokenId;
use tfplugin::provider::{Function, FunctionError, FunctionSignature};
use tfplugin::value::{Type, Value};

use super::{argument_error, string_argument, string_parameter};

/// `provider::pve::parse_token_id(id)`.
#[derive(Debug)]
pub struct ParseTokenId;

#[async_trait]
impl Function for ParseTokenId {
    fn name(&self) -> &str {
        "parse_token_id"
    }

    fn signature(&self) -> FunctionSignature {
        FunctionSignature {
            parameters: vec![string_parameter(
                "id",
                "A full API token id `USER@REALM!TOKEN`, e.g. `ci@pve!deploy` (the `id` of a `pve_user_token`).",
            )],
            variadic: None,
            return_type: result_type(),
            summary: "Splits an API token id into user, realm and token name".into(),
            description: "Parses a full API token id `USER@REALM!TOKEN` and returns an object with `user_id` (`USER@REALM`), `user` (the name before the last `@`), `realm` and `token_name`. The id is validated with PVE's rules: the user id is split at the last `!`, the realm at the last `@`, and the token name must match `[A-Za-z][A-Za-z0-9.-_]+`. An invalid id is an error that names the `id` argument.".into(),
            deprecation_message: String::new(),
        }
    }

    async fn call(&self, arguments: Vec<Value>) -> Result<Value, FunctionError> {
        let text = string_argument(&arguments, 0, "id")?;
        let id = parse(text).map_err(|detail| argument_error(0, detail))?;
        Ok(Value::object([
            ("user_id", Value::string(id.user().as_str())),
            ("user", Value::string(id.user().name())),
            ("realm", Value::string(id.user().realm())),
            ("token_name", Value::string(id.name().as_str())),
        ]))
    }
}

/// `object({user_id, user, realm, token_name})`, all strings.
fn result_type() -> Type {
    crate::convert::object_type(&[
        ("user_id", Type::String),
        ("user", Type::String),
        ("realm", Type::String),
        ("token_name", Type::String),
    ])
}

/// Validates a token id; the error says what is wrong and how to write it.
/// A value with `=` is likely a whole credential `ID=SECRET`: it is never
/// echoed, so a secret passed here by mistake stays out of the output.
fn parse(text: &str) -> Result<TokenId, String> {
    if text.contains('=') {
        return Err("the value contains `=`, so it looks like a whole credential `USER@REALM!TOKEN=SECRET` (not shown here); pass only the token id `USER@REALM!TOKEN`, e.g. `ci@pve!deploy`.".into());
    }
    text.parse::<TokenId>().map_err(|error| {
        format!(
            "`{text}` is not a PVE API token id: {}. Write it as `USER@REALM!TOKEN`, e.g. `ci@pve!deploy`.",
            error.rule()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(text: &str) -> Result<Value, FunctionError> {
        futures::executor::block_on(ParseTokenId.call(vec![Value::string(text)]))
    }

    #[test]
    fn splits_a_token_id() {
        let parts = call("ci@pve!deploy").unwrap();
        assert_eq!(parts.get("user_id").as_str(), Some("ci@pve"));
        assert_eq!(parts.get("user").as_str(), Some("ci"));
        assert_eq!(parts.get("realm").as_str(), Some("pve"));
        assert_eq!(parts.get("token_name").as_str(), Some("deploy"));
    }

    #[test]
    fn splits_at_the_last_bang_and_the_last_at() {
        let parts = call("first.last@example.com@ad!tf-run.1").unwrap();
        assert_eq!(
            parts.get("user_id").as_str(),
            Some("first.last@example.com@ad")
        );
        assert_eq!(parts.get("user").as_str(), Some("first.last@example.com"));
        assert_eq!(parts.get("realm").as_str(), Some("ad"));
        assert_eq!(parts.get("token_name").as_str(), Some("tf-run.1"));
    }

    #[test]
    fn invalid_ids_are_errors_at_the_id_argument() {
        for bad in [
            "ci@pve",
            "ci!deploy",
            "ci@pve!",
            "ci@pve!1deploy",
            "ci@pve!d",
            "@pve!deploy",
            "",
        ] {
            let error = call(bad).unwrap_err();
            assert_eq!(error.argument, Some(0), "{bad}");
            assert!(
                error.text.contains("USER@REALM!TOKEN"),
                "{bad}: {}",
                error.text
            );
        }
        let error = call("ci@pve!1deploy").unwrap_err();
        assert!(error.text.contains("`ci@pve!1deploy`"), "{}", error.text);
    }

    #[test]
    fn a_whole_credential_is_refused_without_echoing_the_secret() {
        let error = call("ci@pve!deploy=0b0e2d4c-1111-4222-8333-444455556666").unwrap_err();
        assert_eq!(error.argument, Some(0));
        assert!(!error.text.contains("0b0e2d4c"), "{}", error.text);
        assert!(!error.text.contains("ci@pve!deploy="), "{}", error.text);
    }

    #[test]
    fn result_matches_the_declared_type() {
        let signature = ParseTokenId.signature();
        let Type::Object { attributes, .. } = signature.return_type else {
            panic!("object expected");
        };
        let parts = call("ci@pve!deploy").unwrap();
        let keys: Vec<&String> = parts.as_map().unwrap().keys().collect();
        assert_eq!(keys, attributes.keys().collect::<Vec<_>>());
    }
}
