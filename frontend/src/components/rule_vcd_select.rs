//! A `<select>` of vCD objects for the rule form (templates, vApps, edge gateways, pools).

use api_types::VcdObject;
use leptos::prelude::*;

use crate::api::ApiError;

/// The code of the picker endpoints' 503 when vCD is not configured or does not answer.
pub const VCD_UNAVAILABLE: &str = "vcd_unavailable";

/// The objects a picker offers: `None` while loading.
pub type VcdChoices = Option<Result<Vec<VcdObject>, ApiError>>;

/// A select bound to `value`, an object's id (or its name, with `by_name`). While `choices`
/// load it is disabled; when they failed it says why. A current value the list lacks (the
/// object is gone, or vCD is down) stays selected, shown as `current_label`. The element
/// carries `data-state` (`loading`, `ready`, `error`) and `data-count`, the objects offered.
#[component]
pub fn RuleVcdSelect(
    #[prop(into)] id: String,
    #[prop(into)] choices: Signal<VcdChoices>,
    value: RwSignal<String>,
    /// The first, empty option, e.g. "Choose a vApp".
    placeholder: &'static str,
    #[prop(into)] invalid: Signal<bool>,
    #[prop(optional)] by_name: bool,
    #[prop(optional, into)] current_label: Option<String>,
    /// Shown instead of the choices while there can be none (e.g. pools before an edge).
    #[prop(optional, into)]
    waiting_for: Option<Signal<Option<&'static str>>>,
) -> impl IntoView {
    let key = move |o: &VcdObject| if by_name { o.name.clone() } else { o.id.clone() };
    let current_label = StoredValue::new(current_label);
    let waiting = move || waiting_for.and_then(|w| w.get());
    let state = move || match choices.with(|c| c.as_ref().map(Result::is_ok)) {
        _ if waiting().is_some() => "waiting",
        None => "loading",
        Some(true) => "ready",
        Some(false) => "error",
    };
    let count = move || choices.with(|c| c.as_ref().and_then(|r| r.as_ref().ok()).map_or(0, Vec::len));
    let options = move || {
        let selected = value.get();
        let first = match (waiting(), choices.with(|c| c.as_ref().map(|r| r.as_ref().err().map(|e| e.code.clone())))) {
            (Some(why), _) => why.to_owned(),
            (None, None) => "Loading…".to_owned(),
            (None, Some(Some(code))) if code == VCD_UNAVAILABLE => "vCD is not available".to_owned(),
            (None, Some(Some(_))) => "Could not load the list".to_owned(),
            (None, Some(None)) => placeholder.to_owned(),
        };
        let objects = choices.get().and_then(Result::ok).unwrap_or_default();
        let missing = !selected.is_empty() && !objects.iter().any(|o| key(o) == selected);
        let current = missing.then(|| {
            let label = current_label.get_value().filter(|l| !l.is_empty()).unwrap_or_else(|| selected.clone());
            view! { <option value=selected.clone() selected=true>{format!("{label} (current)")}</option> }
        });
        let listed = objects
            .into_iter()
            .map(|o| {
                let k = key(&o);
                let is_selected = k == selected;
                let label = match o.members {
                    Some(n) => format!("{} ({n} member{})", o.name, if n == 1 { "" } else { "s" }),
                    None => o.name.clone(),
                };
                view! { <option value=k selected=is_selected>{label}</option> }
            })
            .collect_view();
        view! {
            <option value="" selected=selected.is_empty()>{first}</option>
            {current}
            {listed}
        }
    };
    let failure = move || {
        choices.get().and_then(Result::err).filter(|e| e.code != VCD_UNAVAILABLE).map(|e| {
            view! { <div class="field-error">{format!("Could not load the list: {}", e.message)}</div> }
        })
    };
    view! {
        <select
            id=id
            class="clr-select picker"
            class:invalid=move || invalid.get()
            data-state=state
            data-count=count
            disabled=move || state() != "ready"
            on:change=move |ev| value.set(event_target_value(&ev))
        >
            {options}
        </select>
        {failure}
    }
}
