//! The caller vCD authenticated, as a Stratus [`Principal`].
//!
//! vCD's security context names the org by id (`urn:vcloud:org:<uuid>`); Stratus knows orgs by
//! name. The bridge asks an [`stratus_core::org_directory::OrgDirectory`] (`--amqp-org urn=name`
//! entries, then vCD, cached) for the name; this module turns it into the principal. The System
//! org is the provider; every other org's callers are its tenant admins.

use api_types::Role;

use crate::host::amqp::message::SecurityContext;
use stratus_core::tenancy::Principal;
use stratus_core::vcd::auth::SYSTEM_ORG;

/// The principal for a caller of `org_name`: System is the provider, any other org's callers
/// are its tenant admins (vCD already checked they may reach the extension).
pub fn principal(context: &SecurityContext, org_name: &str) -> Principal {
    if org_name.eq_ignore_ascii_case(SYSTEM_ORG) {
        Principal { role: Role::Provider, org: None, subject: context.user.clone() }
    } else {
        Principal { role: Role::TenantAdmin, org: Some(org_name.to_owned()), subject: context.user.clone() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context(org: &str) -> SecurityContext {
        SecurityContext { user: "urn:vcloud:user:u1".into(), org: org.into(), rights: vec![] }
    }

    #[test]
    fn the_system_org_is_the_provider_and_others_are_tenant_admins() {
        let provider = principal(&context("urn:vcloud:org:s"), "System");
        assert_eq!((provider.role, provider.org), (Role::Provider, None));
        let tenant = principal(&context("urn:vcloud:org:a"), "acme");
        assert_eq!((tenant.role, tenant.org.as_deref()), (Role::TenantAdmin, Some("acme")));
        assert_eq!(tenant.subject, "urn:vcloud:user:u1");
    }
}
