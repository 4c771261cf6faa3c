//! Orgs: the tenants of Stratus (one per vCD org in vCD auth mode), created by the provider or on
//! first use.

use api_types::{ErrorDetail, Org, OrgCreate};

use crate::dates::{now_millis, rfc3339_from_millis};
use crate::store::{OrgRow, Store};
use crate::tenancy::OrgName;

/// The longest display name, in characters.
const MAX_DISPLAY_NAME: usize = 256;

/// Why an org could not be created.
#[derive(Debug, thiserror::Error)]
pub enum OrgError {
    #[error("invalid org")]
    Invalid(Vec<ErrorDetail>),
    #[error("{0}")]
    Exists(String),
    #[error(transparent)]
    Store(#[from] sqlx::Error),
}

/// The org service.
#[derive(Clone)]
pub struct Orgs {
    store: Store,
}

fn org_dto(row: OrgRow) -> Org {
    Org { name: row.name, display_name: row.display_name, created_at: rfc3339_from_millis(row.created_at) }
}

impl Orgs {
    pub fn new(store: Store) -> Self {
        Self { store }
    }

    /// Every org, oldest first.
    pub async fn list(&self) -> Result<Vec<Org>, sqlx::Error> {
        Ok(self.store.list_orgs().await?.into_iter().map(org_dto).collect())
    }

    /// Every org's name.
    pub async fn names(&self) -> Result<Vec<String>, sqlx::Error> {
        Ok(self.store.list_orgs().await?.into_iter().map(|o| o.name).collect())
    }

    pub async fn get(&self, name: &str) -> Result<Option<Org>, sqlx::Error> {
        Ok(self.store.find_org(name).await?.map(org_dto))
    }

    /// Creates an org; its display name defaults to its name.
    pub async fn create(&self, input: OrgCreate) -> Result<Org, OrgError> {
        let invalid = |field: &str, reason: String| OrgError::Invalid(vec![ErrorDetail::field(field, reason)]);
        let name = OrgName::parse(&input.name).map_err(|reason| invalid("name", reason.to_string()))?;
        let display_name = input.display_name.unwrap_or_else(|| name.to_string());
        if display_name.trim().is_empty() || display_name.chars().count() > MAX_DISPLAY_NAME {
            return Err(invalid("display_name", format!("must be 1 to {MAX_DISPLAY_NAME} characters long")));
        }
        if !self.store.ensure_org(name.as_str(), &display_name, now_millis()).await? {
            return Err(OrgError::Exists(format!("org '{name}' exists already")));
        }
        let row = self.store.find_org(name.as_str()).await?;
        // A row just inserted cannot be missing unless the database lost it.
        row.map(org_dto).ok_or(OrgError::Store(sqlx::Error::RowNotFound))
    }
}
