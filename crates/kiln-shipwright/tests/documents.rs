//! The real documents: kiln's strategies and samples pass together, and each document of
//! test-fixtures/shipwright-invalid breaks exactly the rule its first line names, at its path.

use kiln_shipwright::{read_documents, validate, Document};
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|error| panic!("{}: {error}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.extension().is_some_and(|extension| extension == "yaml"))
        .collect();
    files.sort();
    files
}

fn documents(files: &[PathBuf]) -> Vec<Document> {
    files.iter().flat_map(|file| read_documents(file).unwrap_or_else(|error| panic!("{error}"))).collect()
}

#[test]
fn kilns_strategies_and_samples_pass() {
    let mut files = yaml_files(&repo().join("strategies"));
    let strategies = files.len();
    files.extend(yaml_files(&repo().join("strategies/samples")));
    assert!(strategies == 3 && files.len() > strategies, "{files:?}");
    let documents = documents(&files);
    let findings: Vec<String> = validate(&documents).iter().map(ToString::to_string).collect();
    assert_eq!(findings, Vec::<String>::new());
}

#[test]
fn each_invalid_document_breaks_the_rule_it_names() {
    let strategies = yaml_files(&repo().join("strategies"));
    let invalid = yaml_files(&repo().join("test-fixtures/shipwright-invalid"));
    assert!(invalid.len() >= 16, "{invalid:?}");
    for file in invalid {
        let text = std::fs::read_to_string(&file).expect("readable");
        let expected = text.lines().next().and_then(|line| line.strip_prefix("# expect: "));
        let (rule, path) =
            expected.and_then(|line| line.rsplit_once(" at ")).expect("a first line `# expect: RULE at PATH`");
        let mut files = strategies.clone();
        files.push(file.clone());
        let documents = documents(&files);
        let findings = validate(&documents);
        let found: Vec<String> = findings.iter().map(ToString::to_string).collect();
        assert_eq!(findings.len(), 1, "{}: {found:#?}", file.display());
        assert_eq!(findings[0].document.file, file, "{found:?}");
        assert_eq!((findings[0].problem.rule.as_str(), findings[0].problem.path.as_str()), (rule, path), "{found:?}");
    }
}
