//! Where a warm call's time goes, from the gateway's `Server-Timing` header: the median of each
//! stage over sequential calls, what the handler did besides them (the body, the headers, the
//! invocation record and metrics, the response), and what happened outside the handler (the
//! client, the loopback, HTTP parsing, routing and middleware, writing the response).

use std::time::Instant;

/// The stages the gateway reports, in its order; `total` is the whole request in the server.
const STAGES: [&str; 5] = ["auth", "route", "queue", "pipe", "js"];

fn median(samples: &mut [f64]) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

/// The stage durations (ms) of our `Server-Timing` value, `total` last.
fn parse(value: &str) -> Option<Vec<f64>> {
    let mut found = Vec::new();
    for name in STAGES.iter().chain(["total"].iter()) {
        let dur = value.split(',').map(str::trim).find_map(|s| s.strip_prefix(name)?.strip_prefix(";dur="))?;
        found.push(dur.parse().ok()?);
    }
    Some(found)
}

/// Prints the median of each stage of `n` sequential warm calls of `url` (after 50 unmeasured),
/// then the same client's median time for `floor` (a request that does nothing, e.g. `/healthz`).
pub async fn breakdown(client: &reqwest::Client, url: &str, floor: &str, token: &str, n: usize) {
    let mut columns = vec![Vec::with_capacity(n); STAGES.len() + 3];
    for i in 0..n + 50 {
        let started = Instant::now();
        let response = client.get(url).bearer_auth(token).send().await.expect("request");
        // The gateway's comes after any the function sent.
        let ours = response.headers().get_all("server-timing").iter().next_back();
        let value = ours.and_then(|v| v.to_str().ok()).map(str::to_owned);
        response.bytes().await.expect("body");
        let client_ms = started.elapsed().as_secs_f64() * 1e3;
        let Some(stages) = value.as_deref().and_then(parse) else {
            println!("{url}: no Server-Timing from the gateway; no breakdown");
            return;
        };
        if i < 50 {
            continue;
        }
        let (parts, total) = (&stages[..STAGES.len()], stages[STAGES.len()]);
        let other = total - parts.iter().sum::<f64>();
        for (column, value) in
            columns.iter_mut().zip(parts.iter().copied().chain([other, client_ms - total, client_ms]))
        {
            column.push(value);
        }
    }
    let names = STAGES.iter().copied().chain(["rest of the handler", "outside the handler", "client total"]);
    let line: Vec<String> =
        names.zip(columns.iter_mut()).map(|(name, column)| format!("{name} {:.3}", median(column))).collect();
    println!("warm call stages, medians of {n} calls (ms): {}", line.join(" · "));
    let nothing = crate::load::latency(client, floor, token, n).await;
    println!("a request that does nothing ({floor}), same client: {nothing}");
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_the_gateway_stages() {
        let value = "auth;dur=0.012, route;dur=0.003, queue;dur=0.000, pipe;dur=0.041, js;dur=1.250, total;dur=1.400";
        assert_eq!(super::parse(value), Some(vec![0.012, 0.003, 0.0, 0.041, 1.25, 1.4]));
        assert_eq!(super::parse("db;dur=5"), None);
    }
}
