//! Orgs and who may see them.

use api_types::Role;

/// A validated org name: 1–64 characters of letters, digits, `-`, `_` and `.`, starting with a
/// letter or digit. The name appears in URL paths, so nothing else is allowed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OrgName(String);

impl OrgName {
    pub fn parse(s: &str) -> Result<Self, String> {
        if s.is_empty() || s.len() > 64 {
            return Err("must be 1 to 64 characters long".into());
        }
        let mut chars = s.chars();
        let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric());
        let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if first_ok && rest_ok {
            Ok(Self(s.to_owned()))
        } else {
            Err("may hold only letters, digits, '-', '_' and '.', and must start with a letter or digit".into())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for OrgName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub role: Role,
    /// The tenant admin's org; `None` for a provider.
    pub org: Option<String>,
    /// Token name or vCD user name, for logs and `GET /api/me`.
    pub subject: String,
}

impl Principal {
    /// Whether this caller may act inside `org`. A provider may act in every org.
    pub fn may_access(&self, org: &str) -> bool {
        match self.role {
            Role::Provider => true,
            Role::TenantAdmin => self.org.as_deref() == Some(org),
        }
    }

    pub fn is_provider(&self) -> bool {
        self.role == Role::Provider
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn org_names_are_url_safe() {
        assert!(OrgName::parse("acme").is_ok());
        assert!(OrgName::parse("Acme-Corp_2.eu").is_ok());
        assert!(OrgName::parse("").is_err());
        assert!(OrgName::parse("-acme").is_err());
        assert!(OrgName::parse("ac/me").is_err());
        assert!(OrgName::parse("ac me").is_err());
        assert!(OrgName::parse(&"a".repeat(65)).is_err());
    }

    #[test]
    fn tenant_admins_reach_only_their_org() {
        let tenant = Principal { role: Role::TenantAdmin, org: Some("acme".into()), subject: "t".into() };
        assert!(tenant.may_access("acme"));
        assert!(!tenant.may_access("globex"));
        let provider = Principal { role: Role::Provider, org: None, subject: "p".into() };
        assert!(provider.may_access("globex"));
    }
}
