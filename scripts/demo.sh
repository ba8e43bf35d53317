#!/usr/bin/env bash
# `make demo`: the whole seed workflow, for real, on this machine.
#   1. start pve-sim (the bundled PVE 9 access-control simulator) with TLS
#   2. `terraform init` from a local plugin mirror (no network)
#   3. `terraform apply` of examples/quickstart
#   4. use the new API token: allowed where its role is granted, refused elsewhere
#   5. destroy and stop
# No secret is printed: the root password and the token value stay in files
# under .demo/ (git-ignored) and in environment variables.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
run="$root/.demo"
terraform="${TF_BIN:-$root/tools/bin/terraform}"
version=0.1.0
os_arch="$(uname -s | tr A-Z a-z)_$(uname -m | sed 's/x86_64/amd64/;s/aarch64/arm64/')"

bold() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
sim_pid=""
cleanup() {
  if [ -n "$sim_pid" ] && kill -0 "$sim_pid" 2>/dev/null; then
    kill -TERM "$sim_pid" 2>/dev/null || true
    wait "$sim_pid" 2>/dev/null || true
  fi
}
trap cleanup EXIT

rm -rf "$run"
mkdir -p "$run/work" "$run/state"
chmod 700 "$run"

bold "1. Starting pve-sim (PVE 9 access-control API simulator)"
PVE_SIM_ROOT_PASSWORD="$(python3 -c 'import secrets; print(secrets.token_urlsafe(18))')"
export PVE_SIM_ROOT_PASSWORD
mkfifo "$run/ready"
"$root/target/debug/pve-sim" --listen 127.0.0.1:0 --state-dir "$run/state" \
  --access-log "$run/access.log" >"$run/ready" 2>"$run/pve-sim.log" &
sim_pid=$!
read -r ready_line <"$run/ready"
json() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$ready_line" "$1"; }
endpoint="$(json url)"
ca_cert="$(json ca_cert)"
echo "pve-sim is listening on $endpoint"
echo "TLS certificate fingerprint: $(json fingerprint)"

bold "2. terraform init from the local plugin mirror"
mirror="$run/plugins"
mkdir -p "$mirror/registry.terraform.io/pve-rs/pve/$version/$os_arch"
cp "$root/target/debug/terraform-provider-pve" \
  "$mirror/registry.terraform.io/pve-rs/pve/$version/$os_arch/terraform-provider-pve_v$version"
cat >"$run/terraformrc" <<HCL
provider_installation {
  filesystem_mirror {
    path    = "$mirror"
    include = ["registry.terraform.io/pve-rs/pve"]
  }
}
HCL
export TF_CLI_CONFIG_FILE="$run/terraformrc" CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1
cp "$root"/examples/quickstart/*.tf "$run/work/"
cd "$run/work"
"$terraform" init -input=false -no-color | grep -E 'Installing|Installed|initialized' || true

bold "3. terraform apply examples/quickstart (as root@pam, the bootstrap credential)"
export PROXMOX_VE_ENDPOINT="$endpoint" PROXMOX_VE_CA_CERTIFICATE="$ca_cert"
export PROXMOX_VE_USERNAME="root@pam" PROXMOX_VE_PASSWORD="$PVE_SIM_ROOT_PASSWORD"
"$terraform" apply -auto-approve -input=false -no-color | sed -n '/Plan:/p;/Apply complete/,$p'

token_id="$("$terraform" output -raw token_id)"
token_value_file="$run/token"
( umask 077; "$terraform" output -raw token_value >"$token_value_file" )

bold "4. Using the new token ($token_id); its secret stays in $token_value_file"
# Used only where curl is missing: the same request through Python.
py_request='
import ssl, sys, urllib.request, urllib.error
method, url, ca, data = sys.argv[1:5]
name, value = sys.stdin.readline().rstrip("\n").split(": ", 1)
req = urllib.request.Request(url, method=method, data=data.encode() if data else None, headers={name: value})
try:
    with urllib.request.urlopen(req, context=ssl.create_default_context(cafile=ca)) as r:
        print(r.read().decode()); print("HTTP", r.status)
except urllib.error.HTTPError as e:
    print(e.read().decode()); print("HTTP", e.code, e.reason)
'
api() { # METHOD PATH [form data]: prints "HTTP status" then the body
  local method="$1" path="$2" data="${3:-}"
  local header="Authorization: PVEAPIToken=$(cat "$token_value_file")"
  if command -v curl >/dev/null; then
    local args=(-sS --cacert "$ca_cert" -X "$method" -H @- -w '\nHTTP %{http_code}\n')
    [ -n "$data" ] && args+=(--data "$data")
    printf '%s\n' "$header" | curl "${args[@]}" "$endpoint/api2/json$path"
  else
    printf '%s\n' "$header" | python3 -c "$py_request" "$method" "$endpoint/api2/json$path" "$ca_cert" "$data"
  fi
}
echo "\$ curl … GET /access/permissions?path=/vms/200   (what may this token do on VM 200?)"
api GET "/access/permissions?path=/vms/200"
echo
echo "\$ curl … PUT /access/acl path=/vms/201 …   (may it grant itself rights on another VM? it must not)"
api PUT /access/acl "path=/vms/201&roles=PVEVMAdmin&tokens=$token_id"
echo
echo "Effective privileges Terraform read back through data.pve_permissions:"
"$terraform" output -json token_privileges_on_vm_200

bold "5. terraform destroy and stop"
"$terraform" destroy -auto-approve -input=false -no-color | sed -n '/Destroy complete/p'
cleanup
sim_pid=""
echo "pve-sim stopped; its access log is in .demo/access.log. Run 'make demo' again any time."
echo "Running a PVE cluster? 'pve-sim --nodes 3' simulates one, and 'endpoints = [...]' fails over between"
echo "its nodes: see docs/guides/running-against-a-cluster.md."
