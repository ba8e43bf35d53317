# Who can do what, as PVE evaluates it, with findings to act on. Costs four
# list calls plus one GET /access/permissions per user and token.
data "pve_access_audit" "cluster" {
  expiry_window_days = 30

  ignore {
    rule     = "can-change-permissions"
    identity = "alice@pve"
    reason   = "Cluster administrator (personal account with TFA)."
  }
}

# terraform output -raw access_report > access-report.md
output "access_report" {
  value = data.pve_access_audit.cluster.report_markdown
}

check "no_high_findings" {
  assert {
    condition     = data.pve_access_audit.cluster.finding_counts["high"] == 0
    error_message = join("\n", [for f in data.pve_access_audit.cluster.findings : "${f.rule} ${f.identity}: ${f.message}" if f.severity == "high"])
  }
}

# Only the tokens and users of one realm, and only what they hold below /vms.
data "pve_access_audit" "vm_automation" {
  realm       = "pve"
  path_prefix = "/vms"
}
