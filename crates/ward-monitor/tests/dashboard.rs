//! The dashboard refuses unauthenticated requests on every page and API route, and shows
//! the alert after login; state changes need the session's CSRF token.

mod common;

use std::io::Write;
use std::net::TcpStream;
use std::time::Duration;

use argon2::password_hash::{PasswordHasher, SaltString};
use common::{MarkerDetector, wait_until};
use ward_monitor::{Monitor, MonitorConfig, MonitorError, Shutdown};

const TOKEN: &str = "test-token-0123456789";

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .max_redirects(0)
        .http_status_as_error(false)
        .build()
        .new_agent()
}

/// Opens the login page: its CSRF cookie (`name=value`) and the form's hidden token.
fn login_page(http: &ureq::Agent, base: &str) -> (String, String) {
    let mut r = http.get(&format!("{base}/login")).call().unwrap();
    assert_eq!(r.status(), 200);
    let cookie = r.headers()["set-cookie"].to_str().unwrap();
    let cookie = cookie.split(';').next().unwrap().to_string();
    let html = r.body_mut().read_to_string().unwrap();
    (cookie, hidden_csrf(&html))
}

/// The `csrf` hidden field of a page.
fn hidden_csrf(html: &str) -> String {
    html.split("name=\"csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string()
}

/// Posts the login form as a browser would, from a freshly opened login page.
fn post_login(http: &ureq::Agent, base: &str, password: &str) -> ureq::http::Response<ureq::Body> {
    let (cookie, csrf) = login_page(http, base);
    http.post(&format!("{base}/login"))
        .header("Cookie", &cookie)
        .send_form([("password", password), ("csrf", csrf.as_str())])
        .unwrap()
}

fn config(dir: &tempfile::TempDir, dashboard: &str) -> Result<MonitorConfig, MonitorError> {
    let text = format!(
        r#"
        state = "{}"
        [pipeline]
        commit_ms = 20
        [[inputs]]
        type = "syslog_tcp"
        name = "tcp"
        listen = "127.0.0.1:0"
        [dashboard]
        listen = "127.0.0.1:0"
        {dashboard}
        "#,
        dir.path().join("state.db").display()
    );
    MonitorConfig::from_toml(&text, "test")
}

#[test]
fn dashboard_without_credentials_or_with_a_weak_token_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let err = config(&dir, "").unwrap_err().to_string();
    assert!(err.contains("no default credentials"), "{err}");
    let err = config(&dir, "token = \"short\"").unwrap_err().to_string();
    assert!(err.contains("at least 16"), "{err}");
    let err = config(&dir, "password_hash = \"plain-text\"")
        .unwrap_err()
        .to_string();
    assert!(err.contains("PHC"), "{err}");
}

