//! Editable name/value rows: environment variables, request headers.

use std::sync::atomic::{AtomicU64, Ordering};

use leptos::prelude::*;

use crate::components::field_error::FieldError;

/// One row; its signals let a keystroke update the row without redrawing the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PairRow {
    pub id: u64,
    pub key: RwSignal<String>,
    pub value: RwSignal<String>,
}

impl PairRow {
    pub fn new(key: impl Into<String>, value: impl Into<String>) -> Self {
        Self { id: next_row_id(), key: RwSignal::new(key.into()), value: RwSignal::new(value.into()) }
    }

    /// The rows' current `(name, value)` pairs, read without tracking.
    pub fn pairs(rows: &[PairRow]) -> Vec<(String, String)> {
        rows.iter().map(|r| (r.key.get_untracked(), r.value.get_untracked())).collect()
    }
}

/// A fresh id for a row of any editable list.
pub fn next_row_id() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// The rows with a remove button each and an add button below. `row_errors` gives the
/// messages to show under the row with a given name.
#[component]
pub fn KeyValueRows(
    rows: RwSignal<Vec<PairRow>>,
    #[prop(into)] id: String,
    #[prop(into)] add_label: String,
    #[prop(into)] key_placeholder: String,
    #[prop(into)] value_placeholder: String,
    #[prop(optional)] row_errors: Option<Callback<String, Vec<String>>>,
) -> impl IntoView {
    let (key_placeholder, value_placeholder) = (StoredValue::new(key_placeholder), StoredValue::new(value_placeholder));
    let row = move |row: PairRow| {
        let errors = Signal::derive(move || row_errors.map(|f| f.run(row.key.get())).unwrap_or_default());
        view! {
            <div class="kv-row">
                <div class="kv-inputs">
                    <input
                        type="text"
                        class="clr-input kv-key"
                        class:invalid=move || !errors.with(Vec::is_empty)
                        aria-label="Name"
                        placeholder=key_placeholder.get_value()
                        spellcheck="false"
                        prop:value=row.key
                        on:input=move |ev| row.key.set(event_target_value(&ev))
                    />
                    <input
                        type="text"
                        class="clr-input kv-value"
                        aria-label="Value"
                        placeholder=value_placeholder.get_value()
                        spellcheck="false"
                        prop:value=row.value
                        on:input=move |ev| row.value.set(event_target_value(&ev))
                    />
                    <button
                        type="button"
                        class="btn btn-sm btn-link btn-icon"
                        title="Remove"
                        aria-label="Remove"
                        on:click=move |_| rows.update(|rs| rs.retain(|r| r.id != row.id))
                    >
                        "×"
                    </button>
                </div>
                <FieldError messages=errors />
            </div>
        }
    };
    view! {
        <div class="kv-rows" id=id>
            <For each=move || rows.get() key=|r| r.id children=row />
            <button type="button" class="btn btn-sm btn-link" on:click=move |_| rows.update(|rs| rs.push(PairRow::new("", "")))>
                "+ "
                {add_label}
            </button>
        </div>
    }
}
