//! The API server's checks of a custom resource: its CRD's structural schema (types, required
//! fields, enums, patterns, bounds) under strict field validation, so that a field the schema
//! does not declare is refused as `kubectl apply --validate=strict` refuses it, and the object
//! metadata every resource has. The rules are named with the API server's words: `Required
//! value`, `Invalid value`, `Unsupported value`, `unknown field`.

use crate::Problem;
use regex::Regex;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// The fields of `metadata` (Kubernetes' `ObjectMeta`) a document may set.
const OBJECT_META_FIELDS: [&str; 15] = [
    "name",
    "generateName",
    "namespace",
    "selfLink",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "labels",
    "annotations",
    "ownerReferences",
    "finalizers",
    "managedFields",
];

/// What a resource name must be: a lowercase RFC 1123 subdomain, at most 253 characters.
const SUBDOMAIN: &str = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";

/// Checks values against schemas, compiling each pattern once.
pub(crate) struct Checker {
    patterns: HashMap<String, Option<Regex>>,
    subdomain: Regex,
}

impl Checker {
    pub(crate) fn new() -> Self {
        Self { patterns: HashMap::new(), subdomain: Regex::new(SUBDOMAIN).expect("the subdomain pattern compiles") }
    }

    /// The problems of `document` (a whole resource) against its CRD's `schema`.
    pub(crate) fn check_resource(&mut self, schema: &Value, document: &Value) -> Vec<Problem> {
        let mut problems = Vec::new();
        self.check_metadata(document.get("metadata"), &mut problems);
        if let Some(object) = document.as_object() {
            let without_metadata: Map<String, Value> =
                object.iter().filter(|(name, _)| *name != "metadata").map(|(k, v)| (k.clone(), v.clone())).collect();
            self.check(schema, &Value::Object(without_metadata), "", &mut problems);
        }
        problems
    }

    fn check_metadata(&self, metadata: Option<&Value>, problems: &mut Vec<Problem>) {
        let Some(metadata) = metadata.and_then(Value::as_object) else {
            problems.push(Problem::new("metadata", "Required value", "name or generateName is required"));
            return;
        };
        for name in metadata.keys().filter(|name| !OBJECT_META_FIELDS.contains(&name.as_str())) {
            problems.push(Problem::new(format!("metadata.{name}"), "unknown field", "metadata has no such field"));
        }
        let name = metadata.get("name").and_then(Value::as_str);
        let generate_name = metadata.get("generateName").and_then(Value::as_str);
        match (name, generate_name) {
            (None, None) => problems.push(Problem::new("metadata.name", "Required value", "name or generateName is required")),
            (Some(name), _) if name.len() > 253 || !self.subdomain.is_match(name) => problems.push(Problem::new(
                "metadata.name",
                "Invalid value",
                format!(
                    "{name:?}: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"
                ),
            )),
            _ => {}
        }
        for map in ["labels", "annotations"] {
            if let Some(entries) = metadata.get(map).and_then(Value::as_object) {
                for (key, value) in entries.iter().filter(|(_, value)| !value.is_string()) {
                    problems.push(Problem::new(
                        format!("metadata.{map}.{key}"),
                        "Invalid value",
                        format!("must be a string, not {}", type_name(value)),
                    ));
                }
            }
        }
    }

    fn check(&mut self, schema: &Value, value: &Value, path: &str, problems: &mut Vec<Problem>) {
        // An unset field (`null`) is dropped by the API server, as if it were absent.
        if value.is_null() {
            return;
        }
        if schema.get("x-kubernetes-int-or-string").and_then(Value::as_bool) == Some(true) {
            if !(value.is_i64() || value.is_u64() || value.is_string()) {
                problems.push(wrong_type(path, "integer or string", value));
            }
            return;
        }
        match schema.get("type").and_then(Value::as_str) {
            Some("object") => self.check_object(schema, value, path, problems),
            Some("array") => {
                let Some(items) = value.as_array() else { return problems.push(wrong_type(path, "array", value)) };
                if let Some(minimum) = schema.get("minItems").and_then(Value::as_u64) {
                    if (items.len() as u64) < minimum {
                        problems.push(Problem::new(
                            path,
                            "Invalid value",
                            format!("must have at least {minimum} items"),
                        ));
                    }
                }
                if let Some(item_schema) = schema.get("items") {
                    for (index, item) in items.iter().enumerate() {
                        self.check(item_schema, item, &format!("{path}[{index}]"), problems);
                    }
                }
            }
            Some("string") => {
                let Some(text) = value.as_str() else { return problems.push(wrong_type(path, "string", value)) };
                self.check_string(schema, text, path, problems);
            }
            Some("integer") => {
                let Some(number) = value.as_i64() else { return problems.push(wrong_type(path, "integer", value)) };
                check_bounds(schema, number, path, problems);
            }
            Some("number") if !value.is_number() => problems.push(wrong_type(path, "number", value)),
            Some("boolean") if !value.is_boolean() => problems.push(wrong_type(path, "boolean", value)),
            _ => {}
        }
    }

