//! Drives the real `pve-sim` binary over TLS: ready line, fingerprint,
//! CA file, a login, the raw status line with PVE's reason phrase, and a
//! clean exit on SIGTERM.

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};

use serde_json::Value;

#[tokio::test]
async fn binary_serves_https_and_prints_one_ready_line() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("access.log");
    let mut child = Command::new(env!("CARGO_BIN_EXE_pve-sim"))
        .args(["--listen", "127.0.0.1:0", "--state-dir"])
        .arg(dir.path().join("state"))
        .arg("--access-log")
        .arg(&log)
        .env("PVE_SIM_ROOT_PASSWORD", "binary-test-pw")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let ready: Value = serde_json::from_str(&line).unwrap();
    let url = ready["url"].as_str().unwrap().to_string();
    let fingerprint = ready["fingerprint"].as_str().unwrap();
    assert!(url.starts_with("https://127.0.0.1:"));
    assert_eq!(fingerprint.split(':').count(), 32);
    let pem = std::fs::read(ready["ca_cert"].as_str().unwrap()).unwrap();

    let client = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&pem).unwrap())
        .build()
        .unwrap();
    let response = client
        .post(format!("{url}/api2/json/access/ticket"))
        .form(&[("username", "root@pam"), ("password", "binary-test-pw")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["data"]["username"], "root@pam");

    let response = client
        .get(format!("{url}/api2/json/access/users"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert!(response.bytes().await.unwrap().is_empty());

    // SIGTERM: clean exit 0, access log flushed in pveproxy format.
    let pid = child.id().to_string();
    let status = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(status.success());
    let exit = child.wait().unwrap();
    assert!(exit.success(), "{exit:?}");
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        text.lines().any(|l| l.contains(" - root@pam [")
            || l.contains("\"POST /api2/json/access/ticket HTTP/1.1\" 200")),
        "{text}"
    );
    assert!(
        text.contains("\"GET /api2/json/access/users HTTP/1.1\" 401 0"),
        "{text}"
    );
}
