//! `kiln shipwright generate DIR --image REF`: the Shipwright `Build` and `BuildRun` that build a
//! function directory on a cluster, the orchestration a `FaaS` controller performs. The strategy
//! is kiln-buildpacks, or kiln-buildah when the directory holds a Dockerfile.
//!
//! `kiln shipwright validate FILE...`: the documents checked offline as the cluster would check
//! them (kiln-shipwright), each problem on a line of its own; exit status 2 when there is one.

use crate::output::Output;
use kiln_platform::build_env::parse_env_args;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Subcommand)]
pub(crate) enum Command {
    /// Print a `Build` and a `BuildRun` (shipwright.io/v1beta1) for a function directory.
    Generate(GenerateArgs),
    /// Check Shipwright documents offline against the pinned release's CRD schemas and its
    /// controller's rules; the strategies Builds use must be among the files.
    Validate(ValidateArgs),
}

#[derive(clap::Args)]
pub(crate) struct ValidateArgs {
    /// YAML files of `Build`s, `BuildRun`s and their strategies (e.g. `strategies/*.yaml`).
    #[arg(required = true)]
    files: Vec<PathBuf>,
}

#[derive(clap::Args)]
pub(crate) struct GenerateArgs {
    /// The function's directory (read to pick the strategy).
    dir: PathBuf,
    /// The image the Build publishes.
    #[arg(long)]
    image: String,
    /// The Build's name (default: the directory's name).
    #[arg(long)]
    name: Option<String>,
    /// The `ClusterBuildStrategy` (default: kiln-buildah when DIR has a Dockerfile, else kiln-buildpacks).
    #[arg(long)]
    strategy: Option<String>,
    /// Build env for the Build's `env` (repeatable): NAME=VALUE, or NAME for kiln's own value.
    #[arg(long = "env", value_name = "NAME[=VALUE]")]
    env: Vec<String>,
    /// A Git source: the repository URL (without it the Build has no source: upload one with
    /// `shp build upload`, or use an OCI bundle).
    #[arg(long)]
    source_url: Option<String>,
    /// With --source-url: the directory of the function inside the repository.
    #[arg(long, requires = "source_url")]
    context_dir: Option<String>,
}

pub(crate) fn run(command: Command, out: &Output) -> anyhow::Result<ExitCode> {
    match command {
        Command::Generate(args) => {
            let yaml = generate(&args)?;
            out.result(&yaml, &serde_json::json!({ "yaml": yaml }));
            Ok(ExitCode::SUCCESS)
        }
        Command::Validate(args) => validate(&args, out),
    }
}

fn validate(args: &ValidateArgs, out: &Output) -> anyhow::Result<ExitCode> {
    let mut documents = Vec::new();
    for file in &args.files {
        documents.extend(kiln_shipwright::read_documents(file).map_err(|error| {
            kiln_error::KindedError::new(kiln_error::ErrorKind::InvalidArgument, error.to_string())
                .with_advice("Name YAML files of Shipwright documents.")
        })?);
    }
    let version = kiln_shipwright::shipwright_version();
    let findings = kiln_shipwright::validate(&documents);
    let mut human = String::new();
    for finding in &findings {
        let _ = writeln!(human, "{finding}");
    }
    let _ = write!(
        human,
        "{} documents checked against Shipwright {version}: {}",
        documents.len(),
        match findings.len() {
            0 => "valid".to_string(),
            1 => "1 problem".to_string(),
            count => format!("{count} problems"),
        }
    );
    let listed: Vec<serde_json::Value> = findings
        .iter()
        .map(|finding| {
            serde_json::json!({
                "file": finding.document.file,
                "document": finding.document.number,
                "kind": finding.document.kind(),
                "name": finding.document.name(),
                "checker": match finding.checker {
                    kiln_shipwright::Checker::ApiServer => "api-server",
                    kiln_shipwright::Checker::Controller => "controller",
                },
                "path": finding.problem.path,
                "rule": finding.problem.rule,
                "message": finding.problem.message,
            })
        })
        .collect();
    let valid = findings.is_empty();
    out.result(
        &human,
        &serde_json::json!({ "shipwright": version, "documents": documents.len(), "valid": valid, "findings": listed }),
    );
    // As for the user's other mistakes: 2.
    Ok(if valid { ExitCode::SUCCESS } else { ExitCode::from(2) })
}

