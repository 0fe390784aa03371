//! The web dashboard (axum): live alerts, the case view, a JSON API and `/metrics`.
//! Every route but `/login` requires a session or the bearer token.

mod auth;
mod lockout;
mod login_guard;
mod pages;
mod serve;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Form, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use serde::Deserialize;

use crate::config::DashboardConfig;
use crate::metrics::Metrics;
use crate::shutdown::Shutdown;
use crate::store::Store;
use crate::{CaseView, MonitorError};

use auth::{Caller, Gate};
use login_guard::{LoginRate, LoginTokens};
use serve::Peer;

/// CSP for our own pages: nothing but inline style.
const CSP_PAGES: &str =
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'";
/// CSP for the case report, which carries its own inline script and images.
const CSP_CASE: &str = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; form-action 'self'; frame-ancestors 'none'";

struct Dashboard {
    gate: Gate,
    lockout: lockout::Lockout,
    login_tokens: LoginTokens,
    login_rate: LoginRate,
    secure_cookie: bool,
    request_timeout: Duration,
    store: Mutex<Store>,
    metrics: Arc<Metrics>,
    case_view: Option<CaseView>,
}

type Shared = Arc<Dashboard>;

/// Binds the dashboard and spawns the server; returns the bound address.
pub(crate) async fn start(
    config: &DashboardConfig,
    store: Store,
    metrics: Arc<Metrics>,
    case_view: Option<CaseView>,
    shutdown: Shutdown,
) -> Result<SocketAddr, MonitorError> {
    config.validate()?;
    let state = Arc::new(Dashboard {
        gate: Gate::new(config),
        lockout: lockout::Lockout::default(),
        login_tokens: LoginTokens::default(),
        login_rate: LoginRate::new(config.login_attempts_per_minute),
        secure_cookie: config.secure_cookie || config.tls.is_some(),
        request_timeout: config.request_timeout,
        store: Mutex::new(store),
        metrics,
        case_view,
    });
    let bind_err = |source| MonitorError::Bind {
        input: "dashboard".into(),
        address: config.listen,
        source,
    };
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(bind_err)?;
    let local = listener.local_addr().map_err(bind_err)?;
    let protected = Router::new()
        .route("/", get(alert_page))
        .route("/case", get(case_page))
        .route("/alerts/{seq}/ack", post(ack_form))
        .route("/logout", post(logout))
        .route("/api/alerts", get(api_alerts))
        .route("/api/alerts/{seq}/ack", post(api_ack))
        .route("/groups", get(group_page))
        .route("/api/groups", get(api_groups))
        .route("/api/groups/alerts", get(api_group_alerts))
        .route("/metrics", get(metrics_text))
        .route_layer(middleware::from_fn_with_state(
            Arc::clone(&state),
            require_caller,
        ));
    let app = Router::new()
        .route("/login", get(login_page).post(login))
        .merge(protected)
        .layer(middleware::from_fn_with_state(
            Arc::clone(&state),
            request_deadline,
        ))
        .layer(middleware::from_fn(common_headers))
        .with_state(state);
    let tls = crate::tls::optional(config.tls.as_ref(), "dashboard")?;
    tokio::spawn(serve::serve(
        listener,
        tls,
        app,
        config.max_connections,
        config.header_timeout,
        shutdown,
    ));
    Ok(local)
}

/// Refuses anyone without a session or the token: 401 for the API and metrics, a redirect
/// to the login page for pages.
async fn require_caller(State(state): State<Shared>, mut request: Request, next: Next) -> Response {
    match state.gate.caller(request.headers()) {
        Some(caller) => {
            request.extensions_mut().insert(caller);
            next.run(request).await
        }
        None if request.uri().path().starts_with("/api/") || request.uri().path() == "/metrics" => {
            (
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, "Bearer")],
                "authentication required\n",
            )
                .into_response()
        }
        None => Redirect::to("/login").into_response(),
    }
}

/// A request must be read and answered within `request_timeout` (a slow body is cut off).
async fn request_deadline(State(state): State<Shared>, request: Request, next: Next) -> Response {
    match tokio::time::timeout(state.request_timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => (
            StatusCode::REQUEST_TIMEOUT,
            [(header::CONNECTION, "close")],
            "request timed out\n",
        )
            .into_response(),
    }
}

