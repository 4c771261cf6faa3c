//! Load balancer pools on either kind of edge; the NSX-V and NSX-T ALB specifics live in
//! `lb_nsxv` and `lb_nsxt`. Membership changes are idempotent.

use crate::types::{EdgeGateway, LbKind, LbPool, PoolMember};
use crate::{VcdClient, VcdError};

/// One change to a pool's members.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum MemberEdit {
    /// Add unless a member with the same IP and port exists.
    Add(PoolMember),
    /// Remove every member with this IP, if any.
    Remove(String),
    /// Enable or disable every member with this IP; NotFound if there is none.
    SetEnabled(String, bool),
}

impl MemberEdit {
    pub fn ip(&self) -> &str {
        match self {
            MemberEdit::Add(member) => &member.ip,
            MemberEdit::Remove(ip) | MemberEdit::SetEnabled(ip, _) => ip,
        }
    }

    pub fn missing_member(&self, pool: &str) -> VcdError {
        VcdError::NotFound(format!("no member {} in pool {pool}", self.ip()))
    }
}

impl VcdClient {
    pub async fn lb_pools(&self, edge: &EdgeGateway) -> Result<Vec<LbPool>, VcdError> {
        match edge.kind {
            LbKind::NsxV => self.nsxv_pools(edge).await,
            LbKind::NsxTAlb => self.nsxt_pools(edge).await,
        }
    }

    pub async fn pool_add_member(&self, edge: &EdgeGateway, pool: &str, member: &PoolMember) -> Result<(), VcdError> {
        self.edit_pool(edge, pool, MemberEdit::Add(member.clone())).await
    }

    pub async fn pool_remove_member(&self, edge: &EdgeGateway, pool: &str, ip: &str) -> Result<(), VcdError> {
        self.edit_pool(edge, pool, MemberEdit::Remove(ip.to_owned())).await
    }

    pub async fn pool_set_member_enabled(
        &self,
        edge: &EdgeGateway,
        pool: &str,
        ip: &str,
        enabled: bool,
    ) -> Result<(), VcdError> {
        self.edit_pool(edge, pool, MemberEdit::SetEnabled(ip.to_owned(), enabled)).await
    }

    async fn edit_pool(&self, edge: &EdgeGateway, pool: &str, edit: MemberEdit) -> Result<(), VcdError> {
        match edge.kind {
            LbKind::NsxV => self.nsxv_edit(edge, pool, &edit).await,
            LbKind::NsxTAlb => self.nsxt_edit(edge, pool, &edit).await,
        }
    }
}
