# The import id is "<pool_id>|vm/<vmid>" for a guest and
# "<pool_id>|storage/<storage id>" for a storage. Quote it: | is a shell pipe.
terraform import 'pve_pool_membership.web["101"]' 'production|vm/101'
terraform import pve_pool_membership.disks 'production|storage/local-lvm'
