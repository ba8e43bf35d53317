//! Data source `pve_version`: the connected server's version.

use async_trait::async_trait;
use tfplugin::Model;
use tfplugin::diag::Diagnostics;
use tfplugin::provider::DataSource;
use tfplugin::schema::Schema;
use tfplugin::value::Value;

use crate::connection::Pve;

/// The `pve_version` data source.
#[derive(Debug)]
pub struct VersionDataSource {
    pve: Pve,
}

impl VersionDataSource {
    pub fn new(pve: &Pve) -> Self {
        VersionDataSource { pve: pve.clone() }
    }
}

#[async_trait]
impl DataSource for VersionDataSource {
    fn type_name(&self) -> &str {
        "pve_version"
    }

    fn schema(&self) -> Schema {
        VersionModel::schema()
    }

    async fn read(&self, _config: &Value) -> Result<Value, Diagnostics> {
        let connection = self.pve.connection()?;
        let version = connection
            .client()
            .version()
            .await
            .map_err(|error| connection.diagnose("read the PVE version", &error))?;
        let model = VersionModel {
            version: version.version,
            release: version.release,
            repoid: version.repoid,
        };
        Ok(model.to_value())
    }
}

/// The state of data `pve_version`.
#[derive(Debug, Clone, PartialEq, Eq, Model)]
#[tf(
    description = "The Proxmox VE version of the connected server (`GET /version`), e.g. to gate configuration on a feature's release."
)]
struct VersionModel {
    #[tf(computed, description = "The pve-manager version, e.g. `9.1.2`.")]
    version: String,
    #[tf(computed, description = "The release, e.g. `9.1`.")]
    release: String,
    #[tf(computed, description = "The git commit id of the build.")]
    repoid: String,
}
