//! Where the end-to-end tests send their API calls: an in-process pve-sim by
//! default, or a real Proxmox VE host when `PVE_TEST_TARGET=real` (then
//! `PROXMOX_VE_ENDPOINT` and `PROXMOX_VE_API_TOKEN` say which, as for the
//! provider itself).

use std::future::Future;
use std::sync::atomic::{AtomicU32, Ordering};

use proxmox_client::Client;

/// A PVE API endpoint plus an admin client for checking results out of band.
pub struct Target {
    runtime: tokio::runtime::Runtime,
    sim: Option<pve_sim::RunningSim>,
    endpoint: String,
    api_token: String,
    ca_pem: Option<String>,
    insecure: bool,
    client: Client,
    run_id: String,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The API token is a secret: never print it.
        f.debug_struct("Target")
            .field("endpoint", &self.endpoint)
            .field("simulated", &self.sim.is_some())
            .finish_non_exhaustive()
    }
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

impl Target {
    /// Starts pve-sim (or connects to the real host when asked).
    pub fn start() -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("tokio runtime");
        if std::env::var("PVE_TEST_TARGET").as_deref() == Ok("real") {
            Self::real(runtime)
        } else {
            Self::simulated(runtime)
        }
    }

    /// A simulated cluster of `nodes` nodes (`pve1` … over one shared
    /// state), with a short lock timeout so that a write refused for lack
    /// of quorum costs 200 ms, not PVE's 10 s. Always simulated: failover
    /// tests take nodes down.
    pub fn start_cluster(nodes: usize) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("tokio runtime");
        Self::simulated_with(
            runtime,
            pve_sim::SimOptions {
                nodes,
                lock_timeout: std::time::Duration::from_millis(200),
                ..pve_sim::SimOptions::default()
            },
        )
    }

    /// The URLs of the simulated nodes, in order (one outside cluster mode).
    pub fn node_urls(&self) -> Vec<String> {
        self.sim
            .as_ref()
            .map(|sim| sim.nodes().into_iter().map(|node| node.url).collect())
            .unwrap_or_else(|| vec![self.endpoint.clone()])
    }

    /// An admin client that talks to `url` only.
    pub fn client_for_node(&self, url: &str) -> Client {
        let _guard = self.runtime.enter();
        Self::client_for(url, &self.api_token, self.ca_pem.as_deref(), self.insecure)
    }

    fn simulated(runtime: tokio::runtime::Runtime) -> Self {
        Self::simulated_with(runtime, pve_sim::SimOptions::default())
    }

    fn simulated_with(runtime: tokio::runtime::Runtime, options: pve_sim::SimOptions) -> Self {
        let sim = runtime
            .block_on(pve_sim::start(options))
            .expect("start pve-sim");
        let endpoint = sim.url().to_string();
        let ca_pem = sim.ca_cert_pem().to_string();
        let root_password = sim.root_password().to_string();
        // Bootstrap a root token the way an admin would, then use only that.
        let api_token = runtime.block_on(async {
            let root = Client::builder(&endpoint)
                .ca_pem(ca_pem.clone())
                .password("root@pam".parse().expect("user id"), root_password.as_str())
                .build()
                .expect("root client");
            let token = root
                .tokens(&"root@pam".parse().expect("user id"))
                .create(
                    &"e2e".parse().expect("token name"),
                    &proxmox_client::CreateToken {
                        privsep: Some(false),
                        comment: Some("end-to-end tests".into()),
                        ..Default::default()
                    },
                )
                .await
                .expect("create root token");
            format!("{}={}", token.id, token.secret.expose())
        });
        let client = Self::client_for(&endpoint, &api_token, Some(&ca_pem), false);
        Target {
            runtime,
            sim: Some(sim),
            endpoint,
            api_token,
            ca_pem: Some(ca_pem),
            insecure: false,
            client,
            run_id: String::new(),
        }
    }

    fn real(runtime: tokio::runtime::Runtime) -> Self {
        let endpoint = std::env::var("PROXMOX_VE_ENDPOINT").expect("PROXMOX_VE_ENDPOINT");
        let api_token = std::env::var("PROXMOX_VE_API_TOKEN").expect("PROXMOX_VE_API_TOKEN");
        let ca_pem = std::env::var("PROXMOX_VE_CA_CERTIFICATE").ok();
        let insecure = matches!(
            std::env::var("PROXMOX_VE_INSECURE").as_deref(),
            Ok("1") | Ok("true")
        );
        let client = {
            let _guard = runtime.enter();
            Self::client_for(&endpoint, &api_token, ca_pem.as_deref(), insecure)
        };
        // Objects on a shared host get a per-run suffix so runs do not collide.
        let run_id = format!("{:x}", std::process::id());
        Target {
            runtime,
            sim: None,
            endpoint,
            api_token,
            ca_pem,
            insecure,
            client,
            run_id,
        }
    }

    fn client_for(endpoint: &str, api_token: &str, ca_pem: Option<&str>, insecure: bool) -> Client {
        let mut builder = Client::builder(endpoint)
            .api_token(api_token.parse().expect("API token"))
            .insecure(insecure);
        if let Some(pem) = ca_pem {
            builder = builder.ca_pem(pem.to_string());
        }
        builder.build().expect("admin client")
    }

    /// Environment that configures `provider "pve" {}` for this target.
    pub fn provider_env(&self) -> Vec<(String, String)> {
        let mut env = vec![
            ("PROXMOX_VE_ENDPOINT".to_string(), self.endpoint.clone()),
            ("PROXMOX_VE_API_TOKEN".to_string(), self.api_token.clone()),
        ];
        if let Some(pem) = &self.ca_pem {
            env.push(("PROXMOX_VE_CA_CERTIFICATE".to_string(), pem.clone()));
        }
        if self.insecure {
            env.push(("PROXMOX_VE_INSECURE".to_string(), "true".to_string()));
        }
        env
    }

    /// An admin client for out-of-band checks and changes.
    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The simulator, when the target is simulated.
    pub fn sim(&self) -> Option<&pve_sim::RunningSim> {
        self.sim.as_ref()
    }

    /// Runs an async API call to completion.
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }

    /// A name unique to this test run, safe for ids on a shared real host.
    pub fn unique(&self, prefix: &str) -> String {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        if self.run_id.is_empty() {
            format!("{prefix}{n}")
        } else {
            format!("{prefix}{}x{n}", self.run_id)
        }
    }
}

impl Drop for Target {
    fn drop(&mut self) {
        if let Some(sim) = self.sim.take() {
            self.runtime.block_on(sim.shutdown());
        }
    }
}
