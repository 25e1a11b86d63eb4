//! Shipwright documents checked offline, as a cluster checks them when they are applied:
//! first by the API server, against the CRD schemas of the pinned Shipwright release
//! (embedded; `scripts/shipwright-crds` writes them) under strict field validation, then by
//! Shipwright's Build controller, whose registration rules set a Build's `status.reason`.
//! Each finding names the document, the path in it and the rule, in the API server's and
//! Shipwright's own words, so that a person can look it up and a test can compare it with a
//! real cluster's verdict.

#![allow(
    clippy::doc_markdown,
    reason = "Shipwright's kinds (BuildRun, ClusterBuildStrategy) are words of its docs here"
)]

mod document;
mod registration;
mod schema;

pub use document::{read_documents, Document, DocumentError};
use serde_json::Value;
use std::fmt;
use std::sync::OnceLock;

/// The embedded schemas: `{"shipwright": version, "schemas": {kind: openAPIV3Schema}}`.
const CRDS: &str = include_str!("../crds/shipwright-v0.17.0.json");
const API_VERSION: &str = "shipwright.io/v1beta1";

/// A rule a document breaks, at a path in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// `spec.paramValues[0].name`; `metadata` fields as the API server names them.
    pub path: String,
    /// The API server's error type (`Required value`, `unknown field`, …) or the controller's
    /// reason (`UndefinedParameter`, …).
    pub rule: String,
    pub message: String,
}

impl Problem {
    pub(crate) fn new(path: impl Into<String>, rule: &str, message: impl Into<String>) -> Self {
        Self { path: path.into(), rule: rule.to_string(), message: message.into() }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.path, self.rule, self.message)
    }
}

/// Who refuses a document for a problem.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Checker {
    /// `kubectl apply` fails.
    ApiServer,
    /// The object is stored, and the controller sets its status reason.
    Controller,
}

/// The problems of one document.
#[derive(Debug)]
pub struct Finding<'a> {
    pub document: &'a Document,
    pub checker: Checker,
    pub problem: Problem,
}

impl fmt::Display for Finding<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.document, self.problem)
    }
}

/// The Shipwright release whose schemas and rules apply.
#[must_use]
pub fn shipwright_version() -> &'static str {
    crds()["shipwright"].as_str().unwrap_or_default()
}

/// The embedded schemas, parsed once (100 KB of JSON).
fn crds() -> &'static Value {
    static PARSED: OnceLock<Value> = OnceLock::new();
    PARSED.get_or_init(|| serde_json::from_str(CRDS).expect("the embedded CRD schemas are JSON"))
}

/// Checks `documents` as if they were applied together: a Build's strategy, and a BuildRun's
/// Build, must be among them. A document the API server refuses is not checked further,
/// since the controller never sees it.
#[must_use]
pub fn validate(documents: &[Document]) -> Vec<Finding<'_>> {
    let crds = crds();
    let mut checker = schema::Checker::new();
    let mut findings = Vec::new();
    for document in documents {
        let refused = match (document.text(&["apiVersion"]), document.kind()) {
            (Some(API_VERSION), Some(kind)) if crds["schemas"].get(kind).is_some() => {
                checker.check_resource(&crds["schemas"][kind], &document.value)
            }
            (api_version, kind) => vec![Problem::new(
                "kind",
                "no matches for kind",
                format!(
                    "no matches for kind {:?} in version {:?}: kiln checks Build, BuildRun, BuildStrategy and ClusterBuildStrategy of {API_VERSION}",
                    kind.unwrap_or_default(),
                    api_version.unwrap_or_default()
                ),
            )],
        };
        let (checker_name, problems) = if refused.is_empty() {
            (Checker::Controller, registration::check(document, documents))
        } else {
            (Checker::ApiServer, refused)
        };
        findings.extend(problems.into_iter().map(|problem| Finding { document, checker: checker_name, problem }));
    }
    findings
}
