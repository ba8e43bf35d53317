//! Robustness under a misbehaving PVE: injected 500s, lock timeouts and
//! dropped connections during a 200-object apply; answers lost after the
//! server committed a create; the provider killed in the middle of an apply.
//!
//! "Converges" means: a bounded number of `terraform apply` runs (with the
//! faults still on) ends in success, and then — faults off — the server holds
//! exactly the configured objects (nothing missing, nothing duplicated,
//! nothing extra) and a plan is empty. Lock timeouts and dropped connections
//! are transient and must be absorbed by the provider within one apply. A
//! plain `500` is not: PVE answers 500 for real errors too ("user already
//! exists"), so the provider reports it and the operator applies again.

use std::collections::BTreeSet;
use std::process::Stdio;

use pve_e2e::terraform::{provider_dir, terraform_bin};
use pve_e2e::{Run, Target, Workdir};

const HEADER: &str = r#"terraform {
  required_providers {
    pve = { source = "pve-rs/pve" }
  }
}
provider "pve" {}
"#;

/// The PVE message of a cluster-filesystem lock timeout (sent as a 500).
const LOCK_TIMEOUT: &str =
    "create failed: cfs-lock 'file-user_cfg' error: got lock request timeout";

/// `n` users, each with a token, a custom role and an ACL entry granting
/// that role to the user on its own guest path.
fn config(prefix: &str, n: usize) -> String {
    format!(
        r#"{HEADER}
resource "pve_user" "u" {{
  count   = {n}
  user_id = "{prefix}${{count.index}}@pve"
  comment = "user ${{count.index}}"
}}
resource "pve_user_token" "t" {{
  count      = {n}
  user_id    = pve_user.u[count.index].user_id
  token_name = "ci"
}}
resource "pve_role" "r" {{
  count      = {n}
  role_id    = "{prefix}${{count.index}}"
  privileges = ["VM.Audit", "VM.Console"]
}}
resource "pve_acl" "a" {{
  count   = {n}
  path    = "/vms/${{1000 + count.index}}"
  role_id = pve_role.r[count.index].role_id
  user_id = pve_user.u[count.index].user_id
}}
"#
    )
}

/// What the configuration asks for, in the form of [`server_objects`].
fn expected_objects(prefix: &str, n: usize) -> BTreeSet<String> {
    let mut set = BTreeSet::new();
    for i in 0..n {
        set.insert(format!("user {prefix}{i}@pve comment=user {i}"));
        set.insert(format!("token {prefix}{i}@pve!ci"));
        set.insert(format!("role {prefix}{i} VM.Audit,VM.Console"));
        set.insert(format!(
            "acl /vms/{} {prefix}{i} {prefix}{i}@pve propagate=true",
            1000 + i
        ));
    }
    set
}

/// Everything on the server whose id starts with `prefix`, read with the
/// admin client (faults must be off).
fn server_objects(target: &Target, prefix: &str) -> BTreeSet<String> {
    let client = target.client();
    target.block_on(async {
        let mut set = BTreeSet::new();
        let users = client.users().list().await.expect("list users");
        for user in users
            .iter()
            .filter(|u| u.userid.to_string().starts_with(prefix))
        {
            let name = user.userid.to_string();
            set.insert(format!(
                "user {name} comment={}",
                user.comment.clone().unwrap_or_default()
            ));
            for token in client
                .tokens(&user.userid)
                .list()
                .await
                .expect("list tokens")
            {
                set.insert(format!("token {name}!{}", token.tokenid));
            }
        }
        for role in client.roles().list().await.expect("list roles") {
            if role.roleid.to_string().starts_with(prefix) {
                let privs: Vec<&str> = role.privs.iter().map(String::as_str).collect();
                set.insert(format!("role {} {}", role.roleid, privs.join(",")));
            }
        }
        for entry in client.acl().list().await.expect("list acl") {
            if entry.roleid.to_string().starts_with(prefix) {
                set.insert(format!(
                    "acl {} {} {} propagate={}",
                    entry.path, entry.roleid, entry.principal, entry.propagate
                ));
            }
        }
        set
    })
}

