//! A small code editor: a transparent textarea over a syntax-highlighted `<pre>`, with a
//! line-number gutter. The textarea does the typing, selection, undo and scrolling; the layer
//! under it follows its scroll position.

use leptos::html::Textarea;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{HtmlDocument, HtmlTextAreaElement, KeyboardEvent};

use crate::logic::editor::{self, Edit};
use crate::logic::js_syntax::highlight_html;

/// Must match `.code-editor` in style.css: the line height and the text's top padding.
const LINE_HEIGHT_PX: u32 = 20;
const PADDING_TOP_PX: u32 = 10;

/// The editor for `value`. `error_line` (1-based) is marked in the gutter and highlighted.
/// Tab indents by two spaces, Shift+Tab outdents, Enter keeps the indentation; after Escape
/// the next Tab leaves the editor, so keyboard users are never trapped in it.
#[component]
pub fn CodeEditor(
    value: RwSignal<String>,
    #[prop(into)] error_line: Signal<Option<u32>>,
    #[prop(into, default = "fn-code".to_owned())] id: String,
    #[prop(into, default = "Function code".to_owned())] label: String,
) -> impl IntoView {
    let textarea = NodeRef::<Textarea>::new();
    let scroll = RwSignal::new((0, 0));
    let tab_leaves = StoredValue::new(false);
    // A trailing line break would collapse in the `<pre>`; one more keeps the last line's height.
    let highlighted = Memo::new(move |_| value.with(|code| highlight_html(code) + "\n"));
    let lines = Memo::new(move |_| value.with(|code| editor::line_count(code)));
    let gutter = move || {
        let error = error_line.get();
        (1..=lines.get())
            .map(|n| {
                let is_error = error == u32::try_from(n).ok();
                view! {
                    <div class="gutter-line" class:error=is_error title=is_error.then_some("Compile error")>
                        {n}
                    </div>
                }
            })
            .collect_view()
    };
    let error_bar = move || {
        error_line.get().filter(|line| *line >= 1).map(|line| {
            let top = PADDING_TOP_PX + (line - 1) * LINE_HEIGHT_PX;
            view! { <div class="editor-error-line" style:top=format!("{top}px")></div> }
        })
    };
    let on_scroll = move |_| {
        if let Some(area) = textarea.get() {
            scroll.set((area.scroll_top(), area.scroll_left()));
        }
    };
    let on_keydown = move |ev: KeyboardEvent| {
        let Some(area) = textarea.get() else {
            return;
        };
        if ev.key() == "Escape" {
            tab_leaves.set_value(true);
            return;
        }
        let leaving = tab_leaves.get_value();
        tab_leaves.set_value(false);
        if ev.ctrl_key() || ev.meta_key() || ev.alt_key() || ev.is_composing() {
            return;
        }
        let text = area.value();
        let start = area.selection_start().ok().flatten().unwrap_or(0) as usize;
        let end = area.selection_end().ok().flatten().unwrap_or(0) as usize;
        let edit = match ev.key().as_str() {
            "Tab" if leaving => return,
            "Tab" if ev.shift_key() => editor::outdent(&text, start, end),
            "Tab" => Some(editor::indent(&text, start, end)),
            "Enter" if !ev.shift_key() => Some(editor::newline(&text, start, end)),
            _ => return,
        };
        ev.prevent_default();
        if let Some(edit) = edit {
            apply(&area, &edit);
            value.set(area.value());
        }
    };
    view! {
        <div class="code-editor" class:has-error=move || error_line.get().is_some()>
            <div class="editor-gutter" aria-hidden="true">
                <div class="editor-gutter-lines" style:transform=move || format!("translateY({}px)", -scroll.get().0)>
                    {gutter}
                </div>
            </div>
            <div class="editor-body">
                <div
                    class="editor-layer"
                    aria-hidden="true"
                    style:transform=move || {
                        let (top, left) = scroll.get();
                        format!("translate({}px, {}px)", -left, -top)
                    }
                >
                    {error_bar}
                    <pre class="editor-highlight" inner_html=highlighted></pre>
                </div>
                <textarea
                    id=id
                    class="editor-input"
                    node_ref=textarea
                    aria-label=label
                    spellcheck="false"
                    autocomplete="off"
                    autocapitalize="off"
                    wrap="off"
                    prop:value=value
                    on:input=move |ev| value.set(event_target_value(&ev))
                    on:scroll=on_scroll
                    on:keydown=on_keydown
                ></textarea>
            </div>
        </div>
    }
}

/// Applies an edit through the browser's editing commands, so that undo still works, and
/// falls back to replacing the text directly.
fn apply(area: &HtmlTextAreaElement, edit: &Edit) {
    let _ = area.set_selection_range(edit.start as u32, edit.end as u32);
    let document = area.owner_document().and_then(|d| d.dyn_into::<HtmlDocument>().ok());
    let command = if edit.insert.is_empty() { "delete" } else { "insertText" };
    let done = edit.insert.is_empty() && edit.start == edit.end
        || document
            .is_some_and(|d| d.exec_command_with_show_ui_and_value(command, false, &edit.insert).unwrap_or(false));
    if !done {
        let _ = area.set_range_text_with_start_and_end(&edit.insert, edit.start as u32, edit.end as u32);
    }
    let _ = area.set_selection_range(edit.select_start as u32, edit.select_end as u32);
}
