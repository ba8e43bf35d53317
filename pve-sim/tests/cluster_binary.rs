//! The `pve-sim --nodes 3` binary: a ready line listing every node, one
//! access log per node.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use reqwest::Client;
use serde_json::Value;

const ROOT_PW: &str = "cluster-binary-test-pw";

#[test]
fn binary_ready_line_lists_every_node_and_logs_per_node() {
    use std::io::{BufRead as _, BufReader};
    use std::process::{Command, Stdio};

    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("access.log");
    let mut child = Command::new(env!("CARGO_BIN_EXE_pve-sim"))
        .args(["--listen", "127.0.0.1:0", "--nodes", "3", "--access-log"])
        .arg(&log)
        .env("PVE_SIM_ROOT_PASSWORD", ROOT_PW)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let ready: Value = serde_json::from_str(&line).unwrap();
    let nodes = ready["nodes"].as_array().unwrap();
    let names: Vec<&str> = nodes.iter().map(|n| n["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["pve1", "pve2", "pve3"]);
    assert_eq!(ready["url"], nodes[0]["url"]);
    assert_eq!(ready["fingerprint"], nodes[0]["fingerprint"]);
    for node in nodes {
        assert!(
            node["url"]
                .as_str()
                .unwrap()
                .starts_with("https://127.0.0.1:")
        );
        assert_eq!(node["fingerprint"].as_str().unwrap().split(':').count(), 32);
    }
    let pem = std::fs::read(ready["ca_cert"].as_str().unwrap()).unwrap();

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let url2 = nodes[1]["url"].as_str().unwrap().to_string();
    runtime.block_on(async {
        let client = Client::builder()
            .add_root_certificate(reqwest::Certificate::from_pem(&pem).unwrap())
            .build()
            .unwrap();
        let response = client
            .get(format!("{url2}/api2/json/version"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401);
    });

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    assert!(child.wait().unwrap().success());
    let on = |node: &str| {
        std::fs::read_to_string(dir.path().join(format!("access.log.{node}"))).unwrap()
    };
    assert!(
        on("pve2").contains("\"GET /api2/json/version HTTP/1.1\" 401"),
        "{}",
        on("pve2")
    );
    assert!(!on("pve1").contains("/version"), "{}", on("pve1"));
}
