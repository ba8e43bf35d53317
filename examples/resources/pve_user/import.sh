# A user is imported by its user id, NAME@REALM.
terraform import pve_user.terraform terraform@pve
