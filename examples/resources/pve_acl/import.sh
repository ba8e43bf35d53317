# The import id is "<path>|<role_id>|<user|group|token>:<principal id>".
# Quote it: | is a shell pipe and ! is special in interactive shells.
terraform import pve_acl.operators_vms '/vms|PVEVMUser|group:operators'
terraform import pve_acl.auditor_staging '/pool/staging|PVEAuditor|user:auditor@pve'
terraform import pve_acl.deploy_token_vms '/vms|PVEVMUser|token:ci@pve!deploy'
