//! The Events tab of an event-triggered function: delivery URLs, filters and text.

use api_types::{DeliveryStatus, EventDelivery, Trigger};

use crate::logic::display::BadgeKind;
use crate::logic::urls::{encode_segment, function};

/// The status filter of the Events tab.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DeliveryFilter {
    #[default]
    All,
    Pending,
    Running,
    Succeeded,
    /// The dead-letter list.
    Dead,
}

impl DeliveryFilter {
    pub const ALL: [DeliveryFilter; 5] = [
        DeliveryFilter::All,
        DeliveryFilter::Pending,
        DeliveryFilter::Running,
        DeliveryFilter::Succeeded,
        DeliveryFilter::Dead,
    ];

    /// The `status` query value; `None` for every status.
    pub fn status(self) -> Option<&'static str> {
        match self {
            DeliveryFilter::All => None,
            DeliveryFilter::Pending => Some(DeliveryStatus::Pending.as_str()),
            DeliveryFilter::Running => Some(DeliveryStatus::Running.as_str()),
            DeliveryFilter::Succeeded => Some(DeliveryStatus::Succeeded.as_str()),
            DeliveryFilter::Dead => Some(DeliveryStatus::Dead.as_str()),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            DeliveryFilter::All => "All",
            DeliveryFilter::Pending => "Pending",
            DeliveryFilter::Running => "Running",
            DeliveryFilter::Succeeded => "Succeeded",
            DeliveryFilter::Dead => "Dead letters",
        }
    }

    /// The value of its `<option>`.
    pub fn value(self) -> &'static str {
        self.status().unwrap_or("all")
    }

    pub fn from_value(value: &str) -> Self {
        DeliveryFilter::ALL.into_iter().find(|f| f.value() == value).unwrap_or_default()
    }
}

/// `GET {base}/api/org/{org}/functions/{name}/deliveries[?status=…]`.
pub fn deliveries_url(base: &str, org: &str, name: &str, filter: DeliveryFilter) -> String {
    let all = format!("{}/deliveries", function(base, org, name));
    match filter.status() {
        Some(status) => format!("{all}?status={status}"),
        None => all,
    }
}

/// `POST {base}/api/org/{org}/functions/{name}/deliveries/{id}/redrive`.
pub fn redrive_url(base: &str, org: &str, name: &str, id: &str) -> String {
    format!("{}/deliveries/{}/redrive", function(base, org, name), encode_segment(id))
}

/// `POST {base}/api/org/{org}/functions/{name}/deliveries/redrive`: every dead one.
pub fn redrive_all_url(base: &str, org: &str, name: &str) -> String {
    format!("{}/deliveries/redrive", function(base, org, name))
}

/// The vCD event type a function is triggered by, if it is event-triggered.
pub fn trigger_event(trigger: &Trigger) -> Option<&str> {
    match trigger {
        Trigger::Event { event } => Some(event),
        Trigger::Http => None,
    }
}

/// The badge of a delivery status.
pub fn delivery_status_badge(status: DeliveryStatus) -> BadgeKind {
    match status {
        DeliveryStatus::Succeeded => BadgeKind::Success,
        DeliveryStatus::Dead => BadgeKind::Danger,
        DeliveryStatus::Pending | DeliveryStatus::Running => BadgeKind::Info,
    }
}

/// The short form of an event type: `vm/create` for `com.vmware.vcloud.event.vm.create`.
pub fn short_event_type(event_type: &str) -> String {
    event_type.strip_prefix("com.vmware.vcloud.event.").unwrap_or(event_type).replace('.', "/")
}

/// Whether a delivery can be re-driven (only dead ones).
pub fn can_redrive(delivery: &EventDelivery) -> bool {
    delivery.status == DeliveryStatus::Dead
}

/// How many of the listed deliveries are dead.
pub fn dead_count(deliveries: &[EventDelivery]) -> usize {
    deliveries.iter().filter(|d| can_redrive(d)).count()
}

/// The notification pretty-printed, or as it came when it is not JSON.
pub fn pretty_payload(payload: &str) -> String {
    serde_json::from_str::<serde_json::Value>(payload)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| payload.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delivery(status: DeliveryStatus) -> EventDelivery {
        EventDelivery {
            id: "dlv_1".into(),
            function: "on-create".into(),
            event_id: "ev-1".into(),
            event_type: "com.vmware.vcloud.event.vm.create".into(),
            status,
            attempts: 3,
            next_attempt_at: None,
            last_error: Some("function_error: boom".into()),
            invocation_id: Some("inv_1".into()),
            payload: r#"{"eventId":"ev-1"}"#.into(),
            created_at: "2024-01-01T10:00:00Z".into(),
            updated_at: "2024-01-01T10:00:05Z".into(),
        }
    }

    #[test]
    fn urls_carry_the_filter_and_encode_names() {
        let base = "https://x";
        assert_eq!(
            deliveries_url(base, "acme", "on create", DeliveryFilter::All),
            "https://x/api/org/acme/functions/on%20create/deliveries"
        );
        assert_eq!(
            deliveries_url(base, "acme", "f", DeliveryFilter::Dead),
            "https://x/api/org/acme/functions/f/deliveries?status=dead"
        );
        assert_eq!(
            redrive_url(base, "acme", "f", "dlv_1"),
            "https://x/api/org/acme/functions/f/deliveries/dlv_1/redrive"
        );
        assert_eq!(redrive_all_url(base, "acme", "f"), "https://x/api/org/acme/functions/f/deliveries/redrive");
    }

    #[test]
    fn filters_round_trip_through_their_option_values() {
        for filter in DeliveryFilter::ALL {
            assert_eq!(DeliveryFilter::from_value(filter.value()), filter);
        }
        assert_eq!(DeliveryFilter::from_value("nonsense"), DeliveryFilter::All);
        assert_eq!(DeliveryFilter::Dead.status(), Some("dead"));
    }

    #[test]
    fn only_dead_deliveries_are_redriven() {
        assert!(can_redrive(&delivery(DeliveryStatus::Dead)));
        for status in [DeliveryStatus::Pending, DeliveryStatus::Running, DeliveryStatus::Succeeded] {
            assert!(!can_redrive(&delivery(status)), "{status}");
        }
        assert_eq!(
            dead_count(&[
                delivery(DeliveryStatus::Dead),
                delivery(DeliveryStatus::Succeeded),
                delivery(DeliveryStatus::Dead)
            ]),
            2
        );
        assert_eq!(delivery_status_badge(DeliveryStatus::Dead), BadgeKind::Danger);
        assert_eq!(delivery_status_badge(DeliveryStatus::Succeeded), BadgeKind::Success);
        assert_eq!(delivery_status_badge(DeliveryStatus::Pending), BadgeKind::Info);
    }

    #[test]
    fn event_types_and_payloads_read_well() {
        assert_eq!(short_event_type("com.vmware.vcloud.event.vm.create"), "vm/create");
        assert_eq!(short_event_type("other.kind"), "other/kind");
        assert_eq!(pretty_payload(r#"{"a":1}"#), "{\n  \"a\": 1\n}");
        assert_eq!(pretty_payload("<xml/>"), "<xml/>");
        assert_eq!(trigger_event(&Trigger::Event { event: "x.y".into() }), Some("x.y"));
        assert_eq!(trigger_event(&Trigger::Http), None);
    }
}
