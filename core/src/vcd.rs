//! The outbound vCD adapter: implements the autoscale domain's [`VcdPort`] with the real vCD
//! API client (`vcd_client`). Nothing above the domain sees vCD's types.
//!
//! [`auth`] is the other use of vCD: checking callers' vCD session tokens (vCD auth mode);
//! [`orgs`] names vCD orgs by id for the AMQP bridge and event triggers.

pub mod auth;
pub mod orgs;

use std::time::Duration;

use api_types::{LbKind, VcdObject};
use vcd_client::{EdgeGateway, PoolMember, Task, VcdClient, VcdError, Vm};

use crate::autoscale::vcd::{Edge, Inventory, Member, TemplateInfo, VcdFault, VcdFuture, VcdPort, VmInfo};

pub use vcd_client::VcdEndpoint;

/// Stratus' vCD connection, with its service account.
pub struct VcdGateway {
    client: VcdClient,
}

impl VcdGateway {
    pub fn new(client: VcdClient) -> Self {
        Self { client }
    }

    pub fn connect(endpoint: VcdEndpoint) -> Result<Self, String> {
        VcdClient::new(endpoint).map(Self::new).map_err(|e| e.to_string())
    }
}

fn fault(err: VcdError) -> VcdFault {
    match err {
        VcdError::Unreachable(m) => VcdFault::Unavailable(m),
        VcdError::Unauthorized => VcdFault::Unavailable("vCD refused Stratus' service account".into()),
        VcdError::NotFound(m) => VcdFault::NotFound(m),
        VcdError::TaskFailed { message } => VcdFault::TaskFailed(message),
        VcdError::TaskTimeout => VcdFault::Timeout,
        too_old @ VcdError::TooOld(_) => VcdFault::Unavailable(too_old.to_string()),
        other @ (VcdError::Rejected { .. } | VcdError::Protocol(_)) => VcdFault::Rejected(other.to_string()),
    }
}

fn kind(k: vcd_client::LbKind) -> LbKind {
    match k {
        vcd_client::LbKind::NsxV => LbKind::NsxV,
        vcd_client::LbKind::NsxTAlb => LbKind::NsxTAlb,
    }
}

fn gateway(edge: &Edge) -> EdgeGateway {
    let kind = match edge.kind {
        LbKind::NsxV => vcd_client::LbKind::NsxV,
        LbKind::NsxTAlb => vcd_client::LbKind::NsxTAlb,
    };
    EdgeGateway { id: edge.id.clone(), name: edge.name.clone(), kind }
}

fn object(id: String, name: String) -> VcdObject {
    VcdObject { id, name, lb_kind: None, members: None }
}

fn vm_ref(vm: &VmInfo) -> Vm {
    Vm {
        id: vm.id.clone(),
        href: vm.href.clone(),
        name: vm.name.clone(),
        powered_on: vm.powered_on,
        created_at: None,
        ip: vm.ip.clone(),
    }
}

impl VcdGateway {
    async fn wait_for(&self, task: Result<Task, VcdError>, timeout: Duration) -> Result<(), VcdFault> {
        let task = task.map_err(fault)?;
        self.client.wait_task(&task, timeout).await.map_err(fault)
    }
}

