//! The rules Shipwright's Build controller applies when a Build is registered, and those it
//! applies to a BuildRun before running it, each named by the reason the controller writes
//! into the status (`UndefinedParameter`, `ClusterBuildStrategyNotFound`, …). The strategies
//! and Builds a document refers to are looked for among the documents checked together: they
//! stand for what the cluster holds.

use crate::document::Document;
use crate::Problem;
use serde_json::Value;

/// Parameter names the controller keeps for itself: its own `shp-` parameters and the names
/// older strategies used.
const RESERVED_PARAMETERS: [&str; 3] = ["BUILDER_IMAGE", "DOCKERFILE", "CONTEXT_DIR"];
const RESERVED_PREFIX: &str = "shp-";
const VALUE_FIELDS: [&str; 3] = ["value", "configMapValue", "secretValue"];

/// The problems the controller finds in `document`, a Build or BuildRun that the API server
/// accepted, given the `others` checked with it.
pub(crate) fn check(document: &Document, others: &[Document]) -> Vec<Problem> {
    match document.kind() {
        Some("Build") => check_build(&document.value["spec"], "spec", others),
        Some("BuildRun") => check_build_run(document, others),
        _ => Vec::new(),
    }
}

fn check_build(spec: &Value, path: &str, others: &[Document]) -> Vec<Problem> {
    let mut problems = check_env(spec, path);
    let Some(strategy) = find_strategy(spec, path, others, &mut problems) else { return problems };
    let definitions = list(&strategy.value["spec"]["parameters"]);
    problems.extend(check_parameters(definitions, &named_values(spec), &format!("{path}.paramValues"), false));
    problems.extend(check_volumes(&strategy.value["spec"]["volumes"], &spec["volumes"], &format!("{path}.volumes")));
    problems
}

fn check_build_run(document: &Document, others: &[Document]) -> Vec<Problem> {
    let run_spec = &document.value["spec"];
    let embedded = &run_spec["build"]["spec"];
    let (build_spec, build_path) = if embedded.is_object() {
        (embedded, "spec.build.spec")
    } else {
        let name = run_spec["build"]["name"].as_str().unwrap_or_default();
        let build = others.iter().find(|other| other.kind() == Some("Build") && other.name() == Some(name));
        let Some(build) = build else {
            return vec![Problem::new(
                "spec.build.name",
                "BuildNotFound",
                format!("build.shipwright.io {name:?} not found: check it with its Build, or name one that exists"),
            )];
        };
        (&build.value["spec"], "spec")
    };
    let mut problems = if embedded.is_object() { check_build(build_spec, build_path, others) } else { Vec::new() };
    let mut unused = Vec::new();
    let Some(strategy) = find_strategy(build_spec, build_path, others, &mut unused) else {
        return if problems.is_empty() { unused } else { problems };
    };
    // The BuildRun's values replace the Build's of the same name.
    let mut values = named_values(build_spec);
    for (name, value) in named_values(run_spec) {
        values.retain(|(existing, _)| *existing != name);
        values.push((name, value));
    }
    let definitions = list(&strategy.value["spec"]["parameters"]);
    problems.extend(check_parameters(definitions, &values, "spec.paramValues", true));
    problems.extend(check_volumes(&strategy.value["spec"]["volumes"], &run_spec["volumes"], "spec.volumes"));
    problems
}

fn list(value: &Value) -> &[Value] {
    value.as_array().map_or(&[], Vec::as_slice)
}

fn named_values(spec: &Value) -> Vec<(&str, &Value)> {
    list(&spec["paramValues"]).iter().map(|value| (value["name"].as_str().unwrap_or_default(), value)).collect()
}

