# A custom role holds exactly what one tool needs. This one is for a backup
# tool: it may read guest configuration, take backups and snapshots, and write
# the archives to storage, but never change or delete a guest.
resource "pve_role" "backup_operator" {
  role_id = "BackupOperator"
  privileges = [
    "VM.Audit",                # see the guests and their configuration
    "VM.Backup",               # run vzdump
    "VM.Snapshot",             # snapshot-mode backups
    "Datastore.Audit",         # see the target storage
    "Datastore.AllocateSpace", # write the backup archive
  ]
}

# Or start from built-in roles and adjust: what PVEVMUser and PVEDatastoreUser
# hold, without reading or writing files inside guests through the guest
# agent, plus snapshots.
resource "pve_role" "vm_operator" {
  role_id = "VMOperator"
  privileges = setunion(
    setsubtract(
      provider::pve::privileges("PVEVMUser", "PVEDatastoreUser"),
      ["VM.GuestAgent.FileRead", "VM.GuestAgent.FileWrite", "VM.GuestAgent.FileSystemMgmt"],
    ),
    ["VM.Snapshot"],
  )
}

# A role does nothing until an ACL entry grants it on a path.
resource "pve_acl" "backup_storage" {
  path     = "/storage/backup-nfs"
  role_id  = pve_role.backup_operator.role_id
  group_id = "backup"
}
