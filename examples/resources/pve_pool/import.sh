# A pool is imported by its pool id, including the parents of a nested pool.
terraform import pve_pool.production production
terraform import pve_pool.production_web production/web
