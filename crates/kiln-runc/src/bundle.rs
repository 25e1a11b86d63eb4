//! The OCI runtime bundle (`config.json`) that runc reads.

use serde_json::{json, Value};
use std::path::PathBuf;

/// What to run and what it may see.
#[derive(Debug, Clone)]
pub struct ContainerSpec {
    /// Unpacked image root. Mounted read-only: it is cached per image digest and shared by runs.
    pub rootfs: PathBuf,
    pub args: Vec<String>,
    /// `NAME=value` pairs, exactly as the process sees them.
    pub env: Vec<String>,
    pub cwd: String,
    pub user: User,
    pub mounts: Vec<BindMount>,
    /// Empty writable directories backed by memory (e.g. `/tmp`), gone when the process ends.
    /// runc gives each the mode of the directory it covers in the image.
    pub scratch_dirs: Vec<String>,
    pub hostname: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct User {
    pub uid: u32,
    pub gid: u32,
}

impl User {
    /// This process's effective uid and gid, read from /proc (no `unsafe` libc call).
    #[must_use]
    pub fn current() -> Option<Self> {
        let status = std::fs::read_to_string("/proc/self/status").ok()?;
        let effective = |field: &str| -> Option<u32> {
            status.lines().find_map(|line| line.strip_prefix(field))?.split_whitespace().nth(1)?.parse().ok()
        };
        Some(Self { uid: effective("Uid:")?, gid: effective("Gid:")? })
    }
}

#[derive(Debug, Clone)]
pub struct BindMount {
    pub source: PathBuf,
    pub destination: String,
    pub read_only: bool,
}

/// Host files that make name resolution work with the host network. They are bound read-only
/// so that a process in the container resolves names (a Go module proxy, a registry) as the
/// host does.
const HOST_NETWORK_FILES: [&str; 2] = ["/etc/resolv.conf", "/etc/hosts"];

/// Files open at once: compilers and package managers need more than runc's default 1024,
/// and a container may not go above the limit kiln itself has.
const OPEN_FILES_WANTED: u64 = 65_536;

impl ContainerSpec {
    /// The runtime spec for runc. No network namespace (host network), no capabilities, no
    /// new privileges: the process is an ordinary non-root user on the host's loopback.
    pub(crate) fn to_runtime_config(&self) -> Value {
        let open_files = own_open_files_limit().map_or(OPEN_FILES_WANTED, |own| own.min(OPEN_FILES_WANTED));
        let mut mounts = vec![
            json!({"destination": "/proc", "type": "proc", "source": "proc"}),
            json!({"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
                   "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]}),
            json!({"destination": "/dev/pts", "type": "devpts", "source": "devpts",
                   "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]}),
            json!({"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
                   "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]}),
            json!({"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue",
                   "options": ["nosuid", "noexec", "nodev"]}),
            json!({"destination": "/sys", "type": "sysfs", "source": "sysfs",
                   "options": ["nosuid", "noexec", "nodev", "ro"]}),
        ];
        mounts.extend(self.scratch_dirs.iter().map(|dir| {
            json!({"destination": dir, "type": "tmpfs", "source": "tmpfs",
                   "options": ["nosuid", "nodev", "mode=1777"]})
        }));
        mounts.extend(
            HOST_NETWORK_FILES
                .iter()
                .filter(|file| std::path::Path::new(file).exists())
                .map(|file| bind(file, file, true)),
        );
        mounts.extend(
            self.mounts.iter().map(|mount| bind(&mount.source.to_string_lossy(), &mount.destination, mount.read_only)),
        );

        json!({
            "ociVersion": "1.0.2",
            "process": {
                "terminal": false,
                "user": {"uid": self.user.uid, "gid": self.user.gid},
                "args": self.args,
                "env": self.env,
                "cwd": self.cwd,
                "capabilities": {"bounding": [], "effective": [], "permitted": [], "ambient": []},
                "rlimits": [{"type": "RLIMIT_NOFILE", "hard": open_files, "soft": open_files}],
                "noNewPrivileges": true
            },
            "root": {"path": self.rootfs, "readonly": true},
            "hostname": self.hostname,
            "mounts": mounts,
            "linux": {
                "namespaces": [{"type": "pid"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"}],
                "maskedPaths": ["/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
                                "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
                                "/proc/sched_debug", "/sys/firmware", "/proc/scsi"],
                "readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]
            }
        })
    }
}

/// The hard limit on open files of this process, from /proc (no unsafe getrlimit call).
fn own_open_files_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|line| line.starts_with("Max open files"))?;
    line.split_whitespace().nth(4)?.parse().ok()
}

fn bind(source: &str, destination: &str, read_only: bool) -> Value {
    let mut options = vec!["rbind", "nosuid", "nodev"];
    if read_only {
        options.push("ro");
    }
    json!({"destination": destination, "type": "bind", "source": source, "options": options})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_current_user_is_the_one_id_reports() {
        let id = |flag: &str| -> u32 {
            let output = std::process::Command::new("id").arg(flag).output().expect("id runs");
            String::from_utf8_lossy(&output.stdout).trim().parse().expect("a number")
        };
        assert_eq!(User::current(), Some(User { uid: id("-u"), gid: id("-g") }));
    }

    fn spec() -> ContainerSpec {
        ContainerSpec {
            rootfs: PathBuf::from("/images/abc"),
            args: vec!["/cnb/lifecycle/creator".into(), "app".into()],
            env: vec!["PORT=8080".into()],
            cwd: "/workspace".into(),
            user: User { uid: 1000, gid: 1000 },
            mounts: vec![BindMount {
                source: PathBuf::from("/host/layers"),
                destination: "/layers".into(),
                read_only: false,
            }],
            scratch_dirs: vec!["/tmp".into()],
            hostname: "kiln".into(),
        }
    }

    #[test]
    fn shares_the_host_network_and_keeps_other_namespaces() {
        let config = spec().to_runtime_config();
        let namespaces: Vec<&str> = config["linux"]["namespaces"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|ns| ns["type"].as_str())
            .collect();
        assert_eq!(namespaces, ["pid", "ipc", "uts", "mount"]);
    }

    #[test]
    fn runs_as_the_given_user_without_capabilities_on_a_read_only_root() {
        let config = spec().to_runtime_config();
        assert_eq!(config["process"]["user"], json!({"uid": 1000, "gid": 1000}));
        assert_eq!(config["process"]["capabilities"]["bounding"], json!([]));
        assert_eq!(config["process"]["noNewPrivileges"], json!(true));
        assert_eq!(config["root"], json!({"path": "/images/abc", "readonly": true}));
    }

    #[test]
    fn mounts_only_what_was_asked_for_as_writable() {
        let config = spec().to_runtime_config();
        let mounts = config["mounts"].as_array().cloned().unwrap_or_default();
        let layers = mounts.iter().find(|m| m["destination"] == "/layers").cloned().unwrap_or_default();
        assert_eq!(layers["source"], "/host/layers");
        assert!(!layers["options"].to_string().contains("\"ro\""));
        let writable_binds: Vec<&Value> =
            mounts.iter().filter(|m| m["type"] == "bind" && !m["options"].to_string().contains("\"ro\"")).collect();
        assert_eq!(writable_binds.len(), 1);
        assert!(mounts.iter().any(|m| m["destination"] == "/tmp" && m["type"] == "tmpfs"));
    }
}
