//! Store access for the integration tests and benchmarks (feature `test-store`): they seed
//! tables and inspect what the services wrote. Outside this feature the store's queries are
//! private to the core, and the backend reaches data only through the services.
//!
//! `use stratus_core::testing::StoreAccess as _;` brings these methods onto `Store`.

use api_types::DeliveryStatus;

use crate::store::{
    CollectorRow, DeliveryRow, EventRow, FunctionHead, InvocationRow, OrgRow, RunRow, Store, TokenRow, UpsertCounts,
    UsageRecord, VersionRow, WriteError,
};

type Db<T> = Result<T, sqlx::Error>;

/// The store's queries the tests use, by the store's own names.
#[expect(async_fn_in_trait, reason = "test helpers awaited in place; no Send bound needed")]
pub trait StoreAccess {
    async fn ensure_org(&self, name: &str, display_name: &str, now: i64) -> Db<bool>;
    async fn find_org(&self, name: &str) -> Db<Option<OrgRow>>;
    async fn list_orgs(&self) -> Db<Vec<OrgRow>>;
    async fn find_active_token(&self, hash: &str) -> Db<Option<TokenRow>>;
    async fn list_tokens(&self) -> Db<Vec<TokenRow>>;
    async fn revoke_token(&self, token_id: &str, now: i64) -> Db<Option<String>>;
    async fn create_function(&self, head: &FunctionHead, first: &VersionRow) -> Result<(), WriteError>;
    async fn save_invocations(&self, rows: &[InvocationRow]) -> Db<()>;
    async fn list_deliveries(
        &self,
        org: &str,
        function: &str,
        status: Option<DeliveryStatus>,
        limit: i64,
    ) -> Db<Vec<DeliveryRow>>;
    async fn insert_event(&self, e: &EventRow) -> Db<()>;
    async fn insert_collector(&self, c: &CollectorRow) -> Db<()>;
    async fn list_runs(&self, collector_id: &str, limit: i64) -> Db<Vec<RunRow>>;
    async fn acquire_lease(&self, name: &str, holder: &str, now: i64, expires_at: i64) -> Db<bool>;
    async fn upsert_usage(&self, records: &[UsageRecord]) -> Db<UpsertCounts>;
    async fn usage_records(&self, org: &str, from: &str, to: &str) -> Db<Vec<UsageRecord>>;
    async fn usage_rollup_mismatches(&self) -> Db<Vec<String>>;
    async fn insert_usage_unchecked(&self, records: &[UsageRecord]) -> Db<()>;
    async fn rebuild_usage_rollup(&self) -> Db<()>;
}

impl StoreAccess for Store {
    async fn ensure_org(&self, name: &str, display_name: &str, now: i64) -> Db<bool> {
        Store::ensure_org(self, name, display_name, now).await
    }
    async fn find_org(&self, name: &str) -> Db<Option<OrgRow>> {
        Store::find_org(self, name).await
    }
    async fn list_orgs(&self) -> Db<Vec<OrgRow>> {
        Store::list_orgs(self).await
    }
    async fn find_active_token(&self, hash: &str) -> Db<Option<TokenRow>> {
        Store::find_active_token(self, hash).await
    }
    async fn list_tokens(&self) -> Db<Vec<TokenRow>> {
        Store::list_tokens(self).await
    }
    async fn revoke_token(&self, token_id: &str, now: i64) -> Db<Option<String>> {
        Store::revoke_token(self, token_id, now).await
    }
    async fn create_function(&self, head: &FunctionHead, first: &VersionRow) -> Result<(), WriteError> {
        Store::create_function(self, head, first).await
    }
    async fn save_invocations(&self, rows: &[InvocationRow]) -> Db<()> {
        Store::save_invocations(self, rows).await
    }
    async fn list_deliveries(
        &self,
        org: &str,
        function: &str,
        status: Option<DeliveryStatus>,
        limit: i64,
    ) -> Db<Vec<DeliveryRow>> {
        Store::list_deliveries(self, org, function, status, limit).await
    }
    async fn insert_event(&self, e: &EventRow) -> Db<()> {
        Store::insert_event(self, e).await
    }
    async fn insert_collector(&self, c: &CollectorRow) -> Db<()> {
        Store::insert_collector(self, c).await
    }
    async fn list_runs(&self, collector_id: &str, limit: i64) -> Db<Vec<RunRow>> {
        Store::list_runs(self, collector_id, limit).await
    }
    async fn acquire_lease(&self, name: &str, holder: &str, now: i64, expires_at: i64) -> Db<bool> {
        Store::acquire_lease(self, name, holder, now, expires_at).await
    }
    async fn upsert_usage(&self, records: &[UsageRecord]) -> Db<UpsertCounts> {
        Store::upsert_usage(self, records).await
    }
    async fn usage_records(&self, org: &str, from: &str, to: &str) -> Db<Vec<UsageRecord>> {
        Store::usage_records(self, org, from, to).await
    }
    async fn usage_rollup_mismatches(&self) -> Db<Vec<String>> {
        Store::usage_rollup_mismatches(self).await
    }
    async fn insert_usage_unchecked(&self, records: &[UsageRecord]) -> Db<()> {
        Store::insert_usage_unchecked(self, records).await
    }
    async fn rebuild_usage_rollup(&self) -> Db<()> {
        Store::rebuild_usage_rollup(self).await
    }
}
