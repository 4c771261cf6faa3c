//! The budget editor: amount, currency and warning thresholds, saved with `PUT …/budget`.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{ApiClient, ApiError};
use crate::components::error_alert::ErrorAlert;
use crate::components::field_error::FieldError;
use crate::components::modal::Modal;
use crate::components::modal_footer::{ModalFooter, busy_label};
use crate::logic::budget_form::{BudgetErrors, BudgetValues};

/// A dialog starting from `initial`; `on_saved` runs once the API has stored the budget.
#[component]
pub fn BudgetEditor(
    org: String,
    initial: BudgetValues,
    on_close: Callback<()>,
    on_saved: Callback<()>,
) -> impl IntoView {
    let api = expect_context::<ApiClient>();
    let amount = RwSignal::new(initial.amount);
    let currency = RwSignal::new(initial.currency);
    let thresholds = RwSignal::new(initial.thresholds);
    let errors = RwSignal::new(BudgetErrors::default());
    let failure = RwSignal::new(None::<ApiError>);
    let saving = RwSignal::new(false);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if saving.get_untracked() {
            return;
        }
        failure.set(None);
        let values = BudgetValues {
            amount: amount.get_untracked(),
            currency: currency.get_untracked(),
            thresholds: thresholds.get_untracked(),
        };
        let budget = match values.to_budget() {
            Ok(budget) => budget,
            Err(found) => return errors.set(found),
        };
        errors.set(BudgetErrors::default());
        saving.set(true);
        let (api, org) = (api.clone(), org.clone());
        spawn_local(async move {
            let result = api.put_budget(&org, &budget).await;
            saving.set(false);
            match result {
                Ok(_) => on_saved.run(()),
                Err(error) if error.status == 422 => errors.set(BudgetErrors::from_api(&error)),
                Err(error) => failure.set(Some(error)),
            }
        });
    };
    let field = move |pick: fn(&BudgetErrors) -> Vec<String>| Signal::derive(move || errors.with(pick));
    let (amount_errors, currency_errors, threshold_errors, general) = (
        field(|e| e.amount.clone()),
        field(|e| e.currency.clone()),
        field(|e| e.thresholds.clone()),
        field(|e| e.general.clone()),
    );
    let invalid = move |messages: Signal<Vec<String>>| move || !messages.with(Vec::is_empty);
    view! {
        <Modal title="Monthly budget" id="budget-dialog" on_close>
            <form on:submit=save novalidate>
                <div class="modal-body">
                    {move || failure.get().map(|error| view! { <ErrorAlert error /> })}
                    <FieldError messages=general />
                    <div class="form-row compact">
                        <label class="form-label" for="budget-amount">"Amount"</label>
                        <div class="form-control">
                            <input
                                id="budget-amount"
                                type="text"
                                inputmode="decimal"
                                class="clr-input"
                                class:invalid=invalid(amount_errors)
                                placeholder="e.g. 2500"
                                prop:value=amount
                                on:input=move |ev| amount.set(event_target_value(&ev))
                            />
                            <FieldError messages=amount_errors />
                        </div>
                    </div>
                    <div class="form-row compact">
                        <label class="form-label" for="budget-currency">"Currency"</label>
                        <div class="form-control">
                            <input
                                id="budget-currency"
                                type="text"
                                class="clr-input narrow"
                                class:invalid=invalid(currency_errors)
                                maxlength="3"
                                prop:value=currency
                                on:input=move |ev| currency.set(event_target_value(&ev))
                            />
                            <FieldError messages=currency_errors />
                        </div>
                    </div>
                    <div class="form-row compact">
                        <label class="form-label" for="budget-thresholds">"Warn at"</label>
                        <div class="form-control">
                            <input
                                id="budget-thresholds"
                                type="text"
                                class="clr-input"
                                class:invalid=invalid(threshold_errors)
                                placeholder="50, 80, 100"
                                prop:value=thresholds
                                on:input=move |ev| thresholds.set(event_target_value(&ev))
                            />
                            <p class="form-help">"Percentages of the budget, comma-separated; empty for 50, 80, 100."</p>
                            <FieldError messages=threshold_errors />
                        </div>
                    </div>
                </div>
                <ModalFooter
                    on_cancel=on_close
                    confirm_id="budget-save"
                    label=busy_label(saving, "Save", "Saving…")
                    disabled=saving
                />
            </form>
        </Modal>
    }
}
