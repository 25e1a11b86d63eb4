//! Image references (`registry/repository:tag@digest`) with Docker's normalisation rules.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr};
use std::str::FromStr;

use oci_spec::distribution::Reference;

/// A parsed, normalised image reference.
///
/// Normalisation follows Docker: `ubuntu` is `docker.io/library/ubuntu:latest`; a reference
/// without a tag or digest gets the tag `latest`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef(Reference);

#[derive(Debug, thiserror::Error)]
pub enum ReferenceError {
    #[error("`{reference}` is not a valid image reference ({reason}); use the form registry/repository[:tag][@sha256:<hex>], e.g. 127.0.0.1:5000/apps/hello:1")]
    Invalid { reference: String, reason: String },
}

impl FromStr for ImageRef {
    type Err = ReferenceError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.parse::<Reference>()
            .map(Self)
            .map_err(|error| ReferenceError::Invalid { reference: s.to_string(), reason: error.to_string() })
    }
}

impl fmt::Display for ImageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.whole())
    }
}

impl ImageRef {
    /// Registry host with optional port, e.g. `docker.io` or `127.0.0.1:5000`.
    #[must_use]
    pub fn registry(&self) -> &str {
        self.0.registry()
    }

    /// Repository path inside the registry, e.g. `library/ubuntu`.
    #[must_use]
    pub fn repository(&self) -> &str {
        self.0.repository()
    }

    #[must_use]
    pub fn tag(&self) -> Option<&str> {
        self.0.tag()
    }

    /// `sha256:<hex>` if the reference pins a digest.
    #[must_use]
    pub fn digest(&self) -> Option<&str> {
        self.0.digest()
    }

    /// The same image pinned to `digest`; the tag is kept for display (the digest wins when pulling).
    #[must_use]
    pub fn with_digest(&self, digest: &str) -> ImageRef {
        let (registry, repository) = (self.registry().to_string(), self.repository().to_string());
        Self(match self.tag() {
            Some(tag) => Reference::with_tag_and_digest(registry, repository, tag.to_string(), digest.to_string()),
            None => Reference::with_digest(registry, repository, digest.to_string()),
        })
    }

    /// The same repository at `tag`, without any digest.
    #[must_use]
    pub fn with_tag(&self, tag: &str) -> ImageRef {
        Self(Reference::with_tag(self.registry().to_string(), self.repository().to_string(), tag.to_string()))
    }

    /// Whether the registry is on this machine (127.0.0.0/8, `localhost` or `[::1]`), which is
    /// where plain HTTP is acceptable without the user asking for it.
    #[must_use]
    pub fn is_loopback(&self) -> bool {
        is_loopback_registry(self.registry())
    }

    pub(crate) fn as_reference(&self) -> &Reference {
        &self.0
    }
}

/// Whether a `host[:port]` registry address is a loopback address.
pub(crate) fn is_loopback_registry(registry: &str) -> bool {
    let host = if let Some(bracketed) = registry.strip_prefix('[') {
        bracketed.split(']').next().unwrap_or_default()
    } else {
        registry.split(':').next().unwrap_or_default()
    };
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<Ipv4Addr>().is_ok_and(|ip| ip.is_loopback())
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> ImageRef {
        s.parse().expect("valid reference")
    }

    const DIGEST: &str = "sha256:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff";

    #[test]
    fn short_names_normalise_to_docker_hub_library() {
        let r = parse("ubuntu");
        assert_eq!(r.registry(), "docker.io");
        assert_eq!(r.repository(), "library/ubuntu");
        assert_eq!(r.tag(), Some("latest"));
        assert_eq!(r.digest(), None);
        assert_eq!(r.to_string(), "docker.io/library/ubuntu:latest");
    }

    #[test]
    fn registry_with_port_and_nested_repository() {
        let r = parse("127.0.0.1:5000/apps/hello:1");
        assert_eq!(r.registry(), "127.0.0.1:5000");
        assert_eq!(r.repository(), "apps/hello");
        assert_eq!(r.tag(), Some("1"));
        assert_eq!(r.to_string(), "127.0.0.1:5000/apps/hello:1");
    }

    #[test]
    fn digest_references_keep_their_digest() {
        let r = parse(&format!("localhost:5000/a@{DIGEST}"));
        assert_eq!(r.digest(), Some(DIGEST));
        assert_eq!(r.tag(), None);
        assert_eq!(r.to_string(), format!("localhost:5000/a@{DIGEST}"));
    }

    #[test]
    fn with_digest_and_with_tag_rewrite_the_right_part() {
        let r = parse("127.0.0.1:5000/apps/hello:1");
        let pinned = r.with_digest(DIGEST);
        assert_eq!(pinned.digest(), Some(DIGEST));
        assert_eq!(pinned.tag(), Some("1"));
        assert_eq!(pinned.to_string(), format!("127.0.0.1:5000/apps/hello:1@{DIGEST}"));

        let retagged = pinned.with_tag("2");
        assert_eq!(retagged.tag(), Some("2"));
        assert_eq!(retagged.digest(), None);
        assert_eq!(retagged.repository(), "apps/hello");
    }

    #[test]
    fn invalid_references_are_refused_with_the_expected_form() {
        let error = "apps/hello world:1".parse::<ImageRef>().expect_err("spaces are invalid");
        assert!(error.to_string().contains("registry/repository[:tag]"), "{error}");
        assert!("".parse::<ImageRef>().is_err());
    }

    #[test]
    fn loopback_registries_are_recognised() {
        assert!(parse("127.0.0.1:5000/a").is_loopback());
        assert!(parse("127.1.2.3:5000/a").is_loopback());
        assert!(parse("localhost:5000/a").is_loopback());
        assert!(parse("localhost/a").is_loopback());
        assert!(!parse("registry.example.com/a").is_loopback());
        assert!(!parse("ubuntu").is_loopback());
        assert!(!parse("10.0.0.1:5000/a").is_loopback());
        assert!(is_loopback_registry("[::1]:5000"));
        assert!(!is_loopback_registry("[2001:db8::1]:5000"));
    }
}
