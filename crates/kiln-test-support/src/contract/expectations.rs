//! `contract.toml`: how to build a contract fixture and what its function answers.

use crate::http::HttpResponse;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A fixture's `contract.toml`: its build, then exactly one of `[http]` and `[cloudevent]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Expectations {
    #[serde(default)]
    pub build: Build,
    pub http: Option<HttpContract>,
    pub cloudevent: Option<CloudEventContract>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Build {
    /// Build environment, `NAME=VALUE` (what is not in the fixture's `project.toml`).
    #[serde(default)]
    pub env: Vec<String>,
    /// Text the build's log must contain.
    #[serde(default)]
    pub log: Vec<String>,
}

/// What an `http` function answers.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct HttpContract {
    pub get_with_query: Exchange,
    pub json_post: Exchange,
    pub status_and_header: Exchange,
    /// A request that makes the function panic or throw: it must answer 500.
    pub failure: Exchange,
    /// A request that takes a second or more, so that SIGTERM arrives while it is in flight.
    pub slow: Exchange,
}

/// What a `cloudevent` function answers; the suite adds the requests that are no valid event.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct CloudEventContract {
    pub binary: Exchange,
    pub structured: Exchange,
    /// An event that makes the function fail: it must answer 500.
    pub failure: Exchange,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Exchange {
    pub request: Request,
    pub answer: Answer,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Request {
    #[serde(default = "get")]
    pub method: String,
    pub path: String,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    #[serde(default)]
    pub body: String,
}

fn get() -> String {
    "GET".to_string()
}

/// What the answer must be; what is left out is not checked.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Answer {
    pub status: Option<u16>,
    /// Headers the answer has, with these values.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// The whole body.
    pub body: Option<String>,
    /// How the body starts, for bodies with a varying part.
    pub body_prefix: Option<String>,
    /// The body is JSON equal to this JSON text.
    pub json: Option<String>,
    /// Text the function's log then contains.
    pub log: Option<String>,
}

impl Answer {
    /// Each way `response` differs from this answer, said for a person.
    pub(super) fn mismatches(&self, response: &HttpResponse) -> Vec<String> {
        let mut mismatches = Vec::new();
        let text = response.text();
        if let Some(status) = self.status.filter(|status| *status != response.status) {
            mismatches.push(format!("status {}, not {status} (body: {text:?})", response.status));
        }
        for (name, value) in &self.headers {
            if response.header(name) != Some(value.as_str()) {
                mismatches.push(format!("header {name} is {:?}, not {value:?}", response.header(name)));
            }
        }
        if self.body.as_ref().is_some_and(|body| *body != text) {
            mismatches.push(format!("body {text:?}, not {:?}", self.body.as_deref().unwrap_or_default()));
        }
        if let Some(prefix) = self.body_prefix.as_ref().filter(|prefix| !text.starts_with(prefix.as_str())) {
            mismatches.push(format!("body {text:?} does not start with {prefix:?}"));
        }
        if let Some(json) = &self.json {
            let expected: serde_json::Value =
                serde_json::from_str(json).unwrap_or_else(|e| panic!("contract.toml: `json` is no JSON ({e}): {json}"));
            match serde_json::from_slice::<serde_json::Value>(&response.body) {
                Ok(actual) if actual == expected => {}
                Ok(actual) => mismatches.push(format!("JSON body {actual}, not {expected}")),
                Err(e) => mismatches.push(format!("body is no JSON ({e}): {text:?}")),
            }
        }
        mismatches
    }
}

impl Expectations {
    /// The `contract.toml` of `fixture`, or `None` when it has none (it is no contract fixture).
    #[must_use]
    pub fn of_fixture(fixture: &Path) -> Option<Self> {
        let path = fixture.join("contract.toml");
        let text = std::fs::read_to_string(&path).ok()?;
        let expectations: Self = toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(
            expectations.http.is_some() != expectations.cloudevent.is_some(),
            "{}: give exactly one of [http] and [cloudevent]",
            path.display()
        );
        Some(expectations)
    }

    /// Every contract fixture under `fixtures`, by directory name.
    #[must_use]
    pub fn of_all_fixtures(fixtures: &Path) -> Vec<(String, PathBuf, Self)> {
        let mut found: Vec<(String, PathBuf, Self)> = std::fs::read_dir(fixtures)
            .unwrap_or_else(|e| panic!("cannot list {}: {e}", fixtures.display()))
            .filter_map(Result::ok)
            .filter_map(|entry| {
                let expectations = Self::of_fixture(&entry.path())?;
                Some((entry.file_name().to_string_lossy().into_owned(), entry.path(), expectations))
            })
            .collect();
        found.sort_by(|a, b| a.0.cmp(&b.0));
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, headers: &[(&str, &str)], body: &str) -> HttpResponse {
        let headers = headers.iter().map(|(name, value)| ((*name).to_string(), (*value).to_string())).collect();
        HttpResponse { status, headers, body: body.as_bytes().to_vec() }
    }

    #[test]
    fn answers_are_compared_only_on_what_they_say() {
        let answer: Answer = toml::from_str(
            "status = 201\nheaders = { \"Content-Type\" = \"application/json\" }\njson = '{\"bytes\": 4}'",
        )
        .expect("answer");
        assert!(answer
            .mismatches(&response(201, &[("content-type", "application/json")], "{ \"bytes\":4 }"))
            .is_empty());
        let wrong = answer.mismatches(&response(200, &[], "[]"));
        assert_eq!(wrong.len(), 3, "{wrong:?}");
        let prefix = Answer { body_prefix: Some("Hello".into()), ..Answer::default() };
        assert!(prefix.mismatches(&response(500, &[], "Hello, you")).is_empty());
        assert_eq!(prefix.mismatches(&response(200, &[], "Bye")).len(), 1);
    }

    #[test]
    fn the_repository_contract_fixtures_parse() {
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../test-fixtures");
        let names: Vec<String> = Expectations::of_all_fixtures(&fixtures).into_iter().map(|(name, ..)| name).collect();
        for go_fixture in ["go-cloudevent", "go-http", "go-http-subpkg"] {
            assert!(names.iter().any(|name| name == go_fixture), "{go_fixture} has no contract.toml: {names:?}");
        }
    }
}
