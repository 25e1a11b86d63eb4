//! Shipwright: `kiln shipwright validate` as people and CI steps run it (the binary on kiln's
//! own strategies and samples, and on an invalid Build, with its exit status and `--json`
//! findings), and kiln's strategies on a real single-node cluster (`scripts/cluster`): applied
//! under strict validation, the verdicts of its API server and controller on every invalid
//! document compared with kiln's offline ones, and `BuildRun`s of each strategy from a loopback
//! Git daemon, succeeding and failing. One test runs the cluster steps in order on one cluster,
//! each with its time; the cluster is stopped and cleaned up however the test ends.

use crate::app::RunningApp;
use crate::cluster::{shown, succeeded_condition, Cluster};
use crate::git_daemon::GitDaemon;
use crate::world::{builder_with, progress, repo_root, step, world};
use base64::Engine as _;
use kiln_test_support::{FileServer, TestRegistry};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

/// The kiln binary under test, run from the repository root.
fn kiln_at_repo_root(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kiln")).args(args).current_dir(repo_root()).output().expect("kiln runs")
}

#[test]
fn shipwright_validate_passes_kilns_documents_and_refuses_an_invalid_build_with_exit_2() {
    let strategies = ["strategies/kiln-buildah.yaml", "strategies/kiln-buildpacks.yaml", "strategies/kiln-kaniko.yaml"];
    let mut valid_args = vec!["shipwright", "validate"];
    valid_args.extend(strategies);
    valid_args.extend(["strategies/samples/go-http.yaml", "strategies/samples/dockerfile-app.yaml"]);
    let valid = kiln_at_repo_root(&valid_args);
    let report = String::from_utf8_lossy(&valid.stdout);
    assert!(valid.status.success(), "{report}");
    assert!(report.ends_with("7 documents checked against Shipwright v0.17.0: valid\n"), "{report}");

    let mut invalid_args = vec!["--json", "shipwright", "validate"];
    invalid_args.extend(strategies);
    invalid_args.push("test-fixtures/shipwright-invalid/strategy-not-found.yaml");
    let invalid = kiln_at_repo_root(&invalid_args);
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

/// kiln's builder with the kiln CLI in it, for `kiln build --in-builder`: the world's
/// builder.toml and stack, plus the musl build of this kiln (`kiln builder create --kiln-cli`).
/// The password of the registry that takes pushes only with a login.
const PUSH_PASSWORD: &str = "kiln-push-secret-4711";

fn builder_with_kiln_cli(registry: &str) -> String {
    let status = Command::new("cargo")
        .args(["build", "--release", "--locked", "--target", "x86_64-unknown-linux-musl", "-p", "kiln"])
        .current_dir(repo_root())
        .status()
        .expect("cargo runs");
    assert!(status.success(), "the musl build of kiln failed");
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| repo_root().join("target"), PathBuf::from);
    let kiln_cli = target.join("x86_64-unknown-linux-musl/release/kiln");
    let image = format!("{registry}/kiln/builder-with-kiln:e2e");
    builder_with(&image, &["--kiln-cli", &kiln_cli.to_string_lossy()]);
    image
}

fn yaml_files(dir: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(repo_root().join(dir))
        .expect("a directory of YAML files")
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|extension| extension == "yaml"))
        .collect();
    files.sort();
    files
}

/// Step 1: every strategy and sample, and what `kiln shipwright generate` writes for a function
/// and for a Dockerfile app, pass the API server's checks under strict field validation
/// (`create`, as a `BuildRun` has a `generateName`); then the strategies are applied.
fn strategies_and_samples_apply(cluster: &Cluster) {
    for file in yaml_files("strategies").into_iter().chain(yaml_files("strategies/samples")) {
        let path = file.to_string_lossy();
        cluster.kubectl_ok(&["create", "--dry-run=server", "--validate=strict", "-f", &path]);
    }
    for fixture in ["go-http", "dockerfile-app"] {
        let dir = format!("test-fixtures/{fixture}");
        let image = format!("127.0.0.1:5000/functions/{fixture}:1");
        let args = ["shipwright", "generate", &dir, "--image", &image, "--env", "FUNC_NAME=HelloWorld"];
        let generated = kiln_at_repo_root(&[&args[..], &["--source-url", "https://git.example.com/kiln.git"]].concat());
        assert!(generated.status.success(), "{}", String::from_utf8_lossy(&generated.stderr));
        let yaml = String::from_utf8_lossy(&generated.stdout);
        let dry_run =
            cluster.kubectl_with_input(&["create", "--dry-run=server", "--validate=strict", "-f", "-"], &yaml);
        assert!(dry_run.status.success(), "{fixture}: {}\n{yaml}", shown(&dry_run));
    }
    cluster.kubectl_ok(&["apply", "--validate=strict", "-f", &repo_root().join("strategies").to_string_lossy()]);
}

