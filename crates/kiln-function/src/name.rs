//! Whether `FUNC_NAME` can name a function at all in the build's language: a value such as
//! `Hello;rm -rf /` is refused as what it is before any lookup, whose "not found, add it to the
//! source" advice would be wrong for it.

use crate::config::FUNCTION_TARGET;
use kiln_error::{ErrorKind, ErrorMessage};

/// How a language spells identifiers; each buildpack supplies its own.
#[derive(Clone, Copy, Debug)]
pub struct IdentifierRule {
    /// The language, for messages: `Go`.
    pub language: &'static str,
    /// The rule in words, completing "a {language} identifier is …".
    pub description: &'static str,
    pub is_identifier: fn(&str) -> bool,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("{} is `{name}`, which is not a {language} identifier: a {language} identifier is {description}", FUNCTION_TARGET.name)]
pub struct InvalidFunctionName {
    pub name: String,
    pub language: &'static str,
    pub description: &'static str,
}

impl InvalidFunctionName {
    #[must_use]
    pub fn message(&self) -> ErrorMessage {
        ErrorMessage {
            kind: ErrorKind::InvalidFunctionName,
            header: format!("{} cannot name a {} function", FUNCTION_TARGET.name, self.language),
            body: self.to_string(),
            advice: format!(
                "Set {} to the function's name exactly as the source declares it, e.g. `--env {}=HelloWorld`.",
                FUNCTION_TARGET.name, FUNCTION_TARGET.name
            ),
        }
    }
}

/// Refuses a `name` that `rule` says is no identifier.
pub fn check_function_name(name: &str, rule: &IdentifierRule) -> Result<(), InvalidFunctionName> {
    if (rule.is_identifier)(name) {
        Ok(())
    } else {
        Err(InvalidFunctionName { name: name.to_string(), language: rule.language, description: rule.description })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ASCII_WORDS: IdentifierRule = IdentifierRule {
        language: "Test",
        description: "ASCII letters only",
        is_identifier: |name| !name.is_empty() && name.bytes().all(|byte| byte.is_ascii_alphabetic()),
    };

    #[test]
    fn a_name_the_language_cannot_spell_is_refused_with_its_own_kind() {
        check_function_name("Hello", &ASCII_WORDS).expect("an identifier");
        let error = check_function_name("Hello;rm -rf /", &ASCII_WORDS).expect_err("not an identifier");
        let message = error.message();
        assert_eq!(message.kind, ErrorKind::InvalidFunctionName);
        assert!(message.body.contains("`Hello;rm -rf /`, which is not a Test identifier"), "{}", message.body);
        assert!(message.body.contains("ASCII letters only"), "{}", message.body);
        assert!(!message.advice.contains("add"), "no advice to add it to the source: {}", message.advice);
    }
}
