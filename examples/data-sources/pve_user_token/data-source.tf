# Check how an existing token is set up, e.g. that a token created by hand
# is privilege-separated and expires, before relying on it.
data "pve_user_token" "monitoring" {
  user_id    = "monitoring@pve"
  token_name = "prometheus"
}

check "monitoring_token_is_confined" {
  assert {
    condition     = data.pve_user_token.monitoring.privileges_separation
    error_message = "${data.pve_user_token.monitoring.id} is not privilege-separated: it holds every privilege of its user."
  }
}

# The full id, as pve_acl.token_id expects it.
resource "pve_acl" "monitoring_audit" {
  path     = "/"
  role_id  = "PVEAuditor"
  token_id = data.pve_user_token.monitoring.id
}
