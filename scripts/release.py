#!/usr/bin/env python3
"""`make release`: build the provider and pve-sim in release mode and write
the artifacts the Terraform Registry and `terraform providers mirror` expect.

Into the output folder (default `dist/`, git-ignored), for version V from the
workspace Cargo.toml:

  terraform-provider-pve_V_<os>_<arch>.zip   holds terraform-provider-pve_vV(.exe)
  terraform-provider-pve_V_manifest.json     a copy of terraform-registry-manifest.json
  terraform-provider-pve_V_SHA256SUMS        sums of the zips and the manifest
  terraform-provider-pve_V_SHA256SUMS.sig    detached GPG signature, when a key is given
  pve-sim_V_<os>_<arch>.tar.gz               pve-sim, its README and the LICENSE
  pve-sim_V_SHA256SUMS

Archives are deterministic: sorted entries, fixed permissions and owners, and
timestamps from SOURCE_DATE_EPOCH (default: the last commit's time), so the
same commit and toolchain give the same bytes.

Needs only python3 and cargo. Other platforms need their Rust target and a
linker (or cargo-zigbuild); a missing one is reported, not guessed around.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROVIDER = "terraform-provider-pve"
SIM = "pve-sim"
MANIFEST = ROOT / "terraform-registry-manifest.json"
CARGO = os.environ.get("CARGO", "cargo")
TARGET_DIR = Path(os.environ.get("CARGO_TARGET_DIR") or ROOT / "target")


@dataclass(frozen=True)
class Platform:
    os_arch: str  # Terraform's name, e.g. linux_amd64
    triple: str  # Rust's target triple
    linker: str | None  # the C linker a cross build needs (None: host or none)
    hint: str  # how to get the toolchain

    @property
    def exe(self) -> str:
        return ".exe" if self.os_arch.startswith("windows_") else ""


# The platforms a release may cover (Terraform's os_arch names).
PLATFORMS = [
    Platform("linux_amd64", "x86_64-unknown-linux-gnu", "x86_64-linux-gnu-gcc",
             "apt-get install gcc-x86-64-linux-gnu"),
    Platform("linux_arm64", "aarch64-unknown-linux-gnu", "aarch64-linux-gnu-gcc",
             "apt-get install gcc-aarch64-linux-gnu"),
    Platform("darwin_amd64", "x86_64-apple-darwin", None,
             "build on macOS, or install cargo-zigbuild and zig"),
    Platform("darwin_arm64", "aarch64-apple-darwin", None,
             "build on macOS, or install cargo-zigbuild and zig"),
    Platform("windows_amd64", "x86_64-pc-windows-gnu", "x86_64-w64-mingw32-gcc",
             "apt-get install gcc-mingw-w64-x86-64"),
    Platform("freebsd_amd64", "x86_64-unknown-freebsd", None,
             "install cargo-zigbuild and zig, or build on FreeBSD"),
]


def log(message: str) -> None:
    print(f"release: {message}", file=sys.stderr, flush=True)


class ReleaseError(Exception):
    pass


def workspace_version() -> str:
    """`[workspace.package] version` from Cargo.toml: the one version source."""
    text = (ROOT / "Cargo.toml").read_text()
    section = re.search(r"^\[workspace\.package\]\s*$(.*?)(?=^\[|\Z)", text, re.M | re.S)
    match = section and re.search(r'^version\s*=\s*"([^"]+)"', section.group(1), re.M)
    if not match:
        raise ReleaseError("no `version` in [workspace.package] of Cargo.toml")
    return match.group(1)


def host_triple() -> str:
    out = subprocess.run(["rustc", "-vV"], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        if line.startswith("host: "):
            return line.split(" ", 1)[1].strip()
    raise ReleaseError("rustc -vV printed no host triple")


def installed_targets() -> set[str]:
    if not shutil.which("rustup"):
        return set()
    out = subprocess.run(["rustup", "target", "list", "--installed"],
                         capture_output=True, text=True, check=False).stdout
    return {line.strip() for line in out.splitlines() if line.strip()}


def how_to_build(p: Platform, host: str, rust_targets: set[str]) -> tuple[list[str] | None, str]:
    """The cargo command for `p`, or None and the reason it cannot be built here."""
    if p.triple == host:
        return [CARGO, "build"], "host"
    if p.triple not in rust_targets:
        return None, (f"Rust target {p.triple} is not installed "
                      f"(rustup target add {p.triple}); it also needs a linker: {p.hint}")
    env_linker = f"CARGO_TARGET_{p.triple.upper().replace('-', '_')}_LINKER"
    if os.environ.get(env_linker):
        return [CARGO, "build", "--target", p.triple], f"linker from {env_linker}"
    if p.linker and shutil.which(p.linker):
        return ([CARGO, "build", "--target", p.triple,
                 "--config", f"target.{p.triple}.linker=\"{p.linker}\""], f"linker {p.linker}")
    if shutil.which("cargo-zigbuild") and shutil.which("zig"):
        return [CARGO, "zigbuild", "--target", p.triple], "cargo-zigbuild"
    wanted = p.linker or "a cross linker"
    return None, f"no linker for {p.triple}: {wanted} not found and no cargo-zigbuild ({p.hint})"


def source_date_epoch() -> int:
    value = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if value:
        return int(value)
    out = subprocess.run(["git", "-C", str(ROOT), "log", "-1", "--format=%ct"],
                         capture_output=True, text=True, check=False).stdout.strip()
    # Zip cannot store dates before 1980.
    return max(int(out) if out.isdigit() else 315532800, 315532800)


def zip_one(path: Path, name: str, data: bytes, epoch: int) -> None:
    info = zipfile.ZipInfo(name, date_time=time.gmtime(epoch)[:6])
    info.create_system = 3  # unix, so the mode below is honoured on extraction
    info.external_attr = (0o100755 << 16)
    info.compress_type = zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(info, data, compresslevel=9)


def tar_gz(path: Path, members: list[tuple[str, bytes, int]], epoch: int) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for name, data, mode in sorted(members):
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), mode, epoch
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            archive.addfile(info, io.BytesIO(data))
    with open(path, "wb") as out, gzip.GzipFile(filename="", mode="wb", fileobj=out,
                                                 mtime=epoch, compresslevel=9) as gz:
        gz.write(buffer.getvalue())


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_sums(path: Path, files: list[Path]) -> None:
    lines = [f"{sha256(f)}  {f.name}\n" for f in sorted(files, key=lambda f: f.name)]
    path.write_text("".join(lines))


def sign(sums: Path) -> Path | None:
    """A detached binary signature (`.sig`, as the Registry wants) with the key
    in GPG_FINGERPRINT (goreleaser's name) or GPG_KEY_ID."""
    key = os.environ.get("GPG_FINGERPRINT") or os.environ.get("GPG_KEY_ID")
    if not key:
        log(f"not signing {sums.name}: set GPG_FINGERPRINT to a secret key's fingerprint "
            "to write a detached signature (the Terraform Registry needs one)")
        return None
    if not shutil.which("gpg"):
        raise ReleaseError("GPG_FINGERPRINT is set but gpg is not installed (apt-get install gnupg)")
    signature = sums.with_name(sums.name + ".sig")
    signature.unlink(missing_ok=True)
    subprocess.run(["gpg", "--batch", "--yes", "--local-user", key, "--output", str(signature),
                    "--detach-sign", str(sums)], check=True)
    return signature


def read_manifest() -> bytes:
    data = MANIFEST.read_bytes()
    manifest = json.loads(data)
    versions = manifest.get("metadata", {}).get("protocol_versions", [])
    if manifest.get("version") != 1 or "6.0" not in versions:
        raise ReleaseError(f"{MANIFEST.name} must say version 1 and protocol_versions [\"6.0\"]")
    return data


def select(requested: str, host: str) -> list[Platform]:
    by_name = {p.os_arch: p for p in PLATFORMS}
    if requested in ("", "host"):
        chosen = [p for p in PLATFORMS if p.triple == host]
        if not chosen:
            raise ReleaseError(f"the host {host} is not a release platform; "
                               f"pick from: {', '.join(by_name)}")
        return chosen
    if requested == "all":
        return list(PLATFORMS)
    chosen = []
    for name in (n.strip() for n in requested.split(",") if n.strip()):
        if name not in by_name:
            raise ReleaseError(f"unknown platform {name!r}; pick from: {', '.join(by_name)}, "
                               "host or all")
        chosen.append(by_name[name])
    return chosen


def build(p: Platform, command: list[str], skip_build: bool) -> Path:
    """Builds both binaries for `p`; returns the folder that holds them."""
    cross = "--target" in command
    folder = TARGET_DIR / (f"{p.triple}/release" if cross else "release")
    if not skip_build:
        log(f"building {p.os_arch} (cargo {' '.join(command[1:])} --release)")
        subprocess.run(command + ["--release", "--locked", "--bin", PROVIDER, "--bin", SIM],
                       cwd=ROOT, check=True)
    for binary in (PROVIDER, SIM):
        if not (folder / (binary + p.exe)).is_file():
            raise ReleaseError(f"{folder / (binary + p.exe)} is missing after the build")
    return folder


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=os.environ.get("DIST", str(ROOT / "dist")),
                        help="output folder (default dist/, or $DIST)")
    parser.add_argument("--platforms", default=os.environ.get("RELEASE_PLATFORMS", "host"),
                        help="host (default), all, or a comma list such as linux_amd64,linux_arm64; "
                             "with `all`, platforms without a toolchain are skipped with a message")
    parser.add_argument("--skip-build", action="store_true",
                        help="package binaries already in target/ (after `cargo build --release`)")
    args = parser.parse_args()

    version = workspace_version()
    host = host_triple()
    platforms = select(args.platforms, host)
    manifest = read_manifest()
    rust_targets = installed_targets()
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    epoch = source_date_epoch()

    # Start clean for this version, so the sums never list a stale artifact.
    for stale in list(out.glob(f"{PROVIDER}_{version}_*")) + list(out.glob(f"{SIM}_{version}_*")):
        stale.unlink()

    built, skipped = [], []
    zips, tarballs = [], []
    for p in platforms:
        command, how = how_to_build(p, host, rust_targets)
        if command is None:
            if args.platforms == "all":
                log(f"skipping {p.os_arch}: {how}")
                skipped.append(p.os_arch)
                continue
            raise ReleaseError(f"cannot build {p.os_arch}: {how}")
        folder = build(p, command, args.skip_build)
        if p.triple == host:
            reported = subprocess.run([str(folder / PROVIDER), "--version"], capture_output=True,
                                      text=True, check=True).stdout.strip()
            if reported != f"{PROVIDER} {version}":
                raise ReleaseError(f"the binary reports {reported!r}, expected version {version} "
                                   "(stale build? run without --skip-build)")
        provider_zip = out / f"{PROVIDER}_{version}_{p.os_arch}.zip"
        zip_one(provider_zip, f"{PROVIDER}_v{version}{p.exe}",
                (folder / (PROVIDER + p.exe)).read_bytes(), epoch)
        zips.append(provider_zip)
        sim_tar = out / f"{SIM}_{version}_{p.os_arch}.tar.gz"
        tar_gz(sim_tar, [
            (SIM + p.exe, (folder / (SIM + p.exe)).read_bytes(), 0o755),
            ("README.md", (ROOT / "pve-sim" / "README.md").read_bytes(), 0o644),
            ("LICENSE", (ROOT / "LICENSE").read_bytes(), 0o644),
        ], epoch)
        tarballs.append(sim_tar)
        built.append(p.os_arch)

    if not built:
        raise ReleaseError("no platform could be built: " + "; ".join(skipped))
    manifest_file = out / f"{PROVIDER}_{version}_manifest.json"
    manifest_file.write_bytes(manifest)
    sums = out / f"{PROVIDER}_{version}_SHA256SUMS"
    write_sums(sums, zips + [manifest_file])
    write_sums(out / f"{SIM}_{version}_SHA256SUMS", tarballs)
    sign(sums)

    log(f"version {version}: built {', '.join(built)}"
        + (f"; skipped {', '.join(skipped)}" if skipped else ""))
    for f in sorted(out.glob(f"*_{version}_*")):
        print(f)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except ReleaseError as error:
        log(f"error: {error}")
        sys.exit(1)
    except subprocess.CalledProcessError as error:
        log(f"error: {' '.join(map(str, error.cmd))} failed with exit code {error.returncode}")
        sys.exit(1)
