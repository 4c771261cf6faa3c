//! The deterministic seed data: orgs `acme` and `globex` (and `System`), their users, templates,
//! vApps and edges. Seeded ids are fixed (`5eed<kind>-0000-4000-8000-<n>`); ids created at run
//! time are random.

use chrono::{DateTime, TimeZone, Utc};

use crate::state::{DEFAULT_TASK_DURATION, Edge, EdgeKind, Member, Org, Pool, Template, User, VApp, Vm, World};

const ORG: u16 = 1;
const VDC: u16 = 2;
const USER: u16 = 3;
const TEMPLATE: u16 = 4;
const VAPP: u16 = 5;
const VM: u16 = 6;
const EDGE: u16 = 7;
const POOL: u16 = 8;

/// A fixed uuid for seeded entity `n` of a kind.
fn seed_uuid(kind: u16, n: u32) -> String {
    format!("5eed{kind:04x}-0000-4000-8000-{n:012x}")
}

fn seeded_at(day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, day, 9, 0, 0).single().unwrap_or_default()
}

fn org(n: u32, name: &str) -> Org {
    Org { id: seed_uuid(ORG, n), name: name.into(), vdc_id: seed_uuid(VDC, n) }
}

fn user(n: u32, name: &str, org: &str, role: &str) -> User {
    User { id: seed_uuid(USER, n), name: name.into(), org: org.into(), password: "admin".into(), role: role.into() }
}

fn template(n: u32, org: &str) -> Template {
    Template {
        id: seed_uuid(TEMPLATE, n),
        name: "web-template".into(),
        org: org.into(),
        vm_id: seed_uuid(VM, 100 + n),
        vm_name: "web-vm".into(),
    }
}

fn vm(n: u32, name: &str, ip: &str) -> Vm {
    Vm { id: seed_uuid(VM, n), name: name.into(), powered_on: true, ip: Some(ip.into()), created: seeded_at(2) }
}

fn nsxv_member(n: u32, name: &str, ip: &str) -> Member {
    Member { id: format!("member-{n}"), name: name.into(), ip: ip.into(), port: 80, weight: 1, enabled: true }
}

fn alb_member(ip: &str) -> Member {
    Member { id: String::new(), name: String::new(), ip: ip.into(), port: 80, weight: 1, enabled: true }
}

fn alb_pool(n: u32, name: &str, members: Vec<Member>) -> Pool {
    Pool {
        id: format!("urn:vcloud:loadBalancerPool:{}", seed_uuid(POOL, n)),
        name: name.into(),
        algorithm: "LEAST_CONNECTIONS".into(),
        default_port: 80,
        members,
    }
}

pub(crate) fn world() -> World {
    let web_pool = Pool {
        id: "pool-1".into(),
        name: "web-pool".into(),
        algorithm: "round-robin".into(),
        default_port: 80,
        members: vec![nsxv_member(1, "web-01", "10.1.0.11"), nsxv_member(2, "web-02", "10.1.0.12")],
    };
    World {
        orgs: vec![org(0, "System"), org(1, "acme"), org(2, "globex")],
        users: vec![
            user(0, "administrator", "System", "System Administrator"),
            user(1, "admin", "acme", "Organization Administrator"),
            user(2, "admin", "globex", "Organization Administrator"),
        ],
        templates: vec![template(1, "acme"), template(2, "globex")],
        vapps: vec![
            VApp {
                id: seed_uuid(VAPP, 1),
                name: "web-app".into(),
                org: "acme".into(),
                net: 1,
                next_host: 13,
                created: seeded_at(1),
                vms: vec![vm(1, "web-01", "10.1.0.11"), vm(2, "web-02", "10.1.0.12")],
            },
            VApp {
                id: seed_uuid(VAPP, 2),
                name: "shop".into(),
                org: "globex".into(),
                net: 2,
                next_host: 12,
                created: seeded_at(1),
                vms: vec![vm(3, "shop-01", "10.2.0.11")],
            },
        ],
        edges: vec![
            Edge {
                id: seed_uuid(EDGE, 1),
                name: "edge-v".into(),
                org: "acme".into(),
                kind: EdgeKind::NsxV,
                pools: vec![web_pool],
            },
            Edge {
                id: seed_uuid(EDGE, 2),
                name: "edge-t".into(),
                org: "acme".into(),
                kind: EdgeKind::NsxT,
                pools: vec![alb_pool(1, "web-alb", Vec::new())],
            },
            Edge {
                id: seed_uuid(EDGE, 3),
                name: "globex-edge".into(),
                org: "globex".into(),
                kind: EdgeKind::NsxT,
                pools: vec![alb_pool(2, "shop-pool", vec![alb_member("10.2.0.11")])],
            },
        ],
        task_duration: DEFAULT_TASK_DURATION,
        api_versions: crate::versions::DEFAULT_VERSIONS.map(str::to_owned).to_vec(),
        ..World::default()
    }
}
