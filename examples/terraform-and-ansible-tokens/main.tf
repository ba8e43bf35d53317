# Two automation tools, two identities, two least-privilege roles.
#
#   terraform@pve!provisioner  creates, configures and deletes guests
#   ansible@pve!operator       inventories guests and nodes, powers guests
#                              on and off, edits options, takes snapshots
#
# Each token is privilege-separated and granted on both sides of PVE's
# intersection: the user (what the tool may ever do) and the token (what
# this particular credential may do). See README.md for the design.

terraform {
  required_version = ">= 1.5" # check blocks
  required_providers {
    pve = {
      source  = "pve-rs/pve"
      version = "~> 0.1"
    }
  }
}

# An administrator's credential: PROXMOX_VE_ENDPOINT, PROXMOX_VE_API_TOKEN
# (or PROXMOX_VE_USERNAME / PROXMOX_VE_PASSWORD), PROXMOX_VE_CA_CERTIFICATE.
provider "pve" {}

variable "vm_storage" {
  description = "The storage Terraform puts guest disks on."
  type        = string
  default     = "local-lvm"
}

# ---------------------------------------------------------------- roles

# What a provisioning tool (e.g. Terraform with bpg/proxmox) needs to build
# guests from templates and tear them down. No console, no guest-agent file
# access, no migration, no backups: it never needs to look inside a guest.
resource "pve_role" "provisioner" {
  role_id = "TerraformProvisioner"
  privileges = [
    "VM.Allocate", # create and delete guests
    "VM.Clone",    # clone from templates
    "VM.Audit",
    "VM.PowerMgmt", # start the guest after creating it
    "VM.Config.CDROM",
    "VM.Config.CPU",
    "VM.Config.Cloudinit",
    "VM.Config.Disk",
    "VM.Config.HWType",
    "VM.Config.Memory",
    "VM.Config.Network",
    "VM.Config.Options",
  ]
}

# What a configuration-management tool (e.g. Ansible's community.proxmox
# inventory and modules) needs day to day: see guests, power them, adjust
# options, snapshot before a risky change. It can neither create nor delete
# guests nor change their hardware.
resource "pve_role" "operator" {
  role_id = "AnsibleOperator"
  privileges = [
    "VM.Audit",
    "VM.GuestAgent.Audit", # IP addresses for the inventory
    "VM.PowerMgmt",
    "VM.Config.Options",
    "VM.Snapshot",
  ]
}

# ------------------------------------------------------- users and tokens

locals {
  # One entry per tool: who it is, and which role it gets on which path.
  # Built-in roles are used where one fits exactly.
  tools = {
    terraform = {
      token = "provisioner"
      about = "Terraform: guest provisioning"
      grants = {
        "/vms"                       = pve_role.provisioner.role_id
        "/storage/${var.vm_storage}" = "PVEDatastoreUser" # allocate disk space
        "/sdn/zones/localnetwork"    = "PVESDNUser"       # attach NICs to bridges (PVE 8+)
      }
    }
    ansible = {
      token = "operator"
      about = "Ansible: inventory and day-2 operations"
      grants = {
        "/vms"   = pve_role.operator.role_id
        "/nodes" = "PVEAuditor" # node facts for the inventory, read-only
      }
    }
  }

  # One element per (tool, path); the keys are known at plan time.
  grants = merge([
    for tool, spec in local.tools : {
      for path, role in spec.grants : "${tool} ${path}" => { tool = tool, path = path, role = role }
    }
  ]...)
}

# One service user per tool: it has no password, so nobody can log in as
# it; it exists to own the tool's token and to carry the tool's ceiling.
resource "pve_user" "tool" {
  for_each = local.tools
  user_id  = "${each.key}@pve"
  comment  = "Service account. ${each.value.about}"
}

# The token the tool really uses. privileges_separation = true (the
# default): the token holds only the intersection of its own grants and
# its user's, so it never exceeds either.
resource "pve_user_token" "tool" {
  for_each   = local.tools
  user_id    = pve_user.tool[each.key].user_id
  token_name = each.value.token
  comment    = each.value.about
}

# The user's side of the intersection: the most the tool may ever do ...
resource "pve_acl" "user" {
  for_each = local.grants
  path     = each.value.path
  role_id  = each.value.role
  user_id  = pve_user.tool[each.value.tool].user_id
}

# ... and the token's side: what this credential may do. Rotating or
# revoking the token never touches the user's grants.
resource "pve_acl" "token" {
  for_each = local.grants
  path     = each.value.path
  role_id  = each.value.role
  token_id = pve_user_token.tool[each.value.tool].id
}

# ----------------------------------------------------------- verification

# What each token can effectively do on a guest, as PVE computes it.
data "pve_permissions" "on_guest" {
  for_each = local.tools
  user_id  = pve_user_token.tool[each.key].id
  path     = "/vms/100"

  depends_on = [pve_acl.user, pve_acl.token]
}

check "separation_of_duties" {
  assert {
    condition     = contains(data.pve_permissions.on_guest["terraform"].privileges, "VM.Allocate")
    error_message = "The Terraform token cannot create guests."
  }
  assert {
    condition     = !contains(data.pve_permissions.on_guest["ansible"].privileges, "VM.Allocate")
    error_message = "The Ansible token can create and delete guests; it should not."
  }
  assert {
    condition     = !contains(data.pve_permissions.on_guest["terraform"].privileges, "VM.Console")
    error_message = "The Terraform token can open guest consoles; it should not."
  }
}

# --------------------------------------------------------------- outputs

output "token_ids" {
  value = { for tool, token in pve_user_token.tool : tool => token.id }
}

output "privileges_on_guest" {
  value = { for tool, p in data.pve_permissions.on_guest : tool => sort(p.privileges) }
}

# For Terraform (bpg/proxmox `api_token`, or this provider's): the whole
# credential. terraform output -raw terraform_api_token
output "terraform_api_token" {
  value     = pve_user_token.tool["terraform"].value
  sensitive = true
}

# Ansible's Proxmox inventory and modules take the token id and the secret
# separately (api_user / api_token_id / api_token_secret).
output "ansible_token_secret" {
  value     = trimprefix(pve_user_token.tool["ansible"].value, "${pve_user_token.tool["ansible"].id}=")
  sensitive = true
}
