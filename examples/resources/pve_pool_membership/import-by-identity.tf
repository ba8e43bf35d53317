# Terraform 1.12 and later: set pool_id and exactly one of vm_id and
# storage_id.
import {
  to = pve_pool_membership.disks
  identity = {
    pool_id    = "production"
    storage_id = "local-lvm"
  }
}
