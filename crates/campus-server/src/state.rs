//! Shared application state handed to every handler. Everything in it is either immutable
//! configuration or a handle to a shared backend, so instances stay stateless.

use std::sync::Arc;

use campus_config::Settings;
use campus_domain::identity::Identity;
use sea_orm::DatabaseConnection;
use secrecy::SecretString;
use tower_http::cors::CorsLayer;

use crate::metrics::Metrics;

/// Cheap to clone: every field is reference-counted.
#[derive(Clone, Debug)]
pub struct AppState {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    settings: Settings,
    db: DatabaseConnection,
    metrics: Arc<Metrics>,
    signing_secret: SecretString,
    cors: Option<CorsLayer>,
    identity: Identity,
}

impl AppState {
    pub(crate) fn new(
        settings: Settings,
        db: DatabaseConnection,
        signing_secret: SecretString,
        cors: Option<CorsLayer>,
        identity: Identity,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                settings,
                db,
                metrics: Arc::new(Metrics::new()),
                signing_secret,
                cors,
                identity,
            }),
        }
    }

    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    pub fn db(&self) -> &DatabaseConnection {
        &self.inner.db
    }

    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.inner.metrics
    }

    /// HMAC key for access tokens.
    pub fn signing_secret(&self) -> &SecretString {
        &self.inner.signing_secret
    }

    /// The identity service.
    pub fn identity(&self) -> &Identity {
        &self.inner.identity
    }

    pub(crate) fn cors(&self) -> Option<&CorsLayer> {
        self.inner.cors.as_ref()
    }
}
