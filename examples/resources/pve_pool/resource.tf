# Pools group guests and storages so one ACL entry on /pool/<id> covers all of
# them, however many guests join later. A typical layout: one pool per
# environment, nested pools per team (up to three levels).
resource "pve_pool" "production" {
  pool_id = "production"
  comment = "Production guests, managed by the deploy pipeline"
}

resource "pve_pool" "production_web" {
  # Referencing the parent's pool_id makes Terraform create it first.
  pool_id = "${pve_pool.production.pool_id}/web"
  comment = "Web tier"
}

# The pool's members (pve_pool_membership) inherit this grant on their own
# /vms/<id> path. Roles on a parent pool also count for its nested pools.
resource "pve_acl" "web_team" {
  path     = "/pool/${pve_pool.production_web.pool_id}"
  role_id  = "PVEVMUser"
  group_id = "web-team"
}
