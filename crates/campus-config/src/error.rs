//! Start-up configuration errors: each names the setting and the form it expects.

use std::path::PathBuf;

/// A configuration problem that stops start-up.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration file {0} does not exist (pass an existing file to --config)")]
    MissingFile(PathBuf),
    #[error(
        "invalid setting `{key}`: expected {expected} \
         (set it in campus.toml or as CAMPUS_{env})",
        env = env_name(key)
    )]
    Invalid { key: String, expected: String },
    #[error("invalid configuration: {0}")]
    Other(String),
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
}

/// `server.port` -> `SERVER__PORT`, the environment spelling of a key.
fn env_name(key: &str) -> String {
    key.replace('.', "__").to_uppercase()
}

impl ConfigError {
    pub(crate) fn from_figment(err: figment::Error) -> Self {
        // figment reports the first error with the path of the offending key.
        let key = err.path.join(".");
        if key.is_empty() {
            return ConfigError::Other(err.to_string());
        }
        let expected = match &err.kind {
            figment::error::Kind::InvalidType(_, exp) => exp.clone(),
            figment::error::Kind::InvalidValue(_, exp) => exp.clone(),
            figment::error::Kind::UnknownVariant(_, variants) => {
                format!("one of: {}", variants.join(", "))
            }
            figment::error::Kind::UnknownField(field, _) => {
                return ConfigError::Other(format!(
                    "unknown setting `{key}` (`{field}` is not a Campus setting; see config/default.toml)"
                ));
            }
            other => other.to_string(),
        };
        ConfigError::Invalid { key, expected }
    }
}
