//! What the exporter leaves in the layers directory: `report.toml` (the published image) and
//! `config/metadata.toml` (the process types).

use serde::Deserialize;
use std::path::Path;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildReport {
    /// Manifest digest of the published image, `sha256:<hex>`.
    pub digest: String,
    pub manifest_size: u64,
    pub process_types: Vec<String>,
    pub default_process: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("the lifecycle finished but left no readable {path}: {reason}")]
    Unreadable { path: String, reason: String },
}

#[derive(Deserialize)]
struct ReportToml {
    image: ImageReport,
}

#[derive(Deserialize)]
struct ImageReport {
    digest: String,
    #[serde(rename = "manifest-size", default)]
    manifest_size: u64,
}

#[derive(Deserialize)]
struct MetadataToml {
    #[serde(default)]
    processes: Vec<Process>,
}

#[derive(Deserialize)]
struct Process {
    r#type: String,
    #[serde(default)]
    default: bool,
}

/// Reads the results of a successful `creator` run from its layers directory.
pub fn read_report(layers_dir: &Path) -> Result<BuildReport, ReportError> {
    let report: ReportToml = read_toml(&layers_dir.join("report.toml"))?;
    let metadata: MetadataToml = read_toml(&layers_dir.join("config/metadata.toml"))?;
    Ok(BuildReport {
        digest: report.image.digest,
        manifest_size: report.image.manifest_size,
        default_process: metadata
            .processes
            .iter()
            .find(|process| process.default)
            .map(|process| process.r#type.clone()),
        process_types: metadata.processes.into_iter().map(|process| process.r#type).collect(),
    })
}

fn read_toml<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, ReportError> {
    let unreadable = |reason: String| ReportError::Unreadable { path: path.display().to_string(), reason };
    let text = std::fs::read_to_string(path).map_err(|e| unreadable(e.to_string()))?;
    toml::from_str(&text).map_err(|e| unreadable(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_digest_and_process_types() {
        let layers = tempfile::tempdir().expect("temp dir");
        std::fs::write(
            layers.path().join("report.toml"),
            "[image]\ntags = [\"r/a:1\"]\ndigest = \"sha256:abc\"\nmanifest-size = 1234\n",
        )
        .expect("report");
        std::fs::create_dir(layers.path().join("config")).expect("config dir");
        std::fs::write(
            layers.path().join("config/metadata.toml"),
            "[[processes]]\ntype = \"web\"\ncommand = [\"/x\"]\ndefault = true\n\n[[processes]]\ntype = \"worker\"\ncommand = [\"/y\"]\n",
        )
        .expect("metadata");
        let report = read_report(layers.path()).expect("report");
        assert_eq!(report.digest, "sha256:abc");
        assert_eq!(report.manifest_size, 1234);
        assert_eq!(report.process_types, ["web", "worker"]);
        assert_eq!(report.default_process.as_deref(), Some("web"));
    }

    #[test]
    fn a_missing_report_is_an_error_naming_the_file() {
        let layers = tempfile::tempdir().expect("temp dir");
        let error = read_report(layers.path()).expect_err("no report");
        assert!(error.to_string().contains("report.toml"));
    }
}
