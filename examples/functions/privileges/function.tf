# A custom role: everything PVEVMUser and PVEDatastoreUser hold, plus
# snapshots, without copying privilege lists by hand.
resource "pve_role" "vm_operator" {
  role_id = "VMOperator"
  privileges = setunion(
    provider::pve::privileges("PVEVMUser", "PVEDatastoreUser"),
    ["VM.Snapshot"],
  )
}
