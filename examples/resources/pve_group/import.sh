# A group is imported by its name (group_id).
terraform import pve_group.operators operators
