//! "Upload .zip": replaces a function's code with the files of a zip archive (its
//! `node_modules` included), as Lambda's console does.

use api_types::Function;
use leptos::html::Input;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::ApiClient;
use crate::components::field_error::FieldError;

/// The button and its hidden file input; `on_saved` gets the new version (`initializing`).
#[component]
pub fn ZipUpload(org: String, name: String, on_saved: Callback<Function>) -> impl IntoView {
    let api = expect_context::<ApiClient>();
    let input = NodeRef::<Input>::new();
    let busy = RwSignal::new(false);
    let problem = RwSignal::new(Vec::<String>::new());
    let on_change = move |_| {
        let Some(file) = input.get().and_then(|i| i.files()).and_then(|list| list.get(0)) else {
            return;
        };
        busy.set(true);
        problem.set(Vec::new());
        let (api, org, name) = (api.clone(), org.clone(), name.clone());
        spawn_local(async move {
            let result = api.upload_code(&org, &name, &file).await;
            busy.set(false);
            if let Some(input) = input.get_untracked() {
                input.set_value("");
            }
            match result {
                Ok(function) => on_saved.run(function),
                Err(error) => {
                    let mut messages: Vec<String> = error.details.iter().map(|d| d.reason.clone()).collect();
                    if messages.is_empty() {
                        messages.push(error.message.clone());
                    }
                    problem.set(messages);
                }
            }
        });
    };
    view! {
        <div class="zip-upload">
            <label class="btn btn-sm btn-outline" for="fn-zip" class:disabled=move || busy.get()>
                {move || if busy.get() { "Uploading…" } else { "Upload .zip" }}
            </label>
            <input
                id="fn-zip"
                type="file"
                class="visually-hidden"
                accept=".zip,application/zip"
                node_ref=input
                disabled=move || busy.get()
                on:change=on_change
            />
            <FieldError messages=Signal::derive(move || problem.get()) />
        </div>
    }
}
