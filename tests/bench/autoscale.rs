//! Autoscale: how fast an alert reaches vCD, how many evaluations the engine and the whole
//! service path make per second, and whether 100 concurrent copies of one alert scale out once.
//!
//! Stratus runs in this process (the harness' `TestApp`, release build) against the vCD
//! simulator; the simulator stamps every request it logs, so "first vCD call" is the first
//! request it received after the alert was sent (same host, same wall clock).

use std::collections::BTreeMap;
use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use api_types::{ActionSummary, AutoscaleEvent, Direction, Evaluation, ListResponse, Role, RuleWithSecret, Thresholds};
use harness::vcd::start_with_vcd;
use harness::{Db, TestApp};
use serde_json::{Value, json};
use stratus_core::autoscale::engine::{self, Input, Policy, Reading};
use vcd_sim::{RequestRecord, Simulator, unix_nanos};

/// Measured alert → scale-out round trips per database (after `WARM_UP` unmeasured ones).
const ITERATIONS: usize = 60;
const WARM_UP: usize = 3;
/// Copies of one alert fired at once, and how many times (each on a fresh rule and simulator).
const STORM: usize = 100;
const STORM_RUNS: usize = 5;

pub async fn run() {
    println!("== autoscale: alert → vCD, evaluations per second, duplicate alert storms ==");
    println!("load at start: {}", load_average());
    println!("(Stratus in-process, release build, against the vCD simulator on loopback; simulator tasks take 10 ms)");
    for db in [Db::Sqlite, Db::Postgres] {
        alert_latency(db).await;
    }
    engine_rate();
    for db in [Db::Sqlite, Db::Postgres] {
        evaluation_path(db).await;
    }
    for db in [Db::Sqlite, Db::Postgres] {
        storms(db).await;
    }
    println!("load at end: {}", load_average());
}

/// `uptime`'s load average (the whole line if it has none).
fn load_average() -> String {
    let out = std::process::Command::new("uptime").output().map(|o| String::from_utf8_lossy(&o.stdout).into_owned());
    let line = out.unwrap_or_else(|e| format!("uptime failed: {e}"));
    let line = line.trim();
    line.find("load average").map_or(line, |at| &line[at..]).to_owned()
}

// ---------------------------------------------------------------------------------------------
// Stratus + simulator + one rule.

struct Bench {
    app: TestApp,
    sim: Simulator,
    token: String,
    rule: String,
    secret: String,
}

impl Bench {
    /// A fresh simulator, Stratus on `db`, and a rule on acme's `web-app` (2 VMs, 1..=4, step 1,
    /// no cooldowns and no stabilization window, so every fresh signal is evaluated on its own).
    async fn start(db: Db) -> Bench {
        let (app, sim) = start_with_vcd(db).await;
        sim.state().set_task_duration(Duration::from_millis(10));
        let token = app.token(Role::TenantAdmin, Some("acme")).await;
        let mut bench = Bench { app, sim, token, rule: String::new(), secret: String::new() };
        let spec = json!({
            "name": "web",
            "template": bench.pick("templates", "web-template").await,
            "vapp": bench.pick("vapps", "web-app").await,
            "edge_gateway": bench.pick("edge-gateways", "edge-v").await,
            "lb_pool": "web-pool",
            "cpu": {"scale_out": 80, "scale_in": 30},
            "memory": {"scale_out": 85, "scale_in": 40},
            "min_vms": 1, "max_vms": 4, "step": 1,
            "stabilization_secs": 0, "scale_in_cooldown_secs": 0, "scale_out_cooldown_secs": 0,
        });
        let response =
            bench.app.client.post(bench.app.url("/api/org/acme/autoscale/rules")).bearer_auth(&bench.token).json(&spec);
        let response = response.send().await.expect("create rule");
        assert_eq!(response.status(), 201, "create rule: {}", response.text().await.unwrap_or_default());
        let created: RuleWithSecret = response.json().await.expect("rule");
        bench.rule = created.rule.id;
        bench.secret = created.webhook_secret;
        bench
    }

