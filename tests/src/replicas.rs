//! Several real `stratus serve` processes on one database (issue #12, scale-out): a fresh
//! PostgreSQL database (or one SQLite file, for the cases that apply to one process), org
//! tokens, `kill -9`, SIGTERM and restarts, each replica's stderr (kept after it died), the
//! side channel of async attempts, and a round-robin HTTP proxy in front of the replicas.

use std::path::PathBuf;
use std::process::ExitStatus;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use api_types::Role;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::Response;
use stratus_core::store::Store;
use stratus_core::tenancy::OrgName;
use stratus_core::tokens;
use tokio::task::JoinHandle;

use crate::process::ServeProcess;
use crate::{Db, fresh_postgres_database, postgres_admin_url};

/// The org whose tenant-admin token the harness mints.
pub const ORG: &str = "acme";

/// N `stratus serve` processes on one database. Replicas are numbered from 0.
pub struct Replicas {
    pub db: Db,
    pub database_url: String,
    /// A tenant-admin token of [`ORG`].
    pub token: String,
    /// A provider token.
    pub provider: String,
    pub client: reqwest::Client,
    pub store: Store,
    dir: tempfile::TempDir,
    args: Vec<String>,
    envs: Vec<(String, String)>,
    slots: Vec<Slot>,
    backends: Backends,
    pg_database: Option<String>,
}

/// One replica: its current process and the stderr of each of its lives.
struct Slot {
    process: Option<ServeProcess>,
    logs: Vec<PathBuf>,
}

impl Replicas {
    /// Starts `n` replicas at the same moment on a fresh database of `db` (SQLite: `n` = 1),
    /// each with `--workers 2` (unless `args` sets it) and `args`.
    pub async fn start(db: Db, n: usize, args: &[&str]) -> Replicas {
        assert!(n >= 1 && (db == Db::Postgres || n == 1), "SQLite is one process; {n} replicas need PostgreSQL");
        let dir = tempfile::tempdir().expect("temp dir");
        let data_dir = dir.path().join("data");
        let (database_url, pg_database) = match db {
            Db::Sqlite => (stratus::config::sqlite_url(&data_dir.join("stratus.db")), None),
            Db::Postgres => {
                let (url, name) = fresh_postgres_database().await;
                (url, Some(name))
            }
        };
        let mut all_args = vec!["--data-dir".to_owned(), data_dir.to_string_lossy().into_owned()];
        if !args.contains(&"--workers") {
            all_args.extend(["--workers".to_owned(), "2".to_owned()]);
        }
        all_args.extend(args.iter().map(|a| (*a).to_owned()));
        // Info level carries the attempts side channel; text, whatever the caller's environment says.
        let mut envs = vec![("STRATUS_LOG".to_owned(), "info,sqlx=warn".to_owned())];
        envs.push(("STRATUS_LOG_FORMAT".to_owned(), "text".to_owned()));
        if db == Db::Postgres {
            envs.push(("DATABASE_URL".to_owned(), database_url.clone()));
        }
        let logs = dir.path().to_path_buf();
        let started =
            futures_util::future::join_all((0..n).map(|i| spawn(log_path(&logs, i, 0), &all_args, &envs))).await;
        let backends = Backends::default();
        let mut slots = Vec::new();
        for (i, process) in started.into_iter().enumerate() {
            backends.set(i, &process.base);
            slots.push(Slot { logs: vec![process.log.clone()], process: Some(process) });
        }
        // The replicas applied the migrations before printing their address.
        let store = Store::connect(&database_url).await.expect("connect to the replicas' database");
        let org = OrgName::parse(ORG).expect("a valid org name");
        let token = tokens::issue(&store, Role::TenantAdmin, Some(&org), "replicas").await.expect("a tenant token");
        let provider = tokens::issue(&store, Role::Provider, None, "replicas").await.expect("a provider token");
        Replicas {
            db,
            database_url,
            token: token.secret,
            provider: provider.secret,
            client: reqwest::Client::new(),
            store,
            dir,
            args: all_args,
            envs,
            slots,
            backends,
            pg_database,
        }
    }

