//! The title row of a page: heading, a line of context, and a refresh button.

use leptos::prelude::*;

/// `<h1>` with a subtitle, and a button that reloads the page's data.
#[component]
pub fn PageHeading(
    #[prop(into)] title: String,
    #[prop(into)] subtitle: String,
    on_refresh: Callback<()>,
) -> impl IntoView {
    view! {
        <div class="page-heading">
            <div>
                <h1>{title}</h1>
                <p class="page-subtitle">{subtitle}</p>
            </div>
            <button type="button" class="btn btn-sm btn-outline" on:click=move |_| on_refresh.run(())>
                "Refresh"
            </button>
        </div>
    }
}
