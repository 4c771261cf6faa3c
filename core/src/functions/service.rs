//! The functions service: definitions and deployment. Calls are in `calls.rs`, the cached
//! org and route lookups in `lookup.rs`.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use api_types::{
    CodeError, EgressPolicy, ErrorDetail, Function, FunctionSpec, FunctionSummary, FunctionVersion, OrgLimits,
    VersionStatus,
};
use sandbox::{Limits, WorkerPool};

use super::calls::CallObserver;
use super::concurrency::Concurrency;
use super::convert::{function_dto, source_of, version_dto};
use super::lookup::Lookups;
use super::recorder::Recorder;
use super::spec::{Code, validate_spec};
use crate::cluster::{Cluster, Invalidation};
use crate::dates::{now_millis, rfc3339_from_millis};
use crate::egress::{Egress, Policy};
use crate::store::{FunctionHead, Store, VersionRow, WriteError};

/// Limits for compiling untrusted source in a worker.
const COMPILE_LIMITS_MB: usize = 256;
const COMPILE_TIMEOUT: Duration = Duration::from_secs(10);

/// Why a function operation was refused.
#[derive(Debug, thiserror::Error)]
pub enum FunctionError {
    #[error("invalid function definition")]
    Invalid(Vec<ErrorDetail>),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Store(#[from] sqlx::Error),
}

impl From<WriteError> for FunctionError {
    fn from(err: WriteError) -> Self {
        match err {
            WriteError::Db(e) => FunctionError::Store(e),
            WriteError::Missing(name) => FunctionError::NotFound(format!("function '{name}' not found")),
            WriteError::NoSuchVersion(v) => FunctionError::Invalid(vec![ErrorDetail::field(
                "version",
                format!("version {v} is not a ready version of this function"),
            )]),
            WriteError::RouteTaken(route, owner) => FunctionError::Invalid(vec![ErrorDetail::field(
                "route",
                format!("route '{route}' is taken by function '{owner}'"),
            )]),
            other @ (WriteError::NameTaken(_) | WriteError::Raced) => FunctionError::Conflict(other.to_string()),
        }
    }
}

/// Tenant functions: definitions, deployment and calls.
pub struct Functions {
    pub(super) store: Store,
    pub(super) pool: Arc<WorkerPool>,
    pub(super) observer: Arc<dyn CallObserver>,
    pub(super) lookups: Lookups,
    pub(super) concurrency: Concurrency,
    pub(super) recorder: Recorder,
    pub(super) cluster: Cluster,
    /// What every call's `fetch()`es share: this machine's addresses, the response budget.
    pub(super) egress: Egress,
}

/// The refusal of a code change to a locked function.
fn locked(name: &str) -> FunctionError {
    FunctionError::Conflict(format!(
        "function '{name}' is locked by the package that brought it: its code changes only through a package \
         signed by the same key (settings change with a PUT that sends no code)"
    ))
}

pub(super) fn route(org: &str, route: &str) -> Invalidation {
    Invalidation::Route { org: org.to_owned(), route: route.to_owned() }
}

/// Limits for compiling (and test-running the top level of) untrusted source in a worker.
pub(super) fn compile_limits() -> Limits {
    Limits {
        memory_bytes: COMPILE_LIMITS_MB * 1024 * 1024,
        stack_bytes: 1024 * 1024,
        timeout: COMPILE_TIMEOUT,
        max_response_bytes: 0,
        max_log_bytes: 64 * 1024,
    }
}

/// The sandbox limits of one call.
pub(super) fn call_limits(memory_mb: u32, timeout_ms: u32, org: &OrgLimits) -> Limits {
    Limits {
        memory_bytes: memory_mb as usize * 1024 * 1024,
        // As much as compiling had: loading a function with node_modules nests requires deeply.
        stack_bytes: 1024 * 1024,
        timeout: Duration::from_millis(u64::from(timeout_ms)),
        max_response_bytes: org.max_response_bytes as usize,
        max_log_bytes: 64 * 1024,
    }
}

impl Functions {
    /// The service over `store`, running code in `pool`, its caches following `cluster`'s
    /// coherence channel and its concurrency caps shared among `cluster`'s live replicas.
    pub fn new(store: Store, pool: Arc<WorkerPool>, observer: Arc<dyn CallObserver>, cluster: &Cluster) -> Self {
        let recorder = Recorder::start(store.clone());
        let lookups = Lookups::new(Arc::clone(cluster.coherence()));
        let concurrency = Concurrency::default();
        let egress = Egress::discover();
        Self { store, pool, observer, lookups, concurrency, recorder, cluster: cluster.clone(), egress }
    }

