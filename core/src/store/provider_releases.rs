//! Provider releases: the rate cards, showback collectors and per-org limits a provider package
//! writes, and the release that records them, in one transaction that first checks each is
//! still as the plan saw it.

use api_types::OrgLimits;
use sqlx::Row as _;

use super::package_releases::insert_release;
use super::showback_collectors::{insert_collector, update_collector};
use super::showback_rates::{card, card_stamp, delete_rate, insert_rate, update_rate};
use super::{CollectorRow, RateRow, ReleaseRow, Store, WriteError};

/// Everything one provider release writes.
#[derive(Debug, Clone, Default)]
pub struct ProviderWrites {
    pub rate_cards: Vec<CardWrite>,
    pub collectors: Vec<CollectorWrite>,
    pub limits: Vec<LimitsWrite>,
}

impl ProviderWrites {
    /// How many elements it changes.
    pub fn len(&self) -> usize {
        self.rate_cards.len() + self.collectors.len() + self.limits.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A rate card made to hold exactly `entries` (matched by service, unit and effective day: a
/// matching entry keeps its id).
#[derive(Debug, Clone)]
pub struct CardWrite {
    /// `None`: the provider's card; else the org whose overrides these are.
    pub org: Option<String>,
    pub entries: Vec<RateRow>,
    /// The card's [`card_stamp`] as the plan saw it.
    pub expected: String,
}

#[derive(Debug, Clone)]
pub struct CollectorWrite {
    pub row: CollectorRow,
    /// `None`: a new collector; else when it was last changed, as the plan saw it.
    pub expected_updated_at: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct LimitsWrite {
    pub org: String,
    pub limits: OrgLimits,
    /// When the org's limits were last set, as the plan saw it (`None`: never, the defaults).
    pub expected_updated_at: Option<i64>,
}

impl Store {
    /// Writes a provider release: `Raced` when anything is not as the plan saw it.
    pub(crate) async fn write_provider_release(
        &self,
        all: &ProviderWrites,
        release: &ReleaseRow,
    ) -> Result<i64, WriteError> {
        let mut tx = self.begin_write().await?;
        for write in &all.rate_cards {
            let org = write.org.as_deref().unwrap_or("");
            // On PostgreSQL this locks the card's rows until the commit: nobody changes or deletes
            // them between the check and the writes (a row inserted meanwhile shows in the count).
            sqlx::query("update rate_card set updated_at = updated_at where org_name = $1")
                .bind(org)
                .execute(&mut *tx)
                .await?;
            let now = card(&mut *tx, write.org.as_deref()).await?;
            if card_stamp(&now) != write.expected {
                return Err(WriteError::Raced);
            }
            let key = |r: &RateRow| (r.service.clone(), r.unit.clone(), r.effective_from.clone());
            for old in now.iter().filter(|old| !write.entries.iter().any(|e| key(e) == key(old))) {
                delete_rate(&mut *tx, &old.rate_id).await?;
            }
            for entry in &write.entries {
                match now.iter().find(|old| key(old) == key(entry)) {
                    Some(old) if old.unit_price_nanos == entry.unit_price_nanos && old.currency == entry.currency => {}
                    Some(old) => {
                        let row = RateRow { rate_id: old.rate_id.clone(), created_at: old.created_at, ..entry.clone() };
                        update_rate(&mut *tx, &row).await?;
                    }
                    None => insert_rate(&mut *tx, entry).await?,
                }
            }
            let count: i64 = sqlx::query("select count(*) as n from rate_card where org_name = $1")
                .bind(org)
                .fetch_one(&mut *tx)
                .await?
                .try_get("n")?;
            if count != write.entries.len() as i64 {
                return Err(WriteError::Raced);
            }
        }
        for write in &all.collectors {
            let written = match write.expected_updated_at {
                None => match insert_collector(&mut *tx, &write.row).await {
                    Err(e) if super::is_unique_violation(&e) => false,
                    other => other.map(|()| true)?,
                },
                Some(expected) => update_collector(&mut *tx, &write.row, Some(expected)).await?,
            };
            if !written {
                return Err(WriteError::Raced);
            }
        }
        for write in &all.limits {
            // Written only if still as the plan saw it (no row, or the row it saw).
            let guarded = match write.expected_updated_at {
                None => {
                    "insert into org_limits (org_name, limits_json, updated_at) values ($1, $2, $3) \
                         on conflict (org_name) do nothing"
                }
                Some(_) => {
                    "update org_limits set limits_json = $2, updated_at = $3 where org_name = $1 \
                            and updated_at = $4"
                }
            };
            let mut query =
                sqlx::query(guarded).bind(&write.org).bind(super::to_json(&write.limits)?).bind(release.created_at);
            if let Some(expected) = write.expected_updated_at {
                query = query.bind(expected);
            }
            if query.execute(&mut *tx).await?.rows_affected() != 1 {
                return Err(WriteError::Raced);
            }
        }
        let number = insert_release(&mut tx, release).await?;
        tx.commit().await?;
        Ok(number)
    }

    /// An org's own limits and when they were set: `None` when there is no such org; `(None,
    /// None)` when the provider never set its limits (it has the defaults).
    pub(crate) async fn org_limits_stamped(
        &self,
        org: &str,
    ) -> Result<Option<(Option<OrgLimits>, Option<i64>)>, sqlx::Error> {
        let row = sqlx::query(
            "select l.limits_json, l.updated_at from org o left join org_limits l on l.org_name = o.org_name \
             where o.org_name = $1",
        )
        .bind(org)
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let at: Option<i64> = row.try_get("updated_at")?;
        let limits = if at.is_some() { Some(super::json(&row, "limits_json")?) } else { None };
        Ok(Some((limits, at)))
    }

    /// The signature policy provider packages are verified under, if the provider set one.
    pub(crate) async fn provider_package_policy(&self) -> Result<Option<api_types::PackagePolicy>, sqlx::Error> {
        let row = sqlx::query("select policy_json from provider_package_policy where id = 1")
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(|row| super::json(row, "policy_json")).transpose()
    }

    pub(crate) async fn put_provider_package_policy(
        &self,
        policy: &api_types::PackagePolicy,
        now: i64,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "insert into provider_package_policy (id, policy_json, updated_at) values (1, $1, $2) on conflict (id) \
             do update set policy_json = excluded.policy_json, updated_at = excluded.updated_at",
        )
        .bind(super::to_json(policy)?)
        .bind(now)
        .execute(self.pool())
        .await
        .map(|_| ())
    }
}
