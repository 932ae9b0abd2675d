//! Reading the `Cookie` header and writing `Set-Cookie` for the web pages' two cookies.

use axum::http::{HeaderMap, HeaderValue, header};

use crate::state::AppState;

/// The server-side session: a random token whose SHA-256 names a `web_sessions` row.
pub const SESSION_COOKIE: &str = "campus_session";
/// Binds the CSRF tokens of forms shown before sign-in (see `csrf`).
pub const CSRF_COOKIE: &str = "campus_csrf";

/// The name a cookie has on the wire: with the `__Host-` prefix when served over HTTPS, so a
/// browser only accepts it from this host, over a secure connection, for the whole site (a
/// sibling subdomain or a plain-HTTP page cannot plant one).
pub fn wire_name(name: &str, secure: bool) -> String {
    if secure {
        format!("__Host-{name}")
    } else {
        name.to_owned()
    }
}

/// The value of our cookie `name` as this request must carry it: only the `__Host-` one when
/// the request came over HTTPS (a planted unprefixed cookie is ignored), the plain one
/// otherwise.
pub fn read<'a>(state: &AppState, headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    cookie(headers, &wire_name(name, secure(state, headers)))
}

/// The value of cookie `name` exactly as named, if the request sent it (in any `Cookie`
/// header).
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty() && v.len() <= 128)
}

/// Whether cookies get `Secure`: always when configured, or when a proxy says the browser
/// spoke HTTPS and proxies are trusted (a client that forges the header only makes its own
/// cookie stricter).
pub fn secure(state: &AppState, headers: &HeaderMap) -> bool {
    state.settings().web.secure_cookies
        || (*state.proxies() != campus_config::TrustedProxies::Hops(0)
            && headers
                .get("x-forwarded-proto")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("https")))
}

/// `Set-Cookie` for an HttpOnly, SameSite=Lax cookie on `/`; `max_age` `None` lasts for
/// the browser session, `Some(0)` deletes it. Secure cookies get the `__Host-` prefix.
pub fn set_cookie(name: &str, value: &str, max_age: Option<i64>, secure: bool) -> HeaderValue {
    let name = wire_name(name, secure);
    let mut text = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if let Some(age) = max_age {
        text.push_str(&format!("; Max-Age={age}"));
    }
    if secure {
        text.push_str("; Secure");
    }
    // Names are constants and values are base64url tokens: always a valid header value.
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static("campus_invalid=; Max-Age=0"))
}

/// The `Set-Cookie` for a web session just opened: its token, a `Max-Age` rounded up so the
/// cookie never ends before the session does, `Secure` (and `__Host-`) over HTTPS.
pub fn session_cookie(
    state: &AppState,
    headers: &HeaderMap,
    session: &campus_domain::identity::NewWebSession,
) -> HeaderValue {
    let max_age = ((session.expires_at - state.clock().now()).num_milliseconds() + 999).max(1000) / 1000;
    set_cookie(
        SESSION_COOKIE,
        &session.token,
        Some(max_age),
        secure(state, headers),
    )
}

/// Ends the session of the cookie the browser still holds, if any (one browser, one session);
/// a failure is logged, not fatal to the sign-in that replaces it.
pub async fn end_previous_session(state: &AppState, headers: &HeaderMap, meta: &campus_domain::RequestMeta) {
    if let Some(old) = read(state, headers, SESSION_COOKIE)
        && let Err(e) = state.identity().close_web_session(old, meta).await
    {
        tracing::warn!(error = %e, "ending the previous web session failed");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_cookie_among_several_headers() {
        let mut headers = HeaderMap::new();
        headers.append(header::COOKIE, HeaderValue::from_static("a=1; campus_csrf=xyz"));
        headers.append(header::COOKIE, HeaderValue::from_static("campus_session=abc"));
        assert_eq!(cookie(&headers, CSRF_COOKIE), Some("xyz"));
        assert_eq!(cookie(&headers, SESSION_COOKIE), Some("abc"));
        assert_eq!(cookie(&headers, "missing"), None);
    }

    #[test]
    fn cookies_are_http_only_and_lax() {
        let v = set_cookie(SESSION_COOKIE, "t", Some(0), true);
        assert_eq!(
            v.to_str().ok(),
            Some("__Host-campus_session=t; Path=/; HttpOnly; SameSite=Lax; Max-Age=0; Secure")
        );
    }
}
