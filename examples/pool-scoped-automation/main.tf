# Automation confined to a pool: it manages the guests in `k8s` and nothing
# else, and a guest joins or leaves its reach by joining or leaving the
# pool, with no ACL change. See README.md for how PVE applies pool grants.

terraform {
  required_version = ">= 1.8" # provider functions (check blocks need 1.5)
  required_providers {
    pve = {
      source  = "pve-rs/pve"
      version = "~> 0.1"
    }
  }
}

# An administrator's credential: PROXMOX_VE_ENDPOINT, PROXMOX_VE_API_TOKEN,
# PROXMOX_VE_CA_CERTIFICATE.
provider "pve" {}

variable "cluster_nodes" {
  description = "The guests (VM ids) of the Kubernetes cluster the automation manages."
  type        = set(number)
  default     = [301, 302, 303]
}

variable "storage" {
  description = "The storage the automation may put disks on."
  type        = string
  default     = "local-lvm"
}

# ------------------------------------------------------------ the pool

resource "pve_pool" "k8s" {
  pool_id = "k8s"
  comment = "Kubernetes nodes; managed by the k8s automation"
}

# Membership is what brings a guest under the pool's grants.
resource "pve_pool_membership" "node" {
  for_each = toset([for id in var.cluster_nodes : tostring(id)]) # for_each keys are strings
  pool_id  = pve_pool.k8s.pool_id
  vm_id    = tonumber(each.value)
}

# Storages can be members too: pool grants then also count on
# /storage/<id>, so the automation can allocate disk space there.
resource "pve_pool_membership" "storage" {
  pool_id    = pve_pool.k8s.pool_id
  storage_id = var.storage
}

# ------------------------------------------------------ role and grants

# Enough to rebuild and operate cluster nodes: create them inside the pool,
# reconfigure, power, snapshot, and allocate disk space. Nothing outside the
# guest and storage scope (no Sys.*, no Permissions.Modify).
resource "pve_role" "pool_automation" {
  role_id = "PoolAutomation"
  privileges = setunion(
    setsubtract(
      provider::pve::privileges("PVEVMAdmin"),
      ["VM.Migrate", "VM.Replicate", "VM.GuestAgent.Unrestricted"],
    ),
    ["Pool.Audit", "Datastore.AllocateSpace", "Datastore.Audit"],
  )
}

resource "pve_user" "automation" {
  user_id = "k8s-automation@pve"
  comment = "Owns the k8s automation token; no password, no login"
}

resource "pve_user_token" "automation" {
  user_id    = pve_user.automation.user_id
  token_name = "pool"
  comment    = "k8s pool automation"
}

# One path, two grants: the user's side and the privilege-separated
# token's side. Nothing on /vms, /storage or /: the pool is the only way
# in.
resource "pve_acl" "pool_user" {
  path    = "/pool/${pve_pool.k8s.pool_id}"
  role_id = pve_role.pool_automation.role_id
  user_id = pve_user.automation.user_id
}

resource "pve_acl" "pool_token" {
  path     = "/pool/${pve_pool.k8s.pool_id}"
  role_id  = pve_role.pool_automation.role_id
  token_id = pve_user_token.automation.id
}

# ---------------------------------------------------------- verification

locals {
  a_member = min(var.cluster_nodes...)
}

data "pve_permissions" "on_member" {
  user_id = pve_user_token.automation.id
  path    = provider::pve::acl_path("vm", local.a_member)

  depends_on = [pve_acl.pool_user, pve_acl.pool_token, pve_pool_membership.node]
}

data "pve_permissions" "on_other_guest" {
  user_id = pve_user_token.automation.id
  path    = "/vms/999"

  depends_on = [pve_acl.pool_user, pve_acl.pool_token]
}

data "pve_permissions" "on_storage" {
  user_id = pve_user_token.automation.id
  path    = provider::pve::acl_path("storage", var.storage)

  depends_on = [pve_acl.pool_user, pve_acl.pool_token, pve_pool_membership.storage]
}

check "confined_to_the_pool" {
  assert {
    condition     = contains(data.pve_permissions.on_member.privileges, "VM.Config.Memory")
    error_message = "The token cannot reconfigure guest ${local.a_member}, a member of pool k8s."
  }
  assert {
    condition     = length(data.pve_permissions.on_other_guest.privileges) == 0
    error_message = "The token holds privileges on guest 999, outside the pool: ${join(", ", data.pve_permissions.on_other_guest.privileges)}."
  }
  assert {
    condition     = contains(data.pve_permissions.on_storage.privileges, "Datastore.AllocateSpace")
    error_message = "The token cannot allocate space on ${var.storage}, a member of pool k8s."
  }
}

data "pve_pool" "k8s" {
  pool_id    = pve_pool.k8s.pool_id
  depends_on = [pve_pool_membership.node, pve_pool_membership.storage]
}

output "pool_guests" {
  value = sort([for m in data.pve_pool.k8s.members : m.vm_id if m.type != "storage"])
}

output "token_privileges_on_member" {
  value = sort(data.pve_permissions.on_member.privileges)
}

output "token_privileges_outside_pool" {
  value = sort(data.pve_permissions.on_other_guest.privileges)
}

output "token_id" {
  value = pve_user_token.automation.id
}

output "token_value" {
  value     = pve_user_token.automation.value
  sensitive = true
}
