//! The create/edit form of a function: settings, environment, secrets and the code editor,
//! with the server's field errors under each field.

use api_types::{CodeError, Function, FunctionAccess, LambdaPayload, OrgLimits};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::ApiClient;
use crate::components::code_editor::CodeEditor;
use crate::components::compile_error::CompileError;
use crate::components::field_error::FieldError;
use crate::components::file_tree::FileTree;
use crate::components::icon::{Icon, IconShape};
use crate::components::key_value_rows::{KeyValueRows, PairRow};
use crate::components::modal::Modal;
use crate::components::modal_footer::ModalFooter;
use crate::components::secret_rows::{SecretEntry, SecretRows};
use crate::components::zip_upload::ZipUpload;
use crate::logic::function_form::{
    ACCESS_CHOICES, EnvRow, FieldErrors, FormMode, FormValues, field, path_preview, route_from_name,
};
use crate::logic::templates::{Template, replacing_loses_work};

/// The form, filled from `initial`. Saving creates the function (`Create`) or a new version
/// of it (`Edit`); `on_saved` gets the server's answer. `compile_error` is the latest
/// version's, marked in the editor. Cancel calls `on_cancel`.
#[component]
pub fn FunctionForm(
    mode: FormMode,
    org: String,
    initial: FormValues,
    #[prop(into)] compile_error: Signal<Option<CodeError>>,
    on_saved: Callback<Function>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let api = expect_context::<ApiClient>();
    let limits_api = api.clone();
    let limits_org = org.clone();
    let limits = LocalResource::new(move || {
        let (api, org) = (limits_api.clone(), limits_org.clone());
        async move { api.org_limits(&org).await }
    });
    let ceilings = Signal::derive(move || limits.get().and_then(Result::ok));

    let existing_name = initial.name.clone();
    let name = RwSignal::new(initial.name.clone());
    let route = RwSignal::new(initial.route.clone());
    let route_touched = RwSignal::new(mode == FormMode::Edit);
    let memory = RwSignal::new(initial.memory_mb.clone());
    let timeout = RwSignal::new(initial.timeout_ms.clone());
    let env =
        RwSignal::new(initial.env.iter().map(|r| PairRow::new(r.key.clone(), r.value.clone())).collect::<Vec<_>>());
    let secrets = RwSignal::new(initial.secrets.iter().map(SecretEntry::from_row).collect::<Vec<_>>());
    let fresh_context = RwSignal::new(initial.fresh_context);
    let access = RwSignal::new(initial.access);
    let payload = RwSignal::new(initial.payload);
    let event = RwSignal::new(initial.event.clone());
    let files = RwSignal::new(initial.files.clone());
    let code = RwSignal::new(
        files.with_untracked(|f| f.as_ref().map(|f| f.text().to_owned())).unwrap_or(initial.code.clone()),
    );
    let errors = RwSignal::new(FieldErrors::default());
    let saving = RwSignal::new(false);
    let pending_template = RwSignal::new(None::<Template>);

    let field_errors = move |key: &'static str| Signal::derive(move || errors.with(|e| e.get(key)));
    let invalid = move |key: &'static str| move || errors.with(|e| !e.get(key).is_empty());
    let error_file = Signal::derive(move || compile_error.with(|e| e.as_ref().and_then(|e| e.file.clone())));
    // A function of several files opens on the file a compile error is in, once the error is known.
    Effect::new(move |shown: Option<Option<String>>| {
        let file = error_file.get();
        if file.is_some() && shown.flatten() != file {
            let text = code.get_untracked();
            files.update(|f| {
                if let (Some(f), Some(file)) = (f.as_mut(), file.as_deref()) {
                    code.set(f.switch_to(&text, file).to_owned());
                }
            });
        }
        file
    });
    let error_line = Signal::derive(move || {
        let from_save = errors.with(|e| e.code_line).and_then(|l| u32::try_from(l).ok());
        // A compile error marks its line only in the file it is in.
        let open_file = files.with(|f| f.as_ref().map(|f| f.selected.clone()));
        let here = error_file.with(|file| file.is_none() || *file == open_file);
        from_save.or_else(|| compile_error.with(|e| e.as_ref().and_then(|e| e.line)).filter(|_| here))
    });
    let path_org = org.clone();
    let path = move || path_preview(&path_org, &route.get());

    let locked = initial.locked;
    let collect = move || FormValues {
        name: name.get_untracked(),
        route: route.get_untracked(),
        memory_mb: memory.get_untracked(),
        timeout_ms: timeout.get_untracked(),
        env: PairRow::pairs(&env.get_untracked()).into_iter().map(|(key, value)| EnvRow { key, value }).collect(),
        secrets: secrets.get_untracked().iter().map(SecretEntry::to_row).collect(),
        fresh_context: fresh_context.get_untracked(),
        code: code.get_untracked(),
        files: files.get_untracked(),
        event: event.get_untracked(),
        access: access.get_untracked(),
        payload: payload.get_untracked(),
        locked,
    };
    let save_org = org.clone();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if saving.get_untracked() {
            return;
        }
        let spec = match collect().to_spec(mode) {
            Ok(spec) => spec,
            Err(found) => {
                errors.set(found);
                return;
            }
        };
        errors.set(FieldErrors::default());
        saving.set(true);
        let (api, org, existing_name) = (api.clone(), save_org.clone(), existing_name.clone());
        spawn_local(async move {
            let result = match mode {
                FormMode::Create => api.create_function(&org, &spec).await,
                FormMode::Edit => api.update_function(&org, &existing_name, &spec).await,
            };
            saving.set(false);
            match result {
                Ok(function) => on_saved.run(function),
                Err(error) => errors.set(FieldErrors::from_api(&error, mode)),
            }
        });
    };

    let pick_template = move |template: Template| {
        if code.with_untracked(|c| replacing_loses_work(c)) {
            pending_template.set(Some(template));
        } else {
            code.set(template.code().to_owned());
        }
    };
    let templates = (mode == FormMode::Create).then(|| {
        let buttons = Template::ALL
            .into_iter()
            .map(|t| {
                view! {
                    <button
                        type="button"
                        id=t.id()
                        class="btn btn-sm template-button"
                        class:active=move || code.with(|c| Template::of_code(c) == Some(t))
                        title=t.signature()
                        on:click=move |_| pick_template(t)
                    >
                        {t.label()}
                    </button>
                }
            })
            .collect_view();
        view! {
            <div class="template-picker" role="group" aria-label="Start from a template">
                <span class="template-label">"Start from"</span>
                {buttons}
            </div>
        }
    });
    let replace_dialog = move || {
        pending_template.get().map(|t| {
            let close = Callback::new(move |()| pending_template.set(None));
            view! {
                <Modal title="Replace your code?" id="template-dialog" on_close=close>
                    <div class="modal-body">
                        <p>
                            "The editor's code will be replaced by the " <strong>{t.label()}</strong>
                            " template. What you wrote is not kept."
                        </p>
                    </div>
                    <ModalFooter
                        on_cancel=close
                        confirm_id="template-replace"
                        label="Replace"
                        on_confirm=Callback::new(move |()| {
                            code.set(t.code().to_owned());
                            pending_template.set(None);
                        })
                    />
                </Modal>
            }
        })
    };

    let general_errors = move || {
        let messages = errors.with(|e| e.general.clone());
        (!messages.is_empty()).then(|| {
            let items = messages.into_iter().map(|m| view! { <li>{m}</li> }).collect_view();
            view! {
                <div class="alert alert-danger" role="alert">
                    <Icon shape=IconShape::Error size=20 />
                    <div class="alert-body">
                        <p class="alert-message">"The function was not saved"</p>
                        <ul class="alert-details">{items}</ul>
                    </div>
                </div>
            }
        })
    };

    let name_row = match mode {
        FormMode::Create => view! {
            <div class="form-row">
                <label class="form-label" for="fn-name">
                    "Name"
                </label>
                <div class="form-control">
                    <input
                        id="fn-name"
                        type="text"
                        class="clr-input"
                        class:invalid=invalid(field::NAME)
                        required=true
                        maxlength="63"
                        spellcheck="false"
                        autocomplete="off"
                        placeholder="hello"
                        prop:value=name
                        on:input=move |ev| {
                            let typed = event_target_value(&ev);
                            if !route_touched.get_untracked() {
                                route.set(route_from_name(&typed));
                            }
                            name.set(typed);
                        }
                    />
                    <div class="form-help">"Lowercase letters, digits, - and _; unique in the organization."</div>
                    <FieldError messages=field_errors(field::NAME) />
                </div>
            </div>
        }
        .into_any(),
        FormMode::Edit => view! {
            <div class="form-row">
                <span class="form-label">"Name"</span>
                <div class="form-control form-static">
                    <strong>{name}</strong>
                    <span class="form-help inline">"Names cannot change."</span>
                </div>
            </div>
        }
        .into_any(),
    };

    let settings = view! {
        <fieldset class="form-section">
            <legend class="form-section-title">"Settings"</legend>
            {name_row}
            <div class="form-row">
                <label class="form-label" for="fn-route">
                    "Route"
                </label>
                <div class="form-control">
                    <input
                        id="fn-route"
                        type="text"
                        class="clr-input"
                        class:invalid=invalid(field::ROUTE)
                        required=true
                        maxlength="63"
                        spellcheck="false"
                        autocomplete="off"
                        placeholder="hello"
                        prop:value=route
                        on:input=move |ev| {
                            route_touched.set(true);
                            route.set(event_target_value(&ev));
                        }
                    />
                    <div class="form-help">
                        "Answers any method on " <code id="fn-path">{path}</code> " and the paths below it."
                    </div>
                    <FieldError messages=field_errors(field::ROUTE) />
                </div>
            </div>
            <div class="form-row">
                <label class="form-label" for="fn-event">
                    "vCD event"
                </label>
                <div class="form-control">
                    <input
                        id="fn-event"
                        type="text"
                        class="clr-input"
                        class:invalid=invalid(field::EVENT)
                        maxlength="256"
                        spellcheck="false"
                        autocomplete="off"
                        placeholder="com.vmware.vcloud.event.vm.create"
                        prop:value=event
                        on:input=move |ev| event.set(event_target_value(&ev))
                    />
                    <div class="form-help">
                        "Optional: also runs on each such event of this org (a trailing " <code>".*"</code>
                        " matches a family, e.g. " <code>"com.vmware.vcloud.event.vm.*"</code>
                        "), with the event as its JSON body."
                    </div>
                    <FieldError messages=field_errors(field::EVENT) />
                </div>
            </div>
            <div class="form-row">
                <label class="form-label" for="fn-memory">
                    "Memory (MB)"
                </label>
                <div class="form-control">
                    <input
                        id="fn-memory"
                        type="number"
                        class="clr-input narrow"
                        class:invalid=invalid(field::MEMORY)
                        min="16"
                        max=move || ceilings.get().map(|l| l.max_memory_mb.to_string())
                        step="1"
                        placeholder=move || ceilings.get().map(|l| l.default_memory_mb.to_string())
                        prop:value=memory
                        on:input=move |ev| memory.set(event_target_value(&ev))
                    />
                    <div class="form-help" id="fn-memory-ceiling">
                        {move || memory_help(ceilings.get())}
                    </div>
                    <FieldError messages=field_errors(field::MEMORY) />
                </div>
            </div>
            <div class="form-row">
                <label class="form-label" for="fn-timeout">
                    "Timeout (ms)"
                </label>
                <div class="form-control">
                    <input
                        id="fn-timeout"
                        type="number"
                        class="clr-input narrow"
                        class:invalid=invalid(field::TIMEOUT)
                        min="10"
                        max=move || ceilings.get().map(|l| l.max_timeout_ms.to_string())
                        step="1"
                        placeholder=move || ceilings.get().map(|l| l.default_timeout_ms.to_string())
                        prop:value=timeout
                        on:input=move |ev| timeout.set(event_target_value(&ev))
                    />
                    <div class="form-help" id="fn-timeout-ceiling">
                        {move || timeout_help(ceilings.get())}
                    </div>
                    <FieldError messages=field_errors(field::TIMEOUT) />
                </div>
            </div>
            <div class="form-row">
                <label class="form-label" for="fn-access">
                    "Who may call"
                </label>
                <div class="form-control">
                    <select
                        id="fn-access"
                        class="clr-select picker"
                        aria-invalid=move || if invalid(field::ACCESS)() { "true" } else { "false" }
                        on:change=move |ev| {
                            let value = event_target_value(&ev);
                            if let Ok(choice) = value.parse::<FunctionAccess>() {
                                access.set(choice);
                            }
                        }
                    >
                        {ACCESS_CHOICES
                            .into_iter()
                            .map(|(choice, label, _)| {
                                view! {
                                    <option value=choice.as_str() selected=move || access.get() == choice>
                                        {label}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                    <div class="form-help" id="fn-access-help">
                        {move || ACCESS_CHOICES.iter().find(|c| c.0 == access.get()).map(|c| c.2).unwrap_or_default()}
                    </div>
                    <FieldError messages=field_errors(field::ACCESS) />
                </div>
            </div>
            <div class="form-row">
                <label class="form-label" for="fn-payload">
                    "Lambda event"
                </label>
                <div class="form-control">
                    <select
                        id="fn-payload"
                        class="clr-select picker"
                        on:change=move |ev| {
                            if let Ok(choice) = event_target_value(&ev).parse::<LambdaPayload>() {
                                payload.set(choice);
                            }
                        }
                    >
                        <option value="2.0" selected=move || payload.get() == LambdaPayload::V2>"2.0 (HTTP API, function URL)"</option>
                        <option value="1.0" selected=move || payload.get() == LambdaPayload::V1>"1.0 (REST API)"</option>
                    </select>
                    <div class="form-help">
                        "For " <code>"exports.handler"</code> " functions: the API Gateway payload format of their event."
                    </div>
                </div>
            </div>
            <div class="form-row">
                <span class="form-label">"Isolation"</span>
                <div class="form-control">
                    <label class="checkbox">
                        <input
                            id="fn-fresh-context"
                            type="checkbox"
                            prop:checked=fresh_context
                            on:change=move |ev| fresh_context.set(event_target_checked(&ev))
                        />
                        " Fresh context for every call"
                    </label>
                    <div class="form-help">
                        "Nothing is shared between calls, at the price of a cold start each time."
                    </div>
                </div>
            </div>
        </fieldset>
    };

    let env_errors =
        Callback::new(move |key: String| errors.with(|e| e.get(&format!("{}.{}", field::ENV, key.trim()))));
    let secret_errors =
        Callback::new(move |key: String| errors.with(|e| e.get(&format!("{}.{}", field::SECRETS, key.trim()))));
    let variables = view! {
        <div class="form-columns">
            <fieldset class="form-section">
                <legend class="form-section-title">"Environment variables"</legend>
                <p class="form-help">"Plain configuration, readable back: process.env in the code (env in Workers)."</p>
                <KeyValueRows
                    rows=env
                    id="fn-env"
                    add_label="Add variable"
                    key_placeholder="NAME"
                    value_placeholder="value"
                    row_errors=env_errors
                />
                <FieldError messages=field_errors(field::ENV) />
            </fieldset>
            <fieldset class="form-section">
                <legend class="form-section-title">"Secrets"</legend>
                <p class="form-help">"Write-only: visible to the code like variables, never shown again."</p>
                <SecretRows rows=secrets id="fn-secrets" row_errors=secret_errors />
                <FieldError messages=field_errors(field::SECRETS) />
            </fieldset>
        </div>
    };

    let zip = (mode == FormMode::Edit && !locked).then(|| {
        view! { <ZipUpload org=org.clone() name=initial.name.clone() on_saved /> }
    });
    let open_file = move || files.with(|f| f.as_ref().map(|f| f.selected.clone()));
    let editor = if locked {
        view! {
            <fieldset class="form-section code-section">
                <legend class="form-section-title">"Code"</legend>
                <div id="fn-locked" class="alert alert-info" role="status">
                    <div class="alert-body">
                        <p class="alert-message">"Locked by the package that brought it"</p>
                        <p class="alert-code">
                            "Its code is not shown, cannot be edited or exported here, and changes only through a \
                             package signed by the same key. Its settings below still save. The operator of this \
                             Stratus instance can still read the code."
                        </p>
                    </div>
                </div>
            </fieldset>
        }
        .into_any()
    } else {
        view! {
        <fieldset class="form-section code-section">
            <div class="code-section-head">
                <legend class="form-section-title">"Code"</legend>
                {templates}
                {zip}
            </div>
            {move || compile_error.get().map(|error| view! { <CompileError error /> })}
            <div class="code-workspace">
                <FileTree files code error_file />
                <div class="code-main">
                    {move || open_file().map(|path| view! { <div class="code-file-name" id="fn-open-file">{path}</div> })}
                    <CodeEditor value=code error_line />
                </div>
            </div>
            <div class="form-help">
                "JavaScript. Tab indents by two spaces, Shift+Tab outdents; press Esc, then Tab, to leave the editor. \
                 Files require and import each other and node_modules as in Node; upload a .zip to bring node_modules."
            </div>
            <FieldError messages=field_errors(field::CODE) />
            <FieldError messages=field_errors(field::FILES) />
        </fieldset>
        }
        .into_any()
    };

    let body = match mode {
        FormMode::Create => view! {
            {settings}
            {editor}
            {variables}
        }
        .into_any(),
        FormMode::Edit => view! {
            {editor}
            {settings}
            {variables}
        }
        .into_any(),
    };
    let save_label = match mode {
        FormMode::Create => "Create",
        FormMode::Edit => "Save",
    };
    view! {
        <form class="function-form" novalidate=true on:submit=on_submit>
            {general_errors}
            {body}
            <div class="form-footer">
                <button id="fn-save" type="submit" class="btn btn-primary" disabled=move || saving.get()>
                    {move || if saving.get() { "Saving…" } else { save_label }}
                </button>
                <button id="fn-cancel" type="button" class="btn btn-outline" on:click=move |_| on_cancel.run(())>
                    "Cancel"
                </button>
                {move || {
                    (!errors.with(FieldErrors::is_empty))
                        .then(|| view! { <span class="form-footer-note">"Fix the fields marked in red, then save again."</span> })
                }}
            </div>
            {replace_dialog}
        </form>
    }
}

fn memory_help(limits: Option<OrgLimits>) -> String {
    match limits {
        Some(l) => format!(
            "16 to {} MB, this organization's ceiling. Empty: the default, {} MB.",
            l.max_memory_mb, l.default_memory_mb
        ),
        None => "Empty: the organization's default.".to_owned(),
    }
}

fn timeout_help(limits: Option<OrgLimits>) -> String {
    match limits {
        Some(l) => format!(
            "10 to {} ms, this organization's ceiling. Empty: the default, {} ms.",
            l.max_timeout_ms, l.default_timeout_ms
        ),
        None => "Empty: the organization's default.".to_owned(),
    }
}
