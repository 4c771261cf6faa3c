//! Organizations by id: `GET /cloudapi/1.0.0/orgs/urn:vcloud:org:<uuid>`, as Stratus' service
//! account or with a caller's own token (which lets vCD decide whether the caller may see it).

use reqwest::header::{ACCEPT, AUTHORIZATION};
use serde::Deserialize;

use crate::error::from_status;
use crate::session::{Api, Call};
use crate::types::EntityRef;
use crate::{VcdClient, VcdError};

/// `urn:vcloud:org:<uuid>` for an org uuid or urn; `None` when `id` is neither (so it never
/// reaches a URL path).
pub fn org_urn(id: &str) -> Option<String> {
    let id = id.trim();
    let uuid = id.strip_prefix("urn:vcloud:org:").unwrap_or(id);
    let well_formed = uuid.len() == 36
        && uuid
            .char_indices()
            .all(|(i, c)| if matches!(i, 8 | 13 | 18 | 23) { c == '-' } else { c.is_ascii_hexdigit() });
    well_formed.then(|| format!("urn:vcloud:org:{}", uuid.to_ascii_lowercase()))
}

impl VcdClient {
    /// The org with this uuid or urn, as Stratus' service account sees it.
    pub async fn org_by_id(&self, id: &str) -> Result<EntityRef, VcdError> {
        let urn = org_urn(id).ok_or_else(|| VcdError::NotFound(format!("'{id}' is not an org id")))?;
        let reply = self.execute(&Call::get(Api::Json, format!("/cloudapi/1.0.0/orgs/{urn}"))).await?;
        let org: OrgJson = reply.json()?;
        Ok(EntityRef { name: org.name, id: org.id })
    }

    /// The org with this uuid or urn, as the holder of `token` sees it (a caller's session; no
    /// login with the service account). JWTs go as Bearer, shorter legacy tokens as
    /// `x-vcloud-authorization`.
    pub async fn org_by_id_as(&self, token: &str, id: &str) -> Result<EntityRef, VcdError> {
        let urn = org_urn(id).ok_or_else(|| VcdError::NotFound(format!("'{id}' is not an org id")))?;
        let endpoint = self.endpoint();
        let url = format!("{}/cloudapi/1.0.0/orgs/{urn}", endpoint.url);
        let accept = format!("application/json;version={}", self.api_version(crate::Family::General).await?);
        let request = self.inner.http.get(url).header(ACCEPT, accept);
        let request = if token.len() > 32 {
            request.header(AUTHORIZATION, format!("Bearer {token}"))
        } else {
            request.header("x-vcloud-authorization", token)
        };
        let response = request.send().await.map_err(|e| VcdError::Unreachable(e.to_string()))?;
        let status = response.status();
        let body = response.text().await.map_err(|e| VcdError::Unreachable(e.to_string()))?;
        if !status.is_success() {
            return Err(from_status(status.as_u16(), &body));
        }
        let org: OrgJson =
            serde_json::from_str(&body).map_err(|e| VcdError::Protocol(format!("unreadable org: {e}")))?;
        Ok(EntityRef { name: org.name, id: org.id })
    }
}

/// cloudapi's `Org` (only the fields Stratus reads).
#[derive(Debug, Deserialize)]
struct OrgJson {
    id: String,
    name: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn org_ids_are_uuids_or_urns() {
        let uuid = "5EED0001-0000-4000-8000-000000000001";
        let urn = "urn:vcloud:org:5eed0001-0000-4000-8000-000000000001";
        assert_eq!(org_urn(uuid).as_deref(), Some(urn));
        assert_eq!(org_urn(urn).as_deref(), Some(urn));
        assert_eq!(org_urn(" urn:vcloud:org:5eed0001-0000-4000-8000-000000000001 ").as_deref(), Some(urn));
        for bad in ["", "acme", "urn:vcloud:vm:5eed0001-0000-4000-8000-000000000001", "../../sessions/current"] {
            assert_eq!(org_urn(bad), None, "{bad}");
        }
        assert_eq!(org_urn("5eed0001-0000-4000-8000-00000000000g"), None);
        assert_eq!(org_urn("5eed0001x0000-4000-8000-000000000001"), None);
    }
}
