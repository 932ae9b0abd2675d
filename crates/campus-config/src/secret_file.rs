//! The signing secret generated on first start when none is configured, kept in the data
//! directory with owner-only permissions so restarts keep issued tokens valid.

use std::io::Write;
use std::path::Path;

use base64::Engine;
use rand::RngCore;
use secrecy::SecretString;
use serde::Serializer;

use crate::ConfigError;

/// Serialises any present secret as `"[redacted]"`.
pub(crate) fn serialize_redacted<S: Serializer>(
    _value: &Option<SecretString>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str("[redacted]")
}

/// Reads `<dir>/<name>`, or creates it with 48 random bytes (base64) and mode 0600.
pub fn load_or_create_secret(dir: &Path, name: &str) -> Result<SecretString, ConfigError> {
    let path = dir.join(name);
    let io = |what: String| move |source| ConfigError::Io { what, source };
    match std::fs::read_to_string(&path) {
        Ok(text) if text.trim().len() >= 32 => return Ok(SecretString::from(text.trim().to_owned())),
        Ok(_) => {
            return Err(ConfigError::Other(format!(
                "{} is shorter than 32 characters; delete it to have a new one generated",
                path.display()
            )));
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io(format!("cannot read {}", path.display()))(e)),
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .map_err(io(format!("cannot create {}", dir.display())))?;
    let mut bytes = [0u8; 48];
    rand::rng().fill_bytes(&mut bytes);
    let secret = base64::engine::general_purpose::STANDARD.encode(bytes);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(&path) {
        Ok(mut file) => {
            file.write_all(secret.as_bytes())
                .map_err(io(format!("cannot write {}", path.display())))?;
            Ok(SecretString::from(secret))
        }
        // Another process created it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => load_or_create_secret(dir, name),
        Err(e) => Err(io(format!("cannot create {}", path.display()))(e)),
    }
}
