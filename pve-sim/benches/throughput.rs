//! `cargo bench -p pve-sim`: requests per second for token-authenticated
//! GETs (concurrent) and for serialised writes, over real HTTPS.

use std::time::Instant;

use serde_json::Value;

const GETS: usize = 2000;
const CONCURRENCY: usize = 16;
const WRITES: usize = 300;

#[tokio::main]
async fn main() {
    let sim = pve_sim::start(pve_sim::SimOptions::default())
        .await
        .expect("throughput bench setup");
    let client = reqwest::Client::builder()
        .add_root_certificate(
            reqwest::Certificate::from_pem(sim.ca_cert_pem().as_bytes())
                .expect("throughput bench setup"),
        )
        .build()
        .expect("throughput bench setup");
    let url = sim.url().to_string();
    let login: Value = client
        .post(format!("{url}/api2/json/access/ticket"))
        .form(&[("username", "root@pam"), ("password", sim.root_password())])
        .send()
        .await
        .expect("throughput bench setup")
        .json()
        .await
        .expect("throughput bench setup");
    let ticket = login["data"]["ticket"]
        .as_str()
        .expect("throughput bench setup")
        .to_string();
    let csrf = login["data"]["CSRFPreventionToken"]
        .as_str()
        .expect("throughput bench setup")
        .to_string();
    let cookie = format!("PVEAuthCookie={ticket}");
    let token: Value = client
        .post(format!("{url}/api2/json/access/users/root@pam/token/bench"))
        .header("cookie", &cookie)
        .header("CSRFPreventionToken", &csrf)
        .form(&[("privsep", "0")])
        .send()
        .await
        .expect("throughput bench setup")
        .json()
        .await
        .expect("throughput bench setup");
    let auth = format!(
        "PVEAPIToken=root@pam!bench={}",
        token["data"]["value"]
            .as_str()
            .expect("throughput bench setup")
    );

    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..CONCURRENCY {
        let client = client.clone();
        let url = url.clone();
        let auth = auth.clone();
        tasks.push(tokio::spawn(async move {
            for _ in 0..GETS / CONCURRENCY {
                let r = client
                    .get(format!("{url}/api2/json/access/users"))
                    .header("authorization", &auth)
                    .send()
                    .await
                    .expect("throughput bench setup");
                assert_eq!(r.status(), 200);
                r.bytes().await.expect("throughput bench setup");
            }
        }));
    }
    for t in tasks {
        t.await.expect("throughput bench setup");
    }
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "token GET /access/users: {GETS} requests, {CONCURRENCY} concurrent: {:.0} req/s",
        GETS as f64 / elapsed
    );

    let started = Instant::now();
    for i in 0..WRITES {
        let r = client
            .post(format!("{url}/api2/json/access/groups"))
            .header("authorization", &auth)
            .form(&[("groupid", format!("bench{i}"))])
            .send()
            .await
            .expect("throughput bench setup");
        assert_eq!(r.status(), 200);
    }
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "serialised writes POST /access/groups: {WRITES} requests: {:.0} req/s",
        WRITES as f64 / elapsed
    );
    let stats = sim.stats();
    println!("requests counted by /_sim/stats: {}", stats.total);
    sim.shutdown().await;
}
