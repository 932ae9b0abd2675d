//! Reading portal forms: the body as `application/x-www-form-urlencoded` fields into a typed
//! struct, and the proof that the web layer checked the form's CSRF token. A body that does
//! not parse is a 400 page, never a 500.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::PageError;
use crate::web::csrf::{CsrfVerified, FORM_LIMIT};

/// A form post whose CSRF token the web layer verified, read as `T`.
pub struct PageForm<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for PageForm<T> {
    type Rejection = PageError;

    async fn from_request(req: Request, _: &S) -> Result<Self, Self::Rejection> {
        if req.extensions().get::<CsrfVerified>().is_none() {
            return Err(PageError::new(
                StatusCode::FORBIDDEN,
                "This form is missing its security token. Reload the page and try again.",
            ));
        }
        let bytes = axum::body::to_bytes(req.into_body(), FORM_LIMIT)
            .await
            .map_err(|_| {
                PageError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "The form is larger than this server accepts.",
                )
            })?;
        serde_urlencoded::from_bytes(&bytes).map(PageForm).map_err(|e| {
            PageError::new(
                StatusCode::BAD_REQUEST,
                format!("The form was not filled in as this page expects ({e})."),
            )
        })
    }
}

/// Query parameters of a page, read leniently: unknown parameters are ignored, a malformed
/// one is a 400 page.
pub struct PageQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for PageQuery<T> {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        serde_urlencoded::from_str(query).map(PageQuery).map_err(|e| {
            PageError::new(
                StatusCode::BAD_REQUEST,
                format!("This page's address has a value it cannot use ({e})."),
            )
        })
    }
}

/// Empty text as `None`: an empty field of a form means "not given".
pub fn given(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// A path parameter of a page; one that does not parse (`/app/students/abc`) names no record,
/// so it is the portal's 404 page.
pub struct PagePath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for PagePath<T> {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| PagePath(p.0))
            .map_err(|_| PageError::not_found())
    }
}

/// The first value of field `name` in a form read as pairs (grids with a field per row).
pub fn field(fields: &[(String, String)], name: &str) -> Option<String> {
    fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
}
