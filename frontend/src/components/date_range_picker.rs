//! From and to dates with presets, for the cost explorers.

use leptos::prelude::*;

use crate::logic::date::{Date, DateRange};
use crate::logic::range_preset::RangePreset;

/// `#range-from`, `#range-to` and a button per preset. `range` changes only to a valid range;
/// a backwards one is reported under the inputs instead.
#[component]
pub fn DateRangePicker(range: RwSignal<DateRange>, today: Date) -> impl IntoView {
    let from = RwSignal::new(range.get_untracked().from.to_string());
    let to = RwSignal::new(range.get_untracked().to.to_string());
    let problem = RwSignal::new(None::<&'static str>);
    let apply = move || {
        let parsed = (Date::parse_iso(&from.get_untracked()), Date::parse_iso(&to.get_untracked()));
        let result = match parsed {
            (Some(f), Some(t)) => DateRange::new(f, t),
            _ => Err("pick both days"),
        };
        match result {
            Ok(r) => {
                problem.set(None);
                range.set(r);
            }
            Err(why) => problem.set(Some(why)),
        }
    };
    let choose = move |preset: RangePreset| {
        let r = preset.range(today);
        from.set(r.from.to_string());
        to.set(r.to.to_string());
        problem.set(None);
        range.set(r);
    };
    let presets = RangePreset::ALL
        .into_iter()
        .map(|p| {
            let active = move || RangePreset::matching(range.get(), today) == Some(p);
            view! {
                <button
                    id=p.id()
                    type="button"
                    class="btn btn-sm btn-outline preset"
                    class:active=active
                    aria-pressed=move || active().to_string()
                    on:click=move |_| choose(p)
                >
                    {p.label()}
                </button>
            }
        })
        .collect_view();
    let max = today.to_string();
    view! {
        <div class="range-picker">
            <label class="toolbar-field">
                <span class="toolbar-label">"From"</span>
                <input
                    id="range-from"
                    type="date"
                    class="clr-input date"
                    max=max.clone()
                    prop:value=from
                    on:change=move |ev| {
                        from.set(event_target_value(&ev));
                        apply();
                    }
                />
            </label>
            <label class="toolbar-field">
                <span class="toolbar-label">"To"</span>
                <input
                    id="range-to"
                    type="date"
                    class="clr-input date"
                    max=max
                    prop:value=to
                    on:change=move |ev| {
                        to.set(event_target_value(&ev));
                        apply();
                    }
                />
            </label>
            <div class="btn-group" role="group" aria-label="Presets">{presets}</div>
            {move || problem.get().map(|why| view! { <div class="field-error range-error">{why}</div> })}
        </div>
    }
}
