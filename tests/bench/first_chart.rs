//! The UI in headless Chromium, on the release `stratus serve --demo` (with the UI built into it)
//! and the vCD simulator: the size of what a first visit downloads (target/web: raw, gzip and the
//! Brotli file the server sends), then the time from navigation start to the tenant dashboard's
//! first chart SVG, cold (new Chromium per load) and warm (one session, assets cached), to the
//! first row of the functions list and to the autoscale rule page's title.
//!
//! The timings are taken inside the page, not with WebDriver round-trips: a probe installed with
//! CDP `Page.addScriptToEvaluateOnNewDocument` runs before any script of the document, records
//! `performance.now()` when `WebAssembly.instantiate[Streaming]` resolves and, from a
//! `MutationObserver`, when each scenario's target lands (`.chart > svg`, a list row, the rule
//! title). The downloads of the shell's `.wasm` and of the area's modules, and the API
//! responses, come from Resource Timing. `performance.now()` counts from the navigation start, so
//! every figure is milliseconds since navigation start.
//! WebDriver only navigates, polls for the probe's result and reads it afterwards.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context as _, Result, bail};
use fantoccini::wd::WebDriverCompatibleCommand;
use flate2::Compression;
use flate2::write::GzEncoder;
use harness::browser::Browser;
use serde::Deserialize;
use serde_json::json;

/// Page loads measured in each mode (after one load that is not counted).
const LOADS: usize = 10;
/// The files a first visit downloads, as `cargo xtask build` lays them out: (stem, extension).
const WASM: (&str, &str) = ("stratus_frontend_bg", "wasm");
const JS_GLUE: (&str, &str) = ("stratus_frontend", "js");
const CSS: (&str, &str) = ("style", "css");
const LOADER: (&str, &str) = ("__wasm_split", "js");

/// Installed before any script of every new document of the session.
const PROBE: &str = r#"(() => {
  if (window.__stratusBench) return;
  const bench = window.__stratusBench = { wasmInstantiated: null, lastInstantiated: null, marks: {}, firstChartId: null };
  for (const name of ['instantiateStreaming', 'instantiate']) {
    const original = WebAssembly[name];
    if (typeof original !== 'function') continue;
    WebAssembly[name] = function (...args) {
      return original.apply(this, args).then((result) => {
        if (bench.wasmInstantiated === null) bench.wasmInstantiated = performance.now();
        // The area's modules instantiate after the shell's.
        bench.lastInstantiated = performance.now();
        return result;
      });
    };
  }
  // What each scenario waits for: the first chart, the first real row of the functions list,
  // the autoscale rule page's title.
  const targets = {
    chart: '.chart > svg',
    list: '#page-functions .datagrid-table tbody tr:not(.skeleton-row)',
    rule: '#rule-title',
  };
  const seen = () => {
    for (const [key, selector] of Object.entries(targets)) {
      if (bench.marks[key] !== undefined) continue;
      const found = document.querySelector(selector);
      if (!found) continue;
      bench.marks[key] = performance.now();
      if (key === 'chart') bench.firstChartId = found.parentElement.id;
    }
  };
  new MutationObserver(seen).observe(document, { childList: true, subtree: true });
})();"#;

/// Whether the probe has seen the target `arguments[0]` (`chart`, `list` or `rule`) yet.
const DONE: &str = "return !!(window.__stratusBench && window.__stratusBench.marks[arguments[0]] !== undefined);";

/// The probe's marks plus navigation and resource timing, all in ms since navigation start.
const READ: &str = r#"
const bench = window.__stratusBench;
const target = bench.marks[arguments[0]];
const nav = performance.getEntriesByType('navigation')[0];
const resources = performance.getEntriesByType('resource');
const path = (r) => new URL(r.name).pathname;
const wasm = resources.find((r) => path(r).includes('/stratus_frontend_bg.') && path(r).endsWith('.wasm'));
const wasmBefore = resources.filter((r) => path(r).endsWith('.wasm') && r.responseEnd <= target);
const api = resources.filter((r) => path(r).startsWith('/api/')).sort((a, b) => a.responseEnd - b.responseEnd);
const before = api.filter((r) => r.responseEnd <= target);
return {
  target: target,
  first_chart_id: bench.firstChartId,
  wasm_instantiated: bench.wasmInstantiated,
  last_instantiated: bench.lastInstantiated !== null && bench.lastInstantiated <= target ? bench.lastInstantiated : null,
  html_received: nav ? nav.responseEnd : null,
  wasm_start: wasm ? wasm.startTime : null,
  wasm_received: wasm ? wasm.responseEnd : null,
  wasm_transfer_bytes: wasm ? wasm.transferSize : null,
  wasm_files_before: wasmBefore.length,
  last_wasm_received: wasmBefore.length ? Math.max(...wasmBefore.map((r) => r.responseEnd)) : null,
  wasm_transfer_before: wasmBefore.reduce((sum, r) => sum + r.transferSize, 0),
  first_api_received: api.length ? api[0].responseEnd : null,
  first_api_path: api.length ? path(api[0]) : null,
  api_before_chart: before.length,
  last_api_before_chart: before.length ? before[before.length - 1].responseEnd : null,
};
"#;