fn apply(workdir: &Workdir, parallelism: usize) -> Run {
    let parallelism = format!("-parallelism={parallelism}");
    workdir.run(&[
        "apply",
        "-auto-approve",
        "-input=false",
        "-no-color",
        &parallelism,
    ])
}

/// Output that means the provider crashed rather than reporting an error.
fn assert_no_crash(run: &Run) {
    let output = run.all_output();
    for marker in ["The plugin encountered an error", "panicked", "panic:"] {
        assert!(
            !output.contains(marker),
            "provider crashed ({marker}):\n{output}"
        );
    }
}

/// Applies until success, at most `max` times; returns how many it took.
fn apply_until_converged(workdir: &Workdir, max: usize) -> usize {
    let mut last = String::new();
    for attempt in 1..=max {
        let run = apply(workdir, 10);
        assert_no_crash(&run);
        if run.code == 0 {
            return attempt;
        }
        last = run.all_output();
    }
    panic!("no successful apply after {max} attempts; last output:\n{last}");
}

fn assert_exact(target: &Target, prefix: &str, n: usize) {
    let expected = expected_objects(prefix, n);
    let actual = server_objects(target, prefix);
    let missing: Vec<_> = expected.difference(&actual).collect();
    let extra: Vec<_> = actual.difference(&expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "server state differs from the configuration\nmissing: {missing:#?}\nextra: {extra:#?}"
    );
}

#[test]
fn lock_timeouts_are_retried_within_one_apply() {
    let Some(target) = simulated() else { return };
    let sim = target.sim().expect("simulated");
    let workdir = Workdir::new(&target);
    let prefix = target.unique("tf");
    let n = 50;
    workdir.config(&config(&prefix, n));
    // 10% of requests answer PVE's lock-timeout 500, which PVE sends before
    // changing anything: safe to retry, so one apply must succeed.
    sim.set_faults(pve_sim::FaultConfig {
        error_rate: 0.10,
        error_status: 500,
        error_message: LOCK_TIMEOUT.into(),
        seed: 11,
        ..Default::default()
    });
    let before = sim.stats().total;
    let run = apply(&workdir, 10);
    let requests = sim.stats().total - before;
    sim.set_faults(pve_sim::FaultConfig::default());
    assert_no_crash(&run);
    assert_eq!(
        run.code,
        0,
        "one apply must absorb lock timeouts:\n{}",
        run.all_output()
    );
    // 200 creates plus their retries went through the faulty server.
    assert!(requests > 4 * n as u64, "too few requests: {requests}");
    assert_exact(&target, &prefix, n);
    workdir.assert_plan_empty();
}

/// Plain 500s, connections closed before handling and answers lost after
/// the commit, during the whole first apply. To the client a connection
/// closed after a write was sent is the same in both drop cases (the outcome
/// is unknown): the provider reads the object back, adopts it when it is as
/// planned, sends the create once more when the read-back proves it absent,
/// and fails clearly otherwise; a plain 500 is reported, never retried
/// (PVE uses 500 for real errors too) and, on a read, never wipes state. So
/// under a *persistent* 10% error rate no refresh of 200 objects can succeed
/// (0.9^200); "converges" is therefore: after the faulty apply, at most two
/// further applies against the recovered server succeed, and the server then
/// holds exactly the configuration.
#[test]
fn plain_500s_and_lost_answers_converge_by_applying_again() {
    let Some(target) = simulated() else { return };
    let sim = target.sim().expect("simulated");
    let workdir = Workdir::new(&target);
    let prefix = target.unique("fp");
    let n = 50;
    workdir.config(&config(&prefix, n));
    sim.set_faults(pve_sim::FaultConfig {
        error_rate: 0.10,
        error_status: 500,
        drop_rate: 0.03,
        drop_after_commit_rate: 0.05,
        seed: 7,
        ..Default::default()
    });
    let faulty = apply(&workdir, 10);
    sim.set_faults(pve_sim::FaultConfig::default());
    assert_no_crash(&faulty);
    assert_ne!(faulty.code, 0, "a 10% error rate went unnoticed");
    let applies = apply_until_converged(&workdir, 2);
    eprintln!("converged after {applies} further apply run(s)");
    assert_exact(&target, &prefix, n);
    workdir.assert_plan_empty();
    workdir.destroy();
    assert!(
        server_objects(&target, &prefix).is_empty(),
        "destroy left objects behind"
    );
}

