//! The packages service of a running server: what needs its functions (compiling), its
//! autoscale (the org's vCD) and its environment (configuration values).

use std::sync::Arc;

use package::Package;

use super::plan::{Here, Plan, analyse};
use super::{ExportOptions, PackagesError, budget, open, rules, sources};
use crate::autoscale::Autoscale;
use crate::functions::Functions;
use crate::store::Store;

pub struct Packages {
    pub(super) store: Store,
    pub(super) functions: Arc<Functions>,
    pub(super) autoscale: Arc<Autoscale>,
    /// Which value of a configuration element this instance takes; exports write it.
    pub(super) environment: String,
}

impl Packages {
    pub fn new(store: Store, functions: Arc<Functions>, autoscale: Arc<Autoscale>, environment: String) -> Arc<Self> {
        Arc::new(Packages { store, functions, autoscale, environment })
    }

    pub(super) fn here(&self) -> Here<'_> {
        Here { store: &self.store, autoscale: Some(&self.autoscale), environment: &self.environment }
    }

    /// The org's functions (see [`super::export_functions`]) and, in a full export, its
    /// autoscale rules with the configuration elements their vCD objects become, and its budget.
    pub async fn export(&self, org: &str, options: &ExportOptions) -> Result<Package, PackagesError> {
        let (mut content, mut elements) = super::function_content(&self.store, org, options).await?;
        if options.functions.is_empty() {
            let rows = self.autoscale.rule_rows(org).await.map_err(|e| PackagesError::Invalid(e.to_string()))?;
            rules::export_rules(&rows, &self.environment, &mut content, &mut elements)?;
            budget::export_budget(&self.store, org, &mut content, &mut elements).await?;
        }
        super::seal_package(org, elements, content)
    }

    /// Pulls `org`'s export from source `source` and plans it like an uploaded archive.
    pub async fn plan_source(&self, org: &str, source: &str) -> Result<Plan, PackagesError> {
        let archive = sources::fetch(&self.store, source, org).await?;
        self.plan_archive(org, &archive).await
    }

    /// Pulls `org`'s export from `source` again and applies it; if the source changed since
    /// the plan, its fingerprint differs and nothing is written (409 `stale_plan`).
    pub async fn apply_source(
        &self,
        org: &str,
        source: &str,
        fingerprint: &str,
        select: Option<&[String]>,
    ) -> Result<api_types::ApplyResult, PackagesError> {
        let archive = sources::fetch(&self.store, source, org).await?;
        self.apply_archive(org, &archive, fingerprint, select).await
    }

    /// Reads an archive, verifies it for `org` and plans its import (nothing is written).
    pub async fn plan_archive(&self, org: &str, archive: &[u8]) -> Result<Plan, PackagesError> {
        let opened = open(&self.store, org, archive).await?;
        let keys: Vec<String> = opened.signers.iter().map(|s| s.key_id.clone()).collect();
        let mut plan = analyse(self.here(), org, &opened.package, &keys).await?.plan;
        plan.signers = opened.signers;
        plan.warnings = opened.warnings;
        Ok(plan)
    }
}
