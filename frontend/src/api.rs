//! The one client of the Stratus HTTP API. Every call sends the bearer token and turns any
//! failure into an [`ApiError`].

use api_types::{
    ActionDetail, AutoscaleEvent, AutoscaleRuleSummary, Budget, CostReport, EgressPolicy, Evaluation, Function,
    FunctionKey, FunctionKeyCreate, FunctionSpec, FunctionSummary, FunctionVersion, InvocationResult, ListResponse, Me,
    MetricsPush, NewFunctionKey, OrgLimits, Protection, Rollback, Rule, RuleSpec, RuleVm, RuleWithSecret,
    ShowbackOverview, ShowbackSummary, VcdObject,
};
use gloo_net::http::{Method, Request, RequestBuilder, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::host;
use crate::logic::cost_rows::GroupBy;
use crate::logic::date::DateRange;
use crate::logic::{test_call, urls};

pub use crate::logic::api_error::ApiError;

mod packages;

/// A client for one API base and token; cheap to clone into each page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiClient {
    base: String,
    /// Credentials (shared by every clone) and, in vCD mode, where `/api` is reached.
    access: host::Access,
}

impl ApiClient {
    pub fn new(base: impl Into<String>, token: impl Into<String>) -> Self {
        Self { base: base.into(), access: host::Access::bearer(token) }
    }

    /// A client whose URLs are built as `/api/…` and then placed by `access` (vCD mode).
    pub fn with_access(access: host::Access) -> Self {
        Self { base: String::new(), access }
    }

    /// `GET /api/me`.
    pub async fn me(&self) -> Result<Me, ApiError> {
        self.get(&urls::me(&self.base)).await
    }

    /// `GET /api/org/{org}/functions`.
    pub async fn functions(&self, org: &str) -> Result<ListResponse<FunctionSummary>, ApiError> {
        self.get(&urls::functions(&self.base, org)).await
    }

    /// `GET /api/org/{org}/autoscale/rules`.
    pub async fn autoscale_rules(&self, org: &str) -> Result<ListResponse<AutoscaleRuleSummary>, ApiError> {
        self.get(&urls::autoscale_rules(&self.base, org)).await
    }

    /// `GET /api/org/{org}/autoscale/rules/{id}`.
    pub async fn autoscale_rule(&self, org: &str, id: &str) -> Result<Rule, ApiError> {
        self.get(&urls::autoscale_rule(&self.base, org, id)).await
    }

    /// `POST /api/org/{org}/autoscale/rules`: the rule and its webhook secret, shown once.
    pub async fn create_autoscale_rule(&self, org: &str, spec: &RuleSpec) -> Result<RuleWithSecret, ApiError> {
        self.send_json(Method::POST, &urls::autoscale_rules(&self.base, org), spec).await
    }

    /// `PUT /api/org/{org}/autoscale/rules/{id}`.
    pub async fn update_autoscale_rule(&self, org: &str, id: &str, spec: &RuleSpec) -> Result<Rule, ApiError> {
        self.send_json(Method::PUT, &urls::autoscale_rule(&self.base, org, id), spec).await
    }

    /// `DELETE /api/org/{org}/autoscale/rules/{id}`.
    pub async fn delete_autoscale_rule(&self, org: &str, id: &str) -> Result<(), ApiError> {
        self.delete(&urls::autoscale_rule(&self.base, org, id)).await
    }

    /// `POST /api/org/{org}/autoscale/rules/{id}/secret`: a new webhook secret, shown once.
    pub async fn rotate_autoscale_secret(&self, org: &str, id: &str) -> Result<RuleWithSecret, ApiError> {
        self.send_json(Method::POST, &urls::autoscale_rule_secret(&self.base, org, id), &serde_json::json!({})).await
    }

    /// `POST /api/org/{org}/autoscale/rules/{id}/metrics`: the rule's decision on them.
    pub async fn push_autoscale_metrics(
        &self,
        org: &str,
        id: &str,
        push: &MetricsPush,
    ) -> Result<Evaluation, ApiError> {
        self.send_json(Method::POST, &urls::autoscale_rule_metrics(&self.base, org, id), push).await
    }

    /// `GET /api/org/{org}/autoscale/rules/{id}/events`, the newest `limit`, newest first.
    pub async fn autoscale_events(
        &self,
        org: &str,
        id: &str,
        limit: u32,
    ) -> Result<ListResponse<AutoscaleEvent>, ApiError> {
        self.get(&urls::autoscale_rule_events(&self.base, org, id, limit)).await
    }

