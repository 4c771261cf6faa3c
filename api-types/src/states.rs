//! The text form of every state enum: one name per variant, used on the wire (serde) and in the
//! database (the store converts with [`std::str::FromStr`] when it reads a row, so an unknown
//! stored value is an error, never a default).

use serde::{Deserialize, Serialize};

/// A stored or received state name that no variant has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownState {
    pub kind: &'static str,
    pub value: String,
}

impl std::fmt::Display for UnknownState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "'{}' is not {}", self.value, self.kind)
    }
}

impl std::error::Error for UnknownState {}

/// Gives a unit-only enum `as_str`, `ALL`, `FromStr` and `Display` with the names listed; the
/// unit tests check that serde writes the same names.
macro_rules! state_names {
    ($name:ident: $kind:literal { $($variant:ident = $text:literal),+ $(,)? }) => {
        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The name on the wire and in the database.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text),+
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::states::UnknownState;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok(Self::$variant),)+
                    other => Err($crate::states::UnknownState { kind: $kind, value: other.to_owned() }),
                }
            }
        }

        /// Compares with a state's name, as tests and logs spell it.
        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use state_names;

/// Deployment state of a function version (and of a function: its latest version's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum VersionStatus {
    /// Compiling in a sandbox worker.
    #[default]
    Initializing,
    Ready,
    Failed,
}
state_names!(VersionStatus: "a function version status" { Initializing = "initializing", Ready = "ready", Failed = "failed" });

/// State of one invocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum InvocationStatus {
    /// Accepted (async or event), waiting for a free slot.
    #[default]
    Pending,
    Running,
    Succeeded,
    Failed,
}
state_names!(InvocationStatus: "an invocation status" {
    Pending = "pending", Running = "running", Succeeded = "succeeded", Failed = "failed",
});

impl InvocationStatus {
    /// Whether the invocation has its outcome.
    pub fn is_finished(self) -> bool {
        matches!(self, Self::Succeeded | Self::Failed)
    }
}

/// State of an async invocation's work in the durable queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    /// Waiting for its next attempt.
    #[default]
    Queued,
    /// Leased by a replica for one attempt.
    Running,
    Done,
    /// Out of attempts: in the dead-letter list.
    Dead,
}
state_names!(JobStatus: "a job status" { Queued = "queued", Running = "running", Done = "done", Dead = "dead" });

/// Who may call a function over HTTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FunctionAccess {
    /// The org's credentials.
    #[default]
    Org,
    /// A key of the function's, or the org's credentials.
    Keys,
    /// Anyone.
    Public,
}
state_names!(FunctionAccess: "a function access" { Org = "org", Keys = "keys", Public = "public" });

/// The event a Lambda-shaped function (`exports.handler`) gets, as API Gateway's integration
/// setting `payloadFormatVersion` chooses it: `2.0` (HTTP API / function URL) or `1.0` (REST
/// API: `httpMethod`, `path`, `multiValueHeaders`, …; a result without `statusCode` is an error).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum LambdaPayload {
    #[serde(rename = "1.0")]
    V1,
    #[default]
    #[serde(rename = "2.0")]
    V2,
}
state_names!(LambdaPayload: "a Lambda payload format version" { V1 = "1.0", V2 = "2.0" });

/// What started an invocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum InvocationTrigger {
    /// A synchronous HTTP call through the gateway.
    #[default]
    Http,
    /// An HTTP call with `Prefer: respond-async`.
    Async,
    /// A vCD event.
    Event,
}
state_names!(InvocationTrigger: "an invocation trigger" { Http = "http", Async = "async", Event = "event" });

/// State of one event delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Waiting for an attempt.
    #[default]
    Pending,
    Running,
    Succeeded,
    /// Out of attempts; re-drive it to try again.
    Dead,
}
state_names!(DeliveryStatus: "a delivery status" {
    Pending = "pending", Running = "running", Succeeded = "succeeded", Dead = "dead",
});

/// What one journal step of a scaling action does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    /// Add a VM from the template to the vApp.
    Recompose,
    PowerOn,
    /// Add the VM to the load balancer pool.
    PoolAdd,
    /// Stop new connections to the VM in the pool.
    Drain,
    PoolRemove,
    PowerOff,
    Delete,
}
state_names!(StepKind: "an action step" {
    Recompose = "recompose", PowerOn = "power_on", PoolAdd = "pool_add", Drain = "drain",
    PoolRemove = "pool_remove", PowerOff = "power_off", Delete = "delete",
});

/// What started a collector run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RunTrigger {
    Schedule,
    Manual,
}
state_names!(RunTrigger: "a collector run trigger" { Schedule = "schedule", Manual = "manual" });

/// Which source a collector reads: the `kind` tag of its
/// [`CollectorSource`](crate::CollectorSource), as stored in `showback_collector.kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CollectorKind {
    Http,
    File,
    Metering,
}
state_names!(CollectorKind: "a collector kind" { Http = "http", File = "file", Metering = "metering" });

#[cfg(test)]
mod tests {
    use crate::{ActionStatus, Direction, EventKind, RunStatus, StepState};

    use super::*;

    /// serde's name of each variant is the one `as_str` gives, and `FromStr` reads it back.
    fn same_names<T>(all: &[T])
    where
        T: Serialize + std::str::FromStr<Err = UnknownState> + std::fmt::Display + PartialEq + std::fmt::Debug + Copy,
    {
        for value in all {
            let json = serde_json::to_string(value).expect("serialize");
            assert_eq!(json, format!("\"{value}\""));
            assert_eq!(value.to_string().parse::<T>().expect("parse"), *value);
        }
    }

    #[test]
    fn wire_and_stored_names_agree() {
        same_names(VersionStatus::ALL);
        same_names(InvocationStatus::ALL);
        same_names(InvocationTrigger::ALL);
        same_names(DeliveryStatus::ALL);
        same_names(StepKind::ALL);
        same_names(RunTrigger::ALL);
        same_names(CollectorKind::ALL);
        same_names(Direction::ALL);
        same_names(EventKind::ALL);
        same_names(ActionStatus::ALL);
        same_names(StepState::ALL);
        same_names(RunStatus::ALL);
    }

    #[test]
    fn a_collector_source_is_tagged_with_its_kind() {
        for &kind in CollectorKind::ALL {
            let source = match kind {
                CollectorKind::Http => crate::CollectorSource::Http(crate::HttpSource {
                    url: "https://billing.example.com/usage".into(),
                    auth_header: None,
                    auth_value: None,
                    records_path: String::new(),
                    fields: crate::FieldMapping {
                        date: "date".into(),
                        org: "org".into(),
                        service: "service".into(),
                        resource: "resource".into(),
                        quantity: "quantity".into(),
                        unit: "unit".into(),
                        cost: None,
                        currency: "=EUR".into(),
                    },
                    lookback_days: 3,
                    skip_invalid: true,
                }),
                CollectorKind::File => {
                    crate::CollectorSource::File(crate::FileSource { path: "usage.csv".into(), skip_invalid: false })
                }
                CollectorKind::Metering => crate::CollectorSource::Metering(crate::MeteringSource { lookback_days: 3 }),
            };
            assert_eq!(source.kind(), kind);
            assert_eq!(serde_json::to_value(&source).expect("serialize")["kind"], kind.as_str());
        }
    }

    #[test]
    fn unknown_names_are_errors() {
        let err = "paused".parse::<InvocationStatus>().expect_err("unknown");
        assert_eq!(err.to_string(), "'paused' is not an invocation status");
        assert!("Ready".parse::<VersionStatus>().is_err(), "names are case-sensitive");
    }
}