/// One object per resource type; each create's answer is lost after PVE
/// committed it. The provider must adopt the object (or fail clearly and
/// adopt on the next apply), never leave it orphaned or duplicated.
#[test]
fn lost_create_answers_never_leave_orphans() {
    lost_create_answers(0);
}

/// The same, but a proxy in front of PVE answers 504 Gateway Timeout after
/// PVE committed: not PVE's answer, so the outcome is just as unknown, and
/// the provider must read back and adopt rather than call it a safe retry.
#[test]
fn gateway_timeouts_after_a_committed_create_never_leave_orphans() {
    lost_create_answers(504);
}

/// Every create's answer is replaced: the connection closed when
/// `after_commit_status` is 0, else that gateway status.
fn lost_create_answers(after_commit_status: u16) {
    let Some(target) = simulated() else { return };
    let sim = target.sim().expect("simulated");
    let workdir = Workdir::new(&target);
    let p = target.unique("lc");
    let user = format!("{p}@pve");
    let steps: Vec<(&str, String, String)> = vec![
        (
            "/access/users",
            format!("resource \"pve_user\" \"u\" {{\n  user_id = \"{user}\"\n  comment = \"c\"\n}}\n"),
            "pve_user.u".into(),
        ),
        (
            "/access/groups",
            format!("resource \"pve_group\" \"g\" {{\n  group_id = \"{p}\"\n  comment = \"c\"\n}}\n"),
            "pve_group.g".into(),
        ),
        (
            "/pools",
            format!("resource \"pve_pool\" \"p\" {{\n  pool_id = \"{p}\"\n  comment = \"c\"\n}}\n"),
            "pve_pool.p".into(),
        ),
        (
            "/access/roles",
            format!("resource \"pve_role\" \"r\" {{\n  role_id = \"{p}\"\n  privileges = [\"VM.Audit\"]\n}}\n"),
            "pve_role.r".into(),
        ),
        (
            "/access/users/",
            "resource \"pve_user_token\" \"t\" {\n  user_id = pve_user.u.user_id\n  token_name = \"ci\"\n}\n"
                .into(),
            "pve_user_token.t".into(),
        ),
        (
            "/access/acl",
            format!("resource \"pve_acl\" \"a\" {{\n  path = \"/pool/{p}\"\n  role_id = pve_role.r.role_id\n  group_id = pve_group.g.group_id\n}}\n"),
            "pve_acl.a".into(),
        ),
    ];
    let mut hcl = HEADER.to_string();
    for (prefix, resource, address) in &steps {
        hcl.push_str(resource);
        workdir.config(&hcl);
        let prefix = if *prefix == "/access/users/" {
            format!("/access/users/{user}/token")
        } else {
            prefix.to_string()
        };
        sim.set_faults(pve_sim::FaultConfig {
            drop_after_commit_rate: 1.0,
            after_commit_status,
            path_prefix: prefix.clone(),
            ..Default::default()
        });
        let first = apply(&workdir, 10);
        sim.set_faults(pve_sim::FaultConfig::default());
        assert_no_crash(&first);
        if first.code != 0 {
            // Failing is allowed only with a clear message, and the next
            // apply must then succeed without a conflict.
            let output = first.all_output();
            assert!(
                output.contains(address.split('.').next().unwrap_or_default())
                    && (output.contains("again") || output.contains("import")),
                "{address}: unclear failure after a lost answer:\n{output}"
            );
            let second = apply(&workdir, 10);
            assert_eq!(
                second.code,
                0,
                "{address}: second apply failed:\n{}",
                second.all_output()
            );
        }
        let state = workdir.state_text();
        let (ty, name) = address.split_once('.').expect("address");
        assert!(
            state.contains(&format!("\"type\": \"{ty}\""))
                && state.contains(&format!("\"name\": \"{name}\"")),
            "{address} not in state after a lost create answer"
        );
        workdir.assert_plan_empty();
    }
    // Exactly one of each, as configured.
    let client = target.client();
    target.block_on(async {
        let users: Vec<_> = client
            .users()
            .list()
            .await
            .expect("users")
            .into_iter()
            .filter(|u| u.userid.to_string() == user)
            .collect();
        assert_eq!(users.len(), 1);
        let tokens = client
            .tokens(&user.parse().expect("user"))
            .list()
            .await
            .expect("tokens");
        assert_eq!(tokens.len(), 1, "{tokens:?}");
        let acl: Vec<_> = client
            .acl()
            .list()
            .await
            .expect("acl")
            .into_iter()
            .filter(|e| e.path == format!("/pool/{p}"))
            .collect();
        assert_eq!(acl.len(), 1, "{acl:?}");
        assert_eq!(
            client
                .roles()
                .get(&p.parse().expect("role"))
                .await
                .expect("role")
                .privs
                .len(),
            1
        );
        client
            .groups()
            .get(&p.parse().expect("group"))
            .await
            .expect("group");
        client
            .pools()
            .get(&p.parse().expect("pool"))
            .await
            .expect("pool");
    });
    // The adopted token's secret (if kept) must work.
    let value = workdir.resource_attributes("pve_user_token.t")["value"].clone();
    assert!(
        value.as_str().is_some_and(|v| !v.is_empty()),
        "adopted token has no usable secret"
    );
    workdir.destroy();
}

