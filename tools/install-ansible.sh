#!/usr/bin/env bash
# Installs the pinned Ansible (PyPI `ansible` 12.3.0, which ships the
# community.proxmox collection and its `proxmox` inventory plugin) into its own
# git-ignored venv, tools/ansible/, with `requests` (the plugin's HTTP client), for the Ansible inventory acceptance test
# (tests/tests/ansible_inventory.rs). Separate from tools/.venv so the two tool
# sets never constrain each other's dependencies. Idempotent.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$here/ansible"
stamp="$venv/.pinned-ansible-12.3.0-requests-2.32.5"
python="${PYTHON:-python3}"

if [ ! -f "$stamp" ]; then
  echo "tools: installing Ansible 12.3.0 into tools/ansible"
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check --no-input "ansible==12.3.0" "requests==2.32.5"
  touch "$stamp"
  "$venv/bin/ansible-inventory" --version | sed -n 1p
fi
