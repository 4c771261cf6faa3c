//! What a function definition may hold.

use std::collections::BTreeMap;

use api_types::{ErrorDetail, FunctionAccess, FunctionSpec, LambdaPayload, OrgLimits, Trigger};

pub use api_types::function_limits::RESERVED_ROUTES;
use api_types::function_limits::{
    MAX_ENV_ENTRIES, MAX_ENV_NAME_BYTES, MAX_ENV_VALUE_BYTES, MAX_FILES, MAX_SEGMENT_CHARS,
};

/// A definition that passed validation, limits filled in from the org's defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidSpec {
    pub name: String,
    pub route: String,
    pub code: Code,
    pub trigger: Trigger,
    pub memory_mb: u32,
    pub timeout_ms: u32,
    pub env: BTreeMap<String, String>,
    pub secrets: Option<BTreeMap<String, String>>,
    pub fresh_context: bool,
    pub access: FunctionAccess,
    pub payload_format: LambdaPayload,
}

/// A function's code: one source, or several files with an optional entry file.
#[derive(Debug, Clone, PartialEq)]
pub enum Code {
    Source(String),
    Files { files: BTreeMap<String, String>, main: Option<String> },
}

impl Code {
    /// What the sandbox compiles.
    pub fn to_source(&self) -> sandbox::Source {
        match self {
            Code::Source(code) => sandbox::Source::Single(code.clone()),
            Code::Files { files, main } => sandbox::Source::Files { files: files.clone(), main: main.clone() },
        }
    }
}

/// Checks `code` or `files` (exactly one) against the org's cap.
fn check_code(spec: &FunctionSpec, limits: &OrgLimits, errors: &mut Vec<ErrorDetail>) -> Code {
    let cap = limits.max_code_bytes as usize;
    let Some(files) = &spec.files else {
        if spec.code.trim().is_empty() {
            errors.push(ErrorDetail::field("code", "must not be empty (send `code`, or `files`)"));
        } else if spec.code.len() > cap {
            errors.push(ErrorDetail::field("code", format!("must be at most {cap} bytes (this org's cap)")));
        }
        return Code::Source(spec.code.clone());
    };
    if !spec.code.is_empty() {
        errors.push(ErrorDetail::field("code", "send either `code` or `files`, not both"));
    }
    if files.is_empty() {
        errors.push(ErrorDetail::field("files", "must hold at least one file"));
    } else if files.len() > MAX_FILES {
        errors.push(ErrorDetail::field("files", format!("at most {MAX_FILES} files")));
    }
    let total: usize = files.iter().map(|(path, text)| path.len() + text.len()).sum();
    if total > cap {
        errors.push(ErrorDetail::field("files", format!("must be at most {cap} bytes together (this org's cap)")));
    }
    for path in files.keys().take(100) {
        if let Err(reason) = sandbox::check_path(path) {
            errors.push(ErrorDetail::field(format!("files.{path}"), reason));
        }
    }
    if let Some(main) = &spec.main
        && !files.contains_key(main)
    {
        errors.push(ErrorDetail::field("main", format!("'{main}' is not one of the files")));
    }
    Code::Files { files: files.clone(), main: spec.main.clone() }
}

/// Names and routes: one URL path segment of lowercase letters, digits, `-` and `_`.
fn check_segment(value: &str) -> Result<(), String> {
    if value.is_empty() || value.len() > MAX_SEGMENT_CHARS {
        return Err(format!("must be 1 to {MAX_SEGMENT_CHARS} characters long"));
    }
    let first_ok = value.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit());
    let rest_ok = value.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if first_ok && rest_ok {
        Ok(())
    } else {
        Err("may hold only lowercase letters, digits, '-' and '_', and must start with a letter or digit".into())
    }
}

fn check_vars(field: &str, vars: &BTreeMap<String, String>, errors: &mut Vec<ErrorDetail>) {
    if vars.len() > MAX_ENV_ENTRIES {
        errors.push(ErrorDetail::field(field, format!("at most {MAX_ENV_ENTRIES} entries")));
    }
    for (key, value) in vars {
        let key_ok = key.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && key.len() <= MAX_ENV_NAME_BYTES;
        if !key_ok {
            errors.push(ErrorDetail::field(
                format!("{field}.{key}"),
                "names are letters, digits and '_', not starting with a digit",
            ));
        }
        if value.len() > MAX_ENV_VALUE_BYTES {
            errors.push(ErrorDetail::field(format!("{field}.{key}"), format!("at most {MAX_ENV_VALUE_BYTES} bytes")));
        }
    }
}

/// Checks `memory_mb` and `timeout_ms` against the org's ceilings, filling in its defaults.
pub fn validate_limits(
    memory_mb: Option<u32>,
    timeout_ms: Option<u32>,
    limits: &OrgLimits,
    errors: &mut Vec<ErrorDetail>,
) -> (u32, u32) {
    let memory = memory_mb.unwrap_or(limits.default_memory_mb.min(limits.max_memory_mb));
    let timeout = timeout_ms.unwrap_or(limits.default_timeout_ms.min(limits.max_timeout_ms));
    if !(16..=limits.max_memory_mb).contains(&memory) {
        errors.push(ErrorDetail::field(
            "limits.memory_mb",
            format!("must be between 16 and {} (this org's ceiling)", limits.max_memory_mb),
        ));
    }
    if !(10..=limits.max_timeout_ms).contains(&timeout) {
        errors.push(ErrorDetail::field(
            "limits.timeout_ms",
            format!("must be between 10 and {} (this org's ceiling)", limits.max_timeout_ms),
        ));
    }
    (memory, timeout)
}

