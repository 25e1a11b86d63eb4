//! `kiln shipwright validate` as people and CI steps run it: the binary on kiln's own
//! strategies and samples, and on an invalid Build, with its exit status and `--json` findings.
//! (kiln-shipwright's own tests check every rule against test-fixtures/shipwright-invalid.)

use crate::world::repo_root;
use std::process::{Command, Output};

fn validate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kiln")).args(args).current_dir(repo_root()).output().expect("kiln runs")
}

#[test]
fn shipwright_validate_passes_kilns_documents_and_refuses_an_invalid_build_with_exit_2() {
    let strategies = ["strategies/kiln-buildah.yaml", "strategies/kiln-buildpacks.yaml", "strategies/kiln-kaniko.yaml"];
    let mut valid_args = vec!["shipwright", "validate"];
    valid_args.extend(strategies);
    valid_args.extend(["strategies/samples/go-http.yaml", "strategies/samples/dockerfile-app.yaml"]);
    let valid = validate(&valid_args);
    let report = String::from_utf8_lossy(&valid.stdout);
    assert!(valid.status.success(), "{report}");
    assert!(report.ends_with("7 documents checked against Shipwright v0.17.0: valid\n"), "{report}");

    let mut invalid_args = vec!["--json", "shipwright", "validate"];
    invalid_args.extend(strategies);
    invalid_args.push("test-fixtures/shipwright-invalid/strategy-not-found.yaml");
    let invalid = validate(&invalid_args);
    assert_eq!(invalid.status.code(), Some(2), "{}", String::from_utf8_lossy(&invalid.stderr));
    let document: serde_json::Value = serde_json::from_slice(&invalid.stdout).expect("--json");
    assert_eq!(document["valid"], false, "{document}");
    let finding = &document["findings"][0];
    assert_eq!(
        (&finding["rule"], &finding["path"], &finding["checker"]),
        (&"ClusterBuildStrategyNotFound".into(), &"spec.strategy.name".into(), &"controller".into()),
        "{document}"
    );
}
