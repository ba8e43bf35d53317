resource "pve_pool" "production" {
  pool_id = "production"
}

# Each guest and each storage joins the pool through its own resource, so
# adding a guest never rewrites the others. A guest belongs to one pool at a
# time; PVE refuses a second one.
resource "pve_pool_membership" "web" {
  for_each = toset(["101", "102", "103"])
  pool_id  = pve_pool.production.pool_id
  vm_id    = tonumber(each.value)
}

# A storage in the pool: roles on /pool/production then apply on
# /storage/local-lvm too, e.g. Datastore.AllocateSpace for new disks.
resource "pve_pool_membership" "disks" {
  pool_id    = pve_pool.production.pool_id
  storage_id = "local-lvm"
}
