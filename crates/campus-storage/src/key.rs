//! Object keys that cannot escape their prefix, and file names safe to show and store.

use std::fmt;

use crate::StorageError;

/// Longest key, in bytes (S3 allows 1024).
pub const MAX_KEY_BYTES: usize = 1024;

/// A checked object key: `/`-separated segments of printable characters, none empty, `.` or
/// `..`, no backslash, no leading `/`. Such a key names one object under the store's root
/// and nothing outside it, on every backend.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BlobKey(String);

impl BlobKey {
    pub fn parse(text: &str) -> Result<Self, StorageError> {
        let bad = |why: &'static str| Err(StorageError::InvalidKey(why));
        if text.is_empty() || text.len() > MAX_KEY_BYTES {
            return bad("must be 1 to 1024 bytes");
        }
        if text.chars().any(|c| c.is_control() || c == '\\') {
            return bad("must not contain control characters or backslashes");
        }
        if text
            .split('/')
            .any(|segment| segment.is_empty() || segment == "." || segment == "..")
        {
            return bad("must be segments separated by single slashes, none `.` or `..`");
        }
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for BlobKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A client's file name reduced to what is safe in a key and a `Content-Disposition`: its
/// last path segment, letters, digits, `.`, `-` and `_` (others become `_`), no leading dot,
/// at most 100 characters; `file` when nothing is left.
pub fn sanitize_file_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let trimmed = cleaned.trim_start_matches('.');
    let short: String = trimmed
        .chars()
        .rev()
        .take(100)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    if short.trim_matches(['_', '.']).is_empty() {
        "file".to_owned()
    } else {
        short
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_that_could_escape_or_confuse_are_refused() {
        for bad in [
            "",
            "/abs",
            "a//b",
            "a/../b",
            "..",
            "a/.",
            "a\\b",
            "a\u{0}b",
            "a\nb",
            "trailing/",
        ] {
            assert!(BlobKey::parse(bad).is_err(), "{bad:?}");
        }
        assert!(BlobKey::parse(&"k".repeat(1025)).is_err());
        assert_eq!(
            BlobKey::parse("user_1/parking_17_a.jpg").unwrap().as_str(),
            "user_1/parking_17_a.jpg"
        );
    }

    #[test]
    fn file_names_keep_only_their_safe_last_segment() {
        assert_eq!(sanitize_file_name("../../etc/passwd"), "passwd");
        assert_eq!(sanitize_file_name("C:\\Users\\me\\car park.JPG"), "car_park.JPG");
        assert_eq!(sanitize_file_name(".hidden"), "hidden");
        assert_eq!(sanitize_file_name("a\u{0}b.png"), "a_b.png");
        assert_eq!(sanitize_file_name("..."), "file");
        assert_eq!(sanitize_file_name(""), "file");
        assert_eq!(sanitize_file_name("é.jpg"), "_.jpg");
        let long = format!("{}.jpg", "x".repeat(200));
        let kept = sanitize_file_name(&long);
        assert_eq!(kept.len(), 100);
        assert!(kept.ends_with(".jpg"), "the extension survives");
    }
}
