//! Installing the provider as a user would, with real Terraform 1.15.5 and
//! 1.0.3 and no `dev_overrides`: from the release artifacts in a packed
//! `filesystem_mirror` (hash recorded in the lock file; a lock seeded from
//! our SHA256SUMS accepted; a tampered zip refused), and from the unpacked
//! implied local mirror that `make install` fills from the release build.
//!
//! The release artifacts are built once per test run, by `make release`
//! into `target/e2e-dist` (a release build takes a few minutes on a small
//! machine; later runs reuse cargo's cache). Set `PVE_E2E_DIST` to a folder
//! `make release` already filled to skip the build.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use pve_e2e::terraform::repo_root;
use pve_e2e::{Target, Workdir};

const VERSION: &str = env!("CARGO_PKG_VERSION");
const SOURCE: &str = "registry.terraform.io/pve-rs/pve";

fn os_arch() -> String {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    };
    format!("{}_{arch}", std::env::consts::OS)
}

fn zip_name() -> String {
    format!("terraform-provider-pve_{VERSION}_{}.zip", os_arch())
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("target"))
}

/// Runs `make` in the repository root and fails the test unless it succeeds.
fn make(args: &[&str]) -> String {
    let output = Command::new("make")
        .args(args)
        .current_dir(repo_root())
        .output()
        .expect("run make (is it installed?)");
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "make {args:?} failed:\n{text}");
    text
}

/// The release artifacts, built once for all tests of this file.
fn dist() -> &'static Path {
    static DIST: OnceLock<PathBuf> = OnceLock::new();
    DIST.get_or_init(|| {
        if let Some(dir) = std::env::var_os("PVE_E2E_DIST") {
            return PathBuf::from(dir);
        }
        let dir = target_dir().join("e2e-dist");
        make(&["release", &format!("DIST={}", dir.display())]);
        dir
    })
}

