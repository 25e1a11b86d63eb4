//! Reading the host's settings from variables: unset or empty means the default, and a value
//! kiln cannot use names its variable and the form expected.

/// A variable whose value is not of the form expected.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{name} is `{value}`: expected {expected}")]
pub struct SettingError {
    pub(crate) name: &'static str,
    pub(crate) value: String,
    pub(crate) expected: &'static str,
}

/// The variable `name` through `var`, parsed by `parse` (`None` if unset or empty).
pub(crate) fn setting<T>(
    var: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    parse: impl Fn(&str) -> Option<T>,
    expected: &'static str,
) -> Result<Option<T>, SettingError> {
    let Some(value) = var(name).filter(|value| !value.trim().is_empty()) else { return Ok(None) };
    parse(value.trim()).map(Some).ok_or(SettingError { name, value, expected })
}

/// The items of a comma-separated list, each through `parse`; `None` if any is not of the form.
pub(crate) fn list<T>(value: &str, parse: impl Fn(&str) -> Option<T>) -> Option<Vec<T>> {
    value.split(',').map(str::trim).filter(|item| !item.is_empty()).map(parse).collect()
}

/// Variables for tests: `pairs` as the `var` every settings reader takes.
#[cfg(test)]
pub(crate) fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let vars: std::collections::HashMap<String, String> =
        pairs.iter().map(|(name, value)| ((*name).to_string(), (*value).to_string())).collect();
    move |name| vars.get(name).cloned()
}
