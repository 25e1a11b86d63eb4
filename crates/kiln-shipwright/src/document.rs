//! Reading the documents of YAML files (several per file, separated by `---`), as JSON values:
//! the form the API server checks them in.

use serde::Deserialize as _;
use serde_json::Value;
use std::fmt;
use std::path::{Path, PathBuf};

/// One document of a file.
#[derive(Clone, Debug)]
pub struct Document {
    pub file: PathBuf,
    /// Its place in the file, from 1.
    pub number: usize,
    pub value: Value,
}

#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{} is not YAML: {message}", path.display())]
    Yaml { path: PathBuf, message: String },
}

impl Document {
    pub(crate) fn field(&self, path: &[&str]) -> Option<&Value> {
        path.iter().try_fold(&self.value, |value, name| value.get(name))
    }

    pub(crate) fn text(&self, path: &[&str]) -> Option<&str> {
        self.field(path).and_then(Value::as_str)
    }

    #[must_use]
    pub fn kind(&self) -> Option<&str> {
        self.text(&["kind"])
    }

    /// `metadata.name`, else `metadata.generateName`.
    #[must_use]
    pub fn name(&self) -> Option<&str> {
        self.text(&["metadata", "name"]).or_else(|| self.text(&["metadata", "generateName"]))
    }
}

impl fmt::Display for Document {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (document {})", self.file.display(), self.number)?;
        if let Some(kind) = self.kind() {
            write!(f, " {kind}")?;
        }
        if let Some(name) = self.name() {
            write!(f, " {name}")?;
        }
        Ok(())
    }
}

/// The documents of the YAML file at `path`; empty documents are left out.
pub fn read_documents(path: &Path) -> Result<Vec<Document>, DocumentError> {
    let text =
        std::fs::read_to_string(path).map_err(|source| DocumentError::Read { path: path.to_path_buf(), source })?;
    parse_documents(path, &text)
}

pub(crate) fn parse_documents(path: &Path, text: &str) -> Result<Vec<Document>, DocumentError> {
    let mut documents = Vec::new();
    for (index, deserializer) in serde_yaml_ng::Deserializer::from_str(text).enumerate() {
        let value = Value::deserialize(deserializer)
            .map_err(|error| DocumentError::Yaml { path: path.to_path_buf(), message: error.to_string() })?;
        if !value.is_null() {
            documents.push(Document { file: path.to_path_buf(), number: index + 1, value });
        }
    }
    Ok(documents)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_each_document_of_a_file_and_names_it() {
        let text = "# a comment\napiVersion: shipwright.io/v1beta1\nkind: Build\nmetadata:\n  name: hello\n---\n---\n\
                    kind: BuildRun\nmetadata:\n  generateName: hello-\n";
        let documents = parse_documents(Path::new("samples.yaml"), text).expect("YAML");
        assert_eq!(documents.len(), 2);
        assert_eq!(documents[0].to_string(), "samples.yaml (document 1) Build hello");
        assert_eq!(documents[1].to_string(), "samples.yaml (document 3) BuildRun hello-");
        let error = parse_documents(Path::new("bad.yaml"), "kind: [").expect_err("not YAML");
        assert!(error.to_string().starts_with("bad.yaml is not YAML: "), "{error}");
    }
}
