//! The create/edit form of a function as plain values: what it starts from, the
//! [`FunctionSpec`] it sends, and where the server's field errors go.

use std::collections::BTreeMap;

use api_types::function_limits::{MAX_CODE_BYTES, RESERVED_ROUTES};
use api_types::{ErrorDetail, Function, FunctionAccess, FunctionLimits, FunctionSpec, LambdaPayload, Trigger};

use crate::logic::api_error::ApiError;
use crate::logic::code_files::CodeFiles;

/// Field keys of [`FieldErrors`]: the form's own names, not the API's.
pub mod field {
    pub const NAME: &str = "name";
    pub const ROUTE: &str = "route";
    pub const MEMORY: &str = "memory";
    pub const TIMEOUT: &str = "timeout";
    pub const ENV: &str = "env";
    pub const SECRETS: &str = "secrets";
    pub const CODE: &str = "code";
    pub const FILES: &str = "files";
    pub const EVENT: &str = "event";
    pub const ACCESS: &str = "access";
}

/// Creating a new function or saving a new version of an existing one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormMode {
    Create,
    Edit,
}

/// One row of plain configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnvRow {
    pub key: String,
    pub value: String,
}

/// One row of the secrets list. A secret that already exists shows only its name: it stays
/// as it is unless `replacing` (with `value`) or `removed`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SecretRow {
    pub name: String,
    pub value: String,
    /// Whether the function already has this secret (its name then cannot change).
    pub existing: bool,
    /// An existing secret getting a new value.
    pub replacing: bool,
    pub removed: bool,
}

impl SecretRow {
    /// A row for a secret the function already has.
    pub fn existing(name: impl Into<String>) -> Self {
        Self { name: name.into(), existing: true, ..Self::default() }
    }

    /// Whether saving would change this secret.
    pub fn is_change(&self) -> bool {
        if self.existing { self.removed || self.replacing } else { !self.is_blank() }
    }

    fn is_blank(&self) -> bool {
        self.name.trim().is_empty() && self.value.is_empty()
    }
}

/// Everything the form holds, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FormValues {
    pub name: String,
    pub route: String,
    pub memory_mb: String,
    pub timeout_ms: String,
    pub env: Vec<EnvRow>,
    pub secrets: Vec<SecretRow>,
    pub fresh_context: bool,
    /// The editor's text: the code of a one-file function, or the open file's.
    pub code: String,
    /// The files of a function of several files (the open one's text is in `code`).
    pub files: Option<CodeFiles>,
    /// The vCD event type that triggers the function (`com.vmware.vcloud.event.vm.create`);
    /// empty for an HTTP-triggered one.
    pub event: String,
    /// Who may call it over HTTP.
    pub access: FunctionAccess,
    /// The event format of a Lambda-shaped handler.
    pub payload: LambdaPayload,
    /// Locked by the package that brought it: the code is not shown and not sent (the server
    /// keeps it); the settings still save.
    pub locked: bool,
}

impl FormValues {
    /// The form of an existing function, to save a new version of it.
    pub fn from_function(f: &Function) -> Self {
        Self {
            name: f.name.clone(),
            route: f.route.clone(),
            memory_mb: f.limits.memory_mb.map(|m| m.to_string()).unwrap_or_default(),
            timeout_ms: f.limits.timeout_ms.map(|t| t.to_string()).unwrap_or_default(),
            env: f.env.iter().map(|(key, value)| EnvRow { key: key.clone(), value: value.clone() }).collect(),
            secrets: f.secret_names.iter().map(SecretRow::existing).collect(),
            fresh_context: f.fresh_context,
            code: f.code.clone(),
            files: CodeFiles::from_function(f),
            event: match &f.trigger {
                Trigger::Event { event } => event.clone(),
                Trigger::Http => String::new(),
            },
            access: f.access,
            payload: f.payload_format_version,
            locked: f.locked,
        }
    }

