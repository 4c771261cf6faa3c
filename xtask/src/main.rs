//! `cargo xtask <task>`: build, serve, test and benchmark Stratus with nothing but cargo.

mod plugin;
mod setup;
mod web;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context as _, Result, bail};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Stratus developer tasks")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Build the WASM UI into target/web and the `stratus` binary.
    Build {
        /// Build the backend with the release profile.
        #[arg(long)]
        release: bool,
    },
    /// Build, then run `stratus serve --demo` with the UI; extra arguments go to `stratus serve`.
    Serve {
        #[arg(long)]
        release: bool,
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Format check, clippy, then every test: unit, integration (SQLite and PostgreSQL),
    /// Lambda protocol and headless-Chromium browser tests.
    Test {
        /// Skip rustfmt and clippy.
        #[arg(long)]
        no_lint: bool,
        /// Extra arguments for the test binaries (a name filter, `--nocapture`, …).
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Build the vCD UI plugins: target/plugin/stratus-plugin-10.5.zip and -10.6.zip (needs Node 18.13+ and npm).
    Plugin {
        /// How vCD routes the UI's API calls: `ext-api` (external endpoint, vCD 10.4+) or
        /// `amqp` (legacy API extension).
        #[arg(long, value_enum, default_value = "ext-api")]
        routing: plugin::Routing,
    },
    /// rustfmt check and clippy with warnings denied, natively and for wasm32.
    Lint,
    /// Run the benchmarks and print their figures.
    Bench {
        /// Which area: `api` (default), `functions`, `functions-peers`, `showback`, `ui`, `autoscale`, `scale`, `lifecycle` or `all`.
        #[arg(default_value = "api")]
        area: String,
    },
}

fn main() -> Result<()> {
    let root = workspace_root();
    match Cli::parse().task {
        Task::Build { release } => build(&root, release),
        Task::Serve { release, args } => serve(&root, release, &args),
        Task::Test { no_lint, args } => test(&root, no_lint, &args),
        Task::Plugin { routing } => {
            web::build_web(&root, true).and_then(|web| plugin::package(&root, &web, routing)).map(drop)
        }
        Task::Lint => lint(&root),
        Task::Bench { area } => bench(&root, &area),
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the workspace").to_path_buf()
}

fn cargo(root: &Path) -> Command {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command.current_dir(root);
    command
}

/// Runs `command`, failing with its description when it fails.
fn run(mut command: Command, what: &str) -> Result<()> {
    eprintln!("xtask: {what}");
    let status = command.status().with_context(|| format!("starting: {what}"))?;
    if !status.success() {
        bail!("{what} failed ({status})");
    }
    Ok(())
}

fn build_backend(root: &Path, release: bool) -> Result<PathBuf> {
    let mut command = cargo(root);
    command.args(["build", "-p", "stratus-backend", "--bin", "stratus"]);
    if release {
        command.arg("--release");
    }
    run(command, "build the stratus binary")?;
    Ok(root.join("target").join(if release { "release" } else { "debug" }).join("stratus"))
}

fn build(root: &Path, release: bool) -> Result<()> {
    web::build_web(root, true)?;
    let bin = build_backend(root, release)?;
    println!("stratus: {}", bin.display());
    Ok(())
}

fn serve(root: &Path, release: bool, args: &[String]) -> Result<()> {
    let web_dir = web::build_web(root, true)?;
    let bin = build_backend(root, release)?;
    let mut command = Command::new(bin);
    command.arg("serve").arg("--demo").arg("--web-dir").arg(web_dir).args(args).current_dir(root);
    // Without a real vCD, autoscale acts on the test tree's vCD simulator (never shipped).
    let has_vcd = std::env::var_os("STRATUS_VCD_URL").is_some() || args.iter().any(|a| a.starts_with("--vcd-url"));
    let mut simulator = if has_vcd { None } else { Some(start_simulator(root, release)?) };
    if let Some((_, url)) = &simulator {
        eprintln!("xtask: autoscale acts on the vCD simulator at {url}");
        command.env("STRATUS_VCD_URL", url).env("STRATUS_VCD_USER", "administrator@System");
        command.env("STRATUS_VCD_PASSWORD", "admin");
    }
    let result = run(command, "stratus serve --demo");
    if let Some((child, _)) = simulator.as_mut() {
        child.kill().ok();
    }
    result
}

/// Builds and starts `vcd-sim` on a free port; the child and its URL.
fn start_simulator(root: &Path, release: bool) -> Result<(std::process::Child, String)> {
    let mut build = cargo(root);
    build.args(["build", "-p", "stratus-vcd-sim", "--bin", "vcd-sim"]);
    if release {
        build.arg("--release");
    }
    run(build, "build the vCD simulator")?;
    let bin = root.join("target").join(if release { "release" } else { "debug" }).join("vcd-sim");
    let mut child = Command::new(bin)
        .args(["--listen", "127.0.0.1:0"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .context("starting vcd-sim")?;
    let stdout = child.stdout.take().context("vcd-sim stdout")?;
    let mut reader = std::io::BufReader::new(stdout);
    let mut first = String::new();
    std::io::BufRead::read_line(&mut reader, &mut first).context("reading vcd-sim")?;
    // Keep draining its output, so its later lines never hit a closed pipe.
    std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
    let url = first.split_whitespace().find(|w| w.starts_with("http://")).context("vcd-sim printed no URL")?;
    Ok((child, url.to_owned()))
}

fn lint(root: &Path) -> Result<()> {
    let mut fmt = cargo(root);
    fmt.args(["fmt", "--all", "--check"]);
    run(fmt, "cargo fmt --check")?;
    let mut native = cargo(root);
    native.args(["clippy", "--all-targets", "--", "-D", "warnings"]);
    run(native, "cargo clippy (native crates)")?;
    // The workspace build above enables stratus-core's `test-store` for the tests; the backend
    // alone must compile without it, which proves it reaches data only through the services.
    let mut backend = cargo(root);
    backend.args(["clippy", "-p", "stratus-backend", "--", "-D", "warnings"]);
    run(backend, "cargo clippy (backend without the tests' store access)")?;
    let mut wasm = cargo(root);
    wasm.args(["clippy", "-p", "stratus-frontend", "--target", "wasm32-unknown-unknown", "--", "-D", "warnings"]);
    run(wasm, "cargo clippy (frontend, wasm32)")
}

fn test(root: &Path, no_lint: bool, args: &[String]) -> Result<()> {
    let started = Instant::now();
    setup::ensure_test_prerequisites(root)?;
    if !no_lint {
        lint(root)?;
    }
    let web_dir = web::build_web(root, true)?;
    // The plugin test (tests/it/plugin.rs) unpacks the zip and loads it in an emulated portal.
    plugin::package(root, &web_dir, plugin::Routing::ExtApi)?;
    build_backend(root, false)?;
    let mut native = cargo(root);
    native.args(["test", "--workspace", "--exclude", "stratus-frontend", "--"]).args(args);
    run(native, "cargo test (backend, charts, api-types, end-to-end)")?;
    let mut frontend = cargo(root);
    frontend.args(["test", "-p", "stratus-frontend", "--lib", "--"]).args(args);
    run(frontend, "cargo test (frontend logic, native)")?;
    eprintln!("xtask: all tests passed in {:.0} s", started.elapsed().as_secs_f64());
    Ok(())
}

fn bench(root: &Path, area: &str) -> Result<()> {
    if matches!(area, "ui" | "showback-ui" | "all") {
        // The release binary carries the UI it is measured with.
        web::build_web(root, true)?;
    }
    build_backend(root, true)?;
    let mut command = cargo(root);
    command.args(["run", "--release", "-p", "stratus-tests", "--bin", "stratus-bench", "--", area]);
    run(command, &format!("benchmarks: {area}"))
}
