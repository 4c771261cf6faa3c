//! Tasks: created by every asynchronous action, they go queued → running → success (or error)
//! over the configured duration, and the action's effect happens only when they succeed.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use chrono::Utc;

use crate::reply::{self, escape, forbidden_xml, not_found_xml, uuid_in};
use crate::sessions::Authed;
use crate::state::{Pool, Session, SimState, Task, TaskKind, TaskStatus, Vm, World, new_uuid};

const TASK_MEDIA_TYPE: &str = "application/vnd.vmware.vcloud.task+xml";

pub(crate) fn router() -> Router<SimState> {
    Router::new().route("/api/task/{id}", get(get_task))
}

/// What a task changes when it succeeds.
#[derive(Debug, Clone)]
pub(crate) enum Effect {
    AddVm { vapp: String, name: String },
    RemoveVm { vm: String },
    Power { vm: String, on: bool },
    ReplacePool { edge: String, pool: Pool },
}

/// A task about to start.
pub(crate) struct NewTask {
    pub kind: TaskKind,
    pub org: String,
    pub operation: String,
    pub owner_href: String,
    pub owner_name: String,
    pub owner_type: &'static str,
    pub effect: Effect,
}

/// Records the task, runs it in the background and returns its uuid.
pub(crate) fn start(state: &SimState, session: &Session, new: NewTask) -> String {
    let id = new_uuid();
    let (duration, failure) = {
        let mut world = state.world();
        let failure = world.failures.remove(&new.kind);
        let task = Task {
            id: id.clone(),
            kind: new.kind,
            org: new.org,
            user: session.user.name.clone(),
            operation: new.operation,
            owner_href: new.owner_href,
            owner_name: new.owner_name,
            owner_type: new.owner_type,
            status: TaskStatus::Queued,
            error: None,
            started: Utc::now(),
            ended: None,
        };
        world.tasks.insert(id.clone(), task);
        (world.task_duration, failure)
    };
    let state = state.clone();
    let task_id = id.clone();
    let effect = new.effect;
    tokio::spawn(async move {
        tokio::time::sleep(duration / 4).await;
        set_status(&state, &task_id, TaskStatus::Running, None);
        tokio::time::sleep(duration - duration / 4).await;
        let mut world = state.world();
        let outcome = match failure {
            Some(message) => Err(message),
            None => apply(&mut world, &effect),
        };
        drop(world);
        match outcome {
            Ok(()) => set_status(&state, &task_id, TaskStatus::Success, None),
            Err(message) => set_status(&state, &task_id, TaskStatus::Error, Some(message)),
        }
    });
    id
}

fn set_status(state: &SimState, id: &str, status: TaskStatus, error: Option<String>) {
    if let Some(task) = state.world().tasks.get_mut(id) {
        task.status = status;
        task.error = error;
        if matches!(status, TaskStatus::Success | TaskStatus::Error) {
            task.ended = Some(Utc::now());
        }
    }
}

fn apply(world: &mut World, effect: &Effect) -> Result<(), String> {
    match effect {
        Effect::AddVm { vapp, name } => {
            let vapp = world.vapps.iter_mut().find(|a| &a.id == vapp).ok_or("the vApp no longer exists")?;
            if vapp.vms.iter().any(|vm| &vm.name == name) {
                return Err(format!("a VM named {name} already exists in the vApp"));
            }
            let ip = format!("10.{}.0.{}", vapp.net, vapp.next_host);
            vapp.next_host = vapp.next_host.wrapping_add(1);
            vapp.vms.push(Vm {
                id: new_uuid(),
                name: name.clone(),
                powered_on: false,
                ip: Some(ip),
                created: Utc::now(),
            });
            Ok(())
        }
        Effect::RemoveVm { vm } => {
            let (a, v) = world.vm_location(vm).ok_or("the VM no longer exists")?;
            world.vapps[a].vms.remove(v);
            Ok(())
        }
        Effect::Power { vm, on } => {
            let (a, v) = world.vm_location(vm).ok_or("the VM no longer exists")?;
            world.vapps[a].vms[v].powered_on = *on;
            Ok(())
        }
        Effect::ReplacePool { edge, pool } => {
            let edge = world.edges.iter_mut().find(|e| &e.id == edge).ok_or("the edge gateway no longer exists")?;
            let slot = edge.pools.iter_mut().find(|p| p.id == pool.id).ok_or("the pool no longer exists")?;
            *slot = pool.clone();
            Ok(())
        }
    }
}

async fn get_task(State(state): State<SimState>, Authed(session): Authed, Path(id): Path<String>) -> Response {
    let base = state.base_url().to_owned();
    let world = state.world();
    let Some(task) = world.tasks.get(uuid_in(&id)) else { return not_found_xml("task") };
    if !session.sees(&task.org) {
        return forbidden_xml();
    }
    let body = task_xml(&world, task, &base);
    reply::xml(StatusCode::OK, TASK_MEDIA_TYPE, body)
}

/// A `<Task>` answer for a just-started task (202 Accepted).
pub(crate) fn accepted(state: &SimState, id: &str) -> Response {
    let world = state.world();
    let Some(task) = world.tasks.get(id) else { return not_found_xml("task") };
    reply::xml(StatusCode::ACCEPTED, TASK_MEDIA_TYPE, task_xml(&world, task, state.base_url()))
}

fn task_xml(world: &World, task: &Task, base: &str) -> String {
    let status = match task.status {
        TaskStatus::Queued => "queued",
        TaskStatus::Running => "running",
        TaskStatus::Success => "success",
        TaskStatus::Error => "error",
    };
    let end = task.ended.map(|t| format!(r#" endTime="{}""#, t.to_rfc3339())).unwrap_or_default();
    let error = task
        .error
        .as_ref()
        .map(|m| {
            format!(
                r#"<Error majorErrorCode="500" minorErrorCode="INTERNAL_SERVER_ERROR" message="{}" stackTrace=""/>"#,
                escape(m)
            )
        })
        .unwrap_or_default();
    let org_id = world.org(&task.org).map(|o| o.id.clone()).unwrap_or_default();
    let progress = if task.status == TaskStatus::Success { 100 } else { 0 };
    format!(
        concat!(
            r#"<?xml version="1.0" encoding="UTF-8"?><Task xmlns="http://www.vmware.com/vcloud/v1.5" cancelRequested="false" "#,
            r#"operation="{operation}" operationName="{kind:?}" serviceNamespace="com.vmware.vcloud" startTime="{start}"{end} "#,
            r#"status="{status}" name="task" id="urn:vcloud:task:{id}" href="{base}/api/task/{id}" type="{media}">"#,
            r#"<Owner href="{owner_href}" name="{owner_name}" type="{owner_type}"/>{error}"#,
            r#"<User href="{base}/api/admin/user/{user}" name="{user}" type="application/vnd.vmware.admin.user+xml"/>"#,
            r#"<Organization href="{base}/api/org/{org_id}" name="{org}" type="application/vnd.vmware.vcloud.org+xml"/>"#,
            "<Progress>{progress}</Progress></Task>"
        ),
        operation = escape(&task.operation),
        kind = task.kind,
        start = task.started.to_rfc3339(),
        id = task.id,
        media = TASK_MEDIA_TYPE,
        owner_href = escape(&task.owner_href),
        owner_name = escape(&task.owner_name),
        owner_type = task.owner_type,
        user = escape(&task.user),
        org = escape(&task.org),
        end = end,
        error = error,
        status = status,
        base = base,
        org_id = org_id,
        progress = progress,
    )
}