/// What a checker said of a file's documents.
#[derive(Debug, PartialEq)]
enum Verdict {
    Valid,
    /// The API server refused them: its message.
    Refused(String),
    /// The controller refused a `Build` or a `BuildRun`: its reason.
    Failed(String),
}

/// The cluster's verdict on `file`, in a namespace of its own: the API server's refusal of
/// the server-side dry run, else the first reason other than `Succeeded` the controller gives a
/// `Build` it registers or a `BuildRun` it runs. `BuildRun`s are created only when `with_runs`:
/// a sample's would build.
fn cluster_verdict(cluster: &Cluster, file: &Path, namespace: &str, with_runs: bool) -> Verdict {
    cluster.namespace(namespace);
    let path = file.to_string_lossy();
    let dry_run = cluster.kubectl(&["create", "-n", namespace, "--dry-run=server", "--validate=strict", "-f", &path]);
    if !dry_run.status.success() {
        return Verdict::Refused(String::from_utf8_lossy(&dry_run.stderr).into_owned());
    }
    let documents = kiln_shipwright::read_documents(file).expect("the file's documents");
    for document in documents.iter().filter(|document| with_runs || document.kind() != Some("BuildRun")) {
        for created in cluster.create(namespace, &document.value.to_string()) {
            let reason = if created.starts_with("build.") {
                cluster.registration(namespace, &created)
            } else if created.starts_with("buildrun.") {
                let buildrun = cluster.finished_buildrun(namespace, &created);
                succeeded_condition(&buildrun).and_then(|c| c["reason"].as_str()).unwrap_or_default().to_string()
            } else {
                continue;
            };
            if reason != "Succeeded" {
                return Verdict::Failed(reason);
            }
        }
    }
    Verdict::Valid
}

/// kiln's offline verdict on `file` checked together with kiln's strategies.
fn kiln_verdict(file: &Path) -> (Verdict, String) {
    let mut args = vec!["--json".to_string(), "shipwright".into(), "validate".into()];
    args.extend(yaml_files("strategies").iter().map(|path| path.to_string_lossy().into_owned()));
    args.push(file.to_string_lossy().into_owned());
    let output = kiln_at_repo_root(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).expect("--json");
    let Some(finding) = document["findings"].as_array().and_then(|findings| findings.first()) else {
        return (Verdict::Valid, String::new());
    };
    let rule = finding["rule"].as_str().unwrap_or_default().to_string();
    let path = finding["path"].as_str().unwrap_or_default().to_string();
    match finding["checker"].as_str() {
        Some("controller") => (Verdict::Failed(rule), path),
        _ => (Verdict::Refused(rule), path),
    }
}

/// Steps 2 and 3: each invalid document gets the cluster's verdict, and `kiln shipwright validate`
/// gives the same one, as do the samples (valid): the API server's refusal names kiln's rule
/// and path, the controller's reason is kiln's rule.
fn verdicts_agree(cluster: &Cluster) -> Vec<String> {
    let mut disagreements = Vec::new();
    let invalid = yaml_files("test-fixtures/shipwright-invalid").into_iter().map(|file| (file, true));
    let samples = yaml_files("strategies/samples").into_iter().map(|file| (file, false));
    for (number, (file, with_runs)) in invalid.chain(samples).enumerate() {
        let real = cluster_verdict(cluster, &file, &format!("verdict-{number}"), with_runs);
        let (offline, path) = kiln_verdict(&file);
        let agree = match (&real, &offline) {
            (Verdict::Refused(message), Verdict::Refused(rule)) => message.contains(rule) && message.contains(&path),
            _ => real == offline,
        };
        let name = file.file_name().unwrap_or_default().to_string_lossy().into_owned();
        progress(&format!("{name}: the cluster says {real:?}, kiln says {offline:?} at {path}"));
        if !agree {
            disagreements.push(format!("{name}: the cluster says {real:?}, kiln says {offline:?} at `{path}`"));
        }
    }
    disagreements
}

