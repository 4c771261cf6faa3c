//! `#/new-function`: the form that creates a function.

use leptos::prelude::*;

use crate::components::function_form::FunctionForm;
use crate::host;
use crate::logic::function_form::{FormMode, FormValues};
use crate::logic::route::{FunctionTab, Route};
use crate::logic::templates::Template;

#[component]
pub fn NewFunctionPage(org: String) -> impl IntoView {
    let initial = FormValues { code: Template::OpenFaas.code().to_owned(), ..FormValues::default() };
    let on_saved = Callback::new(|function: api_types::Function| {
        host::go_to(&Route::function_href(&function.name, FunctionTab::Overview));
    });
    view! {
        <section id="page-new-function" class="page">
            <nav class="breadcrumb" aria-label="Breadcrumb">
                <a href=Route::Functions.href()>"Functions"</a>
                <span class="breadcrumb-sep">"/"</span>
                <span>"New function"</span>
            </nav>
            <div class="page-heading">
                <div>
                    <h1>"New function"</h1>
                    <p class="page-subtitle">{format!("A JavaScript handler on a route of organization {org}")}</p>
                </div>
            </div>
            <FunctionForm
                mode=FormMode::Create
                org
                initial
                compile_error=Signal::derive(|| None)
                on_saved
                on_cancel=Callback::new(|()| host::go_to(&Route::Functions.href()))
            />
        </section>
    }
}
