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