impl VcdPort for VcdGateway {
    fn inventory<'a>(&'a self, org: &'a str, list: &'a Inventory) -> VcdFuture<'a, Vec<VcdObject>> {
        Box::pin(async move {
            let c = &self.client;
            Ok(match list {
                Inventory::Templates => {
                    c.templates(org).await.map_err(fault)?.into_iter().map(|t| object(t.id, t.name)).collect()
                }
                Inventory::VApps => {
                    c.vapps(org).await.map_err(fault)?.into_iter().map(|v| object(v.id, v.name)).collect()
                }
                Inventory::EdgeGateways => c
                    .edge_gateways(org)
                    .await
                    .map_err(fault)?
                    .into_iter()
                    .map(|e| VcdObject { lb_kind: Some(kind(e.kind)), ..object(e.id, e.name) })
                    .collect(),
                Inventory::Pools(edge_id) => {
                    let edge = self.edge(org, edge_id).await?;
                    c.lb_pools(&gateway(&edge))
                        .await
                        .map_err(fault)?
                        .into_iter()
                        .map(|p| VcdObject { members: u32::try_from(p.members.len()).ok(), ..object(p.id, p.name) })
                        .collect()
                }
            })
        })
    }

    fn template<'a>(&'a self, org: &'a str, template_id: &'a str) -> VcdFuture<'a, TemplateInfo> {
        Box::pin(async move {
            let templates = self.client.templates(org).await.map_err(fault)?;
            let t = templates
                .into_iter()
                .find(|t| t.id == template_id)
                .ok_or_else(|| VcdFault::NotFound(format!("vApp template {template_id}")))?;
            Ok(TemplateInfo { name: t.name, vm_href: t.vm_href, vm_name: t.vm_name })
        })
    }

    fn edge<'a>(&'a self, org: &'a str, edge_id: &'a str) -> VcdFuture<'a, Edge> {
        Box::pin(async move {
            let edges = self.client.edge_gateways(org).await.map_err(fault)?;
            let e = edges
                .into_iter()
                .find(|e| e.id == edge_id)
                .ok_or_else(|| VcdFault::NotFound(format!("edge gateway {edge_id}")))?;
            Ok(Edge { id: e.id, name: e.name, kind: kind(e.kind) })
        })
    }

    fn vms<'a>(&'a self, vapp_id: &'a str) -> VcdFuture<'a, Vec<VmInfo>> {
        Box::pin(async move {
            let vms = self.client.vapp_vms(vapp_id).await.map_err(fault)?;
            Ok(vms
                .into_iter()
                .map(|vm| VmInfo {
                    id: vm.id,
                    href: vm.href,
                    name: vm.name,
                    powered_on: vm.powered_on,
                    created_at: vm.created_at.map(|t| t.timestamp_millis()),
                    ip: vm.ip,
                })
                .collect())
        })
    }

    fn pool_members<'a>(&'a self, edge: &'a Edge, pool: &'a str) -> VcdFuture<'a, Vec<String>> {
        Box::pin(async move {
            let pools = self.client.lb_pools(&gateway(edge)).await.map_err(fault)?;
            let pool = pools
                .into_iter()
                .find(|p| p.name == pool)
                .ok_or_else(|| VcdFault::NotFound(format!("pool {pool} on {}", edge.name)))?;
            Ok(pool.members.into_iter().map(|m| m.ip).collect())
        })
    }

    fn start_add_vm<'a>(
        &'a self,
        vapp_id: &'a str,
        template_vm_href: &'a str,
        vm_name: &'a str,
    ) -> VcdFuture<'a, String> {
        Box::pin(async move {
            let task = self.client.recompose_add(vapp_id, template_vm_href, vm_name).await.map_err(fault)?;
            Ok(task.href)
        })
    }

    fn wait<'a>(&'a self, task: &'a str, timeout: Duration) -> VcdFuture<'a, ()> {
        Box::pin(async move { self.client.wait_task(&Task::from_href(task), timeout).await.map_err(fault) })
    }

    fn power_on<'a>(&'a self, vm: &'a VmInfo, timeout: Duration) -> VcdFuture<'a, ()> {
        Box::pin(async move { self.wait_for(self.client.power_on(&vm_ref(vm)).await, timeout).await })
    }

    fn power_off<'a>(&'a self, vm: &'a VmInfo, timeout: Duration) -> VcdFuture<'a, ()> {
        Box::pin(async move { self.wait_for(self.client.power_off(&vm_ref(vm)).await, timeout).await })
    }

    fn delete_vm<'a>(&'a self, vm: &'a VmInfo, timeout: Duration) -> VcdFuture<'a, ()> {
        Box::pin(async move { self.wait_for(self.client.delete_vm(&vm_ref(vm)).await, timeout).await })
    }

    fn pool_add<'a>(&'a self, edge: &'a Edge, pool: &'a str, member: &'a Member) -> VcdFuture<'a, ()> {
        Box::pin(async move {
            let m = PoolMember { name: member.name.clone(), ip: member.ip.clone(), port: member.port, enabled: true };
            self.client.pool_add_member(&gateway(edge), pool, &m).await.map_err(fault)
        })
    }

    fn pool_remove<'a>(&'a self, edge: &'a Edge, pool: &'a str, ip: &'a str) -> VcdFuture<'a, ()> {
        Box::pin(async move { self.client.pool_remove_member(&gateway(edge), pool, ip).await.map_err(fault) })
    }

    fn pool_enable<'a>(&'a self, edge: &'a Edge, pool: &'a str, ip: &'a str, enabled: bool) -> VcdFuture<'a, ()> {
        Box::pin(
            async move { self.client.pool_set_member_enabled(&gateway(edge), pool, ip, enabled).await.map_err(fault) },
        )
    }
}
