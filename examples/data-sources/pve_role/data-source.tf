# Read a built-in role to build a custom one from what the connected PVE
# really has (provider::pve::privileges uses a static PVE 9 table instead).
data "pve_role" "vm_user" {
  role_id = "PVEVMUser"
}

# PVEVMUser without the guest agent's file access.
resource "pve_role" "vm_user_no_files" {
  role_id = "VMUserNoFiles"
  privileges = [
    for p in data.pve_role.vm_user.privileges : p
    if !startswith(p, "VM.GuestAgent.File")
  ]
}
