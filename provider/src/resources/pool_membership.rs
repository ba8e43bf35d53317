//! `pve_pool_membership`: one guest or storage in a pool.

use async_trait::async_trait;
use proxmox_client::{PoolId, PoolMember, UpdatePool};
use tfplugin::Model;
use tfplugin::diag::{Diagnostic, Diagnostics};
use tfplugin::provider::{
    ImportRequest, MoveStateRequest, MovedState, PlanContext, Resource, ResourceState,
};
use tfplugin::schema::{IdentitySchema, Schema};
use tfplugin::value::Value;

use crate::connection::{Connection, Pve};
use crate::convert;
use crate::resources::moved::BpgState;

/// PVE's guest id range.
const VMID_RANGE: std::ops::RangeInclusive<i64> = 100..=999_999_999;

/// The `pve_pool_membership` resource.
#[derive(Debug)]
pub struct PoolMembershipResource {
    pve: Pve,
}

impl PoolMembershipResource {
    pub fn new(pve: &Pve) -> Self {
        PoolMembershipResource { pve: pve.clone() }
    }
}

/// A storage id as PVE accepts it (`pve-storage-id`,
/// `m/^[a-z][a-z0-9\-\_\.]*[a-z0-9]$/i`): a letter, then letters, digits,
/// `-`, `_`, `.`, ending in a letter or digit. Case-insensitive, as in PVE 9.
fn check_storage_id(text: &str) -> Result<(), String> {
    let bytes = text.as_bytes();
    let ok = bytes.len() >= 2
        && bytes[0].is_ascii_alphabetic()
        && bytes.last().is_some_and(u8::is_ascii_alphanumeric)
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{text}` is not a PVE storage id: a letter, then letters, digits, '-', '_' or '.', ending in a letter or digit (e.g. `local-lvm`)."
        ))
    }
}

#[async_trait]
impl Resource for PoolMembershipResource {
    fn type_name(&self) -> &str {
        "pve_pool_membership"
    }

    fn schema(&self) -> Schema {
        MembershipState::schema()
    }

    fn identity_schema(&self) -> Option<IdentitySchema> {
        MembershipState::identity_schema()
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        let mut diagnostics = Diagnostics::new();
        let vm = config.get(MembershipState::VM_ID);
        let storage = config.get(MembershipState::STORAGE_ID);
        match (vm.is_null(), storage.is_null()) {
            (true, true) => diagnostics.add_error(
                "Member required",
                "Set exactly one of `vm_id` (a guest) or `storage_id` (a storage); none is set.",
            ),
            (false, false) => diagnostics.push(
                Diagnostic::error(
                    "Exactly one member required",
                    "Set exactly one of `vm_id` or `storage_id`, not both: use one pve_pool_membership per member.",
                )
                .at_attribute(MembershipState::STORAGE_ID),
            ),
            _ => {}
        }
        if let Some(n) = vm.as_number()
            && !n.as_i64().is_some_and(|id| VMID_RANGE.contains(&id))
        {
            diagnostics.push(convert::invalid(
                MembershipState::VM_ID,
                format!(
                    "{n} is not a guest id: PVE guest ids are whole numbers from 100 to 999999999."
                ),
            ));
        }
        convert::check_known_string(
            config,
            MembershipState::STORAGE_ID,
            &mut diagnostics,
            check_storage_id,
        );
        convert::check_known_string(config, MembershipState::POOL_ID, &mut diagnostics, |text| {
            text.parse::<PoolId>()
                .map(drop)
                .map_err(|error| format!("{error}. Use a value like `production`."))
        });
        diagnostics
    }

    async fn modify_plan(&self, plan: &mut PlanContext<'_>) {
        if plan.planned.is_null() {
            return;
        }
        let id = match MembershipModel::from_value(&plan.planned) {
            Ok(model) => Value::string(model.import_id()),
            Err(_) => Value::Unknown,
        };
        plan.planned.set_attr(MembershipState::ID, id);
    }

    async fn create(&self, planned: &Value, _config: &Value) -> Result<ResourceState, Diagnostics> {
        let model = MembershipModel::from_value(planned)?;
        let connection = self.pve.connection()?;
        let action = format!("add {} to pool '{}'", model.member.describe(), model.pool);
        let request = model.update(false);
        let pool = model.pool.clone();
        match connection
            .write(|client| async move { client.pools().update(&pool, &request).await })
            .await
        {
            Ok(()) => confirm_listed(&connection, model).await,
            Err(error) if error.to_string().contains("already a pool member") => {
                Err(Diagnostics::error(
                    format!(
                        "{} is already in pool '{}'",
                        model.member.describe(),
                        model.pool
                    ),
                    format!(
                        "To manage this membership with Terraform, import it: `terraform import pve_pool_membership.NAME '{}'`.\n\n{error}",
                        model.import_id()
                    ),
                ))
            }
            Err(error) if error.is_outcome_unknown() => match find(&connection, &model).await {
                Ok(Some(_)) => Ok(model.to_state()),
                _ => Err(connection.diagnose(&action, &error)),
            },
            Err(error) => Err(connection.diagnose(&action, &error)),
        }
    }

    async fn read(&self, current: &ResourceState) -> Result<Option<ResourceState>, Diagnostics> {
        let model = MembershipModel::from_value(&current.state)?;
        let connection = self.pve.connection()?;
        match find(&connection, &model).await {
            Ok(Some(_)) => Ok(Some(model.to_state())),
            Ok(None) => Ok(None),
            Err(error) if error.is_not_found() => Ok(None),
            Err(error) => Err(connection.diagnose(&format!("read pool '{}'", model.pool), &error)),
        }
    }

    async fn update(
        &self,
        _prior: &ResourceState,
        planned: &Value,
        _config: &Value,
    ) -> Result<ResourceState, Diagnostics> {
        // Every attribute forces replacement; nothing changes in place.
        Ok(MembershipModel::from_value(planned)?.to_state())
    }

    async fn delete(&self, prior: &ResourceState) -> Result<(), Diagnostics> {
        let model = MembershipModel::from_value(&prior.state)?;
        let connection = self.pve.connection()?;
        let action = format!(
            "remove {} from pool '{}'",
            model.member.describe(),
            model.pool
        );
        let request = model.update(true);
        let pool = model.pool.clone();
        match connection
            .write(|client| async move { client.pools().update(&pool, &request).await })
            .await
        {
            Ok(()) => Ok(()),
            // Already out of the pool, or the pool is gone: nothing to remove.
            Err(error)
                if error.is_not_found() || error.to_string().contains("is not a pool member") =>
            {
                Ok(())
            }
            Err(error) => Err(connection.diagnose(&action, &error)),
        }
    }

    async fn import(&self, request: &ImportRequest) -> Result<Vec<ResourceState>, Diagnostics> {
        let model = match &request.identity {
            Some(identity) => MembershipModel::from_value(identity).map_err(|_| {
                "the identity needs `pool_id` and one of `vm_id` or `storage_id`".to_string()
            }),
            None => MembershipModel::parse_import_id(request.id.trim()),
        }
        .map_err(|detail| Diagnostics::error("Invalid pve_pool_membership import id", detail))?;
        let connection = self.pve.connection()?;
        match find(&connection, &model).await {
            Ok(Some(_)) => Ok(vec![model.to_state()]),
            Ok(None) => Err(Diagnostics::error(
                "Pool member not found",
                format!(
                    "Pool '{}' has no member {}, so there is nothing to import.",
                    model.pool,
                    model.member.describe()
                ),
            )),
            Err(error) => Err(connection.diagnose(&format!("read pool '{}'", model.pool), &error)),
        }
    }

    async fn move_state(
        &self,
        request: &MoveStateRequest,
    ) -> Result<Option<MovedState>, Diagnostics> {
        crate::resources::moved::from_bpg(request, "pve_pool_membership", &BPG_TYPES, from_bpg)
    }
}

/// After a successful add: PVE records any guest id or storage id in the
/// pool without checking that it exists (pve-manager `API2/Pool.pm`), but
/// lists only members that exist. A member that is not listed would look
/// deleted on every refresh, so take it out again and say why.
async fn confirm_listed(
    connection: &Connection,
    model: MembershipModel,
) -> Result<ResourceState, Diagnostics> {
    match find(connection, &model).await {
        Ok(Some(_)) => Ok(model.to_state()),
        // Could not check: the add itself succeeded, keep it.
        Err(_) => Ok(model.to_state()),
        Ok(None) => {
            let undo = model.update(true);
            let pool = model.pool.clone();
            let _ = connection
                .write(|client| async move { client.pools().update(&pool, &undo).await })
                .await;
            let (what, fix) = match &model.member {
                Member::Vm(vmid) => (
                    format!("Guest {vmid} does not exist"),
                    "Create the guest first (or reference the resource that creates it, so Terraform orders the two), then add it to the pool.",
                ),
                Member::Storage(sid) => (
                    format!("Storage '{sid}' does not exist"),
                    "Add the storage to the cluster first (Datacenter > Storage), then add it to the pool.",
                ),
            };
            Err(Diagnostics::error(
                what,
                format!(
                    "PVE accepted {} into pool '{}' but lists only pool members that exist in the cluster, so Terraform could never see this membership; it has been taken out of the pool again. {fix}",
                    model.member.describe(),
                    model.pool
                ),
            ))
        }
    }
}

/// The pool's entry for the member, if it is in the pool.
async fn find(
    connection: &Connection,
    model: &MembershipModel,
) -> Result<Option<PoolMember>, proxmox_client::Error> {
    let pool = connection.client().pools().get(&model.pool).await?;
    Ok(pool
        .members
        .into_iter()
        .find(|member| model.member.is(member)))
}

/// A pool member: a guest or a storage.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Member {
    Vm(u32),
    Storage(String),
}

impl Member {
    fn is(&self, entry: &PoolMember) -> bool {
        match self {
            Member::Vm(vmid) => {
                matches!(entry.kind.as_str(), "qemu" | "lxc")
                    && entry.vmid == Some(i64::from(*vmid))
            }
            Member::Storage(sid) => {
                entry.kind == "storage" && entry.storage.as_deref() == Some(sid)
            }
        }
    }

    fn describe(&self) -> String {
        match self {
            Member::Vm(vmid) => format!("guest {vmid}"),
            Member::Storage(sid) => format!("storage '{sid}'"),
        }
    }
}

/// The state of one `pve_pool_membership`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct MembershipModel {
    pool: PoolId,
    member: Member,
}

impl MembershipModel {
    fn from_value(value: &Value) -> Result<Self, Diagnostics> {
        let state = MembershipState::from_value(value)?;
        let pool =
            convert::parse_id::<PoolId>(&state.pool_id, MembershipState::POOL_ID, "production")
                .map_err(Diagnostics::from)?;
        let member = match (state.vm_id, state.storage_id) {
            (Some(vmid), None) => Member::Vm(
                u32::try_from(vmid)
                    .ok()
                    .filter(|id| VMID_RANGE.contains(&i64::from(*id)))
                    .ok_or_else(|| {
                        Diagnostics::from(convert::invalid(
                            MembershipState::VM_ID,
                            "PVE guest ids are whole numbers from 100 to 999999999.",
                        ))
                    })?,
            ),
            (None, Some(sid)) => Member::Storage(sid),
            _ => {
                return Err(Diagnostics::error(
                    "Exactly one member required",
                    "Set exactly one of `vm_id` or `storage_id`.",
                ));
            }
        };
        Ok(MembershipModel { pool, member })
    }

    /// `<pool>|vm/<vmid>` or `<pool>|storage/<sid>`: a pool id never holds `|`.
    fn import_id(&self) -> String {
        match &self.member {
            Member::Vm(vmid) => format!("{}|vm/{vmid}", self.pool),
            Member::Storage(sid) => format!("{}|storage/{sid}", self.pool),
        }
    }

    fn parse_import_id(id: &str) -> Result<Self, String> {
        let usage = "The import id of pve_pool_membership is `<pool_id>|vm/<vmid>` or `<pool_id>|storage/<storage id>`, e.g. `production|vm/100` or `production/web|storage/local-lvm`.";
        let Some((pool, member)) = id.split_once('|') else {
            return Err(format!(
                "`{id}` has no `|` between the pool and the member. {usage}"
            ));
        };
        let pool: PoolId = pool.parse().map_err(|error| format!("{error}. {usage}"))?;
        let member = if let Some(vmid) = member.strip_prefix("vm/") {
            let vmid = vmid
                .parse::<u32>()
                .ok()
                .filter(|id| VMID_RANGE.contains(&i64::from(*id)))
                .ok_or_else(|| format!("`{vmid}` is not a guest id (100 to 999999999). {usage}"))?;
            Member::Vm(vmid)
        } else if let Some(sid) = member.strip_prefix("storage/") {
            check_storage_id(sid).map_err(|error| format!("{error} {usage}"))?;
            Member::Storage(sid.to_string())
        } else {
            return Err(format!(
                "`{member}` is neither `vm/<vmid>` nor `storage/<storage id>`. {usage}"
            ));
        };
        Ok(MembershipModel { pool, member })
    }

    fn update(&self, delete: bool) -> UpdatePool {
        let (vms, storage) = match &self.member {
            Member::Vm(vmid) => (vec![*vmid], Vec::new()),
            Member::Storage(sid) => (Vec::new(), vec![sid.clone()]),
        };
        UpdatePool {
            vms,
            storage,
            delete,
            ..UpdatePool::default()
        }
    }

    fn to_state(&self) -> ResourceState {
        let (vm_id, storage_id) = match &self.member {
            Member::Vm(vmid) => (Some(i64::from(*vmid)), None),
            Member::Storage(sid) => (None, Some(sid.clone())),
        };
        MembershipState {
            id: Some(self.import_id()),
            pool_id: self.pool.to_string(),
            vm_id,
            storage_id,
        }
        .to_state()
    }
}

/// The state of one `pve_pool_membership` as Terraform sees it; the
/// checked form is [`MembershipModel`].
#[derive(Debug, Clone, PartialEq, Eq, Model)]
#[tf(
    description = "Puts one guest (`vm_id`) or one storage (`storage_id`) into a pool, so the ACLs on `/pool/<pool_id>` apply to it. \
A guest belongs to at most one pool. The guest or storage must exist: PVE records any id but lists only members that exist, so adding one that does not exist fails with an error (and is undone). A guest destroyed later drops out of the pool's listing, and the next plan shows the membership to be created again. Import id: `<pool_id>|vm/<vmid>` or `<pool_id>|storage/<storage id>`, e.g. `terraform import pve_pool_membership.NAME 'production|vm/100'`."
)]
struct MembershipState {
    #[tf(
        computed,
        description = "The import id, `<pool_id>|vm/<vmid>` or `<pool_id>|storage/<storage id>`."
    )]
    id: Option<String>,
    #[tf(
        required,
        requires_replace,
        identity = "The pool id.",
        description = "The pool. Changing it replaces the membership."
    )]
    pool_id: String,
    #[tf(
        optional,
        requires_replace,
        identity = "The guest id, for a guest member.",
        identity_optional,
        description = "The guest (VM or container) id, 100 to 999999999. Set exactly one of `vm_id` and `storage_id`. Changing it replaces the membership."
    )]
    vm_id: Option<i64>,
    #[tf(
        optional,
        requires_replace,
        identity = "The storage id, for a storage member.",
        identity_optional,
        description = "The storage id, e.g. `local-lvm`. Set exactly one of `vm_id` and `storage_id`. Changing it replaces the membership."
    )]
    storage_id: Option<String>,
}

/// bpg's pool membership types (framework, schema version 0): the long name and the short one.
const BPG_TYPES: [&str; 2] = [
    "proxmox_virtual_environment_pool_membership",
    "proxmox_pool_membership",
];

/// bpg's membership state as `pve_pool_membership` state: bpg's read-only
/// `type` is implied by which of `vm_id` and `storage_id` is set, and its
/// id `pool/vm/102` becomes `pool|vm/102`.
fn from_bpg(bpg: &mut BpgState<'_>) -> Result<ResourceState, Diagnostics> {
    let state = MembershipState {
        id: None,
        pool_id: bpg.required("pool_id"),
        vm_id: bpg.i64("vm_id"),
        storage_id: bpg.text("storage_id"),
    };
    Ok(MembershipModel::from_value(&state.to_value())?.to_state())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn import_ids_round_trip() {
        for id in [
            "production|vm/100",
            "a/b/c|storage/local-lvm",
            "p|vm/999999999",
        ] {
            assert_eq!(
                MembershipModel::parse_import_id(id).unwrap().import_id(),
                id
            );
        }
        let model = MembershipModel::parse_import_id("a/b|vm/123").unwrap();
        assert_eq!(model.pool.as_str(), "a/b");
        assert_eq!(model.member, Member::Vm(123));
    }

    #[test]
    fn bad_import_ids_explain_the_format() {
        for (id, expected) in [
            ("production", "no `|`"),
            ("production|100", "neither `vm/<vmid>`"),
            ("production|vm/99", "not a guest id"),
            ("production|storage/1ocal", "not a PVE storage id"),
            ("bad pool|vm/100", "pool id"),
        ] {
            let error = MembershipModel::parse_import_id(id).unwrap_err();
            assert!(error.contains(expected), "{id}: {error}");
            assert!(error.contains("`<pool_id>|vm/<vmid>`"), "{error}");
        }
    }

    #[test]
    fn storage_ids() {
        assert!(check_storage_id("local").is_ok());
        assert!(check_storage_id("local-lvm").is_ok());
        assert!(check_storage_id("ceph_1.x").is_ok());
        assert!(check_storage_id("NFS-Backup").is_ok());
        assert!(check_storage_id("1local").is_err());
        assert!(check_storage_id("local-").is_err());
        assert!(check_storage_id("a").is_err());
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod moved_from_bpg {
    use super::*;
    use crate::resources::moved::testing::{moved, refused, request};
    use serde_json::json;

    #[tokio::test]
    async fn moves_bpg_memberships_of_guests_and_storage() {
        let resource = PoolMembershipResource::new(&Pve::default());
        let guest = json!({"id": "production/vm/102", "pool_id": "production", "type": "vm", "vm_id": 102, "storage_id": null});
        let storage = json!({"id": "production/storage/local", "pool_id": "production", "type": "storage", "vm_id": null, "storage_id": "local"});
        for source in BPG_TYPES {
            let moved_guest = moved(resource.move_state(&request(source, guest.clone())).await);
            assert_eq!(
                moved_guest.state.state.get("id").as_str(),
                Some("production|vm/102")
            );
            assert_eq!(moved_guest.state.state.get("vm_id").as_i64(), Some(102));
            assert!(moved_guest.state.state.get("type").is_null());
            let moved_storage = moved(resource.move_state(&request(source, storage.clone())).await);
            assert_eq!(
                moved_storage.state.state.get("id").as_str(),
                Some("production|storage/local")
            );
        }
        let neither = json!({"pool_id": "production", "type": "vm"});
        assert_eq!(
            refused(
                resource
                    .move_state(&request("proxmox_pool_membership", neither))
                    .await
            ),
            ["Exactly one member required"]
        );
    }
}
