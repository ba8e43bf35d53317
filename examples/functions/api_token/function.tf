# A credential for a second provider block from a stored token secret. The
# result keeps the secret's marking: sensitive here, ephemeral when the
# secret comes from an ephemeral variable or resource.
variable "deploy_token_secret" {
  type      = string
  sensitive = true
}

provider "pve" {
  alias     = "deploy"
  api_token = provider::pve::api_token("ci@pve", "deploy", var.deploy_token_secret)
}
