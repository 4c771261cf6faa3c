//! A failed API call, shown in full: code, message, every detail.

use leptos::prelude::*;

use crate::api::ApiError;
use crate::components::icon::{Icon, IconShape};
use crate::logic::api_error::describe_detail;

/// A Clarity `alert-danger` for one [`ApiError`].
#[component]
pub fn ErrorAlert(error: ApiError) -> impl IntoView {
    let status = (error.status != 0).then(|| format!("HTTP {}", error.status));
    let details = error.details.iter().map(|d| view! { <li>{describe_detail(d)}</li> }).collect_view();
    view! {
        <div class="alert alert-danger" role="alert">
            <Icon shape=IconShape::Error size=20 />
            <div class="alert-body">
                <p class="alert-message">{error.message.clone()}</p>
                <p class="alert-code">
                    <code>{error.code.clone()}</code>
                    {status.map(|s| view! { " " <span class="alert-status">{s}</span> })}
                </p>
                <ul class="alert-details">{details}</ul>
            </div>
        </div>
    }
}