/// A small python3 step for zip work (python3 is a stated requirement).
fn python(script: &str, args: &[&str]) -> String {
    let output = Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .expect("run python3");
    assert!(
        output.status.success(),
        "python3 failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// Terraform's `h1:` hash of a provider zip: SHA-256 over the sorted lines
/// `<sha256 of file>  <name>\n` of its files, base64 (Go's dirhash Hash1).
fn h1_of_zip(zip: &Path) -> String {
    python(
        r#"
import base64, hashlib, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    lines = sorted(f"{hashlib.sha256(z.read(n)).hexdigest()}  {n}\n"
                   for n in z.namelist() if not n.endswith("/"))
print("h1:" + base64.b64encode(hashlib.sha256("".join(lines).encode()).digest()).decode())
"#,
        &[&zip.to_string_lossy()],
    )
}

/// The sha256 our SHA256SUMS file lists for `name`.
fn listed_sum(name: &str) -> String {
    let sums = std::fs::read_to_string(
        dist().join(format!("terraform-provider-pve_{VERSION}_SHA256SUMS")),
    )
    .expect("read SHA256SUMS");
    sums.lines()
        .find_map(|line| {
            let (sum, file) = line.split_once("  ")?;
            (file == name).then(|| sum.to_owned())
        })
        .unwrap_or_else(|| panic!("{name} not listed in SHA256SUMS:\n{sums}"))
}

/// A packed mirror holding `zip` under the name Terraform looks for.
fn packed_mirror(zip: &Path) -> tempfile::TempDir {
    let mirror = tempfile::tempdir().expect("tempdir");
    let folder = mirror.path().join(SOURCE);
    std::fs::create_dir_all(&folder).expect("mkdir");
    std::fs::copy(zip, folder.join(zip_name())).expect("copy zip");
    mirror
}

/// A Workdir whose CLI config installs `pve-rs/pve` from `mirror` only.
fn mirror_workdir(target: &Target, legacy: bool, mirror: &Path) -> Workdir {
    let workdir = if legacy {
        Workdir::legacy(target)
    } else {
        Workdir::new(target)
    };
    workdir.write(
        ".terraformrc",
        &format!(
            "provider_installation {{\n  filesystem_mirror {{\n    path    = \"{}\"\n    include = [\"{SOURCE}\"]\n  }}\n}}\n",
            mirror.display()
        ),
    );
    workdir.config(&format!(
        r#"
terraform {{
  required_providers {{
    pve = {{
      source  = "pve-rs/pve"
      version = "{VERSION}"
    }}
  }}
}}
provider "pve" {{}}
data "pve_version" "v" {{}}
output "release" {{ value = data.pve_version.v.release }}
"#
    ));
    workdir
}

fn lock_file(workdir: &Workdir) -> String {
    std::fs::read_to_string(workdir.path().join(".terraform.lock.hcl")).unwrap_or_default()
}

/// The installed provider answers: a data source reads the simulator.
fn assert_provider_runs(workdir: &Workdir) {
    workdir.apply();
    let release = &workdir.outputs()["release"]["value"];
    assert!(
        release.as_str().is_some_and(|r| !r.is_empty()),
        "pve_version.release from the installed provider: {release}"
    );
}

fn packed_mirror_install(legacy: bool) {
    let target = Target::start();
    let zip = dist().join(zip_name());
    let mirror = packed_mirror(&zip);
    let workdir = mirror_workdir(&target, legacy, mirror.path());

    let init = workdir.ok(&["init", "-no-color"]);
    assert!(
        init.stdout
            .contains(&format!("Installed pve-rs/pve v{VERSION}")),
        "{}",
        init.all_output()
    );
    let lock = lock_file(&workdir);
    // Terraform aligns the `=` of a block's attributes: match the line's parts.
    assert!(
        lock.lines().any(|line| {
            let mut parts = line.split('=').map(str::trim);
            parts.next() == Some("version") && parts.next() == Some(&format!("\"{VERSION}\""))
        }),
        "{lock}"
    );
    assert!(
        lock.contains(&h1_of_zip(&zip)),
        "h1 of our zip missing:\n{lock}"
    );
    let installed = workdir
        .path()
        .join(".terraform/providers")
        .join(SOURCE)
        .join(VERSION)
        .join(os_arch())
        .join(format!("terraform-provider-pve_v{VERSION}"));
    assert!(installed.is_file(), "{} missing", installed.display());
    assert_provider_runs(&workdir);
}

#[test]
fn packed_mirror_installs_and_records_h1() {
    packed_mirror_install(false);
}

#[test]
fn packed_mirror_installs_and_records_h1_legacy() {
    packed_mirror_install(true);
}

fn lock_from_sums_then_tampered(legacy: bool) {
    let target = Target::start();
    let zip = dist().join(zip_name());
    let zh = format!("zh:{}", listed_sum(&zip_name()));
    let seeded_lock = format!(
        "provider \"{SOURCE}\" {{\n  version = \"{VERSION}\"\n  hashes = [\n    \"{zh}\",\n  ]\n}}\n"
    );

    // A lock holding only the zh: from SHA256SUMS (what a registry install
    // would record) accepts the genuine zip, and Terraform adds its h1:.
    let mirror = packed_mirror(&zip);
    let workdir = mirror_workdir(&target, legacy, mirror.path());
    workdir.write(".terraform.lock.hcl", &seeded_lock);
    workdir.ok(&["init", "-no-color"]);
    let lock = lock_file(&workdir);
    assert!(lock.contains(&zh), "{lock}");
    assert!(lock.contains(&h1_of_zip(&zip)), "{lock}");
    assert_provider_runs(&workdir);

    // A zip whose binary was changed (still a valid zip) is refused.
    let tampered_mirror = tempfile::tempdir().expect("tempdir");
    let folder = tampered_mirror.path().join(SOURCE);
    std::fs::create_dir_all(&folder).expect("mkdir");
    let tampered = folder.join(zip_name());
    python(
        r#"
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as src, zipfile.ZipFile(sys.argv[2], "w") as dst:
    for info in src.infolist():
        dst.writestr(info, src.read(info) + b"\0")
"#,
        &[&zip.to_string_lossy(), &tampered.to_string_lossy()],
    );
    let workdir = mirror_workdir(&target, legacy, tampered_mirror.path());
    workdir.write(".terraform.lock.hcl", &seeded_lock);
    let refused = workdir.run(&["init", "-no-color"]);
    assert_ne!(
        refused.code,
        0,
        "a tampered zip was installed:\n{}",
        refused.all_output()
    );
    let output = refused.all_output();
    assert!(
        output.contains("checksum") || output.contains("hash"),
        "the refusal names the checksum mismatch:\n{output}"
    );
    assert!(
        !workdir
            .path()
            .join(".terraform/providers")
            .join(SOURCE)
            .join(VERSION)
            .join(os_arch())
            .join(format!("terraform-provider-pve_v{VERSION}"))
            .exists(),
        "nothing installed"
    );
}

#[test]
fn lock_seeded_from_sha256sums_is_accepted_and_a_tampered_zip_refused() {
    lock_from_sums_then_tampered(false);
}

#[test]
fn lock_seeded_from_sha256sums_is_accepted_and_a_tampered_zip_refused_legacy() {
    lock_from_sums_then_tampered(true);
}

/// `make install` into the implied local mirror (`~/.terraform.d/plugins`,
/// with no `provider_installation` block at all), as README tells users.
#[test]
fn make_install_fills_the_implied_mirror_from_the_release_build() {
    let zip = dist().join(zip_name());
    let home = tempfile::tempdir().expect("tempdir");
    let plugins = home.path().join(".terraform.d/plugins");
    make(&["install", &format!("MIRROR={}", plugins.display())]);
    let installed = plugins
        .join(SOURCE)
        .join(VERSION)
        .join(os_arch())
        .join(format!("terraform-provider-pve_v{VERSION}"));

    // It is the release build: the very binary `make release` zipped.
    let zipped = python(
        r#"
import hashlib, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    print(hashlib.sha256(z.read(z.namelist()[0])).hexdigest())
"#,
        &[&zip.to_string_lossy()],
    );
    let installed_sum = python(
        "import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], 'rb').read()).hexdigest())",
        &[&installed.to_string_lossy()],
    );
    assert_eq!(
        installed_sum, zipped,
        "make install copies the release build"
    );
    let version = Command::new(&installed)
        .arg("--version")
        .output()
        .expect("run the installed provider");
    assert_eq!(
        String::from_utf8_lossy(&version.stdout).trim(),
        format!("terraform-provider-pve {VERSION}")
    );

    let target = Target::start();
    for legacy in [false, true] {
        let workdir = mirror_workdir(&target, legacy, home.path());
        // No CLI configuration: Terraform falls back to the implied mirrors.
        workdir.write(".terraformrc", "");
        let mut workdir = workdir;
        workdir.set_env("HOME", &home.path().to_string_lossy());
        workdir.set_env(
            "XDG_DATA_HOME",
            &home.path().join(".local/share").to_string_lossy(),
        );
        workdir.ok(&["init", "-no-color"]);
        // The unpacked binary hashes like the zip: same file, same name.
        let lock = lock_file(&workdir);
        assert!(lock.contains(&h1_of_zip(&zip)), "{lock}");
        assert_provider_runs(&workdir);
    }
}

/// The artifacts a registry or `terraform providers mirror` expects, and a
/// second packaging run writes the same bytes.
#[test]
fn release_artifacts_are_complete_and_deterministic() {
    let dist = dist();
    let prefix = format!("terraform-provider-pve_{VERSION}");
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dist.join(format!("{prefix}_manifest.json"))).expect("manifest"),
    )
    .expect("manifest json");
    assert_eq!(manifest["version"], 1);
    assert_eq!(
        manifest["metadata"]["protocol_versions"],
        serde_json::json!(["6.0"])
    );

    // The sums list the zip and the manifest, and match them.
    for name in [zip_name(), format!("{prefix}_manifest.json")] {
        let actual = python(
            "import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], 'rb').read()).hexdigest())",
            &[&dist.join(&name).to_string_lossy()],
        );
        assert_eq!(listed_sum(&name), actual, "{name}");
    }

    // The zip holds exactly the versioned, executable binary.
    let entries = python(
        r#"
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    print(";".join(f"{i.filename}:{oct(i.external_attr >> 16)}" for i in z.infolist()))
"#,
        &[&dist.join(zip_name()).to_string_lossy()],
    );
    assert_eq!(
        entries,
        format!("terraform-provider-pve_v{VERSION}:0o100755")
    );

    // pve-sim's tarball: the binary, its README and the license.
    let tarball = dist.join(format!("pve-sim_{VERSION}_{}.tar.gz", os_arch()));
    let members = python(
        "import sys, tarfile; print(';'.join(sorted(tarfile.open(sys.argv[1]).getnames())))",
        &[&tarball.to_string_lossy()],
    );
    assert_eq!(members, "LICENSE;README.md;pve-sim");

    // Packaging the same build again gives identical files.
    let again = tempfile::tempdir().expect("tempdir");
    let output = Command::new("python3")
        .arg(repo_root().join("scripts/release.py"))
        .arg("--skip-build")
        .arg("--out")
        .arg(again.path())
        .output()
        .expect("run release.py");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for name in [
        zip_name(),
        format!("{prefix}_SHA256SUMS"),
        format!("pve-sim_{VERSION}_{}.tar.gz", os_arch()),
    ] {
        assert_eq!(
            std::fs::read(dist.join(&name)).expect("first"),
            std::fs::read(again.path().join(&name)).expect("second"),
            "{name} differs between two packaging runs"
        );
    }
}

/// The pve-sim from the tarball starts without a Rust toolchain and prints
/// its ready line, as a CI job would use it.
#[test]
fn pve_sim_from_the_tarball_starts() {
    let tarball = dist().join(format!("pve-sim_{VERSION}_{}.tar.gz", os_arch()));
    let dir = tempfile::tempdir().expect("tempdir");
    let status = Command::new("tar")
        .arg("-xzf")
        .arg(&tarball)
        .current_dir(dir.path())
        .status()
        .expect("run tar");
    assert!(status.success());
    let mut child = Command::new(dir.path().join("pve-sim"))
        .args(["--listen", "127.0.0.1:0", "--state-dir"])
        .arg(dir.path().join("state"))
        .env("PVE_SIM_ROOT_PASSWORD", "e2e-tarball-password")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start pve-sim");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line)
        .expect("read the ready line");
    let _ = child.kill();
    let _ = child.wait();
    let ready: serde_json::Value = serde_json::from_str(&line).expect("ready line is JSON");
    assert!(
        ready["url"]
            .as_str()
            .is_some_and(|u| u.starts_with("https://127.0.0.1:")),
        "{line}"
    );
}