/// The strategy the Build spec names, among `others`; `None` (with its problem) when there is
/// none.
fn find_strategy<'a>(
    spec: &Value,
    path: &str,
    others: &'a [Document],
    problems: &mut Vec<Problem>,
) -> Option<&'a Document> {
    // An unset kind is the namespaced BuildStrategy, as the controller reads it.
    let kind = spec["strategy"]["kind"].as_str().unwrap_or("BuildStrategy");
    let name = spec["strategy"]["name"].as_str().unwrap_or_default();
    let (reason, what) = match kind {
        "BuildStrategy" => ("BuildStrategyNotFound", "buildStrategy"),
        "ClusterBuildStrategy" => ("ClusterBuildStrategyNotFound", "clusterBuildStrategy"),
        other => {
            problems.push(Problem::new(
                format!("{path}.strategy.kind"),
                "UnknownBuildStrategyKind",
                format!("unknown strategy kind {other} used, must be one of BuildStrategy, or ClusterBuildStrategy"),
            ));
            return None;
        }
    };
    let found = others.iter().find(|other| other.kind() == Some(kind) && other.name() == Some(name));
    if found.is_none() {
        problems.push(Problem::new(
            format!("{path}.strategy.name"),
            reason,
            format!("{what} {name} does not exist: check it with the strategy's file (strategies/*.yaml)"),
        ));
    }
    found
}

fn check_env(spec: &Value, path: &str) -> Vec<Problem> {
    let mut problems = Vec::new();
    for (index, variable) in list(&spec["env"]).iter().enumerate() {
        let at = format!("{path}.env[{index}]");
        if variable["name"].as_str().unwrap_or_default().is_empty() {
            problems.push(Problem::new(
                format!("{at}.name"),
                "SpecEnvNameCanNotBeBlank",
                "name for environment variable must not be blank",
            ));
        }
        if variable["value"].as_str().is_some_and(|value| !value.is_empty()) && !variable["valueFrom"].is_null() {
            problems.push(Problem::new(
                at,
                "SpecEnvOnlyOneOfValueOrValueFromMustBeSpecified",
                "only one of value or valueFrom must be specified",
            ));
        }
    }
    problems
}

/// The parameter rules, for a Build's values (`for_run` false: a value may still come with the
/// BuildRun) or a BuildRun's, merged with its Build's.
fn check_parameters(definitions: &[Value], values: &[(&str, &Value)], path: &str, for_run: bool) -> Vec<Problem> {
    let reserved: Vec<&str> = values
        .iter()
        .map(|(name, _)| *name)
        .filter(|name| RESERVED_PARAMETERS.contains(name) || name.starts_with(RESERVED_PREFIX))
        .collect();
    if !reserved.is_empty() {
        let message = format!("The following parameters are restricted and cannot be set: {}", reserved.join(", "));
        return vec![Problem::new(path, "RestrictedParametersInUse", message)];
    }
    let defined = |name: &str| definitions.iter().find(|definition| definition["name"].as_str() == Some(name));
    let undefined: Vec<&str> = values.iter().map(|(name, _)| *name).filter(|name| defined(name).is_none()).collect();
    if !undefined.is_empty() {
        let message =
            format!("The following parameters are not defined in the build strategy: {}", undefined.join(", "));
        return vec![Problem::new(path, "UndefinedParameter", message)];
    }
    let mut findings = ParameterFindings::default();
    for definition in definitions {
        let name = definition["name"].as_str().unwrap_or_default();
        let value = values.iter().find(|(value_name, _)| *value_name == name).map(|(_, value)| *value);
        findings.add(name, definition, value);
    }
    findings.into_problem(path, for_run).into_iter().collect()
}

/// The parameters that break each value rule, reported as the controller reports them: the
/// first rule broken, with every parameter that breaks it.
#[derive(Default)]
struct ParameterFindings<'a> {
    wrong_type: Vec<&'a str>,
    missing: Vec<&'a str>,
    several_values: Vec<&'a str>,
    empty_items: Vec<&'a str>,
    incomplete_config_maps: Vec<&'a str>,
    incomplete_secrets: Vec<&'a str>,
}