/// Terraform with the same environment as `Workdir`, but with the provider
/// behind a wrapper that records its pid, so the test can kill it.
fn spawn_apply_with_pid_file(
    target: &Target,
    workdir: &Workdir,
) -> (std::process::Child, std::path::PathBuf) {
    let dir = workdir.path();
    let pid_file = dir.join("provider-pids");
    let wrapper_dir = dir.join("wrapper");
    std::fs::create_dir_all(&wrapper_dir).expect("wrapper dir");
    let script = wrapper_dir.join("terraform-provider-pve");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\necho $$ >> '{}'\nexec '{}' \"$@\"\n",
            pid_file.display(),
            provider_dir().join("terraform-provider-pve").display()
        ),
    )
    .expect("write wrapper");
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let rc = dir.join("kill.terraformrc");
    std::fs::write(
        &rc,
        format!(
            "provider_installation {{\n  dev_overrides {{\n    \"registry.terraform.io/pve-rs/pve\" = \"{}\"\n  }}\n}}\n",
            wrapper_dir.display()
        ),
    )
    .expect("write CLI config");
    let mut command = std::process::Command::new(terraform_bin());
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("PROXMOX_VE_") {
            command.env_remove(key);
        }
    }
    let child = command
        .args([
            "apply",
            "-auto-approve",
            "-input=false",
            "-no-color",
            "-parallelism=10",
        ])
        .current_dir(dir)
        .env_remove("TF_LOG")
        .env("TF_CLI_CONFIG_FILE", &rc)
        .env("CHECKPOINT_DISABLE", "1")
        .env("TF_IN_AUTOMATION", "1")
        .envs(target.provider_env())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn terraform");
    (child, pid_file)
}

