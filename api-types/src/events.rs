//! Event triggers: deliveries of vCD notifications to functions, with their retries and the
//! dead-letter list.

use serde::{Deserialize, Serialize};

/// One vCD event for one function (`GET /api/org/{org}/functions/{name}/deliveries`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventDelivery {
    pub id: String,
    pub function: String,
    /// vCD's `eventId`; a function gets each event once.
    pub event_id: String,
    /// With dots: `com.vmware.vcloud.event.vm.create`.
    pub event_type: String,
    pub status: crate::DeliveryStatus,
    /// Attempts made so far (since the last re-drive).
    pub attempts: u32,
    /// When a pending delivery's next attempt is due.
    pub next_attempt_at: Option<String>,
    /// Why the latest attempt failed.
    pub last_error: Option<String>,
    /// The invocation of the latest attempt (`GET /api/org/{org}/invocations/{id}`).
    pub invocation_id: Option<String>,
    /// The notification's JSON, as the function receives it.
    pub payload: String,
    pub created_at: String,
    pub updated_at: String,
}

/// Answer of `POST …/deliveries/redrive`: how many dead deliveries were queued again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Redriven {
    pub redriven: u64,
}
