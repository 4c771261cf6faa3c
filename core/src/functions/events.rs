//! vCD notifications as function triggers, in plain Rust: reading a notification, event types
//! and trigger patterns, and the retry schedule. Which org an event belongs to is the
//! [`crate::org_directory`]'s answer.

use std::time::Duration;

use serde::Deserialize;

/// The longest trigger pattern a function may have.
const MAX_PATTERN_LEN: usize = 256;

/// A vCD notification (the JSON body on `<prefix>.notifications20`), with its type normalised.
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    pub event_id: String,
    /// With dots: `com.vmware.vcloud.event.vm.create`.
    pub event_type: String,
    /// `urn:vcloud:org:<uuid>`, as vCD sent it.
    pub org_id: String,
    pub operation_success: bool,
    pub entity: Option<String>,
    /// The body as received; the function gets it unchanged.
    pub raw: String,
}

/// Why a message is not a notification Stratus can use. Such a message is dropped, never
/// retried: it would fail the same way again.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MalformedNotification {
    #[error("not JSON of a vCD notification: {0}")]
    Json(String),
    #[error("field '{0}' is empty")]
    Empty(&'static str),
    #[error("event type '{0}' is not dotted or slashed words")]
    Type(String),
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NotificationJson {
    event_id: String,
    #[serde(rename = "type")]
    event_type: String,
    org: String,
    #[serde(default = "yes")]
    operation_success: bool,
    #[serde(default)]
    entity: Option<String>,
}

fn yes() -> bool {
    true
}

/// Reads a notification body.
pub fn parse_notification(body: &[u8]) -> Result<Notification, MalformedNotification> {
    let text = std::str::from_utf8(body).map_err(|e| MalformedNotification::Json(e.to_string()))?;
    let json: NotificationJson = serde_json::from_str(text).map_err(|e| MalformedNotification::Json(e.to_string()))?;
    if json.event_id.trim().is_empty() {
        return Err(MalformedNotification::Empty("eventId"));
    }
    if json.org.trim().is_empty() {
        return Err(MalformedNotification::Empty("org"));
    }
    let event_type =
        normalise_type(&json.event_type).ok_or_else(|| MalformedNotification::Type(json.event_type.clone()))?;
    Ok(Notification {
        event_id: json.event_id.trim().to_owned(),
        event_type,
        org_id: json.org.trim().to_owned(),
        operation_success: json.operation_success,
        entity: json.entity,
        raw: text.to_owned(),
    })
}

fn is_word(segment: &str) -> bool {
    !segment.is_empty() && segment.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'))
}

/// An event type in the dotted form triggers use: `com/vmware/vcloud/event/vm/create` (the
/// notification's form) and `com.vmware.vcloud.event.vm.create` (the routing key's) both give
/// the latter. `None` unless it is words separated by `/` or `.`.
pub fn normalise_type(event_type: &str) -> Option<String> {
    let dotted = event_type.trim().replace('/', ".");
    dotted.split('.').all(is_word).then_some(dotted)
}

/// Checks a trigger's event pattern: an event type (slashes or dots), optionally ending in a
/// `*` segment that stands for one or more further segments (`com.vmware.vcloud.event.vm.*`).
pub fn validate_pattern(pattern: &str) -> Result<(), String> {
    const HINT: &str = "must be a vCD event type such as com.vmware.vcloud.event.vm.create, \
                        optionally ending in .* (com.vmware.vcloud.event.vm.*)";
    if pattern.trim().is_empty() || pattern.len() > MAX_PATTERN_LEN {
        return Err(HINT.into());
    }
    let dotted = pattern.trim().replace('/', ".");
    let literal = dotted.strip_suffix(".*").unwrap_or(&dotted);
    if literal == "*" || literal.split('.').all(is_word) { Ok(()) } else { Err(HINT.into()) }
}

/// Whether a trigger's `pattern` selects the (normalised) `event_type`. Case does not matter.
pub fn pattern_matches(pattern: &str, event_type: &str) -> bool {
    let pattern = pattern.trim().replace('/', ".").to_ascii_lowercase();
    let event_type = event_type.to_ascii_lowercase();
    if pattern == "*" {
        return true;
    }
    match pattern.strip_suffix(".*") {
        Some(prefix) => event_type.strip_prefix(prefix).is_some_and(|rest| rest.len() > 1 && rest.starts_with('.')),
        None => pattern == event_type,
    }
}

/// When a failed delivery is tried again: after the n-th failed attempt, `delays[n - 1]`; after
/// the last one it is dead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    pub delays: Vec<Duration>,
}