    /// Writes the invocation history still queued (at shutdown: nothing recorded is lost).
    pub async fn flush_history(&self) {
        self.recorder.flush().await;
    }

    pub fn pool(&self) -> &WorkerPool {
        &self.pool
    }

    /// Redeploys versions a restart left `initializing`.
    pub async fn recover(self: &Arc<Self>) -> Result<usize, sqlx::Error> {
        let pending = self.store.initializing_versions().await?;
        for (org, name, version) in &pending {
            tracing::info!(%org, %name, version, "resuming an interrupted deployment");
            self.deploy_in_background(org.clone(), name.clone(), *version);
        }
        Ok(pending.len())
    }

    /// Sets the org's ceilings. Existing functions keep their limits until they are updated.
    pub async fn set_org_limits(&self, org: &str, limits: OrgLimits) -> Result<(), FunctionError> {
        let errors = check_org_limits(&limits);
        if !errors.is_empty() {
            return Err(FunctionError::Invalid(errors));
        }
        self.store.put_org_limits(org, &limits, now_millis()).await?;
        self.org_settings_changed(org).await;
        Ok(())
    }

    /// Tells every replica that the org's limits or egress policy changed (written elsewhere,
    /// e.g. by a provider package).
    pub(crate) async fn org_settings_changed(&self, org: &str) {
        self.changed(Invalidation::Org { org: org.to_owned() }).await;
    }

    /// The org's egress policy (empty lists when the provider set none).
    pub async fn egress_policy(&self, org: &str) -> Result<EgressPolicy, sqlx::Error> {
        Ok(self.store.existing_org_settings(org).await?.and_then(|s| s.egress).unwrap_or_default())
    }

    /// Sets the org's egress policy; calls already running keep the one they started with.
    pub async fn set_egress_policy(&self, org: &str, policy: &EgressPolicy) -> Result<EgressPolicy, FunctionError> {
        Policy::parse(policy).map_err(FunctionError::Invalid)?;
        let tidy = |list: &[String]| list.iter().map(|e| e.trim().to_owned()).collect();
        let policy = EgressPolicy { allow: tidy(&policy.allow), deny: tidy(&policy.deny) };
        self.store.put_org_egress(org, &policy, now_millis()).await?;
        self.org_settings_changed(org).await;
        Ok(policy)
    }

    /// Creates a function; it deploys in the background (status `initializing`).
    pub async fn create(self: &Arc<Self>, org: &str, spec: &FunctionSpec) -> Result<Function, FunctionError> {
        let limits = self.stored_org_limits(org).await?;
        let valid = validate_spec(spec, &limits, None).map_err(FunctionError::Invalid)?;
        if self.store.count_functions(org).await? >= i64::from(limits.max_functions) {
            return Err(FunctionError::Conflict(format!(
                "this org may have at most {} functions; delete one or ask the provider",
                limits.max_functions
            )));
        }
        let now = now_millis();
        let head = FunctionHead {
            org: org.to_owned(),
            name: valid.name.clone(),
            runtime: "javascript".into(),
            route: valid.route.clone(),
            status: VersionStatus::Initializing,
            latest_version: 1,
            active_version: None,
            created_at: now,
            updated_at: now,
            locked_by: None,
        };
        let secrets = valid.secrets.clone().unwrap_or_default();
        let first = version_row(org, &valid, 1, &secrets, now);
        self.store.create_function(&head, &first).await?;
        self.changed(route(org, &valid.route)).await;
        self.deploy_in_background(org.to_owned(), valid.name.clone(), 1);
        Ok(function_dto(&head, &first))
    }

