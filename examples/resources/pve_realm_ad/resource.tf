variable "ad_bind_password" {
  type      = string
  sensitive = true
  ephemeral = true
}

resource "pve_realm_ad" "windows" {
  realm   = "win"
  comment = "Active Directory"
  server1 = "dc1.example.com"
  server2 = "dc2.example.com"
  domain  = "example.com"
  mode    = "ldap+starttls"
  verify  = true

  base_dn                  = "dc=example,dc=com"
  bind_dn                  = "CN=proxmox,OU=Service Accounts,DC=example,DC=com"
  bind_password_wo         = var.ad_bind_password
  bind_password_wo_version = 1

  case_sensitive      = false
  sync_defaults_scope = "users"
}
