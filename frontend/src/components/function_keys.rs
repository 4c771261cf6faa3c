//! The keys of a function whose callers hold a key (`access: keys`): the list, a new key (its
//! secret shown once, with how to send it) and deleting one.

use api_types::{FunctionKey, NewFunctionKey};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{ApiClient, ApiError};
use crate::components::datagrid::{Column, Datagrid};
use crate::components::empty_state::EmptyState;
use crate::components::error_alert::ErrorAlert;
use crate::components::icon::{Icon, IconShape};
use crate::components::rule_copy_button::RuleCopyButton;
use crate::components::spinner::Spinner;
use crate::logic::display::{count_noun, format_timestamp};

const COLUMNS: &[Column] = &[Column::text("Name"), Column::text("Created"), Column::text("")];

/// The keys of `name`, with a form to make one.
#[component]
pub fn FunctionKeys(org: String, name: String, #[prop(into)] path: String) -> impl IntoView {
    let api = expect_context::<ApiClient>();
    let (fetch_api, fetch_org, fetch_name) = (api.clone(), org.clone(), name.clone());
    let keys = LocalResource::new(move || {
        let (api, org, name) = (fetch_api.clone(), fetch_org.clone(), fetch_name.clone());
        async move { api.function_keys(&org, &name).await }
    });
    let key_name = RwSignal::new(String::new());
    let created = RwSignal::new(None::<NewFunctionKey>);
    let failure = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);

    let (make_api, make_org, make_name) = (api.clone(), org.clone(), name.clone());
    let make = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        failure.set(None);
        let (api, org, name, label) = (make_api.clone(), make_org.clone(), make_name.clone(), key_name.get_untracked());
        spawn_local(async move {
            let result = api.create_function_key(&org, &name, &label).await;
            busy.set(false);
            match result {
                Ok(key) => {
                    key_name.set(String::new());
                    created.set(Some(key));
                    keys.refetch();
                }
                Err(error) => failure.set(Some(error)),
            }
        });
    };
    let remove = Callback::new(move |id: String| {
        busy.set(true);
        failure.set(None);
        let (api, org, name) = (api.clone(), org.clone(), name.clone());
        spawn_local(async move {
            let result = api.delete_function_key(&org, &name, &id).await;
            busy.set(false);
            match result {
                Ok(()) => keys.refetch(),
                Err(error) => failure.set(Some(error)),
            }
        });
    });
    let list = move || {
        match keys.get() {
        None => view! { <Spinner label="Loading keys…" /> }.into_any(),
        Some(Err(error)) => view! { <ErrorAlert error /> }.into_any(),
        Some(Ok(list)) if list.items.is_empty() => {
            view! { <EmptyState title="No keys yet" hint="Make one for each caller, so that each can be deleted alone." /> }
                .into_any()
        }
        Some(Ok(list)) => {
            let footer = count_noun(list.items.len(), "key", "keys");
            let rows = list.items.into_iter().map(|k| key_row(k, busy, remove)).collect_view();
            view! { <Datagrid columns=COLUMNS footer table_id="keys-table">{rows}</Datagrid> }.into_any()
        }
    }
    };
    view! {
        <div class="card overview-card" id="function-keys">
            <div class="card-header">"Function keys"</div>
            <div class="card-block">
                <p class="muted">
                    "A caller sends a key in the " <code>"x-functions-key"</code> " header or as "
                    <code>"?code="</code> ". Only a hash is kept: a key is shown once, when it is made."
                </p>
                {move || created.get().map(|key| view! { <NewKey key path=path.clone() /> })}
                {move || failure.get().map(|error| view! { <ErrorAlert error /> })}
                <form class="panel-toolbar" on:submit=make>
                    <input
                        id="key-name"
                        class="clr-input"
                        type="text"
                        maxlength="63"
                        placeholder="Who holds it, e.g. chat webhook"
                        prop:value=key_name
                        on:input=move |ev| key_name.set(event_target_value(&ev))
                    />
                    <button id="key-create" type="submit" class="btn btn-sm btn-primary" disabled=move || busy.get()>
                        "New key"
                    </button>
                </form>
                {list}
            </div>
        </div>
    }
}

/// The secret of a key just made, to copy now.
#[component]
fn NewKey(key: NewFunctionKey, path: String) -> impl IntoView {
    let example = format!("curl -H 'x-functions-key: {}' https://<stratus>{path}", key.secret);
    view! {
        <div class="alert alert-info" role="status" id="key-created">
            <Icon shape=IconShape::Info size=20 />
            <div class="alert-body">
                <p class="alert-message">"Copy the key now: it is not shown again."</p>
                <p class="copy-row">
                    <code id="key-secret" class="secret-value">{key.secret.clone()}</code>
                    <RuleCopyButton id="key-secret-copy" text=key.secret />
                </p>
                <p class="alert-code">
                    <code>{example}</code>
                </p>
            </div>
        </div>
    }
}

fn key_row(key: FunctionKey, busy: RwSignal<bool>, remove: Callback<String>) -> impl IntoView {
    let id = key.id.clone();
    view! {
        <tr data-key=key.id.clone()>
            <td>{key.name}</td>
            <td title=key.created_at.clone()>{format_timestamp(&key.created_at)}</td>
            <td class="row-actions">
                <button
                    type="button"
                    class="btn btn-sm btn-link btn-danger"
                    disabled=move || busy.get()
                    on:click=move |_| remove.run(id.clone())
                >
                    "Delete"
                </button>
            </td>
        </tr>
    }
}
