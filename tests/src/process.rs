//! The `stratus` binary as a child process.

use std::path::PathBuf;
use std::process::{Command, Output};

/// Path of the `stratus` binary: `$STRATUS_BIN`, or `stratus` beside the test's target dir.
pub fn stratus_bin() -> PathBuf {
    if let Some(path) = std::env::var_os("STRATUS_BIN") {
        return PathBuf::from(path);
    }
    let exe = std::env::current_exe().expect("current exe");
    // A test runs as target/<profile>/deps/it-<hash>, a bench binary as target/<profile>/stratus-bench:
    // either way `stratus` is in target/<profile>.
    let dir = exe.parent().expect("the executable's directory");
    let profile_dir = if dir.ends_with("deps") { dir.parent().expect("target profile dir") } else { dir };
    let bin = profile_dir.join("stratus");
    assert!(
        bin.is_file(),
        "{} is missing: build it with `cargo build -p stratus-backend --bin stratus` (cargo xtask test does)",
        bin.display()
    );
    bin
}

/// Runs `stratus ARGS…` to completion.
pub fn run_stratus(args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut command = Command::new(stratus_bin());
    command.args(args).env_remove("DATABASE_URL").env_remove("AWS_LAMBDA_RUNTIME_API");
    for (key, value) in envs {
        command.env(key, value);
    }
    command.output().expect("run stratus")
}

/// `stratus serve` as a child process on a free port, killed when dropped.
pub struct ServeProcess {
    pub child: tokio::process::Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// Where its stderr goes.
    pub log: PathBuf,
}

impl ServeProcess {
    /// Starts `stratus serve --listen 127.0.0.1:0 ARGS…` with `envs`, its stderr in `log`, and
    /// waits (up to two minutes) until it prints the address it listens on.
    pub async fn start(args: &[&str], envs: &[(&str, &str)], log: PathBuf) -> ServeProcess {
        let mut command = tokio::process::Command::new(stratus_bin());
        command.args(["serve", "--listen", "127.0.0.1:0"]).args(args);
        command.env_remove("DATABASE_URL").env_remove("AWS_LAMBDA_RUNTIME_API");
        for (key, value) in envs {
            command.env(key, value);
        }
        let stderr = std::fs::File::create(&log).expect("create the server log");
        let mut child = command
            .stdout(std::process::Stdio::null())
            .stderr(stderr)
            .kill_on_drop(true)
            .spawn()
            .expect("start stratus serve");
        let started = std::time::Instant::now();
        while started.elapsed() < std::time::Duration::from_secs(120) {
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            let base =
                text.lines().find_map(|l| l.split_once("running at ").and_then(|(_, r)| r.split_whitespace().next()));
            if let Some(base) = base {
                return ServeProcess { child, base: base.to_owned(), log };
            }
            // A refused flag or an unreachable database ends the process: say so now.
            if let Ok(Some(status)) = child.try_wait() {
                panic!("stratus serve exited ({status}) before printing its address: {text}");
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("stratus serve printed no address in 120 s: {}", std::fs::read_to_string(&log).unwrap_or_default());
    }

    /// Everything it printed so far.
    pub fn output(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Kills it at once (SIGKILL): no graceful shutdown, like a crash.
    pub async fn kill(mut self) {
        self.child.kill().await.ok();
    }
}
