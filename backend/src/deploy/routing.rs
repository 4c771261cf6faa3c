//! How vCD reaches the backend: the external endpoint `stratus:stratus:<version>` with its
//! `EXT_API` filter, or the AMQP extension service `stratus` with its `/api/stratus/.*` filter.
//! Deploying one mode removes the other's registrations.

use vcd_client::{
    ApiFilter, EntityRef, ExtensionService, ExtensionServiceSpec, ExternalEndpoint, Family, UrlMatcher, VcdClient,
    VcdError,
};

use crate::deploy::{
    AMQP_PATTERN, DeployError, During as _, ENDPOINT_VERSION, EXT_API_PATTERN, EXT_API_SCOPE, EXTENSION_NAME, Progress,
};

/// Creates or updates the external endpoint for this version and its one API filter; endpoints of
/// other versions are removed.
pub(crate) async fn ensure_endpoint(
    client: &VcdClient,
    root_url: &str,
    progress: &mut dyn Progress,
) -> Result<(), DeployError> {
    let ours = endpoints(client).await?;
    let filters = client.api_filters().await.during(|| "listing API filters".into())?;
    let mut current = None;
    for endpoint in ours {
        if endpoint.version == ENDPOINT_VERSION {
            current = Some(endpoint);
        } else {
            remove_endpoint(client, &endpoint, &filters).await?;
            progress.step(&format!("removed the external endpoint of version {} ({})", endpoint.version, endpoint.id));
        }
    }
    let wanted = ExternalEndpoint {
        id: current.as_ref().map(|e| e.id.clone()).unwrap_or_default(),
        name: EXTENSION_NAME.into(),
        vendor: EXTENSION_NAME.into(),
        version: ENDPOINT_VERSION.into(),
        enabled: true,
        description: Some("Stratus API for its vCD UI plugin".into()),
        root_url: root_url.to_owned(),
    };
    let endpoint = match current {
        Some(existing) if existing == wanted => {
            progress.step(&format!("external endpoint {} → {root_url} (unchanged)", existing.id));
            existing
        }
        Some(_) => {
            let updated =
                client.update_external_endpoint(&wanted).await.during(|| "updating the external endpoint".into())?;
            progress.step(&format!("external endpoint {} → {root_url} (updated)", updated.id));
            updated
        }
        None => {
            let created =
                client.create_external_endpoint(&wanted).await.during(|| "creating the external endpoint".into())?;
            progress.step(&format!("external endpoint {} → {root_url}", created.id));
            created
        }
    };
    ensure_endpoint_filter(client, &endpoint, &filters, progress).await
}

/// Leaves exactly one filter on the endpoint: `/stratus/.*` in scope `EXT_API`.
async fn ensure_endpoint_filter(
    client: &VcdClient,
    endpoint: &ExternalEndpoint,
    filters: &[ApiFilter],
    progress: &mut dyn Progress,
) -> Result<(), DeployError> {
    let matcher = UrlMatcher { url_pattern: EXT_API_PATTERN.into(), url_scope: EXT_API_SCOPE.into() };
    let mut ours: Vec<&ApiFilter> = filters.iter().filter(|f| f.external_system.id == endpoint.id).collect();
    // Keep the filter that already matches, else reuse the first one.
    ours.sort_by_key(|f| f.url_matcher.as_ref() != Some(&matcher));
    let mut ours = ours.into_iter();
    let wanted = ApiFilter {
        id: String::new(),
        external_system: EntityRef { name: endpoint.name.clone(), id: endpoint.id.clone() },
        url_matcher: Some(matcher),
    };
    let shown = format!("API filter /ext-api{EXT_API_PATTERN} → {}", endpoint.root_url);
    match ours.next() {
        Some(existing) if existing.url_matcher == wanted.url_matcher => {
            progress.step(&format!("{shown} (unchanged)"));
        }
        Some(existing) => {
            let update = ApiFilter { id: existing.id.clone(), ..wanted };
            client.update_api_filter(&update).await.during(|| "updating the API filter".into())?;
            progress.step(&format!("{shown} (updated)"));
        }
        None => {
            client.create_api_filter(&wanted).await.during(|| "creating the API filter".into())?;
            progress.step(&shown);
        }
    }
    for extra in ours {
        client.delete_api_filter(&extra.id).await.during(|| format!("deleting API filter {}", extra.id))?;
        progress.step(&format!("removed the extra API filter {}", extra.id));
    }
    Ok(())
}

