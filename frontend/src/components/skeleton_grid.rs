//! A datagrid of placeholder rows shown while a list loads, so that the page keeps its shape.

use leptos::prelude::*;

use crate::components::datagrid::{Column, Datagrid};

/// Rows a loading list shows.
const ROWS: usize = 4;

/// The list's headings over grey bars that pulse until the data arrives.
#[component]
pub fn SkeletonGrid(columns: &'static [Column], #[prop(into)] label: String) -> impl IntoView {
    let row = move || {
        let cells = columns
            .iter()
            .map(|c| view! { <td class=c.class()><span class="skeleton-bar"></span></td> })
            .collect_view();
        view! { <tr class="skeleton-row" aria-hidden="true">{cells}</tr> }
    };
    let rows = (0..ROWS).map(|_| row()).collect_view();
    let footer = label.clone();
    view! {
        <div class="skeleton" role="status" aria-live="polite" aria-busy="true" aria-label=label>
            <Datagrid columns footer>{rows}</Datagrid>
        </div>
    }
}
