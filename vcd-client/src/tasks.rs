//! Waiting for vCD tasks.

use std::time::Duration;

use tokio::time::Instant;

use crate::session::{Api, Call};
use crate::types::Task;
use crate::xml;
use crate::{VcdClient, VcdError};

/// A task's state as read from `GET /api/task/<uuid>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TaskState {
    Pending,
    Succeeded,
    Failed(String),
}

impl VcdClient {
    /// Polls the task until it succeeds, fails ([`VcdError::TaskFailed`]) or `timeout` passes
    /// ([`VcdError::TaskTimeout`]).
    pub async fn wait_task(&self, task: &Task, timeout: Duration) -> Result<(), VcdError> {
        let deadline = Instant::now() + timeout;
        let call = Call::get(Api::Xml, format!("/api/task/{}", task.uuid()));
        loop {
            let reply = self.execute(&call).await?;
            match parse_task_state(&reply.body)? {
                TaskState::Succeeded => return Ok(()),
                TaskState::Failed(message) => return Err(VcdError::TaskFailed { message }),
                TaskState::Pending => {}
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(VcdError::TaskTimeout);
            }
            tokio::time::sleep(self.poll_interval.min(deadline - now)).await;
        }
    }
}

pub(crate) fn parse_task_state(body: &str) -> Result<TaskState, VcdError> {
    let doc = xml::parse(body)?;
    let root = doc.root_element();
    let status = root.attribute("status").unwrap_or_default();
    let error_message =
        || xml::child(root, "Error").and_then(|e| e.attribute("message")).map(str::to_owned).filter(|m| !m.is_empty());
    match status {
        "queued" | "preRunning" | "running" | "postRunning" => Ok(TaskState::Pending),
        "success" => Ok(TaskState::Succeeded),
        "error" => Ok(TaskState::Failed(error_message().unwrap_or_else(|| "the task ended in error".into()))),
        "aborted" => Ok(TaskState::Failed(error_message().unwrap_or_else(|| "the task was aborted".into()))),
        other => Err(VcdError::Protocol(format!("unknown task status {other:?}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_task_states() {
        let running = r#"<Task xmlns="http://www.vmware.com/vcloud/v1.5" status="preRunning" href="x"/>"#;
        assert_eq!(parse_task_state(running).unwrap(), TaskState::Pending);
        let failed = r#"<Task xmlns="http://www.vmware.com/vcloud/v1.5" status="error" href="x">
            <Error majorErrorCode="500" minorErrorCode="INTERNAL_SERVER_ERROR" message="disk full"/></Task>"#;
        assert_eq!(parse_task_state(failed).unwrap(), TaskState::Failed("disk full".into()));
        let aborted = r#"<Task status="aborted" href="x"/>"#;
        assert_eq!(parse_task_state(aborted).unwrap(), TaskState::Failed("the task was aborted".into()));
        assert!(parse_task_state(r#"<Task status="weird"/>"#).is_err());
    }
}
