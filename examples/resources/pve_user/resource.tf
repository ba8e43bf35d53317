# A service user exists only to own API tokens: no password, so nobody can
# log in to the web UI as it, and a comment that says who owns it. Its
# privileges come from pve_acl entries (here through its group).
resource "pve_group" "automation" {
  group_id = "automation"
}

resource "pve_user" "terraform" {
  user_id = "terraform@pve"
  comment = "Service account for the infrastructure pipeline (owner: platform team)"
  groups  = [pve_group.automation.group_id]
}

# A person on the `pve` realm, with an initial password and an end date: at
# the expiration date the account and all of its API tokens stop working.
# The password is write-only (Terraform 1.11+): never in plan or state.
variable "contractor_password" {
  type      = string
  sensitive = true
  ephemeral = true
}

resource "pve_user" "contractor" {
  user_id             = "jdoe@pve"
  first_name          = "Jane"
  last_name           = "Doe"
  email               = "jane.doe@example.com"
  expiration_date     = "2027-12-31T23:59:59Z"
  password_wo         = var.contractor_password
  password_wo_version = 1 # bump to send a new password
  groups              = ["operators"]
}

# A user of an existing LDAP/AD or OpenID realm: the directory owns the
# password, PVE only keeps the account that ACLs can name. `enabled = false`
# suspends the account (and its tokens) without deleting it.
resource "pve_user" "former_admin" {
  user_id = "bob@corp-ad"
  enabled = false
  comment = "Suspended pending offboarding"
}
