//! What the source's Python project files say: the Python it asks for, where its dependencies
//! are declared, its start command (an app's), and whether it uses Google's Functions Framework.

use crate::requirement::{InvalidRequirement, Requirement};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub(crate) const PYPROJECT: &str = "pyproject.toml";
pub(crate) const REQUIREMENTS_TXT: &str = "requirements.txt";
pub(crate) const UV_LOCK: &str = "uv.lock";
pub(crate) const POETRY_LOCK: &str = "poetry.lock";
const PYTHON_VERSION_FILE: &str = ".python-version";
const RUNTIME_TXT: &str = "runtime.txt";
const PROCFILE: &str = "Procfile";
/// Google's framework, as its distribution is named on PyPI (normalised).
const FUNCTIONS_FRAMEWORK: &str = "functions-framework";

/// Where the dependencies are declared, in the order the buildpack prefers them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Dependencies {
    /// uv.lock (with its pyproject.toml): installed exactly, `--locked`.
    UvLock,
    /// poetry.lock: the pins of its main group, installed as they are.
    PoetryLock {
        pins: Vec<String>,
    },
    RequirementsTxt,
    /// PEP 621 `[project] dependencies`.
    Pyproject,
}

impl Dependencies {
    /// The files whose contents decide what gets installed.
    pub(crate) fn inputs(&self) -> &'static [&'static str] {
        match self {
            Self::UvLock => &[UV_LOCK, PYPROJECT],
            Self::PoetryLock { .. } => &[POETRY_LOCK],
            Self::RequirementsTxt => &[REQUIREMENTS_TXT],
            Self::Pyproject => &[PYPROJECT],
        }
    }

    pub(crate) fn describe(&self) -> &'static str {
        match self {
            Self::UvLock => "uv.lock (installed exactly as locked)",
            Self::PoetryLock { .. } => "poetry.lock (its main group, as pinned)",
            Self::RequirementsTxt => "requirements.txt",
            Self::Pyproject => "pyproject.toml [project] dependencies",
        }
    }
}

