# A group created outside this configuration (e.g. synced from LDAP by a
# realm sync): grant to it by name, failing the plan if it is missing.
data "pve_group" "admins" {
  group_id = "pve-admins"
}

resource "pve_acl" "admins" {
  path     = "/"
  role_id  = "PVEAdmin"
  group_id = data.pve_group.admins.group_id
}

output "admins" {
  value = data.pve_group.admins.members
}
