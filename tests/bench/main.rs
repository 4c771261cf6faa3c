//! `cargo xtask bench [area]`: prints figures; asserts nothing.
//!
//! Areas: `api` (foundation endpoints on SQLite and PostgreSQL, idle RSS of `stratus`),
//! `functions` (deploy, cold and warm calls, throughput, where a warm call spends its time;
//! against the seed's Node express server and workerd), `functions-peers` (only that
//! comparison), `showback` (dashboard and provider queries over 200 tenants × 13 months, import
//! rate and peak memory of `stratus showback import`, chart rendering, and the tenant dashboard
//! in headless Chromium), `ui` (alias `showback-ui`: the UI in headless Chromium, cold and warm
//! time to the dashboard's first chart, to the functions list and to an autoscale rule page, and
//! the sizes of what a first visit downloads), `autoscale` (alert → first vCD call, engine and service evaluations
//! per second, 100 concurrent duplicate alerts → one scale-out), `scale` (replicas on one PostgreSQL: throughput
//! through a round-robin proxy, call overhead with cache coherence, delete → 404 on another replica, async queue
//! throughput and accept → start latency on the database queue and RabbitMQ), `lifecycle` (export, archive, verify and
//! plan of 500 functions; export, plan and apply with 50 autoscale rules beside them), `all`.

mod api;
mod autoscale;
mod first_chart;
mod functions;
mod functions_io;
mod lifecycle;
mod load;
mod peers;
mod scale;
mod server;
mod showback;
mod stages;
mod stats;

#[tokio::main]
async fn main() {
    let area = std::env::args().nth(1).unwrap_or_else(|| "api".into());
    match area.as_str() {
        "api" => api::run().await,
        "autoscale" => autoscale::run().await,
        "functions" => functions::run().await,
        "functions-peers" => functions::run_peers().await,
        "lifecycle" => lifecycle::run().await,
        "scale" => scale::run().await,
        "showback" => showback::run().await,
        "ui" | "showback-ui" => first_chart::run().await,
        "all" => {
            api::run().await;
            functions::run().await;
            showback::run().await;
            autoscale::run().await;
            scale::run().await;
            lifecycle::run().await;
        }
        other => {
            eprintln!(
                "unknown benchmark area '{other}': use api, functions, functions-peers, showback, ui, autoscale, scale, lifecycle or all"
            );
            std::process::exit(2);
        }
    }
}