    /// The request body, or the errors found before sending anything.
    pub fn to_spec(&self, mode: FormMode) -> Result<FunctionSpec, FieldErrors> {
        let mut errors = FieldErrors::default();
        let memory_mb = parse_limit(&self.memory_mb, field::MEMORY, &mut errors);
        let timeout_ms = parse_limit(&self.timeout_ms, field::TIMEOUT, &mut errors);
        let env = env_map(&self.env, &mut errors);
        let secrets = secrets_payload(&self.secrets, mode, &mut errors);
        let route = self.route.trim();
        if RESERVED_ROUTES.contains(&route) {
            errors.add(field::ROUTE, &format!("'{route}' is reserved for the Stratus API"));
        }
        let files = self.files.clone().filter(|_| !self.locked).map(|mut files| {
            files.set_text(&self.code);
            files
        });
        match &files {
            Some(files) if files.total_bytes() > MAX_CODE_BYTES => {
                errors.add(field::FILES, &format!("must be at most {MAX_CODE_BYTES} bytes together"))
            }
            None if self.code.len() > MAX_CODE_BYTES => {
                errors.add(field::CODE, &format!("must be at most {MAX_CODE_BYTES} bytes"))
            }
            _ => {}
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(FunctionSpec {
            name: self.name.trim().to_owned(),
            runtime: "javascript".to_owned(),
            route: self.route.trim().to_owned(),
            code: if files.is_some() || self.locked { String::new() } else { self.code.clone() },
            main: files.as_ref().and_then(|f| f.main.clone()),
            files: files.map(|f| f.files),
            trigger: match self.event.trim() {
                "" => Trigger::Http,
                event => Trigger::Event { event: event.to_owned() },
            },
            limits: FunctionLimits { memory_mb, timeout_ms },
            env,
            secrets,
            fresh_context: self.fresh_context,
            access: self.access,
            payload_format_version: self.payload,
        })
    }
}

/// The choices of "Who may call", with what each means.
pub const ACCESS_CHOICES: [(FunctionAccess, &str, &str); 3] = [
    (FunctionAccess::Org, "The org (API token or vCD session)", "Callers need the org's credentials."),
    (
        FunctionAccess::Keys,
        "Holders of a function key",
        "Give a webhook a key (x-functions-key header or ?code=); the org's credentials still work.",
    ),
    (FunctionAccess::Public, "Anyone", "No credentials: anyone who knows the URL can call it."),
];

/// `""` is the org's default; anything else must be a whole number.
fn parse_limit(text: &str, key: &str, errors: &mut FieldErrors) -> Option<u32> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    match text.parse::<u32>() {
        Ok(n) => Some(n),
        Err(_) => {
            errors.add(key, "must be a whole number");
            None
        }
    }
}

fn env_map(rows: &[EnvRow], errors: &mut FieldErrors) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    for row in rows {
        let key = row.key.trim();
        if key.is_empty() {
            if !row.value.is_empty() {
                errors.add(field::ENV, "every value needs a name");
            }
            continue;
        }
        if map.insert(key.to_owned(), row.value.clone()).is_some() {
            errors.add(&format!("{}.{key}", field::ENV), "is set twice");
        }
    }
    map
}

/// `None` (keep the secrets as they are) unless a row changes something. The API replaces
/// all secrets at once, so a change must come with the value of every secret that stays.
fn secrets_payload(rows: &[SecretRow], mode: FormMode, errors: &mut FieldErrors) -> Option<BTreeMap<String, String>> {
    if mode == FormMode::Edit && !rows.iter().any(SecretRow::is_change) {
        return None;
    }
    let mut map = BTreeMap::new();
    for row in rows.iter().filter(|r| !r.removed && !r.is_blank()) {
        let name = row.name.trim();
        let key = format!("{}.{name}", field::SECRETS);
        if name.is_empty() {
            errors.add(field::SECRETS, "every secret needs a name");
        } else if row.value.is_empty() && row.replacing {
            errors.add(&key, "enter the new value, or keep the current one");
        } else if row.value.is_empty() && row.existing {
            errors.add(&key, "replace it too: changing secrets sends them all again, and its value is not known here");
        } else if row.value.is_empty() {
            errors.add(&key, "needs a value");
        } else if map.insert(name.to_owned(), row.value.clone()).is_some() {
            errors.add(&key, "is set twice");
        }
    }
    (mode == FormMode::Edit || !map.is_empty()).then_some(map)
}

