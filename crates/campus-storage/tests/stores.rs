//! The blob store against the local directory and a real S3 server (`s3s-fs`, which checks
//! signatures): the same checks on both.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use campus_config::StorageSettings;
use campus_storage::{BlobKey, BlobStore, LinkClaims, LinkMethod, StorageError, StoreKind};
use futures_util::TryStreamExt;
use secrecy::SecretString;

fn secret() -> SecretString {
    SecretString::from("test-signing-secret-0123456789abcdef".to_owned())
}

fn now() -> i64 {
    i64::try_from(SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()).unwrap()
}

/// The stores to test: a fresh local directory, and S3 when configured.
fn stores(dir: &tempfile::TempDir, ttl: u64) -> Vec<BlobStore> {
    let local = StorageSettings {
        link_ttl_secs: ttl,
        ..StorageSettings::default()
    };
    let mut out = vec![BlobStore::open(&local, dir.path(), &secret()).unwrap()];
    if let Some(mut s3) = campus_storage::testing::s3_settings() {
        s3.link_ttl_secs = ttl;
        out.push(BlobStore::open(&s3, dir.path(), &secret()).unwrap());
    }
    out
}

/// A key under a folder no other test (or run) uses.
fn key(name: &str) -> BlobKey {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    BlobKey::parse(&format!("test_{}_{}_{n}/{name}", std::process::id(), now())).unwrap()
}

async fn read_all(store: &BlobStore, key: &BlobKey) -> Vec<u8> {
    let blob = store.get(key).await.unwrap();
    let chunks: Vec<Bytes> = blob.stream.try_collect().await.unwrap();
    chunks.concat()
}

#[tokio::test]
async fn put_get_head_list_delete() {
    let dir = tempfile::tempdir().unwrap();
    for store in stores(&dir, 3600) {
        let k = key("photo.jpg");
        let body = Bytes::from(vec![42u8; 300_000]);
        let stored = store.put(&k, "image/jpeg", body.clone()).await.unwrap();
        assert_eq!(stored.size, 300_000);
        assert_eq!(store.head(&k).await.unwrap(), 300_000, "{:?}", store.kind());
        assert_eq!(read_all(&store, &k).await, body.to_vec());
        let prefix = k.as_str().rsplit_once('/').unwrap().0;
        let listed = store.list(Some(prefix)).await.unwrap();
        assert_eq!(listed, vec![(k.as_str().to_owned(), 300_000)]);
        store.delete(&k).await.unwrap();
        assert!(matches!(store.head(&k).await, Err(StorageError::NotFound)));
        assert!(matches!(store.get(&k).await, Err(StorageError::NotFound)));
        store.delete(&k).await.unwrap();
    }
}

#[tokio::test]
async fn the_local_store_keeps_its_files_owner_only_under_the_data_directory() {
    let dir = tempfile::tempdir().unwrap();
    let store = BlobStore::open(&StorageSettings::default(), dir.path(), &secret()).unwrap();
    assert_eq!(store.kind(), StoreKind::Local);
    let k = BlobKey::parse("user_1/a.png").unwrap();
    store
        .put(&k, "image/png", Bytes::from_static(b"x"))
        .await
        .unwrap();
    assert!(dir.path().join("files/user_1/a.png").exists());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("files"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o700);
    }
}

#[tokio::test]
async fn presigned_s3_links_work_for_a_plain_client_until_tampered_with_or_expired() {
    let Some(mut settings) = campus_storage::testing::s3_settings() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    settings.link_ttl_secs = 2;
    let store = BlobStore::open(&settings, dir.path(), &secret()).unwrap();
    let k = key("car.jpg");
    store
        .put(&k, "image/jpeg", Bytes::from_static(b"\xFF\xD8\xFF jpeg bytes"))
        .await
        .unwrap();
    let link = store
        .download_link(&k, "image/jpeg", "car.jpg", now())
        .await
        .unwrap();
    let client = reqwest::Client::new();
    let res = client.get(&link).send().await.unwrap();
    assert_eq!(res.status(), 200, "{link}");
    assert_eq!(res.bytes().await.unwrap().as_ref(), b"\xFF\xD8\xFF jpeg bytes");
    // A changed signature is refused.
    let (head, sig) = link.split_once("X-Amz-Signature=").unwrap();
    let flipped: String = sig
        .chars()
        .take(64)
        .map(|c| if c == '0' { '1' } else { '0' })
        .collect();
    let res = client
        .get(format!("{head}X-Amz-Signature={flipped}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    // An upload link takes exactly the signed content type.
    let up = key("upload.png");
    let put_link = store.upload_link(&up, "image/png", now()).await.unwrap();
    let res = client
        .put(&put_link)
        .header("content-type", "image/png")
        .body("png!")
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    assert_eq!(store.head(&up).await.unwrap(), 4);
    // After the link's lifetime it is refused.
    tokio::time::sleep(std::time::Duration::from_secs(4)).await;
    let res = client.get(&link).send().await.unwrap();
    assert_eq!(res.status(), 403, "an expired presigned link still works");
    store.delete(&k).await.unwrap();
    store.delete(&up).await.unwrap();
}

#[tokio::test]
async fn local_links_carry_a_signature_over_key_expiry_and_type() {
    let dir = tempfile::tempdir().unwrap();
    let store = BlobStore::open(&StorageSettings::default(), dir.path(), &secret()).unwrap();
    let k = BlobKey::parse("user_7/parking_1_my car.jpg").unwrap();
    let t = now();
    let link = store
        .download_link(&k, "image/jpeg", "my car.jpg", t)
        .await
        .unwrap();
    assert!(
        link.starts_with("/files/user_7/parking_1_my%20car.jpg?expires="),
        "{link}"
    );
    let query: std::collections::HashMap<String, String> =
        url::form_urlencoded::parse(link.split_once('?').unwrap().1.as_bytes())
            .into_owned()
            .collect();
    let claims = LinkClaims {
        method: LinkMethod::Get,
        key: k.as_str().to_owned(),
        expires: query["expires"].parse().unwrap(),
        content_type: query["ct"].clone(),
        file_name: query["name"].clone(),
    };
    assert_eq!(claims.expires, t + 3600);
    assert!(store.check_link(&claims, &query["sig"], t).is_ok());
    assert!(store.check_link(&claims, &query["sig"], t + 3601).is_err());
    let other = LinkClaims {
        key: "user_8/parking_1_my car.jpg".to_owned(),
        ..claims
    };
    assert!(store.check_link(&other, &query["sig"], t).is_err());
}

#[tokio::test]
async fn memory_store_is_marked_for_refusal_by_serve() {
    assert_eq!(BlobStore::memory(&secret()).kind(), StoreKind::Memory);
}
