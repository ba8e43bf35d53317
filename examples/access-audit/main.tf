terraform {
  required_version = ">= 1.5" # check blocks
  required_providers {
    pve = {
      source = "pve-rs/pve"
    }
  }
}

# The credential needs Sys.Audit on / (the built-in PVEAuditor role): the
# audit lists users, groups, roles and ACLs, and asks PVE for each
# identity's effective privileges. Give the audit job its own read-only token.
provider "pve" {}

variable "realm" {
  description = "Audit only this realm's users and their tokens (null: every realm)."
  type        = string
  default     = null
}

variable "fail_on" {
  description = "Severities that fail the run."
  type        = set(string)
  default     = ["high"]
}

data "pve_access_audit" "cluster" {
  realm              = var.realm
  expiry_window_days = 30

  # Accepted findings: each with the reason a reviewer will read in the report.
  ignore {
    rule     = "token-no-expiry"
    identity = "monitoring@pve!prometheus"
    reason   = "Read-only exporter token; rotated by hand every quarter (OPS-1234)."
  }
}

# `terraform output -raw access_report > access-report.md` after the run,
# even when the gate below has failed it.
output "access_report" {
  value = data.pve_access_audit.cluster.report_markdown
}

output "finding_counts" {
  value = data.pve_access_audit.cluster.finding_counts
}

# Shown as a warning in every plan and apply, with the findings to fix.
check "no_high_findings" {
  assert {
    condition     = data.pve_access_audit.cluster.finding_counts["high"] == 0
    error_message = join("\n", [for f in data.pve_access_audit.cluster.findings : "${f.rule} ${f.identity} ${coalesce(f.path, "-")}: ${f.message}" if f.severity == "high"])
  }
}

# The gate: a failed postcondition makes `terraform apply` exit non-zero, so
# the pipeline fails. It runs after the outputs above are recorded.
resource "terraform_data" "access_gate" {
  input = data.pve_access_audit.cluster.finding_counts

  lifecycle {
    postcondition {
      condition     = alltrue([for severity in var.fail_on : self.output[severity] == 0])
      error_message = "The access audit has findings of severity ${join(" or ", var.fail_on)}: ${join("; ", [for f in data.pve_access_audit.cluster.findings : "${f.rule} ${f.identity}" if contains(var.fail_on, f.severity)])}. See access-report.md."
    }
  }
}
