//! File storage: where uploaded files (parking photos, and later reports) live.

use std::path::PathBuf;

use secrecy::SecretString;
use serde::{Deserialize, Serialize};

/// Which store holds the files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StorageBackend {
    /// A directory on this machine (zero configuration; one instance, or a shared volume).
    Local,
    /// Any S3-compatible store (AWS S3, MinIO, Ceph, Garage, ...): what several instances use.
    S3,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StorageSettings {
    pub backend: StorageBackend,
    /// The local store's directory; unset: `<data_dir>/files`.
    pub local_dir: Option<PathBuf>,
    /// How long a signed download or upload link stays valid (seed 001: one hour).
    pub link_ttl_secs: u64,
    /// Largest photo accepted, in bytes.
    pub max_photo_bytes: u64,
    /// Keep a JPEG's metadata (EXIF: GPS position, camera) instead of stripping it.
    pub keep_photo_metadata: bool,
    /// Uploads one instance reads at once; more wait their turn (unread, in the kernel's
    /// socket buffers), so memory is bounded by this times the photo limit, not by the
    /// number of clients.
    pub max_concurrent_uploads: usize,
    pub s3: S3Settings,
}

impl Default for StorageSettings {
    fn default() -> Self {
        Self {
            backend: StorageBackend::Local,
            local_dir: None,
            link_ttl_secs: 3600,
            max_photo_bytes: 10 * 1024 * 1024,
            keep_photo_metadata: false,
            max_concurrent_uploads: 8,
            s3: S3Settings::default(),
        }
    }
}

/// An S3-compatible bucket.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct S3Settings {
    /// The endpoint, e.g. `https://s3.eu-west-1.amazonaws.com` or `http://127.0.0.1:9000`;
    /// unset: AWS's endpoint for `region`.
    pub endpoint: Option<String>,
    pub region: String,
    pub bucket: String,
    pub access_key_id: Option<String>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::secret_file::serialize_redacted"
    )]
    pub secret_access_key: Option<SecretString>,
    /// Address the bucket as `endpoint/bucket/key` (MinIO and most self-hosted stores)
    /// rather than `bucket.endpoint/key`.
    pub path_style: bool,
    /// Allow a plain-HTTP endpoint (a store on loopback or a private network).
    pub allow_http: bool,
}

impl Default for S3Settings {
    fn default() -> Self {
        Self {
            endpoint: None,
            region: "us-east-1".to_owned(),
            bucket: String::new(),
            access_key_id: None,
            secret_access_key: None,
            path_style: true,
            allow_http: false,
        }
    }
}
