# Look up an account managed elsewhere (by hand, or by another team's
# configuration) before granting it something: the plan fails early if the
# user does not exist, instead of creating a grant for a typo.
data "pve_user" "backup" {
  user_id = "backup@pve"
}

resource "pve_acl" "backup_storage" {
  path    = "/storage/backup-nfs"
  role_id = "PVEDatastoreUser"
  user_id = data.pve_user.backup.user_id
}

# Its token names (never secrets), e.g. to audit which tools use it.
output "backup_tokens" {
  value = data.pve_user.backup.token_names
}