/// Removes every `stratus` external endpoint with its API filters; returns how many.
pub(crate) async fn remove_endpoints(client: &VcdClient, progress: &mut dyn Progress) -> Result<usize, DeployError> {
    // A vCD too old for external endpoints (as Stratus asks for them) has none of ours.
    if let Err(too_old @ VcdError::TooOld(_)) = client.api_version(Family::ExternalEndpoints).await {
        progress.step(&format!("skipped external endpoints: {too_old}"));
        return Ok(0);
    }
    let ours = endpoints(client).await?;
    if ours.is_empty() {
        return Ok(0);
    }
    let filters = client.api_filters().await.during(|| "listing API filters".into())?;
    for endpoint in &ours {
        let count = remove_endpoint(client, endpoint, &filters).await?;
        progress.step(&format!("removed external endpoint {} and {count} API filter(s)", endpoint.id));
    }
    Ok(ours.len())
}

/// Deletes the endpoint's filters, then the endpoint (disabled first); returns how many filters.
async fn remove_endpoint(
    client: &VcdClient,
    endpoint: &ExternalEndpoint,
    filters: &[ApiFilter],
) -> Result<usize, DeployError> {
    let mine: Vec<&ApiFilter> = filters.iter().filter(|f| f.external_system.id == endpoint.id).collect();
    for filter in &mine {
        client.delete_api_filter(&filter.id).await.during(|| format!("deleting API filter {}", filter.id))?;
    }
    client.delete_external_endpoint(endpoint).await.during(|| format!("deleting external endpoint {}", endpoint.id))?;
    Ok(mine.len())
}

async fn endpoints(client: &VcdClient) -> Result<Vec<ExternalEndpoint>, DeployError> {
    let all = client.external_endpoints().await.during(|| "listing external endpoints".into())?;
    Ok(all.into_iter().filter(|e| e.name == EXTENSION_NAME && e.vendor == EXTENSION_NAME).collect())
}

/// Registers the extension service or updates it in place, with exactly the `/api/stratus/.*` filter.
pub(crate) async fn ensure_service(
    client: &VcdClient,
    exchange: &str,
    routing_key: &str,
    progress: &mut dyn Progress,
) -> Result<(), DeployError> {
    let spec = ExtensionServiceSpec {
        name: EXTENSION_NAME.into(),
        namespace: EXTENSION_NAME.into(),
        exchange: exchange.to_owned(),
        routing_key: routing_key.to_owned(),
        enabled: true,
        api_filters: vec![AMQP_PATTERN.into()],
    };
    let shown = format!("extension service {EXTENSION_NAME} (exchange {exchange}, routing key {routing_key})");
    let Some(existing) = service(client).await? else {
        client.register_extension_service(&spec).await.during(|| "registering the extension service".into())?;
        progress.step(&format!("{shown}, API filter {AMQP_PATTERN}"));
        return Ok(());
    };
    let unchanged = existing.enabled && existing.exchange == exchange && existing.routing_key == routing_key;
    if unchanged {
        progress.step(&format!("{shown} (unchanged)"));
    } else {
        client
            .update_extension_service(&existing.id, &spec)
            .await
            .during(|| "updating the extension service".into())?;
        progress.step(&format!("{shown} (updated)"));
    }
    let filters = client
        .extension_service_api_filters(&existing.id)
        .await
        .during(|| "listing the service's API filters".into())?;
    if !filters.iter().any(|f| f.url_pattern == AMQP_PATTERN) {
        client
            .add_extension_service_api_filter(&existing.id, AMQP_PATTERN)
            .await
            .during(|| "adding the service's API filter".into())?;
    }
    for extra in filters.iter().filter(|f| f.url_pattern != AMQP_PATTERN) {
        client
            .delete_extension_service_api_filter(&extra.id)
            .await
            .during(|| format!("deleting API filter {}", extra.url_pattern))?;
        progress.step(&format!("removed the extra API filter {}", extra.url_pattern));
    }
    progress.step(&format!("API filter {AMQP_PATTERN} → extension service {EXTENSION_NAME}"));
    Ok(())
}

/// Removes the `stratus` extension service (disabled first); returns 1 if there was one.
pub(crate) async fn remove_service(client: &VcdClient, progress: &mut dyn Progress) -> Result<usize, DeployError> {
    let Some(existing) = service(client).await? else { return Ok(0) };
    client.delete_extension_service(&existing).await.during(|| "deleting the extension service".into())?;
    progress.step(&format!("removed extension service {} (namespace {})", existing.name, existing.namespace));
    Ok(1)
}

async fn service(client: &VcdClient) -> Result<Option<ExtensionService>, DeployError> {
    let services = client.extension_services().await.during(|| "listing extension services".into())?;
    Ok(services.into_iter().find(|s| s.namespace == EXTENSION_NAME))
}
