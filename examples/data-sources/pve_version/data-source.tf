# Gate configuration on the PVE release, e.g. privileges that only exist
# from PVE 9 on (VM.GuestAgent.*, VM.Replicate).
data "pve_version" "current" {}

locals {
  pve9 = tonumber(split(".", data.pve_version.current.release)[0]) >= 9
}

resource "pve_role" "guest_agent_reader" {
  role_id    = "GuestAgentReader"
  privileges = local.pve9 ? ["VM.Audit", "VM.GuestAgent.Audit"] : ["VM.Audit", "VM.Monitor"]
}
