//! Prometheus metrics: one registry for the whole process, the HTTP request middleware, and the
//! `/metrics` text. Function metrics use the names OpenFaaS users know.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use api_types::OutboundCall;
use stratus_core::functions::{CallEnd, CallObserver};

use crate::http::error::gateway_status;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub method: String,
    pub route: String,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub method: String,
    pub route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct FunctionCodeLabels {
    /// `name.org`, like OpenFaaS's `name.namespace`.
    pub function_name: String,
    pub code: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct FunctionLabels {
    pub function_name: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutboundLabels {
    pub org: String,
    /// `answered` (any status), `refused` (egress policy or a limit) or `failed`.
    pub outcome: String,
}

type HistogramFamily<L> = Family<L, Histogram, fn() -> Histogram>;

fn latency_histogram() -> Histogram {
    // 100 µs … ~1.6 s.
    Histogram::new(exponential_buckets(0.0001, 2.0, 15))
}

/// Every metric Stratus exports; features register theirs here.
pub struct Metrics {
    registry: Registry,
    pub http_requests: Family<RequestLabels, Counter>,
    pub http_duration: HistogramFamily<RouteLabels>,
    pub http_db_statements: Family<RouteLabels, Counter>,
    pub function_invocations: Family<FunctionCodeLabels, Counter>,
    pub function_seconds: HistogramFamily<FunctionLabels>,
    pub function_cold_starts: Family<FunctionLabels, Counter>,
    pub function_outbound: Family<OutboundLabels, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::default();
        let http_requests = Family::<RequestLabels, Counter>::default();
        let http_duration =
            HistogramFamily::<RouteLabels>::new_with_constructor(latency_histogram as fn() -> Histogram);
        registry.register(
            "stratus_http_requests",
            "HTTP requests answered, by route and status",
            http_requests.clone(),
        );
        registry.register(
            "stratus_http_request_duration_seconds",
            "Time to answer an HTTP request, by route",
            http_duration.clone(),
        );
        let http_db_statements = Family::<RouteLabels, Counter>::default();
        registry.register(
            "stratus_http_db_statements",
            "Database round trips made while answering HTTP requests, by route (a warm function call makes none)",
            http_db_statements.clone(),
        );
        let function_invocations = Family::<FunctionCodeLabels, Counter>::default();
        let function_seconds =
            HistogramFamily::<FunctionLabels>::new_with_constructor(latency_histogram as fn() -> Histogram);
        let function_cold_starts = Family::<FunctionLabels, Counter>::default();
        registry.register(
            "gateway_function_invocation",
            "Function calls by function and HTTP status code",
            function_invocations.clone(),
        );
        registry.register("gateway_functions_seconds", "Time a function call took", function_seconds.clone());
        registry.register(
            "stratus_function_cold_starts",
            "Calls that had to load the function into a worker first",
            function_cold_starts.clone(),
        );
        let function_outbound = Family::<OutboundLabels, Counter>::default();
        registry.register(
            "stratus_function_outbound_requests",
            "Requests function code made with fetch(), by org and outcome",
            function_outbound.clone(),
        );
        Self {
            registry,
            http_requests,
            http_duration,
            http_db_statements,
            function_invocations,
            function_seconds,
            function_cold_starts,
            function_outbound,
        }
    }
}

impl Metrics {
    /// The Prometheus text exposition of every metric.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

impl CallObserver for Metrics {
    /// Records one function call under the status the gateway answered with.
    fn call_finished(&self, org: &str, function: &str, end: CallEnd, seconds: f64, cold: bool) {
        let status = match end {
            CallEnd::Answered(status) => status,
            CallEnd::Failed(failure) => gateway_status(failure),
            CallEnd::Refused => 429,
        };
        let function_name = format!("{function}.{org}");
        let code = status.to_string();
        self.function_invocations
            .get_or_create(&FunctionCodeLabels { function_name: function_name.clone(), code })
            .inc();
        let labels = FunctionLabels { function_name };
        self.function_seconds.get_or_create(&labels).observe(seconds);
        if cold {
            self.function_cold_starts.get_or_create(&labels).inc();
        }
    }

    fn outbound_finished(&self, org: &str, calls: &[OutboundCall]) {
        for call in calls {
            let outcome = match (&call.status, &call.error) {
                (Some(_), _) => "answered",
                (None, Some(error)) if error.contains(" refused: ") => "refused",
                (None, _) => "failed",
            };
            self.function_outbound
                .get_or_create(&OutboundLabels { org: org.to_owned(), outcome: outcome.to_owned() })
                .inc();
        }
    }
}

/// When the request reached its route (handlers read it for `Server-Timing`).
#[derive(Debug, Clone, Copy)]
pub struct RequestStarted(pub Instant);

/// Middleware counting and timing each routed request by its route template.
pub async fn track(State(metrics): State<Arc<Metrics>>, mut request: Request, next: Next) -> Response {
    let started = Instant::now();
    request.extensions_mut().insert(RequestStarted(started));
    let method = request.method().to_string();
    let route = request.extensions().get::<MatchedPath>().map(|p| p.as_str().to_owned()).unwrap_or_default();
    let (response, statements) = stratus_core::count_statements(next.run(request)).await;
    let status = response.status().as_u16();
    metrics.http_requests.get_or_create(&RequestLabels { method: method.clone(), route: route.clone(), status }).inc();
    let labels = RouteLabels { method, route };
    metrics.http_duration.get_or_create(&labels).observe(started.elapsed().as_secs_f64());
    metrics.http_db_statements.get_or_create(&labels).inc_by(statements);
    response
}
