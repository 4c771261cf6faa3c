//! Everything the README's two commands need on a bare Debian machine with only rustup: the
//! wasm32 target, the Debian packages the tests use, a running PostgreSQL with a trusting `test`
//! database, a running RabbitMQ, and the pinned schemathesis for the API contract test.
//!
//! As root the missing pieces are installed; otherwise xtask stops at once and prints the exact
//! command to run.

use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};

const WASM_TARGET: &str = "wasm32-unknown-unknown";
/// The schemathesis release the contract test is written against (PyPI).
pub const SCHEMATHESIS: &str = "schemathesis==4.32.5";
const PG_ADDR: &str = "127.0.0.1:5432";
const AMQP_ADDR: &str = "127.0.0.1:5672";

/// Adds the wasm32 target to the pinned toolchain when it lacks it (rustup does not always do it
/// from rust-toolchain.toml: `RUSTUP_AUTO_INSTALL=0`, or a toolchain installed before the file).
pub fn ensure_wasm_target(root: &Path) -> Result<()> {
    let sysroot = output(Command::new(rustc()).current_dir(root).args(["--print", "sysroot"]))?;
    if Path::new(sysroot.trim()).join("lib/rustlib").join(WASM_TARGET).is_dir() {
        return Ok(());
    }
    let mut add = Command::new("rustup");
    add.current_dir(root).args(["target", "add", WASM_TARGET]);
    crate::run(add, &format!("rustup target add {WASM_TARGET} (the UI compiles to wasm)")).with_context(|| {
        format!("the {WASM_TARGET} target is missing and rustup could not add it; install it for this toolchain")
    })
}

fn rustc() -> std::ffi::OsString {
    std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into())
}

/// Prepares the machine for `cargo xtask test`.
pub fn ensure_test_prerequisites(root: &Path) -> Result<()> {
    ensure_wasm_target(root)?;
    let mut packages = missing_debian_packages();
    let want_pg = std::env::var_os("STRATUS_TEST_PG_URL").is_none();
    if want_pg && !port_open(PG_ADDR) && !Path::new("/usr/bin/pg_ctlcluster").exists() {
        packages.push("postgresql");
    } else if want_pg && !has_command("psql") {
        packages.push("postgresql-client");
    }
    // The AMQP bridge tests cut the broker's connections with rabbitmqctl: RabbitMQ is local.
    if !port_open(AMQP_ADDR) && !has_command("rabbitmq-server") {
        packages.push("rabbitmq-server");
    }
    apt_install(&packages)?;
    if want_pg {
        ensure_postgres()?;
    }
    ensure_rabbitmq()?;
    ensure_schemathesis(root)?;
    Ok(())
}

/// The Debian packages the tests use that are not installed.
fn missing_debian_packages() -> Vec<&'static str> {
    let mut missing = Vec::new();
    for (package, present) in [
        ("chromium", has_command("chromium")),
        ("chromium-driver", has_command("chromedriver")),
        ("pkg-config", has_command("pkg-config")),
        ("libssl-dev", dpkg_installed("libssl-dev")),
        ("nodejs", has_command("node")),
        ("npm", has_command("npm")),
        ("python3-venv", python_has_venv()),
    ] {
        if !present {
            missing.push(package);
        }
    }
    missing
}

fn apt_install(packages: &[&str]) -> Result<()> {
    if packages.is_empty() {
        return Ok(());
    }
    let list = packages.join(" ");
    if !is_root() {
        bail!(
            "the tests need Debian packages that are not installed; run this, then `cargo xtask test` again:\n\n    \
             sudo apt-get update && sudo apt-get install -y {list}\n"
        );
    }
    // Another apt (an unattended upgrade, a second install) may hold dpkg's lock for a while:
    // wait for it rather than fail.
    let lock_wait = "DPkg::Lock::Timeout=300";
    let mut update = Command::new("apt-get");
    update.args(["-o", lock_wait, "update", "-qq"]);
    crate::run(update, "apt-get update")?;
    let mut install = Command::new("apt-get");
    install.args(["-o", lock_wait, "install", "-y", "-qq", "--no-install-recommends"]).args(packages);
    install.env("DEBIAN_FRONTEND", "noninteractive");
    crate::run(install, &format!("apt-get install {list}"))
}

