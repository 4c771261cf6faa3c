//! A table styled as a Clarity datagrid.

use leptos::prelude::*;

/// One column heading; numeric columns are right-aligned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub label: &'static str,
    pub numeric: bool,
}

impl Column {
    pub const fn text(label: &'static str) -> Self {
        Self { label, numeric: false }
    }

    pub const fn numeric(label: &'static str) -> Self {
        Self { label, numeric: true }
    }

    /// The class of this column's cells.
    pub fn class(self) -> &'static str {
        if self.numeric { "numeric" } else { "" }
    }
}

/// A datagrid: headings from `columns`, rows (`<tr>`s) as children, a footer line. `table_id`
/// names the `<table>`; `totals` are `<tr>`s of a `<tfoot>` (e.g. a total row).
#[component]
pub fn Datagrid(
    columns: &'static [Column],
    #[prop(into)] footer: String,
    #[prop(optional, into)] table_id: Option<String>,
    #[prop(optional, into)] totals: Option<ViewFn>,
    children: Children,
) -> impl IntoView {
    let headings = columns.iter().map(|c| view! { <th class=c.class() scope="col">{c.label}</th> }).collect_view();
    view! {
        <div class="datagrid">
            <table class="datagrid-table" id=table_id>
                <thead>
                    <tr>{headings}</tr>
                </thead>
                <tbody>{children()}</tbody>
                {totals.map(|t| view! { <tfoot>{t.run()}</tfoot> })}
            </table>
            <div class="datagrid-footer">{footer}</div>
        </div>
    }
}
