//! One element's changes: the settings that differ, and each code file side by side.

use api_types::{ElementPlan, FileChange};
use leptos::prelude::*;

use crate::logic::package_plan::{DiffRow, side_by_side};

/// The settings table and a side-by-side diff per file (removed lines left, added right).
#[component]
pub fn PackageDiff(element: ElementPlan) -> impl IntoView {
    let fields = (!element.fields.is_empty()).then(|| {
        let rows = element
            .fields
            .iter()
            .map(|f| {
                let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "—".to_owned());
                view! {
                    <tr>
                        <td>{f.field.clone()}</td>
                        <td class="diff-old">
                            <code>{show(&f.from)}</code>
                        </td>
                        <td class="diff-new">
                            <code>{show(&f.to)}</code>
                        </td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <table class="diff-fields">
                <thead>
                    <tr>
                        <th>"Setting"</th>
                        <th>"Here now"</th>
                        <th>"In the package"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        }
    });
    let files = element.files.into_iter().map(|file| view! { <FileDiff file /> }).collect_view();
    view! { <div class="package-diff">{fields}{files}</div> }
}

#[component]
fn FileDiff(file: FileChange) -> impl IntoView {
    let rows = side_by_side(&file.diff).into_iter().map(diff_row).collect_view();
    view! {
        <div class="file-diff" data-path=file.path.clone()>
            <div class="file-diff-name">
                <code>{file.path.clone()}</code>
                " "
                <span class="file-diff-change">{file.change.clone()}</span>
            </div>
            <table class="diff-table">
                <colgroup>
                    <col class="diff-no-col" />
                    <col />
                    <col class="diff-no-col" />
                    <col />
                </colgroup>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

fn diff_row(row: DiffRow) -> impl IntoView {
    let side = |line: Option<(usize, String)>, class: &'static str| match line {
        Some((n, text)) => view! {
            <td class="diff-no">{n}</td>
            <td class=class>{text}</td>
        }
        .into_any(),
        None => view! {
            <td class="diff-no"></td>
            <td class="diff-blank"></td>
        }
        .into_any(),
    };
    match row {
        DiffRow::Hunk(header) => view! {
            <tr class="diff-hunk">
                <td colspan="4">{header}</td>
            </tr>
        }
        .into_any(),
        DiffRow::Same { old, new, text } => view! {
            <tr>
                <td class="diff-no">{old}</td>
                <td class="diff-same">{text.clone()}</td>
                <td class="diff-no">{new}</td>
                <td class="diff-same">{text}</td>
            </tr>
        }
        .into_any(),
        DiffRow::Changed { old, new } => view! { <tr>{side(old, "diff-old")}{side(new, "diff-new")}</tr> }.into_any(),
    }
}
