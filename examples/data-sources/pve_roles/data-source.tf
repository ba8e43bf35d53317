# Every role, built-in (`special = true`) and custom.
data "pve_roles" "all" {}

locals {
  custom_roles = [for r in data.pve_roles.all.roles : r.role_id if !r.special]

  # Roles that can change permissions: worth reviewing who holds them.
  permission_admins = [
    for r in data.pve_roles.all.roles : r.role_id
    if contains(r.privileges, "Permissions.Modify")
  ]
}

output "custom_roles" {
  value = local.custom_roles
}
