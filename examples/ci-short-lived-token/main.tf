# One CI run that acts only through a short-lived API token.
#
# Prerequisites, created once by an administrator (see README.md):
#   - the scoped user `ci-deployer@pve` in group `ci-deployers`, with
#     PVEPoolAdmin on /pool/ci (the only rights the run's token will have);
#   - a long-lived "minter" token that may create tokens for members of
#     `ci-deployers` (User.Modify on /access/groups/ci-deployers) and nothing
#     else. The CI system passes it as PROXMOX_VE_API_TOKEN.
#
# Needs Terraform 1.10 or later (ephemeral resources).

terraform {
  required_version = ">= 1.10"
  required_providers {
    pve = {
      source  = "pve-rs/pve"
      version = "~> 0.1"
    }
  }
}

variable "ci_user" {
  description = "The scoped user whose rights the run's token gets."
  type        = string
  default     = "ci-deployer@pve"
}

variable "environment" {
  description = "The preview environment this run manages: pool ci/<environment>."
  type        = string
  default     = "preview"
}

# The minter: PROXMOX_VE_ENDPOINT, PROXMOX_VE_API_TOKEN, PROXMOX_VE_CA_CERTIFICATE.
provider "pve" {}

# A new token for every plan and every apply; deleted when Terraform closes
# it, and refused by PVE after 30 minutes in any case.
ephemeral "pve_user_token" "run" {
  user_id               = var.ci_user
  token_name_prefix     = "ci-"
  lifetime              = "30m"
  privileges_separation = false # exactly the rights of ci-deployer@pve
  comment               = "CI run for ${var.environment}"
}

# Everything that does the real work acts as the short-lived token.
provider "pve" {
  alias     = "deploy"
  api_token = ephemeral.pve_user_token.run.value
}

resource "pve_pool" "environment" {
  provider = pve.deploy
  pool_id  = "ci/${var.environment}"
  comment  = "Managed by CI"
}

# Hand the same token to a script (Ansible, pvesh, curl, another tool)
# through its environment: ephemeral values may be used in provisioners,
# and Terraform suppresses the provisioner's output.
resource "terraform_data" "smoke_test" {
  triggers_replace = [pve_pool.environment.pool_id]

  provisioner "local-exec" {
    command = "test -n \"$PROXMOX_VE_API_TOKEN\" && echo \"token ready for pool $POOL\""
    environment = {
      PROXMOX_VE_API_TOKEN = ephemeral.pve_user_token.run.value
      POOL                 = pve_pool.environment.pool_id
    }
  }
}

output "pool" {
  value = pve_pool.environment.pool_id
}
