//! What one replica changes, the others serve at once: a function created through one is served
//! by the others; a new version, a rollback, new org limits and a revoked token reach the
//! others' caches; a delete through one is a 404 from the others within milliseconds, not after
//! the old 1 s TTL (each replica's cache is warm before every write, so a TTL cache would fail).

use std::time::Duration;

use api_types::{OrgLimits, Role};
use futures_util::future::join_all;
use harness::replicas::{ORG, Replicas};
use harness::{Db, both_databases};
use serde_json::{Value, json};
use stratus_core::tenancy::OrgName;
use stratus_core::tokens;

use super::{FAST, replica_count, within};

/// The longest a replica may serve what another replica changed. LISTEN/NOTIFY takes about a
/// millisecond; the TTL caches it replaces kept entries for a second.
const AT_ONCE: Duration = Duration::from_millis(200);

fn code(answer: &str) -> String {
    format!("module.exports = async () => ({{ answer: '{answer}' }});")
}

async fn call(r: &Replicas, i: usize, route: &str) -> (u16, Value) {
    let url = r.url(i, &format!("/api/org/{ORG}/{route}"));
    let response = r.client.get(url).bearer_auth(&r.token).send().await.expect("call the function");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or_default())
}

/// How long until replica `i` answers `route` with `status` (and `answer`); fails after AT_ONCE.
async fn serves(r: &Replicas, i: usize, route: &str, status: u16, answer: Option<&str>) -> Duration {
    let took = within(AT_ONCE, || async move {
        let (got, body) = call(r, i, route).await;
        got == status && answer.is_none_or(|a| body["answer"] == a)
    })
    .await;
    match took {
        Some(took) => took,
        None => panic!("replica {i} still answers {:?} for {route} after {AT_ONCE:?}", call(r, i, route).await),
    }
}

async fn functions_status(r: &Replicas, i: usize, token: &str) -> u16 {
    let url = r.url(i, &format!("/api/org/{ORG}/functions"));
    r.client.get(url).bearer_auth(token).send().await.expect("GET functions").status().as_u16()
}

async fn max_concurrency_is(r: &Replicas, i: usize, cap: u32) -> bool {
    let url = r.url(i, &format!("/api/org/{ORG}/limits"));
    let response = r.client.get(url).bearer_auth(&r.token).send().await.expect("GET limits");
    response.json::<OrgLimits>().await.is_ok_and(|l| l.max_concurrency == cap)
}

async fn send(request: reqwest::RequestBuilder, token: &str, expected: u16) {
    let response = request.bearer_auth(token).send().await.expect("send");
    let status = response.status().as_u16();
    assert_eq!(status, expected, "{}", response.text().await.unwrap_or_default());
}

async fn writes_through_one_replica_reach_the_others_at_once(db: Db) {
    let r = Replicas::start(db, replica_count(db), &FAST).await;
    let n = r.count();
    let last = n - 1;
    let others: Vec<usize> = if n > 1 { (1..n).collect() } else { vec![0] };
    let mut took: Vec<(String, usize, Duration)> = Vec::new();

    // Created through replica 0 (it waits for the deployment), called through the others at once.
    r.create_function(0, "hello", &code("v1")).await;
    let answers = join_all(others.iter().map(|&i| call(&r, i, "hello"))).await;
    for (i, (status, body)) in others.iter().zip(answers) {
        assert_eq!((status, &body["answer"]), (200, &json!("v1")), "replica {i}");
    }

    // The others cache the route as missing, then (most likely) as still deploying: the
    // function's creation and the end of its deployment each replace what they cached.
    for &i in &others {
        assert_eq!(call(&r, i, "late").await.0, 404, "replica {i}");
    }
    let body = json!({"name": "late", "route": "late", "code": code("late")});
    send(r.client.post(r.url(0, &format!("/api/org/{ORG}/functions"))).json(&body), &r.token, 202).await;
    for &i in &others {
        // Deploying (503 function_not_ready) or, if the compile was quick, ready.
        let found = within(AT_ONCE, || async { matches!(call(&r, i, "late").await.0, 200 | 503) }).await;
        took.push(("created".into(), i, found.unwrap_or_else(|| panic!("replica {i} still has no route 'late'"))));
    }
    r.wait_function(0, "late").await;
    for &i in &others {
        took.push(("deployed".into(), i, serves(&r, i, "late", 200, Some("late")).await));
    }

    // A new version through the last replica, a rollback through the first.
    let update = json!({"route": "hello", "code": code("v2")});
    let path = format!("/api/org/{ORG}/functions/hello");
    send(r.client.put(r.url(last, &path)).json(&update), &r.token, 202).await;
    r.wait_function(last, "hello").await;
    for i in 0..n {
        took.push(("updated".into(), i, serves(&r, i, "hello", 200, Some("v2")).await));
    }
    let rollback = r.client.post(r.url(0, &format!("{path}/rollback"))).json(&json!({"version": 1}));
    send(rollback, &r.token, 200).await;
    r.wait_function(0, "hello").await;
    for i in 0..n {
        took.push(("rolled back".into(), i, serves(&r, i, "hello", 200, Some("v1")).await));
    }

    // New org limits through replica 0 (every replica has read the old ones by now).
    let limits = OrgLimits { max_concurrency: 40, ..OrgLimits::default() };
    let put = r.client.put(r.url(0, &format!("/api/provider/orgs/{ORG}/limits"))).json(&limits);
    send(put, &r.provider, 200).await;
    for i in 0..n {
        let seen = within(AT_ONCE, || max_concurrency_is(&r, i, 40)).await;
        took.push(("limits".into(), i, seen.unwrap_or_else(|| panic!("replica {i} kept the old limits"))));
    }

    // A token revoked by another process (`stratus token revoke`; here the test's own store),
    // after every replica checked it once. SQLite has no channel: the server sees the change
    // epoch at its next heartbeat.
    let org = OrgName::parse(ORG).expect("an org name");
    let extra = tokens::issue(&r.store, Role::TenantAdmin, Some(&org), "revoked").await.expect("a token");
    for i in 0..n {
        assert_eq!(functions_status(&r, i, &extra.secret).await, 200, "replica {i} before the revocation");
    }
    assert!(tokens::revoke(&r.store, &extra.token_id).await.expect("revoke"));
    let bound = if db == Db::Postgres { AT_ONCE } else { Duration::from_secs(1) };
    for i in 0..n {
        let refused = within(bound, || async { functions_status(&r, i, &extra.secret).await == 401 }).await;
        took.push(("revoked".into(), i, refused.unwrap_or_else(|| panic!("replica {i} still accepts the token"))));
    }

    // Deleted through one replica, after a call on every other one warmed its cache.
    let deleter = 1 % n;
    let check: Vec<usize> = (0..n).filter(|&i| i != deleter || n == 1).collect();
    for &i in &check {
        assert_eq!(call(&r, i, "hello").await.0, 200, "replica {i} before the delete");
    }
    send(r.client.delete(r.url(deleter, &path)), &r.token, 204).await;
    let gone = join_all(check.iter().map(|&i| serves(&r, i, "hello", 404, None))).await;
    took.extend(check.iter().zip(gone).map(|(&i, t)| ("deleted".to_owned(), i, t)));

    let report: Vec<String> =
        took.iter().map(|(what, i, t)| format!("{what}@{i} {:.1} ms", t.as_secs_f64() * 1e3)).collect();
    eprintln!("coherence on {db:?}, time until another replica serves the change: {}", report.join(", "));
    r.shutdown().await;
}

both_databases!(coherence, db => super::writes_through_one_replica_reach_the_others_at_once);
