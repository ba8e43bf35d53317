variable "oidc_client_key" {
  type      = string
  sensitive = true
  ephemeral = true
}

resource "pve_realm_openid" "sso" {
  realm      = "sso"
  comment    = "Single sign-on"
  issuer_url = "https://auth.example.com/realms/main"
  client_id  = "proxmox"

  client_key_wo         = var.oidc_client_key
  client_key_wo_version = 1

  username_claim    = "email" # fixed once created: a change replaces the realm
  autocreate        = true
  scopes            = ["openid", "email", "profile"]
  groups_claim      = "groups"
  groups_autocreate = true
}
