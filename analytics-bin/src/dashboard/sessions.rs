//! [`DashboardSessions`]: who is signed in. A session is a random 256-bit token, given to
//! the browser in a cookie and kept here (by its SHA-256, so the table holds nothing a
//! browser could present) with the API key it signed in with and its expiry.

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant, SystemTime},
};

use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// A signed-in browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DashboardSession {
    /// The API key of `keys:` it signed in with.
    pub api_key: String,
    /// When it ends, as wall-clock time (shown in the dashboard).
    pub expires_at: SystemTime,
    expires: Instant,
}

/// The open sessions, in memory: a restart signs everyone out.
#[derive(Debug)]
pub struct DashboardSessions {
    lifetime: Duration,
    sessions: Mutex<HashMap<[u8; 32], DashboardSession>>,
}

fn token_digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

impl DashboardSessions {
    pub fn new(lifetime: Duration) -> DashboardSessions {
        DashboardSessions {
            lifetime,
            sessions: Mutex::new(HashMap::new()),
        }
    }

    /// How long a session lasts.
    pub fn lifetime(&self) -> Duration {
        self.lifetime
    }

    /// Opens a session for `api_key` and returns its token (43 URL-safe characters).
    pub fn open(&self, api_key: &str) -> String {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        let now = Instant::now();
        let session = DashboardSession {
            api_key: api_key.to_owned(),
            expires_at: SystemTime::now() + self.lifetime,
            expires: now + self.lifetime,
        };
        let mut sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        sessions.retain(|_, session| session.expires > now);
        sessions.insert(token_digest(&token), session);
        token
    }

    /// The session of `token`, if it is open and not expired.
    pub fn get(&self, token: &str) -> Option<DashboardSession> {
        let sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        sessions
            .get(&token_digest(token))
            .filter(|session| session.expires > Instant::now())
            .cloned()
    }

    /// Ends the session of `token` (signing out); unknown tokens are ignored.
    pub fn close(&self, token: &str) {
        let mut sessions = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        sessions.remove(&token_digest(token));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_opened_session_is_found_until_it_is_closed() {
        let sessions = DashboardSessions::new(Duration::from_secs(60));
        let token = sessions.open("devkey");
        assert_eq!(token.len(), 43);
        assert_eq!(
            sessions.get(&token).map(|s| s.api_key),
            Some("devkey".into())
        );
        assert_eq!(sessions.get("not-a-token"), None);
        sessions.close(&token);
        assert_eq!(sessions.get(&token), None);
    }

    #[test]
    fn an_expired_session_is_not_found() {
        let sessions = DashboardSessions::new(Duration::from_millis(1));
        let token = sessions.open("devkey");
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(sessions.get(&token), None);
    }

    #[test]
    fn every_token_is_new() {
        let sessions = DashboardSessions::new(Duration::from_secs(60));
        assert_ne!(sessions.open("devkey"), sessions.open("devkey"));
    }
}