impl Default for RetryPolicy {
    /// Three retries, backing off: 10 s, 1 min, 5 min (four attempts in all).
    fn default() -> Self {
        Self { delays: vec![Duration::from_secs(10), Duration::from_secs(60), Duration::from_secs(300)] }
    }
}

impl RetryPolicy {
    /// Every attempt a delivery gets, the first included.
    pub fn max_attempts(&self) -> i64 {
        i64::try_from(self.delays.len()).unwrap_or(i64::MAX - 1) + 1
    }

    /// How long to wait after `attempts` failed attempts; `None` when none are left.
    pub fn delay_after(&self, attempts: i64) -> Option<Duration> {
        let index = usize::try_from(attempts.checked_sub(1)?).ok()?;
        self.delays.get(index).copied()
    }
}

/// What becomes of a delivery after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextStep {
    Succeeded,
    /// Try again at this time (epoch ms).
    RetryAt(i64),
    Dead,
}

/// The next step after attempt number `attempts` (1-based) ended at `now`.
pub fn next_step(policy: &RetryPolicy, attempts: i64, succeeded: bool, now: i64) -> NextStep {
    if succeeded {
        return NextStep::Succeeded;
    }
    match policy.delay_after(attempts) {
        Some(delay) => NextStep::RetryAt(now.saturating_add(i64::try_from(delay.as_millis()).unwrap_or(i64::MAX))),
        None => NextStep::Dead,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACME: &str = "urn:vcloud:org:5eed0001-0000-4000-8000-000000000001";

    fn body(event_type: &str) -> String {
        format!(
            r#"{{"eventId":"ev-1","type":"{event_type}","timestamp":"2024-01-01T10:00:00.000+00:00",
               "operationSuccess":true,"user":"urn:vcloud:user:1","org":"{ACME}",
               "entity":"urn:vcloud:vm:1","task":"urn:vcloud:task:1","taskOwner":"urn:vcloud:vapp:1"}}"#
        )
    }

    #[test]
    fn notifications_are_read_with_dotted_types() {
        let n = parse_notification(body("com/vmware/vcloud/event/vm/create").as_bytes()).expect("valid");
        assert_eq!(n.event_id, "ev-1");
        assert_eq!(n.event_type, "com.vmware.vcloud.event.vm.create");
        assert_eq!(n.org_id, ACME);
        assert!(n.operation_success);
        assert_eq!(n.entity.as_deref(), Some("urn:vcloud:vm:1"));
        assert_eq!(n.raw, body("com/vmware/vcloud/event/vm/create"));
        let dotted = parse_notification(body("com.vmware.vcloud.event.vm.create").as_bytes()).expect("valid");
        assert_eq!(dotted.event_type, "com.vmware.vcloud.event.vm.create");
    }

    #[test]
    fn malformed_notifications_are_refused() {
        assert!(matches!(parse_notification(b"<xml/>"), Err(MalformedNotification::Json(_))));
        assert!(matches!(parse_notification(&[0xff, 0xfe]), Err(MalformedNotification::Json(_))));
        assert!(matches!(parse_notification(br#"{"eventId":"1","org":"x"}"#), Err(MalformedNotification::Json(_))));
        let empty_id = br#"{"eventId":" ","type":"a/b","org":"x"}"#;
        assert_eq!(parse_notification(empty_id), Err(MalformedNotification::Empty("eventId")));
        let no_org = br#"{"eventId":"1","type":"a/b","org":""}"#;
        assert_eq!(parse_notification(no_org), Err(MalformedNotification::Empty("org")));
        for bad in ["", "a//b", "com/vmware event", "a.*"] {
            assert!(matches!(parse_notification(body(bad).as_bytes()), Err(MalformedNotification::Type(_))), "{bad}");
        }
    }

    #[test]
    fn operation_success_defaults_to_true() {
        let n = parse_notification(br#"{"eventId":"1","type":"a/b","org":"x"}"#).expect("valid");
        assert!(n.operation_success);
        let failed = parse_notification(br#"{"eventId":"1","type":"a/b","org":"x","operationSuccess":false}"#);
        assert!(!failed.expect("valid").operation_success);
    }

    #[test]
    fn types_normalise_to_dots() {
        assert_eq!(
            normalise_type("com/vmware/vcloud/event/vm/create").as_deref(),
            Some("com.vmware.vcloud.event.vm.create")
        );
        assert_eq!(
            normalise_type(" com.vmware.vcloud.event.vm.create ").as_deref(),
            Some("com.vmware.vcloud.event.vm.create")
        );
        assert_eq!(normalise_type("a/b.c_d-e").as_deref(), Some("a.b.c_d-e"));
        assert_eq!(normalise_type("a/"), None);
        assert_eq!(normalise_type("a b"), None);
    }

    #[test]
    fn patterns_match_exactly_or_by_a_trailing_wildcard() {
        let create = "com.vmware.vcloud.event.vm.create";
        assert!(pattern_matches("com.vmware.vcloud.event.vm.create", create));
        assert!(pattern_matches("com/vmware/vcloud/event/vm/create", create));
        assert!(pattern_matches("COM.vmware.vcloud.event.VM.create", create));
        assert!(!pattern_matches("com.vmware.vcloud.event.vm.delete", create));
        assert!(!pattern_matches("com.vmware.vcloud.event.vm", create));
        assert!(pattern_matches("com.vmware.vcloud.event.vm.*", create));
        assert!(pattern_matches("com.vmware.vcloud.event.*", create));
        assert!(pattern_matches("*", create));
        assert!(!pattern_matches("com.vmware.vcloud.event.vapp.*", create));
        // The wildcard stands for whole segments, at least one.
        assert!(!pattern_matches("com.vmware.vcloud.event.v*", create));
        assert!(!pattern_matches("com.vmware.vcloud.event.vm.create.*", create));
        assert!(!pattern_matches("com.vmware.vcloud.event.vm.*", "com.vmware.vcloud.event.vmx.create"));
    }

    #[test]
    fn patterns_are_validated() {
        for good in ["com.vmware.vcloud.event.vm.create", "com/vmware/vcloud/event/vm/create", "com.vmware.*", "*"] {
            assert_eq!(validate_pattern(good), Ok(()), "{good}");
        }
        for bad in ["", " ", "com.*.create", "com.vm*", "a..b", "a b", ".*", &"a".repeat(300)] {
            assert!(validate_pattern(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn retries_back_off_then_the_delivery_is_dead() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.max_attempts(), 4);
        assert_eq!(next_step(&policy, 1, true, 1_000), NextStep::Succeeded);
        assert_eq!(next_step(&policy, 1, false, 1_000), NextStep::RetryAt(11_000));
        assert_eq!(next_step(&policy, 2, false, 1_000), NextStep::RetryAt(61_000));
        assert_eq!(next_step(&policy, 3, false, 1_000), NextStep::RetryAt(301_000));
        assert_eq!(next_step(&policy, 4, false, 1_000), NextStep::Dead);
        assert_eq!(next_step(&policy, 9, false, 1_000), NextStep::Dead);
        let none = RetryPolicy { delays: Vec::new() };
        assert_eq!(none.max_attempts(), 1);
        assert_eq!(next_step(&none, 1, false, 5), NextStep::Dead);
    }
}
