resource "pve_realm_ldap" "corp" {
  realm     = "corp"
  server1   = "ldap.example.com"
  base_dn   = "dc=example,dc=com"
  user_attr = "uid"
  filter    = "(memberOf=cn=proxmox,ou=groups,dc=example,dc=com)"
}

# Syncs users and groups once when created, and again whenever a trigger or
# an option changes. Destroying it leaves the synced users and groups alone.
resource "pve_realm_sync" "corp" {
  realm           = pve_realm_ldap.corp.realm
  scope           = "both"
  remove_vanished = ["acl", "entry", "properties"]
  enable_new      = true

  triggers = {
    # Sync again when the user filter changes; bump `run` to sync by hand.
    filter = pve_realm_ldap.corp.filter
    run    = "1"
  }
}
