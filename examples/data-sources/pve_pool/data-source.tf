# The guests in a pool, e.g. to hand them to an inventory or to check that a
# pool-scoped grant covers what you expect.
data "pve_pool" "production" {
  pool_id = "production"
}

output "production_guests" {
  value = [for m in data.pve_pool.production.members : m.vm_id if m.type != "storage"]
}
