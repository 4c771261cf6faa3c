//! Small text and style decisions of the pages.

use api_types::{InvocationStatus, Me, VersionStatus};

/// Clarity badge colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadgeKind {
    Success,
    Warning,
    Danger,
    Info,
    Neutral,
}

impl BadgeKind {
    /// The CSS classes of a badge of this kind.
    pub fn class(self) -> &'static str {
        match self {
            BadgeKind::Success => "badge badge-success",
            BadgeKind::Warning => "badge badge-warning",
            BadgeKind::Danger => "badge badge-danger",
            BadgeKind::Info => "badge badge-info",
            BadgeKind::Neutral => "badge",
        }
    }
}

/// The badge of a function (or function version) status.
pub fn function_status_badge(status: VersionStatus) -> BadgeKind {
    match status {
        VersionStatus::Ready => BadgeKind::Success,
        VersionStatus::Initializing => BadgeKind::Info,
        VersionStatus::Failed => BadgeKind::Danger,
    }
}

/// The badge of an invocation status.
pub fn invocation_status_badge(status: InvocationStatus) -> BadgeKind {
    match status {
        InvocationStatus::Succeeded => BadgeKind::Success,
        InvocationStatus::Failed => BadgeKind::Danger,
        InvocationStatus::Running | InvocationStatus::Pending => BadgeKind::Info,
    }
}

/// The badge of an HTTP status: green 2xx, blue 1xx/3xx, yellow 4xx, red 5xx.
pub fn http_status_badge(status: u16) -> BadgeKind {
    match status {
        200..=299 => BadgeKind::Success,
        100..=199 | 300..=399 => BadgeKind::Info,
        400..=499 => BadgeKind::Warning,
        500..=599 => BadgeKind::Danger,
        _ => BadgeKind::Neutral,
    }
}