#[derive(Debug, Deserialize)]
struct Sample {
    target: f64,
    first_chart_id: Option<String>,
    wasm_instantiated: Option<f64>,
    /// The last module instantiated before the target: the area's.
    last_instantiated: Option<f64>,
    html_received: Option<f64>,
    wasm_start: Option<f64>,
    wasm_received: Option<f64>,
    wasm_transfer_bytes: Option<f64>,
    /// The shell's module and the area's (with the chunks it shares) fetched before the target.
    wasm_files_before: usize,
    last_wasm_received: Option<f64>,
    wasm_transfer_before: f64,
    first_api_received: Option<f64>,
    first_api_path: Option<String>,
    api_before_chart: usize,
    last_api_before_chart: Option<f64>,
}

pub async fn run() {
    println!("== showback UI: release `stratus serve --demo`, tenant dashboard in headless Chromium ==");
    let web = harness::workspace_root().join("target").join("web");
    if !web.join("index.html").is_file() || harness::web_asset(&web, WASM.0, WASM.1).is_none() {
        println!("web      skipped: the UI is not built in {}: run `cargo xtask build`", web.display());
        return;
    }
    sizes(&web);
    let driver = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !Path::new(&driver).is_file() || !Path::new(&chromium).is_file() {
        println!("chromium skipped: {driver} or {chromium} is missing: apt-get install chromium chromium-driver");
        return;
    }
    println!("chromium load average before: {}", load_average());
    if let Err(err) = first_chart().await {
        println!("chromium failed: {err:#}");
    }
    println!("chromium load average after:  {}", load_average());
}

/// `/proc/loadavg`'s 1, 5 and 15 minute averages: the measurements share the machine.
fn load_average() -> String {
    let text = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let averages: Vec<&str> = text.split_whitespace().take(3).collect();
    format!(
        "{} (1, 5, 15 min; {} cores)",
        averages.join(" "),
        std::thread::available_parallelism().map_or(0, |n| n.get())
    )
}

// ---- sizes ----

fn gzip_len(bytes: &[u8], level: u32) -> usize {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::new(level));
    encoder.write_all(bytes).expect("gzip into memory");
    encoder.finish().expect("gzip into memory").len()
}

fn kib(bytes: f64) -> f64 {
    bytes / 1024.0
}

/// A file's raw, Brotli (the `.br` beside it) and gzip -9 sizes, in bytes.
fn file_sizes(path: &Path) -> Option<[u64; 3]> {
    let bytes = std::fs::read(path).ok()?;
    let mut br = path.as_os_str().to_owned();
    br.push(".br");
    let brotli = std::fs::metadata(PathBuf::from(br)).map_or(0, |m| m.len());
    Some([bytes.len() as u64, brotli, gzip_len(&bytes, 9) as u64])
}

fn size_line(what: &str, [raw, brotli, gzip]: [u64; 3], detail: &str) {
    let [raw, brotli, gzip] = [raw, brotli, gzip].map(|b| kib(b as f64));
    println!("web      {what:<30} raw {raw:>7.1} KiB  brotli {brotli:>6.1} KiB  gzip -9 {gzip:>6.1} KiB  {detail}");
}

