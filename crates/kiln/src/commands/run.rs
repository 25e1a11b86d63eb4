//! `kiln run`: an image's default process under runc, on the host network, as the image's
//! non-root user, until it exits or kiln is interrupted.

use crate::output::Output;
use anyhow::{bail, Context};
use kiln_function::{ADDRESS_ENV, PORT_ENV};
use kiln_oci::{ImageRef, Registry, RegistryOptions};
use kiln_platform::build_env::parse_env_args;
use kiln_platform::{unpacked, Cache, UnpackedImage};
use kiln_runc::{ContainerSpec, Stdio, User};
use std::path::Path;
use std::process::ExitCode;

#[derive(clap::Args)]
pub(crate) struct Args {
    /// Image to run, e.g. 127.0.0.1:5000/apps/hello:1.
    image: String,
    /// Port the app listens on, passed as PORT. The host network is shared: the app answers
    /// on this port of the host.
    #[arg(long, default_value_t = kiln_function::DEFAULT_PORT)]
    port: u16,
    /// Address the function server listens on, passed as `FUNC_ADDRESS`. The host network is
    /// shared, so the default keeps it on this machine; 0.0.0.0 exposes it to the network.
    #[arg(long, default_value = "127.0.0.1")]
    address: String,
    /// Extra environment (repeatable): NAME=VALUE, or NAME for kiln's own value of NAME;
    /// overrides the image's.
    #[arg(long = "env", value_name = "NAME[=VALUE]")]
    env: Vec<String>,
    /// Registry to reach over plain HTTP (loopback registries always are). Repeatable.
    #[arg(long = "insecure-registry", value_name = "HOST[:PORT]")]
    insecure_registries: Vec<String>,
}

pub(crate) async fn run(args: Args, out: &Output) -> anyhow::Result<ExitCode> {
    let reference: ImageRef =
        args.image.parse().with_context(|| format!("`{}` is not an image reference", args.image))?;
    let registry = Registry::new(RegistryOptions { insecure_registries: args.insecure_registries.clone() });
    let cache = Cache::locate()?;
    out.phase(&format!("Preparing {reference}"));
    let image = unpacked(&registry, &reference, &cache, out).await?;
    let spec = container_spec(&image, &args)?;
    out.phase(&format!("Running {reference} on {}:{} (Ctrl-C stops it)", args.address, args.port));
    let code = kiln_runc::run(&spec, "run", Stdio::Inherit).await?;
    Ok(ExitCode::from(u8::try_from(code).unwrap_or(1)))
}

fn container_spec(image: &UnpackedImage, args: &Args) -> anyhow::Result<ContainerSpec> {
    let config = image.config.config().clone().unwrap_or_default();
    let command: Vec<String> = config
        .entrypoint()
        .clone()
        .unwrap_or_default()
        .into_iter()
        .chain(config.cmd().clone().unwrap_or_default())
        .collect();
    if command.is_empty() {
        bail!("{} has no entrypoint or command to run", args.image);
    }
    let user = image_user(config.user().as_deref().unwrap_or(""), &image.rootfs)?;
    let mut env = image.env();
    let listen = [(PORT_ENV.to_string(), args.port.to_string()), (ADDRESS_ENV.to_string(), args.address.clone())];
    for (name, value) in listen.into_iter().chain(parse_env_args(&args.env)?) {
        env.retain(|existing| !existing.starts_with(&format!("{name}=")));
        env.push(format!("{name}={value}"));
    }
    Ok(ContainerSpec {
        rootfs: image.rootfs.clone(),
        args: command,
        env,
        cwd: config.working_dir().clone().filter(|dir| !dir.is_empty()).unwrap_or_else(|| "/".to_string()),
        user,
        mounts: Vec::new(),
        scratch_dirs: vec!["/tmp".to_string()],
        hostname: "kiln-app".to_string(),
    })
}

