//! `AuthUser`, `MaybeAuthUser` and `RequireRole<R>`.

use std::marker::PhantomData;

use axum::extract::FromRequestParts;
use axum::http::{header, request::Parts};
use campus_domain::identity::roles::RoleSet;
use campus_domain::identity::{AuthFailure, Principal};

use crate::error::ApiError;
use crate::state::AppState;
use crate::web::cookies::{SESSION_COOKIE, read};
use crate::web::csrf::{self, CsrfVerified};

/// Stable error codes of authentication failures; facades translate them to their seed's
/// messages and statuses.
pub mod codes {
    pub const TOKEN_MISSING: &str = "token_missing";
    pub const TOKEN_EXPIRED: &str = "token_expired";
    pub const TOKEN_REVOKED: &str = "token_revoked";
    pub const TOKEN_INVALID: &str = "token_invalid";
    pub const ACCOUNT_INACTIVE: &str = "account_inactive";
    pub const CSRF_FAILED: &str = "csrf_failed";
}

/// The token in `Authorization: Bearer <token>`. `Err` when the header is absent (`Missing`)
/// or not a Bearer credential (`Invalid`).
pub fn bearer_token(parts: &Parts) -> Result<&str, AuthFailure> {
    let value = parts
        .headers
        .get(header::AUTHORIZATION)
        .ok_or(AuthFailure::Missing)?;
    let text = value
        .to_str()
        .map_err(|_| AuthFailure::Invalid("Invalid Authorization header".to_owned()))?;
    match text.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() => {
            Ok(token.trim())
        }
        _ => Err(AuthFailure::Invalid(
            "Missing 'Bearer' type in 'Authorization' header. Expected 'Authorization: Bearer <JWT>'"
                .to_owned(),
        )),
    }
}

/// An authenticated user.
#[derive(Debug, Clone)]
pub struct AuthUser(pub Principal);

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if let Some(principal) = parts.extensions.get::<Principal>() {
            return Ok(AuthUser(principal.clone()));
        }
        let principal = match session_cookie(parts, state) {
            Some(session) => {
                let principal = state.identity().authenticate_web_session(session).await?;
                // A cookie is sent by the browser on its own: an unsafe request it
                // authenticates must prove it came from our page.
                if csrf::is_unsafe(&parts.method)
                    && parts.extensions.get::<CsrfVerified>().is_none()
                    && !csrf::header_matches(state, &parts.headers, session)
                {
                    return Err(ApiError::new(
                        axum::http::StatusCode::FORBIDDEN,
                        codes::CSRF_FAILED,
                        "A request signed in by the session cookie needs the page's X-CSRF-Token header.",
                    ));
                }
                principal
            }
            None => {
                let token = bearer_token(parts)?;
                state.identity().authenticate(token).await?
            }
        };
        parts.extensions.insert(principal.clone());
        Ok(AuthUser(principal))
    }
}

/// The web session cookie, used only when no `Authorization` header is sent (a header
/// always wins, so an API client is never signed in by a stray cookie).
pub fn session_cookie<'a>(parts: &'a Parts, state: &AppState) -> Option<&'a str> {
    if parts.headers.contains_key(header::AUTHORIZATION) {
        return None;
    }
    read(state, &parts.headers, SESSION_COOKIE)
}

/// An authenticated user if credentials were sent; bad credentials are still refused.
#[derive(Debug, Clone)]
pub struct MaybeAuthUser(pub Option<Principal>);

impl FromRequestParts<AppState> for MaybeAuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if session_cookie(parts, state).is_some() {
            // A stale cookie means "not signed in", not an error: cookies are ambient.
            return Ok(MaybeAuthUser(
                AuthUser::from_request_parts(parts, state).await.ok().map(|u| u.0),
            ));
        }
        if !parts.headers.contains_key(header::AUTHORIZATION) {
            return Ok(MaybeAuthUser(None));
        }
        AuthUser::from_request_parts(parts, state)
            .await
            .map(|u| MaybeAuthUser(Some(u.0)))
    }
}

/// An authenticated user whose role is in `R`; others get 403.
#[derive(Debug)]
pub struct RequireRole<R: RoleSet>(pub Principal, pub PhantomData<R>);

impl<R: RoleSet> FromRequestParts<AppState> for RequireRole<R> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let AuthUser(principal) = AuthUser::from_request_parts(parts, state).await?;
        if R::contains(principal.role) {
            Ok(RequireRole(principal, PhantomData))
        } else {
            Err(ApiError::forbidden("Your role does not allow this action."))
        }
    }
}
