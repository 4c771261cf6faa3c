//! The peers Stratus is measured against, each started on a loopback port for one run: the
//! seed's function container (Node.js express `server.js` requiring `handler.js`, minus Docker)
//! and Cloudflare's Workers runtime (`workerd`, from the npm package, which ships its binary),
//! serving the same hello.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use tokio::process::{Child, Command};

/// The npm package of the Workers runtime, pinned.
const WORKERD: &str = "workerd@1.20261123.1";

const SERVER_JS: &str = r#"// The seed's function container: express serving handler.js.
const express = require('express');
const handler = require('./handler');
const app = express();
app.use(express.text({ type: '*/*' }));
app.all('*', async (req, res) => {
  const event = { body: req.body, headers: req.headers, method: req.method, query: req.query, path: req.path };
  const context = {};
  try {
    const result = await handler(event, context);
    res.status(200).json(result);
  } catch (e) {
    res.status(500).send(String(e));
  }
});
app.listen(Number(process.env.PORT), '127.0.0.1');
"#;

/// One Workers-shaped module on one loopback socket.
fn workerd_config(port: u16) -> String {
    format!(
        r#"using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [(name = "main", worker = .hello)],
  sockets = [(name = "http", address = "127.0.0.1:{port}", http = (), service = "main")],
);
const hello :Workerd.Worker = (
  modules = [(name = "hello.js", esModule = embed "hello.js")],
  compatibilityDate = "2024-09-23",
);
"#
    )
}

fn bench_dir(name: &str) -> Option<PathBuf> {
    let dir = harness::workspace_root().join("target").join(name);
    std::fs::create_dir_all(&dir).ok()?;
    Some(dir)
}

/// `npm install PACKAGE` into `dir` unless `installed` is there already.
fn npm_install(dir: &Path, package: &str, installed: &Path) -> Option<()> {
    if installed.exists() {
        return Some(());
    }
    std::fs::write(dir.join("package.json"), r#"{"name":"stratus-bench-peer","private":true}"#).ok()?;
    let status = std::process::Command::new("npm")
        .args(["install", "--no-audit", "--no-fund", "--silent", package])
        .current_dir(dir)
        .status()
        .ok()?;
    status.success().then_some(())
}

fn spawn(mut command: Command) -> Option<Child> {
    command.stdout(Stdio::null()).stderr(Stdio::null()).kill_on_drop(true).spawn().ok()
}

/// The seed's express server with `handler` as `handler.js`, on `port`.
pub fn start_node(port: u16, handler: &str) -> Option<Child> {
    let dir = bench_dir("bench-node")?;
    std::fs::write(dir.join("server.js"), SERVER_JS).ok()?;
    std::fs::write(dir.join("handler.js"), handler).ok()?;
    npm_install(&dir, "express@4", &dir.join("node_modules").join("express"))?;
    let mut command = Command::new("node");
    command.arg("server.js").current_dir(&dir).env("PORT", port.to_string());
    spawn(command)
}

/// workerd serving the Workers-shaped `module` on `port`.
pub fn start_workerd(port: u16, module: &str) -> Option<Child> {
    let dir = bench_dir("bench-workerd")?;
    let bin = dir.join("node_modules").join(".bin").join("workerd");
    npm_install(&dir, WORKERD, &bin)?;
    std::fs::write(dir.join("hello.js"), module).ok()?;
    std::fs::write(dir.join("config.capnp"), workerd_config(port)).ok()?;
    let mut command = Command::new(bin);
    command.args(["serve", "config.capnp"]).current_dir(&dir);
    spawn(command)
}
