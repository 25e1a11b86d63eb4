//! Failing fast: before the source is copied and the lifecycle starts, the target registry
//! must answer and take a push with the credentials kiln has. Without this check a registry
//! that is down, or credentials that may not push, are found only at the end of the build.

use crate::errors::kinded;
use kiln_error::ErrorKind;
use kiln_oci::{ImageRef, PushCheckError, Registry};

pub(crate) async fn check_push(registry: &Registry, image: &ImageRef) -> anyhow::Result<()> {
    registry.check_push(image).await.map_err(|error| {
        let (kind, advice) = match &error {
            PushCheckError::Unreachable { registry, .. } => (
                ErrorKind::RegistryUnreachable,
                format!(
                    "check that the registry at {registry} is running and that this machine reaches it \
                     (a registry that speaks plain HTTP needs --insecure-registry {registry})"
                ),
            ),
            PushCheckError::Unauthorized { registry, .. } => (
                ErrorKind::Unauthorized,
                format!(
                    "log in with `docker login {registry}`: kiln reads docker's config.json from $DOCKER_CONFIG, \
                     else ~/.docker; check that DOCKER_CONFIG points at the directory holding your credentials"
                ),
            ),
            PushCheckError::Forbidden { repository, .. } => (
                ErrorKind::Forbidden,
                format!("use credentials that may push to {repository}, or publish to a repository you may push to"),
            ),
            PushCheckError::Refused { status, .. } if *status >= 500 => {
                (ErrorKind::RegistryUnreachable, "try again later, or ask the registry's operators".to_string())
            }
            PushCheckError::Refused { .. } => {
                (ErrorKind::Forbidden, "publish to a registry and repository that take pushes".to_string())
            }
        };
        kinded(kind, format!("{error}; nothing was built"), advice)
    })
}
