//! What guards the login form beside the lockout: a CSRF token per login page (a cookie that
//! must match the form's hidden field and that this dashboard issued, within 10 minutes), and
//! a per-address rate limit on login attempts (IPv6 addresses counted per /64, since one host
//! usually holds the whole prefix).

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::HeaderMap;

use super::auth::{constant_time_eq, cookie, random_hex};

/// The login page's CSRF cookie.
pub(crate) const LOGIN_COOKIE: &str = "ward_login";
/// How long a login page's token stays valid.
const TOKEN_LIFETIME: Duration = Duration::from_secs(10 * 60);
/// Tokens kept at most (each GET of the page makes one); the oldest go first.
const MAX_TOKENS: usize = 1024;
/// Addresses tracked at most by the rate limit.
const MAX_ADDRESSES: usize = 4096;
/// The rate limit's window.
const WINDOW: Duration = Duration::from_secs(60);

/// Login-page CSRF tokens this dashboard issued and that are still valid.
#[derive(Default)]
pub(crate) struct LoginTokens {
    issued: Mutex<HashMap<String, Instant>>,
}

impl LoginTokens {
    /// A new token and its `Set-Cookie` value.
    pub(crate) fn issue(&self, secure: bool) -> Option<(String, String)> {
        let token = random_hex()?;
        let now = Instant::now();
        let mut issued = self.issued.lock().ok()?;
        issued.retain(|_, expires| *expires > now);
        if issued.len() >= MAX_TOKENS
            && let Some(oldest) = issued
                .iter()
                .min_by_key(|(_, expires)| **expires)
                .map(|(t, _)| t.clone())
        {
            issued.remove(&oldest);
        }
        issued.insert(token.clone(), now + TOKEN_LIFETIME);
        let secure = if secure { "; Secure" } else { "" };
        let cookie = format!(
            "{LOGIN_COOKIE}={token}; Path=/login; HttpOnly; SameSite=Strict; Max-Age={}{secure}",
            TOKEN_LIFETIME.as_secs()
        );
        Some((token, cookie))
    }

    /// True when the form's token equals the cookie's and was issued here and is unexpired;
    /// a matching token is used up.
    pub(crate) fn redeem(&self, headers: &HeaderMap, presented: Option<&str>) -> bool {
        let (Some(presented), Some(cookie)) = (presented, cookie(headers, LOGIN_COOKIE)) else {
            return false;
        };
        if !constant_time_eq(presented.as_bytes(), cookie.as_bytes()) {
            return false;
        }
        let Ok(mut issued) = self.issued.lock() else {
            return false;
        };
        issued
            .remove(presented)
            .is_some_and(|expires| expires > Instant::now())
    }
}

/// Login attempts per address in the last minute.
pub(crate) struct LoginRate {
    per_minute: usize,
    attempts: Mutex<HashMap<IpAddr, VecDeque<Instant>>>,
}

impl LoginRate {
    pub(crate) fn new(per_minute: u32) -> Self {
        LoginRate {
            per_minute: per_minute.max(1) as usize,
            attempts: Mutex::new(HashMap::new()),
        }
    }

    /// Counts an attempt from `addr` at `now`; when the address is over its limit, the
    /// attempt is refused (and not counted) and the wait until the next is returned.
    pub(crate) fn attempt(&self, addr: IpAddr, now: Instant) -> Option<Duration> {
        let key = prefix(addr);
        let mut attempts = self.attempts.lock().ok()?;
        if !attempts.contains_key(&key) && attempts.len() >= MAX_ADDRESSES {
            attempts.retain(|_, times| {
                times
                    .back()
                    .is_some_and(|t| now.saturating_duration_since(*t) < WINDOW)
            });
            if attempts.len() >= MAX_ADDRESSES
                && let Some(stalest) = attempts
                    .iter()
                    .min_by_key(|(_, times)| times.back().copied())
                    .map(|(a, _)| *a)
            {
                attempts.remove(&stalest);
            }
        }
        let times = attempts.entry(key).or_default();
        while times
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) >= WINDOW)
        {
            times.pop_front();
        }
        if times.len() >= self.per_minute {
            let oldest = times.front().copied().unwrap_or(now);
            return Some(
                (oldest + WINDOW)
                    .saturating_duration_since(now)
                    .max(Duration::from_secs(1)),
            );
        }
        times.push_back(now);
        None
    }
}

/// The unit an address is counted in: itself for IPv4, its /64 for IPv6.
fn prefix(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V4(_) => addr,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_over_its_limit_waits_and_others_do_not() {
        let rate = LoginRate::new(3);
        let t0 = Instant::now();
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        for i in 0..3 {
            assert_eq!(rate.attempt(a, t0 + Duration::from_secs(i)), None);
        }
        let wait = rate.attempt(a, t0 + Duration::from_secs(10)).unwrap();
        assert_eq!(wait, Duration::from_secs(50));
        assert_eq!(rate.attempt("192.0.2.2".parse().unwrap(), t0), None);
        assert_eq!(rate.attempt(a, t0 + WINDOW), None, "the window moves on");
        // One IPv6 /64 is one address.
        let rate = LoginRate::new(1);
        assert_eq!(rate.attempt("2001:db8::1".parse().unwrap(), t0), None);
        assert!(rate.attempt("2001:db8::2".parse().unwrap(), t0).is_some());
        assert_eq!(rate.attempt("2001:db8:1::1".parse().unwrap(), t0), None);
    }

    #[test]
    fn a_login_token_must_match_its_cookie_and_is_used_once() {
        let tokens = LoginTokens::default();
        let (token, set) = tokens.issue(false).unwrap();
        assert!(set.contains("HttpOnly") && set.contains("SameSite=Strict"));
        let mut headers = HeaderMap::new();
        headers.insert("cookie", format!("{LOGIN_COOKIE}={token}").parse().unwrap());
        assert!(!tokens.redeem(&headers, None));
        assert!(!tokens.redeem(&headers, Some("forged")));
        assert!(tokens.redeem(&headers, Some(&token)));
        assert!(!tokens.redeem(&headers, Some(&token)), "used up");
        // A token this dashboard never issued is refused even when cookie and field agree.
        let mut forged = HeaderMap::new();
        forged.insert("cookie", format!("{LOGIN_COOKIE}=abc").parse().unwrap());
        assert!(!tokens.redeem(&forged, Some("abc")));
    }
}
