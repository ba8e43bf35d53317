# The parts of a token id, e.g. to grant its user the same ACL as the token.
locals {
  deploy = provider::pve::parse_token_id("ci@pve!deploy")
}

output "deploy_token_parts" {
  # { user_id = "ci@pve", user = "ci", realm = "pve", token_name = "deploy" }
  value = local.deploy
}

resource "pve_acl" "deploy_user" {
  path    = "/pool/ci"
  role_id = "PVEVMUser"
  user_id = local.deploy.user_id
}
