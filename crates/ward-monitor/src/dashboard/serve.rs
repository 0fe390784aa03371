//! Serves the dashboard's connections with hyper directly rather than `axum::serve`, for its
//! limits: at most `max_connections` at once (more are closed on accept), a header read
//! timeout that also ends idle keep-alive connections (slowloris), TLS handshakes in their
//! own tasks, and the peer's address on every request (the login rate limit).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower_service::Service;

use crate::shutdown::Shutdown;
use crate::tls::Acceptor;

/// The client's address, in every request's extensions.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Peer(pub SocketAddr);

/// Accepts until `shutdown`; each connection is served in its own task.
pub(crate) async fn serve(
    listener: TcpListener,
    tls: Option<Acceptor>,
    app: Router,
    max_connections: usize,
    header_timeout: Duration,
    shutdown: Shutdown,
) {
    let permits = Arc::new(Semaphore::new(max_connections));
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = shutdown.wait() => return,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of file descriptors and the like: wait rather than spin.
                tracing::warn!(error = %e, "dashboard accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let Ok(permit) = Arc::clone(&permits).try_acquire_owned() else {
            tracing::warn!(%peer, max_connections, "dashboard connection refused: at the cap");
            drop(stream);
            continue;
        };
        let (app, tls, shutdown) = (app.clone(), tls.clone(), shutdown.clone());
        tokio::spawn(async move {
            let _permit = permit;
            match tls {
                None => connection(stream, peer, app, header_timeout, shutdown).await,
                Some(acceptor) => match crate::tls::accept(&acceptor, stream, header_timeout).await
                {
                    Ok(stream) => connection(stream, peer, app, header_timeout, shutdown).await,
                    Err(message) => tracing::debug!(%peer, %message, "dashboard client refused"),
                },
            }
        });
    }
}

/// HTTP/1.1 on one connection until it closes, times out or the dashboard stops.
async fn connection<S>(
    stream: S,
    peer: SocketAddr,
    app: Router,
    header_timeout: Duration,
    shutdown: Shutdown,
) where
    S: AsyncRead + AsyncWrite + Send + Unpin + 'static,
{
    let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
        request.extensions_mut().insert(Peer(peer));
        let mut app = app.clone();
        async move { app.call(request).await }
    });
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout)
        .keep_alive(true);
    let conn = builder.serve_connection(TokioIo::new(stream), service);
    tokio::pin!(conn);
    let result = tokio::select! {
        r = conn.as_mut() => r,
        _ = shutdown.wait() => {
            conn.as_mut().graceful_shutdown();
            conn.await
        }
    };
    if let Err(e) = result {
        tracing::debug!(%peer, error = %e, "dashboard connection ended");
    }
}
