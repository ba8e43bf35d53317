# Terraform 1.12 and later: the same token, by its identity.
import {
  to = pve_user_token.ansible
  identity = {
    user_id    = "automation@pve"
    token_name = "ansible"
  }
}
