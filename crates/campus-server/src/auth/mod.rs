//! Authentication at the HTTP edge. `AuthUser` accepts a Bearer access token; role gates are
//! extractors (`RequireRole<Admins>`), so the roles an endpoint allows are visible in its
//! signature. Record-level rules live in the domain services.

mod extract;

pub use campus_domain::identity::roles::{Admins, FinanceStaff, RecordKeepers, RoleSet, SchoolStaff};
pub use extract::{AuthUser, MaybeAuthUser, RequireRole, bearer_token, codes, session_cookie};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use campus_domain::RequestMeta;
use std::net::SocketAddr;

use crate::middleware::RequestId;
use crate::state::AppState;

/// `X-Forwarded-For` entries read at most; a longer list is cut (its far end is the client's
/// own text anyway).
const MAX_FORWARDED_HOPS: usize = 32;

/// Request facts for auditing and rate limiting: request id, client IP, user agent.
#[derive(Debug, Clone)]
pub struct Meta(pub RequestMeta);

impl FromRequestParts<AppState> for Meta {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        let forwarded: Vec<&str> = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .take(MAX_FORWARDED_HOPS)
            .collect();
        let ip = peer.map(|peer| state.proxies().client_address(peer, &forwarded));
        Ok(Meta(RequestMeta {
            request_id: parts.extensions.get::<RequestId>().map(|r| r.as_str().to_owned()),
            ip: ip.map(|ip| ip.to_string()),
            user_agent: parts
                .headers
                .get(axum::http::header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
        }))
    }
}
