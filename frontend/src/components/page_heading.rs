//! The title row of a page: heading, a line of context, the page's actions and a refresh
//! button.

use leptos::prelude::*;

/// `<h1>` with a subtitle, then `children` (the page's own buttons) and a button that reloads
/// the page's data.
#[component]
pub fn PageHeading(
    #[prop(into)] title: String,
    #[prop(into)] subtitle: String,
    on_refresh: Callback<()>,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    view! {
        <div class="page-heading">
            <div>
                <h1>{title}</h1>
                <p class="page-subtitle">{subtitle}</p>
            </div>
            <div class="page-actions">
                {children.map(|c| c())}
                <button type="button" class="btn btn-sm btn-outline" on:click=move |_| on_refresh.run(())>
                    "Refresh"
                </button>
            </div>
        </div>
    }
}