    /// Replaces a function's definition with a new version, deployed in the background.
    pub async fn update(
        self: &Arc<Self>,
        org: &str,
        name: &str,
        spec: &FunctionSpec,
    ) -> Result<Function, FunctionError> {
        let (head, latest) = self.head_and_latest(org, name).await?;
        let limits = self.stored_org_limits(org).await?;
        let kept;
        let spec = match &head.locked_by {
            None => spec,
            Some(_) if !spec.code.is_empty() || spec.files.is_some() => return Err(locked(name)),
            // A locked function keeps its code; its settings may change.
            Some(_) => {
                kept = FunctionSpec {
                    code: latest.code.clone(),
                    files: latest.files.clone(),
                    main: latest.main.clone(),
                    ..spec.clone()
                };
                &kept
            }
        };
        let valid = validate_spec(spec, &limits, Some(name)).map_err(FunctionError::Invalid)?;
        let secrets = match &valid.secrets {
            Some(secrets) => secrets.clone(),
            None => latest.secrets.clone(),
        };
        let now = now_millis();
        let next = version_row(org, &valid, head.latest_version + 1, &secrets, now);
        self.store.add_version(&valid.route, &next, head.latest_version, now).await?;
        self.changed(route(org, &head.route)).await;
        self.changed(route(org, &valid.route)).await;
        self.deploy_in_background(org.to_owned(), name.to_owned(), next.version);
        let head = FunctionHead {
            route: valid.route.clone(),
            status: VersionStatus::Initializing,
            latest_version: next.version,
            updated_at: now,
            ..head
        };
        Ok(function_dto(&head, &next))
    }

    /// Replaces a function's code with the files of a zip archive (everything else stays), as
    /// a new version deployed in the background.
    pub async fn update_code(
        self: &Arc<Self>,
        org: &str,
        name: &str,
        archive: &[u8],
        main: Option<String>,
    ) -> Result<Function, FunctionError> {
        let (head, latest) = self.head_and_latest(org, name).await?;
        if head.locked_by.is_some() {
            return Err(locked(name));
        }
        let limits = self.stored_org_limits(org).await?;
        let unpacked =
            super::archive::unpack(archive, limits.max_code_bytes as usize).map_err(FunctionError::Invalid)?;
        let spec = FunctionSpec {
            name: name.to_owned(),
            runtime: head.runtime.clone(),
            route: head.route.clone(),
            code: String::new(),
            files: Some(unpacked.files),
            main,
            trigger: latest.trigger.clone(),
            limits: api_types::FunctionLimits {
                memory_mb: u32::try_from(latest.memory_mb).ok(),
                timeout_ms: u32::try_from(latest.timeout_ms).ok(),
            },
            env: latest.env.clone(),
            secrets: None,
            fresh_context: latest.fresh_context,
            access: latest.access,
            payload_format_version: latest.payload_format,
        };
        self.update(org, name, &spec).await
    }

    /// Makes a copy of a ready version the newest version, serving at once.
    pub async fn rollback(&self, org: &str, name: &str, version: i64) -> Result<Function, FunctionError> {
        let (head, _) = self.head_and_latest(org, name).await?;
        if head.locked_by.is_some() {
            return Err(locked(name));
        }
        let old = self.store.get_version(org, name, version).await?;
        let Some(old) = old.filter(|v| v.status == VersionStatus::Ready) else {
            return Err(WriteError::NoSuchVersion(version).into());
        };
        let now = now_millis();
        let next = VersionRow { version: head.latest_version + 1, created_at: now, ..old };
        self.store.add_version(&head.route, &next, head.latest_version, now).await?;
        self.changed(route(org, &head.route)).await;
        self.get(org, name).await
    }

    /// Deletes a function; its route answers 404 at once.
    pub async fn delete(&self, org: &str, name: &str) -> Result<(), FunctionError> {
        let head = self.store.get_function(org, name).await?;
        let Some(head) = head else {
            return Err(FunctionError::NotFound(format!("function '{name}' not found")));
        };
        self.store.delete_function(org, name).await?;
        self.changed(route(org, &head.route)).await;
        Ok(())
    }

    pub async fn get(&self, org: &str, name: &str) -> Result<Function, FunctionError> {
        let (head, latest) = self.head_and_latest(org, name).await?;
        Ok(function_dto(&head, &latest))
    }

    pub async fn list(&self, org: &str) -> Result<Vec<FunctionSummary>, FunctionError> {
        let heads = self.store.list_function_heads(org).await?;
        Ok(heads
            .into_iter()
            .map(|h| FunctionSummary {
                path: format!("/api/org/{org}/{}", h.route),
                name: h.name,
                runtime: h.runtime,
                route: h.route,
                status: h.status,
                version: h.latest_version,
                active_version: h.active_version,
                updated_at: rfc3339_from_millis(h.updated_at),
            })
            .collect())
    }

    pub async fn versions(&self, org: &str, name: &str) -> Result<Vec<FunctionVersion>, FunctionError> {
        let (head, _) = self.head_and_latest(org, name).await?;
        let versions = self.store.list_versions(org, name).await?;
        Ok(versions.iter().map(|v| version_dto(&head, v)).collect())
    }

