//! The session cookie: its `Set-Cookie` values (HttpOnly, SameSite=Strict, Path=/, an
//! expiry, `Secure` when configured) and reading it back from a request's `Cookie` header.

use std::time::Duration;

use axum::http::{header, HeaderMap};

/// The cookie's name.
pub const COOKIE_NAME: &str = "lka_dashboard";

/// `Set-Cookie` giving the browser `token` for `lifetime`.
pub fn session_cookie(token: &str, lifetime: Duration, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!(
        "{COOKIE_NAME}={token}; Path=/; Max-Age={}; HttpOnly; SameSite=Strict{secure}",
        lifetime.as_secs()
    )
}

/// `Set-Cookie` deleting the cookie (signing out).
pub fn cleared_cookie(secure: bool) -> String {
    session_cookie("", Duration::ZERO, secure)
}

/// The session token the request carries, if any.
pub fn session_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| *name == COOKIE_NAME && !value.is_empty())
        .map(|(_, value)| value)
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    #[test]
    fn the_cookie_is_http_only_same_site_strict_with_an_expiry() {
        let cookie = session_cookie("abc", Duration::from_secs(3600), false);
        assert_eq!(
            cookie,
            "lka_dashboard=abc; Path=/; Max-Age=3600; HttpOnly; SameSite=Strict"
        );
    }

    #[test]
    fn the_secure_flag_follows_the_setting() {
        let cookie = session_cookie("abc", Duration::from_secs(60), true);
        assert!(
            cookie.ends_with("; HttpOnly; SameSite=Strict; Secure"),
            "{cookie}"
        );
        assert!(cleared_cookie(true).ends_with("; Secure"));
    }

    #[test]
    fn signing_out_expires_the_cookie_at_once() {
        assert!(cleared_cookie(false).starts_with("lka_dashboard=; Path=/; Max-Age=0;"));
    }

    #[test]
    fn the_token_is_read_among_other_cookies() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("theme=dark; lka_dashboard=tok-en_1; other=x"),
        );
        assert_eq!(session_token(&headers), Some("tok-en_1"));
        headers.insert(header::COOKIE, HeaderValue::from_static("lka_dashboard="));
        assert_eq!(session_token(&headers), None);
        assert_eq!(session_token(&HeaderMap::new()), None);
    }
}
