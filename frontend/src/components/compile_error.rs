//! Why the latest version of a function did not deploy.

use api_types::CodeError;
use leptos::prelude::*;

use crate::components::icon::{Icon, IconShape};

/// An `alert-danger` with the compiler's message and where it points: `line:column`, or
/// `file:line:column` in a function of several files.
#[component]
pub fn CompileError(error: CodeError) -> impl IntoView {
    let place = match (error.file.as_deref(), error.line, error.column) {
        (Some(file), Some(line), Some(column)) => Some(format!("{file}:{line}:{column}")),
        (Some(file), Some(line), None) => Some(format!("{file}:{line}")),
        (Some(file), None, _) => Some(file.to_owned()),
        (None, Some(line), Some(column)) => Some(format!("Line {line}:{column}")),
        (None, Some(line), None) => Some(format!("Line {line}")),
        _ => None,
    };
    view! {
        <div class="alert alert-danger compile-error" role="alert">
            <Icon shape=IconShape::Error size=20 />
            <div class="alert-body">
                <p class="alert-message">"The latest version failed to compile"</p>
                <p class="alert-code">
                    {place.map(|p| view! { <code class="compile-error-place">{p}</code> " " })}
                    <span class="compile-error-message">{error.message}</span>
                </p>
            </div>
        </div>
    }
}
