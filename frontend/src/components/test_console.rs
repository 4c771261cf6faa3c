//! The test console: call a function with any method, path, query, headers and body, and see
//! its answer and the logs of that very call.

use std::time::Duration;

use api_types::InvocationRecord;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{ApiClient, ApiError, CallRequest, CallResponse};
use crate::components::error_alert::ErrorAlert;
use crate::components::icon::{Icon, IconShape};
use crate::components::key_value_rows::{KeyValueRows, PairRow};
use crate::components::status_badge::StatusBadge;
use crate::host;
use crate::logic::display::{BadgeKind, format_bytes, http_status_badge};
use crate::logic::test_call::{
    self, COLD_START_HEADER, DURATION_HEADER, GatewayError, INVOCATION_HEADER, LOG_RETRY_DELAYS_MS, METHODS,
};

/// Where the logs of the last call are.
#[derive(Debug, Clone, PartialEq)]
enum Logs {
    /// Looking them up; the history is written in the background.
    Waiting,
    Found(Box<InvocationRecord>),
    /// The answer named no invocation (the gateway refused the call before running it).
    NoInvocation,
    /// Not written after all the retries.
    NotYet(String),
    Failed(ApiError),
}

/// The console for the function answering on `path` (`/api/org/{org}/{route}`).
#[component]
pub fn TestConsole(org: String, #[prop(into)] path: Signal<String>) -> impl IntoView {
    let api = expect_context::<ApiClient>();
    let method = RwSignal::new("GET".to_owned());
    let sub_path = RwSignal::new(String::new());
    let query = RwSignal::new(String::new());
    let headers = RwSignal::new(Vec::<PairRow>::new());
    let body = RwSignal::new(String::new());
    let sending = RwSignal::new(false);
    let problem = RwSignal::new(None::<String>);
    let response = RwSignal::new(None::<Result<CallResponse, ApiError>>);
    let logs = RwSignal::new(Logs::Waiting);
    let generation = StoredValue::new(0u64);
    let has_body = move || test_call::method_has_body(&method.get());

    let send = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if sending.get_untracked() {
            return;
        }
        let header_rows = PairRow::pairs(&headers.get_untracked());
        if let Some(reason) = test_call::header_problem(&header_rows) {
            problem.set(Some(reason));
            return;
        }
        problem.set(None);
        let call = CallRequest {
            method: method.get_untracked(),
            function_path: path.get_untracked(),
            sub_path: sub_path.get_untracked(),
            query: query.get_untracked(),
            headers: header_rows,
            body: Some(body.get_untracked()),
        };
        generation.update_value(|g| *g += 1);
        let this_call = generation.get_value();
        sending.set(true);
        logs.set(Logs::Waiting);
        let (api, org) = (api.clone(), org.clone());
        spawn_local(async move {
            let result = api.call_function(&call).await;
            if generation.get_value() != this_call {
                return;
            }
            sending.set(false);
            let id = result.as_ref().ok().and_then(|r| r.header(INVOCATION_HEADER)).map(str::to_owned);
            response.set(Some(result));
            let Some(id) = id else {
                logs.set(Logs::NoInvocation);
                return;
            };
            let current = move || generation.get_value() == this_call;
            let found = fetch_logs(&api, &org, &id, current).await;
            if current() {
                logs.set(found);
            }
        });
    };

    let method_options = METHODS
        .into_iter()
        .map(|m| view! { <option value=m selected=move || method.get() == m>{m}</option> })
        .collect_view();
    let result = move || {
        response.get().map(|result| match result {
            Err(error) => view! { <ErrorAlert error /> }.into_any(),
            Ok(answer) => view! { <CallResult answer logs /> }.into_any(),
        })
    };
    view! {
        <div id="test-console" class="test-console">
            <form class="card test-request" on:submit=send>
                <div class="card-block">
                    <div class="request-line">
                        <select
                            id="test-method"
                            class="clr-select"
                            aria-label="Method"
                            on:change=move |ev| method.set(event_target_value(&ev))
                        >
                            {method_options}
                        </select>
                        <div class="request-url">
                            <code class="request-base">{path}"/"</code>
                            <input
                                id="test-path"
                                type="text"
                                class="clr-input"
                                aria-label="Sub-path"
                                placeholder="sub/path"
                                spellcheck="false"
                                prop:value=sub_path
                                on:input=move |ev| sub_path.set(event_target_value(&ev))
                            />
                            <code class="request-base">"?"</code>
                            <input
                                id="test-query"
                                type="text"
                                class="clr-input query"
                                aria-label="Query string"
                                placeholder="name=world"
                                spellcheck="false"
                                prop:value=query
                                on:input=move |ev| query.set(event_target_value(&ev))
                            />
                        </div>
                        <button id="test-send" type="submit" class="btn btn-primary" disabled=move || sending.get()>
                            {move || if sending.get() { "Sending…" } else { "Send" }}
                        </button>
                    </div>
                    {move || problem.get().map(|p| view! { <div class="field-error">{p}</div> })}
                    <div class="request-parts">
                        <div class="request-part">
                            <div class="form-section-title">"Headers"</div>
                            <p class="form-help">
                                "Your API token is sent as Authorization; the function does not see it."
                            </p>
                            <KeyValueRows
                                rows=headers
                                id="test-headers"
                                add_label="Add header"
                                key_placeholder="x-header-name"
                                value_placeholder="value"
                            />
                        </div>
                        <div class="request-part grow">
                            <label class="form-section-title" for="test-body">
                                "Body"
                            </label>
                            <textarea
                                id="test-body"
                                class="clr-textarea mono"
                                rows="6"
                                spellcheck="false"
                                disabled=move || !has_body()
                                placeholder=move || {
                                    if has_body() {
                                        "{\"name\": \"world\"}  (sent as application/json when it parses)"
                                    } else {
                                        "GET and HEAD requests have no body"
                                    }
                                }
                                prop:value=body
                                on:input=move |ev| body.set(event_target_value(&ev))
                            ></textarea>
                        </div>
                    </div>
                </div>
            </form>
            {result}
        </div>
    }
}

