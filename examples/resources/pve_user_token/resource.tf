# One token per tool, so each can be revoked, rotated and audited on its own
# (the PVE access log names the token that made each call).
resource "pve_user" "automation" {
  user_id = "automation@pve"
  comment = "Owns the automation tokens; no password, no login"
}

# Privilege separation is on by default: the token holds only what its own
# ACL entries grant, intersected with what its user holds. A leaked token
# then exposes one tool's rights, not the whole user's.
resource "pve_user_token" "ansible" {
  user_id      = pve_user.automation.user_id
  token_name   = "ansible"
  comment      = "Ansible inventory and guest power management"
  rotate_after = "90d" # the first apply after 90 days replaces it
}

# The token's own side of the intersection. The user needs the same (or a
# broader) grant, e.g. through its group.
resource "pve_acl" "ansible_vms" {
  path     = "/vms"
  role_id  = "PVEVMUser"
  token_id = pve_user_token.ansible.id # "automation@pve!ansible"
}

# PVE shows the secret only once, at creation: `value` keeps it in state
# (protect your state). Read it with `terraform output -raw ansible_token`,
# or pass it straight to where it is used.
output "ansible_token" {
  value     = pve_user_token.ansible.value # "automation@pve!ansible=<uuid>"
  sensitive = true
}

# To rotate now: terraform apply -replace=pve_user_token.ansible
# (or change a `keepers` value).
