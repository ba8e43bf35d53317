# An audit of one service user's tokens: which never expire, and which are
# not privilege-separated (they hold everything their user holds).
data "pve_user_tokens" "automation" {
  user_id = "automation@pve"
}

output "tokens_without_expiry" {
  value = [for t in data.pve_user_tokens.automation.tokens : t.id if t.expiration_date == null]
}

output "tokens_with_full_user_rights" {
  value = [for t in data.pve_user_tokens.automation.tokens : t.id if !t.privileges_separation]
}