/// Error messages by form field, plus those that belong to no field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors {
    fields: BTreeMap<String, Vec<String>>,
    /// Messages for the form as a whole.
    pub general: Vec<String>,
    /// The code line a detail names, to mark in the editor.
    pub code_line: Option<u64>,
}

impl FieldErrors {
    /// Where the details of a failed save go. A 409 without details is about the name.
    pub fn from_api(error: &ApiError, mode: FormMode) -> Self {
        let mut errors = Self::default();
        for detail in &error.details {
            errors.add_detail(detail);
        }
        if error.details.is_empty() {
            if error.code == "conflict" && mode == FormMode::Create {
                errors.add(field::NAME, &error.message);
            } else {
                errors.general.push(error.message.clone());
            }
        }
        errors
    }

    fn add_detail(&mut self, detail: &ErrorDetail) {
        let Some(api_field) = detail.field.as_deref() else {
            let text = match detail.line {
                Some(line) => format!("line {line}: {}", detail.reason),
                None => detail.reason.clone(),
            };
            self.general.push(text);
            return;
        };
        let key = match api_field {
            "limits.memory_mb" | "memory_mb" => field::MEMORY.to_owned(),
            "limits.timeout_ms" | "timeout_ms" => field::TIMEOUT.to_owned(),
            "trigger.event" => field::EVENT.to_owned(),
            "name" | "route" | "code" | "env" | "secrets" | "access" => api_field.to_owned(),
            other if other.starts_with("env.") || other.starts_with("secrets.") => other.to_owned(),
            "files" | "main" => field::FILES.to_owned(),
            other if other.starts_with("files.") => {
                self.add(field::FILES, &format!("{}: {}", &other[6..], detail.reason));
                return;
            }
            other => {
                self.general.push(format!("{other}: {}", detail.reason));
                return;
            }
        };
        if key == field::CODE && detail.line.is_some() {
            self.code_line = detail.line;
        }
        let reason = match (key.as_str(), detail.line) {
            (field::CODE, Some(line)) => format!("line {line}: {}", detail.reason),
            _ => detail.reason.clone(),
        };
        self.add(&key, &reason);
    }

    pub fn add(&mut self, key: &str, reason: &str) {
        self.fields.entry(key.to_owned()).or_default().push(reason.to_owned());
    }

    /// The messages of one field, e.g. `route`, `env.PORT` or `secrets`.
    pub fn get(&self, key: &str) -> Vec<String> {
        self.fields.get(key).cloned().unwrap_or_default()
    }

    /// The messages of a whole section (`env`): its own and every row's, `NAME: reason`.
    pub fn section(&self, section: &str) -> Vec<String> {
        let prefix = format!("{section}.");
        let own = self.get(section);
        let rows = self.fields.iter().filter_map(|(key, reasons)| {
            let name = key.strip_prefix(&prefix)?;
            Some(reasons.iter().map(move |r| format!("{name}: {r}")))
        });
        own.into_iter().chain(rows.flatten()).collect()
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty() && self.general.is_empty()
    }
}

/// `/api/org/{org}/{route}` as a person reads it, `{route}` while the route is blank.
pub fn path_preview(org: &str, route: &str) -> String {
    let route = route.trim();
    format!("/api/org/{org}/{}", if route.is_empty() { "{route}" } else { route })
}