/// PostgreSQL on 127.0.0.1:5432, trusting local TCP connections, with a database `test`.
fn ensure_postgres() -> Result<()> {
    if !port_open(PG_ADDR) {
        let versions = std::fs::read_dir("/etc/postgresql")
            .context("PostgreSQL is installed but /etc/postgresql has no cluster")?
            .filter_map(|entry| entry.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
            .collect::<Vec<_>>();
        let version = versions.iter().max().context("no PostgreSQL cluster in /etc/postgresql")?;
        require_root(&format!("pg_ctlcluster --skip-systemctl-redirect {version} main start"))?;
        let mut start = Command::new("pg_ctlcluster");
        start.args(["--skip-systemctl-redirect", version, "main", "start"]);
        crate::run(start, &format!("start PostgreSQL {version}"))?;
        wait_for_port(PG_ADDR, Duration::from_secs(30), "PostgreSQL")?;
    }
    if psql_as_test_user("select 1") {
        return Ok(());
    }
    // A fresh Debian cluster asks for passwords on TCP and has no `test` database.
    require_root("(make 127.0.0.1 trusted in pg_hba.conf and create the database test)")?;
    let hba = as_postgres("show hba_file")?;
    let hba = PathBuf::from(hba.trim());
    let text = std::fs::read_to_string(&hba).with_context(|| format!("reading {}", hba.display()))?;
    let trust = "host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\n";
    if !text.starts_with(trust) {
        std::fs::write(&hba, format!("{trust}{text}")).with_context(|| format!("writing {}", hba.display()))?;
        as_postgres("select pg_reload_conf()")?;
        eprintln!("xtask: {} now trusts 127.0.0.1 and ::1 (a test machine's setting)", hba.display());
    }
    if as_postgres("select 1 from pg_database where datname = 'test'")?.trim().is_empty() {
        as_postgres("create database test")?;
        eprintln!("xtask: created the PostgreSQL database test");
    }
    if !psql_as_test_user("select 1") {
        bail!("PostgreSQL at {PG_ADDR} still refuses postgres@test; set STRATUS_TEST_PG_URL to a database you can use");
    }
    Ok(())
}

fn psql_as_test_user(sql: &str) -> bool {
    Command::new("psql")
        .args(["-h", "127.0.0.1", "-U", "postgres", "-d", "test", "-w", "-tAc", sql])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Runs `sql` as the `postgres` system user over the local socket; its output.
fn as_postgres(sql: &str) -> Result<String> {
    output(Command::new("runuser").args(["-u", "postgres", "--", "psql", "-tAc", sql]))
}

/// RabbitMQ on 127.0.0.1:5672 (guest/guest is its default on loopback).
fn ensure_rabbitmq() -> Result<()> {
    if port_open(AMQP_ADDR) {
        return Ok(());
    }
    require_root("rabbitmq-server -detached")?;
    let mut start = Command::new("rabbitmq-server");
    start.arg("-detached");
    crate::run(start, "start RabbitMQ")?;
    wait_for_port(AMQP_ADDR, Duration::from_secs(90), "RabbitMQ")
}

/// The pinned schemathesis in a virtual environment under target/tools; its executable.
pub fn ensure_schemathesis(root: &Path) -> Result<PathBuf> {
    let venv = root.join("target").join("tools").join("schemathesis");
    let exe = venv.join("bin").join("schemathesis");
    let marker = venv.join("installed.txt");
    if exe.is_file() && std::fs::read_to_string(&marker).is_ok_and(|v| v == SCHEMATHESIS) {
        return Ok(exe);
    }
    let mut create = Command::new("python3");
    create.args(["-m", "venv"]).arg(&venv);
    crate::run(create, "python3 -m venv target/tools/schemathesis")?;
    let mut install = Command::new(venv.join("bin").join("pip"));
    install.args(["install", "--quiet", "--disable-pip-version-check", SCHEMATHESIS]);
    crate::run(install, &format!("pip install {SCHEMATHESIS} (the API contract test)"))?;
    std::fs::write(&marker, SCHEMATHESIS).context("writing the schemathesis marker")?;
    Ok(exe)
}

fn require_root(command: &str) -> Result<()> {
    if is_root() {
        return Ok(());
    }
    bail!("the tests need this to be done as root; run it, then `cargo xtask test` again:\n\n    sudo {command}\n")
}

fn is_root() -> bool {
    output(Command::new("id").arg("-u")).is_ok_and(|uid| uid.trim() == "0")
}

fn has_command(name: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(name).is_file()))
        || Path::new("/usr/sbin").join(name).is_file()
}

fn dpkg_installed(package: &str) -> bool {
    output(Command::new("dpkg-query").args(["-W", "-f=${Status}", package])).is_ok_and(|s| s.contains("ok installed"))
}

fn python_has_venv() -> bool {
    Command::new("python3")
        .args(["-c", "import ensurepip, venv"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn port_open(addr: &str) -> bool {
    let addr: SocketAddr = addr.parse().expect("a socket address");
    TcpStream::connect_timeout(&addr, Duration::from_millis(500)).is_ok()
}

fn wait_for_port(addr: &str, limit: Duration, what: &str) -> Result<()> {
    let started = Instant::now();
    while started.elapsed() < limit {
        if port_open(addr) {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    bail!("{what} did not start listening on {addr} within {} s", limit.as_secs())
}

/// Runs `command` and returns its stdout; fails when it fails.
fn output(command: &mut Command) -> Result<String> {
    let out = command.stderr(Stdio::inherit()).output().with_context(|| format!("starting {command:?}"))?;
    if !out.status.success() {
        bail!("{command:?} failed ({})", out.status);
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}
