//! The simulated world and the handle tests control it through.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The default time a task takes from creation to completion.
pub const DEFAULT_TASK_DURATION: Duration = Duration::from_millis(50);

/// The kinds of task a test can make fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TaskKind {
    Recompose,
    PowerOn,
    PowerOff,
    Delete,
    /// An NSX-T pool PUT (its task), or an NSX-V pool PUT (answered with an NSX error at once).
    PoolUpdate,
}

/// A VM as tests see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimVm {
    /// `urn:vcloud:vm:<uuid>`.
    pub id: String,
    pub name: String,
    pub powered_on: bool,
    pub ip: Option<String>,
}

/// One request the simulator answered (control routes under `/_sim` are not logged).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestRecord {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    /// When the simulator received it, nanoseconds since the Unix epoch (0 in records from
    /// before this field existed).
    #[serde(default)]
    pub at_unix_nanos: u64,
    /// The `version=` the request's `Accept` header asked for.
    #[serde(default)]
    pub api_version: Option<String>,
}

/// Now, in nanoseconds since the Unix epoch (the clock of [`RequestRecord::at_unix_nanos`]).
pub fn unix_nanos() -> u64 {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    u64::try_from(since.as_nanos()).unwrap_or(u64::MAX)
}

/// A cheap, cloneable handle on the simulator's state.
#[derive(Debug, Clone)]
pub struct SimState {
    pub(crate) shared: Arc<Shared>,
}

#[derive(Debug)]
pub(crate) struct Shared {
    pub base_url: String,
    pub world: Mutex<World>,
    pub requests: Mutex<Vec<RequestRecord>>,
}

#[derive(Debug, Default)]
pub(crate) struct World {
    pub orgs: Vec<Org>,
    pub users: Vec<User>,
    pub sessions: HashMap<String, Session>,
    pub templates: Vec<Template>,
    pub vapps: Vec<VApp>,
    pub edges: Vec<Edge>,
    pub tasks: HashMap<String, Task>,
    pub task_duration: Duration,
    pub failures: HashMap<TaskKind, String>,
    pub extensions: crate::extensions::Extensions,
    /// What `GET /api/versions` lists; calls asking for another version are refused.
    pub api_versions: Vec<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct Org {
    pub id: String,
    pub name: String,
    pub vdc_id: String,
}

#[derive(Debug, Clone)]
pub(crate) struct User {
    pub id: String,
    pub name: String,
    pub org: String,
    pub password: String,
    pub role: String,
}

/// A login; every token of it (JWT and legacy) maps to a clone.
#[derive(Debug, Clone)]
pub(crate) struct Session {
    pub id: String,
    pub user: User,
    pub expired: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct Template {
    pub id: String,
    pub name: String,
    pub org: String,
    pub vm_id: String,
    pub vm_name: String,
}

#[derive(Debug, Clone)]
pub(crate) struct VApp {
    pub id: String,
    pub name: String,
    pub org: String,
    /// The `x` of the vApp's 10.x.0.y address pool.
    pub net: u8,
    pub next_host: u8,
    pub created: DateTime<Utc>,
    pub vms: Vec<Vm>,
}

#[derive(Debug, Clone)]
pub(crate) struct Vm {
    pub id: String,
    pub name: String,
    pub powered_on: bool,
    pub ip: Option<String>,
    pub created: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EdgeKind {
    NsxV,
    NsxT,
}

#[derive(Debug, Clone)]
pub(crate) struct Edge {
    pub id: String,
    pub name: String,
    pub org: String,
    pub kind: EdgeKind,
    pub pools: Vec<Pool>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Pool {
    /// NSX-V `pool-<n>`; NSX-T `urn:vcloud:loadBalancerPool:<uuid>`.
    pub id: String,
    pub name: String,
    pub algorithm: String,
    pub default_port: u16,
    pub members: Vec<Member>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Member {
    /// NSX-V `member-<n>`; empty on NSX-T.
    pub id: String,
    pub name: String,
    pub ip: String,
    pub port: u16,
    pub weight: u32,
    pub enabled: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TaskStatus {
    Queued,
    Running,
    Success,
    Error,
}

#[derive(Debug, Clone)]
pub(crate) struct Task {
    pub id: String,
    pub kind: TaskKind,
    pub org: String,
    pub user: String,
    pub operation: String,
    pub owner_href: String,
    pub owner_name: String,
    pub owner_type: &'static str,
    pub status: TaskStatus,
    pub error: Option<String>,
    pub started: DateTime<Utc>,
    pub ended: Option<DateTime<Utc>>,
}

impl SimState {
    /// A seeded world whose hrefs start with `base_url` (no trailing slash).
    pub fn new(base_url: &str) -> SimState {
        let shared = Shared {
            base_url: base_url.trim_end_matches('/').to_owned(),
            world: Mutex::new(crate::seed::world()),
            requests: Mutex::new(Vec::new()),
        };
        SimState { shared: Arc::new(shared) }
    }

    pub fn base_url(&self) -> &str {
        &self.shared.base_url
    }

    pub(crate) fn world(&self) -> MutexGuard<'_, World> {
        self.shared.world.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(crate) fn requests(&self) -> MutexGuard<'_, Vec<RequestRecord>> {
        self.shared.requests.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl World {
    pub fn org(&self, name: &str) -> Option<&Org> {
        self.orgs.iter().find(|o| o.name.eq_ignore_ascii_case(name))
    }

    /// The vApp holding the VM with this uuid, and the VM's index in it.
    pub fn vm_location(&self, vm_uuid: &str) -> Option<(usize, usize)> {
        self.vapps
            .iter()
            .enumerate()
            .find_map(|(a, vapp)| vapp.vms.iter().position(|vm| vm.id == vm_uuid).map(|v| (a, v)))
    }

    pub fn edge_index(&self, uuid: &str) -> Option<usize> {
        self.edges.iter().position(|e| e.id == uuid)
    }
}

impl Session {
    pub fn is_provider(&self) -> bool {
        self.user.org.eq_ignore_ascii_case("System")
    }

    /// Whether the session may see entities of `org`.
    pub fn sees(&self, org: &str) -> bool {
        self.is_provider() || self.user.org.eq_ignore_ascii_case(org)
    }
}

/// A random uuid (version 4 layout).
pub(crate) fn new_uuid() -> String {
    let bits: u128 = rand::random();
    let bits = (bits & !(0xf << 76) | (0x4 << 76)) & !(0x3 << 62) | (0x2 << 62);
    let hex = format!("{bits:032x}");
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_have_the_version_4_layout() {
        let uuid = new_uuid();
        let parts: Vec<_> = uuid.split('-').map(str::len).collect();
        assert_eq!(parts, [8, 4, 4, 4, 12]);
        assert_eq!(&uuid[14..15], "4");
        assert!(matches!(&uuid[19..20], "8" | "9" | "a" | "b"));
    }

    #[test]
    fn the_seed_is_deterministic() {
        let (a, b) = (SimState::new("http://a"), SimState::new("http://b"));
        assert_eq!(a.vapp_id("web-app"), b.vapp_id("web-app"));
        assert_eq!(
            a.edge_id("globex-edge").as_deref(),
            Some("urn:vcloud:gateway:5eed0007-0000-4000-8000-000000000003")
        );
        assert_eq!(a.vms("web-app").len(), 2);
        assert_eq!(a.pool_members("edge-v", "web-pool"), [("10.1.0.11".into(), true), ("10.1.0.12".into(), true)]);
    }
}
