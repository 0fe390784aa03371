//! An axum listener that completes TLS handshakes in their own tasks, so one slow or hostile
//! client cannot hold up the others.

use std::net::SocketAddr;

use tokio::net::TcpListener;
use tokio::sync::mpsc;

use crate::shutdown::Shutdown;
use crate::tls::{Acceptor, Stream, accept};

/// Handshaken connections, ready for axum.
pub(crate) struct TlsListener {
    ready: mpsc::Receiver<(Stream, SocketAddr)>,
    local: SocketAddr,
}

impl TlsListener {
    /// Starts accepting on `listener` until `shutdown`.
    pub(crate) fn new(
        listener: TcpListener,
        local: SocketAddr,
        acceptor: Acceptor,
        shutdown: Shutdown,
    ) -> Self {
        let (tx, ready) = mpsc::channel(64);
        tokio::spawn(async move {
            loop {
                let accepted = tokio::select! {
                    a = listener.accept() => a,
                    _ = shutdown.wait() => return,
                };
                let Ok((stream, peer)) = accepted else {
                    continue;
                };
                let (tx, acceptor) = (tx.clone(), acceptor.clone());
                tokio::spawn(async move {
                    match accept(&acceptor, stream).await {
                        Ok(stream) => drop(tx.send((stream, peer)).await),
                        Err(message) => {
                            tracing::debug!(%peer, %message, "dashboard client refused")
                        }
                    }
                });
            }
        });
        TlsListener { ready, local }
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = Stream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(connection) => connection,
            // The accept loop ended (shutdown): wait for axum's own graceful stop.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.local)
    }
}
