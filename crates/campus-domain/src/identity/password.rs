//! argon2id hashing on the blocking pool, with a bound on concurrent hashes so a login flood
//! cannot starve the async runtime or exhaust memory (each hash holds `memory_kib`).

use std::sync::Arc;

use argon2::{Algorithm, Argon2, Params, PasswordHasher as _, PasswordVerifier as _, Version};
use campus_config::Argon2Settings;
use tokio::sync::Semaphore;

/// Why hashing failed: only on misconfiguration or a failed blocking task.
#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

/// Hashes and verifies passwords.
#[derive(Debug, Clone)]
pub struct PasswordHasher {
    params: Params,
    permits: Arc<Semaphore>,
    /// Verified against when the account does not exist, so unknown-user logins cost the
    /// same as wrong-password logins.
    dummy_hash: Arc<str>,
}

impl PasswordHasher {
    pub fn new(settings: &Argon2Settings) -> Result<Self, HashError> {
        let params = Params::new(
            settings.memory_kib,
            settings.iterations,
            settings.parallelism,
            None,
        )
        .map_err(|e| HashError(e.to_string()))?;
        let permits = match settings.max_concurrent {
            0 => std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
            n => n,
        };
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
        let dummy_hash = argon
            .hash_password(b"campus-dummy-password-for-unknown-users")
            .map_err(|e| HashError(e.to_string()))?
            .to_string();
        Ok(Self {
            params,
            permits: Arc::new(Semaphore::new(permits)),
            dummy_hash: Arc::from(dummy_hash),
        })
    }

    fn argon(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    /// The PHC string (`$argon2id$v=19$m=...`) of `password`.
    pub async fn hash(&self, password: String) -> Result<String, HashError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| HashError(e.to_string()))?;
        let argon = self.argon();
        tokio::task::spawn_blocking(move || {
            argon
                .hash_password(password.as_bytes())
                .map(|h| h.to_string())
                .map_err(|e| HashError(e.to_string()))
        })
        .await
        .map_err(|e| HashError(e.to_string()))?
    }

    /// Whether `password` matches `hash`. With `None` (unknown user) a dummy hash is checked
    /// and the answer is always `false`.
    pub async fn verify(&self, password: String, hash: Option<String>) -> bool {
        let Ok(_permit) = self.permits.acquire().await else {
            return false;
        };
        // An account without a password (NO_PASSWORD) costs a hash like any other miss, so
        // timing tells nothing about which accounts exist or have a password.
        let hash = hash.filter(|h| h != NO_PASSWORD);
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| self.dummy_hash.to_string());
        let argon = self.argon();
        let matched = tokio::task::spawn_blocking(move || {
            argon.verify_password(password.as_bytes(), hash.as_str()).is_ok()
        })
        .await
        .unwrap_or(false);
        known && matched
    }
}

/// The stored hash of an account that has no password yet; no password verifies against it.
pub const NO_PASSWORD: &str = "!";

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_and_verify() {
        let hasher = PasswordHasher::new(&Argon2Settings::default()).unwrap();
        let hash = hasher.hash("Corr3ct!horse".to_owned()).await.unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
        assert!(
            hasher
                .verify("Corr3ct!horse".to_owned(), Some(hash.clone()))
                .await
        );
        assert!(!hasher.verify("wrong".to_owned(), Some(hash)).await);
        assert!(!hasher.verify("anything".to_owned(), None).await);
        assert!(
            !hasher
                .verify("x".to_owned(), Some("not a phc string".to_owned()))
                .await
        );
    }
}