fn generate(args: &GenerateArgs) -> anyhow::Result<String> {
    let strategy = match &args.strategy {
        Some(strategy) => strategy.clone(),
        None if args.dir.join("Dockerfile").is_file() => "kiln-buildah".to_string(),
        None => "kiln-buildpacks".to_string(),
    };
    let name = match &args.name {
        Some(name) => name.clone(),
        None => resource_name(&args.dir)?,
    };
    let env = parse_env_args(&args.env)?;
    let quoted = |value: &str| serde_json::to_string(value).unwrap_or_default();
    let mut yaml = String::new();
    let _ =
        writeln!(yaml, "apiVersion: shipwright.io/v1beta1\nkind: Build\nmetadata:\n  name: {}\nspec:", quoted(&name));
    if let Some(url) = &args.source_url {
        let _ = writeln!(yaml, "  source:\n    type: Git\n    git:\n      url: {}", quoted(url));
        if let Some(context) = &args.context_dir {
            let _ = writeln!(yaml, "    contextDir: {}", quoted(context));
        }
    }
    let _ = writeln!(yaml, "  strategy:\n    kind: ClusterBuildStrategy\n    name: {}", quoted(&strategy));
    if !env.is_empty() {
        yaml.push_str("  env:\n");
        for (variable, value) in &env {
            let _ = writeln!(yaml, "    - name: {}\n      value: {}", quoted(variable), quoted(value));
        }
    }
    let _ = writeln!(yaml, "  output:\n    image: {}", quoted(&args.image));
    let _ = write!(
        yaml,
        "---\napiVersion: shipwright.io/v1beta1\nkind: BuildRun\nmetadata:\n  generateName: {}\nspec:\n  build:\n    name: {}",
        quoted(&format!("{name}-")),
        quoted(&name)
    );
    Ok(yaml)
}

/// A Kubernetes object name (RFC 1123 label) from the directory's name.
fn resource_name(dir: &std::path::Path) -> anyhow::Result<String> {
    let base = dir.canonicalize().ok().and_then(|dir| dir.file_name().map(|name| name.to_string_lossy().into_owned()));
    let name: String = base
        .unwrap_or_default()
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let name = name.trim_matches('-').chars().take(63).collect::<String>();
    if name.is_empty() {
        return Err(kiln_error::KindedError::new(
            kiln_error::ErrorKind::InvalidArgument,
            format!("cannot make a Build name from the directory {}", dir.display()),
        )
        .with_advice("pass --name")
        .into());
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(dir: &std::path::Path) -> GenerateArgs {
        GenerateArgs {
            dir: dir.to_path_buf(),
            image: "127.0.0.1:5000/functions/hello:1".to_string(),
            name: None,
            strategy: None,
            env: vec!["FUNC_NAME=HelloWorld".to_string()],
            source_url: Some("git://127.0.0.1/kiln".to_string()),
            context_dir: Some("test-fixtures/go-http".to_string()),
        }
    }

    #[test]
    fn a_function_directory_gets_kiln_buildpacks_and_a_dockerfile_kiln_buildah() {
        let root = tempfile::tempdir().expect("dir");
        let dir = root.path().join("Hello_World");
        std::fs::create_dir(&dir).expect("function dir");
        let yaml = generate(&args(&dir)).expect("generated");
        assert!(yaml.contains("  name: \"hello-world\"\n"), "{yaml}");
        assert!(yaml.contains("    name: \"kiln-buildpacks\"\n"), "{yaml}");
        assert!(yaml.contains("    - name: \"FUNC_NAME\"\n      value: \"HelloWorld\"\n"), "{yaml}");
        assert!(
            yaml.contains("      url: \"git://127.0.0.1/kiln\"\n    contextDir: \"test-fixtures/go-http\"\n"),
            "{yaml}"
        );
        assert!(yaml.contains("kind: BuildRun\nmetadata:\n  generateName: \"hello-world-\""), "{yaml}");
        std::fs::write(dir.join("Dockerfile"), "FROM scratch\n").expect("Dockerfile");
        assert!(generate(&args(&dir)).expect("generated").contains("    name: \"kiln-buildah\"\n"));
        let chosen = GenerateArgs { strategy: Some("kiln-kaniko".to_string()), ..args(&dir) };
        assert!(generate(&chosen).expect("generated").contains("    name: \"kiln-kaniko\"\n"));
    }

    /// The samples name fixtures that exist, with the function name their contract builds.
    #[test]
    fn each_sample_builds_an_existing_fixture_with_its_function_name() {
        let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut checked = Vec::new();
        for entry in std::fs::read_dir(repo.join("strategies/samples")).expect("samples") {
            let path = entry.expect("sample").path();
            let yaml = std::fs::read_to_string(&path).expect("sample text");
            let field = |name: &str| yaml.lines().find_map(|line| line.trim().strip_prefix(name).map(str::trim));
            let fixture = field("contextDir: test-fixtures/").expect("a fixture as contextDir");
            let fixture_dir = repo.join("test-fixtures").join(fixture);
            assert!(fixture_dir.is_dir(), "{}: no fixture {fixture}", path.display());
            let func_name = yaml.split("- name: FUNC_NAME\n").nth(1).and_then(|rest| rest.lines().next());
            let func_name = func_name.and_then(|line| line.trim().strip_prefix("value: "));
            let contract = std::fs::read_to_string(fixture_dir.join("contract.toml")).unwrap_or_default();
            let contract_name = contract.split("\"FUNC_NAME=").nth(1).and_then(|rest| rest.split('"').next());
            assert_eq!(func_name, contract_name, "{}: FUNC_NAME differs from {fixture}'s contract", path.display());
            checked.push(fixture.to_string());
        }
        checked.sort();
        let families = ["dockerfile-app", "go-http", "nodejs-http", "python-http", "rust-http", "wasm-http"];
        assert_eq!(checked, families, "a fixture family has no sample");
    }
}
