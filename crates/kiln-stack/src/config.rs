//! The OCI image configuration of the build and run images: user, environment and the labels
//! buildpacks platforms (pack, the lifecycle) read.

use crate::definition::StackDefinition;
use crate::rootfs::OsRelease;
use kiln_oci::oci_spec::image::{Arch, Config, ImageConfiguration, Os};
use std::collections::HashMap;

/// Which of the stack's two images.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    Build,
    Run,
}

impl ImageKind {
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            ImageKind::Build => "build",
            ImageKind::Run => "run",
        }
    }
}

/// `created` of both images: the same constant as layer mtimes, so digests do not depend on the day.
const CREATED: &str = "1980-01-01T00:00:01Z";

/// The configuration for `kind` built from `stack` on the distro `release`; layers are added later.
#[must_use]
pub fn image_configuration(stack: &StackDefinition, kind: ImageKind, release: &OsRelease) -> ImageConfiguration {
    let image = match kind {
        ImageKind::Build => &stack.build,
        ImageKind::Run => &stack.run,
    };
    let mut env: Vec<String> = image.env.iter().map(|(key, value)| format!("{key}={value}")).collect();
    if kind == ImageKind::Build {
        // pack refuses a build image without these; the lifecycle drops privileges to them.
        env.push(format!("CNB_USER_ID={}", stack.user.uid));
        env.push(format!("CNB_GROUP_ID={}", stack.user.gid));
    }
    env.sort();

    let mut labels = HashMap::from([
        ("io.buildpacks.base.distro.name".to_string(), release.id.clone()),
        ("io.buildpacks.base.distro.version".to_string(), release.version_id.clone()),
        ("io.buildpacks.stack.id".to_string(), stack.id.clone()),
    ]);
    if kind == ImageKind::Run {
        labels.insert("io.buildpacks.base.id".to_string(), stack.id.clone());
    }

    let mut config = Config::default();
    config.set_user(Some(format!("{}:{}", stack.user.uid, stack.user.gid)));
    config.set_env(Some(env));
    config.set_labels(Some(labels));
    config.set_working_dir(Some(stack.user.home.clone()));

    let mut configuration = ImageConfiguration::default();
    configuration.set_os(Os::Linux);
    configuration.set_architecture(Arch::Amd64);
    configuration.set_created(Some(CREATED.to_string()));
    configuration.set_config(Some(config));
    configuration
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn stack() -> StackDefinition {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../stack/stack.toml");
        StackDefinition::load(&path).expect("stack/stack.toml is valid")
    }

    fn trixie() -> OsRelease {
        OsRelease { id: "debian".to_string(), version_id: "13".to_string() }
    }

    fn label<'a>(configuration: &'a ImageConfiguration, key: &str) -> Option<&'a str> {
        configuration.config().as_ref()?.labels().as_ref()?.get(key).map(String::as_str)
    }

    #[test]
    fn build_image_runs_as_the_stack_user_with_the_cnb_ids() {
        let configuration = image_configuration(&stack(), ImageKind::Build, &trixie());
        let config = configuration.config().as_ref().expect("config");
        assert_eq!(config.user().as_deref(), Some("1000:1000"));
        let env = config.env().as_ref().expect("env");
        assert!(env.contains(&"CNB_USER_ID=1000".to_string()));
        assert!(env.contains(&"CNB_GROUP_ID=1000".to_string()));
        assert!(env.iter().any(|entry| entry.starts_with("PATH=/usr/local/sbin:")));
        assert_eq!(configuration.os(), &Os::Linux);
        assert_eq!(configuration.architecture(), &Arch::Amd64);
    }

    #[test]
    fn both_images_carry_distro_and_stack_labels_and_only_run_has_a_base_id() {
        let stack = stack();
        for kind in [ImageKind::Build, ImageKind::Run] {
            let configuration = image_configuration(&stack, kind, &trixie());
            assert_eq!(label(&configuration, "io.buildpacks.base.distro.name"), Some("debian"));
            assert_eq!(label(&configuration, "io.buildpacks.base.distro.version"), Some("13"));
            assert_eq!(label(&configuration, "io.buildpacks.stack.id"), Some("dev.kiln.stacks.debian-13"));
        }
        let build = image_configuration(&stack, ImageKind::Build, &trixie());
        let run = image_configuration(&stack, ImageKind::Run, &trixie());
        assert_eq!(label(&build, "io.buildpacks.base.id"), None);
        assert_eq!(label(&run, "io.buildpacks.base.id"), Some("dev.kiln.stacks.debian-13"));
    }

    #[test]
    fn run_image_has_no_cnb_build_variables() {
        let configuration = image_configuration(&stack(), ImageKind::Run, &trixie());
        let env = configuration.config().as_ref().and_then(|config| config.env().clone()).expect("env");
        assert!(env.iter().all(|entry| !entry.starts_with("CNB_")), "{env:?}");
        assert!(env.iter().any(|entry| entry.starts_with("PATH=")));
    }
}
