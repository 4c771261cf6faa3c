//! Organisations, roles and the caller's own identity.

use serde::{Deserialize, Serialize};

/// What a caller may do: a provider sees every org, a tenant admin exactly one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    Provider,
    TenantAdmin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Provider => "provider",
            Role::TenantAdmin => "tenant-admin",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "provider" => Some(Role::Provider),
            "tenant-admin" => Some(Role::TenantAdmin),
            _ => None,
        }
    }
}

/// `GET /api/me`: who the API thinks the caller is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Me {
    pub role: Role,
    /// The caller's org; `None` for a provider.
    pub org: Option<String>,
    /// The token's name or the vCD user name.
    pub subject: String,
    /// Orgs this caller may open (one for a tenant admin, all for a provider).
    pub orgs: Vec<String>,
}

/// A tenant organisation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Org {
    pub name: String,
    pub display_name: String,
    pub created_at: String,
}

/// `POST /api/provider/orgs`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrgCreate {
    pub name: String,
    #[serde(default)]
    pub display_name: Option<String>,
}