/// No caching of authenticated content, no framing, no sniffing; a CSP unless set.
async fn common_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP_PAGES),
        );
    }
    response
}

async fn login_page(State(state): State<Shared>) -> Response {
    login_form(&state, StatusCode::OK, false)
}

/// The login form with a fresh CSRF token in its cookie and hidden field.
fn login_form(state: &Dashboard, status: StatusCode, failed: bool) -> Response {
    match state.login_tokens.issue(state.secure_cookie) {
        Some((token, cookie)) => (
            status,
            [(header::SET_COOKIE, cookie)],
            html(pages::login(failed, &token)),
        )
            .into_response(),
        None => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "cannot create a login token\n",
        )
            .into_response(),
    }
}

#[derive(Deserialize)]
struct LoginForm {
    password: String,
    #[serde(default)]
    csrf: Option<String>,
}

/// Per address rate, CSRF token, lockout, then the password (Argon2, off the async threads).
async fn login(
    State(state): State<Shared>,
    peer: Option<Extension<Peer>>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let now = std::time::Instant::now();
    if let Some(Extension(Peer(peer))) = peer
        && let Some(wait) = state.login_rate.attempt(peer.ip(), now)
    {
        tracing::warn!(%peer, "dashboard login attempts over the per-address limit");
        return locked(wait);
    }
    if !state.login_tokens.redeem(&headers, form.csrf.as_deref()) {
        return login_form(&state, StatusCode::FORBIDDEN, false);
    }
    if let Some(left) = state.lockout.locked_for(now) {
        return locked(left);
    }
    let checker = Arc::clone(&state);
    let ok = tokio::task::spawn_blocking(move || checker.gate.check_password(&form.password))
        .await
        .unwrap_or(false);
    if !ok {
        // Slows guessing; Argon2 already costs the attacker per try.
        tokio::time::sleep(Duration::from_millis(300)).await;
        if let Some(lock) = state.lockout.failed(std::time::Instant::now()) {
            tracing::warn!(
                lock_secs = lock.as_secs(),
                "dashboard login locked after repeated wrong passwords"
            );
            return locked(lock);
        }
        return login_form(&state, StatusCode::UNAUTHORIZED, true);
    }
    state.lockout.succeeded();
    match state.gate.open_session() {
        Some(cookie) => ([(header::SET_COOKIE, cookie)], Redirect::to("/")).into_response(),
        None => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "cannot create a session\n",
        )
            .into_response(),
    }
}

/// 429 with `Retry-After`: the login is locked for `left`.
fn locked(left: Duration) -> Response {
    let secs = left.as_secs().max(1);
    (
        StatusCode::TOO_MANY_REQUESTS,
        [(header::RETRY_AFTER, secs.to_string())],
        html(pages::locked(secs)),
    )
        .into_response()
}

#[derive(Deserialize)]
struct CsrfForm {
    csrf: String,
}

async fn logout(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Response {
    if !caller.may_change(Some(&form.csrf)) {
        return forbidden();
    }
    let cookie = state.gate.close_session(&headers);
    ([(header::SET_COOKIE, cookie)], Redirect::to("/login")).into_response()
}

async fn alert_page(State(state): State<Shared>, Extension(caller): Extension<Caller>) -> Response {
    let csrf = match &caller {
        Caller::Session { csrf } => csrf.clone(),
        Caller::Bearer => String::new(),
    };
    match with_store(&state, |s| s.latest_alerts(200)) {
        Ok(alerts) => html(pages::alerts(&alerts, &csrf)),
        Err(r) => *r,
    }
}

async fn case_page(State(state): State<Shared>) -> Response {
    match &state.case_view {
        Some(render) => {
            let render = Arc::clone(render);
            let page = tokio::task::spawn_blocking(move || render())
                .await
                .unwrap_or_default();
            let mut response = html(page);
            response.headers_mut().insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(CSP_CASE),
            );
            response
        }
        None => (StatusCode::NOT_FOUND, html(pages::no_case())).into_response(),
    }
}

