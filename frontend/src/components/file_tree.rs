//! The files of a function beside the code editor: a tree (folders first, `node_modules`
//! closed until opened) whose rows open a file, and controls to add a file, remove the open one
//! and make it the entry file. A one-file function shows only "Add file", which turns its code
//! into `index.js`.

use std::collections::BTreeSet;

use leptos::prelude::*;

use crate::components::field_error::FieldError;
use crate::logic::code_files::{CodeFiles, FIRST_FILE, TreeRow};

/// `files` (none: a one-file function) and the editor's `code`, which holds the open file's
/// text; `error_file` is marked in the tree.
#[component]
pub fn FileTree(
    files: RwSignal<Option<CodeFiles>>,
    code: RwSignal<String>,
    #[prop(into)] error_file: Signal<Option<String>>,
) -> impl IntoView {
    let open = RwSignal::new(files.with_untracked(|f| f.as_ref().map(CodeFiles::default_open).unwrap_or_default()));
    let new_path = RwSignal::new(String::new());
    let problem = RwSignal::new(Vec::<String>::new());
    // The editor's text goes back into the map before another file opens.
    let keep_text = move || {
        let text = code.get_untracked();
        files.update(|f| {
            if let Some(f) = f {
                f.set_text(&text);
            }
        });
    };
    let open_file = move |path: String| {
        let text = code.get_untracked();
        files.update(|f| {
            if let Some(f) = f {
                code.set(f.switch_to(&text, &path).to_owned());
            }
        });
    };
    let add = move || {
        let path = new_path.get_untracked();
        keep_text();
        let added = match files.get_untracked() {
            Some(mut current) => current.add(&path).map(|()| current),
            None => CodeFiles::from_single(&code.get_untracked(), &path),
        };
        match added {
            Ok(next) => {
                open.update(|o| o.extend(folders_of(&next.selected)));
                code.set(next.text().to_owned());
                files.set(Some(next));
                new_path.set(String::new());
                problem.set(Vec::new());
            }
            Err(reason) => problem.set(vec![reason]),
        }
    };
    let remove = move || {
        keep_text();
        let mut outcome = Ok(());
        files.update(|f| {
            if let Some(f) = f {
                outcome = f.remove_selected();
                code.set(f.text().to_owned());
            }
        });
        problem.set(outcome.err().into_iter().collect());
    };
    let make_main = move || {
        files.update(|f| {
            if let Some(f) = f {
                f.main = Some(f.selected.clone());
            }
        })
    };

    let row_view = move |row: TreeRow| {
        let TreeRow { depth, name, path, folder, open: is_open, count } = row;
        let indent = format!("{}px", 8 + depth * 14);
        let selected = !folder && files.with(|f| f.as_ref().is_some_and(|f| f.selected == path));
        let is_main = !folder && files.with(|f| f.as_ref().is_some_and(|f| f.is_main(&path)));
        let has_error = !folder && error_file.with(|e| e.as_deref() == Some(path.as_str()));
        let click_path = path.clone();
        let on_click = move |_| {
            if folder {
                let toggled = click_path.clone();
                open.update(|o| {
                    if !o.remove(&toggled) {
                        o.insert(toggled);
                    }
                });
            } else {
                open_file(click_path.clone());
            }
        };
        view! {
            <li
                role="treeitem"
                class="file-row"
                class:folder=folder
                class:selected=selected
                class:error=has_error
                aria-selected=if selected { "true" } else { "false" }
                aria-expanded=folder.then_some(if is_open { "true" } else { "false" })
                data-path=path
                style:padding-left=indent
                on:click=on_click
            >
                <span class="file-caret" aria-hidden="true">
                    {if folder { if is_open { "▾" } else { "▸" } } else { "" }}
                </span>
                <span class="file-name">{name}</span>
                {folder.then(|| view! { <span class="file-count">{count}</span> })}
                {is_main.then(|| view! { <span class="badge badge-info file-entry">"entry"</span> })}
            </li>
        }
    };
    let rows = move || {
        let rows = files.with(|f| f.as_ref().map(|f| f.rows(&open.get())));
        match rows {
            Some(rows) => rows.into_iter().map(row_view).collect_view().into_any(),
            None => view! {
                <li role="treeitem" class="file-row selected" aria-selected="true">
                    <span class="file-caret" aria-hidden="true"></span>
                    <span class="file-name">"function.js"</span>
                </li>
            }
            .into_any(),
        }
    };
    let summary = move || {
        files.with(|f| match f {
            Some(f) => format!("{} files, {}", f.files.len(), kib(f.total_bytes())),
            None => format!("One file. Adding one makes this {FIRST_FILE}."),
        })
    };
    view! {
        <div class="file-panel">
            <div class="file-panel-head">
                <span class="file-panel-title">"Files"</span>
                <span class="file-panel-summary" id="fn-files-summary">{summary}</span>
            </div>
            <ul class="file-tree" role="tree" aria-label="Files" id="fn-files">{rows}</ul>
            <div class="file-actions">
                <input
                    id="fn-new-file"
                    type="text"
                    class="clr-input"
                    placeholder="lib/util.js"
                    aria-label="Path of a new file"
                    spellcheck="false"
                    autocomplete="off"
                    prop:value=new_path
                    on:input=move |ev| new_path.set(event_target_value(&ev))
                    on:keydown=move |ev| {
                        if ev.key() == "Enter" {
                            ev.prevent_default();
                            add();
                        }
                    }
                />
                <button id="fn-add-file" type="button" class="btn btn-sm btn-outline" on:click=move |_| add()>
                    "Add file"
                </button>
                {move || {
                    files
                        .with(Option::is_some)
                        .then(|| {
                            view! {
                                <button id="fn-set-main" type="button" class="btn btn-sm btn-link" on:click=move |_| make_main()>
                                    "Make entry"
                                </button>
                                <button id="fn-remove-file" type="button" class="btn btn-sm btn-link danger" on:click=move |_| remove()>
                                    "Remove file"
                                </button>
                            }
                        })
                }}
            </div>
            <FieldError messages=Signal::derive(move || problem.get()) />
        </div>
    }
}

/// The folders above `path` (`lib/util/x.js` → `lib`, `lib/util`).
fn folders_of(path: &str) -> BTreeSet<String> {
    let parts: Vec<&str> = path.split('/').collect();
    (1..parts.len()).map(|n| parts[..n].join("/")).collect()
}

fn kib(bytes: usize) -> String {
    if bytes < 1024 { format!("{bytes} bytes") } else { format!("{:.0} KiB", bytes as f64 / 1024.0) }
}
