//! Dashboard authentication: a password (Argon2 PHC hash) or a bearer token from the config,
//! server-side sessions in an HttpOnly, SameSite=Strict cookie, and a per-session CSRF token
//! that every state-changing POST must echo.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use argon2::{Argon2, PasswordHash, PasswordVerifier};
use axum::http::HeaderMap;

use crate::config::DashboardConfig;

/// Session cookie name.
pub(crate) const COOKIE: &str = "ward_session";
/// Sessions kept at most; the oldest is evicted beyond this.
const MAX_SESSIONS: usize = 256;

/// How a request proved who it is.
#[derive(Debug, Clone)]
pub(crate) enum Caller {
    /// `Authorization: Bearer <token>`: not ambient, so no CSRF token is needed.
    Bearer,
    /// A logged-in browser; carries the session's CSRF token.
    Session { csrf: String },
}

struct Session {
    csrf: String,
    expires: Instant,
}

/// Credentials and live sessions.
pub(crate) struct Gate {
    password_hash: Option<String>,
    token: Option<String>,
    lifetime: Duration,
    secure: bool,
    sessions: Mutex<HashMap<String, Session>>,
}

impl Gate {
    pub(crate) fn new(config: &DashboardConfig) -> Self {
        Gate {
            password_hash: config.password_hash.clone(),
            token: config.token.clone(),
            lifetime: Duration::from_secs(config.session_minutes.max(1) * 60),
            secure: config.secure_cookie || config.tls.is_some(),
            sessions: Mutex::new(HashMap::new()),
        }
    }

    /// Who is calling, if anyone: bearer token first, then the session cookie.
    pub(crate) fn caller(&self, headers: &HeaderMap) -> Option<Caller> {
        if let (Some(token), Some(given)) = (&self.token, bearer(headers))
            && constant_time_eq(token.as_bytes(), given.as_bytes())
        {
            return Some(Caller::Bearer);
        }
        let id = cookie(headers, COOKIE)?;
        let sessions = self.sessions.lock().ok()?;
        let session = sessions.get(id).filter(|s| s.expires > Instant::now())?;
        Some(Caller::Session {
            csrf: session.csrf.clone(),
        })
    }

    /// Checks a login password (the token is accepted too). Argon2 is slow by design, so
    /// call this off the async threads.
    pub(crate) fn check_password(&self, password: &str) -> bool {
        if let Some(token) = &self.token
            && constant_time_eq(token.as_bytes(), password.as_bytes())
        {
            return true;
        }
        match self.password_hash.as_deref().map(PasswordHash::new) {
            Some(Ok(hash)) => Argon2::default()
                .verify_password(password.as_bytes(), &hash)
                .is_ok(),
            _ => false,
        }
    }

    /// Opens a session; returns the `Set-Cookie` value.
    pub(crate) fn open_session(&self) -> Option<String> {
        let id = random_hex()?;
        let csrf = random_hex()?;
        let now = Instant::now();
        let mut sessions = self.sessions.lock().ok()?;
        sessions.retain(|_, s| s.expires > now);
        if sessions.len() >= MAX_SESSIONS {
            let oldest = sessions
                .iter()
                .min_by_key(|(_, s)| s.expires)
                .map(|(k, _)| k.clone());
            if let Some(k) = oldest {
                sessions.remove(&k);
            }
        }
        sessions.insert(
            id.clone(),
            Session {
                csrf,
                expires: now + self.lifetime,
            },
        );
        let secure = if self.secure { "; Secure" } else { "" };
        Some(format!(
            "{COOKIE}={id}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{secure}",
            self.lifetime.as_secs()
        ))
    }

    /// Ends the caller's session; returns the clearing `Set-Cookie` value.
    pub(crate) fn close_session(&self, headers: &HeaderMap) -> String {
        if let (Some(id), Ok(mut sessions)) = (cookie(headers, COOKIE), self.sessions.lock()) {
            sessions.remove(id);
        }
        format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0")
    }
}

impl Caller {
    /// True when a state-changing request may proceed: bearer callers always, sessions only
    /// with their CSRF token.
    pub(crate) fn may_change(&self, presented: Option<&str>) -> bool {
        match self {
            Caller::Bearer => true,
            Caller::Session { csrf } => {
                presented.is_some_and(|p| constant_time_eq(p.as_bytes(), csrf.as_bytes()))
            }
        }
    }
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get("authorization")?.to_str().ok()?;
    value.strip_prefix("Bearer ").map(str::trim)
}

/// One cookie's value from the `Cookie` header(s).
pub(crate) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all("cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Compares secrets without an early exit that would leak their length of agreement.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// 256 random bits as hex.
pub(crate) fn random_hex() -> Option<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).ok()?;
    Some(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::{PasswordHasher, SaltString};

    fn config(hash: Option<String>, token: Option<&str>) -> DashboardConfig {
        DashboardConfig {
            listen: ([127, 0, 0, 1], 0).into(),
            password_hash: hash,
            token: token.map(String::from),
            secure_cookie: false,
            session_minutes: 5,
            tls: None,
            max_connections: 4,
            header_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(5),
            login_attempts_per_minute: 10,
        }
    }

    #[test]
    fn password_and_token_checks() {
        let salt = SaltString::from_b64("c2FsdHNhbHRzYWx0").unwrap();
        let hash = Argon2::default()
            .hash_password(b"correct horse", &salt)
            .unwrap()
            .to_string();
        let gate = Gate::new(&config(Some(hash), Some("0123456789abcdef")));
        assert!(gate.check_password("correct horse"));
        assert!(gate.check_password("0123456789abcdef"));
        assert!(!gate.check_password("wrong"));
        assert!(!gate.check_password(""));
    }

    #[test]
    fn session_cookie_is_strict_and_csrf_is_enforced() {
        let gate = Gate::new(&config(None, Some("0123456789abcdef")));
        let set = gate.open_session().unwrap();
        assert!(set.contains("HttpOnly") && set.contains("SameSite=Strict"));
        let id = set.split(';').next().unwrap();
        let mut headers = HeaderMap::new();
        headers.insert("cookie", format!("other=1; {id}").parse().unwrap());
        let Some(Caller::Session { csrf }) = gate.caller(&headers) else {
            panic!("no session")
        };
        let caller = Caller::Session { csrf: csrf.clone() };
        assert!(caller.may_change(Some(&csrf)));
        assert!(!caller.may_change(Some("forged")));
        assert!(!caller.may_change(None));
        gate.close_session(&headers);
        assert!(gate.caller(&headers).is_none());
    }
}