async fn ack_form(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    Path(seq): Path<i64>,
    Form(form): Form<CsrfForm>,
) -> Response {
    if !caller.may_change(Some(&form.csrf)) {
        return forbidden();
    }
    match with_store(&state, |s| s.acknowledge(seq)) {
        Ok(true) => Redirect::to("/").into_response(),
        Ok(false) => (StatusCode::NOT_FOUND, "no such alert\n").into_response(),
        Err(r) => *r,
    }
}

#[derive(Deserialize)]
struct AlertQuery {
    #[serde(default)]
    after: i64,
    #[serde(default = "default_limit")]
    limit: usize,
}

fn default_limit() -> usize {
    100
}

async fn api_alerts(State(state): State<Shared>, Query(q): Query<AlertQuery>) -> Response {
    match with_store(&state, |s| s.alerts_after(q.after, q.limit.min(1000))) {
        Ok(alerts) => Json(alerts.iter().map(|a| a.to_json()).collect::<Vec<_>>()).into_response(),
        Err(r) => *r,
    }
}

#[derive(Deserialize)]
struct GroupQuery {
    sink: Option<String>,
    #[serde(default = "default_limit")]
    limit: usize,
}

/// The grouping sinks' groups, most recently active first.
async fn api_groups(State(state): State<Shared>, Query(q): Query<GroupQuery>) -> Response {
    match with_store(&state, |s| s.groups(q.sink.as_deref(), q.limit.min(1000))) {
        Ok(groups) => Json(groups.iter().map(|g| g.to_json()).collect::<Vec<_>>()).into_response(),
        Err(r) => *r,
    }
}

async fn group_page(State(state): State<Shared>) -> Response {
    match with_store(&state, |s| s.groups(None, 500)) {
        Ok(groups) => html(pages::groups(&groups)),
        Err(r) => *r,
    }
}

#[derive(Deserialize)]
struct GroupAlertQuery {
    sink: String,
    key: String,
    #[serde(default)]
    after: i64,
    #[serde(default = "default_limit")]
    limit: usize,
}

/// Every alert a sink folded into one group: the event-level detail behind its digests.
async fn api_group_alerts(
    State(state): State<Shared>,
    Query(q): Query<GroupAlertQuery>,
) -> Response {
    match with_store(&state, |s| {
        s.group_alerts(&q.sink, &q.key, q.after, q.limit.min(1000))
    }) {
        Ok(alerts) => Json(alerts.iter().map(|a| a.to_json()).collect::<Vec<_>>()).into_response(),
        Err(r) => *r,
    }
}

async fn api_ack(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Path(seq): Path<i64>,
) -> Response {
    let presented = headers.get("x-csrf-token").and_then(|v| v.to_str().ok());
    if !caller.may_change(presented) {
        return forbidden();
    }
    match with_store(&state, |s| s.acknowledge(seq)) {
        Ok(true) => Json(serde_json::json!({"seq": seq, "acknowledged": true})).into_response(),
        Ok(false) => (StatusCode::NOT_FOUND, "no such alert\n").into_response(),
        Err(r) => *r,
    }
}

async fn metrics_text(State(state): State<Shared>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
        .into_response()
}

fn html(page: String) -> Response {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], page).into_response()
}

fn forbidden() -> Response {
    (StatusCode::FORBIDDEN, "missing or wrong CSRF token\n").into_response()
}

/// Runs a store query off the async workers; a poisoned lock or SQLite error becomes a 500.
fn with_store<T>(
    state: &Dashboard,
    f: impl FnOnce(&Store) -> Result<T, MonitorError>,
) -> Result<T, Box<Response>> {
    let failed =
        |what: &'static str| Box::new((StatusCode::INTERNAL_SERVER_ERROR, what).into_response());
    tokio::task::block_in_place(|| {
        let store = state
            .store
            .lock()
            .map_err(|_| failed("store lock poisoned\n"))?;
        f(&store).map_err(|e| {
            tracing::error!(error = %e, "dashboard query failed");
            failed("state store error\n")
        })
    })
}
