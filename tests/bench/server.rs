//! A `stratus serve` process for a benchmark: its own data dir, a tenant token for acme and a
//! provider token, started (and restarted) on a free loopback port.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use tokio::process::{Child, Command};

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("port")
}

pub(crate) async fn wait_ready(client: &reqwest::Client, url: &str) {
    for _ in 0..600 {
        if client.get(url).send().await.is_ok_and(|r| r.status().is_success()) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("{url} never became ready");
}

fn spawn(data_dir: &Path, port: u16, env: &[(String, String)]) -> Child {
    Command::new(harness::process::stratus_bin())
        .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--data-dir"])
        .arg(data_dir)
        .env("STRATUS_LOG", "warn")
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(data_dir.join("server.log")).map_or_else(|_| Stdio::null(), Stdio::from))
        .kill_on_drop(true)
        .spawn()
        .expect("start stratus")
}

/// `stratus token create ARGS --data-dir DIR`: the token.
fn mint(data_dir: &str, args: &[&str]) -> String {
    let out = harness::process::run_stratus(&[&["token", "create"], args, &["--data-dir", data_dir]].concat(), &[]);
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

pub(crate) struct BenchServer {
    pub(crate) data: tempfile::TempDir,
    port: u16,
    pub(crate) base: String,
    pub(crate) client: reqwest::Client,
    /// A tenant-admin token of org acme.
    pub(crate) token: String,
    pub(crate) provider: String,
    /// Extra environment of the process (a vCD to talk to).
    env: Vec<(String, String)>,
    child: Option<Child>,
}

impl BenchServer {
    /// Tokens first (through the CLI), then the server, ready. `keep` leaves the data dir (and
    /// the server log) behind.
    pub(crate) async fn start(prefix: &str, keep: bool) -> BenchServer {
        Self::start_with(prefix, keep, Vec::new()).await
    }

    /// [`Self::start`] with extra environment variables for the process.
    pub(crate) async fn start_with(prefix: &str, keep: bool, env: Vec<(String, String)>) -> BenchServer {
        let data = tempfile::Builder::new().prefix(prefix).disable_cleanup(keep).tempdir().expect("temp dir");
        let data_dir = data.path().to_str().unwrap();
        let token = |args: &[&str]| mint(data_dir, args);
        let (tenant, provider) = (token(&["--org", "acme", "--role", "tenant-admin"]), token(&["--role", "provider"]));
        let port = free_port();
        let mut server = BenchServer {
            data,
            port,
            base: format!("http://127.0.0.1:{port}"),
            client: reqwest::Client::new(),
            token: tenant,
            provider,
            env,
            child: None,
        };
        server.launch().await;
        server
    }

    /// Starts the process and waits until it is ready.
    pub(crate) async fn launch(&mut self) {
        self.child = Some(spawn(self.data.path(), self.port, &self.env));
        wait_ready(&self.client, &format!("{}/readyz", self.base)).await;
    }

    pub(crate) async fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().await.ok();
        }
    }

    /// Sets acme's function limits (provider API).
    pub(crate) async fn set_limits(&self, limits: serde_json::Value) {
        self.set_org_limits("acme", &limits).await;
    }

    pub(crate) async fn set_org_limits(&self, org: &str, limits: &serde_json::Value) {
        let url = format!("{}/api/provider/orgs/{org}/limits", self.base);
        let put = self.client.put(url).bearer_auth(&self.provider).json(limits).send().await.expect("limits");
        assert!(put.status().is_success(), "setting {org}'s limits: {}", put.status());
    }
}
