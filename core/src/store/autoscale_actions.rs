//! The journal of scaling actions: an action row and its steps, each written before it runs.

use sqlx::Row as _;
use sqlx::any::AnyRow;

use api_types::{ActionStatus, Direction, StepKind, StepState};

use super::Store;

/// A scaling action as stored.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ActionRow {
    pub action_id: String,
    pub rule_id: String,
    pub org_name: String,
    /// `scale_out` or `scale_in`.
    pub direction: Direction,
    /// `running`, `succeeded`, `rolling_back` or `rolled_back`.
    pub status: ActionStatus,
    pub from_vms: i64,
    pub to_vms: i64,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    pub error: Option<String>,
}

/// One journal step.
#[derive(Debug, Clone, PartialEq)]
pub struct StepRow {
    pub action_id: String,
    pub seq: i64,
    pub step: StepKind,
    pub vm_name: String,
    pub vm_id: Option<String>,
    /// `planned`, `running`, `done`, `failed` or `undone`.
    pub state: StepState,
    pub detail: Option<String>,
    pub updated_at: i64,
}

const ACTION_COLUMNS: &str =
    "action_id, rule_id, org_name, direction, status, from_vms, to_vms, started_at, finished_at, error";

fn action_row(row: &AnyRow) -> Result<ActionRow, sqlx::Error> {
    Ok(ActionRow {
        action_id: row.try_get("action_id")?,
        rule_id: row.try_get("rule_id")?,
        org_name: row.try_get("org_name")?,
        direction: super::state(row, "direction")?,
        status: super::state(row, "status")?,
        from_vms: row.try_get("from_vms")?,
        to_vms: row.try_get("to_vms")?,
        started_at: row.try_get("started_at")?,
        finished_at: row.try_get("finished_at")?,
        error: row.try_get("error")?,
    })
}

impl Store {
    /// Records a new action with all its steps planned, in one transaction. `false` when the
    /// rule has an unfinished action already (the partial unique index says so).
    pub(crate) async fn start_action(&self, a: &ActionRow, steps: &[StepRow]) -> Result<bool, sqlx::Error> {
        let mut tx = self.begin_write().await?;
        let inserted = sqlx::query(sqlx::AssertSqlSafe(format!(
            "insert into autoscale_action ({ACTION_COLUMNS}) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        )))
        .bind(&a.action_id)
        .bind(&a.rule_id)
        .bind(&a.org_name)
        .bind(a.direction.as_str())
        .bind(a.status.as_str())
        .bind(a.from_vms)
        .bind(a.to_vms)
        .bind(a.started_at)
        .bind(a.finished_at)
        .bind(&a.error)
        .execute(&mut *tx)
        .await;
        match inserted {
            Ok(_) => {}
            Err(e) if super::is_unique_violation(&e) => return Ok(false),
            Err(e) => return Err(e),
        }
        for s in steps {
            sqlx::query(
                "insert into autoscale_step (action_id, seq, step, vm_name, vm_id, state, detail, updated_at) \
                 values ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(&s.action_id)
            .bind(s.seq)
            .bind(s.step.as_str())
            .bind(&s.vm_name)
            .bind(&s.vm_id)
            .bind(s.state.as_str())
            .bind(&s.detail)
            .bind(s.updated_at)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Writes a step's new state (and what it learnt: the VM id, a task href, an error).
    pub(crate) async fn save_step(&self, s: &StepRow) -> Result<(), sqlx::Error> {
        sqlx::query(
            "update autoscale_step set state = $1, vm_id = $2, detail = $3, updated_at = $4 \
             where action_id = $5 and seq = $6",
        )
        .bind(s.state.as_str())
        .bind(&s.vm_id)
        .bind(&s.detail)
        .bind(s.updated_at)
        .bind(&s.action_id)
        .bind(s.seq)
        .execute(self.pool())
        .await
        .map(|_| ())
    }

    pub(crate) async fn set_action_status(
        &self,
        action_id: &str,
        status: ActionStatus,
        error: Option<&str>,
        finished_at: Option<i64>,
    ) -> Result<(), sqlx::Error> {
        sqlx::query("update autoscale_action set status = $1, error = coalesce($2, error), finished_at = $3 where action_id = $4")
            .bind(status.as_str())
            .bind(error)
            .bind(finished_at)
            .bind(action_id)
            .execute(self.pool())
            .await
            .map(|_| ())
    }

    pub(crate) async fn find_action(&self, rule_id: &str, action_id: &str) -> Result<Option<ActionRow>, sqlx::Error> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "select {ACTION_COLUMNS} from autoscale_action where rule_id = $1 and action_id = $2"
        )))
        .bind(rule_id)
        .bind(action_id)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(action_row).transpose()
    }

    pub(crate) async fn action_by_id(&self, action_id: &str) -> Result<Option<ActionRow>, sqlx::Error> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "select {ACTION_COLUMNS} from autoscale_action where action_id = $1"
        )))
        .bind(action_id)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(action_row).transpose()
    }

    pub(crate) async fn steps(&self, action_id: &str) -> Result<Vec<StepRow>, sqlx::Error> {
        let rows = sqlx::query(
            "select action_id, seq, step, vm_name, vm_id, state, detail, updated_at from autoscale_step \
             where action_id = $1 order by seq",
        )
        .bind(action_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(StepRow {
                    action_id: row.try_get("action_id")?,
                    seq: row.try_get("seq")?,
                    step: super::state(row, "step")?,
                    vm_name: row.try_get("vm_name")?,
                    vm_id: row.try_get("vm_id")?,
                    state: super::state(row, "state")?,
                    detail: row.try_get("detail")?,
                    updated_at: row.try_get("updated_at")?,
                })
            })
            .collect()
    }

    /// The rule's newest actions first.
    pub(crate) async fn list_actions(&self, rule_id: &str, limit: i64) -> Result<Vec<ActionRow>, sqlx::Error> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "select {ACTION_COLUMNS} from autoscale_action where rule_id = $1 order by started_at desc, action_id limit $2"
        )))
        .bind(rule_id)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(action_row).collect()
    }

    /// When the rule's newest action in `direction` started.
    pub(crate) async fn last_action_start(
        &self,
        rule_id: &str,
        direction: Direction,
    ) -> Result<Option<i64>, sqlx::Error> {
        let row =
            sqlx::query("select max(started_at) as at from autoscale_action where rule_id = $1 and direction = $2")
                .bind(rule_id)
                .bind(direction.as_str())
                .fetch_one(self.pool())
                .await?;
        row.try_get("at")
    }

    /// Actions still running or rolling back, on any rule (to resume after a restart).
    pub(crate) async fn unfinished_actions(&self) -> Result<Vec<ActionRow>, sqlx::Error> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "select {ACTION_COLUMNS} from autoscale_action where status in ('running', 'rolling_back') order by started_at"
        )))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(action_row).collect()
    }
}
