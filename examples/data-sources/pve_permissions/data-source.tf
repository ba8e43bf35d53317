# What a token can effectively do on a path, as PVE computes it: after
# propagation, group grants, pools and the privilege-separation intersection.
# The authoritative answer to "did my ACLs do what I meant?".
data "pve_permissions" "deploy_on_web" {
  user_id = "ci@pve!deploy"
  path    = "/vms/101"
}

check "deploy_token_can_manage_web" {
  assert {
    condition     = contains(data.pve_permissions.deploy_on_web.privileges, "VM.PowerMgmt")
    error_message = "ci@pve!deploy cannot power-manage guest 101 (has: ${join(", ", data.pve_permissions.deploy_on_web.privileges)})."
  }
  assert {
    condition     = !contains(data.pve_permissions.deploy_on_web.privileges, "VM.Allocate")
    error_message = "ci@pve!deploy can create and delete guest 101; it should not."
  }
}

# Without user_id: what the provider's own credential holds on /access,
# e.g. to see whether it may manage users and ACLs at all.
data "pve_permissions" "self" {
  path = "/access"
}