/// The image's `User` (`uid[:gid]` or a name from its /etc/passwd), which must not be root.
fn image_user(user: &str, rootfs: &Path) -> anyhow::Result<User> {
    let (name, group) = user.split_once(':').map_or((user, None), |(n, g)| (n, Some(g)));
    let passwd = std::fs::read_to_string(rootfs.join("etc/passwd")).unwrap_or_default();
    let from_passwd = passwd.lines().find_map(|line| {
        let fields: Vec<&str> = line.split(':').collect();
        (fields.first() == Some(&name)).then(|| Some((fields.get(2)?.parse().ok()?, fields.get(3)?.parse().ok()?)))?
    });
    let (uid, default_gid): (u32, u32) = match (name.parse::<u32>(), from_passwd) {
        (Ok(uid), _) => (uid, uid),
        (Err(_), Some(ids)) => ids,
        (Err(_), None) if name.is_empty() => (0, 0),
        (Err(_), None) => bail!("the image's user `{name}` is not in its /etc/passwd"),
    };
    let gid = match group {
        Some(group) => group.parse().with_context(|| format!("the image's group `{group}` is not numeric"))?,
        None => default_gid,
    };
    if uid == 0 {
        bail!("the image runs as root; kiln runs apps only as a non-root user: build it with a run image whose user is not root (kiln's stack uses 1000:1000)");
    }
    Ok(User { uid, gid })
}

#[cfg(test)]
mod tests {
    use super::*;
    use kiln_oci::oci_spec::image::{ConfigBuilder, ImageConfigurationBuilder};

    fn args(extra: &[&str]) -> Args {
        #[derive(clap::Parser)]
        struct Cli {
            #[command(flatten)]
            args: Args,
        }
        let argv = ["kiln-run", "127.0.0.1:5000/apps/a:1"].into_iter().chain(extra.iter().copied());
        <Cli as clap::Parser>::parse_from(argv).args
    }

    fn image(env: &[&str]) -> UnpackedImage {
        let config = ConfigBuilder::default()
            .user("1000:1000")
            .entrypoint(vec!["/cnb/process/web".to_string()])
            .env(env.iter().map(ToString::to_string).collect::<Vec<_>>())
            .build()
            .expect("config");
        UnpackedImage {
            digest: "sha256:00".to_string(),
            rootfs: std::path::PathBuf::from("/nonexistent"),
            config: ImageConfigurationBuilder::default().config(config).build().expect("image config"),
        }
    }

    #[test]
    fn functions_listen_on_loopback_unless_asked_otherwise() {
        let spec = container_spec(&image(&["PATH=/bin", "FUNC_ADDRESS=0.0.0.0"]), &args(&[])).expect("spec");
        assert!(spec.env.contains(&"FUNC_ADDRESS=127.0.0.1".to_string()), "{:?}", spec.env);
        assert!(spec.env.contains(&"PORT=8080".to_string()), "{:?}", spec.env);
        assert!(!spec.env.contains(&"FUNC_ADDRESS=0.0.0.0".to_string()), "the image's value is replaced");
        let exposed = container_spec(&image(&[]), &args(&["--address", "0.0.0.0", "--port", "9000"])).expect("spec");
        assert!(exposed.env.contains(&"FUNC_ADDRESS=0.0.0.0".to_string()), "{:?}", exposed.env);
        assert!(exposed.env.contains(&"PORT=9000".to_string()), "{:?}", exposed.env);
        let overridden = container_spec(&image(&[]), &args(&["--env", "FUNC_ADDRESS=::1"])).expect("spec");
        assert_eq!(overridden.env.iter().filter(|pair| pair.starts_with("FUNC_ADDRESS=")).count(), 1);
        assert!(overridden.env.contains(&"FUNC_ADDRESS=::1".to_string()), "--env wins: {:?}", overridden.env);
    }

    #[test]
    fn numeric_users_and_names_from_passwd() {
        let rootfs = tempfile::tempdir().expect("rootfs");
        std::fs::create_dir(rootfs.path().join("etc")).expect("etc");
        std::fs::write(
            rootfs.path().join("etc/passwd"),
            "root:x:0:0::/root:/bin/sh\ncnb:x:1000:1001::/home/cnb:/bin/sh\n",
        )
        .expect("passwd");
        assert_eq!(image_user("1000:1000", rootfs.path()).expect("numeric"), User { uid: 1000, gid: 1000 });
        assert_eq!(image_user("cnb", rootfs.path()).expect("name"), User { uid: 1000, gid: 1001 });
        assert!(image_user("root", rootfs.path()).is_err());
        assert!(image_user("", rootfs.path()).is_err());
        assert!(image_user("nobody-here", rootfs.path()).is_err());
    }
}
