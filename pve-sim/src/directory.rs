//! The LDAP/AD directories behind the simulated realms. PVE reads users and
//! groups from the realm's server during a sync; the simulator has no
//! server, so tests (or `PUT /_sim/directories/{realm}`) state what the
//! directory holds. A realm without a directory is unreachable: its sync
//! fails like PVE's does when the server does not answer.

use std::collections::BTreeMap;
use std::sync::Mutex;

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::put;
use serde::{Deserialize, Serialize};

use crate::server::state::SharedState;

/// A user entry as the sync maps it (after `sync_attributes`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectoryUser {
    /// The `user_attr` value: the user becomes `<uid>@<realm>`.
    pub uid: String,
    /// Mapped `email`, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Mapped `firstname`, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub firstname: Option<String>,
    /// Mapped `lastname`, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lastname: Option<String>,
}

/// A group entry: it becomes `<name>-<realm>` with the synced members.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectoryGroup {
    /// The group name (`group_name_attr`).
    pub name: String,
    /// Member uids; members that are not synced users are left out.
    #[serde(default)]
    pub members: Vec<String>,
}

/// What one realm's directory server holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Directory {
    /// User entries.
    #[serde(default)]
    pub users: Vec<DirectoryUser>,
    /// Group entries.
    #[serde(default)]
    pub groups: Vec<DirectoryGroup>,
}

/// The directories of all realms, by realm name.
#[derive(Debug, Default)]
pub struct Directories {
    by_realm: Mutex<BTreeMap<String, Directory>>,
}

impl Directories {
    /// Puts (or replaces) the directory behind `realm`.
    pub fn set(&self, realm: &str, directory: Directory) {
        match self.by_realm.lock() {
            Ok(mut map) => map.insert(realm.to_string(), directory),
            Err(poisoned) => poisoned.into_inner().insert(realm.to_string(), directory),
        };
    }

    /// The directory behind `realm`, if it is reachable.
    pub fn get(&self, realm: &str) -> Option<Directory> {
        match self.by_realm.lock() {
            Ok(map) => map.get(realm).cloned(),
            Err(poisoned) => poisoned.into_inner().get(realm).cloned(),
        }
    }
}

async fn put_directory(
    State(state): State<SharedState>,
    Path(realm): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    match serde_json::from_slice::<Directory>(&body) {
        Ok(directory) => {
            state.directories.set(&realm, directory.clone());
            Json(directory).into_response()
        }
        Err(e) => (
            StatusCode::BAD_REQUEST,
            Json(serde_json::json!({ "error": format!("invalid directory: {e}") })),
        )
            .into_response(),
    }
}

/// `PUT /_sim/directories/{realm}` with a [`Directory`] as JSON (merged into
/// the gated `/_sim` router: loopback and root@pam, like every `/_sim` route).
pub fn router() -> Router<SharedState> {
    Router::new().route("/_sim/directories/{realm}", put(put_directory))
}
