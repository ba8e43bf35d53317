# ACL paths built from ids and checked at plan time: "/vms/100",
# "/pool/prod/web", "/mapping/pci/gpu0".
resource "pve_acl" "vm_console" {
  path     = provider::pve::acl_path("vm", 100)
  role_id  = "PVEVMUser"
  group_id = "operators"
}

resource "pve_acl" "web_pool" {
  path     = provider::pve::acl_path("pool", "prod/web")
  role_id  = "PVEPoolUser"
  group_id = "operators"
}

resource "pve_acl" "gpu" {
  path     = provider::pve::acl_path("mapping_pci", "gpu0")
  role_id  = "PVEMappingUser"
  group_id = "operators"
}
