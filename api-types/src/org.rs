//! Organisations, roles and the caller's own identity.

use serde::{Deserialize, Serialize};

/// The header the app, inside the vCD portal, also sends its vCD session token in (the bare
/// token, JWT or legacy). vCD's `/ext-api` proxy is not documented to forward the caller's
/// `Authorization`; this one Stratus reads first, and checks with vCD like any vCD token.
pub const VCD_TOKEN_HEADER: &str = "x-stratus-vcd-token";

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
    /// 1 to 64 letters, digits, `-`, `_` and `.`, starting with a letter or digit (it appears in
    /// URL paths); not the name of an existing org.
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 64, pattern = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", example = "acme")
    )]
    pub name: String,
    /// Not blank, at most 256 bytes (UTF-8); default: `name`.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 256,
            pattern = r"^[\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*[^\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000][\s\S]*$"
        )
    )]
    pub display_name: Option<String>,
}