    async fn stop(self) {
        self.app.shutdown().await;
    }

    async fn get<T: serde::de::DeserializeOwned>(&self, path: &str) -> T {
        let response = self.app.get(path, &self.token).await;
        assert_eq!(response.status(), 200, "GET {path}");
        response.json().await.expect("JSON body")
    }

    async fn pick(&self, list: &str, name: &str) -> String {
        let objects: ListResponse<api_types::VcdObject> =
            self.get(&format!("/api/org/acme/autoscale/vcd/{list}")).await;
        objects.items.into_iter().find(|o| o.name == name).unwrap_or_else(|| panic!("no {list} named {name}")).id
    }

    fn alert_url(&self) -> String {
        self.app.url("/api/autoscale/alerts/vrops")
    }

    fn push_url(&self) -> String {
        self.app.url(&format!("/api/org/acme/autoscale/rules/{}/metrics", self.rule))
    }

    async fn push(&self, cpu: f64, memory: f64) -> Evaluation {
        let request = self.app.client.post(self.push_url()).bearer_auth(&self.token);
        let response = request.json(&json!({"cpu": cpu, "memory": memory})).send().await.expect("push");
        assert_eq!(response.status(), 200, "push metrics");
        response.json().await.expect("evaluation")
    }

    async fn actions(&self) -> Vec<ActionSummary> {
        let list: ListResponse<ActionSummary> =
            self.get(&format!("/api/org/acme/autoscale/rules/{}/actions", self.rule)).await;
        list.items
    }

