//! The blob store: one interface over the local directory, an S3-compatible bucket, or
//! (unit tests only) memory.

use std::path::Path as FsPath;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::stream::{BoxStream, StreamExt, TryStreamExt};
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::local::LocalFileSystem;
use object_store::memory::InMemory;
use object_store::path::Path;
use object_store::signer::{Method, SignedUrlOptions, Signer};
use object_store::{Attribute, Attributes, ObjectStore, ObjectStoreExt, PutOptions, PutPayload};
use secrecy::{ExposeSecret, SecretString};

use campus_config::{StorageBackend, StorageSettings};

use crate::StorageError;
use crate::key::BlobKey;
use crate::links::{LinkClaims, LinkError, LinkMethod, LinkSigner, key_path};

/// Which kind of store this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreKind {
    Local,
    S3,
    /// In memory: for unit tests; `serve` refuses it.
    Memory,
}

/// A stored object's facts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredObject {
    pub key: BlobKey,
    pub size: u64,
}

/// An object being read.
pub struct Blob {
    pub size: u64,
    pub stream: BoxStream<'static, Result<Bytes, StorageError>>,
}

impl std::fmt::Debug for Blob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Blob")
            .field("size", &self.size)
            .finish_non_exhaustive()
    }
}

/// The blob store. Cheap to clone.
#[derive(Debug, Clone)]
pub struct BlobStore {
    store: Arc<dyn ObjectStore>,
    s3: Option<Arc<AmazonS3>>,
    kind: StoreKind,
    links: LinkSigner,
    link_ttl: Duration,
}

impl BlobStore {
    /// The store `settings` name: the local directory (created owner-only) or the S3 bucket.
    /// `secret` signs the local store's links.
    pub fn open(
        settings: &StorageSettings,
        data_dir: &FsPath,
        secret: &SecretString,
    ) -> Result<Self, StorageError> {
        let link_ttl = Duration::from_secs(settings.link_ttl_secs);
        match settings.backend {
            StorageBackend::Local => {
                let dir = settings
                    .local_dir
                    .clone()
                    .unwrap_or_else(|| data_dir.join("files"));
                create_private_dir(&dir)
                    .map_err(|e| StorageError::Config(format!("{}: {e}", dir.display())))?;
                let local = LocalFileSystem::new_with_prefix(&dir)?;
                Ok(Self {
                    store: Arc::new(local),
                    s3: None,
                    kind: StoreKind::Local,
                    links: LinkSigner::new(secret),
                    link_ttl,
                })
            }
            StorageBackend::S3 => {
                let s = &settings.s3;
                let mut builder = AmazonS3Builder::new()
                    .with_bucket_name(&s.bucket)
                    .with_region(&s.region)
                    .with_allow_http(s.allow_http)
                    .with_virtual_hosted_style_request(!s.path_style);
                if let Some(endpoint) = &s.endpoint {
                    builder = builder.with_endpoint(endpoint);
                }
                if let Some(id) = &s.access_key_id {
                    builder = builder.with_access_key_id(id);
                }
                if let Some(secret) = &s.secret_access_key {
                    builder = builder.with_secret_access_key(secret.expose_secret());
                }
                let s3 = Arc::new(builder.build()?);
                Ok(Self {
                    store: s3.clone(),
                    s3: Some(s3),
                    kind: StoreKind::S3,
                    links: LinkSigner::new(secret),
                    link_ttl,
                })
            }
        }
    }

    /// An in-memory store, for unit tests.
    pub fn memory(secret: &SecretString) -> Self {
        Self {
            store: Arc::new(InMemory::new()),
            s3: None,
            kind: StoreKind::Memory,
            links: LinkSigner::new(secret),
            link_ttl: Duration::from_secs(3600),
        }
    }

    pub fn kind(&self) -> StoreKind {
        self.kind
    }

    /// How long links stay valid.
    pub fn link_ttl(&self) -> Duration {
        self.link_ttl
    }

    fn path(key: &BlobKey) -> Result<Path, StorageError> {
        Path::parse(key.as_str()).map_err(|_| StorageError::InvalidKey("not a valid object path"))
    }