    /// `GET /api/org/{org}/autoscale/rules/{id}/actions/{action}`: the action and its steps.
    pub async fn autoscale_action(&self, org: &str, id: &str, action: &str) -> Result<ActionDetail, ApiError> {
        self.get(&urls::autoscale_rule_action(&self.base, org, id, action)).await
    }

    /// `GET /api/org/{org}/autoscale/rules/{id}/vms`.
    pub async fn autoscale_vms(&self, org: &str, id: &str) -> Result<ListResponse<RuleVm>, ApiError> {
        self.get(&urls::autoscale_rule_vms(&self.base, org, id)).await
    }

    /// `PUT /api/org/{org}/autoscale/rules/{id}/vms/{vm}/protection`.
    pub async fn protect_autoscale_vm(
        &self,
        org: &str,
        id: &str,
        vm: &str,
        protected: bool,
    ) -> Result<RuleVm, ApiError> {
        let url = urls::autoscale_vm_protection(&self.base, org, id, vm);
        self.send_json(Method::PUT, &url, &Protection { protected }).await
    }

    /// `GET /api/org/{org}/autoscale/vcd/{kind}`: `templates`, `vapps` or `edge-gateways`.
    pub async fn vcd_objects(&self, org: &str, kind: &str) -> Result<ListResponse<VcdObject>, ApiError> {
        self.get(&urls::autoscale_vcd(&self.base, org, kind)).await
    }

    /// `GET /api/org/{org}/autoscale/vcd/edge-gateways/{edge}/pools`.
    pub async fn vcd_pools(&self, org: &str, edge: &str) -> Result<ListResponse<VcdObject>, ApiError> {
        self.get(&urls::autoscale_vcd_pools(&self.base, org, edge)).await
    }

    /// `GET /api/org/{org}/showback/costs`, `range` inclusive.
    pub async fn costs(&self, org: &str, range: DateRange, group_by: GroupBy) -> Result<CostReport, ApiError> {
        self.get(&urls::costs(&self.base, org, range, group_by)).await
    }

    /// `GET /api/org/{org}/showback/summary?month=YYYY-MM`.
    pub async fn showback_summary(&self, org: &str, month: &str) -> Result<ShowbackSummary, ApiError> {
        self.get(&urls::showback_summary(&self.base, org, month)).await
    }

    /// `GET /api/org/{org}/showback/overview?months=N`: the current month's summary and the
    /// costs by service of the last `months` months.
    pub async fn showback_overview(&self, org: &str, months: u32) -> Result<ShowbackOverview, ApiError> {
        self.get(&urls::showback_overview(&self.base, org, months)).await
    }

    /// `PUT /api/org/{org}/showback/budget`.
    pub async fn put_budget(&self, org: &str, budget: &Budget) -> Result<Budget, ApiError> {
        self.send_json(Method::PUT, &urls::budget(&self.base, org), budget).await
    }

    /// `GET /api/org/{org}/showback/export.csv`: the CSV text.
    pub async fn export_csv(&self, org: &str, range: DateRange) -> Result<String, ApiError> {
        let builder = RequestBuilder::new(&self.access.url(&urls::export_csv(&self.base, org, range)));
        let request = self
            .authorize(builder.method(Method::GET))
            .header("Accept", "text/csv")
            .build()
            .map_err(|e| ApiError::network(e.to_string()))?;
        let response = checked(send(request).await?).await?;
        let status = response.status();
        response.text().await.map_err(|e| ApiError::unexpected_body(status, e.to_string()))
    }

    /// `GET /api/provider/showback/costs`: every tenant's costs.
    pub async fn provider_costs(&self, range: DateRange, group_by: GroupBy) -> Result<CostReport, ApiError> {
        self.get(&urls::provider_costs(&self.base, range, group_by)).await
    }

    /// `GET /api/provider/orgs/{org}/egress`: where the org's functions may send requests.
    pub async fn egress_policy(&self, org: &str) -> Result<EgressPolicy, ApiError> {
        self.get(&urls::egress(&self.base, org)).await
    }

    /// `PUT /api/provider/orgs/{org}/egress`.
    pub async fn put_egress_policy(&self, org: &str, policy: &EgressPolicy) -> Result<EgressPolicy, ApiError> {
        self.send_json(Method::PUT, &urls::egress(&self.base, org), policy).await
    }

    /// `GET /api/provider/showback/top`: the `n` costliest tenants.
    pub async fn provider_top(&self, range: DateRange, n: u32) -> Result<CostReport, ApiError> {
        self.get(&urls::provider_top(&self.base, range, n)).await
    }

    /// `GET /api/org/{org}/functions/{name}`.
    pub async fn function(&self, org: &str, name: &str) -> Result<Function, ApiError> {
        self.get(&urls::function(&self.base, org, name)).await
    }