    /// How many replicas there are (running or not).
    pub fn count(&self) -> usize {
        self.slots.len()
    }

    pub fn is_running(&self, i: usize) -> bool {
        self.slots[i].process.is_some()
    }

    /// The first replica that runs.
    pub fn any_running(&self) -> usize {
        (0..self.count()).find(|&i| self.is_running(i)).expect("a running replica")
    }

    fn process(&self, i: usize) -> &ServeProcess {
        self.slots[i].process.as_ref().unwrap_or_else(|| panic!("replica {i} is not running"))
    }

    /// `http://127.0.0.1:PORT` of replica `i`'s current process.
    pub fn base(&self, i: usize) -> &str {
        &self.process(i).base
    }

    pub fn url(&self, i: usize, path: &str) -> String {
        format!("{}{path}", self.base(i))
    }

    /// Kills replica `i` at once (SIGKILL), like a crash.
    pub async fn kill9(&mut self, i: usize) {
        let process = self.slots[i].process.take().unwrap_or_else(|| panic!("replica {i} is not running"));
        process.kill().await;
    }

    /// Sends SIGTERM to replica `i` and returns at once.
    pub fn sigterm(&self, i: usize) {
        let pid = self.process(i).child.id().and_then(|id| i32::try_from(id).ok());
        let pid = pid.and_then(rustix::process::Pid::from_raw).expect("a running child has a pid");
        rustix::process::kill_process(pid, rustix::process::Signal::TERM).expect("send SIGTERM");
    }

    /// Waits (at most `timeout`) until replica `i` exits and returns how.
    pub async fn wait_exit(&mut self, i: usize, timeout: Duration) -> ExitStatus {
        let mut process = self.slots[i].process.take().unwrap_or_else(|| panic!("replica {i} is not running"));
        match tokio::time::timeout(timeout, process.child.wait()).await {
            Ok(status) => status.expect("wait for the replica"),
            Err(_) => panic!("replica {i} did not exit within {timeout:?}:\n{}", self.current_log(i)),
        }
    }

    /// Starts replica `i` again (a new process, port and log) after it stopped.
    pub async fn restart(&mut self, i: usize) {
        assert!(!self.is_running(i), "replica {i} still runs");
        let log = log_path(self.dir.path(), i, self.slots[i].logs.len());
        let process = spawn(log, &self.args, &self.envs).await;
        self.backends.set(i, &process.base);
        self.slots[i].logs.push(process.log.clone());
        self.slots[i].process = Some(process);
    }

    /// Everything replica `i` printed on stderr, over all its lives (also after it died).
    pub fn logs(&self, i: usize) -> String {
        self.slots[i].logs.iter().map(|p| std::fs::read_to_string(p).unwrap_or_default()).collect()
    }

    /// What replica `i`'s current (or last) process printed.
    pub fn current_log(&self, i: usize) -> String {
        self.slots[i].logs.last().map(|p| std::fs::read_to_string(p).unwrap_or_default()).unwrap_or_default()
    }

