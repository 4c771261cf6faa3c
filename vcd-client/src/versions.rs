//! API version negotiation: which `version=` a call's `Accept` header carries.
//!
//! vCD lists the versions a cell speaks at `GET /api/versions` (no login needed). The client
//! asks once per vCD, then sends each call with the highest version that both sides support and
//! that is at least the call's floor: a call family added in a later release (the external
//! endpoints and API filters of `/ext-api` routing) is refused by vCD when asked with an older
//! version. An endpoint with a fixed `api_version` skips the negotiation (`--vcd-api-version`).

use std::fmt;
use std::str::FromStr;

use crate::VcdError;

/// An API version such as `38.1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ApiVersion {
    pub major: u32,
    pub minor: u32,
}

impl ApiVersion {
    pub const fn new(major: u32, minor: u32) -> ApiVersion {
        ApiVersion { major, minor }
    }
}

impl fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

impl FromStr for ApiVersion {
    type Err = VcdError;

    /// `38.1`, or `38` for `38.0`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid = || VcdError::Protocol(format!("'{text}' is not a vCD API version (e.g. 38.1)"));
        let (major, minor) = text.trim().split_once('.').unwrap_or((text.trim(), "0"));
        Ok(ApiVersion { major: major.parse().map_err(|_| invalid())?, minor: minor.parse().map_err(|_| invalid())? })
    }
}

/// The newest version this client was written against (vCD 10.6.1). A newer cell is asked with
/// this one: payloads of versions the client does not know may differ.
pub const NEWEST_KNOWN: ApiVersion = ApiVersion::new(39, 1);

/// A group of calls with the same lowest usable version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// Sessions, the query service, vApps, edges, UI plugins, extension services: what Stratus
    /// was built and tested against (vCD 10.4, API 37.0) and every later version.
    General,
    /// `/cloudapi/1.0.0/externalEndpoints` and `/apiFilters` (`/ext-api` routing): added in
    /// API 37.3 (vCD 10.4.3); asked with 38.0 (vCD 10.5) or later, as go-vcloud-director does
    /// with 38.1.
    ExternalEndpoints,
}

impl Family {
    /// The family a request path belongs to.
    pub fn of(path: &str) -> Family {
        let external = ["/cloudapi/1.0.0/externalEndpoints", "/cloudapi/1.0.0/apiFilters"];
        if external.iter().any(|prefix| path.starts_with(prefix)) { Family::ExternalEndpoints } else { Family::General }
    }

    /// The lowest version calls of this family are sent with.
    pub fn floor(self) -> ApiVersion {
        match self {
            Family::General => ApiVersion::new(37, 0),
            Family::ExternalEndpoints => ApiVersion::new(38, 0),
        }
    }

    /// What the family is for, in an error message.
    pub fn describe(self) -> &'static str {
        match self {
            Family::General => "Stratus",
            Family::ExternalEndpoints => "/ext-api routing (external endpoints and API filters)",
        }
    }
}

/// The highest of `offered` that the client knows and `family` may use.
pub fn choose(offered: &[ApiVersion], family: Family, vcd: &str) -> Result<ApiVersion, VcdError> {
    let usable = offered.iter().copied().filter(|v| *v <= NEWEST_KNOWN).max();
    match usable {
        Some(version) if version >= family.floor() => Ok(version),
        _ => Err(VcdError::TooOld(format!(
            "{} needs vCD API version {} or later; the vCD at {vcd} speaks up to {}",
            family.describe(),
            family.floor(),
            offered.iter().max().map_or_else(|| "none".to_owned(), ToString::to_string),
        ))),
    }
}

/// The versions in a `SupportedVersions` document (`GET /api/versions`), deprecated ones
/// included: vCD still answers them.
pub fn parse_supported(body: &str) -> Result<Vec<ApiVersion>, VcdError> {
    let doc = crate::xml::parse(body)?;
    let mut versions: Vec<ApiVersion> = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "VersionInfo")
        .filter_map(|info| crate::xml::child_text(info, "Version"))
        .filter_map(|text| text.parse().ok())
        .collect();
    if versions.is_empty() {
        return Err(VcdError::Protocol("GET /api/versions listed no API versions".to_owned()));
    }
    versions.sort();
    versions.dedup();
    Ok(versions)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> ApiVersion {
        text.parse().unwrap()
    }

    #[test]
    fn versions_parse_and_order_numerically() {
        assert_eq!(v("38.1"), ApiVersion::new(38, 1));
        assert_eq!(v("38"), ApiVersion::new(38, 0));
        assert!(v("37.10") > v("37.3"));
        assert_eq!(v("39.0").to_string(), "39.0");
        assert!("x".parse::<ApiVersion>().is_err());
        assert!("38.x".parse::<ApiVersion>().is_err());
    }

    #[test]
    fn families_follow_the_path() {
        assert_eq!(Family::of("/cloudapi/1.0.0/externalEndpoints/urn:x"), Family::ExternalEndpoints);
        assert_eq!(Family::of("/cloudapi/1.0.0/apiFilters"), Family::ExternalEndpoints);
        assert_eq!(Family::of("/cloudapi/extensions/ui"), Family::General);
        assert_eq!(Family::of("/api/admin/extension/service"), Family::General);
    }

    #[test]
    fn the_highest_common_version_above_the_floor_wins() {
        let offered: Vec<ApiVersion> = ["36.0", "37.0", "38.0", "38.1", "40.0"].map(v).to_vec();
        assert_eq!(choose(&offered, Family::General, "vcd").unwrap(), v("38.1"), "40.0 is newer than the client");
        assert_eq!(choose(&offered, Family::ExternalEndpoints, "vcd").unwrap(), v("38.1"));
        let old: Vec<ApiVersion> = ["36.0", "37.0", "37.2"].map(v).to_vec();
        assert_eq!(choose(&old, Family::General, "vcd").unwrap(), v("37.2"));
        let error = choose(&old, Family::ExternalEndpoints, "https://vcd.example.com").unwrap_err();
        let message = error.to_string();
        assert!(message.contains("37.2") && message.contains("38.0"), "{message}");
        assert!(message.contains("https://vcd.example.com") && message.contains("/ext-api"), "{message}");
        assert!(choose(&["35.0"].map(v), Family::General, "vcd").is_err());
    }

    #[test]
    fn supported_versions_are_read_from_the_xml() {
        let body = r#"<?xml version="1.0" encoding="UTF-8"?>
            <SupportedVersions xmlns="http://www.vmware.com/vcloud/versions">
              <VersionInfo deprecated="true"><Version>36.0</Version><LoginUrl>https://v/api/sessions</LoginUrl></VersionInfo>
              <VersionInfo deprecated="false"><Version>38.1</Version><LoginUrl>https://v/api/sessions</LoginUrl></VersionInfo>
              <VersionInfo deprecated="false"><Version>37.3</Version><LoginUrl>https://v/api/sessions</LoginUrl></VersionInfo>
            </SupportedVersions>"#;
        assert_eq!(parse_supported(body).unwrap(), ["36.0", "37.3", "38.1"].map(v).to_vec());
        assert!(parse_supported("<SupportedVersions/>").is_err());
        assert!(parse_supported("not xml").is_err());
    }
}
