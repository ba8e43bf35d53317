# A token that lives for this run only: created when Terraform opens it,
# deleted when Terraform closes it, refused by PVE after 30 minutes even if
# the run dies. Its value never reaches the state or a plan file.
ephemeral "pve_user_token" "run" {
  user_id               = "ci-deployer@pve"
  token_name_prefix     = "ci-"
  lifetime              = "30m"
  privileges_separation = false # the token gets exactly the user's rights
}

# A second provider configuration that acts as the short-lived token.
provider "pve" {
  alias     = "deploy"
  api_token = ephemeral.pve_user_token.run.value
}

resource "pve_pool" "preview" {
  provider = pve.deploy
  pool_id  = "ci/preview"
}