/// The route a new function gets from its name until the person types one: the name itself.
pub fn route_from_name(name: &str) -> String {
    name.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use api_types::VersionStatus;

    fn values() -> FormValues {
        FormValues {
            name: " hello ".into(),
            route: "hello".into(),
            code: "module.exports = () => 1".into(),
            ..FormValues::default()
        }
    }

    #[test]
    fn a_function_of_several_files_saves_its_files_with_the_editor_text() {
        let mut f = function();
        f.files = Some(BTreeMap::from([("index.js".into(), "old".into()), ("lib/a.js".into(), "a".into())]));
        f.main = Some("index.js".into());
        let mut values = FormValues::from_function(&f);
        assert_eq!(values.files.as_ref().map(|f| f.selected.as_str()), Some("index.js"));
        values.code = "new".into();
        let spec = values.to_spec(FormMode::Edit).unwrap();
        assert_eq!(spec.code, "");
        assert_eq!(spec.main.as_deref(), Some("index.js"));
        assert_eq!(spec.files.unwrap().get("index.js").map(String::as_str), Some("new"));
    }

    #[test]
    fn a_locked_function_saves_its_settings_without_code() {
        let mut f = function();
        f.locked = true;
        f.files = None;
        f.env = BTreeMap::from([("MODE".into(), "dev".into())]);
        let mut values = FormValues::from_function(&f);
        values.env[0].value = "prod".into();
        let spec = values.to_spec(FormMode::Edit).unwrap();
        assert_eq!((spec.code.as_str(), spec.files), ("", None), "the server keeps the code");
        assert_eq!(spec.env.get("MODE").map(String::as_str), Some("prod"));
    }

    fn function() -> Function {
        Function {
            name: "hello".into(),
            runtime: "javascript".into(),
            route: "hi".into(),
            path: "/api/org/acme/hi".into(),
            status: VersionStatus::Ready,
            version: 2,
            active_version: Some(2),
            trigger: Trigger::Http,
            limits: FunctionLimits { memory_mb: Some(64), timeout_ms: Some(5000) },
            env: BTreeMap::from([("MODE".into(), "demo".into())]),
            secret_names: vec!["API_KEY".into(), "DB_PASS".into()],
            fresh_context: true,
            access: FunctionAccess::Keys,
            payload_format_version: LambdaPayload::V1,
            code: "x".into(),
            files: None,
            main: None,
            shape: Some("openfaas".into()),
            error: None,
            created_at: "2025-11-20T10:00:00Z".into(),
            updated_at: "2025-11-20T10:00:00Z".into(),
            locked: false,
        }
    }

    #[test]
    fn a_new_function_sends_what_was_typed() {
        let mut v = values();
        v.memory_mb = "128".into();
        v.env = vec![EnvRow { key: "MODE".into(), value: "x".into() }, EnvRow::default()];
        v.secrets = vec![SecretRow { name: "TOKEN".into(), value: "s3".into(), ..SecretRow::default() }];
        let spec = v.to_spec(FormMode::Create).unwrap();
        assert_eq!(spec.name, "hello");
        assert_eq!(spec.runtime, "javascript");
        assert_eq!(spec.trigger, Trigger::Http);
        assert_eq!(spec.limits, FunctionLimits { memory_mb: Some(128), timeout_ms: None });
        assert_eq!(spec.env, BTreeMap::from([("MODE".into(), "x".into())]));
        assert_eq!(spec.secrets, Some(BTreeMap::from([("TOKEN".into(), "s3".into())])));
        assert_eq!(spec.access, FunctionAccess::Org, "org credentials unless chosen otherwise");
    }

    #[test]
    fn who_may_call_is_sent_and_its_field_errors_land_on_the_select() {
        let mut v = values();
        v.access = FunctionAccess::Keys;
        assert_eq!(v.to_spec(FormMode::Create).unwrap().access, FunctionAccess::Keys);
        let mut errors = FieldErrors::default();
        errors.add_detail(&ErrorDetail::field("access", "the provider does not allow public functions in this org"));
        assert_eq!(errors.get(field::ACCESS), ["the provider does not allow public functions in this org"]);
        assert!(ACCESS_CHOICES.iter().all(|(choice, label, help)| !label.is_empty()
            && !help.is_empty()
            && choice.as_str().parse::<FunctionAccess>() == Ok(*choice)));
    }

    #[test]
    fn an_event_trigger_survives_an_edit_and_empty_means_http() {
        let mut f = function();
        f.trigger = Trigger::Event { event: "com.vmware.vcloud.event.vm.create".into() };
        let v = FormValues::from_function(&f);
        assert_eq!(v.event, "com.vmware.vcloud.event.vm.create");
        assert_eq!(v.to_spec(FormMode::Edit).unwrap().trigger, f.trigger);
        let mut v = values();
        v.event = "  ".into();
        assert_eq!(v.to_spec(FormMode::Create).unwrap().trigger, Trigger::Http);
        v.event = " com.vmware.vcloud.event.vm.* ".into();
        let event = Trigger::Event { event: "com.vmware.vcloud.event.vm.*".into() };
        assert_eq!(v.to_spec(FormMode::Create).unwrap().trigger, event);
        let body = r#"{"error":{"code":"validation_failed","message":"invalid","details":[
            {"field":"trigger.event","reason":"must be a vCD event type"}]}}"#;
        let errors = FieldErrors::from_api(&ApiError::from_response(422, "", body), FormMode::Create);
        assert_eq!(errors.get(field::EVENT), ["must be a vCD event type"]);
    }

    #[test]
    fn a_new_function_without_secrets_sends_none() {
        assert_eq!(values().to_spec(FormMode::Create).unwrap().secrets, None);
    }

    #[test]
    fn limits_must_be_whole_numbers() {
        let mut v = values();
        v.memory_mb = "12.5".into();
        v.timeout_ms = "abc".into();
        let errors = v.to_spec(FormMode::Create).unwrap_err();
        assert_eq!(errors.get(field::MEMORY), ["must be a whole number"]);
        assert_eq!(errors.get(field::TIMEOUT), ["must be a whole number"]);
    }

    #[test]
    fn an_edit_starts_from_the_function_and_leaves_secrets_alone() {
        let v = FormValues::from_function(&function());
        assert_eq!(v.route, "hi");
        assert_eq!((v.memory_mb.as_str(), v.timeout_ms.as_str()), ("64", "5000"));
        assert_eq!(v.secrets, [SecretRow::existing("API_KEY"), SecretRow::existing("DB_PASS")]);
        assert!(v.fresh_context);
        assert_eq!(v.payload, LambdaPayload::V1);
        assert_eq!(v.to_spec(FormMode::Edit).unwrap().payload_format_version, LambdaPayload::V1);
        let spec = v.to_spec(FormMode::Edit).unwrap();
        assert_eq!(spec.secrets, None, "unchanged secrets are not sent");
        assert_eq!(spec.env.get("MODE").map(String::as_str), Some("demo"));
    }

    #[test]
    fn replacing_and_removing_secrets_sends_the_whole_new_set() {
        let mut v = FormValues::from_function(&function());
        v.secrets[0].replacing = true;
        v.secrets[0].value = "new-key".into();
        v.secrets[1].removed = true;
        v.secrets.push(SecretRow { name: "EXTRA".into(), value: "e".into(), ..SecretRow::default() });
        let spec = v.to_spec(FormMode::Edit).unwrap();
        assert_eq!(
            spec.secrets,
            Some(BTreeMap::from([("API_KEY".into(), "new-key".into()), ("EXTRA".into(), "e".into())]))
        );
    }

    #[test]
    fn removing_every_secret_sends_an_empty_set() {
        let mut v = FormValues::from_function(&function());
        for s in &mut v.secrets {
            s.removed = true;
        }
        assert_eq!(v.to_spec(FormMode::Edit).unwrap().secrets, Some(BTreeMap::new()));
    }

    #[test]
    fn a_change_needs_the_values_of_the_secrets_that_stay() {
        let mut v = FormValues::from_function(&function());
        v.secrets[1].removed = true;
        let errors = v.to_spec(FormMode::Edit).unwrap_err();
        assert_eq!(errors.get("secrets.API_KEY").len(), 1);
        assert!(errors.get("secrets.API_KEY")[0].contains("sends them all again"));
    }

    #[test]
    fn a_secret_being_replaced_needs_its_new_value() {
        let mut v = FormValues::from_function(&function());
        v.secrets[0].replacing = true;
        v.secrets[1].replacing = true;
        v.secrets[1].value = "x".into();
        let errors = v.to_spec(FormMode::Edit).unwrap_err();
        assert_eq!(errors.get("secrets.API_KEY"), ["enter the new value, or keep the current one"]);
        assert!(errors.get("secrets.DB_PASS").is_empty());
    }

    #[test]
    fn half_filled_rows_are_errors_and_blank_ones_are_ignored() {
        let mut v = values();
        v.env = vec![
            EnvRow { key: "".into(), value: "orphan".into() },
            EnvRow { key: "A".into(), value: "1".into() },
            EnvRow { key: "A".into(), value: "2".into() },
        ];
        v.secrets = vec![SecretRow { name: "S".into(), ..SecretRow::default() }, SecretRow::default()];
        let errors = v.to_spec(FormMode::Create).unwrap_err();
        assert_eq!(errors.section(field::ENV), ["every value needs a name", "A: is set twice"]);
        assert_eq!(errors.get("secrets.S"), ["needs a value"]);
    }

    #[test]
    fn server_details_land_under_their_fields() {
        let body = r#"{"error":{"code":"validation_failed","message":"invalid","details":[
            {"field":"route","reason":"is reserved"},
            {"field":"limits.memory_mb","reason":"must be between 16 and 256"},
            {"field":"env.1BAD","reason":"bad name"},
            {"field":"code","line":3,"reason":"unexpected token"},
            {"field":"runtime","reason":"python is not supported"},
            {"reason":"something else"}]}}"#;
        let errors = FieldErrors::from_api(&ApiError::from_response(422, "", body), FormMode::Create);
        assert_eq!(errors.get(field::ROUTE), ["is reserved"]);
        assert_eq!(errors.get(field::MEMORY), ["must be between 16 and 256"]);
        assert_eq!(errors.section(field::ENV), ["1BAD: bad name"]);
        assert_eq!(errors.get(field::CODE), ["line 3: unexpected token"]);
        assert_eq!(errors.code_line, Some(3));
        assert_eq!(errors.general, ["runtime: python is not supported", "something else"]);
    }

    #[test]
    fn a_taken_name_is_a_name_error_on_create() {
        let body = r#"{"error":{"code":"conflict","message":"a function named hello already exists"}}"#;
        let err = ApiError::from_response(409, "Conflict", body);
        assert_eq!(
            FieldErrors::from_api(&err, FormMode::Create).get(field::NAME),
            ["a function named hello already exists"]
        );
        assert_eq!(FieldErrors::from_api(&err, FormMode::Edit).general, ["a function named hello already exists"]);
    }

    #[test]
    fn the_path_preview_follows_the_route() {
        assert_eq!(path_preview("acme", " hi "), "/api/org/acme/hi");
        assert_eq!(path_preview("acme", ""), "/api/org/acme/{route}");
        assert_eq!(route_from_name(" hello "), "hello");
    }

    #[test]
    fn reserved_routes_and_oversized_code_are_caught_before_sending() {
        let mut v = values();
        v.route = "showback".into();
        v.code = "x".repeat(MAX_CODE_BYTES + 1);
        let errors = v.to_spec(FormMode::Create).unwrap_err();
        assert_eq!(errors.get(field::ROUTE), ["'showback' is reserved for the Stratus API"]);
        assert_eq!(errors.get(field::CODE), [format!("must be at most {MAX_CODE_BYTES} bytes")]);
    }
}
