# A custom role built from a built-in one minus what the job does not need,
# granted to a team, and checked against what PVE really computes.
#
# The job: the "web" team runs its own guests. They may start, stop,
# reconfigure, snapshot, back up and open consoles, but they may not create
# or delete guests, move them between nodes, roll snapshots back (that is
# the on-call's call), or read and write files inside guests through the
# QEMU guest agent. See README.md for the reasoning.

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

variable "team_guests" {
  description = "The guests the team runs (the role is granted on each /vms/<id>)."
  type        = set(number)
  default     = [120, 121]
}

locals {
  # Start from the broadest built-in role for guests ...
  base = provider::pve::privileges("PVEVMAdmin")

  # ... and name what this job must never do. Keeping the list explicit
  # documents the decision and lets the checks below prove it.
  forbidden = toset([
    "VM.Allocate",                  # create or delete guests
    "VM.Clone",                     # clone = create
    "VM.Migrate",                   # move guests between nodes
    "VM.Replicate",                 # storage replication jobs
    "VM.Snapshot.Rollback",         # destructive; on-call only
    "VM.GuestAgent.FileRead",       # read files inside the guest
    "VM.GuestAgent.FileWrite",      # write files inside the guest
    "VM.GuestAgent.FileSystemMgmt", # freeze/thaw/trim filesystems
    "VM.GuestAgent.Unrestricted",   # run commands inside the guest
  ])

  privileges = setsubtract(local.base, local.forbidden)
}

resource "pve_role" "web_operator" {
  role_id    = "WebOperator"
  privileges = local.privileges
}

resource "pve_group" "web" {
  group_id = "web-team"
  comment  = "Operators of the web guests"
}

resource "pve_user" "alice" {
  user_id = "alice@pve"
  email   = "alice@example.com"
  groups  = [pve_group.web.group_id]
}

# Grant per guest, not on /vms: a new guest is the team's only once it is
# listed here (or, with a pool, once it joins the pool).
resource "pve_acl" "web_guests" {
  for_each = toset([for id in var.team_guests : tostring(id)]) # for_each keys are strings
  path     = provider::pve::acl_path("vm", each.value)
  role_id  = pve_role.web_operator.role_id
  group_id = pve_group.web.group_id
}

# ---------------------------------------------------------- verification

# The server's own copy of the built-in role: if a PVE upgrade adds a
# privilege to PVEVMAdmin, the check below says so and you decide whether
# the team should have it.
data "pve_role" "server_vm_admin" {
  role_id = "PVEVMAdmin"
}

# What a team member can effectively do on one of the guests, and on a
# guest that is not theirs.
data "pve_permissions" "alice_on_team_guest" {
  user_id = pve_user.alice.user_id
  path    = provider::pve::acl_path("vm", min(var.team_guests...))

  depends_on = [pve_acl.web_guests]
}

data "pve_permissions" "alice_elsewhere" {
  user_id = pve_user.alice.user_id
  path    = "/vms/999"

  depends_on = [pve_acl.web_guests]
}

check "web_operator_is_least_privilege" {
  assert {
    condition     = length(setintersection(data.pve_permissions.alice_on_team_guest.privileges, local.forbidden)) == 0
    error_message = "alice@pve holds forbidden privileges on a team guest: ${join(", ", setintersection(data.pve_permissions.alice_on_team_guest.privileges, local.forbidden))}."
  }
  assert {
    condition     = data.pve_permissions.alice_on_team_guest.privileges == pve_role.web_operator.privileges
    error_message = "alice@pve's privileges on a team guest differ from WebOperator: another grant adds or hides some."
  }
  assert {
    condition     = length(data.pve_permissions.alice_elsewhere.privileges) == 0
    error_message = "alice@pve holds privileges on a guest outside the team: ${join(", ", data.pve_permissions.alice_elsewhere.privileges)}."
  }
}

check "static_table_matches_server" {
  assert {
    condition     = data.pve_role.server_vm_admin.privileges == local.base
    error_message = "PVEVMAdmin on this server differs from the provider's PVE 9 table: only here ${jsonencode(setsubtract(data.pve_role.server_vm_admin.privileges, local.base))}, only in the table ${jsonencode(setsubtract(local.base, data.pve_role.server_vm_admin.privileges))}. Review WebOperator."
  }
}

output "web_operator_privileges" {
  value = sort(pve_role.web_operator.privileges)
}

output "alice_on_team_guest" {
  value = sort(data.pve_permissions.alice_on_team_guest.privileges)
}
