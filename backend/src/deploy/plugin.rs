//! The UI plugin: replace (delete, register), upload the zip, wait until vCD accepts it, publish
//! it to the chosen tenants; and removal.

use std::time::Duration;

use vcd_client::{EntityRef, UiPlugin, VcdClient};

use crate::deploy::{DeployError, During as _, PluginPackage, Progress, Tenants, human_size};

/// The orgs `tenants` names, looked up in vCD; `None` means all of them.
pub(crate) async fn resolve_tenants(
    client: &VcdClient,
    tenants: &Tenants,
) -> Result<Option<Vec<EntityRef>>, DeployError> {
    let Tenants::Only(names) = tenants else { return Ok(None) };
    let orgs = client.tenant_orgs().await.during(|| "listing the tenant orgs".into())?;
    let mut chosen = Vec::new();
    for name in names {
        let Some(org) = orgs.iter().find(|o| o.name.eq_ignore_ascii_case(name)) else {
            let known: Vec<&str> = orgs.iter().map(|o| o.name.as_str()).collect();
            return Err(DeployError::Invalid(format!("no tenant org named '{name}' (vCD has: {})", known.join(", "))));
        };
        if !chosen.contains(org) {
            chosen.push(org.clone());
        }
    }
    Ok(Some(chosen))
}

/// Registers the plugin, uploads the zip and waits until it is ready; returns the plugin's id.
/// A plugin already there with the same name and vendor (any version) is deleted first, as
/// VMware's own deployer does: vCD documents uploading a zip to a new plugin resource only.
/// [`publish`] then publishes the new one to the same tenants.
pub(crate) async fn install(
    client: &VcdClient,
    package: &PluginPackage,
    ready_timeout: Duration,
    progress: &mut dyn Progress,
) -> Result<String, DeployError> {
    let metadata = package.metadata();
    let label = format!("{} {}", metadata.plugin_name, metadata.version);
    for existing in find(client, &metadata.plugin_name, &metadata.vendor).await? {
        delete(client, &existing).await?;
        let old = format!("{} {}", existing.metadata.plugin_name, existing.metadata.version);
        progress.step(&format!("removed plugin {old} ({}) to replace it", existing.id));
    }
    let plugin = client.create_ui_plugin(&metadata).await.during(|| format!("registering plugin {label}"))?;
    progress.step(&format!("registered plugin {label} ({})", plugin.id));
    client
        .upload_ui_plugin(&plugin.id, &package.file_name(), &package.bytes)
        .await
        .during(|| format!("uploading {}", package.path.display()))?;
    client.wait_ui_plugin_ready(&plugin.id, ready_timeout).await.during(|| format!("waiting for plugin {label}"))?;
    progress.step(&format!("uploaded plugin {label} ({}), ready", human_size(package.bytes.len())));
    Ok(plugin.id)
}

/// Publishes to all tenants (`None`) or exactly to `tenants`, unpublishing the others.
pub(crate) async fn publish(
    client: &VcdClient,
    id: &str,
    tenants: Option<&[EntityRef]>,
    progress: &mut dyn Progress,
) -> Result<(), DeployError> {
    let Some(wanted) = tenants else {
        client.publish_ui_plugin_all(id).await.during(|| "publishing the plugin to all tenants".into())?;
        let now = client.ui_plugin_tenants(id).await.during(|| "listing the plugin's tenants".into())?;
        progress.step(&format!("published to all tenants: {}", names(&now)));
        return Ok(());
    };
    let current = client.ui_plugin_tenants(id).await.during(|| "listing the plugin's tenants".into())?;
    let stale: Vec<EntityRef> = current.iter().filter(|c| !wanted.iter().any(|w| w.id == c.id)).cloned().collect();
    if !stale.is_empty() {
        client.unpublish_ui_plugin(id, &stale).await.during(|| "unpublishing the plugin".into())?;
        progress.step(&format!("unpublished from {}", names(&stale)));
    }
    client.publish_ui_plugin(id, wanted).await.during(|| format!("publishing the plugin to {}", names(wanted)))?;
    progress.step(&format!("published to {}", names(wanted)));
    Ok(())
}

/// Unpublishes and deletes every plugin called `name` by `vendor`; returns how many.
pub(crate) async fn remove(
    client: &VcdClient,
    name: &str,
    vendor: &str,
    progress: &mut dyn Progress,
) -> Result<usize, DeployError> {
    let plugins = find(client, name, vendor).await?;
    for plugin in &plugins {
        let tenants = client.ui_plugin_tenants(&plugin.id).await.during(|| "listing the plugin's tenants".into())?;
        if !tenants.is_empty() {
            client.unpublish_ui_plugin_all(&plugin.id).await.during(|| "unpublishing the plugin".into())?;
            progress.step(&format!("unpublished plugin {name} from {}", names(&tenants)));
        }
        delete(client, plugin).await?;
        progress.step(&format!("removed plugin {name} {} ({})", plugin.metadata.version, plugin.id));
    }
    Ok(plugins.len())
}

async fn find(client: &VcdClient, name: &str, vendor: &str) -> Result<Vec<UiPlugin>, DeployError> {
    let plugins = client.ui_plugins().await.during(|| "listing UI plugins".into())?;
    Ok(plugins.into_iter().filter(|p| p.metadata.plugin_name == name && p.metadata.vendor == vendor).collect())
}

async fn delete(client: &VcdClient, plugin: &UiPlugin) -> Result<(), DeployError> {
    client.delete_ui_plugin(&plugin.id).await.during(|| format!("deleting plugin {}", plugin.id))
}

fn names(orgs: &[EntityRef]) -> String {
    if orgs.is_empty() {
        return "none".into();
    }
    orgs.iter().map(|o| o.name.as_str()).collect::<Vec<_>>().join(", ")
}
