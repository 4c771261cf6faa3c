//! `#groupby`: what the cost table groups by.

use leptos::prelude::*;

use crate::logic::cost_rows::GroupBy;

#[component]
pub fn GroupBySelect(group_by: RwSignal<GroupBy>) -> impl IntoView {
    let options = GroupBy::TENANT
        .into_iter()
        .map(|g| view! { <option value=g.as_str() selected=move || group_by.get() == g>{g.label()}</option> })
        .collect_view();
    view! {
        <label class="toolbar-field">
            <span class="toolbar-label">"Group by"</span>
            <select
                id="groupby"
                class="clr-select"
                on:change=move |ev| {
                    if let Some(g) = GroupBy::parse(&event_target_value(&ev)) {
                        group_by.set(g);
                    }
                }
            >
                {options}
            </select>
        </label>
    }
}
