//! Data source `pve_version`: the connected server's version.

use async_trait::async_trait;
use tfplugin::diag::Diagnostics;
use tfplugin::provider::DataSource;
use tfplugin::schema::{Attribute, Block, Schema};
use tfplugin::value::{Type, Value};

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
        Schema::new(Block {
            description: "The Proxmox VE version of the connected server (`GET /version`), e.g. to gate configuration on a feature's release.".into(),
            attributes: vec![
                Attribute::computed("version", Type::String).description("The pve-manager version, e.g. `9.1.2`."),
                Attribute::computed("release", Type::String).description("The release, e.g. `9.1`."),
                Attribute::computed("repoid", Type::String).description("The git commit id of the build."),
            ],
            ..Block::default()
        })
    }

    async fn read(&self, _config: &Value) -> Result<Value, Diagnostics> {
        let connection = self.pve.connection()?;
        let version = connection
            .client()
            .version()
            .await
            .map_err(|error| connection.diagnose("read the PVE version", &error))?;
        Ok(Value::object([
            ("version", Value::string(version.version)),
            ("release", Value::string(version.release)),
            ("repoid", Value::string(version.repoid)),
        ]))
    }
}
