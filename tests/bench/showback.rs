//! Showback: dashboard queries over years of daily records, provider-wide queries over 200
//! tenants, the import rate and peak memory of `stratus showback import`, and chart rendering;
//! first, on a quiet machine, the dashboard in headless Chromium (`first_chart`).

use std::io::Write as _;
use std::time::{Duration, Instant};
use stratus_core::testing::StoreAccess as _;

use api_types::{ImportResult, Role};
use chrono::{Months, NaiveDate};
use harness::{Db, TestApp};
use stratus_core::store::{Store, UsageRecord};

use crate::load::latency;
use crate::stats::Summary;

const TENANTS: usize = 200;
const SERVICES: usize = 30;
const IMPORT_ROWS: usize = 1_000_000;

pub async fn run() {
    crate::first_chart::run().await;
    println!("== showback: {TENANTS} tenants × {SERVICES} services × 13 months of daily records ==");
    let today = chrono::Utc::now().date_naive();
    for db in [Db::Sqlite, Db::Postgres] {
        let app = TestApp::start(db).await;
        let started = Instant::now();
        let rows = generate(&app.store, today).await;
        let db_name = format!("{db:?}");
        println!("{db_name:<9} generated {rows} records in {:.1} s", started.elapsed().as_secs_f64());
        queries(&app, &db_name, today).await;
        app.shutdown().await;
    }
    render_charts();
    for db in [Db::Sqlite, Db::Postgres] {
        import(db).await;
    }
}

fn org(i: usize) -> String {
    format!("tenant-{i:03}")
}

/// Deterministic daily records: one resource per service, each tenant with its own scale.
fn records(org_index: usize, today: NaiveDate) -> Vec<UsageRecord> {
    let start = today.checked_sub_months(Months::new(13)).unwrap_or(today);
    let org = org(org_index);
    let mut out = Vec::with_capacity(400 * SERVICES);
    for (d, day) in start.iter_days().take_while(|d| *d <= today).enumerate() {
        let day = day.format("%Y-%m-%d").to_string();
        for s in 0..SERVICES {
            let cost = 1_000_000 + ((org_index * 7_919 + s * 104_729 + d * 13) % 50_000_000) as i64;
            out.push(UsageRecord {
                source: "bench".into(),
                org: org.clone(),
                day: day.clone(),
                service: format!("service-{s:02}"),
                resource: format!("resource-{s:02}"),
                quantity_micros: cost * 10,
                unit: "unit".into(),
                cost_micros: cost,
                currency: "EUR".into(),
            });
        }
    }
    out
}

/// Bulk-loads every tenant's records (one transaction per tenant), then builds the rollup.
async fn generate(store: &Store, today: NaiveDate) -> usize {
    let mut total = 0;
    for i in 0..TENANTS {
        store.ensure_org(&org(i), &org(i), 0).await.expect("org");
        let records = records(i, today);
        total += records.len();
        store.insert_usage_unchecked(&records).await.expect("insert");
    }
    store.rebuild_usage_rollup().await.expect("rollup");
    total
}

async fn queries(app: &TestApp, db: &str, today: NaiveDate) {
    let year_ago = today.checked_sub_months(Months::new(12)).unwrap_or(today).format("%Y-%m-01");
    let tenant = app.token(Role::TenantAdmin, Some(&org(17))).await;
    let provider = app.token(Role::Provider, None).await;
    let t = format!("/api/org/{}/showback", org(17));
    let tenant_paths = [
        ("summary", format!("{t}/summary")),
        ("costs by service (MTD)", format!("{t}/costs?group_by=service")),
        ("costs by month (13 mo)", format!("{t}/costs?group_by=month&from={year_ago}")),
        ("chart services-by-month", format!("{t}/chart/services-by-month.svg?months=13")),
        ("chart month-trend", format!("{t}/chart/month-trend.svg")),
        ("chart top-resources", format!("{t}/chart/top-resources.svg")),
    ];
    let mut dashboard = Duration::ZERO;
    for (i, (name, path)) in tenant_paths.iter().enumerate() {
        let s = latency(&app.client, &app.url(path), &tenant, 200).await;
        if i < 3 {
            dashboard += s.p50;
        }
        println!("{db:<9} tenant   {name:<28} {s}");
    }
    println!("{db:<9} tenant   dashboard (summary + 2 costs) p50 sum {:>7.3} ms", dashboard.as_secs_f64() * 1e3);
    let provider_paths = [
        ("costs by org (13 mo)", format!("/api/provider/showback/costs?group_by=org&from={year_ago}")),
        ("costs by service (13 mo)", format!("/api/provider/showback/costs?group_by=service&from={year_ago}")),
        ("costs by month (13 mo)", format!("/api/provider/showback/costs?group_by=month&from={year_ago}")),
        ("costs by org (MTD)", "/api/provider/showback/costs?group_by=org".to_owned()),
        ("top 10 tenants (13 mo)", format!("/api/provider/showback/top?n=10&from={year_ago}")),
        (
            "costs by org, mid-month edges",
            format!(
                "/api/provider/showback/costs?group_by=org&from={}",
                today.checked_sub_months(Months::new(12)).unwrap_or(today).format("%Y-%m-10")
            ),
        ),
        ("chart top-tenants", format!("/api/provider/showback/chart/top-tenants.svg?from={year_ago}")),
    ];
    for (name, path) in provider_paths {
        let s = latency(&app.client, &app.url(&path), &provider, 30).await;
        println!("{db:<9} provider {name:<28} {s}");
    }
}

