//! `#export-csv`: downloads the org's records of the range as CSV, with the bearer token.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::ApiClient;
use crate::host;
use crate::logic::date::DateRange;
use crate::logic::urls::export_file_name;

/// The button; its `data-state` is `idle`, `exporting`, `done` or `error` (the reason in its
/// title and beside it).
#[component]
pub fn ExportButton(org: String, #[prop(into)] range: Signal<DateRange>) -> impl IntoView {
    let api = expect_context::<ApiClient>();
    let state = RwSignal::new("idle");
    let failure = RwSignal::new(None::<String>);
    let export = move |_| {
        if state.get_untracked() == "exporting" {
            return;
        }
        state.set("exporting");
        failure.set(None);
        let (api, org, range) = (api.clone(), org.clone(), range.get_untracked());
        spawn_local(async move {
            let saved = match api.export_csv(&org, range).await {
                Ok(csv) => host::save_file(&export_file_name(&org, range), "text/csv", &csv),
                Err(error) => Err(error.to_string()),
            };
            match saved {
                Ok(()) => state.set("done"),
                Err(why) => {
                    failure.set(Some(why));
                    state.set("error");
                }
            }
        });
    };
    view! {
        <button
            id="export-csv"
            type="button"
            class="btn btn-sm btn-outline"
            data-state=move || state.get()
            title=move || failure.get().unwrap_or_else(|| "The records of the range, as CSV".to_owned())
            disabled=move || state.get() == "exporting"
            on:click=export
        >
            {move || if state.get() == "exporting" { "Exporting…" } else { "Export CSV" }}
        </button>
        {move || failure.get().map(|why| view! { <span class="export-error">{why}</span> })}
    }
}