fn sizes(web: &Path) {
    let built =
        harness::web_asset(web, WASM.0, WASM.1).and_then(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok());
    let stale = built.is_some_and(|built| {
        ["frontend", "charts/src", "api-types/src"]
            .iter()
            .filter_map(|dir| newest_mtime(&harness::workspace_root().join(dir)))
            .any(|source| source > built)
    });
    let age = built.and_then(|t| t.elapsed().ok()).map_or("?".into(), |a| format!("{:.0} min", a.as_secs_f64() / 60.0));
    println!(
        "web      {} built {age} ago{}",
        web.display(),
        if stale { " (frontend sources changed since: figures are of the older build)" } else { "" }
    );
    let mut shell = [0; 3];
    for ((stem, ext), what) in
        [(WASM, "wasm: the shell"), (JS_GLUE, "JS glue"), (LOADER, "JS area loader"), (CSS, "style.css")]
    {
        let Some(sizes) = harness::web_asset(web, stem, ext).as_deref().and_then(file_sizes) else {
            println!("web      {what:<30} {stem}.*.{ext} missing");
            continue;
        };
        if ext == "wasm" {
            shell = sizes;
        }
        size_line(what, sizes, "");
    }
    // Which modules each area's first page fetches, as `cargo xtask build` wrote them.
    let manifest = web.with_file_name("web-areas.json");
    let areas: std::collections::BTreeMap<String, Vec<String>> =
        std::fs::read(&manifest).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default();
    for (area, files) in &areas {
        let mut sum = [0; 3];
        for file in files {
            let sizes = file_sizes(&web.join(file)).unwrap_or_default();
            sum = [0, 1, 2].map(|i| sum[i] + sizes[i]);
        }
        size_line(&format!("wasm: {area}"), sum, &format!("({} files)", files.len()));
        let first_visit = [0, 1, 2].map(|i| sum[i] + shell[i]);
        size_line(&format!("  shell + {area}"), first_visit, "(a first visit to the area)");
    }
}

/// The newest modification time of the files under `dir`.
fn newest_mtime(dir: &Path) -> Option<SystemTime> {
    let mut newest = None;
    let mut stack: Vec<PathBuf> = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).ok()?.flatten() {
            let Ok(meta) = entry.metadata() else { continue };
            if meta.is_dir() {
                stack.push(entry.path());
            } else if let Ok(modified) = meta.modified() {
                newest = newest.max(Some(modified));
            }
        }
    }
    newest
}

// ---- the server ----

/// `stratus serve --demo` (the release binary beside this one) on a fresh SQLite data dir.
struct DemoServer {
    child: tokio::process::Child,
    base: String,
    tenant_token: String,
    _data_dir: tempfile::TempDir,
}

impl DemoServer {
    /// The release binary with the UI built into it, on the vCD simulator at `vcd` (for the
    /// demo's autoscale rule).
    async fn start(vcd: &str) -> Result<Self> {
        let data_dir = tempfile::tempdir().context("temp dir")?;
        let log = data_dir.path().join("server.log");
        let child = tokio::process::Command::new(harness::process::stratus_bin())
            .args(["serve", "--demo", "--listen", "127.0.0.1:0", "--collector-tick", "0", "--workers", "1"])
            .arg("--data-dir")
            .arg(data_dir.path())
            .env("STRATUS_LOG", "warn")
            .env("STRATUS_VCD_URL", vcd)
            .env("STRATUS_VCD_USER", "administrator@System")
            .env("STRATUS_VCD_PASSWORD", vcd_sim::PASSWORD)
            .env_remove("DATABASE_URL")
            .env_remove("AWS_LAMBDA_RUNTIME_API")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).context("server log")?)
            .kill_on_drop(true)
            .spawn()
            .context("starting stratus serve --demo")?;
        // The demo prints one ready-to-open URL per tenant, then the address it listens on.
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(120) {
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            let base = text
                .lines()
                .find_map(|l| l.split_once("running at ").and_then(|(_, rest)| rest.split_whitespace().next()));
            let token = text
                .lines()
                .find(|l| l.trim_start().starts_with("acme (tenant-admin)"))
                .and_then(|l| l.rsplit_once("#token="))
                .map(|(_, token)| token.trim());
            if let (Some(base), Some(token)) = (base, token) {
                return Ok(Self { child, base: base.to_owned(), tenant_token: token.to_owned(), _data_dir: data_dir });
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        bail!("stratus serve --demo printed no URL in 120 s: {}", std::fs::read_to_string(&log).unwrap_or_default())
    }

    /// The page at `hash` for acme's tenant admin.
    fn page_url(&self, hash: &str) -> String {
        format!("{}/{hash}&token={}", self.base, self.tenant_token)
    }

    /// The id of the demo's autoscale rule.
    async fn demo_rule(&self) -> Result<String> {
        let url = format!("{}/api/org/acme/autoscale/rules", self.base);
        let rules: serde_json::Value =
            reqwest::Client::new().get(url).bearer_auth(&self.tenant_token).send().await?.json().await?;
        rules["items"][0]["id"].as_str().map(str::to_owned).context("the demo has no autoscale rule")
    }

    async fn stop(mut self) {
        self.child.kill().await.ok();
    }
}