/// Validates a definition. `path_name` is the name in the URL of a `PUT`.
pub fn validate_spec(
    spec: &FunctionSpec,
    limits: &OrgLimits,
    path_name: Option<&str>,
) -> Result<ValidSpec, Vec<ErrorDetail>> {
    let mut errors = Vec::new();
    let name = match path_name {
        Some(path_name) if spec.name.is_empty() || spec.name == path_name => path_name.to_owned(),
        Some(path_name) => {
            errors.push(ErrorDetail::field("name", format!("must be '{path_name}' (renaming is not supported)")));
            path_name.to_owned()
        }
        None => spec.name.clone(),
    };
    if let Err(reason) = check_segment(&name) {
        errors.push(ErrorDetail::field("name", reason));
    }
    if spec.runtime != "javascript" {
        errors.push(ErrorDetail::field("runtime", format!("'{}' is not supported; use javascript", spec.runtime)));
    }
    if let Err(reason) = check_segment(&spec.route) {
        errors.push(ErrorDetail::field("route", reason));
    } else if RESERVED_ROUTES.contains(&spec.route.as_str()) {
        errors.push(ErrorDetail::field("route", format!("'{}' is reserved for the Stratus API", spec.route)));
    }
    let code = check_code(spec, limits, &mut errors);
    if let Trigger::Event { event } = &spec.trigger
        && let Err(reason) = super::events::validate_pattern(event)
    {
        errors.push(ErrorDetail::field("trigger.event", reason));
    }
    let (memory_mb, timeout_ms) = validate_limits(spec.limits.memory_mb, spec.limits.timeout_ms, limits, &mut errors);
    check_vars("env", &spec.env, &mut errors);
    if let Some(secrets) = &spec.secrets {
        check_vars("secrets", secrets, &mut errors);
    }
    if spec.access == FunctionAccess::Public && !limits.allow_public {
        errors.push(ErrorDetail::field("access", "the provider does not allow public functions in this org"));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(ValidSpec {
        name,
        route: spec.route.clone(),
        code,
        trigger: spec.trigger.clone(),
        memory_mb,
        timeout_ms,
        env: spec.env.clone(),
        secrets: spec.secrets.clone(),
        fresh_context: spec.fresh_context,
        access: spec.access,
        payload_format: spec.payload_format_version,
    })
}

#[cfg(test)]
mod tests {
    use api_types::FunctionLimits;

    use super::*;

    fn spec() -> FunctionSpec {
        FunctionSpec {
            name: "hello".into(),
            runtime: "javascript".into(),
            route: "hello".into(),
            code: "module.exports = async () => 'hi'".into(),
            files: None,
            main: None,
            trigger: Trigger::Http,
            limits: FunctionLimits::default(),
            env: BTreeMap::new(),
            secrets: None,
            fresh_context: false,
            access: Default::default(),
            payload_format_version: Default::default(),
        }
    }

    fn fields(result: Result<ValidSpec, Vec<ErrorDetail>>) -> Vec<String> {
        result.unwrap_err().into_iter().filter_map(|d| d.field).collect()
    }

    #[test]
    fn fills_in_org_defaults() {
        let valid = validate_spec(&spec(), &OrgLimits::default(), None).unwrap();
        assert_eq!((valid.memory_mb, valid.timeout_ms), (64, 5_000));
    }

    #[test]
    fn names_every_bad_field() {
        let mut bad = spec();
        bad.name = "Hello World".into();
        bad.runtime = "python".into();
        bad.route = "functions".into();
        bad.code = " ".into();
        bad.limits = FunctionLimits { memory_mb: Some(4096), timeout_ms: Some(1) };
        bad.env.insert("1BAD".into(), "x".into());
        let got = fields(validate_spec(&bad, &OrgLimits::default(), None));
        assert_eq!(got, ["name", "runtime", "route", "code", "limits.memory_mb", "limits.timeout_ms", "env.1BAD"]);
    }

    #[test]
    fn the_sandbox_checks_files_with_the_published_limits() {
        use api_types::function_limits::MAX_FILE_PATH_BYTES;
        assert_eq!((sandbox::MAX_FILES, sandbox::MAX_PATH_BYTES), (MAX_FILES, MAX_FILE_PATH_BYTES));
    }

    #[test]
    fn files_replace_code_within_the_org_cap() {
        let mut many = spec();
        many.code.clear();
        many.files = Some(BTreeMap::from([("index.js".into(), "module.exports = () => 1".into())]));
        many.main = Some("index.js".into());
        assert!(matches!(validate_spec(&many, &OrgLimits::default(), None).unwrap().code, Code::Files { .. }));
        many.code = "x".into();
        many.main = Some("other.js".into());
        many.files.as_mut().unwrap().insert("../up.js".into(), String::new());
        let got = fields(validate_spec(&many, &OrgLimits::default(), None));
        assert_eq!(got, ["code", "files.../up.js", "main"]);
        let small = OrgLimits { max_code_bytes: 1024, ..OrgLimits::default() };
        let mut big = spec();
        big.code.clear();
        big.files = Some(BTreeMap::from([("index.js".into(), "x".repeat(1100))]));
        assert_eq!(fields(validate_spec(&big, &small, None)), ["files"]);
    }

    #[test]
    fn put_may_not_rename() {
        let got = fields(validate_spec(&spec(), &OrgLimits::default(), Some("other")));
        assert_eq!(got, ["name"]);
        let mut unnamed = spec();
        unnamed.name.clear();
        assert_eq!(validate_spec(&unnamed, &OrgLimits::default(), Some("hello")).unwrap().name, "hello");
    }

    #[test]
    fn routes_are_one_segment() {
        for route in ["a/b", "", "-x", "UPPER", "with space"] {
            let mut s = spec();
            s.route = route.into();
            assert_eq!(fields(validate_spec(&s, &OrgLimits::default(), None)), ["route"], "{route:?}");
        }
    }
}