    fn check_object(&mut self, schema: &Value, value: &Value, path: &str, problems: &mut Vec<Problem>) {
        let Some(object) = value.as_object() else { return problems.push(wrong_type(path, "object", value)) };
        let properties = schema.get("properties").and_then(Value::as_object);
        let additional = schema.get("additionalProperties");
        let keeps_unknown = schema.get("x-kubernetes-preserve-unknown-fields").and_then(Value::as_bool) == Some(true);
        for (name, field) in object {
            let field_path = if path.is_empty() { name.clone() } else { format!("{path}.{name}") };
            if let Some(field_schema) = properties.and_then(|properties| properties.get(name)) {
                self.check(field_schema, field, &field_path, problems);
            } else if let Some(field_schema) = additional.filter(|additional| additional.is_object()) {
                self.check(field_schema, field, &field_path, problems);
            } else if !(keeps_unknown || additional.and_then(Value::as_bool) == Some(true)) {
                problems.push(Problem::new(field_path, "unknown field", "the schema declares no such field"));
            }
        }
        for required in schema.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str)
        {
            if !object.contains_key(required) {
                let field_path = if path.is_empty() { required.to_string() } else { format!("{path}.{required}") };
                problems.push(Problem::new(field_path, "Required value", "the schema requires it"));
            }
        }
    }

    fn check_string(&mut self, schema: &Value, text: &str, path: &str, problems: &mut Vec<Problem>) {
        if let Some(allowed) = schema.get("enum").and_then(Value::as_array) {
            if !allowed.iter().any(|option| option.as_str() == Some(text)) {
                let options: Vec<String> = allowed.iter().filter_map(Value::as_str).map(|o| format!("{o:?}")).collect();
                problems.push(Problem::new(
                    path,
                    "Unsupported value",
                    format!("{text:?}: supported values: {}", options.join(", ")),
                ));
            }
        }
        if let Some(pattern) = schema.get("pattern").and_then(Value::as_str) {
            let compiled = self.patterns.entry(pattern.to_string()).or_insert_with(|| Regex::new(pattern).ok());
            if compiled.as_ref().is_some_and(|regex| !regex.is_match(text)) {
                problems.push(Problem::new(path, "Invalid value", format!("{text:?}: must match {pattern:?}")));
            }
        }
    }
}

fn check_bounds(schema: &Value, number: i64, path: &str, problems: &mut Vec<Problem>) {
    let (minimum, maximum) = match schema.get("format").and_then(Value::as_str) {
        Some("int32") => (i64::from(i32::MIN), i64::from(i32::MAX)),
        _ => (i64::MIN, i64::MAX),
    };
    let minimum = schema.get("minimum").and_then(Value::as_i64).unwrap_or(minimum);
    let maximum = schema.get("maximum").and_then(Value::as_i64).unwrap_or(maximum);
    if number < minimum {
        problems.push(Problem::new(
            path,
            "Invalid value",
            format!("{number}: must be greater than or equal to {minimum}"),
        ));
    } else if number > maximum {
        problems.push(Problem::new(
            path,
            "Invalid value",
            format!("{number}: must be less than or equal to {maximum}"),
        ));
    }
}

fn wrong_type(path: &str, expected: &str, value: &Value) -> Problem {
    Problem::new(path, "Invalid value", format!("must be of type {expected}, not {}", type_name(value)))
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(number) if number.is_f64() => "number",
        Value::Number(_) => "integer",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn problems(schema: &Value, value: &Value) -> Vec<String> {
        let mut found = Vec::new();
        Checker::new().check(schema, value, "", &mut found);
        found.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn checks_types_required_fields_enums_patterns_bounds_and_unknown_fields() {
        let schema = json!({"type": "object", "required": ["image"], "properties": {
            "image": {"type": "string", "pattern": "^[a-z]+$"},
            "kind": {"type": "string", "enum": ["BuildStrategy", "ClusterBuildStrategy"]},
            "timeout": {"type": "integer", "format": "int32", "minimum": 0},
            "labels": {"type": "object", "additionalProperties": {"type": "string"}},
            "port": {"x-kubernetes-int-or-string": true, "anyOf": [{"type": "integer"}, {"type": "string"}]},
            "args": {"type": "array", "items": {"type": "string"}}}});
        assert_eq!(
            problems(&schema, &json!({"image": "abc", "labels": {"a": "b"}, "port": "http"})),
            Vec::<String>::new()
        );
        assert_eq!(
            problems(&schema, &json!({"kind": "Task", "timeout": -1, "args": ["x", 3], "extra": true, "port": [1]})),
            [
                "args[1]: Invalid value: must be of type string, not integer",
                "extra: unknown field: the schema declares no such field",
                "kind: Unsupported value: \"Task\": supported values: \"BuildStrategy\", \"ClusterBuildStrategy\"",
                "port: Invalid value: must be of type integer or string, not array",
                "timeout: Invalid value: -1: must be greater than or equal to 0",
                "image: Required value: the schema requires it",
            ]
        );
        assert_eq!(
            problems(&schema, &json!({"image": "A1"})),
            ["image: Invalid value: \"A1\": must match \"^[a-z]+$\""]
        );
    }

    #[test]
    fn metadata_needs_a_name_that_is_a_subdomain_and_no_unknown_fields() {
        let schema = json!({"type": "object", "properties": {"kind": {"type": "string"}}});
        let check = |document: Value| -> Vec<String> {
            Checker::new().check_resource(&schema, &document).iter().map(ToString::to_string).collect()
        };
        assert!(check(json!({"kind": "Build", "metadata": {"generateName": "go-"}})).is_empty());
        assert_eq!(
            check(json!({"kind": "Build", "metadata": {}})),
            ["metadata.name: Required value: name or generateName is required"]
        );
        let found = check(json!({"metadata": {"name": "Go_HTTP", "nmae": "x"}}));
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[0].starts_with("metadata.nmae: unknown field"), "{found:?}");
        assert!(
            found[1].starts_with("metadata.name: Invalid value: \"Go_HTTP\": a lowercase RFC 1123 subdomain"),
            "{found:?}"
        );
    }
}
