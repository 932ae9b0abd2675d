//! Photos: the real type from the file's first bytes (never the name or the client's
//! `Content-Type`), and JPEG metadata stripped before storing — a memory-aid user's photos
//! should not carry where they live.

use bytes::Bytes;
use object_store::PutPayload;

use crate::StorageError;

/// The image types a photo may be.
pub const PHOTO_TYPES: [&str; 4] = ["image/jpeg", "image/png", "image/webp", "image/heif"];

/// The photo's content type, from its magic bytes; anything else is refused.
pub fn photo_type(bytes: &[u8]) -> Result<&'static str, StorageError> {
    let found = infer::get(bytes).map(|t| t.mime_type());
    found
        .and_then(|mime| PHOTO_TYPES.iter().find(|t| **t == mime).copied())
        .ok_or_else(|| StorageError::UnsupportedType(found.unwrap_or("unknown").to_owned()))
}

/// A JPEG without its metadata segments: APP1 (EXIF with GPS and camera, XMP), APP13
/// (IPTC) and comments. Image data, colour profile (APP2) and JFIF/Adobe headers stay.
/// Other types are returned as they are. The result is the kept pieces of the original
/// buffer (no copy of the image), ready to store.
pub fn strip_metadata(content_type: &str, bytes: Bytes) -> Result<PutPayload, StorageError> {
    use img_parts::jpeg::{Jpeg, markers};
    if content_type != "image/jpeg" {
        return Ok(bytes.into());
    }
    let mut jpeg = Jpeg::from_bytes(bytes).map_err(|e| StorageError::Corrupt(e.to_string()))?;
    jpeg.segments_mut()
        .retain(|s| !matches!(s.marker(), markers::APP1 | markers::APP13 | markers::COM));
    Ok(jpeg.encoder().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal JPEG: SOI, an APP1 "Exif" segment holding a fake GPS tag, a comment, and the
    /// smallest scan img-parts reads, then EOI.
    pub(crate) fn jpeg_with_exif() -> Vec<u8> {
        let mut b = vec![0xFF, 0xD8];
        let exif = b"Exif\0\0GPS 51.5007N 0.1246W";
        b.extend([0xFF, 0xE1]);
        b.extend(u16::try_from(exif.len() + 2).unwrap_or(0).to_be_bytes());
        b.extend(exif);
        let comment = b"home address";
        b.extend([0xFF, 0xFE]);
        b.extend(u16::try_from(comment.len() + 2).unwrap_or(0).to_be_bytes());
        b.extend(comment);
        // SOS with a 1-component header, entropy data, then EOI.
        b.extend([0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00]);
        b.extend([0x12, 0x34, 0x56]);
        b.extend([0xFF, 0xD9]);
        b
    }

    #[test]
    fn the_type_comes_from_the_bytes_not_the_name() {
        assert_eq!(photo_type(&jpeg_with_exif()).ok(), Some("image/jpeg"));
        let png = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0];
        assert_eq!(photo_type(&png).ok(), Some("image/png"));
        assert!(matches!(
            photo_type(b"just some text, renamed .jpg"),
            Err(StorageError::UnsupportedType(_))
        ));
        assert!(
            matches!(photo_type(b"%PDF-1.7\n"), Err(StorageError::UnsupportedType(t)) if t == "application/pdf")
        );
    }

    #[test]
    fn jpeg_metadata_is_stripped_and_the_image_kept() {
        let original = jpeg_with_exif();
        let stripped = Bytes::from(strip_metadata("image/jpeg", Bytes::from(original.clone())).unwrap());
        let find = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).any(|w| w == needle);
        assert!(find(&original, b"GPS 51.5007N"));
        assert!(!find(&stripped, b"GPS 51.5007N"), "EXIF left in");
        assert!(!find(&stripped, b"home address"), "comment left in");
        assert!(find(&stripped, &[0x12, 0x34, 0x56]), "the scan is kept");
        assert_eq!(photo_type(&stripped).ok(), Some("image/jpeg"));
        let png = Bytes::from_static(b"\x89PNG\r\n\x1a\n....");
        assert_eq!(
            Bytes::from(strip_metadata("image/png", png.clone()).unwrap()),
            png
        );
    }
}