    /// Waits until the action's closing timeline event is written: that comes after its last
    /// vCD call, so nothing of this action reaches the simulator afterwards. True if it succeeded.
    async fn finished(&self, action: &str) -> bool {
        let path = format!("/api/org/acme/autoscale/rules/{}/events?limit=50", self.rule);
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let events: ListResponse<AutoscaleEvent> = self.get(&path).await;
            let closing = events.items.iter().find(|e| {
                e.action_id.as_deref() == Some(action)
                    && (e.message.contains(" succeeded in ") || e.message.contains(" rolled back"))
            });
            if let Some(event) = closing {
                return event.message.contains(" succeeded in ");
            }
            assert!(Instant::now() < deadline, "action {action} did not finish");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

/// A vROps REST-notification alert on acme's vApp.
fn vrops_alert(id: &str, name: &str, update: i64) -> Value {
    json!({
        "alertId": id, "alertName": name, "status": "ACTIVE",
        "criticality": "ALERT_CRITICALITY_LEVEL_WARNING", "type": "ALERT_TYPE_APPLICATION_PROBLEM",
        "resourceId": "a7e1c2f0-vrops-web-app", "resourceName": "web-app",
        "startDate": 1_700_000_000_000_i64, "updateDate": update,
    })
}

fn is_recompose(r: &RequestRecord) -> bool {
    r.method == "POST" && r.path.ends_with("/action/recomposeVApp")
}

/// `GET /api/vApp/{id}`: ids (anything long with digits) folded so requests group by kind.
fn request_kind(r: &RequestRecord) -> String {
    let path: Vec<&str> = r
        .path
        .split('/')
        .map(|s| if s.len() > 16 && s.chars().any(|c| c.is_ascii_digit()) { "{id}" } else { s })
        .collect();
    format!("{} {}", r.method, path.join("/"))
}

fn since(start_nanos: u64, at_nanos: u64) -> Duration {
    Duration::from_nanos(at_nanos.saturating_sub(start_nanos))
}

// ---------------------------------------------------------------------------------------------
// Summaries: median and p90.

fn quantile(sorted: &[Duration], q: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// `median   1.234 ms  p90   2.345 ms  max   3.456 ms  (n=60)`.
fn summary(samples: &mut [Duration]) -> String {
    if samples.is_empty() {
        return "no samples".into();
    }
    samples.sort();
    format!(
        "median {:>8.3} ms  p90 {:>8.3} ms  max {:>8.3} ms  (n={})",
        ms(quantile(samples, 0.5)),
        ms(quantile(samples, 0.9)),
        ms(quantile(samples, 1.0)),
        samples.len()
    )
}

fn median_f64(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

// ---------------------------------------------------------------------------------------------
// 1. Alert received → first vCD call.

/// Each iteration: a fresh alert id and updateDate ("web-app CPU high") scales 2 → 3; after the
/// action's last vCD call, a pushed low reading (cpu 10%, memory 10%) scales back 3 → 2, so the
/// next alert meets the same group. The request log is cleared before each alert.
async fn alert_latency(db: Db) {
    let bench = Bench::start(db).await;
    let name = format!("{db:?}");
    let (mut first_call, mut recompose, mut answer) = (Vec::new(), Vec::new(), Vec::new());
    let mut first_kinds: BTreeMap<String, usize> = BTreeMap::new();
    let mut before_answer = 0;
    let mut misses = Vec::new();
    for i in 0..WARM_UP + ITERATIONS {
        bench.sim.state().clear_request_log();
        let alert = vrops_alert(&format!("bench-{i}"), "web-app CPU high", 1_700_000_000_000 + i as i64 * 1000);
        let request = bench.app.client.post(bench.alert_url()).basic_auth(&bench.rule, Some(&bench.secret));
        let sent = unix_nanos();
        let response = request.json(&alert).send().await.expect("send alert");
        let status = response.status();
        let body = response.bytes().await.expect("alert answer");
        let answered = unix_nanos();
        let evaluation: Option<Evaluation> = serde_json::from_slice(&body).ok();
        let action = evaluation.as_ref().and_then(|e| e.action_id.clone());
        let Some(action) = action.filter(|_| status == 201) else {
            misses.push(format!("#{i}: {status} {}", String::from_utf8_lossy(&body)));
            continue;
        };
        let succeeded = bench.finished(&action).await;
        let log = bench.sim.state().request_log();
        if i >= WARM_UP {
            let first = log.iter().filter(|r| r.at_unix_nanos >= sent).min_by_key(|r| r.at_unix_nanos);
            let first_recompose =
                log.iter().filter(|r| r.at_unix_nanos >= sent && is_recompose(r)).min_by_key(|r| r.at_unix_nanos);
            answer.push(since(sent, answered));
            if let Some(first) = first {
                first_call.push(since(sent, first.at_unix_nanos));
                *first_kinds.entry(request_kind(first)).or_default() += 1;
            }
            if let Some(r) = first_recompose {
                recompose.push(since(sent, r.at_unix_nanos));
                before_answer += usize::from(r.at_unix_nanos <= answered);
            }
            if !succeeded {
                misses.push(format!("#{i}: scale-out {action} rolled back"));
            }
        }
        // Back to 2 VMs for the next alert.
        let shrink = bench.push(10.0, 10.0).await;
        match shrink.action_id {
            Some(action) => {
                bench.finished(&action).await;
            }
            None => misses.push(format!("#{i}: reset did not scale in: {}", shrink.decision.reason)),
        }
    }
    println!(
        "-- alert → vCD ({name}, {ITERATIONS} alerts after {WARM_UP} warm-up; each scales 2 → 3, then metrics scale back) --"
    );
    println!("{name:<9} alert → first vCD call     {}", summary(&mut first_call));
    println!("{name:<9} alert → first recompose    {}", summary(&mut recompose));
    println!("{name:<9} alert → HTTP answer (ctx)  {}", summary(&mut answer));
    let kinds: Vec<String> = first_kinds.iter().map(|(k, n)| format!("{k} ×{n}")).collect();
    println!("{name:<9} first vCD call was: {}", kinds.join(", "));
    println!("{name:<9} recompose reached vCD before the HTTP answer in {before_answer}/{} alerts", recompose.len());
    if !misses.is_empty() {
        println!("!!! {name}: {} iteration(s) did not go as planned:", misses.len());
        for miss in misses.iter().take(10) {
            println!("!!!   {miss}");
        }
    }
    bench.stop().await;
}

// ---------------------------------------------------------------------------------------------
// 2a. The engine alone.

fn policy(cpu_out: f64, cpu_in: f64, stabilization_ms: i64) -> Policy {
    Policy {
        cpu: Thresholds { scale_out: cpu_out, scale_in: cpu_in },
        memory: Thresholds { scale_out: 85.0, scale_in: 40.0 },
        tolerance_pct: 2.0,
        min_vms: 1,
        max_vms: 10,
        step: 1,
        scale_out_cooldown_ms: 300_000,
        scale_in_cooldown_ms: 600_000,
        stabilization_ms,
    }
}

/// `decide` on a round-robin of realistic inputs: 5 runs over the mix, then 5 runs per input.
fn engine_rate() {
    const NOW: i64 = 1_700_000_000_000;
    let plain = policy(80.0, 30.0, 0);
    let windowed = policy(80.0, 30.0, 300_000);
    let touchy = policy(50.0, 30.0, 0);
    // 20 recommendations, one every 20 s, reaching back past the 300 s window; all ask for 2.
    let low: Vec<(i64, u32)> = (0..20).map(|k| (NOW - 400_000 + k * 20_000, 2)).collect();
    // The same, but 60 s ago one asked for 3: the window does not agree yet.
    let mut recent_high = low.clone();
    recent_high[17].1 = 3;
    let base = |policy, current, cpu, memory, history| Input {
        now_ms: NOW,
        policy,
        current,
        cpu,
        memory,
        last_scale_out_ms: Some(NOW - 3_600_000),
        last_scale_in_ms: Some(NOW - 7_200_000),
        history,
    };
    let mut cooling = base(&plain, 3, Reading::Value(91.0), Reading::Value(60.0), &[]);
    cooling.last_scale_out_ms = Some(NOW - 40_000);
    let scenarios: Vec<(&str, Input<'_>)> = vec![
        ("scale-out (cpu 92%)", base(&plain, 2, Reading::Value(92.0), Reading::Value(55.0), &[])),
        ("scale-out (vROps alert)", base(&plain, 2, Reading::AlertHigh, Reading::Missing, &[])),
        ("hold (within thresholds)", base(&plain, 3, Reading::Value(55.0), Reading::Value(60.0), &[])),
        ("hold (stale + missing)", base(&plain, 3, Reading::Stale { age_secs: 900 }, Reading::Missing, &[])),
        ("hold (scale-out cooldown)", cooling),
        ("scale-in, 20-point window", base(&windowed, 3, Reading::Value(12.0), Reading::Value(20.0), &low)),
        ("hold, 20-point window", base(&windowed, 3, Reading::Value(12.0), Reading::Value(20.0), &recent_high)),
        ("hold (flapping guard)", base(&touchy, 2, Reading::Value(28.0), Reading::Value(20.0), &[])),
    ];
    println!("-- engine::decide (pure; 5 runs each, median) --");
    let mix_per_run = 1_000_000;
    let mut rates = Vec::new();
    let mut per_eval = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        for k in 0..mix_per_run {
            let (_, input) = &scenarios[k % scenarios.len()];
            black_box(engine::decide(black_box(input)));
        }
        let elapsed = started.elapsed();
        rates.push(mix_per_run as f64 / elapsed.as_secs_f64());
        per_eval.push(elapsed.as_secs_f64() * 1e9 / mix_per_run as f64);
    }
    println!(
        "{:<34} {:>12.0} evaluations/s  {:>7.1} ns/evaluation  ({mix_per_run} per run)",
        "mix of the 8 inputs below",
        median_f64(&mut rates),
        median_f64(&mut per_eval)
    );
    let per_run = 200_000;
    for (name, input) in &scenarios {
        let decision = engine::decide(input);
        let mut rates = Vec::new();
        for _ in 0..5 {
            let started = Instant::now();
            for _ in 0..per_run {
                black_box(engine::decide(black_box(input)));
            }
            rates.push(per_run as f64 / started.elapsed().as_secs_f64());
        }
        let rate = median_f64(&mut rates);
        let outcome = match decision.direction {
            Direction::ScaleOut => format!("scale-out {} → {}", decision.from, decision.to),
            Direction::ScaleIn => format!("scale-in {} → {}", decision.from, decision.to),
            Direction::None => format!("hold at {}", decision.from),
        };
        println!("  {name:<32} {rate:>12.0} evaluations/s  {:>7.1} ns/evaluation  → {outcome}", 1e9 / rate);
    }
}

// ---------------------------------------------------------------------------------------------
// 2b. The whole evaluation path through the service.

/// Pushes cpu 50% / memory 60% (both within thresholds: every evaluation holds, no action runs)
/// from `clients` closed loops for 3 runs of 2 s. Each push records the sample and a timeline
/// event, reads the vApp from vCD, reads the readings and history, runs the engine and records
/// the decision.
async fn evaluation_path(db: Db) {
    let bench = Bench::start(db).await;
    let name = format!("{db:?}");
    for _ in 0..20 {
        bench.push(50.0, 60.0).await;
    }
    println!("-- full evaluation path ({name}): push metrics over HTTP → decision recorded (hold; 3 runs × 2 s) --");
    for clients in [1, 8] {
        let mut latencies = Vec::new();
        let mut rates = Vec::new();
        let mut started_actions = 0;
        let mut failures = 0;
        for _ in 0..3 {
            let (mut samples, actions, failed, rate) = push_load(&bench, clients, Duration::from_secs(2)).await;
            latencies.append(&mut samples);
            started_actions += actions;
            failures += failed;
            rates.push(rate);
        }
        let rate = median_f64(&mut rates);
        println!("{name:<9} {clients} client(s) {rate:>8.0} evaluations/s  {}", summary(&mut latencies));
        if started_actions > 0 || failures > 0 {
            println!("!!! {name}: {started_actions} push(es) started an action, {failures} failed");
        }
    }
    let actions = bench.actions().await;
    if !actions.is_empty() {
        println!("!!! {name}: the hold rule has {} action(s)", actions.len());
    }
    bench.stop().await;
}

/// Latencies, pushes that started an action, failed pushes, evaluations per second.
async fn push_load(bench: &Bench, clients: usize, duration: Duration) -> (Vec<Duration>, usize, usize, f64) {
    let started = Instant::now();
    let deadline = started + duration;
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (client, url, token) = (bench.app.client.clone(), bench.push_url(), bench.token.clone());
        tasks.push(tokio::spawn(async move {
            let (mut samples, mut actions, mut failed) = (Vec::new(), 0, 0);
            let body = json!({"cpu": 50.0, "memory": 60.0});
            while Instant::now() < deadline {
                let sent = Instant::now();
                let response = client.post(&url).bearer_auth(&token).json(&body).send().await.expect("push");
                let ok = response.status() == 200;
                let evaluation: Option<Evaluation> = response.json().await.ok();
                samples.push(sent.elapsed());
                match evaluation {
                    Some(e) if ok => actions += usize::from(e.action_id.is_some()),
                    _ => failed += 1,
                }
            }
            (samples, actions, failed)
        }));
    }
    let (mut all, mut actions, mut failed) = (Vec::new(), 0, 0);
    for task in tasks {
        let (mut samples, a, f) = task.await.expect("client task");
        all.append(&mut samples);
        actions += a;
        failed += f;
    }
    let rate = (all.len() - failed) as f64 / started.elapsed().as_secs_f64();
    (all, actions, failed, rate)
}

// ---------------------------------------------------------------------------------------------
// 3. 100 concurrent duplicate alerts.

struct StormResult {
    wall: Duration,
    created: usize,
    with_action: usize,
    fresh: usize,
    actions: usize,
    recomposes: usize,
    vms_after: usize,
}

/// `STORM_RUNS` times, on a fresh simulator and rule: `STORM` tasks post the same alert at once
/// (released together by a barrier; no cooldown on the rule, so only deduplication and the
/// one-running-action index stand between them and more scale-outs).
async fn storms(db: Db) {
    let name = format!("{db:?}");
    println!(
        "-- {STORM} concurrent copies of one vROps alert ({name}, {STORM_RUNS} runs, fresh rule and simulator each) --"
    );
    let mut exactly_one = 0;
    for run in 1..=STORM_RUNS {
        let bench = Bench::start(db).await;
        let r = storm(&bench).await;
        let one = r.with_action == 1 && r.actions == 1 && r.recomposes == 1;
        exactly_one += usize::from(one);
        println!(
            "{name:<9} run {run}: {STORM} alerts answered in {:>8.1} ms  201s {:>3}  with action_id {:>2}  non-duplicate {:>2}  \
             actions {:>2}  recompose calls {:>2}  VMs 2 → {}",
            ms(r.wall),
            r.created,
            r.with_action,
            r.fresh,
            r.actions,
            r.recomposes,
            r.vms_after
        );
        if !one {
            println!(
                "!!! {name} run {run}: NOT EXACTLY ONE SCALE-OUT: {} answers with an action id, {} actions, {} recompose calls",
                r.with_action, r.actions, r.recomposes
            );
        }
        bench.stop().await;
    }
    let verdict = if exactly_one == STORM_RUNS { "yes" } else { "NO" };
    println!("{name:<9} exactly one: {verdict} ({exactly_one}/{STORM_RUNS} runs)");
}

async fn storm(bench: &Bench) -> StormResult {
    bench.sim.state().clear_request_log();
    let alert = Arc::new(vrops_alert("storm", "web-app CPU high", 1_700_000_100_000));
    let barrier = Arc::new(tokio::sync::Barrier::new(STORM));
    let released = Arc::new(std::sync::OnceLock::new());
    let mut tasks = Vec::new();
    for _ in 0..STORM {
        let (client, url) = (bench.app.client.clone(), bench.alert_url());
        let (rule, secret) = (bench.rule.clone(), bench.secret.clone());
        let (alert, barrier, released) = (alert.clone(), barrier.clone(), released.clone());
        tasks.push(tokio::spawn(async move {
            if barrier.wait().await.is_leader() {
                released.get_or_init(Instant::now);
            }
            let response = client.post(url).basic_auth(rule, Some(secret)).json(&*alert).send().await.expect("alert");
            let created = response.status() == 201;
            let evaluation: Option<Evaluation> = response.json().await.ok();
            (created, evaluation)
        }));
    }
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.expect("alert task"));
    }
    let wall = released.get().map_or(Duration::ZERO, Instant::elapsed);
    let created = answers.iter().filter(|(c, _)| *c).count();
    let evaluations: Vec<&Evaluation> = answers.iter().filter_map(|(_, e)| e.as_ref()).collect();
    let with_action = evaluations.iter().filter(|e| e.action_id.is_some()).count();
    let fresh = evaluations.iter().filter(|e| !e.duplicate).count();
    let actions = bench.actions().await;
    for action in &actions {
        bench.finished(&action.id).await;
    }
    let recomposes = bench.sim.state().request_log().iter().filter(|r| is_recompose(r)).count();
    let vms_after = bench.sim.state().vms("web-app").len();
    StormResult { wall, created, with_action, fresh, actions: actions.len(), recomposes, vms_after }
}
