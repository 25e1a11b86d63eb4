//! Finding the function `FUNC_NAME` names in the library's root file, and checking its
//! signature before any code is generated, so that a mistake gets a message naming the
//! expected signature instead of a compiler error about generated code.

use crate::package::Library;
use kiln_error::ErrorMessage;
use kiln_function::{
    function_not_found, wrong_signature, FoundFunction, FunctionConfig, IdentifierRule, SignatureType,
};
use quote::ToTokens;
use std::path::PathBuf;

/// Rust identifiers as a `FUNC_NAME` may spell them (raw identifiers and keywords aside).
pub(crate) const RUST_IDENTIFIER: IdentifierRule = IdentifierRule {
    language: "Rust",
    description: "a letter or `_` followed by letters, digits or `_`",
    is_identifier: |name| {
        let mut chars = name.chars();
        chars.next().is_some_and(|first| first.is_alphabetic() || first == '_')
            && chars.all(|next| next.is_alphanumeric() || next == '_')
            && name != "_"
    },
};

/// The signature each type must have, as the messages show it.
pub(crate) fn expected_signature(signature: SignatureType, name: &str) -> String {
    match signature {
        SignatureType::Http => format!(
            "pub async fn {name}(request: http::Request<bytes::Bytes>) -> http::Response<bytes::Bytes>\n  \
             (a plain `fn` works too, and so does returning Result<http::Response<bytes::Bytes>, E> with E: Display)"
        ),
        SignatureType::CloudEvent => format!(
            "pub async fn {name}(event: cloudevents::Event) -> Result<(), E>\n  \
             (E: Display; a plain `fn` works too; the crate is cloudevents-sdk 0.9)"
        ),
    }
}

/// How the generated server calls the function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Call {
    /// `async fn`, or a `fn` returning `impl Future`: its result is awaited.
    Async,
    Plain,
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum FunctionError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the function is missing")]
    NotFound(Box<ErrorMessage>),
    #[error("the function has the wrong signature")]
    WrongSignature(Box<ErrorMessage>),
}

/// Looks for `config.target` at the top of `library`'s root file. A function re-exported with
/// `pub use` is taken on trust (as async); the compiler checks it.
pub(crate) fn check(library: &Library, config: &FunctionConfig) -> Result<Call, FunctionError> {
    let path = &library.root_file;
    let text = std::fs::read_to_string(path).map_err(|source| FunctionError::Read { path: path.clone(), source })?;
    // The compiler reports a syntax error with its file and line: leave it to cargo.
    let Ok(file) = syn::parse_file(&text) else {
        return Ok(Call::Async);
    };
    let name = config.target.as_str();
    let functions: Vec<&syn::ItemFn> = file
        .items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Fn(function) => Some(function),
            _ => None,
        })
        .collect();
    let public = |function: &syn::ItemFn| matches!(function.vis, syn::Visibility::Public(_));
    let candidates = || -> Vec<FoundFunction> {
        functions.iter().filter(|function| public(function)).map(|function| found(function)).collect()
    };
    let Some(function) = functions.iter().find(|function| function.sig.ident == name) else {
        if file.items.iter().any(|item| re_exports(item, name)) {
            return Ok(Call::Async);
        }
        let place = format!("the crate {} ({})", library.crate_name, relative(library));
        return Err(FunctionError::NotFound(Box::new(function_not_found(name, &place, &candidates(), None))));
    };
    if !public(function) {
        let place = format!("the crate {} ({})", library.crate_name, relative(library));
        let note = format!("`{name}` exists but is not `pub`, so the server cannot call it.");
        return Err(FunctionError::NotFound(Box::new(function_not_found(name, &place, &candidates(), Some(&note)))));
    }
    let shape = Shape::of(&function.sig);
    if shape.fits(config.signature) {
        Ok(shape.call)
    } else {
        let fits = SignatureType::ALL.into_iter().find(|other| shape.fits(*other));
        let expected = expected_signature(config.signature, name);
        Err(FunctionError::WrongSignature(Box::new(wrong_signature(
            &found(function),
            config.signature,
            &expected,
            fits,
        ))))
    }
}

fn relative(library: &Library) -> String {
    let file = library.root_file.strip_prefix(&library.dir).unwrap_or(&library.root_file);
    file.display().to_string()
}

/// Whether `item` is a `pub use` that may bring `name` into the crate root.
fn re_exports(item: &syn::Item, name: &str) -> bool {
    fn names(tree: &syn::UseTree, name: &str) -> bool {
        match tree {
            syn::UseTree::Path(path) => names(&path.tree, name),
            syn::UseTree::Name(used) => used.ident == name,
            syn::UseTree::Rename(renamed) => renamed.rename == name,
            syn::UseTree::Glob(_) => true,
            syn::UseTree::Group(group) => group.items.iter().any(|tree| names(tree, name)),
        }
    }
    matches!(item, syn::Item::Use(used) if matches!(used.vis, syn::Visibility::Public(_)) && names(&used.tree, name))
}

/// What the signature checks look at: one argument of a recognisable type and a return value.
struct Shape {
    call: Call,
    /// The last path segment of the only argument's type: `Request`, `Event`.
    argument: Option<String>,
    returns: bool,
}

