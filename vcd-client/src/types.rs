//! The data the client returns.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A vApp template with its (first) child VM, the `Source` of a recomposition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Template {
    /// `urn:vcloud:vapptemplate:<uuid>`.
    pub id: String,
    pub name: String,
    /// `…/api/vAppTemplate/vm-<uuid>`.
    pub vm_href: String,
    pub vm_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VApp {
    /// `urn:vcloud:vapp:<uuid>`.
    pub id: String,
    pub name: String,
    pub href: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vm {
    /// `urn:vcloud:vm:<uuid>`.
    pub id: String,
    pub href: String,
    pub name: String,
    /// vCD status 4 (`POWERED_ON`).
    pub powered_on: bool,
    pub created_at: Option<DateTime<Utc>>,
    /// The IP address of the first network connection that has one.
    pub ip: Option<String>,
}

/// Which load balancer an edge gateway has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LbKind {
    /// NSX-V edge: the NSX proxy API under `/network/edges`.
    NsxV,
    /// NSX-T edge gateway with the Advanced Load Balancer: `/cloudapi/1.0.0/loadBalancer`.
    NsxTAlb,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EdgeGateway {
    /// `urn:vcloud:gateway:<uuid>`.
    pub id: String,
    pub name: String,
    pub kind: LbKind,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LbPool {
    /// NSX-V `pool-<n>`; NSX-T `urn:vcloud:loadBalancerPool:<uuid>`.
    pub id: String,
    pub name: String,
    pub members: Vec<PoolMember>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoolMember {
    /// NSX-V member name; NSX-T ALB members have none, so it reads as the IP address.
    pub name: String,
    pub ip: String,
    pub port: u16,
    pub enabled: bool,
}

/// A vCD task to wait for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    /// `urn:vcloud:task:<uuid>`.
    pub id: String,
    /// `…/api/task/<uuid>`.
    pub href: String,
}

impl Task {
    /// A task known only by its href (e.g. a `Location` header).
    pub fn from_href(href: &str) -> Task {
        let uuid = href.trim_end_matches('/').rsplit('/').next().unwrap_or_default();
        Task { id: format!("urn:vcloud:task:{uuid}"), href: href.to_owned() }
    }

    pub(crate) fn uuid(&self) -> &str {
        self.href.trim_end_matches('/').rsplit('/').next().unwrap_or_default()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntityRef {
    pub name: String,
    pub id: String,
}

/// Who a token belongs to, from `GET /cloudapi/1.0.0/sessions/current`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentSession {
    pub user: EntityRef,
    pub org: EntityRef,
    pub roles: Vec<String>,
    pub session_idle_timeout_minutes: Option<i64>,
}

/// The uuid inside a vCD id or href: `urn:vcloud:vm:<uuid>`, `…/vApp/vm-<uuid>`, `vapp-<uuid>`.
pub(crate) fn uuid_of(id: &str) -> &str {
    let last = id.trim_end_matches('/').rsplit(['/', ':']).next().unwrap_or(id);
    for prefix in ["vappTemplate-", "vapp-", "vm-"] {
        if let Some(rest) = last.strip_prefix(prefix) {
            return rest;
        }
    }
    last
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_of_reads_urns_and_hrefs() {
        assert_eq!(uuid_of("urn:vcloud:vapp:1234"), "1234");
        assert_eq!(uuid_of("https://vcd/api/vApp/vm-abcd"), "abcd");
        assert_eq!(uuid_of("vappTemplate-ef01"), "ef01");
        assert_eq!(uuid_of("5678"), "5678");
    }

    #[test]
    fn task_from_location() {
        let task = Task::from_href("https://vcd/api/task/99");
        assert_eq!(task.id, "urn:vcloud:task:99");
        assert_eq!(task.uuid(), "99");
    }
}
