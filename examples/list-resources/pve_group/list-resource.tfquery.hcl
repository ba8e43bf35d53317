list "pve_group" "all" {
  provider = pve
  config {}
}
