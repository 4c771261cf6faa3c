//! NSX-T Advanced Load Balancer pools through cloudapi. A pool is changed by PUTting the whole
//! object back (unknown fields kept); vCD may answer 202 with a task in `Location`, which is awaited.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::lb::MemberEdit;
use crate::session::{Api, Call};
use crate::types::{EdgeGateway, LbPool, PoolMember, Task};
use crate::{VcdClient, VcdError};

/// How long a pool update task may run.
const POOL_TASK_TIMEOUT: Duration = Duration::from_secs(300);

impl VcdClient {
    pub(crate) async fn nsxt_pools(&self, edge: &EdgeGateway) -> Result<Vec<LbPool>, VcdError> {
        let mut pools = Vec::new();
        for summary in self.pool_summaries(edge).await? {
            let Some(id) = summary.get("id").and_then(Value::as_str) else { continue };
            pools.push(read_pool(&self.nsxt_pool(id).await?));
        }
        Ok(pools)
    }

    pub(crate) async fn nsxt_edit(&self, edge: &EdgeGateway, pool: &str, edit: &MemberEdit) -> Result<(), VcdError> {
        let id = self
            .pool_summaries(edge)
            .await?
            .into_iter()
            .find(|s| s.get("name").and_then(Value::as_str) == Some(pool))
            .and_then(|s| s.get("id").and_then(Value::as_str).map(str::to_owned))
            .ok_or_else(|| VcdError::NotFound(format!("pool {pool} on edge {}", edge.name)))?;
        let mut document = self.nsxt_pool(&id).await?;
        if !apply(&mut document, edit, pool)? {
            return Ok(());
        }
        let body = serde_json::to_string(&document).map_err(|e| VcdError::Protocol(e.to_string()))?;
        let call = Call::new(Method::PUT, Api::Json, pool_path(&id)).body("application/json", body);
        let reply = self.execute(&call).await?;
        if reply.status == StatusCode::ACCEPTED {
            let location =
                reply.header("location").ok_or_else(|| VcdError::Protocol("202 without a Location task".into()))?;
            self.wait_task(&Task::from_href(location), POOL_TASK_TIMEOUT).await?;
        }
        Ok(())
    }

    async fn pool_summaries(&self, edge: &EdgeGateway) -> Result<Vec<Value>, VcdError> {
        let path = format!("/cloudapi/1.0.0/edgeGateways/{}/loadBalancer/poolSummaries", edge.id);
        self.cloudapi_pages(&path, None).await
    }

    async fn nsxt_pool(&self, id: &str) -> Result<Value, VcdError> {
        self.execute(&Call::get(Api::Json, pool_path(id))).await?.json()
    }
}

fn pool_path(id: &str) -> String {
    format!("/cloudapi/1.0.0/loadBalancer/pools/{id}")
}

fn text(value: &Value, key: &str) -> String {
    value.get(key).and_then(Value::as_str).unwrap_or_default().to_owned()
}

fn default_port(pool: &Value) -> u16 {
    pool.get("defaultPort").and_then(Value::as_u64).and_then(|p| u16::try_from(p).ok()).unwrap_or(80)
}

fn member_port(member: &Value, default: u16) -> u16 {
    member.get("port").and_then(Value::as_u64).and_then(|p| u16::try_from(p).ok()).unwrap_or(default)
}

fn read_pool(pool: &Value) -> LbPool {
    let default = default_port(pool);
    let members = pool
        .get("members")
        .and_then(Value::as_array)
        .map(|members| {
            members
                .iter()
                .map(|m| PoolMember {
                    name: text(m, "ipAddress"),
                    ip: text(m, "ipAddress"),
                    port: member_port(m, default),
                    enabled: m.get("enabled").and_then(Value::as_bool).unwrap_or(true),
                })
                .collect()
        })
        .unwrap_or_default();
    LbPool { id: text(pool, "id"), name: text(pool, "name"), members }
}

/// Applies the edit to a pool object; false when nothing changes.
fn apply(pool: &mut Value, edit: &MemberEdit, pool_name: &str) -> Result<bool, VcdError> {
    let default = default_port(pool);
    let Some(object) = pool.as_object_mut() else { return Err(VcdError::Protocol("pool is not an object".into())) };
    let members = object.entry("members").or_insert_with(|| json!([]));
    if members.is_null() {
        *members = json!([]);
    }
    let Some(members) = members.as_array_mut() else { return Err(VcdError::Protocol("members is not a list".into())) };
    let is_ip = |m: &Value, ip: &str| m.get("ipAddress").and_then(Value::as_str) == Some(ip);
    match edit {
        MemberEdit::Add(member) => {
            if members.iter().any(|m| is_ip(m, &member.ip) && member_port(m, default) == member.port) {
                return Ok(false);
            }
            members.push(json!({"ipAddress": member.ip, "port": member.port, "ratio": 1, "enabled": member.enabled}));
            Ok(true)
        }
        MemberEdit::Remove(ip) => {
            let before = members.len();
            members.retain(|m| !is_ip(m, ip));
            Ok(members.len() != before)
        }
        MemberEdit::SetEnabled(ip, enabled) => {
            let mut found = false;
            let mut changed = false;
            for member in members.iter_mut().filter(|m| is_ip(m, ip)) {
                found = true;
                if member.get("enabled").and_then(Value::as_bool) != Some(*enabled) {
                    member["enabled"] = json!(enabled);
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

    #[test]
    fn edits_members_and_keeps_other_fields() {
        let mut pool = json!({"id": "urn:vcloud:loadBalancerPool:1", "name": "web-alb", "defaultPort": 8080,
            "algorithm": "ROUND_ROBIN", "members": [{"ipAddress": "10.1.0.11", "enabled": true}]});
        let existing = PoolMember { name: String::new(), ip: "10.1.0.11".into(), port: 8080, enabled: true };
        assert!(!apply(&mut pool, &MemberEdit::Add(existing), "web-alb").unwrap());
        let new = PoolMember { name: String::new(), ip: "10.1.0.13".into(), port: 8080, enabled: true };
        assert!(apply(&mut pool, &MemberEdit::Add(new), "web-alb").unwrap());
        assert!(apply(&mut pool, &MemberEdit::SetEnabled("10.1.0.13".into(), false), "web-alb").unwrap());
        let read = read_pool(&pool);
        assert_eq!(read.members[0].port, 8080);
        assert!(!read.members[1].enabled);
        assert!(apply(&mut pool, &MemberEdit::Remove("10.1.0.11".into()), "web-alb").unwrap());
        assert_eq!(pool["algorithm"], "ROUND_ROBIN");
        assert_eq!(read_pool(&pool).members.len(), 1);
    }

    #[test]
    fn a_pool_without_members_gets_a_list() {
        let mut pool = json!({"name": "p", "members": null});
        let member = PoolMember { name: String::new(), ip: "10.0.0.1".into(), port: 80, enabled: true };
        assert!(apply(&mut pool, &MemberEdit::Add(member), "p").unwrap());
        assert_eq!(pool["members"][0]["ipAddress"], "10.0.0.1");
    }
}