/// `512 B`, `3.4 KiB`, `12.0 MiB`.
pub fn format_bytes(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// `2025-11-20T14:03:27.5Z` → `2025-11-20 14:03 UTC`; anything unexpected as it came.
pub fn format_timestamp(rfc3339: &str) -> String {
    let s = rfc3339.trim();
    let (Some(date), Some(b'T' | b't' | b' '), Some(hh_mm)) = (s.get(..10), s.as_bytes().get(10), s.get(11..16)) else {
        return s.to_owned();
    };
    if hh_mm.as_bytes().get(2) != Some(&b':') {
        return s.to_owned();
    }
    let rest = s.get(16..).unwrap_or_default();
    let zone = if rest.ends_with(['Z', 'z']) {
        "UTC".to_owned()
    } else {
        match rest.rfind(['+', '-']) {
            Some(i) if rest[i..] == *"+00:00" => "UTC".to_owned(),
            Some(i) => rest[i..].to_owned(),
            None => String::new(),
        }
    };
    format!("{date} {hh_mm} {zone}").trim_end().to_owned()
}

/// `3`, or `3 (active 2)` when calls are still served by another version.
pub fn version_label(latest: i64, active: Option<i64>) -> String {
    match active {
        Some(active) if active != latest => format!("{latest} (active {active})"),
        _ => latest.to_string(),
    }
}

/// `2 of 1–4`: current VMs, then the rule's bounds.
pub fn vm_counts(current: i64, min: i64, max: i64) -> String {
    format!("{current} of {min}–{max}")
}

/// The org a session opens first: a tenant admin's own, else the first the caller may see.
pub fn default_org(me: &Me) -> Option<String> {
    me.org.clone().or_else(|| me.orgs.first().cloned())
}

/// `42.5%` of `total`, or an empty string when the total is not positive.
pub fn share_percent(part: f64, total: f64) -> String {
    if total > 0.0 && part.is_finite() { format!("{:.1}%", part / total * 100.0) } else { String::new() }
}

/// `1 function`, `2 functions`.
pub fn count_noun(n: usize, singular: &str, plural: &str) -> String {
    format!("{n} {}", if n == 1 { singular } else { plural })
}

#[cfg(test)]
mod tests {
    use super::*;
    use api_types::Role;

    #[test]
    fn timestamps_are_shortened_to_minutes() {
        assert_eq!(format_timestamp("2025-11-20T14:03:27Z"), "2025-11-20 14:03 UTC");
        assert_eq!(format_timestamp("2025-11-20T14:03:27.123456Z"), "2025-11-20 14:03 UTC");
        assert_eq!(format_timestamp("2025-11-20T14:03:27+00:00"), "2025-11-20 14:03 UTC");
        assert_eq!(format_timestamp("2025-11-20T14:03:27+01:00"), "2025-11-20 14:03 +01:00");
        assert_eq!(format_timestamp("2025-11-20 14:03:27"), "2025-11-20 14:03");
    }

    #[test]
    fn odd_timestamps_are_shown_as_they_came() {
        assert_eq!(format_timestamp("yesterday"), "yesterday");
        assert_eq!(format_timestamp("2025-11-20"), "2025-11-20");
        assert_eq!(format_timestamp("2025-11-20T1403"), "2025-11-20T1403");
    }

    #[test]
    fn function_statuses_map_to_badges() {
        assert_eq!(function_status_badge(VersionStatus::Ready), BadgeKind::Success);
        assert_eq!(function_status_badge(VersionStatus::Initializing), BadgeKind::Info);
        assert_eq!(function_status_badge(VersionStatus::Failed), BadgeKind::Danger);
        // Every status is known now; the neutral badge is left for HTTP statuses out of range.
        assert_eq!(BadgeKind::Neutral.class(), "badge");
    }

    #[test]
    fn invocation_and_http_statuses_map_to_badges() {
        assert_eq!(invocation_status_badge(InvocationStatus::Succeeded), BadgeKind::Success);
        assert_eq!(invocation_status_badge(InvocationStatus::Failed), BadgeKind::Danger);
        assert_eq!(invocation_status_badge(InvocationStatus::Running), BadgeKind::Info);
        assert_eq!(http_status_badge(204), BadgeKind::Success);
        assert_eq!(http_status_badge(302), BadgeKind::Info);
        assert_eq!(http_status_badge(429), BadgeKind::Warning);
        assert_eq!(http_status_badge(504), BadgeKind::Danger);
        assert_eq!(http_status_badge(0), BadgeKind::Neutral);
    }

    #[test]
    fn byte_sizes() {
        assert_eq!(format_bytes(512), "512 B");
        assert_eq!(format_bytes(3 * 1024 + 400), "3.4 KiB");
        assert_eq!(format_bytes(12 * 1024 * 1024), "12.0 MiB");
    }

    #[test]
    fn a_tenant_admin_opens_their_org_and_a_provider_the_first() {
        let mut me =
            Me { role: Role::TenantAdmin, org: Some("acme".into()), subject: "t".into(), orgs: vec!["acme".into()] };
        assert_eq!(default_org(&me).as_deref(), Some("acme"));
        me.role = Role::Provider;
        me.org = None;
        me.orgs = vec!["beta".into(), "acme".into()];
        assert_eq!(default_org(&me).as_deref(), Some("beta"));
        me.orgs.clear();
        assert_eq!(default_org(&me), None);
    }

    #[test]
    fn small_text_helpers() {
        assert_eq!(vm_counts(2, 1, 4), "2 of 1–4");
        assert_eq!(version_label(3, Some(3)), "3");
        assert_eq!(version_label(3, None), "3");
        assert_eq!(version_label(3, Some(2)), "3 (active 2)");
        assert_eq!(share_percent(1.0, 8.0), "12.5%");
        assert_eq!(share_percent(1.0, 0.0), "");
        assert_eq!(count_noun(1, "function", "functions"), "1 function");
        assert_eq!(count_noun(0, "function", "functions"), "0 functions");
    }
}
