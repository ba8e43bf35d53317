resource "pve_realm_ldap" "corp" {
  realm     = "corp"
  server1   = "ldap.example.com"
  base_dn   = "dc=example,dc=com"
  user_attr = "uid"
  filter    = "(memberOf=cn=proxmox,ou=groups,dc=example,dc=com)"

  lifecycle {
    # Sync again after every change of the realm (e.g. a new filter).
    action_trigger {
      events  = [after_create, after_update]
      actions = [action.pve_realm_sync.corp]
    }
  }
}

# Run on demand too: terraform apply -invoke=action.pve_realm_sync.corp
action "pve_realm_sync" "corp" {
  config {
    realm           = pve_realm_ldap.corp.realm
    scope           = "both"
    remove_vanished = ["acl", "entry", "properties"]
    enable_new      = true
    timeout         = "15m"
  }
}
