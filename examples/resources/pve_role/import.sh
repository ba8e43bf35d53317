# A custom role is imported by its name (role_id). Built-in roles (PVE…,
# Administrator, NoAccess) cannot be imported: read them with data "pve_role".
terraform import pve_role.backup_operator BackupOperator
