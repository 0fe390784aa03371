//! A shutdown signal the binary can trigger from anywhere (a signal handler, a test).

use std::sync::Arc;

use tokio::sync::watch;

/// Cloneable handle: trigger once, every task sees it.
#[derive(Debug, Clone)]
pub struct Shutdown {
    sender: Arc<watch::Sender<bool>>,
}

impl Default for Shutdown {
    fn default() -> Self {
        Self::new()
    }
}

impl Shutdown {
    /// A signal not yet triggered.
    pub fn new() -> Self {
        Shutdown {
            sender: Arc::new(watch::channel(false).0),
        }
    }

    /// Asks the monitor to stop gracefully (flush, commit, deliver).
    pub fn trigger(&self) {
        self.sender.send_replace(true);
    }

    /// True once triggered.
    pub fn is_triggered(&self) -> bool {
        *self.sender.borrow()
    }

    /// Resolves when triggered.
    pub async fn wait(&self) {
        let mut rx = self.sender.subscribe();
        // An error means the sender is gone, which cannot happen while `self` holds it.
        let _ = rx.wait_for(|stop| *stop).await;
    }
}
