# All groups visible to the provider's credential, e.g. to find empty ones.
data "pve_groups" "all" {}

output "empty_groups" {
  value = [for g in data.pve_groups.all.groups : g.group_id if length(g.members) == 0]
}
