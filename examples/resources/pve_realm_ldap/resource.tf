# The bind password comes from an ephemeral variable, so it is in neither
# the plan nor the state (write-only attributes need Terraform 1.11+).
variable "ldap_bind_password" {
  type      = string
  sensitive = true
  ephemeral = true
}

resource "pve_realm_ldap" "corp" {
  realm     = "corp"
  comment   = "Corporate directory"
  server1   = "ldap1.example.com"
  server2   = "ldap2.example.com"
  mode      = "ldaps"
  verify    = true
  base_dn   = "ou=people,dc=example,dc=com"
  user_attr = "uid"
  bind_dn   = "cn=proxmox,ou=services,dc=example,dc=com"

  bind_password_wo         = var.ldap_bind_password
  bind_password_wo_version = 1 # bump to send a new password

  filter          = "(memberOf=cn=proxmox,ou=groups,dc=example,dc=com)"
  group_dn        = "ou=groups,dc=example,dc=com"
  group_name_attr = "cn"
  sync_attributes = { email = "mail", firstname = "givenName", lastname = "sn" }

  sync_defaults_scope           = "both"
  sync_defaults_remove_vanished = ["acl", "entry", "properties"]
}