// ---- the browser ----

/// A Chrome DevTools Protocol command through chromedriver's `goog/cdp/execute` endpoint.
#[derive(Debug)]
struct Cdp {
    cmd: &'static str,
    params: serde_json::Value,
}

/// fantoccini's URL types are `url`'s, which reqwest re-exports.
type Url = reqwest::Url;
type UrlError = <Url as std::str::FromStr>::Err;

impl WebDriverCompatibleCommand for Cdp {
    fn endpoint(&self, base_url: &Url, session_id: Option<&str>) -> Result<Url, UrlError> {
        base_url.join(&format!("session/{}/goog/cdp/execute", session_id.unwrap_or_default()))
    }

    fn method_and_body(&self, _request_url: &Url) -> (reqwest::Method, Option<String>) {
        (reqwest::Method::POST, Some(json!({ "cmd": self.cmd, "params": self.params }).to_string()))
    }
}

async fn cdp(browser: &Browser, cmd: &'static str, params: serde_json::Value) -> Result<()> {
    browser.client.issue_cmd(Cdp { cmd, params }).await.with_context(|| format!("CDP {cmd}"))?;
    Ok(())
}

/// A Chromium session (fresh profile) with the probe installed.
async fn browser() -> Result<Browser> {
    let browser = Browser::start().await;
    cdp(&browser, "Page.addScriptToEvaluateOnNewDocument", json!({ "source": PROBE })).await?;
    Ok(browser)
}

/// One page load of `url`; the probe's figures once `target` (`chart`, `list`, `rule`) is there.
async fn load(browser: &Browser, url: &str, target: &str) -> Result<Sample> {
    browser.client.goto("about:blank").await.context("about:blank")?;
    browser.client.goto(url).await.with_context(|| format!("open {url}"))?;
    let started = Instant::now();
    loop {
        let done = browser.client.execute(DONE, vec![json!(target)]).await.context("poll the probe")?;
        if done.as_bool() == Some(true) {
            break;
        }
        if started.elapsed() > Duration::from_secs(30) {
            bail!("no {target} in the page after 30 s");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let value = browser.client.execute(READ, vec![json!(target)]).await.context("read the probe")?;
    serde_json::from_value(value.clone()).with_context(|| format!("the probe's figures: {value}"))
}

/// `LOADS` cold loads of `url`, each in a new Chromium (fresh profile, empty HTTP and code
/// caches), after one that is not counted (it warms the server and the OS file cache).
async fn cold_loads(url: &str, target: &str) -> Result<Vec<Sample>> {
    let mut samples = Vec::with_capacity(LOADS);
    for i in 0..=LOADS {
        let browser = browser().await?;
        let sample = load(&browser, url, target).await;
        browser.close().await;
        if i > 0 {
            samples.push(sample?);
        }
    }
    Ok(samples)
}

/// `LOADS` warm loads of `url` in one session after a first visit: the HTTP cache holds the
/// content-hashed assets, so only `index.html` and the API calls go to the server.
async fn warm_loads(url: &str, target: &str) -> Result<Vec<Sample>> {
    let browser = browser().await?;
    let mut samples = Vec::with_capacity(LOADS);
    for i in 0..=LOADS {
        let sample = load(&browser, url, target).await;
        if i > 0 {
            samples.push(sample?);
        }
    }
    browser.close().await;
    Ok(samples)
}

async fn first_chart() -> Result<()> {
    let sim = vcd_sim::Simulator::start().await;
    let server = DemoServer::start(sim.url()).await?;
    println!("chromium {} tenant acme; ms from navigation start, measured in the page", server.base);

    let dashboard = server.page_url("#/showback");
    report("cold", "#/showback, first chart; new Chromium + profile per load", &cold_loads(&dashboard, "chart").await?);
    report("warm", "#/showback, first chart; one session, assets cached", &warm_loads(&dashboard, "chart").await?);
    let functions = server.page_url("#/functions");
    summary_line("cold", "#/functions, first row of the list", &cold_loads(&functions, "list").await?);
    let rule = server.page_url(&format!("#/autoscale/{}", server.demo_rule().await?));
    summary_line("cold", "#/autoscale/<rule>, the rule page", &cold_loads(&rule, "rule").await?);

    server.stop().await;
    Ok(())
}

// ---- figures ----

/// Median, 90th percentile and maximum of a sample of milliseconds.
struct Spread {
    p50: f64,
    p90: f64,
    max: f64,
    n: usize,
}

impl Spread {
    fn of(mut samples: Vec<f64>) -> Option<Self> {
        if samples.is_empty() {
            return None;
        }
        samples.sort_by(f64::total_cmp);
        let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
        Some(Self { p50: at(0.5), p90: at(0.9), max: at(1.0), n: samples.len() })
    }
}

impl std::fmt::Display for Spread {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "p50 {:>7.1} ms  p90 {:>7.1} ms  max {:>7.1} ms  (n={})", self.p50, self.p90, self.max, self.n)
    }
}

