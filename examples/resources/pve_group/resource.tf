# Grant to groups, not to people: when someone joins or leaves the team you
# change pve_user.groups, and no ACL entry has to move.
resource "pve_group" "operators" {
  group_id = "operators"
  comment  = "Day-to-day guest operation: console, power, backups"
}

resource "pve_user" "alice" {
  user_id = "alice@pve"
  email   = "alice@example.com"
  groups  = [pve_group.operators.group_id] # membership is managed here
}

# The group carries the grant. PVEVMUser covers console, power management and
# backups; propagate (the default) makes it apply to every guest below /vms.
resource "pve_acl" "operators_vms" {
  path     = "/vms"
  role_id  = "PVEVMUser"
  group_id = pve_group.operators.group_id
}

# `members` is read-only and reports who is in the group right now.
output "operators" {
  value = pve_group.operators.members
}
