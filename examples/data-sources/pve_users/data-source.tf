# Every enabled account the provider's credential may see. PVE filters the
# list by the credential's rights (User.Modify or Sys.Audit).
data "pve_users" "enabled" {
  enabled = true
}

locals {
  # Accounts with an expiry date: contractors, temporary access.
  expiring = [for u in data.pve_users.enabled.users : u.user_id if u.expiration_date != null]

  # Accounts of the built-in pve realm (not LDAP/AD/OpenID).
  local_accounts = [for u in data.pve_users.enabled.users : u.user_id if u.realm_type == "pve"]
}

output "expiring_accounts" {
  value = local.expiring
}
