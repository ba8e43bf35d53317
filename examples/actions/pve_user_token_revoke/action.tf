# A token leaked: revoke it, its ACL entries, and the user's other tokens.
#   terraform apply -invoke=action.pve_user_token_revoke.leaked
action "pve_user_token_revoke" "leaked" {
  config {
    token_id               = "ci@pve!deploy"
    remove_acl_entries     = true
    revoke_all_user_tokens = true
  }
}

# Safe to run again: a token that is gone already is not an error here.
action "pve_user_token_revoke" "cleanup" {
  config {
    token_id       = "ci@pve!old-runner"
    ignore_missing = true
  }
}
