//! Versions that a content package brings: validated and compiled before anything is written,
//! then written with their release in one transaction (`packages::apply`).

use std::collections::BTreeMap;

use api_types::{ErrorDetail, FunctionSpec, OrgLimits, VersionStatus};

use super::FunctionError;
use super::convert::source_of;
use super::service::{Functions, compile_limits, route, version_row};
use super::spec::validate_spec;
use crate::cluster::Invalidation;
use crate::dates::now_millis;
use crate::store::{ReleaseRow, ReleaseWrites, VersionRow, WriteError};

impl Functions {
    /// `spec` as version `next` of its function (1 for a new one), checked against `limits`
    /// and compiled; nothing is written. A compile error is `Invalid`, naming file and line.
    pub async fn prepare_import(
        &self,
        org: &str,
        spec: &FunctionSpec,
        secrets: &BTreeMap<String, String>,
        next: i64,
        limits: &OrgLimits,
    ) -> Result<VersionRow, FunctionError> {
        let valid = validate_spec(spec, limits, None).map_err(FunctionError::Invalid)?;
        let mut row = version_row(org, &valid, next, secrets, now_millis());
        self.compile_ready(&mut row).await?;
        Ok(row)
    }

    /// A copy of `old` as version `next`, as it was compiled (or compiled again when this
    /// engine cannot load its bytecode).
    pub async fn prepare_copy(&self, old: &VersionRow, next: i64) -> Result<VersionRow, FunctionError> {
        let mut row = VersionRow { version: next, created_at: now_millis(), ..old.clone() };
        if row.status != VersionStatus::Ready || row.bytecode.is_none() {
            self.compile_ready(&mut row).await?;
        }
        Ok(row)
    }

    async fn compile_ready(&self, row: &mut VersionRow) -> Result<(), FunctionError> {
        let invalid = |reason: String| FunctionError::Invalid(vec![ErrorDetail::field("code", reason)]);
        match self.pool.compile(source_of(row), compile_limits()).await {
            Ok(Ok(compiled)) => {
                row.status = VersionStatus::Ready;
                row.shape = Some(compiled.shape.as_str().to_owned());
                row.bytecode = Some(compiled.bytecode);
                Ok(())
            }
            Ok(Err(error)) => {
                let at = match (&error.file, error.line, error.column) {
                    (file, Some(line), column) => {
                        let file = file.as_deref().unwrap_or("function.js");
                        format!("{file}:{line}:{}: ", column.unwrap_or(1))
                    }
                    _ => String::new(),
                };
                Err(invalid(format!("{at}{}", error.message)))
            }
            Err(error) => Err(invalid(format!("the compiler could not finish: {error:?}"))),
        }
    }

    /// Writes everything in `all` and `release` in one transaction and tells every replica; the
    /// release's number. `old_routes`: routes the functions served before, which change too.
    pub async fn commit_release(
        &self,
        all: &ReleaseWrites,
        release: &ReleaseRow,
        old_routes: &[String],
    ) -> Result<i64, WriteError> {
        let number = self.store.write_release(all, release).await?;
        let org = &release.org;
        for old in old_routes {
            self.changed(route(org, old)).await;
        }
        for write in &all.functions {
            self.changed(route(org, &write.route)).await;
            self.changed(Invalidation::Function { org: org.clone(), name: write.row.name.clone() }).await;
        }
        Ok(number)
    }
}