#[test]
fn dashboard_requires_login_and_shows_the_alert() {
    let dir = tempfile::tempdir().unwrap();
    let salt = SaltString::from_b64("c2FsdHNhbHRzYWx0").unwrap();
    let hash = argon2::Argon2::default()
        .hash_password(b"s3cret pass", &salt)
        .unwrap()
        .to_string();
    let config = config(
        &dir,
        &format!("password_hash = \"{hash}\"\ntoken = \"{TOKEN}\""),
    )
    .unwrap();
    let case =
        std::sync::Arc::new(|| "<html><body><h1>Case KWAMPIRS-1</h1></body></html>".to_string());
    let monitor = Monitor::new(config, Box::new(MarkerDetector::default()))
        .with_case_view(case)
        .start(Shutdown::new())
        .unwrap();
    let base = format!("http://{}", monitor.addresses().dashboard.unwrap());
    assert!(base.starts_with("http://127.0.0.1:"));

    let mut tcp = TcpStream::connect(monitor.addresses().input("tcp").unwrap()).unwrap();
    tcp.write_all(
        b"<13>1 2024-03-01T10:00:00Z mri-1 nxlog - - - {\"marker\":\"alert-<b>x</b>\"}\n",
    )
    .unwrap();
    drop(tcp);

    let http = agent();
    // Unauthenticated: pages redirect to the login, API and metrics answer 401.
    for page in ["/", "/case"] {
        let r = http.get(&format!("{base}{page}")).call().unwrap();
        assert_eq!(r.status(), 303, "{page}");
        assert_eq!(r.headers()["location"], "/login");
    }
    for api in ["/api/alerts", "/metrics"] {
        assert_eq!(
            http.get(&format!("{base}{api}")).call().unwrap().status(),
            401,
            "{api}"
        );
    }
    let r = http
        .post(&format!("{base}/api/alerts/1/ack"))
        .send_empty()
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = http
        .get(&format!("{base}/api/alerts"))
        .header("Authorization", "Bearer wrong-token-0123456789")
        .call()
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = http
        .get(&format!("{base}/"))
        .header("Cookie", "ward_session=forged")
        .call()
        .unwrap();
    assert_eq!(r.status(), 303);

    // The login form needs its CSRF token: none, a forged one or one without its cookie is
    // refused before the password is looked at.
    let (cookie, csrf) = login_page(&http, &base);
    for (cookie, csrf) in [
        (cookie.as_str(), ""),
        (cookie.as_str(), "forged"),
        ("", csrf.as_str()),
    ] {
        let r = http
            .post(&format!("{base}/login"))
            .header("Cookie", cookie)
            .send_form([("password", "s3cret pass"), ("csrf", csrf)])
            .unwrap();
        assert_eq!(r.status(), 403, "cookie {cookie:?}, field {csrf:?}");
        assert!(
            !r.headers()["set-cookie"]
                .to_str()
                .unwrap()
                .starts_with("ward_session=")
        );
    }
    let r = http
        .post(&format!("{base}/login"))
        .send_form([("password", "s3cret pass")])
        .unwrap();
    assert_eq!(r.status(), 403, "no token at all");

    // A wrong password is refused; the right one opens a strict, HttpOnly session.
    let r = post_login(&http, &base, "guess");
    assert_eq!(r.status(), 401);
    assert!(
        !r.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .starts_with("ward_session=")
    );
    let r = post_login(&http, &base, "s3cret pass");
    assert_eq!(r.status(), 303);
    let set_cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"),
        "{set_cookie}"
    );
    let cookie = set_cookie.split(';').next().unwrap().to_string();

    let page = |path: &str| {
        let mut r = http
            .get(&format!("{base}{path}"))
            .header("Cookie", &cookie)
            .call()
            .unwrap();
        (r.status().as_u16(), r.body_mut().read_to_string().unwrap())
    };
    assert!(wait_until(Duration::from_secs(20), || page("/")
        .1
        .contains("Marker alert-")));
    let (status, html) = page("/");
    assert_eq!(status, 200);
    assert!(
        html.contains("Marker alert-&lt;b&gt;x&lt;/b&gt;"),
        "title escaped: {html}"
    );
    assert!(html.contains("http-equiv=\"refresh\""));
    let (status, case) = page("/case");
    assert_eq!((status, case.contains("Case KWAMPIRS-1")), (200, true));

    // Acknowledging needs the CSRF token from the page.
    let csrf = hidden_csrf(&html);
    let post_ack = |token: &str| {
        http.post(&format!("{base}/alerts/1/ack"))
            .header("Cookie", &cookie)
            .send_form([("csrf", token)])
            .unwrap()
            .status()
    };
    assert_eq!(post_ack("forged"), 403);
    assert_eq!(post_ack(&csrf), 303);

    // The bearer token reaches the API and metrics.
    let mut r = http
        .get(&format!("{base}/api/alerts"))
        .header("Authorization", &format!("Bearer {TOKEN}"))
        .call()
        .unwrap();
    assert_eq!(r.status(), 200);
    let alerts: serde_json::Value =
        serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap();
    assert_eq!(alerts[0]["key"], "alert-<b>x</b>");
    assert_eq!(alerts[0]["host"], "MRI-1");
    assert_eq!(alerts[0]["acknowledged"], true);
    let mut r = http
        .get(&format!("{base}/metrics"))
        .header("Authorization", &format!("Bearer {TOKEN}"))
        .call()
        .unwrap();
    let metrics = r.body_mut().read_to_string().unwrap();
    assert!(
        metrics.contains("events_in 1\n") && metrics.contains("alerts_out 1\n"),
        "{metrics}"
    );

    // Logging out ends the session.
    let r = http
        .post(&format!("{base}/logout"))
        .header("Cookie", &cookie)
        .send_form([("csrf", csrf.as_str())])
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(page("/").0, 303);
    monitor.stop().unwrap();
}

#[test]
fn repeated_wrong_passwords_lock_the_login_but_not_the_token() {
    let dir = tempfile::tempdir().unwrap();
    let salt = SaltString::from_b64("c2FsdHNhbHRzYWx0").unwrap();
    let hash = argon2::Argon2::default()
        .hash_password(b"s3cret pass", &salt)
        .unwrap()
        .to_string();
    let config = config(
        &dir,
        &format!("password_hash = \"{hash}\"\ntoken = \"{TOKEN}\""),
    )
    .unwrap();
    let monitor = Monitor::new(config, Box::new(MarkerDetector::default()))
        .start(Shutdown::new())
        .unwrap();
    let base = format!("http://{}", monitor.addresses().dashboard.unwrap());
    let http = agent();
    let login = |password: &str| post_login(&http, &base, password);
    for _ in 0..4 {
        assert_eq!(login("guess").status(), 401);
    }
    // The fifth wrong password starts the lock; from then on even the right one is refused.
    let r = login("guess");
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["retry-after"], "30");
    let mut r = login("s3cret pass");
    assert_eq!(r.status(), 429);
    assert!(r.headers().get("set-cookie").is_none());
    let body = r.body_mut().read_to_string().unwrap();
    assert!(body.contains("locked for"), "{body}");
    // Callers with the bearer token (scripts, Prometheus) carry on.
    let r = http
        .get(&format!("{base}/api/alerts"))
        .header("Authorization", &format!("Bearer {TOKEN}"))
        .call()
        .unwrap();
    assert_eq!(r.status(), 200);
    monitor.stop().unwrap();
}
