# `production` and the pools nested in it.
list "pve_pool" "production" {
  provider = pve
  config {
    prefix = "production"
  }
}