/// `terraform import` for every "already exists … terraform import T.NAME
/// ID" diagnostic, using the resource address the diagnostic is attached to.
fn import_reported_conflicts(workdir: &Workdir, output: &str) -> usize {
    let mut imported = 0;
    for block in output.split("Error: ").skip(1) {
        let Some(address) = block
            .lines()
            .find_map(|l| l.trim().strip_prefix("with "))
            .map(|a| a.trim_end_matches(',').to_string())
        else {
            continue;
        };
        // Terraform wraps long lines: search the block with spaces only.
        let flat = block.split_whitespace().collect::<Vec<_>>().join(" ");
        let Some(rest) = flat.split("terraform import ").nth(1) else {
            continue;
        };
        let Some((_, id_part)) = rest.split_once(' ') else {
            continue;
        };
        let id = if let Some(quoted) = id_part.strip_prefix('\'') {
            quoted.split('\'').next().unwrap_or_default()
        } else {
            id_part
                .split(['`', ' ', '\n', ')'])
                .next()
                .unwrap_or_default()
        };
        workdir.import(&address, id);
        imported += 1;
    }
    imported
}

#[test]
fn provider_killed_mid_apply_then_next_apply_converges() {
    let Some(target) = simulated() else { return };
    let sim = target.sim().expect("simulated");
    let workdir = Workdir::new(&target);
    let prefix = target.unique("kp");
    let n = 25;
    workdir.config(&config(&prefix, n));
    // Slow writes so the kill lands in the middle of the apply.
    sim.set_faults(pve_sim::FaultConfig {
        latency_ms: 20,
        ..Default::default()
    });
    let writes = || {
        let stats = sim.stats();
        stats
            .by_route
            .iter()
            .filter(|(k, _)| k.starts_with("POST "))
            .map(|(_, v)| *v)
            .sum::<u64>()
    };
    let before = writes();
    let (mut child, pid_file) = spawn_apply_with_pid_file(&target, &workdir);
    // Wait (bounded) until a third of the creates reached the server.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(90);
    while writes() < before + (4 * n as u64) / 3 {
        assert!(
            std::time::Instant::now() < deadline,
            "apply made no progress"
        );
        assert!(
            child.try_wait().expect("poll terraform").is_none(),
            "apply ended before the kill"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let pids = std::fs::read_to_string(&pid_file).expect("provider pid file");
    let pid = pids
        .lines()
        .last()
        .expect("a provider pid")
        .trim()
        .to_string();
    let killed = std::process::Command::new("kill")
        .args(["-KILL", &pid])
        .status()
        .expect("kill");
    assert!(killed.success(), "could not kill provider {pid}");
    let output = child.wait_with_output().expect("terraform result");
    assert_ne!(
        output.status.code(),
        Some(0),
        "apply survived a killed provider?"
    );
    sim.set_faults(pve_sim::FaultConfig::default());

    // Objects created just before the kill are on the server but not in
    // state: the provider must refuse to silently adopt them and name the
    // import command; importing them as told lets the apply converge.
    let run = apply(&workdir, 10);
    assert_no_crash(&run);
    if run.code != 0 {
        let text = run.all_output();
        assert!(
            text.contains("already"),
            "unexpected failure after the kill:\n{text}"
        );
        let imported = import_reported_conflicts(&workdir, &text);
        assert!((1..=10).contains(&imported), "imported {imported}:\n{text}");
        eprintln!("imported {imported} object(s) created just before the kill");
        let again = apply(&workdir, 10);
        assert_eq!(
            again.code,
            0,
            "apply after imports failed:\n{}",
            again.all_output()
        );
    }
    assert_exact(&target, &prefix, n);
    workdir.assert_plan_empty();
}

/// Fault injection needs the simulator; against a real PVE these tests are
/// skipped.
fn simulated() -> Option<Target> {
    let target = Target::start();
    target.sim()?;
    Some(target)
}
