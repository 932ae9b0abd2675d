//! For the test suites: the S3 server the tests use, from the environment.
//!
//! `CAMPUS_TEST_S3_ENDPOINT` (e.g. `http://127.0.0.1:8014`), `CAMPUS_TEST_S3_BUCKET`,
//! `CAMPUS_TEST_S3_ACCESS_KEY`, `CAMPUS_TEST_S3_SECRET_KEY`; `.ci/run` starts `s3s-fs` and
//! sets them. Unset: S3 tests are skipped, unless `CAMPUS_TEST_REQUIRE_ALL_BACKENDS=1`.

use campus_config::{S3Settings, StorageBackend, StorageSettings};
use secrecy::SecretString;

/// Storage settings for the test S3 server, or `None` when it is not configured (a panic
/// when every backend is required).
pub fn s3_settings() -> Option<StorageSettings> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    let Some(endpoint) = var("CAMPUS_TEST_S3_ENDPOINT") else {
        assert!(
            var("CAMPUS_TEST_REQUIRE_ALL_BACKENDS").as_deref() != Some("1"),
            "CAMPUS_TEST_REQUIRE_ALL_BACKENDS=1 but CAMPUS_TEST_S3_ENDPOINT is not set"
        );
        return None;
    };
    Some(StorageSettings {
        backend: StorageBackend::S3,
        s3: S3Settings {
            endpoint: Some(endpoint),
            region: "us-east-1".to_owned(),
            bucket: var("CAMPUS_TEST_S3_BUCKET").unwrap_or_else(|| "campus-test".to_owned()),
            access_key_id: var("CAMPUS_TEST_S3_ACCESS_KEY"),
            secret_access_key: var("CAMPUS_TEST_S3_SECRET_KEY").map(SecretString::from),
            path_style: true,
            allow_http: true,
        },
        ..StorageSettings::default()
    })
}
