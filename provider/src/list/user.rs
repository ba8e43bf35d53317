//! `list "pve_user"`: the users of the server, filtered by realm, state and
//! name prefix. `root@pam` is never listed: it is not a user to adopt.

use async_trait::async_trait;
use proxmox_client::ListUsers;
use tfplugin::Model;
use tfplugin::diag::Diagnostics;
use tfplugin::provider::{ListResource, ListResult};
use tfplugin::schema::Schema;
use tfplugin::value::Value;

use crate::connection::Pve;
use crate::list::{Found, results, text};
use crate::resources::user::{UserModel, UserResource};

/// The `pve_user` list resource.
#[derive(Debug)]
pub struct UserList {
    pve: Pve,
    resource: UserResource,
}

impl UserList {
    pub fn new(pve: &Pve) -> Self {
        UserList {
            pve: pve.clone(),
            resource: UserResource::new(pve),
        }
    }
}

#[async_trait]
impl ListResource for UserList {
    fn type_name(&self) -> &str {
        "pve_user"
    }

    fn schema(&self) -> Schema {
        UserListModel::schema()
    }

    async fn list(
        &self,
        config: &Value,
        include_state: bool,
        limit: i64,
    ) -> Result<Vec<ListResult>, Diagnostics> {
        let connection = self.pve.connection()?;
        let request = ListUsers {
            enabled: config.get(UserListModel::ENABLED).as_bool(),
            full: false,
        };
        let mut users = connection
            .client()
            .users()
            .list_with(&request)
            .await
            .map_err(|error| connection.diagnose("list users", &error))?;
        users.sort_by(|a, b| a.userid.as_str().cmp(b.userid.as_str()));
        let realm = text(config, UserListModel::REALM);
        let prefix = text(config, UserListModel::PREFIX).unwrap_or_default();
        let found = users
            .into_iter()
            .filter(|user| user.userid.as_str() != "root@pam")
            .filter(|user| realm.as_deref().is_none_or(|r| user.userid.realm() == r))
            .filter(|user| user.userid.as_str().starts_with(&prefix))
            .map(|user| Found {
                display_name: user.userid.to_string(),
                identity: Value::object([(
                    UserModel::USER_ID,
                    Value::string(user.userid.as_str()),
                )]),
            })
            .collect();
        results(&self.resource, found, include_state, limit).await
    }
}

/// The configuration of `list "pve_user"`.
#[derive(Debug, Clone, PartialEq, Eq, Model)]
#[tf(
    description = "Lists the users of the server (never `root@pam`), sorted by user id. Every filter is optional."
)]
struct UserListModel {
    #[tf(
        optional,
        description = "Only users of this realm, e.g. `pve` or `ldap`."
    )]
    realm: Option<String>,
    #[tf(
        optional,
        description = "Only enabled (`true`) or only disabled (`false`) users."
    )]
    enabled: Option<bool>,
    #[tf(
        optional,
        description = "Only users whose user id starts with this text, e.g. `ci-`."
    )]
    prefix: Option<String>,
}
