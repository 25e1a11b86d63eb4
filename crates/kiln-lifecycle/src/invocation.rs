//! The creator's command line and the registry settings in its environment: the same whether
//! it runs under runc ([`crate::Creator`]) or directly inside the builder ([`crate::DirectCreator`]).

/// Where the creator finds and puts things, as paths it sees.
pub(crate) struct CreatorPaths<'a> {
    pub(crate) app: &'a str,
    pub(crate) layers: &'a str,
    pub(crate) cache: &'a str,
    pub(crate) platform: &'a str,
}

/// The creator's path and arguments to publish `image`.
pub(crate) fn creator_args(paths: &CreatorPaths<'_>, image: &str) -> Vec<String> {
    vec![
        "/cnb/lifecycle/creator".to_string(),
        format!("-app={}", paths.app),
        format!("-layers={}", paths.layers),
        format!("-cache-dir={}", paths.cache),
        format!("-platform={}", paths.platform),
        "-log-level=info".to_string(),
        image.to_string(),
    ]
}

/// `CNB_REGISTRY_AUTH` and `CNB_INSECURE_REGISTRIES`, as `NAME=value`, when there are any.
pub(crate) fn registry_env(registry_auth: Option<&str>, insecure_registries: &[String]) -> Vec<String> {
    let mut env = Vec::new();
    if let Some(auth) = registry_auth {
        env.push(format!("CNB_REGISTRY_AUTH={auth}"));
    }
    if !insecure_registries.is_empty() {
        env.push(format!("CNB_INSECURE_REGISTRIES={}", insecure_registries.join(",")));
    }
    env
}
