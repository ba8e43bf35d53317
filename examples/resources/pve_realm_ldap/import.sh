# A realm is imported by its realm id. The bind password is never read back:
# set bind_password_wo_version after import to send the configured one.
terraform import pve_realm_ldap.corp corp
