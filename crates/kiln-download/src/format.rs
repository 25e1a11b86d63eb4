//! The kinds of artifact a download installs.

use std::fmt;

/// File name endings (lower case) and the archive format each names.
const SUFFIXES: [(&str, Format); 5] = [
    (".tar.gz", Format::TarGz),
    (".tgz", Format::TarGz),
    (".tar.xz", Format::TarXz),
    (".txz", Format::TarXz),
    (".zip", Format::Zip),
];

/// How an artifact is laid out, and so how it is installed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// A gzip tar with one top-level directory (Go).
    TarGz,
    /// An xz tar with one top-level directory (Node.js, Rust dist archives).
    TarXz,
    /// A zip with one top-level directory. Zip needs random access, so it is downloaded to a
    /// temporary file, verified, and only then extracted.
    Zip,
    /// One file installed as it is (a static binary such as `uv`, a Python wheel).
    File { executable: bool },
}

impl Format {
    /// The format the file name at the end of `location` (a URL or path) names:
    /// `.tar.gz`/`.tgz`, `.tar.xz`/`.txz` or `.zip`; anything else (`.whl`, a bare binary) is a
    /// single file, not executable: callers that install a program say
    /// `Format::File { executable: true }` themselves.
    #[must_use]
    pub fn from_location(location: &str) -> Self {
        let path = location.split(['?', '#']).next().unwrap_or(location);
        let file_name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
        SUFFIXES
            .iter()
            .find(|(suffix, _)| file_name.ends_with(suffix))
            .map_or(Self::File { executable: false }, |(_, format)| *format)
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::TarGz => ".tar.gz archive",
            Self::TarXz => ".tar.xz archive",
            Self::Zip => ".zip archive",
            Self::File { .. } => "file",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn infers_the_format_from_the_file_name() {
        for (location, format) in [
            ("https://go.dev/dl/go1.26.8.linux-amd64.tar.gz", Format::TarGz),
            ("/mirror/node-v24.11.0-linux-x64.tar.xz", Format::TarXz),
            ("file:///mirror/rust-1.95.0-x86_64-unknown-linux-gnu.TAR.XZ", Format::TarXz),
            ("https://mirror/tool.zip?token=1#top", Format::Zip),
            ("https://mirror/six-1.17.0-py2.py3-none-any.whl", Format::File { executable: false }),
            ("https://mirror/uv", Format::File { executable: false }),
        ] {
            assert_eq!(Format::from_location(location), format, "{location}");
        }
    }
}
