//! A local fake of the AWS Lambda Runtime API (`/2018-06-01/runtime/…`): it hands queued events
//! to the function on `invocation/next` and records what the function posts back.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::routing::{get, post};
use tokio::sync::{Notify, mpsc};

/// What the function posted for one invocation.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub request_id: String,
    /// `response` or `error`.
    pub kind: &'static str,
    pub body: serde_json::Value,
}

#[derive(Clone)]
struct Fake {
    queue: Arc<Mutex<VecDeque<(String, serde_json::Value)>>>,
    queued: Arc<Notify>,
    outcomes: mpsc::UnboundedSender<Outcome>,
}

/// A running fake Runtime API.
pub struct FakeRuntime {
    pub addr: SocketAddr,
    fake: Fake,
    outcomes: mpsc::UnboundedReceiver<Outcome>,
}

impl FakeRuntime {
    pub async fn start() -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        let fake = Fake { queue: Arc::default(), queued: Arc::new(Notify::new()), outcomes: tx };
        let router = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route("/2018-06-01/runtime/invocation/{id}/response", post(response))
            .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
            .route("/2018-06-01/runtime/init/error", post(init_error))
            .with_state(fake.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move { axum::serve(listener, router).await.expect("fake runtime") });
        Self { addr, fake, outcomes: rx }
    }

    /// Queues an event for the function.
    pub fn invoke(&self, request_id: &str, event: serde_json::Value) {
        self.fake.queue.lock().expect("queue").push_back((request_id.to_owned(), event));
        self.fake.queued.notify_one();
    }

    /// Waits for the function's next answer.
    pub async fn next_outcome(&mut self, timeout: std::time::Duration) -> Option<Outcome> {
        tokio::time::timeout(timeout, self.outcomes.recv()).await.ok().flatten()
    }
}

async fn next(State(fake): State<Fake>) -> (HeaderMap, String) {
    loop {
        let item = fake.queue.lock().expect("queue").pop_front();
        if let Some((id, event)) = item {
            let mut headers = HeaderMap::new();
            let deadline = chrono_free_deadline_ms();
            let set = |headers: &mut HeaderMap, name: &'static str, value: String| {
                headers.insert(name, HeaderValue::from_str(&value).expect("header value"));
            };
            set(&mut headers, "lambda-runtime-aws-request-id", id);
            set(&mut headers, "lambda-runtime-deadline-ms", deadline.to_string());
            set(
                &mut headers,
                "lambda-runtime-invoked-function-arn",
                "arn:aws:lambda:eu-west-1:123456789012:function:stratus".into(),
            );
            set(
                &mut headers,
                "lambda-runtime-trace-id",
                "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1".into(),
            );
            return (headers, event.to_string());
        }
        fake.queued.notified().await;
    }
}

fn chrono_free_deadline_ms() -> u128 {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    now.as_millis() + 30_000
}

async fn response(State(fake): State<Fake>, Path(id): Path<String>, body: String) -> StatusCode {
    record(&fake, id, "response", &body)
}

async fn error(State(fake): State<Fake>, Path(id): Path<String>, body: String) -> StatusCode {
    record(&fake, id, "error", &body)
}

async fn init_error(State(fake): State<Fake>, body: String) -> StatusCode {
    record(&fake, "init".into(), "error", &body)
}

fn record(fake: &Fake, request_id: String, kind: &'static str, body: &str) -> StatusCode {
    let body = serde_json::from_str(body).unwrap_or_else(|_| serde_json::Value::String(body.to_owned()));
    let _ = fake.outcomes.send(Outcome { request_id, kind, body });
    StatusCode::ACCEPTED
}

/// An API Gateway HTTP API (payload v2.0) event.
pub fn http_api_v2_event(
    method: &str,
    path: &str,
    query: &str,
    headers: serde_json::Value,
    body: Option<&str>,
) -> serde_json::Value {
    serde_json::json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": query,
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "stratusapi",
            "domainName": "stratusapi.execute-api.eu-west-1.amazonaws.com",
            "domainPrefix": "stratusapi",
            "http": { "method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "203.0.113.7", "userAgent": "stratus-test" },
            "requestId": "gw-request-1",
            "routeKey": "$default",
            "stage": "$default",
            "time": "22/Nov/2026:01:00:00 +0000",
            "timeEpoch": 1_795_309_200_000_i64
        },
        "body": body,
        "isBase64Encoded": false
    })
}
