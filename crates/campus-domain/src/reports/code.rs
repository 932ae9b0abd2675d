//! Verification codes: a keyed hash (HMAC-SHA256) of what a document certified, printed on it
//! and checkable at `GET /verify/{code}`. 80 bits in 16 base32 characters, shown in groups of
//! four; without the key nobody can make a code that verifies.

use hmac::{Hmac, Mac};
use sha2::Sha256;

const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// The verification key, derived from the server's signing secret (so it is the same on every
/// instance and never stored beside the data).
#[derive(Clone)]
pub struct CodeKey([u8; 32]);

impl std::fmt::Debug for CodeKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CodeKey(..)")
    }
}

impl CodeKey {
    pub fn derive(secret: &[u8]) -> Self {
        let mut mac = mac_with(secret);
        mac.update(b"campus report verification v1");
        Self(mac.finalize().into_bytes().into())
    }

    /// The code of a document: the request it answers and the hash of its data.
    pub fn code(&self, params_key: &str, data_hash: &str) -> String {
        let mut mac = mac_with(&self.0);
        mac.update(params_key.as_bytes());
        mac.update(b"\n");
        mac.update(data_hash.as_bytes());
        let tag = mac.finalize().into_bytes();
        encode(&tag[..10])
    }
}

fn mac_with(key: &[u8]) -> Hmac<Sha256> {
    // HMAC takes keys of any length; this cannot fail.
    <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!("HMAC accepts any key length"))
}

/// 10 bytes as 16 base32 characters.
fn encode(bytes: &[u8]) -> String {
    let mut bits: u128 = 0;
    for b in bytes {
        bits = (bits << 8) | u128::from(*b);
    }
    (0..16)
        .rev()
        .map(|i| ALPHABET[((bits >> (i * 5)) & 31) as usize] as char)
        .collect()
}

/// A code as people type it (any case, with or without dashes and spaces) in its stored
/// form, or `None` if it cannot be one.
pub fn normalize(text: &str) -> Option<String> {
    let code: String = text
        .chars()
        .filter(|c| !matches!(c, '-' | ' '))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (code.len() == 16 && code.bytes().all(|b| ALPHABET.contains(&b))).then_some(code)
}

/// The printed form: `ABCD-EFGH-JKLM-NPQR`.
pub fn display(code: &str) -> String {
    code.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_depend_on_the_key_and_the_data_and_read_back() {
        let key = CodeKey::derive(b"secret one");
        let code = key.code("request", "hash");
        assert_eq!(code.len(), 16);
        assert_eq!(code, key.code("request", "hash"));
        assert_ne!(code, key.code("request", "other hash"));
        assert_ne!(code, CodeKey::derive(b"secret two").code("request", "hash"));
        let shown = display(&code);
        assert_eq!(shown.len(), 19);
        assert_eq!(normalize(&shown.to_lowercase()), Some(code));
        assert_eq!(normalize("not a code"), None);
        assert_eq!(normalize("AAAA-AAAA-AAAA-AAA1"), None);
    }
}
