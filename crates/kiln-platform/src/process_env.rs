//! `--env-from-process`: kiln's own environment as build env, for a step whose build env
//! arrives as container environment (a Shipwright Build's `env` is set on every step; nothing
//! marks which variables it set). What the container, Kubernetes, the shell or kiln itself put
//! there is left out.

/// Names set by the container runtime, the shell or Kubernetes (`KUBERNETES_*` service links).
const CONTAINER_NAMES: [&str; 8] = ["PATH", "HOME", "HOSTNAME", "PWD", "OLDPWD", "SHLVL", "TERM", "_"];
/// kiln's and the lifecycle's own settings, which configure the build rather than being part of it.
const PLATFORM_NAMES: [&str; 4] = ["KILN_CACHE_DIR", "KILN_SCRATCH_DIR", "KILN_BUILDER", "DOCKER_CONFIG"];
const LEFT_OUT_PREFIXES: [&str; 2] = ["KUBERNETES_", "CNB_"];

/// `--env` arguments (`NAME=VALUE`) for the variables of `environment` that are build env.
#[must_use]
pub fn build_env_from(environment: impl Iterator<Item = (String, String)>) -> Vec<String> {
    let mut args: Vec<String> =
        environment.filter(|(name, _)| is_build_env(name)).map(|(name, value)| format!("{name}={value}")).collect();
    args.sort();
    args
}

fn is_build_env(name: &str) -> bool {
    !CONTAINER_NAMES.contains(&name)
        && !PLATFORM_NAMES.contains(&name)
        && !LEFT_OUT_PREFIXES.iter().any(|prefix| name.starts_with(prefix))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_builds_own_variables_become_build_env() {
        let environment = [
            ("FUNC_NAME", "HelloWorld"),
            ("PATH", "/usr/bin"),
            ("KUBERNETES_SERVICE_HOST", "127.200.0.1"),
            ("CNB_PLATFORM_API", "0.13"),
            ("KILN_CACHE_DIR", "/kiln-cache"),
            ("KILN_INVENTORY", "http://127.0.0.1:1/inventory.toml"),
            ("GOFLAGS", "-mod=vendor"),
        ]
        .map(|(name, value)| (name.to_string(), value.to_string()));
        assert_eq!(
            build_env_from(environment.into_iter()),
            ["FUNC_NAME=HelloWorld", "GOFLAGS=-mod=vendor", "KILN_INVENTORY=http://127.0.0.1:1/inventory.toml"]
        );
    }
}
