//! Data source `pve_permissions`: the privileges a user or API token
//! effectively holds on a path, as PVE computes them.

use async_trait::async_trait;
use proxmox_client::{AclPath, AuthId, PermissionsQuery};
use tfplugin::diag::Diagnostics;
use tfplugin::provider::DataSource;
use tfplugin::schema::{Attribute, Block, Schema};
use tfplugin::value::{Type, Value};

use crate::connection::Pve;
use crate::convert;

/// The `pve_permissions` data source.
#[derive(Debug)]
pub struct PermissionsDataSource {
    pve: Pve,
}

impl PermissionsDataSource {
    pub fn new(pve: &Pve) -> Self {
        PermissionsDataSource { pve: pve.clone() }
    }
}

#[async_trait]
impl DataSource for PermissionsDataSource {
    fn type_name(&self) -> &str {
        "pve_permissions"
    }

    fn schema(&self) -> Schema {
        Schema::new(Block {
            description: "The privileges a user or API token effectively holds on a path (`GET /access/permissions`), after \
inheritance, groups, pools and, for a privilege-separated token, the intersection with its user. Use it to verify a grant does what you meant. \
Asking about another identity needs `Sys.Audit` on `/access` (a user may always ask about itself and its own tokens)."
                .into(),
            attributes: vec![
                Attribute::optional("user_id", Type::String).description(
                    "The user (`name@realm`) or API token (`name@realm!token`) to evaluate. Default: the provider's own credential.",
                ),
                Attribute::required("path", Type::String)
                    .description("The path to evaluate, e.g. `/vms/100` (normalised like PVE does)."),
                Attribute::computed("privileges", Type::Set(Box::new(Type::String)))
                    .description("The privileges held on `path`."),
                Attribute::computed("propagated", Type::Map(Box::new(Type::Bool))).description(
                    "For each privilege in `privileges`: whether it comes from a propagating grant (PVE's informational flag).",
                ),
            ],
            ..Block::default()
        })
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        let mut diagnostics = Diagnostics::new();
        convert::check_known_string(config, "user_id", &mut diagnostics, |text| {
            text.parse::<AuthId>().map(drop).map_err(|error| {
                format!(
                    "{error}. Use a user id like `alice@pve` or a token id like `ci@pve!deploy`."
                )
            })
        });
        convert::check_known_string(config, "path", &mut diagnostics, |text| {
            AclPath::normalize(text)
                .map(drop)
                .map_err(|_| format!("`{text}` is not a path: use letters, digits, '.', '-', '_' and '/', e.g. `/vms/100`."))
        });
        diagnostics
    }

    async fn read(&self, config: &Value) -> Result<Value, Diagnostics> {
        let userid = match convert::string(config, "user_id")? {
            None => None,
            Some(text) => Some(convert::parse_id::<AuthId>(
                &text,
                "user_id",
                "ci@pve!deploy",
            )?),
        };
        let text = convert::required_string(config, "path")?;
        // PVE does not normalise this parameter: `/vms/100/` would answer nothing.
        let path = AclPath::normalize(&text).map_err(|_| {
            Diagnostics::from(convert::invalid(
                "path",
                format!("`{text}` is not a path, e.g. `/vms/100`."),
            ))
        })?;
        let connection = self.pve.connection()?;
        let who = userid
            .as_ref()
            .map_or_else(|| connection.credential().to_string(), ToString::to_string);
        let query = PermissionsQuery {
            userid,
            path: Some(path.clone()),
        };
        let answer = connection
            .client()
            .permissions(&query)
            .await
            .map_err(|error| {
                connection.diagnose(
                    &format!("read the permissions of {who} on '{path}'"),
                    &error,
                )
            })?;
        let privileges = answer.get(path.as_str()).cloned().unwrap_or_default();
        let mut out = config.clone();
        out.set_attr(
            "privileges",
            Value::set_of_strings(privileges.keys().cloned()),
        );
        out.set_attr(
            "propagated",
            Value::map(
                privileges
                    .into_iter()
                    .map(|(name, propagate)| (name, Value::Bool(propagate))),
            ),
        );
        Ok(out)
    }
}
