//! Data source `pve_permissions`: the privileges a user or API token
//! effectively holds on a path, as PVE computes them.

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use proxmox_client::{AclPath, AuthId, PermissionsQuery};
use tfplugin::Model;
use tfplugin::diag::Diagnostics;
use tfplugin::provider::DataSource;
use tfplugin::schema::Schema;
use tfplugin::value::Value;

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
        PermissionsModel::schema()
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        let mut diagnostics = Diagnostics::new();
        convert::check_known_string(
            config,
            PermissionsModel::USER_ID,
            &mut diagnostics,
            |text| {
                text.parse::<AuthId>().map(drop).map_err(|error| {
                format!(
                    "{error}. Use a user id like `alice@pve` or a token id like `ci@pve!deploy`."
                )
            })
            },
        );
        convert::check_known_string(config, PermissionsModel::PATH, &mut diagnostics, |text| {
            AclPath::normalize(text)
                .map(drop)
                .map_err(|_| format!("`{text}` is not a path: use letters, digits, '.', '-', '_' and '/', e.g. `/vms/100`."))
        });
        diagnostics
    }

    async fn read(&self, config: &Value) -> Result<Value, Diagnostics> {
        let user_text = convert::string(config, PermissionsModel::USER_ID)?;
        let userid = match &user_text {
            None => None,
            Some(text) => Some(convert::parse_id::<AuthId>(
                text,
                PermissionsModel::USER_ID,
                "ci@pve!deploy",
            )?),
        };
        let text = convert::required_string(config, PermissionsModel::PATH)?;
        // PVE does not normalise this parameter: `/vms/100/` would answer nothing.
        let path = AclPath::normalize(&text).map_err(|_| {
            Diagnostics::from(convert::invalid(
                PermissionsModel::PATH,
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
        // `user_id` and `path` are echoed as configured.
        let model = PermissionsModel {
            user_id: user_text,
            path: text,
            privileges: privileges.keys().cloned().collect(),
            propagated: privileges,
        };
        Ok(model.to_value())
    }
}

/// The state of data `pve_permissions`.
#[derive(Debug, Clone, PartialEq, Eq, Model)]
#[tf(
    description = "The privileges a user or API token effectively holds on a path (`GET /access/permissions`), after \
inheritance, groups, pools and, for a privilege-separated token, the intersection with its user. Use it to verify a grant does what you meant. \
Asking about another identity needs `Sys.Audit` on `/access` (a user may always ask about itself and its own tokens)."
)]
struct PermissionsModel {
    #[tf(
        optional,
        description = "The user (`name@realm`) or API token (`name@realm!token`) to evaluate. Default: the provider's own credential."
    )]
    user_id: Option<String>,
    #[tf(
        required,
        description = "The path to evaluate, e.g. `/vms/100` (normalised like PVE does)."
    )]
    path: String,
    #[tf(computed, description = "The privileges held on `path`.")]
    privileges: BTreeSet<String>,
    #[tf(
        computed,
        description = "For each privilege in `privileges`: whether it comes from a propagating grant (PVE's informational flag)."
    )]
    propagated: BTreeMap<String, bool>,
}
