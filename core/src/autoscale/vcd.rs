//! What autoscaling needs from vCD, as a port: the domain calls this trait; the adapter in
//! `crate::vcd` implements it with the real vCD API client.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use api_types::{LbKind, VcdObject};

/// Why a vCD call failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum VcdFault {
    /// vCD is not configured, unreachable, or refused Stratus' credentials.
    #[error("vCD is unavailable: {0}")]
    Unavailable(String),
    #[error("not found in vCD: {0}")]
    NotFound(String),
    /// vCD answered the request with an error.
    #[error("vCD refused: {0}")]
    Rejected(String),
    /// A vCD task ended in error or was aborted.
    #[error("vCD task failed: {0}")]
    TaskFailed(String),
    #[error("vCD task did not finish in time")]
    Timeout,
}

/// A boxed future, so the trait stays object safe.
pub type VcdFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, VcdFault>> + Send + 'a>>;

/// Which list a picker asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inventory {
    Templates,
    VApps,
    EdgeGateways,
    /// The pools of one edge gateway (its id).
    Pools(String),
}

/// A VM of a vApp.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VmInfo {
    pub id: String,
    /// vCD's href of the VM (`…/api/vApp/vm-<uuid>`), as vCD wrote it.
    pub href: String,
    pub name: String,
    pub powered_on: bool,
    /// Epoch ms.
    pub created_at: Option<i64>,
    pub ip: Option<String>,
}

/// A vApp template's single VM, the source of new VMs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateInfo {
    pub name: String,
    pub vm_href: String,
    pub vm_name: String,
}

/// An edge gateway and its load-balancer kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edge {
    pub id: String,
    pub name: String,
    pub kind: LbKind,
}

/// A pool member to add.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub name: String,
    pub ip: String,
    pub port: u16,
}

/// The vCD calls of autoscaling. Inventory calls are scoped to an org name; the rest take the
/// ids a validated rule holds. Every change is idempotent where vCD allows it (adding a member
/// twice, removing an absent one), so a resumed journal step can simply run again.
pub trait VcdPort: Send + Sync + 'static {
    fn inventory<'a>(&'a self, org: &'a str, list: &'a Inventory) -> VcdFuture<'a, Vec<VcdObject>>;
    fn template<'a>(&'a self, org: &'a str, template_id: &'a str) -> VcdFuture<'a, TemplateInfo>;
    fn edge<'a>(&'a self, org: &'a str, edge_id: &'a str) -> VcdFuture<'a, Edge>;
    fn vms<'a>(&'a self, vapp_id: &'a str) -> VcdFuture<'a, Vec<VmInfo>>;
    /// IPs of the pool's members.
    fn pool_members<'a>(&'a self, edge: &'a Edge, pool: &'a str) -> VcdFuture<'a, Vec<String>>;
    /// Starts a recompose that adds `vm_name` from the template; returns the task href.
    fn start_add_vm<'a>(
        &'a self,
        vapp_id: &'a str,
        template_vm_href: &'a str,
        vm_name: &'a str,
    ) -> VcdFuture<'a, String>;
    /// Waits for a task started earlier (maybe by a process that has since died).
    fn wait<'a>(&'a self, task: &'a str, timeout: Duration) -> VcdFuture<'a, ()>;
    fn power_on<'a>(&'a self, vm: &'a VmInfo, timeout: Duration) -> VcdFuture<'a, ()>;
    fn power_off<'a>(&'a self, vm: &'a VmInfo, timeout: Duration) -> VcdFuture<'a, ()>;
    fn delete_vm<'a>(&'a self, vm: &'a VmInfo, timeout: Duration) -> VcdFuture<'a, ()>;
    fn pool_add<'a>(&'a self, edge: &'a Edge, pool: &'a str, member: &'a Member) -> VcdFuture<'a, ()>;
    fn pool_remove<'a>(&'a self, edge: &'a Edge, pool: &'a str, ip: &'a str) -> VcdFuture<'a, ()>;
    fn pool_enable<'a>(&'a self, edge: &'a Edge, pool: &'a str, ip: &'a str, enabled: bool) -> VcdFuture<'a, ()>;
}

/// The port used when no vCD is configured: every call says so.
pub struct NoVcd;

fn unconfigured<'a, T: Send + 'a>() -> VcdFuture<'a, T> {
    Box::pin(async { Err(VcdFault::Unavailable("no vCD is configured (set STRATUS_VCD_URL)".into())) })
}

impl VcdPort for NoVcd {
    fn inventory<'a>(&'a self, _: &'a str, _: &'a Inventory) -> VcdFuture<'a, Vec<VcdObject>> {
        unconfigured()
    }
    fn template<'a>(&'a self, _: &'a str, _: &'a str) -> VcdFuture<'a, TemplateInfo> {
        unconfigured()
    }
    fn edge<'a>(&'a self, _: &'a str, _: &'a str) -> VcdFuture<'a, Edge> {
        unconfigured()
    }
    fn vms<'a>(&'a self, _: &'a str) -> VcdFuture<'a, Vec<VmInfo>> {
        unconfigured()
    }
    fn pool_members<'a>(&'a self, _: &'a Edge, _: &'a str) -> VcdFuture<'a, Vec<String>> {
        unconfigured()
    }
    fn start_add_vm<'a>(&'a self, _: &'a str, _: &'a str, _: &'a str) -> VcdFuture<'a, String> {
        unconfigured()
    }
    fn wait<'a>(&'a self, _: &'a str, _: Duration) -> VcdFuture<'a, ()> {
        unconfigured()
    }
    fn power_on<'a>(&'a self, _: &'a VmInfo, _: Duration) -> VcdFuture<'a, ()> {
        unconfigured()
    }
    fn power_off<'a>(&'a self, _: &'a VmInfo, _: Duration) -> VcdFuture<'a, ()> {
        unconfigured()
    }
    fn delete_vm<'a>(&'a self, _: &'a VmInfo, _: Duration) -> VcdFuture<'a, ()> {
        unconfigured()
    }
    fn pool_add<'a>(&'a self, _: &'a Edge, _: &'a str, _: &'a Member) -> VcdFuture<'a, ()> {
        unconfigured()
    }
    fn pool_remove<'a>(&'a self, _: &'a Edge, _: &'a str, _: &'a str) -> VcdFuture<'a, ()> {
        unconfigured()
    }
    fn pool_enable<'a>(&'a self, _: &'a Edge, _: &'a str, _: &'a str, _: bool) -> VcdFuture<'a, ()> {
        unconfigured()
    }
}
