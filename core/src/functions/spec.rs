//! What a function definition may hold.

use std::collections::BTreeMap;

use api_types::{ErrorDetail, FunctionAccess, FunctionSpec, LambdaPayload, OrgLimits, Trigger};

pub use api_types::function_limits::RESERVED_ROUTES;
use api_types::function_limits::{
    MAX_CODE_BYTES, MAX_ENV_ENTRIES, MAX_ENV_NAME_BYTES, MAX_ENV_VALUE_BYTES, MAX_SEGMENT_CHARS,
};

/// A definition that passed validation, limits filled in from the org's defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidSpec {
    pub name: String,
    pub route: String,
    pub code: String,
    pub trigger: Trigger,
    pub memory_mb: u32,
    pub timeout_ms: u32,
    pub env: BTreeMap<String, String>,
    pub secrets: Option<BTreeMap<String, String>>,
    pub fresh_context: bool,
    pub access: FunctionAccess,
    pub payload_format: LambdaPayload,
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
    if spec.code.trim().is_empty() {
        errors.push(ErrorDetail::field("code", "must not be empty"));
    } else if spec.code.len() > MAX_CODE_BYTES {
        errors.push(ErrorDetail::field("code", format!("must be at most {MAX_CODE_BYTES} bytes")));
    }
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
        code: spec.code.clone(),
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