    /// `POST /api/org/{org}/functions`: answers the new function, `initializing`.
    pub async fn create_function(&self, org: &str, spec: &FunctionSpec) -> Result<Function, ApiError> {
        self.send_json(Method::POST, &urls::functions(&self.base, org), spec).await
    }

    /// `PUT /api/org/{org}/functions/{name}`: a new version, `initializing`.
    pub async fn update_function(&self, org: &str, name: &str, spec: &FunctionSpec) -> Result<Function, ApiError> {
        self.send_json(Method::PUT, &urls::function(&self.base, org, name), spec).await
    }

    /// `PUT /api/org/{org}/functions/{name}/code`: the function's files from a zip archive (a
    /// file the user picked, sent as it is), as a new version, `initializing`.
    pub async fn upload_code(&self, org: &str, name: &str, archive: &web_sys::File) -> Result<Function, ApiError> {
        let request = self
            .request(Method::PUT, &urls::function_code(&self.base, org, name))
            .header("Content-Type", "application/zip")
            .body(wasm_bindgen::JsValue::from(archive.clone()))
            .map_err(|e| ApiError::network(e.to_string()))?;
        json_of(checked(send(request).await?).await?).await
    }

    /// `DELETE /api/org/{org}/functions/{name}`.
    pub async fn delete_function(&self, org: &str, name: &str) -> Result<(), ApiError> {
        self.delete(&urls::function(&self.base, org, name)).await
    }

    /// `GET /api/org/{org}/functions/{name}/keys`, oldest first (no secrets).
    pub async fn function_keys(&self, org: &str, name: &str) -> Result<ListResponse<FunctionKey>, ApiError> {
        self.get(&urls::function_keys(&self.base, org, name)).await
    }

    /// `POST /api/org/{org}/functions/{name}/keys`: the new key with its secret, shown once.
    pub async fn create_function_key(&self, org: &str, name: &str, key_name: &str) -> Result<NewFunctionKey, ApiError> {
        let body = FunctionKeyCreate { name: key_name.to_owned() };
        self.send_json(Method::POST, &urls::function_keys(&self.base, org, name), &body).await
    }

    /// `DELETE /api/org/{org}/functions/{name}/keys/{id}`.
    pub async fn delete_function_key(&self, org: &str, name: &str, id: &str) -> Result<(), ApiError> {
        self.delete(&urls::function_key(&self.base, org, name, id)).await
    }

    /// `GET /api/org/{org}/functions/{name}/versions`, newest first.
    pub async fn function_versions(&self, org: &str, name: &str) -> Result<ListResponse<FunctionVersion>, ApiError> {
        self.get(&urls::function_versions(&self.base, org, name)).await
    }

    /// `POST /api/org/{org}/functions/{name}/rollback`.
    pub async fn rollback_function(&self, org: &str, name: &str, version: i64) -> Result<Function, ApiError> {
        self.send_json(Method::POST, &urls::function_rollback(&self.base, org, name), &Rollback { version }).await
    }

    /// `GET /api/org/{org}/functions/{name}/invocations`, the newest `limit`.
    pub async fn function_invocations(
        &self,
        org: &str,
        name: &str,
        limit: u32,
    ) -> Result<ListResponse<InvocationResult>, ApiError> {
        self.get(&urls::function_invocations(&self.base, org, name, limit)).await
    }

    /// `GET /api/org/{org}/invocations/{id}`.
    pub async fn invocation(&self, org: &str, id: &str) -> Result<InvocationResult, ApiError> {
        self.get(&urls::invocation(&self.base, org, id)).await
    }

    /// `GET /api/org/{org}/limits`.
    pub async fn org_limits(&self, org: &str) -> Result<OrgLimits, ApiError> {
        self.get(&urls::org_limits(&self.base, org)).await
    }

    /// Calls a function through the gateway as the test console does. Any HTTP answer is a
    /// [`CallResponse`], error statuses included; only a failed request is an `Err`.
    pub async fn call_function(&self, call: &CallRequest) -> Result<CallResponse, ApiError> {
        let url = test_call::call_url(&self.base, &call.function_path, &call.sub_path, &call.query);
        let method = Method::from_bytes(call.method.as_bytes())
            .map_err(|_| ApiError::network(format!("{} is not an HTTP method", call.method)))?;
        let mut builder = RequestBuilder::new(&self.access.url(&url)).method(method);
        let headers = test_call::header_pairs(&call.headers);
        let body = call.body.as_deref().filter(|_| test_call::method_has_body(&call.method));
        if let Some(content_type) = body.and_then(|b| test_call::default_content_type(b, &headers)) {
            builder = builder.header("Content-Type", content_type);
        }
        for (name, value) in &headers {
            builder = builder.header(name, value);
        }
        builder = self.authorize(builder);
        let request = match body {
            Some(body) if !body.is_empty() => builder.body(body.to_owned()),
            _ => builder.build(),
        }
        .map_err(|e| ApiError::network(e.to_string()))?;
        let started = host::now_ms();
        let response = send(request).await?;
        let headers = response.headers().entries().collect();
        // A body that cannot be read as text is still an answer with a status.
        let body = response.text().await.unwrap_or_default();
        Ok(CallResponse {
            status: response.status(),
            status_text: response.status_text(),
            headers,
            body,
            round_trip_ms: host::now_ms() - started,
        })
    }

