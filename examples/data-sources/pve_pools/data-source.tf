# Every pool the provider's credential may audit (Pool.Audit).
data "pve_pools" "all" {}

# One read-only grant per pool for the auditors group.
resource "pve_acl" "auditors" {
  for_each = toset([for p in data.pve_pools.all.pools : p.pool_id])
  path     = "/pool/${each.value}"
  role_id  = "PVEAuditor"
  group_id = "auditors"
}
