//! The egress policy form: one entry per line in two lists, the [`EgressPolicy`] it sends, and
//! which line a server error is about.

use api_types::{EgressPolicy, egress_limits};

use crate::logic::api_error::{ApiError, describe_detail};

/// The two lists as typed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EgressValues {
    pub allow: String,
    pub deny: String,
}

/// Messages per list, plus those that belong to neither.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EgressErrors {
    pub allow: Vec<String>,
    pub deny: Vec<String>,
    pub general: Vec<String>,
}

/// The entries of a list: one per line, blank lines and `#` comments left out, with the line
/// each came from (1-based).
fn entries(text: &str) -> Vec<(usize, String)> {
    text.lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line.trim()))
        .filter(|(_, line)| !line.is_empty() && !line.starts_with('#'))
        .map(|(n, line)| (n, line.to_owned()))
        .collect()
}

impl EgressValues {
    pub fn from_policy(policy: &EgressPolicy) -> Self {
        Self { allow: policy.allow.join("\n"), deny: policy.deny.join("\n") }
    }

    /// The policy to send, or the lists over their size.
    pub fn to_policy(&self) -> Result<EgressPolicy, EgressErrors> {
        let (allow, deny) = (entries(&self.allow), entries(&self.deny));
        let mut errors = EgressErrors::default();
        let too_many = |list: &[(usize, String)]| {
            (list.len() > egress_limits::MAX_RULES).then(|| format!("at most {} entries", egress_limits::MAX_RULES))
        };
        errors.allow.extend(too_many(&allow));
        errors.deny.extend(too_many(&deny));
        if !errors.is_empty() {
            return Err(errors);
        }
        let texts = |list: Vec<(usize, String)>| list.into_iter().map(|(_, e)| e).collect();
        Ok(EgressPolicy { allow: texts(allow), deny: texts(deny) })
    }

    /// The server's field errors (`allow[2]`) under their list, naming the line.
    pub fn errors_from_api(&self, error: &ApiError) -> EgressErrors {
        let mut errors = EgressErrors::default();
        for detail in &error.details {
            let field = detail.field.as_deref().unwrap_or_default();
            let (name, index) = match field.split_once('[') {
                Some((name, rest)) => (name, rest.trim_end_matches(']').parse::<usize>().ok()),
                None => (field, None),
            };
            let (target, text) = match name {
                "allow" => (&mut errors.allow, &self.allow),
                "deny" => (&mut errors.deny, &self.deny),
                _ => {
                    errors.general.push(describe_detail(detail));
                    continue;
                }
            };
            let line = index.and_then(|i| entries(text).get(i).map(|(line, _)| *line));
            target.push(match line {
                Some(line) => format!("line {line}: {}", detail.reason),
                None => detail.reason.clone(),
            });
        }
        if error.details.is_empty() {
            errors.general.push(error.message.clone());
        }
        errors
    }
}

impl EgressErrors {
    pub fn is_empty(&self) -> bool {
        self.allow.is_empty() && self.deny.is_empty() && self.general.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use api_types::ErrorDetail;

    use super::*;

    #[test]
    fn lines_become_entries_without_blanks_or_comments() {
        let values = EgressValues { allow: "api.github.com\n\n# chat\n  *.slack.com  \n".into(), deny: String::new() };
        let policy = values.to_policy().unwrap();
        assert_eq!(policy.allow, ["api.github.com", "*.slack.com"]);
        assert!(policy.deny.is_empty());
        assert_eq!(EgressValues::from_policy(&policy).allow, "api.github.com\n*.slack.com");
        let many = EgressValues { allow: "a.example.com\n".repeat(257), deny: String::new() };
        assert_eq!(many.to_policy().unwrap_err().allow, ["at most 256 entries"]);
    }

    #[test]
    fn a_server_error_names_the_line_the_entry_is_on() {
        let values = EgressValues { allow: "ok.example.com\n\n# next\nhttp://x".into(), deny: "10.0.0.0/33".into() };
        let detail = |field: &str| ErrorDetail { field: Some(field.into()), line: None, reason: "not a host".into() };
        let error = ApiError {
            status: 422,
            code: "validation_failed".into(),
            message: "invalid".into(),
            details: vec![detail("allow[1]"), detail("deny[0]"), detail("other")],
        };
        let errors = values.errors_from_api(&error);
        assert_eq!(errors.allow, ["line 4: not a host"]);
        assert_eq!(errors.deny, ["line 1: not a host"]);
        assert_eq!(errors.general, ["other: not a host"]);
    }
}
