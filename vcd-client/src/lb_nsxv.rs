//! NSX-V edge load balancer pools through vCD's NSX proxy (`/network/edges/<uuid>/loadbalancer`).
//! A pool is changed by PUTting the whole pool document back, so unknown fields are kept.

use reqwest::Method;

use crate::lb::MemberEdit;
use crate::session::{Api, Call};
use crate::types::{EdgeGateway, LbPool, PoolMember, uuid_of};
use crate::xml::{Content, Element};
use crate::{VcdClient, VcdError};

const NSX_CONTENT_TYPE: &str = "application/xml";

impl VcdClient {
    pub(crate) async fn nsxv_pools(&self, edge: &EdgeGateway) -> Result<Vec<LbPool>, VcdError> {
        Ok(self.nsxv_pool_documents(edge).await?.iter().map(read_pool).collect())
    }

    pub(crate) async fn nsxv_edit(&self, edge: &EdgeGateway, pool: &str, edit: &MemberEdit) -> Result<(), VcdError> {
        let mut document = self
            .nsxv_pool_documents(edge)
            .await?
            .into_iter()
            .find(|p| p.child_text("name").as_deref() == Some(pool))
            .ok_or_else(|| VcdError::NotFound(format!("pool {pool} on edge {}", edge.name)))?;
        if !apply(&mut document, edit, pool)? {
            return Ok(());
        }
        let pool_id = document.child_text("poolId").unwrap_or_default();
        let path = format!("{}/{pool_id}", pools_path(edge));
        let call = Call::new(Method::PUT, Api::Xml, path).body(NSX_CONTENT_TYPE, document.to_xml());
        self.execute(&call).await?;
        Ok(())
    }

    async fn nsxv_pool_documents(&self, edge: &EdgeGateway) -> Result<Vec<Element>, VcdError> {
        let reply = self.execute(&Call::get(Api::Xml, pools_path(edge))).await?;
        let root = Element::parse_document(&reply.body)?;
        Ok(root.elements().filter(|e| e.name == "pool").cloned().collect())
    }
}

fn pools_path(edge: &EdgeGateway) -> String {
    format!("/network/edges/{}/loadbalancer/config/pools", uuid_of(&edge.id))
}

fn read_pool(pool: &Element) -> LbPool {
    let members = pool
        .elements()
        .filter(|e| e.name == "member")
        .map(|m| PoolMember {
            name: m.child_text("name").unwrap_or_default(),
            ip: m.child_text("ipAddress").unwrap_or_default(),
            port: m.child_text("port").and_then(|p| p.parse().ok()).unwrap_or_default(),
            enabled: m.child_text("condition").as_deref() != Some("disabled"),
        })
        .collect();
    LbPool {
        id: pool.child_text("poolId").unwrap_or_default(),
        name: pool.child_text("name").unwrap_or_default(),
        members,
    }
}

fn condition(enabled: bool) -> &'static str {
    if enabled { "enabled" } else { "disabled" }
}

/// Applies the edit to a pool document; false when nothing changes.
fn apply(pool: &mut Element, edit: &MemberEdit, pool_name: &str) -> Result<bool, VcdError> {
    let is_ip = |e: &Element, ip: &str| e.name == "member" && e.child_text("ipAddress").as_deref() == Some(ip);
    match edit {
        MemberEdit::Add(member) => {
            let port = member.port.to_string();
            if pool.elements().any(|e| is_ip(e, &member.ip) && e.child_text("port").as_deref() == Some(port.as_str())) {
                return Ok(false);
            }
            let mut element = Element::new("member");
            for (name, value) in [
                ("name", member.name.as_str()),
                ("ipAddress", member.ip.as_str()),
                ("weight", "1"),
                ("monitorPort", port.as_str()),
                ("port", port.as_str()),
                ("maxConn", "0"),
                ("minConn", "0"),
                ("condition", condition(member.enabled)),
            ] {
                element.set_child_text(name, value);
            }
            pool.children.push(Content::Element(element));
            Ok(true)
        }
        MemberEdit::Remove(ip) => {
            let before = pool.children.len();
            pool.retain_elements(|e| !is_ip(e, ip));
            Ok(pool.children.len() != before)
        }
        MemberEdit::SetEnabled(ip, enabled) => {
            let mut found = false;
            let mut changed = false;
            for member in pool.elements_mut().filter(|e| is_ip(e, ip)) {
                found = true;
                if member.child_text("condition").as_deref() != Some(condition(*enabled)) {
                    member.set_child_text("condition", condition(*enabled));
                    changed = true;
                }
            }
            if found { Ok(changed) } else { Err(edit.missing_member(pool_name)) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POOL: &str = "<pool><poolId>pool-1</poolId><name>web-pool</name><algorithm>round-robin</algorithm>\
        <member><memberId>member-1</memberId><name>web-01</name><ipAddress>10.1.0.11</ipAddress><weight>1</weight>\
        <monitorPort>80</monitorPort><port>80</port><maxConn>0</maxConn><minConn>0</minConn>\
        <condition>enabled</condition></member></pool>";

    fn member(ip: &str) -> PoolMember {
        PoolMember { name: "web-03".into(), ip: ip.into(), port: 80, enabled: true }
    }

    #[test]
    fn adding_keeps_the_rest_of_the_pool_and_is_idempotent() {
        let mut pool = Element::parse_document(POOL).unwrap();
        assert!(!apply(&mut pool, &MemberEdit::Add(member("10.1.0.11")), "web-pool").unwrap());
        assert!(apply(&mut pool, &MemberEdit::Add(member("10.1.0.13")), "web-pool").unwrap());
        let read = read_pool(&pool);
        assert_eq!(read.members.len(), 2);
        assert_eq!(read.members[1], member("10.1.0.13"));
        assert!(pool.to_xml().contains("<algorithm>round-robin</algorithm>"));
    }

    #[test]
    fn disabling_and_removing() {
        let mut pool = Element::parse_document(POOL).unwrap();
        assert!(apply(&mut pool, &MemberEdit::SetEnabled("10.1.0.11".into(), false), "web-pool").unwrap());
        assert!(pool.to_xml().contains("<condition>disabled</condition>"));
        assert!(!read_pool(&pool).members[0].enabled);
        let missing = apply(&mut pool, &MemberEdit::SetEnabled("10.9.9.9".into(), false), "web-pool");
        assert!(matches!(missing, Err(VcdError::NotFound(_))));
        assert!(apply(&mut pool, &MemberEdit::Remove("10.1.0.11".into()), "web-pool").unwrap());
        assert!(!apply(&mut pool, &MemberEdit::Remove("10.1.0.11".into()), "web-pool").unwrap());
        assert!(read_pool(&pool).members.is_empty());
    }
}
