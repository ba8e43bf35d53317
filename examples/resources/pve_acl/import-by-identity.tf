# Terraform 1.12 and later: the same entry, by its identity.
import {
  to = pve_acl.deploy_token_vms
  identity = {
    path           = "/vms"
    role_id        = "PVEVMUser"
    principal_type = "token"
    principal_id   = "ci@pve!deploy"
  }
}
