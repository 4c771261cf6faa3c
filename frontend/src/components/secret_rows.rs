//! The secrets of a function: existing ones by name only, replaceable and removable; new ones
//! as name and value.

use leptos::prelude::*;

use crate::components::field_error::FieldError;
use crate::components::key_value_rows::next_row_id;
use crate::logic::function_form::SecretRow;

/// One row of the list, as signals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecretEntry {
    pub id: u64,
    pub name: RwSignal<String>,
    /// The new value; only sent when `replacing` (existing) or for a new secret.
    pub value: RwSignal<String>,
    pub existing: bool,
    pub replacing: RwSignal<bool>,
    pub removed: RwSignal<bool>,
}

impl SecretEntry {
    pub fn from_row(row: &SecretRow) -> Self {
        Self {
            id: next_row_id(),
            name: RwSignal::new(row.name.clone()),
            value: RwSignal::new(row.value.clone()),
            existing: row.existing,
            replacing: RwSignal::new(false),
            removed: RwSignal::new(row.removed),
        }
    }

    /// The row as the form logic sees it, read without tracking.
    pub fn to_row(&self) -> SecretRow {
        let replacing = self.existing && self.replacing.get_untracked();
        SecretRow {
            name: self.name.get_untracked(),
            value: if replacing || !self.existing { self.value.get_untracked() } else { String::new() },
            existing: self.existing,
            replacing,
            removed: self.removed.get_untracked(),
        }
    }
}

/// The list with its buttons. `row_errors` gives the messages for a secret's name.
#[component]
pub fn SecretRows(
    rows: RwSignal<Vec<SecretEntry>>,
    #[prop(into)] id: String,
    row_errors: Callback<String, Vec<String>>,
) -> impl IntoView {
    let row = move |entry: SecretEntry| {
        let errors = Signal::derive(move || row_errors.run(entry.name.get()));
        let value_input = move || {
            view! {
                <input
                    type="password"
                    class="clr-input kv-value"
                    class:invalid=move || !errors.with(Vec::is_empty)
                    aria-label="Secret value"
                    placeholder=if entry.existing { "New value" } else { "Value" }
                    autocomplete="new-password"
                    prop:value=entry.value
                    on:input=move |ev| entry.value.set(event_target_value(&ev))
                />
            }
        };
        let existing_state = move || {
            if entry.removed.get() {
                view! {
                    <span class="secret-state removed">"Will be removed"</span>
                    <button type="button" class="btn btn-sm btn-link" on:click=move |_| entry.removed.set(false)>
                        "Undo"
                    </button>
                }
                .into_any()
            } else if entry.replacing.get() {
                view! {
                    {value_input()}
                    <button
                        type="button"
                        class="btn btn-sm btn-link"
                        on:click=move |_| {
                            entry.replacing.set(false);
                            entry.value.set(String::new());
                        }
                    >
                        "Keep"
                    </button>
                }
                .into_any()
            } else {
                view! {
                    <span class="secret-state">"•••• set"</span>
                    <button type="button" class="btn btn-sm btn-link" on:click=move |_| entry.replacing.set(true)>
                        "Replace"
                    </button>
                    <button type="button" class="btn btn-sm btn-link danger" on:click=move |_| entry.removed.set(true)>
                        "Remove"
                    </button>
                }
                .into_any()
            }
        };
        let inputs = if entry.existing {
            view! {
                <span class="kv-key secret-name" class:struck=move || entry.removed.get()>
                    <code>{entry.name}</code>
                </span>
                {existing_state}
            }
            .into_any()
        } else {
            view! {
                <input
                    type="text"
                    class="clr-input kv-key"
                    aria-label="Secret name"
                    placeholder="NAME"
                    spellcheck="false"
                    prop:value=entry.name
                    on:input=move |ev| entry.name.set(event_target_value(&ev))
                />
                {value_input()}
                <button
                    type="button"
                    class="btn btn-sm btn-link btn-icon"
                    title="Remove"
                    aria-label="Remove"
                    on:click=move |_| rows.update(|rs| rs.retain(|r| r.id != entry.id))
                >
                    "×"
                </button>
            }
            .into_any()
        };
        view! {
            <div class="kv-row">
                <div class="kv-inputs">{inputs}</div>
                <FieldError messages=errors />
            </div>
        }
    };
    let add = move |_| rows.update(|rs| rs.push(SecretEntry::from_row(&SecretRow::default())));
    view! {
        <div class="kv-rows" id=id>
            <For each=move || rows.get() key=|r| r.id children=row />
            <button type="button" class="btn btn-sm btn-link" on:click=add>
                "+ Add secret"
            </button>
        </div>
    }
}
