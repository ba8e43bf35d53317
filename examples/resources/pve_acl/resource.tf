# One pve_acl is one ACL entry: a role, for one principal, on one path.
# Grant on the narrowest path that works; `propagate` (default true) makes
# the entry count below the path too.

resource "pve_group" "operators" {
  group_id = "operators"
}

# A group grant: everyone in `operators` may use (console, power, backup)
# every guest.
resource "pve_acl" "operators_vms" {
  path     = "/vms"
  role_id  = "PVEVMUser"
  group_id = pve_group.operators.group_id
}

# A deeper entry replaces what is inherited from above: the firewall guest is
# off limits for the group, whatever /vms grants.
resource "pve_acl" "operators_no_firewall" {
  path     = provider::pve::acl_path("vm", 100)
  role_id  = "NoAccess"
  group_id = pve_group.operators.group_id
}

# A user grant, exactly on one path: `propagate = false` keeps it from
# reaching nested pools below /pool/staging.
resource "pve_acl" "auditor_staging" {
  path      = "/pool/staging"
  role_id   = "PVEAuditor"
  user_id   = "auditor@pve"
  propagate = false
}

# A privilege-separated token holds only what is granted to BOTH the token
# and its user, so a token needs its own entry next to its user's (or
# group's). Reference the token resource so Terraform deletes the entry
# before the token.
resource "pve_user" "ci" {
  user_id = "ci@pve"
  groups  = [pve_group.operators.group_id]
}

resource "pve_user_token" "deploy" {
  user_id    = pve_user.ci.user_id
  token_name = "deploy"
}

resource "pve_acl" "deploy_token_vms" {
  path     = "/vms"
  role_id  = "PVEVMUser"
  token_id = pve_user_token.deploy.id
}
