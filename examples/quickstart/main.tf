# Quickstart: a dedicated service user for automation, one API token per
# tool, a least-privilege custom role, grants on the narrowest paths, and a
# check of what the new token can really do.

terraform {
  required_providers {
    pve = {
      source  = "pve-rs/pve"
      version = "~> 0.1"
    }
  }
}

# Connection settings come from PROXMOX_VE_ENDPOINT, PROXMOX_VE_API_TOKEN
# (or PROXMOX_VE_USERNAME / PROXMOX_VE_PASSWORD) and PROXMOX_VE_CA_CERTIFICATE.
provider "pve" {}

# The pool the automation may manage.
resource "pve_pool" "production" {
  pool_id = "production"
  comment = "Guests managed by automation"
}

# Automation accounts share one group; the group carries the grants.
resource "pve_group" "automation" {
  group_id = "automation"
  comment  = "Service accounts for automation tools"
}

# A user that only exists to own the automation tokens; it has no password,
# so nobody can log in to the web UI as it.
resource "pve_user" "automation" {
  user_id = "automation@pve"
  comment = "Service account for Terraform and Ansible"
  groups  = [pve_group.automation.group_id]
}

# Only what a VM-lifecycle tool needs.
resource "pve_role" "vm_operator" {
  role_id = "VMOperator"
  privileges = [
    "VM.Audit",
    "VM.Console",
    "VM.PowerMgmt",
    "VM.Config.Options",
    "Pool.Audit",
  ]
}

# One token per tool, with privilege separation (the default): a token then
# holds only what its own ACLs grant AND its user holds, never more.
resource "pve_user_token" "terraform" {
  user_id    = pve_user.automation.user_id
  token_name = "terraform"
  comment    = "Used by the Terraform pipeline"
}

locals {
  # The narrowest paths the tool needs: its pool, and one guest outside it.
  grant_paths = toset(["/pool/${pve_pool.production.pool_id}", "/vms/200"])
}

# The user's side of the intersection, through its group ...
resource "pve_acl" "group" {
  for_each = local.grant_paths
  path     = each.value
  role_id  = pve_role.vm_operator.role_id
  group_id = pve_group.automation.group_id
}

# ... and the token's own side.
resource "pve_acl" "token" {
  for_each = local.grant_paths
  path     = each.value
  role_id  = pve_role.vm_operator.role_id
  token_id = pve_user_token.terraform.id
}

# What the token can do where we granted it, as PVE computes it.
data "pve_permissions" "terraform_token" {
  user_id = pve_user_token.terraform.id
  path    = "/vms/200"

  depends_on = [pve_acl.group, pve_acl.token]
}

output "token_id" {
  value = pve_user_token.terraform.id
}

output "token_privileges_on_vm_200" {
  value = data.pve_permissions.terraform_token.privileges
}

# The secret is shown once, on request: terraform output -raw token_value
output "token_value" {
  value     = pve_user_token.terraform.value
  sensitive = true
}