/// A `Build`'s spec: `strategy` (a `ClusterBuildStrategy`) building the Git repository at
/// `source` into `image`, with `params` (`paramValues`) and `env`.
fn build_spec(
    strategy: &str,
    source: &str,
    image: &str,
    params: &serde_json::Value,
    env: &[(&str, &str)],
) -> serde_json::Value {
    let env: Vec<serde_json::Value> = env.iter().map(|(name, value)| json!({"name": name, "value": value})).collect();
    json!({
        "source": {"type": "Git", "git": {"url": source}},
        "strategy": {"kind": "ClusterBuildStrategy", "name": strategy},
        "paramValues": params,
        "env": env,
        "output": {"image": image, "insecure": true},
    })
}

/// Creates the `Build` `name` with `spec`, then a `BuildRun` of it, and waits for that to end.
fn build_and_run(cluster: &Cluster, name: &str, spec: &serde_json::Value) -> serde_json::Value {
    let build =
        json!({"apiVersion": "shipwright.io/v1beta1", "kind": "Build", "metadata": {"name": name}, "spec": spec});
    cluster.create("default", &build.to_string());
    let buildrun = json!({
        "apiVersion": "shipwright.io/v1beta1",
        "kind": "BuildRun",
        "metadata": {"name": name},
        "spec": {"build": {"name": name}},
    });
    cluster.create("default", &buildrun.to_string());
    cluster.finished_buildrun("default", &format!("buildrun/{name}"))
}

fn value_param(name: &str, value: &str) -> serde_json::Value {
    json!({"name": name, "value": value})
}

fn values_param(name: &str, values: &[&str]) -> serde_json::Value {
    json!({"name": name, "values": values.iter().map(|value| json!({"value": value})).collect::<Vec<_>>()})
}

/// A `BuildRun` that ended `Succeeded`, whose `status.output.digest` is the registry's digest
/// of `image` (asked with `login`, `USER:PASSWORD`, when the registry wants one); the digest.
fn expect_succeeded(cluster: &Cluster, buildrun: &serde_json::Value, image: &str, login: Option<&str>) -> String {
    let name = buildrun["metadata"]["name"].as_str().unwrap_or_default();
    let reason = succeeded_condition(buildrun).and_then(|condition| condition["reason"].as_str());
    assert_eq!(reason, Some("Succeeded"), "{buildrun:#}\n{}", cluster.pod_logs(name));
    let digest = buildrun["status"]["output"]["digest"].as_str().expect("status.output.digest");
    let mut inspect = Command::new("skopeo");
    inspect.args(["inspect", "--tls-verify=false", "--format", "{{.Digest}}"]);
    inspect.args(login.map(|login| format!("--creds={login}")));
    let inspected = inspect.arg(format!("docker://{image}")).output().expect("skopeo");
    assert_eq!(String::from_utf8_lossy(&inspected.stdout).trim(), digest, "{name}: the registry's digest differs");
    digest.to_string()
}

/// [`expect_succeeded`], and `kiln run` serves the image, answering `/` with `answer`.
fn expect_published(cluster: &Cluster, buildrun: &serde_json::Value, image: &str, answer: &str) {
    let digest = expect_succeeded(cluster, buildrun, image, None);
    let repository = image.rsplit_once(':').map_or(image, |(repository, _)| repository);
    let mut app = RunningApp::start(&world().cache_dir, &format!("{repository}@{digest}"));
    let response = app.get_when_up("/");
    let name = buildrun["metadata"]["name"].as_str().unwrap_or_default();
    assert_eq!((response.status, response.text().trim_end()), (200, answer), "{name}: {}", app.logs());
}

/// Whether any of `image`'s blobs (its config, its layers uncompressed) holds `text`.
fn image_holds(image: &str, login: &str, text: &str) -> bool {
    let copy = tempfile::tempdir().expect("image dir");
    let status = Command::new("skopeo")
        .args(["--insecure-policy", "copy", "--src-tls-verify=false", &format!("--src-creds={login}")])
        .arg(format!("docker://{image}"))
        .arg(format!("dir:{}", copy.path().display()))
        .status()
        .expect("skopeo");
    assert!(status.success(), "skopeo copy {image}");
    let search = "for blob in \"$0\"/*; do gzip -dc \"$blob\" 2>/dev/null || cat \"$blob\"; done | grep -qF -e \"$1\"";
    let found = Command::new("sh").args(["-c", search]).arg(copy.path()).arg(text).status().expect("sh");
    found.success()
}