    /// Waits (at most 30 s) until replica `i`'s current process has printed `needle`.
    pub async fn wait_logged(&self, i: usize, needle: &str) {
        let started = Instant::now();
        while !self.current_log(i).contains(needle) {
            assert!(started.elapsed() < Duration::from_secs(30), "replica {i} never logged {needle:?}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// `GET /readyz` of replica `i`: the status code and the body.
    pub async fn readyz(&self, i: usize) -> (u16, serde_json::Value) {
        let response = self.client.get(self.url(i, "/readyz")).send().await.expect("GET /readyz");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or_default())
    }

    /// Every line of the async-work side channel in every replica's logs.
    pub fn attempts(&self) -> Vec<AttemptLine> {
        let mut lines = Vec::new();
        for (replica, slot) in self.slots.iter().enumerate() {
            for (life, path) in slot.logs.iter().enumerate() {
                let text = std::fs::read_to_string(path).unwrap_or_default();
                lines.extend(parse_attempts(&text).into_iter().map(|line| AttemptLine { replica, life, ..line }));
            }
        }
        lines
    }

    /// Creates a function (`route` = `name`) through replica `i` and waits there until it is
    /// ready.
    pub async fn create_function(&self, i: usize, name: &str, code: &str) {
        let body = serde_json::json!({"name": name, "route": name, "code": code});
        let url = self.url(i, &format!("/api/org/{ORG}/functions"));
        let created = self.client.post(url).bearer_auth(&self.token).json(&body).send().await.expect("POST function");
        assert_eq!(created.status(), 202, "create {name}: {}", created.text().await.unwrap_or_default());
        self.wait_function(i, name).await;
    }

    /// Waits (at most 30 s) until replica `i` says the function's newest version is ready.
    pub async fn wait_function(&self, i: usize, name: &str) {
        let started = Instant::now();
        loop {
            let url = self.url(i, &format!("/api/org/{ORG}/functions/{name}"));
            let response = self.client.get(url).bearer_auth(&self.token).send().await.expect("GET function");
            let function: serde_json::Value = response.json().await.unwrap_or_default();
            match function["status"].as_str() {
                Some("ready") => return,
                Some("initializing") | None => {}
                Some(other) => panic!("{name} is {other}: {function}"),
            }
            assert!(started.elapsed() < Duration::from_secs(30), "{name} never became ready: {function}");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// A round-robin proxy in front of the replicas `members` (following their restarts).
    pub async fn proxy(&self, members: &[usize]) -> Proxy {
        Proxy::start(self.backends.clone(), members.to_vec()).await
    }

    /// Kills every replica and drops a PostgreSQL database.
    pub async fn shutdown(mut self) {
        for slot in &mut self.slots {
            if let Some(process) = slot.process.take() {
                process.kill().await;
            }
        }
        self.store.close().await;
        if let Some(name) = self.pg_database.take() {
            drop_database(&name).await;
        }
    }
}

fn log_path(dir: &std::path::Path, i: usize, life: usize) -> PathBuf {
    dir.join(format!("replica-{i}.{life}.log"))
}

async fn spawn(log: PathBuf, args: &[String], envs: &[(String, String)]) -> ServeProcess {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let envs: Vec<(&str, &str)> = envs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    ServeProcess::start(&args, &envs, log).await
}

async fn drop_database(name: &str) {
    sqlx::any::install_default_drivers();
    let Ok(pool) = sqlx::AnyPool::connect(&postgres_admin_url()).await else { return };
    let sql = format!("drop database if exists {name} with (force)");
    if let Err(err) = sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&pool).await {
        eprintln!("could not drop test database {name}: {err}");
    }
    pool.close().await;
}

/// One line of the side channel of async work (issue #12 contract): `attempt started
/// invocation=… attempt=N replica=…` or `attempt finished invocation=… attempt=N outcome=…`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptLine {
    /// Which replica's log, and which life (process) of it.
    pub replica: usize,
    pub life: usize,
    /// The log line's timestamp.
    pub at: Option<chrono::DateTime<chrono::Utc>>,
    pub invocation: String,
    pub attempt: u32,
    /// `None` for a start, `succeeded` or `failed` for an end.
    pub outcome: Option<String>,
}

impl AttemptLine {
    pub fn is_start(&self) -> bool {
        self.outcome.is_none()
    }
}

/// The complete attempt lines of a log (a last line still being written is left out).
pub fn parse_attempts(text: &str) -> Vec<AttemptLine> {
    let complete = text.rfind('\n').map_or("", |end| &text[..end]);
    complete.lines().filter_map(parse_attempt).collect()
}

fn parse_attempt(line: &str) -> Option<AttemptLine> {
    let (start, rest) = match (line.split_once("attempt started "), line.split_once("attempt finished ")) {
        (Some((_, rest)), _) => (true, rest),
        (None, Some((_, rest))) => (false, rest),
        (None, None) => return None,
    };
    let field = |key: &str| {
        rest.split_whitespace()
            .find_map(|pair| pair.strip_prefix(key)?.strip_prefix('='))
            .map(|value| value.trim_matches('"').to_owned())
    };
    let at = line.split_whitespace().next().and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok());
    Some(AttemptLine {
        replica: 0,
        life: 0,
        at: at.map(|t| t.with_timezone(&chrono::Utc)),
        invocation: field("invocation")?,
        attempt: field("attempt")?.parse().ok()?,
        outcome: if start { None } else { Some(field("outcome")?) },
    })
}

/// The replicas' current addresses and whether each answers `/readyz` with 200, shared by the
/// harness (which restarts them) and the proxies (which poll them).
#[derive(Clone, Default)]
struct Backends(Arc<Mutex<Vec<Backend>>>);

#[derive(Clone, Default)]
struct Backend {
    base: String,
    ready: bool,
}

impl Backends {
    /// Replica `i` is now at `base`, not ready until a poll says so.
    fn set(&self, i: usize, base: &str) {
        let mut list = self.0.lock().expect("backends lock");
        if list.len() <= i {
            list.resize(i + 1, Backend::default());
        }
        list[i] = Backend { base: base.to_owned(), ready: false };
    }

