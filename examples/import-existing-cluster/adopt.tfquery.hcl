# What to adopt. Narrow each list with its config filters; `limit` (default
# 100) caps the results of one list block.

list "pve_user" "users" {
  provider = pve
  config {
    realm = "pve" # root@pam is never listed
  }
}

list "pve_user_token" "tokens" {
  provider = pve
  config {} # the tokens of every user but root@pam
}

list "pve_group" "groups" {
  provider = pve
  config {}
}

list "pve_role" "roles" {
  provider = pve
  config {} # custom roles only
}

list "pve_pool" "pools" {
  provider = pve
  config {}
}

list "pve_acl" "acls" {
  provider = pve
  limit    = 1000
  config {}
}