/// Looks up the invocation until it has finished, for about two seconds; `current` says
/// whether this call is still the console's latest.
async fn fetch_logs(api: &ApiClient, org: &str, id: &str, current: impl Fn() -> bool) -> Logs {
    let mut last = None;
    for delay in LOG_RETRY_DELAYS_MS {
        host::sleep(Duration::from_millis(u64::from(delay))).await;
        if !current() {
            return Logs::Waiting;
        }
        match api.invocation(org, id).await {
            Ok(found) if found.record.status.is_finished() => {
                return Logs::Found(Box::new(found.record));
            }
            Ok(found) => last = Some(found.record),
            Err(error) if error.status == 404 => {}
            Err(error) => return Logs::Failed(error),
        }
    }
    match last {
        Some(record) => Logs::Found(Box::new(record)),
        None => Logs::NotYet(id.to_owned()),
    }
}

/// One answer: status, timing, the gateway's error if any, body, headers, logs.
#[component]
fn CallResult(answer: CallResponse, logs: RwSignal<Logs>) -> impl IntoView {
    let status_text = format!("{} {}", answer.status, answer.status_text).trim().to_owned();
    let function_ms = test_call::duration_from_header(answer.header(DURATION_HEADER));
    let duration = test_call::format_duration_ms(function_ms.unwrap_or(answer.round_trip_ms));
    let duration_title = if function_ms.is_some() { "Run time of the function" } else { "Round trip" };
    let round_trip = format!("round trip {}", test_call::format_duration_ms(answer.round_trip_ms));
    let cold = answer.header(COLD_START_HEADER) == Some("true");
    let invocation = answer.header(INVOCATION_HEADER).map(str::to_owned);
    let gateway_error = GatewayError::parse(answer.status, &answer.body);
    let (shown_body, is_json) = match test_call::pretty_json(&answer.body) {
        Some(pretty) => (pretty, true),
        None => (answer.body.clone(), false),
    };
    let body_empty = shown_body.is_empty();
    let body_size = format_bytes(answer.body.len() as u64);
    let header_rows = answer
        .headers
        .iter()
        .map(|(name, value)| {
            view! {
                <tr>
                    <th scope="row">{name.clone()}</th>
                    <td>{value.clone()}</td>
                </tr>
            }
        })
        .collect_view();
    let header_count = answer.headers.len();
    let error_view = gateway_error.map(|e| {
        let stack = (!e.stack.is_empty()).then(|| view! { <pre class="code-block stack">{e.stack}</pre> });
        view! {
            <div class="alert alert-danger gateway-error" role="alert">
                <Icon shape=IconShape::Error size=20 />
                <div class="alert-body">
                    <p class="alert-message">{e.message}</p>
                    <p class="alert-code">
                        <code id="test-error-code">{e.code}</code>
                    </p>
                    {stack}
                </div>
            </div>
        }
    });
    let logs_view = move || {
        match logs.get() {
        Logs::Waiting => view! { <pre id="test-logs" class="code-block logs empty">"Fetching the logs of this call…"</pre> }.into_any(),
        Logs::Found(record) => {
            let memory = record.memory_used_bytes.map(|m| format!(" · {} memory", format_bytes(m)));
            let meta = format!("version {} · {}{}", record.version, record.status, memory.unwrap_or_default());
            let empty = record.logs.is_empty();
            let text = if empty { "(nothing logged)".to_owned() } else { record.logs };
            view! {
                <div class="detail-label muted">{meta}</div>
                <pre id="test-logs" class="code-block logs" class:empty=empty>{text}</pre>
            }
            .into_any()
        }
        Logs::NoInvocation => view! {
            <pre id="test-logs" class="code-block logs empty">"The gateway answered without running the function: no logs."</pre>
        }
        .into_any(),
        Logs::NotYet(id) => view! {
            <pre id="test-logs" class="code-block logs empty">
                "The history of invocation " {id} " is not written yet; see the Invocations tab in a moment."
            </pre>
        }
        .into_any(),
        Logs::Failed(error) => view! {
            <ErrorAlert error />
            <pre id="test-logs" class="code-block logs empty">"The logs could not be fetched."</pre>
        }
        .into_any(),
    }
    };
    let status_kind = http_status_badge(answer.status);
    view! {
        <div class="card test-result" data-status=answer.status>
            <div class="card-header result-summary">
                <span id="test-status" class=status_kind.class()>
                    {status_text}
                </span>
                <span class="result-fact" title=duration_title>
                    "Duration "
                    <strong id="test-duration">{duration}</strong>
                </span>
                <span class="result-fact muted">{round_trip}</span>
                {cold.then(|| view! { <StatusBadge kind=BadgeKind::Warning text="cold start" /> })}
                {invocation
                    .map(|id| {
                        view! {
                            <span class="result-fact muted">
                                "Invocation " <code id="test-invocation">{id}</code>
                            </span>
                        }
                    })}
            </div>
            <div class="card-block">
                {error_view}
                <div class="result-columns">
                    <div class="result-column">
                        <div class="detail-label">
                            "Body " <span class="muted">{body_size} {is_json.then_some(" · JSON")}</span>
                        </div>
                        <pre id="test-body-out" class="code-block body" class:empty=body_empty>
                            {shown_body}
                        </pre>
                        <details class="response-headers">
                            <summary>{format!("Response headers ({header_count})")}</summary>
                            <table class="headers-table">
                                <tbody>{header_rows}</tbody>
                            </table>
                        </details>
                    </div>
                    <div class="result-column">
                        <div class="detail-label">"Logs of this call"</div>
                        {logs_view}
                    </div>
                </div>
            </div>
        </div>
    }
}