    async fn get<T: DeserializeOwned>(&self, url: &str) -> Result<T, ApiError> {
        let request = self.request(Method::GET, url).build().map_err(|e| ApiError::network(e.to_string()))?;
        json_of(checked(send(request).await?).await?).await
    }

    async fn delete(&self, url: &str) -> Result<(), ApiError> {
        let request = self.request(Method::DELETE, url).build().map_err(|e| ApiError::network(e.to_string()))?;
        checked(send(request).await?).await.map(drop)
    }

    async fn send_json<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        url: &str,
        body: &B,
    ) -> Result<T, ApiError> {
        let request = self.request(method, url).json(body).map_err(|e| ApiError::network(e.to_string()))?;
        json_of(checked(send(request).await?).await?).await
    }

    fn request(&self, method: Method, url: &str) -> RequestBuilder {
        self.authorize(RequestBuilder::new(&self.access.url(url)).method(method)).header("Accept", "application/json")
    }

    /// Adds the caller's credential headers.
    fn authorize(&self, mut builder: RequestBuilder) -> RequestBuilder {
        for (name, value) in self.access.credentials() {
            builder = builder.header(name, &value);
        }
        builder
    }
}

/// What the test console sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallRequest {
    pub method: String,
    /// The function's path, `/api/org/{org}/{route}`.
    pub function_path: String,
    pub sub_path: String,
    pub query: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
}

/// A function's HTTP answer, whatever its status.
#[derive(Debug, Clone, PartialEq)]
pub struct CallResponse {
    pub status: u16,
    pub status_text: String,
    /// Lowercase names, in the order the browser lists them.
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// From sending to the last byte of the body, as this browser saw it.
    pub round_trip_ms: f64,
}

impl CallResponse {
    /// The value of a header (names are compared without case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

async fn send(request: Request) -> Result<Response, ApiError> {
    request.send().await.map_err(|e| ApiError::network(e.to_string()))
}

/// The response if it is a success, else its error.
async fn checked(response: Response) -> Result<Response, ApiError> {
    if response.ok() {
        return Ok(response);
    }
    // An unreadable body still leaves the status to report.
    let body = response.text().await.unwrap_or_default();
    Err(ApiError::from_response(response.status(), &response.status_text(), &body))
}

async fn json_of<T: DeserializeOwned>(response: Response) -> Result<T, ApiError> {
    let status = response.status();
    response.json().await.map_err(|e| ApiError::unexpected_body(status, e.to_string()))
}

/// Event triggers: a function's deliveries of vCD events and re-driving dead ones.
impl ApiClient {
    /// `GET /api/org/{org}/functions/{name}/deliveries[?status=…]`, newest first.
    pub async fn function_deliveries(
        &self,
        org: &str,
        name: &str,
        filter: crate::logic::event_deliveries::DeliveryFilter,
    ) -> Result<ListResponse<api_types::EventDelivery>, ApiError> {
        self.get(&crate::logic::event_deliveries::deliveries_url(&self.base, org, name, filter)).await
    }

    /// `POST /api/org/{org}/functions/{name}/deliveries/{id}/redrive`: a dead delivery queued again.
    pub async fn redrive_delivery(
        &self,
        org: &str,
        name: &str,
        id: &str,
    ) -> Result<api_types::EventDelivery, ApiError> {
        let url = crate::logic::event_deliveries::redrive_url(&self.base, org, name, id);
        self.send_json(Method::POST, &url, &serde_json::json!({})).await
    }

    /// `POST /api/org/{org}/functions/{name}/deliveries/redrive`: every dead delivery queued again.
    pub async fn redrive_dead_deliveries(&self, org: &str, name: &str) -> Result<api_types::Redriven, ApiError> {
        let url = crate::logic::event_deliveries::redrive_all_url(&self.base, org, name);
        self.send_json(Method::POST, &url, &serde_json::json!({})).await
    }
}
