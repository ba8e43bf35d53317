# The API tokens of one user (leave out user_id for every user's tokens).
list "pve_user_token" "ci" {
  provider = pve
  config {
    user_id = "ci@pve"
  }
}
