# Custom roles only: built-in roles cannot be managed.
list "pve_role" "custom" {
  provider = pve
  config {}
}
