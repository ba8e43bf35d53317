# Every grant on /vms and below that names the group `ops`.
list "pve_acl" "ops_vms" {
  provider = pve
  config {
    path                = "/vms"
    include_descendants = true
    group_id            = "ops"
  }
}
