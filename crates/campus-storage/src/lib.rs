//! Campus file storage. A [`BlobStore`] over the `object_store` crate keeps files on local
//! disk (the zero-configuration default, under the data directory) or in any S3-compatible
//! bucket (what several instances share); an in-memory store serves unit tests only.
//!
//! Keys are checked so none can escape its prefix ([`BlobKey`]); downloads and uploads go
//! through signed, expiring links — presigned on S3, HMAC-signed `/files/{key}` links that
//! Campus serves for the local store ([`links`]). Photos are typed by their bytes and their
//! JPEG metadata is stripped ([`photo`]).

mod key;
pub mod links;
pub mod photo;
mod store;
pub mod testing;

use futures_util::{Stream, StreamExt};

pub use key::{BlobKey, MAX_KEY_BYTES, sanitize_file_name};
pub use links::{LinkClaims, LinkError, LinkMethod};
pub use store::{Blob, BlobStore, StoreKind, StoredObject};

/// A file's content type from its first bytes (`application/octet-stream` when unknown), as
/// a restore stores it again.
pub fn content_type_of(bytes: &[u8]) -> &'static str {
    infer::get(bytes).map_or("application/octet-stream", |t| t.mime_type())
}

/// What can go wrong with a file.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("invalid key: {0}")]
    InvalidKey(&'static str),
    #[error("no such file")]
    NotFound,
    #[error("the file is larger than {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("unsupported file type {0}")]
    UnsupportedType(String),
    #[error("the file is damaged: {0}")]
    Corrupt(String),
    #[error("storage is misconfigured: {0}")]
    Config(String),
    #[error("storage failed: {0}")]
    Backend(object_store::Error),
    #[error("reading the upload failed: {0}")]
    Read(String),
}

impl From<object_store::Error> for StorageError {
    fn from(e: object_store::Error) -> Self {
        match e {
            object_store::Error::NotFound { .. } => Self::NotFound,
            other => Self::Backend(other),
        }
    }
}

/// Reads `stream` into one buffer, refusing it as soon as it passes `limit` bytes (so an
/// oversized upload is never held whole). `expected` — the request's `Content-Length`, or
/// the stored object's size — sizes the buffer once (capped at the limit), so a 10 MiB
/// photo is not copied through a chain of doubling buffers.
pub async fn read_limited<S, B, E>(
    stream: S,
    limit: u64,
    expected: Option<u64>,
) -> Result<bytes::Bytes, StorageError>
where
    S: Stream<Item = Result<B, E>>,
    B: AsRef<[u8]>,
    E: std::fmt::Display,
{
    let capacity = expected.map_or(0, |n| n.min(limit.saturating_add(1)));
    let mut buffer = bytes::BytesMut::with_capacity(usize::try_from(capacity).unwrap_or(0));
    let mut stream = std::pin::pin!(stream);
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| StorageError::Read(e.to_string()))?;
        if (buffer.len() + chunk.as_ref().len()) as u64 > limit {
            return Err(StorageError::TooLarge { limit });
        }
        buffer.extend_from_slice(chunk.as_ref());
    }
    Ok(buffer.freeze())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn reading_stops_past_the_limit() {
        let chunks =
            |n: usize| futures_util::stream::iter((0..n).map(|_| Ok::<_, std::io::Error>(vec![7u8; 1024])));
        assert_eq!(
            read_limited(chunks(4), 4096, Some(4096)).await.unwrap().len(),
            4096
        );
        assert!(matches!(
            read_limited(chunks(5), 4096, None).await,
            Err(StorageError::TooLarge { limit: 4096 })
        ));
    }
}
