//! Groups: `/access/groups`.

use serde::Deserialize;
use serde_json::Value;

use crate::api::{decode, with_field};
use crate::client::ApiRequest;
use crate::de;
use crate::params::Params;
use crate::{Client, Error, GroupId, UserId};

/// A group and its members.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Group {
    /// The group name.
    pub groupid: GroupId,
    /// Comment.
    #[serde(default, deserialize_with = "de::opt_string_nonempty")]
    pub comment: Option<String>,
    /// Members: the list's `users` comma string or GET's `members` array.
    #[serde(
        default,
        alias = "users",
        deserialize_with = "de::list_skipping_invalid"
    )]
    pub members: Vec<UserId>,
}

/// Parameters of group creation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CreateGroup {
    /// Comment.
    pub comment: Option<String>,
}

/// Parameters of a group update. Membership is managed through users' `groups`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UpdateGroup {
    /// New comment (`""` clears).
    pub comment: Option<String>,
}

/// Handler for `/access/groups`. Get one with [`Client::groups`].
#[derive(Debug, Clone, Copy)]
pub struct GroupsHandler<'c> {
    client: &'c Client,
}

impl Client {
    /// Groups: list, get, create, update, delete.
    ///
    /// ```no_run
    /// # async fn f(client: proxmox_client::Client) -> Result<(), proxmox_client::Error> {
    /// let ops: proxmox_client::GroupId = "ops".parse()?;
    /// let group = client.groups().get(&ops).await?;
    /// println!("{} members", group.members.len());
    /// # Ok(()) }
    /// ```
    pub fn groups(&self) -> GroupsHandler<'_> {
        GroupsHandler { client: self }
    }
}

impl GroupsHandler<'_> {
    /// All groups visible to the caller.
    pub async fn list(&self) -> Result<Vec<Group>, Error> {
        self.client
            .execute_list(ApiRequest::get(&["access", "groups"]))
            .await
    }

    /// One group.
    pub async fn get(&self, groupid: &GroupId) -> Result<Group, Error> {
        let data: Value = self
            .client
            .execute(ApiRequest::get(&["access", "groups", groupid.as_str()]))
            .await?;
        let mut group: Group = decode(
            "GET",
            &format!("/access/groups/{groupid}"),
            with_field(data, "groupid", groupid.as_str()),
        )?;
        group.members.sort();
        Ok(group)
    }

    /// Creates a group. Not retried after a failure in transit.
    pub async fn create(&self, groupid: &GroupId, group: &CreateGroup) -> Result<(), Error> {
        let mut p = Params::new();
        p.put("groupid", groupid.as_str())
            .opt("comment", group.comment.as_deref());
        self.client
            .execute_unit(ApiRequest::post(&["access", "groups"]).form(p))
            .await
    }

    /// Updates a group's comment. Idempotent.
    pub async fn update(&self, groupid: &GroupId, update: &UpdateGroup) -> Result<(), Error> {
        let mut p = Params::new();
        p.opt("comment", update.comment.as_deref());
        self.client
            .execute_unit(
                ApiRequest::put(&["access", "groups", groupid.as_str()])
                    .form(p)
                    .idempotent(true),
            )
            .await
    }

    /// Deletes a group (and its ACL entries).
    pub async fn delete(&self, groupid: &GroupId) -> Result<(), Error> {
        self.client
            .execute_unit(ApiRequest::delete(&["access", "groups", groupid.as_str()]))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_and_get_shapes() {
        let g: Group = serde_json::from_value(serde_json::json!(
            {"groupid": "ops", "users": "a@pve,b@pve", "comment": ""}
        ))
        .unwrap();
        assert_eq!(g.members.len(), 2);
        assert_eq!(g.comment, None);
        let g: Group = serde_json::from_value(serde_json::json!(
            {"groupid": "ops", "members": ["a@pve"], "comment": "c"}
        ))
        .unwrap();
        assert_eq!(g.members[0].as_str(), "a@pve");
        let g: Group =
            serde_json::from_value(serde_json::json!({"groupid": "ops", "users": ""})).unwrap();
        assert!(g.members.is_empty());
    }
}
