//! `list "pve_group"`: the groups of the server.

use async_trait::async_trait;
use tfplugin::Model;
use tfplugin::diag::Diagnostics;
use tfplugin::provider::{ListResource, ListResult};
use tfplugin::schema::Schema;
use tfplugin::value::Value;

use crate::connection::Pve;
use crate::list::{Found, results, text};
use crate::resources::group::{GroupModel, GroupResource};

/// The `pve_group` list resource.
#[derive(Debug)]
pub struct GroupList {
    pve: Pve,
    resource: GroupResource,
}

impl GroupList {
    pub fn new(pve: &Pve) -> Self {
        GroupList {
            pve: pve.clone(),
            resource: GroupResource::new(pve),
        }
    }
}

#[async_trait]
impl ListResource for GroupList {
    fn type_name(&self) -> &str {
        "pve_group"
    }

    fn schema(&self) -> Schema {
        GroupListModel::schema()
    }

    async fn list(
        &self,
        config: &Value,
        include_state: bool,
        limit: i64,
    ) -> Result<Vec<ListResult>, Diagnostics> {
        let connection = self.pve.connection()?;
        let mut groups = connection
            .client()
            .groups()
            .list()
            .await
            .map_err(|error| connection.diagnose("list groups", &error))?;
        groups.sort_by(|a, b| a.groupid.as_str().cmp(b.groupid.as_str()));
        let prefix = text(config, GroupListModel::PREFIX).unwrap_or_default();
        let found = groups
            .into_iter()
            .filter(|group| group.groupid.as_str().starts_with(&prefix))
            .map(|group| Found {
                display_name: group.groupid.to_string(),
                identity: Value::object([(
                    GroupModel::GROUP_ID,
                    Value::string(group.groupid.as_str()),
                )]),
            })
            .collect();
        results(&self.resource, found, include_state, limit).await
    }
}

/// The configuration of `list "pve_group"`.
#[derive(Debug, Clone, PartialEq, Eq, Model)]
#[tf(description = "Lists the groups of the server, sorted by group id.")]
struct GroupListModel {
    #[tf(optional, description = "Only groups whose id starts with this text.")]
    prefix: Option<String>,
}