#[derive(Debug)]
pub(crate) struct Project {
    pub(crate) requirement: Requirement,
    pub(crate) dependencies: Option<Dependencies>,
    pub(crate) uses_functions_framework: bool,
    /// `[project.scripts]`: name to `module:function`.
    pub(crate) scripts: BTreeMap<String, String>,
    /// The Procfile's `web:` command.
    pub(crate) procfile_web: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum ProjectError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{file} is not valid TOML: {message}")]
    Toml { file: &'static str, message: String },
    #[error(transparent)]
    Requirement(#[from] InvalidRequirement),
}

impl ProjectError {
    pub(crate) fn file(&self) -> String {
        match self {
            Self::Read { path, .. } => {
                path.file_name().map_or_else(String::new, |name| name.to_string_lossy().into_owned())
            }
            Self::Toml { file, .. } => (*file).to_string(),
            Self::Requirement(error) => error.file.to_string(),
        }
    }
}

/// `file` in `app_dir`, or None when it does not exist.
fn read_optional(app_dir: &Path, file: &str) -> Result<Option<String>, ProjectError> {
    let path = app_dir.join(file);
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(Some(text)),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(ProjectError::Read { path, source }),
    }
}

fn parse_toml(file: &'static str, text: &str) -> Result<toml::Table, ProjectError> {
    text.parse::<toml::Table>().map_err(|error| ProjectError::Toml { file, message: error.message().to_string() })
}

impl Project {
    pub(crate) fn read(app_dir: &Path) -> Result<Self, ProjectError> {
        let pyproject = read_optional(app_dir, PYPROJECT)?.map(|text| parse_toml(PYPROJECT, &text)).transpose()?;
        let project_table = pyproject.as_ref().and_then(|table| table.get("project")).and_then(toml::Value::as_table);
        let requirement = if let Some(text) = read_optional(app_dir, PYTHON_VERSION_FILE)? {
            Requirement::from_python_version_file(&text)?
        } else if let Some(text) = read_optional(app_dir, RUNTIME_TXT)? {
            Requirement::from_runtime_txt(&text)?
        } else if let Some(text) =
            project_table.and_then(|project| project.get("requires-python")).and_then(toml::Value::as_str)
        {
            Requirement::from_requires_python(text)?
        } else {
            Requirement::Newest
        };

        let pyproject_dependencies: Vec<String> = project_table
            .and_then(|project| project.get("dependencies"))
            .and_then(toml::Value::as_array)
            .map(|list| list.iter().filter_map(toml::Value::as_str).map(str::to_string).collect())
            .unwrap_or_default();
        let (dependencies, names) = if let Some(text) = read_optional(app_dir, UV_LOCK)? {
            (Some(Dependencies::UvLock), lock_package_names(&parse_toml(UV_LOCK, &text)?))
        } else if let Some(text) = read_optional(app_dir, POETRY_LOCK)? {
            let lock = parse_toml(POETRY_LOCK, &text)?;
            (Some(Dependencies::PoetryLock { pins: poetry_main_pins(&lock) }), lock_package_names(&lock))
        } else if let Some(text) = read_optional(app_dir, REQUIREMENTS_TXT)? {
            (Some(Dependencies::RequirementsTxt), text.lines().filter_map(requirement_name).collect())
        } else if project_table.is_some_and(|project| project.contains_key("dependencies")) {
            (
                Some(Dependencies::Pyproject),
                pyproject_dependencies.iter().filter_map(|line| requirement_name(line)).collect(),
            )
        } else {
            (None, Vec::new())
        };

        let scripts = project_table
            .and_then(|project| project.get("scripts"))
            .and_then(toml::Value::as_table)
            .map(|scripts| {
                scripts.iter().filter_map(|(name, value)| Some((name.clone(), value.as_str()?.to_string()))).collect()
            })
            .unwrap_or_default();
        let procfile_web = read_optional(app_dir, PROCFILE)?.and_then(|text| {
            text.lines().find_map(|line| line.trim().strip_prefix("web:").map(|command| command.trim().to_string()))
        });
        Ok(Self {
            requirement,
            dependencies,
            uses_functions_framework: names.iter().any(|name| name == FUNCTIONS_FRAMEWORK),
            scripts,
            procfile_web,
        })
    }
}

/// A package name as PyPI compares them (PEP 503): lower case, runs of `-_.` as one `-`.
pub(crate) fn normalize(name: &str) -> String {
    let mut normalized = String::with_capacity(name.len());
    for character in name.chars() {
        if matches!(character, '-' | '_' | '.') {
            if !normalized.ends_with('-') {
                normalized.push('-');
            }
        } else {
            normalized.push(character.to_ascii_lowercase());
        }
    }
    normalized
}

/// The distribution a requirement line names (`Flask[async]>=3 ; python_version>"3"`), None
/// for comments, options (`-r`, `--index-url`) and URLs.
fn requirement_name(line: &str) -> Option<String> {
    let line = line.split('#').next().unwrap_or("").trim();
    if line.is_empty() || line.starts_with('-') || line.contains("://") && !line.contains('@') {
        return None;
    }
    let end = line
        .find(|character: char| !(character.is_ascii_alphanumeric() || matches!(character, '-' | '_' | '.')))
        .unwrap_or(line.len());
    (end > 0).then(|| normalize(&line[..end]))
}

fn lock_packages(lock: &toml::Table) -> impl Iterator<Item = &toml::Table> {
    lock.get("package").and_then(toml::Value::as_array).into_iter().flatten().filter_map(toml::Value::as_table)
}

fn lock_package_names(lock: &toml::Table) -> Vec<String> {
    lock_packages(lock).filter_map(|package| package.get("name")?.as_str()).map(normalize).collect()
}

/// `name==version` for each package of poetry.lock's main group: Poetry 2 lists a package's
/// `groups`, Poetry 1 its `category`; a package with neither is installed.
fn poetry_main_pins(lock: &toml::Table) -> Vec<String> {
    lock_packages(lock)
        .filter(|package| {
            let in_groups = package
                .get("groups")
                .and_then(toml::Value::as_array)
                .map(|groups| groups.iter().any(|group| group.as_str() == Some("main")));
            let in_category = package.get("category").and_then(toml::Value::as_str).map(|category| category == "main");
            in_groups.or(in_category).unwrap_or(true)
        })
        .filter_map(|package| {
            Some(format!("{}=={}", package.get("name")?.as_str()?, package.get("version")?.as_str()?))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(files: &[(&str, &str)]) -> Project {
        let dir = tempfile::tempdir().expect("temp dir");
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).expect("fixture file");
        }
        Project::read(dir.path()).expect("readable project")
    }

    #[test]
    fn the_python_version_file_wins_over_runtime_txt_and_requires_python() {
        let pyproject = "[project]\nname = \"f\"\nrequires-python = \">=3.13\"\n";
        assert_eq!(
            project(&[(PYPROJECT, pyproject)]).requirement.to_string(),
            "Python >=3.13 (pyproject.toml `requires-python`)"
        );
        assert_eq!(
            project(&[(PYPROJECT, pyproject), (RUNTIME_TXT, "python-3.12.1")]).requirement.to_string(),
            "Python 3.12.1 (runtime.txt)"
        );
        assert_eq!(
            project(&[(PYPROJECT, pyproject), (RUNTIME_TXT, "python-3.12.1"), (PYTHON_VERSION_FILE, "3.14\n")])
                .requirement
                .to_string(),
            "Python 3.14 (.python-version)"
        );
        assert_eq!(project(&[]).requirement, Requirement::Newest);
    }

    #[test]
    fn dependencies_come_from_the_lockfile_first() {
        let requirements =
            "# web\nFunctions_Framework==3.10.2\n-r other.txt\nrequests[socks]>=2 ; python_version > \"3\"\n";
        let found = project(&[(REQUIREMENTS_TXT, requirements)]);
        assert_eq!(found.dependencies, Some(Dependencies::RequirementsTxt));
        assert!(found.uses_functions_framework);
        let uv_lock = "version = 1\n[[package]]\nname = \"six\"\nversion = \"1.17.0\"\n";
        let found = project(&[(REQUIREMENTS_TXT, requirements), (UV_LOCK, uv_lock)]);
        assert_eq!(found.dependencies, Some(Dependencies::UvLock));
        assert!(!found.uses_functions_framework);
        let pyproject = "[project]\nname = \"f\"\ndependencies = [\"functions-framework>=3\"]\n[project.scripts]\nserve = \"app:main\"\n";
        let found = project(&[(PYPROJECT, pyproject)]);
        assert_eq!(found.dependencies, Some(Dependencies::Pyproject));
        assert!(found.uses_functions_framework);
        assert_eq!(found.scripts.get("serve").map(String::as_str), Some("app:main"));
        assert_eq!(project(&[(PYPROJECT, "[project]\nname = \"f\"\n")]).dependencies, None);
    }

    #[test]
    fn poetry_lock_pins_its_main_group() {
        let lock = "[[package]]\nname = \"six\"\nversion = \"1.17.0\"\ngroups = [\"main\"]\n\n\
                    [[package]]\nname = \"pytest\"\nversion = \"8.0.0\"\ngroups = [\"dev\"]\n\n\
                    [[package]]\nname = \"idna\"\nversion = \"3.10\"\ncategory = \"main\"\n";
        let found = project(&[(POETRY_LOCK, lock)]);
        assert_eq!(
            found.dependencies,
            Some(Dependencies::PoetryLock { pins: vec!["six==1.17.0".into(), "idna==3.10".into()] })
        );
    }

    #[test]
    fn reads_the_procfile_web_command_and_reports_bad_files() {
        assert_eq!(
            project(&[("Procfile", "worker: x\nweb: gunicorn app:app\n")]).procfile_web.as_deref(),
            Some("gunicorn app:app")
        );
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join(PYPROJECT), "[project\n").expect("file");
        assert_eq!(Project::read(dir.path()).expect_err("invalid TOML").file(), PYPROJECT);
        assert_eq!(normalize("Zope.Interface__x"), "zope-interface-x");
    }
}
