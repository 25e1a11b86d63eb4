//! OCI images for kiln.