    /// Stores `bytes` at `key` (replacing what was there), with its content type where the
    /// store keeps one (S3; the local store's links carry it instead).
    pub async fn put(
        &self,
        key: &BlobKey,
        content_type: &str,
        payload: impl Into<PutPayload>,
    ) -> Result<StoredObject, StorageError> {
        let payload = payload.into();
        let size = payload.content_length() as u64;
        let mut options = PutOptions::default();
        if self.kind != StoreKind::Local {
            let mut attributes = Attributes::new();
            attributes.insert(Attribute::ContentType, content_type.to_owned().into());
            options.attributes = attributes;
        }
        self.store.put_opts(&Self::path(key)?, payload, options).await?;
        Ok(StoredObject {
            key: key.clone(),
            size,
        })
    }

    /// The object at `key`, streamed.
    pub async fn get(&self, key: &BlobKey) -> Result<Blob, StorageError> {
        let result = self.store.get(&Self::path(key)?).await?;
        let size = result.meta.size;
        let stream = result.into_stream().map_err(StorageError::from).boxed();
        Ok(Blob { size, stream })
    }

    /// The object's size, or `NotFound`.
    pub async fn head(&self, key: &BlobKey) -> Result<u64, StorageError> {
        Ok(self.store.head(&Self::path(key)?).await?.size)
    }

    /// Deletes the object; deleting what is not there is not an error.
    pub async fn delete(&self, key: &BlobKey) -> Result<(), StorageError> {
        match self.store.delete(&Self::path(key)?).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Every key under `prefix` (all keys when `None`), with its size.
    pub async fn list(&self, prefix: Option<&str>) -> Result<Vec<(String, u64)>, StorageError> {
        let prefix = prefix.map(Path::from);
        self.store
            .list(prefix.as_ref())
            .map_ok(|meta| (meta.location.to_string(), meta.size))
            .map_err(StorageError::from)
            .try_collect()
            .await
    }

    /// A link that lets its bearer download the object until it expires: presigned on S3,
    /// `/files/{key}?...` (served by Campus) otherwise.
    pub async fn download_link(
        &self,
        key: &BlobKey,
        content_type: &str,
        file_name: &str,
        now: i64,
    ) -> Result<String, StorageError> {
        if let Some(s3) = &self.s3 {
            return Ok(s3
                .signed_url(Method::GET, &Self::path(key)?, self.link_ttl)
                .await?
                .to_string());
        }
        Ok(self.local_link(LinkMethod::Get, key, content_type, file_name, now))
    }

    /// A link that lets its bearer upload the object (with exactly `content_type`) until it
    /// expires; the server records the object when the client confirms.
    pub async fn upload_link(
        &self,
        key: &BlobKey,
        content_type: &str,
        now: i64,
    ) -> Result<String, StorageError> {
        if let Some(s3) = &self.s3 {
            let header = http_header_value(content_type)?;
            let options = SignedUrlOptions::default().with_signed_header(
                object_store::signer::HeaderName::from_static("content-type"),
                header,
            );
            let url = s3
                .signed_url_opts(Method::PUT, &Self::path(key)?, self.link_ttl, &options)
                .await?;
            return Ok(url.to_string());
        }
        Ok(self.local_link(LinkMethod::Put, key, content_type, "upload", now))
    }

    fn local_link(
        &self,
        method: LinkMethod,
        key: &BlobKey,
        content_type: &str,
        file_name: &str,
        now: i64,
    ) -> String {
        let ttl = i64::try_from(self.link_ttl.as_secs()).unwrap_or(3600);
        let claims = LinkClaims {
            method,
            key: key.as_str().to_owned(),
            expires: now.saturating_add(ttl),
            content_type: content_type.to_owned(),
            file_name: file_name.to_owned(),
        };
        format!("/files/{}?{}", key_path(key.as_str()), self.links.query(&claims))
    }

    /// Checks a local link's signature and expiry.
    pub fn check_link(&self, claims: &LinkClaims, sig: &str, now: i64) -> Result<(), LinkError> {
        self.links.verify(claims, sig, now)
    }
}

fn http_header_value(text: &str) -> Result<object_store::signer::HeaderValue, StorageError> {
    object_store::signer::HeaderValue::from_str(text)
        .map_err(|_| StorageError::UnsupportedType(text.to_owned()))
}

fn create_private_dir(dir: &FsPath) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}