fn render_charts() {
    let time = |name: &str, f: &dyn Fn() -> String| {
        let mut samples = Vec::new();
        for _ in 0..200 {
            let started = Instant::now();
            std::hint::black_box(f());
            samples.push(started.elapsed());
        }
        println!("render   {name:<28} {}", Summary::of(&mut samples));
    };
    let periods: Vec<String> = (1..=13).map(|m| format!("2026-{m:02}")).collect();
    let series: Vec<charts::Series> = (0..8)
        .map(|s| charts::Series {
            name: format!("service-{s}"),
            values: (0..13).map(|m| f64::from(100 + s * 10 + m)).collect(),
        })
        .collect();
    time("stacked bars 13 × 8", &|| charts::stacked_bars_svg("Cost", &periods, &series, "EUR", (720, 320)));
    let trend = charts::Trend {
        days_in_month: 31,
        cumulative: (1..=22).map(|d| f64::from(d) * 100.0).collect(),
        projected: Some(3_100.0),
        budget: Some(3_000.0),
    };
    time("trend 22 of 31 days", &|| charts::trend_svg("Month to date", &trend, "EUR", (720, 320)));
    let items: Vec<(String, f64)> = (0..30).map(|i| (format!("resource-{i}"), f64::from(i) * 10.0)).collect();
    time("top 10 of 30", &|| charts::top_n_svg("Top", &items, 10, &|v| format!("{v:.2} EUR"), (720, 320)));
    time("bars 30", &|| charts::bar_chart_svg("By service", &items, "EUR", 720, 320));
}

/// Writes a CSV of `IMPORT_ROWS` rows over the first `TENANTS` orgs.
fn write_csv(path: &std::path::Path) {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).expect("csv file"));
    writeln!(out, "date,org,service,resource,quantity,unit,cost,currency").expect("write");
    let start = NaiveDate::from_ymd_opt(2025, 1, 1).expect("date");
    let per_org = IMPORT_ROWS / TENANTS;
    for o in 0..TENANTS {
        for i in 0..per_org {
            let day = start + chrono::Duration::days((i / SERVICES) as i64);
            let s = i % SERVICES;
            let cost = (o * 31 + i * 17) % 100_000;
            writeln!(
                out,
                "{day},{},service-{s:02},resource-{s:02},{}.5,unit,{}.{:06},EUR",
                org(o),
                i % 1000,
                cost / 1000,
                cost
            )
            .expect("write");
        }
    }
    out.flush().expect("flush");
}

/// Runs `stratus showback import` on a generated CSV, twice (new rows, then all unchanged).
async fn import(db: Db) {
    let app = TestApp::start(db).await;
    for i in 0..TENANTS {
        app.store.ensure_org(&org(i), &org(i), 0).await.expect("org");
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("usage.csv");
    write_csv(&path);
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    for round in ["new rows", "re-import"] {
        let started = Instant::now();
        let mut child = tokio::process::Command::new(harness::process::stratus_bin())
            .args(["showback", "import"])
            .arg(&path)
            .args(["--source", "bench", "--database-url", &app.database_url])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start stratus showback import");
        let pid = child.id().expect("pid");
        let mut peak = String::from("unknown");
        let stdout = child.stdout.take().expect("stdout");
        let reader = tokio::spawn(async move {
            let mut buf = Vec::new();
            tokio::io::AsyncReadExt::read_to_end(&mut tokio::io::BufReader::new(stdout), &mut buf).await.ok();
            buf
        });
        loop {
            if let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status"))
                && let Some(line) = status.lines().find(|l| l.starts_with("VmHWM:"))
            {
                peak = line.trim_start_matches("VmHWM:").trim().to_owned();
            }
            if child.try_wait().expect("wait").is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let secs = started.elapsed().as_secs_f64();
        let result: Option<ImportResult> = serde_json::from_slice(&reader.await.unwrap_or_default()).ok();
        let counts =
            result.map_or("no result".into(), |r| format!("imported {} unchanged {}", r.imported, r.unchanged));
        println!(
            "{:<9} import   {IMPORT_ROWS} rows ({:.0} MB CSV), {round:<9}: {secs:>6.1} s, {:>7.0} rows/s, peak RSS {peak} ({counts})",
            format!("{db:?}"),
            size as f64 / 1e6,
            IMPORT_ROWS as f64 / secs
        );
    }
    app.shutdown().await;
}