/// The security context the API server holds for a `BuildRun`'s step container.
fn step_security_context(cluster: &Cluster, buildrun: &str, step: &str) -> serde_json::Value {
    let pods = cluster.json(&["get", "pods", "-l", &format!("buildrun.shipwright.io/name={buildrun}")]);
    let pod = &pods["items"][0];
    let container = pod["spec"]["containers"]
        .as_array()
        .and_then(|containers| containers.iter().find(|container| container["name"] == format!("step-{step}")))
        .unwrap_or_else(|| panic!("{buildrun}: no step-{step} container: {pod:#}"));
    container["securityContext"].clone()
}

fn expect_failure(cluster: &Cluster, buildrun: &serde_json::Value, reason: &str, message: &str) {
    let name = buildrun["metadata"]["name"].as_str().unwrap_or_default();
    let condition = succeeded_condition(buildrun).map(|condition| &condition["reason"]);
    assert_eq!(condition, Some(&json!("Failed")), "{buildrun:#}");
    let failure = &buildrun["status"]["failureDetails"];
    assert_eq!(failure["reason"], reason, "{name}: {buildrun:#}\n{}", cluster.pod_logs(name));
    let said = failure["message"].as_str().unwrap_or_default();
    assert!(said.contains(message), "{name}: no `{message}` in {failure:#}");
}

/// Step 1's credentials: the Build's pushSecret (a dockerconfigjson Secret) reaches kiln as
/// docker config, and kiln pushes with it to a registry that wants a login; the credentials are
/// not in the image.
fn pushes_with_the_builds_push_secret(
    cluster: &Cluster,
    source: &str,
    params: &serde_json::Value,
    env: &[(&str, &str)],
) {
    let login_registry = TestRegistry::start_with_login("kiln", PUSH_PASSWORD);
    let login = format!("kiln:{PUSH_PASSWORD}");
    let server = format!("--docker-server={}", login_registry.address);
    let password = format!("--docker-password={PUSH_PASSWORD}");
    cluster.kubectl_ok(&[
        "create",
        "secret",
        "docker-registry",
        "push-credentials",
        "--docker-username=kiln",
        &server,
        &password,
    ]);
    let image = format!("{}/shipwright/go-http:1", login_registry.address);
    let mut spec = build_spec("kiln-buildpacks", source, &image, params, env);
    spec["output"]["pushSecret"] = json!("push-credentials");
    let buildrun = build_and_run(cluster, "go-http-push-secret", &spec);
    expect_succeeded(cluster, &buildrun, &image, Some(&login));
    let encoded = base64::engine::general_purpose::STANDARD.encode(&login);
    for secret in [PUSH_PASSWORD, encoded.as_str()] {
        assert!(!image_holds(&image, &login, secret), "the image holds the push credentials ({secret})");
    }
}

/// Step 5: the Dockerfile strategies build dockerfile-app on a busybox from the registry, each
/// step as its strategy's user, unprivileged.
fn dockerfile_strategies_publish(cluster: &Cluster, source: &str, registry: &str) {
    let base = format!("BASE_IMAGE={}", cluster.setting("BUSYBOX_IMAGE"));
    for (strategy, image_param, step_name) in
        [("kiln-buildah", "BUILDAH_IMAGE", "build-and-push"), ("kiln-kaniko", "KANIKO_IMAGE", "build")]
    {
        let image = format!("{registry}/shipwright/dockerfile-app:{strategy}");
        let params = json!([
            value_param(&format!("{}-image", strategy.trim_start_matches("kiln-")), cluster.setting(image_param)),
            values_param("build-args", &[&base]),
            values_param("registries-insecure", &[registry]),
        ]);
        let buildrun = step(&format!("5: a {strategy} BuildRun of dockerfile-app"), || {
            build_and_run(cluster, strategy, &build_spec(strategy, source, &image, &params, &[]))
        });
        expect_published(cluster, &buildrun, &image, "Hello from kiln dockerfile-app");
        let security = step_security_context(cluster, strategy, step_name);
        assert_eq!(security["runAsUser"], 0, "{strategy}: {security:#}");
        assert_ne!(security["privileged"], true, "{strategy}: {security:#}");
    }
}