impl Shape {
    fn of(signature: &syn::Signature) -> Self {
        let returns_future = match &signature.output {
            syn::ReturnType::Type(_, returned) => matches!(&**returned, syn::Type::ImplTrait(bounds)
                if bounds.bounds.iter().any(|bound| bound.to_token_stream().to_string().contains("Future"))),
            syn::ReturnType::Default => false,
        };
        let call = if signature.asyncness.is_some() || returns_future { Call::Async } else { Call::Plain };
        let argument = match signature.inputs.iter().collect::<Vec<_>>().as_slice() {
            [syn::FnArg::Typed(argument)] => match &*argument.ty {
                syn::Type::Path(path) => path.path.segments.last().map(|segment| segment.ident.to_string()),
                _ => None,
            },
            _ => None,
        };
        Self { call, argument, returns: !matches!(signature.output, syn::ReturnType::Default) }
    }

    /// Whether the function can be a function of `signature`. Type aliases are allowed for
    /// the argument; the compiler has the last word on the types.
    fn fits(&self, signature: SignatureType) -> bool {
        let argument = self.argument.as_deref();
        self.returns
            && match signature {
                SignatureType::Http => argument.is_some_and(|argument| argument != "Event"),
                SignatureType::CloudEvent => argument.is_some_and(|argument| argument != "Request"),
            }
    }
}

/// The function as the messages show it: `pub async fn hello(request: Request<Bytes>) -> Response<Bytes>`.
fn found(function: &syn::ItemFn) -> FoundFunction {
    let signature = function.sig.to_token_stream().to_string();
    let mut tidy = signature;
    for (spaced, tight) in [
        (" :: ", "::"),
        (":: ", "::"),
        (" < ", "<"),
        ("< ", "<"),
        (" >", ">"),
        (" (", "("),
        ("( ", "("),
        (" )", ")"),
        (" ,", ","),
        (" :", ":"),
        ("& ", "&"),
    ] {
        tidy = tidy.replace(spaced, tight);
    }
    let visibility = if matches!(function.vis, syn::Visibility::Public(_)) { "pub " } else { "" };
    FoundFunction { name: function.sig.ident.to_string(), signature: format!("{visibility}{tidy}") }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kiln_error::ErrorKind;

    fn library(source: &str) -> (tempfile::TempDir, Library) {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir(dir.path().join("src")).expect("src");
        std::fs::write(dir.path().join("src/lib.rs"), source).expect("lib.rs");
        let library = Library {
            package: "f".into(),
            crate_name: "f".into(),
            dir: dir.path().to_path_buf(),
            root_file: dir.path().join("src/lib.rs"),
        };
        (dir, library)
    }

    fn checked(source: &str, name: &str, signature: SignatureType) -> Result<Call, FunctionError> {
        let (_dir, library) = library(source);
        check(&library, &FunctionConfig { target: name.into(), signature, source: PathBuf::new() })
    }

    const HTTP: &str = "use bytes::Bytes;\nuse http::{Request, Response};\n\
        pub async fn hello(request: Request<Bytes>) -> Response<Bytes> { todo!() }\n\
        pub fn plain(request: http::Request<Bytes>) -> Result<Response<Bytes>, String> { todo!() }\n\
        fn private(request: Request<Bytes>) -> Response<Bytes> { todo!() }\n\
        pub async fn receive(event: cloudevents::Event) -> Result<(), String> { Ok(()) }\n\
        pub fn no_argument() -> Response<Bytes> { todo!() }\n\
        pub use handlers::*;\n";

    #[test]
    fn async_and_plain_functions_of_both_types_are_found() {
        assert_eq!(checked(HTTP, "hello", SignatureType::Http).expect("fits"), Call::Async);
        assert_eq!(checked(HTTP, "plain", SignatureType::Http).expect("fits"), Call::Plain);
        assert_eq!(checked(HTTP, "receive", SignatureType::CloudEvent).expect("fits"), Call::Async);
        assert_eq!(checked(HTTP, "elsewhere", SignatureType::Http).expect("taken on trust"), Call::Async);
    }

    #[test]
    fn a_missing_function_lists_the_public_ones() {
        let source = HTTP.replace("pub use handlers::*;\n", "");
        let Err(FunctionError::NotFound(message)) = checked(&source, "goodbye", SignatureType::Http) else {
            panic!("goodbye was found")
        };
        assert_eq!(message.kind, ErrorKind::FunctionNotFound);
        assert!(
            message.body.contains("  hello: pub async fn hello(request: Request<Bytes>) -> Response<Bytes>"),
            "{}",
            message.body
        );
        assert!(!message.body.contains("private:"), "{}", message.body);
        let Err(FunctionError::NotFound(private)) = checked(&source, "private", SignatureType::Http) else {
            panic!("a private function was served")
        };
        assert!(private.body.contains("is not `pub`"), "{}", private.body);
    }

    #[test]
    fn a_wrong_signature_shows_the_expected_one_and_the_type_that_fits() {
        let Err(FunctionError::WrongSignature(message)) = checked(HTTP, "receive", SignatureType::Http) else {
            panic!("an event function served http")
        };
        assert_eq!(message.kind, ErrorKind::WrongSignature);
        assert!(
            message.body.contains("pub async fn receive(request: http::Request<bytes::Bytes>)"),
            "{}",
            message.body
        );
        assert!(message.advice.contains("FUNC_SIGNATURE_TYPE=cloudevent"), "{}", message.advice);
        assert!(matches!(checked(HTTP, "no_argument", SignatureType::Http), Err(FunctionError::WrongSignature(_))));
    }

    #[test]
    fn function_names_are_rust_identifiers() {
        for name in ["hello", "_private", "hello_world2", "größe"] {
            assert!((RUST_IDENTIFIER.is_identifier)(name), "{name}");
        }
        for name in ["", "_", "2fast", "hello;rm -rf /", "a-b", "crate::f"] {
            assert!(!(RUST_IDENTIFIER.is_identifier)(name), "{name}");
        }
    }
}