/// One line: the time to the scenario's target and the API calls before it.
fn summary_line(mode: &str, what: &str, samples: &[Sample]) {
    let target = Spread::of(samples.iter().map(|s| s.target).collect());
    let calls = Spread::of(samples.iter().map(|s| s.api_before_chart as f64).collect()).map_or(0.0, |s| s.p50);
    match target {
        Some(spread) => println!("chromium {mode:<8} {what:<40} {spread}; {calls:.0} API responses before it"),
        None => println!("chromium {mode:<8} {what:<40} not recorded"),
    }
}

fn report(mode: &str, how: &str, samples: &[Sample]) {
    let line = |name: &str, pick: &dyn Fn(&Sample) -> Option<f64>| {
        let values = samples.iter().filter_map(pick).collect();
        match Spread::of(values) {
            Some(spread) => println!("chromium {mode:<8} {name:<28} {spread}"),
            None => println!("chromium {mode:<8} {name:<28} not recorded"),
        }
    };
    println!("chromium {mode:<8} {how}:");
    line("html received", &|s| s.html_received);
    line("wasm request start", &|s| s.wasm_start);
    line("wasm downloaded (shell)", &|s| s.wasm_received);
    line("last wasm downloaded (area)", &|s| s.last_wasm_received);
    line("wasm instantiated (shell)", &|s| s.wasm_instantiated);
    line("last wasm instantiated (area)", &|s| s.last_instantiated);
    let first_api = samples.iter().find_map(|s| s.first_api_path.clone()).unwrap_or_default();
    line(&format!("first API response {first_api}"), &|s| s.first_api_received);
    line("last API response pre-chart", &|s| s.last_api_before_chart);
    line("first chart svg in the DOM", &|s| Some(s.target));
    line("  download + instantiate", &|s| Some(s.wasm_instantiated? - s.wasm_start?));
    line("  instantiated → first chart", &|s| Some(s.target - s.wasm_instantiated?));
    let mut charts: Vec<(String, usize)> = Vec::new();
    for id in samples.iter().filter_map(|s| s.first_chart_id.clone()) {
        match charts.iter_mut().find(|(seen, _)| *seen == id) {
            Some((_, n)) => *n += 1,
            None => charts.push((id, 1)),
        }
    }
    let charts: Vec<String> = charts.iter().map(|(id, n)| format!("#{id} {n}×")).collect();
    let calls = Spread::of(samples.iter().map(|s| s.api_before_chart as f64).collect()).map_or(0.0, |s| s.p50);
    let median = |values: Vec<f64>| Spread::of(values).map_or(0.0, |s| s.p50);
    let transfer = kib(median(samples.iter().filter_map(|s| s.wasm_transfer_bytes).collect()));
    let all_wasm = kib(median(samples.iter().map(|s| s.wasm_transfer_before).collect()));
    let files = median(samples.iter().map(|s| s.wasm_files_before as f64).collect());
    let charts = charts.join(", ");
    println!(
        "chromium {mode:<8} first chart: {charts}; {calls:.0} API responses before it (p50); shell wasm sent \
         {transfer:.1} KiB, {files:.0} wasm files {all_wasm:.1} KiB in all"
    );
}