    async fn head_and_latest(&self, org: &str, name: &str) -> Result<(FunctionHead, VersionRow), FunctionError> {
        let not_found = || FunctionError::NotFound(format!("function '{name}' not found"));
        let head = self.store.get_function(org, name).await?.ok_or_else(not_found)?;
        let latest = self.store.get_version(org, name, head.latest_version).await?.ok_or_else(not_found)?;
        Ok((head, latest))
    }

    fn deploy_in_background(self: &Arc<Self>, org: String, name: String, version: i64) {
        let this = Arc::clone(self);
        tokio::spawn(async move {
            if let Err(err) = this.deploy(&org, &name, version).await {
                tracing::error!(%org, %name, version, %err, "deployment failed to record its outcome");
            }
        });
    }

    /// Compiles a version in a worker and records the outcome.
    async fn deploy(&self, org: &str, name: &str, version: i64) -> Result<(), sqlx::Error> {
        let Some(row) = self.store.get_version(org, name, version).await? else {
            return Ok(()); // Deleted meanwhile.
        };
        let outcome = self.pool.compile(source_of(&row), compile_limits()).await;
        let now = now_millis();
        match outcome {
            Ok(Ok(compiled)) => {
                self.store
                    .mark_version_ready(org, name, version, compiled.shape.as_str(), &compiled.bytecode, now)
                    .await?
            }
            Ok(Err(error)) => {
                let at = CodeError { message: error.message, line: error.line, column: error.column, file: error.file };
                self.store.mark_version_failed(org, name, version, &at, now).await?
            }
            Err(error) => {
                let message = format!("the compiler could not finish: {error:?}");
                let at = CodeError { message, line: None, column: None, file: None };
                self.store.mark_version_failed(org, name, version, &at, now).await?
            }
        }
        self.changed(Invalidation::Function { org: org.to_owned(), name: name.to_owned() }).await;
        Ok(())
    }
}

pub(super) fn version_row(
    org: &str,
    valid: &super::ValidSpec,
    version: i64,
    secrets: &BTreeMap<String, String>,
    now: i64,
) -> VersionRow {
    VersionRow {
        org: org.to_owned(),
        name: valid.name.clone(),
        version,
        code: match &valid.code {
            Code::Source(code) => code.clone(),
            Code::Files { .. } => String::new(),
        },
        files: match &valid.code {
            Code::Files { files, .. } => Some(files.clone()),
            Code::Source(_) => None,
        },
        main: match &valid.code {
            Code::Files { main, .. } => main.clone(),
            Code::Source(_) => None,
        },
        trigger: valid.trigger.clone(),
        memory_mb: i64::from(valid.memory_mb),
        timeout_ms: i64::from(valid.timeout_ms),
        env: valid.env.clone(),
        secrets: secrets.clone(),
        fresh_context: valid.fresh_context,
        status: VersionStatus::Initializing,
        shape: None,
        bytecode: None,
        error_message: None,
        error_line: None,
        error_column: None,
        error_file: None,
        created_at: now,
        access: valid.access,
        payload_format: valid.payload_format,
    }
}

/// What is wrong with an org's limits, each problem named by its field.
pub fn check_org_limits(limits: &OrgLimits) -> Vec<ErrorDetail> {
    let mut errors = Vec::new();
    let mut check = |field: &str, value: u32, range: std::ops::RangeInclusive<u32>| {
        if !range.contains(&value) {
            errors.push(ErrorDetail::field(field, format!("must be between {} and {}", range.start(), range.end())));
        }
    };
    check("max_memory_mb", limits.max_memory_mb, 16..=4096);
    check("max_timeout_ms", limits.max_timeout_ms, 10..=900_000);
    check("default_memory_mb", limits.default_memory_mb, 16..=limits.max_memory_mb.max(16));
    check("default_timeout_ms", limits.default_timeout_ms, 10..=limits.max_timeout_ms.max(10));
    check("max_concurrency", limits.max_concurrency, 1..=10_000);
    check("max_function_concurrency", limits.max_function_concurrency, 1..=limits.max_concurrency.max(1));
    check("max_request_bytes", limits.max_request_bytes, 1..=64 * 1024 * 1024);
    check("max_response_bytes", limits.max_response_bytes, 1..=64 * 1024 * 1024);
    check("max_functions", limits.max_functions, 0..=100_000);
    let ceiling = u32::try_from(api_types::function_limits::MAX_CODE_BYTES).unwrap_or(u32::MAX);
    check("max_code_bytes", limits.max_code_bytes, 1024..=ceiling);
    errors
}
