# terraform query: every enabled user of the `pve` realm whose id starts with `ci-`.
list "pve_user" "ci" {
  provider = pve
  config {
    realm   = "pve"
    enabled = true
    prefix  = "ci-"
  }
}
