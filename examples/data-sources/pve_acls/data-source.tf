# Who holds what on the guests: every entry on /vms and below.
data "pve_acls" "guests" {
  path                = "/vms"
  include_descendants = true
}

# Everything granted to one token, wherever it is.
data "pve_acls" "ci_token" {
  token_id = "ci@pve!deploy"
}

# Nobody should hold Administrator below / except through the admins group.
check "no_stray_administrators" {
  assert {
    condition = alltrue([
      for e in data.pve_acls.guests.acls : e.role_id != "Administrator" || e.group_id == "pve-admins"
    ])
    error_message = "Someone other than pve-admins holds Administrator on a guest."
  }
}

# Note: PVE lists only the entries the credential may change unless it holds
# Sys.Audit on /access.
output "ci_token_grants" {
  value = [for e in data.pve_acls.ci_token.acls : "${e.role_id} on ${e.path}"]
}
