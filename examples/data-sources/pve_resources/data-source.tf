# Every VM and container tagged "web" that the provider's credential may see.
data "pve_resources" "web" {
  type = "vm"
  tags = ["web"]
}

# The web team may operate each of them (one ACL per guest).
resource "pve_acl" "web_team" {
  for_each = toset([for r in data.pve_resources.web.resources : r.acl_path])
  path     = each.value
  role_id  = "PVEVMUser"
  group_id = "web-team"
}
