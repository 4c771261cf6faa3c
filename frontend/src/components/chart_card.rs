//! A card holding one chart drawn by the `charts` crate, or why there is none yet.

use leptos::prelude::*;

use crate::api::ApiError;
use crate::components::error_alert::ErrorAlert;
use crate::components::spinner::Spinner;
use crate::logic::load_state::DataState;

/// What a chart card shows.
#[derive(Debug, Clone, PartialEq)]
pub enum ChartContent {
    Loading,
    Failed(ApiError),
    /// Nothing to draw; the text says why.
    Empty(String),
    /// The SVG document to insert.
    Svg(String),
}

impl ChartContent {
    fn state(&self) -> DataState {
        match self {
            ChartContent::Loading => DataState::Loading,
            ChartContent::Failed(_) => DataState::Error,
            ChartContent::Empty(_) => DataState::Empty,
            ChartContent::Svg(_) => DataState::Ready,
        }
    }
}

/// The card; `id` is on the element the SVG is inserted into, which carries `data-state`.
/// `title` heads the card until the chart, which has its own caption, is drawn.
#[component]
pub fn ChartCard(
    #[prop(into)] id: String,
    #[prop(into)] title: String,
    #[prop(into)] content: Signal<ChartContent>,
    /// An id for the card itself.
    #[prop(optional, into)]
    card_id: Option<String>,
) -> impl IntoView {
    let title = StoredValue::new(title);
    let placeholder = move || {
        let inner = match content.get() {
            ChartContent::Svg(_) => return None,
            ChartContent::Loading => view! { <Spinner label="Loading…" /> }.into_any(),
            ChartContent::Failed(error) => view! { <ErrorAlert error /> }.into_any(),
            ChartContent::Empty(text) => view! { <p class="chart-empty">{text}</p> }.into_any(),
        };
        Some(view! {
            <div class="chart-placeholder">
                <p class="chart-title">{title.get_value()}</p>
                {inner}
            </div>
        })
    };
    let svg = move || match content.get() {
        ChartContent::Svg(svg) => svg,
        _ => String::new(),
    };
    view! {
        <div id=card_id class="card chart-card">
            {placeholder}
            <div id=id class="chart" data-state=move || content.with(|c| c.state().as_str()) inner_html=svg></div>
        </div>
    }
}
