//! Reading manifests (OCI and Docker v2 schema2, images and indexes) and writing OCI ones.

use oci_client::manifest::{
    IMAGE_DOCKER_LAYER_GZIP_MEDIA_TYPE, IMAGE_LAYER_GZIP_MEDIA_TYPE, IMAGE_MANIFEST_LIST_MEDIA_TYPE,
    IMAGE_MANIFEST_MEDIA_TYPE, OCI_IMAGE_INDEX_MEDIA_TYPE, OCI_IMAGE_MEDIA_TYPE,
};
use oci_spec::image::{Arch, ImageIndex, ImageManifest, Os};
use serde::{Deserialize, Serialize};

use super::{RegistryError, Session};
use crate::digest::sha256_digest;

/// What we accept from registries: OCI and Docker v2 schema2 images and indexes (the CNB
/// lifecycle may write Docker media types).
const ACCEPTED_MEDIA_TYPES: &[&str] =
    &[OCI_IMAGE_MEDIA_TYPE, OCI_IMAGE_INDEX_MEDIA_TYPE, IMAGE_MANIFEST_MEDIA_TYPE, IMAGE_MANIFEST_LIST_MEDIA_TYPE];

/// Layer media types whose blobs are gzip-compressed tars.
pub(super) const GZIP_LAYER_MEDIA_TYPES: &[&str] = &[IMAGE_LAYER_GZIP_MEDIA_TYPE, IMAGE_DOCKER_LAYER_GZIP_MEDIA_TYPE];

/// A fetched top-level manifest.
enum Fetched {
    Index(Box<ImageIndex>),
    Image { manifest: Box<ImageManifest>, digest: String },
}

/// The linux/amd64 image manifest of the session's reference and its digest.
pub(super) async fn fetch_image(session: &Session<'_>) -> Result<(ImageManifest, String), RegistryError> {
    match fetch(session, session.oci_reference()).await? {
        Fetched::Image { manifest, digest } => Ok((*manifest, digest)),
        Fetched::Index(index) => {
            let digest = linux_amd64_digest(session, &index)?;
            match fetch(session, &session.oci_reference().clone_with_digest(digest)).await? {
                Fetched::Image { manifest, digest } => Ok((*manifest, digest)),
                Fetched::Index(_) => Err(invalid(session, "an index entry points at another index")),
            }
        }
    }
}

/// The digest `fetch_image` would return, without fetching the platform manifest of an index.
pub(super) async fn resolve(session: &Session<'_>) -> Result<String, RegistryError> {
    match fetch(session, session.oci_reference()).await? {
        Fetched::Image { digest, .. } => Ok(digest),
        Fetched::Index(index) => linux_amd64_digest(session, &index),
    }
}

async fn fetch(session: &Session<'_>, reference: &oci_client::Reference) -> Result<Fetched, RegistryError> {
    let (body, _) = session
        .client
        .pull_manifest_raw(reference, &session.auth, ACCEPTED_MEDIA_TYPES)
        .await
        .map_err(|source| session.request_error("fetch the manifest of", source))?;
    parse(&body).map_err(|reason| invalid(session, &reason))
}

/// Only the fields that tell an index from an image.
#[derive(Deserialize)]
struct Kind {
    #[serde(rename = "mediaType")]
    media_type: Option<String>,
    manifests: Option<serde_json::Value>,
}

fn parse(body: &[u8]) -> Result<Fetched, String> {
    let kind: Kind = serde_json::from_slice(body).map_err(|error| error.to_string())?;
    let is_index = match kind.media_type.as_deref() {
        Some(OCI_IMAGE_INDEX_MEDIA_TYPE | IMAGE_MANIFEST_LIST_MEDIA_TYPE) => true,
        Some(_) => false,
        // mediaType is optional in OCI; an index is the one with `manifests`.
        None => kind.manifests.is_some(),
    };
    if is_index {
        serde_json::from_slice(body).map(|index| Fetched::Index(Box::new(index))).map_err(|error| error.to_string())
    } else {
        let manifest = Box::new(serde_json::from_slice(body).map_err(|error| error.to_string())?);
        Ok(Fetched::Image { manifest, digest: sha256_digest(body) })
    }
}

fn linux_amd64_digest(session: &Session<'_>, index: &ImageIndex) -> Result<String, RegistryError> {
    index
        .manifests()
        .iter()
        .find(|entry| {
            entry.platform().as_ref().is_some_and(|p| *p.os() == Os::Linux && *p.architecture() == Arch::Amd64)
        })
        .map(|entry| entry.digest().to_string())
        .ok_or_else(|| RegistryError::NoLinuxAmd64 { reference: session.reference.to_string() })
}

fn invalid(session: &Session<'_>, reason: &str) -> RegistryError {
    RegistryError::InvalidManifest { reference: session.reference.to_string(), reason: reason.to_string() }
}

/// JSON with object keys sorted at every level, so equal values always serialise to the same
/// bytes (maps such as labels are `HashMap`s with random iteration order).
pub(super) fn canonical_json<T: Serialize>(value: &T) -> Vec<u8> {
    // Image configs and manifests only have string keys and no floats, so this cannot fail.
    let value = serde_json::to_value(value).map(sort_keys).expect("OCI documents serialise to JSON");
    serde_json::to_vec(&value).expect("a JSON value serialises")
}

fn sort_keys(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            let mut entries: Vec<_> = map.into_iter().collect();
            entries.sort_by(|(a, _), (b, _)| a.cmp(b));
            Value::Object(entries.into_iter().map(|(k, v)| (k, sort_keys(v))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sort_keys).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIGEST_A: &str = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    const DIGEST_B: &str = "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

    #[test]
    fn docker_schema2_manifests_parse_as_images() {
        let body = format!(
            r#"{{"schemaVersion":2,"mediaType":"{IMAGE_MANIFEST_MEDIA_TYPE}",
               "config":{{"mediaType":"application/vnd.docker.container.image.v1+json","size":7,"digest":"{DIGEST_A}"}},
               "layers":[{{"mediaType":"{IMAGE_DOCKER_LAYER_GZIP_MEDIA_TYPE}","size":9,"digest":"{DIGEST_B}"}}]}}"#
        );
        let Ok(Fetched::Image { manifest, digest }) = parse(body.as_bytes()) else { panic!("not an image") };
        assert_eq!(digest, sha256_digest(body.as_bytes()));
        assert_eq!(manifest.layers()[0].media_type().to_string(), IMAGE_DOCKER_LAYER_GZIP_MEDIA_TYPE);
    }

    #[test]
    fn indexes_without_media_type_are_recognised() {
        let body = format!(
            r#"{{"schemaVersion":2,"manifests":[
                {{"mediaType":"{OCI_IMAGE_MEDIA_TYPE}","size":1,"digest":"{DIGEST_A}","platform":{{"os":"linux","architecture":"arm64"}}}},
                {{"mediaType":"{OCI_IMAGE_MEDIA_TYPE}","size":1,"digest":"{DIGEST_B}","platform":{{"os":"linux","architecture":"amd64"}}}}]}}"#
        );
        let Ok(Fetched::Index(index)) = parse(body.as_bytes()) else { panic!("not an index") };
        assert_eq!(index.manifests()[1].digest().to_string(), DIGEST_B);
    }

    #[test]
    fn canonical_json_sorts_keys_at_every_level() {
        let value = serde_json::json!({"b": {"z": 1, "a": [{"y": 1, "x": 2}]}, "a": "s"});
        assert_eq!(canonical_json(&value), br#"{"a":"s","b":{"a":[{"x":2,"y":1}],"z":1}}"#.to_vec());
    }
}
