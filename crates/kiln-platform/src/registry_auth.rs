//! `CNB_REGISTRY_AUTH` for the lifecycle: the `Authorization` header for each registry the
//! build talks to, from the user's docker `config.json`. It travels in the lifecycle's process
//! environment only, never in the platform directory or the image.

use anyhow::Context;
use std::collections::BTreeMap;

/// `None` when no credentials are configured for any of the registries.
pub(crate) fn registry_auth_json<'a>(registries: impl Iterator<Item = &'a str>) -> anyhow::Result<Option<String>> {
    let mut headers = BTreeMap::new();
    for registry in registries {
        if headers.contains_key(registry) {
            continue;
        }
        let credentials = kiln_oci::auth::credentials_for(registry)
            .with_context(|| format!("cannot read credentials for {registry} from docker config.json"))?;
        if let Some(credentials) = credentials {
            headers.insert(registry.to_string(), credentials.authorization_header());
        }
    }
    if headers.is_empty() {
        return Ok(None);
    }
    Ok(Some(serde_json::to_string(&headers)?))
}