#[test]
#[ignore = "real components: root, scripts/build-cluster-tools's cluster, containerd, runc, mmdebstrap, a registry, git; scripts/test runs it"]
fn kiln_strategies_run_on_a_real_cluster() {
    let w = world();
    let registry = &w.registry.address;
    let builder = step("kiln builder with the kiln CLI", || builder_with_kiln_cli(registry));
    let work = tempfile::tempdir().expect("cluster dir");
    let cluster = step("start the cluster (control plane, node, Tekton, Shipwright)", || {
        Cluster::start(&work.path().join("cluster"), registry)
    });
    let started = Instant::now();
    step("1: strategies and samples under a server-side dry run", || strategies_and_samples_apply(&cluster));
    let disagreements =
        step("2, 3: the cluster's verdicts and kiln shipwright validate's", || verdicts_agree(&cluster));
    assert!(
        disagreements.is_empty(),
        "kiln shipwright validate disagrees with the cluster:\n{}",
        disagreements.join("\n")
    );

    let git = GitDaemon::serve(&["go-http", "empty", "dockerfile-app"]);
    let inventory_dir = tempfile::tempdir().expect("inventory dir");
    std::fs::copy(&w.inventory, inventory_dir.path().join("inventory.toml")).expect("inventory");
    let inventory = FileServer::start(inventory_dir.path());
    let inventory_url = format!("{}/inventory.toml", inventory.url.trim_end_matches('/'));
    let buildpacks_params = json!([value_param("builder-image", &builder)]);

    // 4. kiln-buildpacks builds go-http from Git; the digest is the registry's; the image serves.
    let function_env = [("FUNC_NAME", "HelloWorld"), ("KILN_INVENTORY", inventory_url.as_str())];
    let image = format!("{registry}/shipwright/go-http:1");
    let buildrun = step("4: a kiln-buildpacks BuildRun of go-http", || {
        build_and_run(
            &cluster,
            "go-http",
            &build_spec("kiln-buildpacks", &git.url("go-http"), &image, &buildpacks_params, &function_env),
        )
    });
    expect_published(&cluster, &buildrun, &image, "Hello, World!");

    // 7. The kiln-buildpacks step runs as cnb, unprivileged, with no capability at all.
    let security = step_security_context(&cluster, "go-http", "build-and-push");
    assert_eq!((&security["runAsUser"], &security["runAsGroup"]), (&json!(1000), &json!(1000)), "{security:#}");
    assert_eq!(security["runAsNonRoot"], true, "{security:#}");
    assert_eq!(security["allowPrivilegeEscalation"], false, "{security:#}");
    assert_eq!(security["capabilities"], json!({"drop": ["ALL"]}), "{security:#}");
    assert_ne!(security["privileged"], true, "{security:#}");

    step("1: a kiln-buildpacks BuildRun pushing with the Build's pushSecret", || {
        pushes_with_the_builds_push_secret(&cluster, &git.url("go-http"), &buildpacks_params, &function_env);
    });
    dockerfile_strategies_publish(&cluster, &git.url("dockerfile-app"), registry);

    // 6. Failures reach the BuildRun's status: kiln's error kind and message, and the
    // Dockerfile strategies' own reason.
    let buildrun = step("6: a kiln-buildpacks BuildRun of a source nothing detects", || {
        let env = [("KILN_INVENTORY", inventory_url.as_str())];
        let image = format!("{registry}/shipwright/empty:1");
        build_and_run(
            &cluster,
            "empty",
            &build_spec("kiln-buildpacks", &git.url("empty"), &image, &buildpacks_params, &env),
        )
    });
    expect_failure(&cluster, &buildrun, "NoBuildpackDetected", "no buildpack detected");
    let buildrun = step("6: a kiln-buildah BuildRun without its Dockerfile", || {
        let image = format!("{registry}/shipwright/no-dockerfile:1");
        let params = json!([
            value_param("buildah-image", cluster.setting("BUILDAH_IMAGE")),
            value_param("dockerfile", "Containerfile"),
        ]);
        build_and_run(
            &cluster,
            "no-dockerfile",
            &build_spec("kiln-buildah", &git.url("dockerfile-app"), &image, &params, &[]),
        )
    });
    expect_failure(&cluster, &buildrun, "DockerfileNotFound", "Containerfile does not exist");
    progress(&format!("the Shipwright tests took {:.1} s after the cluster started", started.elapsed().as_secs_f64()));
    let left = step("stop the cluster", || cluster.stop());
    assert!(left.is_empty(), "the cluster left behind:\n{}", left.join("\n"));
}