    fn base(&self, i: usize) -> String {
        self.0.lock().expect("backends lock")[i].base.clone()
    }

    fn set_ready(&self, i: usize, base: &str, ready: bool) {
        let mut list = self.0.lock().expect("backends lock");
        if list[i].base == base {
            list[i].ready = ready;
        }
    }
}

/// A tiny round-robin HTTP proxy on `127.0.0.1:0`. Like nginx with `proxy_next_upstream error`:
/// a backend that refuses the connection is skipped for the next one; a backend whose `/readyz`
/// is not 200 (polled every 100 ms) gets no requests. Each request opens a new connection to
/// its backend (nginx's default without upstream keepalive), so a stale pooled connection never
/// fails a request.
pub struct Proxy {
    pub addr: std::net::SocketAddr,
    state: Arc<ProxyState>,
    tasks: Vec<JoinHandle<()>>,
}

struct ProxyState {
    backends: Backends,
    members: Vec<usize>,
    next: AtomicUsize,
    client: reqwest::Client,
    /// Requests answered by each member (by position in `members`).
    forwarded: Vec<AtomicUsize>,
    /// Connections refused, each followed by a try of the next backend.
    refused: AtomicUsize,
}

const POLL: Duration = Duration::from_millis(100);

impl Proxy {
    async fn start(backends: Backends, members: Vec<usize>) -> Proxy {
        let client = reqwest::Client::builder().no_proxy().pool_max_idle_per_host(0).build().expect("proxy client");
        let forwarded = members.iter().map(|_| AtomicUsize::new(0)).collect();
        let state =
            Arc::new(ProxyState { backends, members, next: AtomicUsize::new(0), client, forwarded, refused: 0.into() });
        // A first round of polls before the first request, then one poller per member.
        futures_util::future::join_all(state.members.iter().map(|&i| poll_ready(&state, i))).await;
        let mut tasks: Vec<JoinHandle<()>> = state
            .members
            .iter()
            .map(|&i| {
                let state = state.clone();
                tokio::spawn(async move {
                    loop {
                        tokio::time::sleep(POLL).await;
                        poll_ready(&state, i).await;
                    }
                })
            })
            .collect();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind the proxy");
        let addr = listener.local_addr().expect("proxy address");
        let app = axum::Router::new().fallback(forward).with_state(state.clone());
        tasks.push(tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        }));
        Proxy { addr, state, tasks }
    }

    /// `http://ADDR` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Requests answered by replica `i` (a member) so far.
    pub fn forwarded(&self, i: usize) -> usize {
        let position = self.state.members.iter().position(|&m| m == i).expect("a member of the proxy");
        self.state.forwarded[position].load(Ordering::Relaxed)
    }

    /// Connections refused so far (each retried on the next backend).
    pub fn refused(&self) -> usize {
        self.state.refused.load(Ordering::Relaxed)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

async fn poll_ready(state: &ProxyState, i: usize) {
    let base = state.backends.base(i);
    let request = state.client.get(format!("{base}/readyz")).timeout(Duration::from_secs(1)).send();
    let ready = request.await.is_ok_and(|r| r.status() == 200);
    state.backends.set_ready(i, &base, ready);
}

/// Hop-by-hop headers, and those the client library sets itself.
fn passes(name: &axum::http::HeaderName) -> bool {
    !matches!(name.as_str(), "connection" | "keep-alive" | "transfer-encoding" | "content-length" | "host" | "upgrade")
}

async fn forward(State(state): State<Arc<ProxyState>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, 64 << 20).await else { return bad_gateway("unreadable request body") };
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    for (position, base) in state.order() {
        let mut upstream = state.client.request(parts.method.clone(), format!("{base}{path}"));
        for (name, value) in parts.headers.iter().filter(|(name, _)| passes(name)) {
            upstream = upstream.header(name, value);
        }
        let answer = match upstream.body(body.clone()).send().await {
            Ok(answer) => answer,
            Err(err) if err.is_connect() => {
                state.refused.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            Err(err) => return bad_gateway(&format!("{base}: {err}")),
        };
        let mut response = Response::builder().status(answer.status());
        for (name, value) in answer.headers().iter().filter(|(name, _)| passes(name)) {
            response = response.header(name, value);
        }
        let Ok(bytes) = answer.bytes().await else { return bad_gateway(&format!("{base}: body cut short")) };
        state.forwarded[position].fetch_add(1, Ordering::Relaxed);
        return response.body(Body::from(bytes)).unwrap_or_else(|_| bad_gateway("unusable response"));
    }
    bad_gateway("every backend refused the connection")
}

impl ProxyState {
    /// The members to try, from the next in turn: the ready ones, or all when none is ready.
    fn order(&self) -> Vec<(usize, String)> {
        let list = self.backends.0.lock().expect("backends lock");
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        let n = self.members.len();
        let turn: Vec<(usize, &Backend)> =
            (0..n).map(|k| (start + k) % n).map(|p| (p, &list[self.members[p]])).collect();
        let ready: Vec<(usize, String)> =
            turn.iter().filter(|(_, b)| b.ready).map(|(p, b)| (*p, b.base.clone())).collect();
        if ready.is_empty() { turn.iter().map(|(p, b)| (*p, b.base.clone())).collect() } else { ready }
    }
}

fn bad_gateway(message: &str) -> Response {
    let mut response = Response::new(Body::from(format!("proxy: {message}")));
    *response.status_mut() = axum::http::StatusCode::BAD_GATEWAY;
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attempt_lines_are_read_from_the_text_log_and_a_partial_last_line_is_left_out() {
        let log = "2026-12-04T17:55:01.123456Z  INFO stratus_core::jobs: attempt started invocation=inv_a attempt=1 \
                   replica=rep_x\n\
                   2026-12-04T17:55:01.200000Z  INFO stratus::http: something else\n\
                   2026-12-04T17:55:01.300000Z  INFO stratus_core::jobs: attempt finished invocation=inv_a attempt=1 \
                   outcome=\"succeeded\"\n\
                   2026-12-04T17:55:01.400000Z  INFO stratus_core::jobs: attempt started invocation=inv_b at";
        let lines = parse_attempts(log);
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(lines[0].is_start() && lines[0].invocation == "inv_a" && lines[0].attempt == 1);
        assert_eq!(lines[0].at.map(|t| t.timestamp_subsec_micros()), Some(123_456));
        assert_eq!((lines[1].outcome.as_deref(), lines[1].attempt), (Some("succeeded"), 1));
    }
}