impl<'a> ParameterFindings<'a> {
    fn add(&mut self, name: &'a str, definition: &Value, value: Option<&Value>) {
        let array = definition["type"].as_str() == Some("array");
        let single = value.filter(|value| VALUE_FIELDS.iter().any(|field| !value[field].is_null()));
        let items = value.map(|value| &value["values"]).filter(|items| !items.is_null());
        if array {
            if single.is_some() {
                self.wrong_type.push(name);
            }
            let items = items.map_or(&[][..], list);
            if items.iter().any(|item| set_fields(item) == 0) {
                self.empty_items.push(name);
            }
            if items.iter().any(|item| set_fields(item) > 1) {
                self.several_values.push(name);
            }
            self.check_references(name, items);
            if definition["defaults"].is_null() && value.is_none_or(|value| value["values"].is_null()) {
                self.missing.push(name);
            }
        } else {
            if items.is_some() {
                self.wrong_type.push(name);
            }
            if let Some(single) = single {
                if set_fields(single) > 1 {
                    self.several_values.push(name);
                }
                self.check_references(name, std::slice::from_ref(single));
            }
            if definition["default"].is_null() && single.is_none() {
                self.missing.push(name);
            }
        }
    }

    fn check_references(&mut self, name: &'a str, values: &[Value]) {
        let incomplete = |field: &str| {
            values.iter().any(|value| {
                let reference = &value[field];
                !reference.is_null()
                    && (reference["name"].as_str().unwrap_or_default().is_empty()
                        || reference["key"].as_str().unwrap_or_default().is_empty())
            })
        };
        if incomplete("configMapValue") {
            self.incomplete_config_maps.push(name);
        }
        if incomplete("secretValue") {
            self.incomplete_secrets.push(name);
        }
    }

    fn into_problem(self, path: &str, for_run: bool) -> Option<Problem> {
        let rules: [(&[&str], &str, &str); 6] = [
            (&self.wrong_type, "WrongParameterValueType", "The values for the following parameters are using the wrong type"),
            (
                if for_run { &self.missing } else { &[] },
                "MissingParameterValues",
                "The following parameters are required but no value has been provided",
            ),
            (
                &self.several_values,
                "InconsistentParameterValues",
                "The following parameters have more than one of 'configMapValue', 'secretValue', and 'value' set",
            ),
            (
                &self.empty_items,
                "EmptyArrayItemParameterValues",
                "The values for the following array parameters are containing at least one item where none of 'configMapValue', 'secretValue', and 'value' are set",
            ),
            (
                &self.incomplete_config_maps,
                "IncompleteConfigMapValueParameterValues",
                "The values for the following parameters are containing a 'configMapValue' with an empty 'name' or 'key'",
            ),
            (
                &self.incomplete_secrets,
                "IncompleteSecretValueParameterValues",
                "The values for the following parameters are containing a 'secretValue' with an empty 'name' or 'key'",
            ),
        ];
        let (names, reason, message) = rules.into_iter().find(|(names, ..)| !names.is_empty())?;
        Some(Problem::new(path, reason, format!("{message}: {}", names.join(", "))))
    }
}

/// How many of `value`, `configMapValue` and `secretValue` are set.
fn set_fields(value: &Value) -> usize {
    VALUE_FIELDS.iter().filter(|field| !value[**field].is_null()).count()
}

fn check_volumes(strategy_volumes: &Value, volumes: &Value, path: &str) -> Vec<Problem> {
    for (index, volume) in list(volumes).iter().enumerate() {
        let name = volume["name"].as_str().unwrap_or_default();
        let at = format!("{path}[{index}]");
        let Some(declared) = list(strategy_volumes).iter().find(|declared| declared["name"].as_str() == Some(name))
        else {
            return vec![Problem::new(
                at,
                "UndefinedVolume",
                format!("Volume {name:?} is not defined in the Strategy"),
            )];
        };
        if declared["overridable"].as_bool() != Some(true) {
            return vec![Problem::new(
                at,
                "VolumeNotOverridable",
                format!("Volume {name:?} is not overridable in the Strategy"),
            )];
        }
    }
    Vec::new()
}
