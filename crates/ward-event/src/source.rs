//! Which log an event came from, in Sigma's vocabulary (product / service / category) and,
//! for Windows, the channel, provider and EventID that rule indexing keys on.

use std::sync::Arc;

/// The log an event came from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct LogSource {
    /// Sigma product: `windows`, `zeek`, `linux`, … (empty when unknown).
    pub product: Arc<str>,
    /// Sigma service, when the reader knows it directly (`conn`, `dns` for Zeek; `security` …).
    pub service: Option<Arc<str>>,
    /// Sigma category, when the reader knows it directly (`firewall`, `proxy`, `dns`).
    pub category: Option<Arc<str>>,
    /// Windows channel, e.g. `Security`, `Microsoft-Windows-Sysmon/Operational`.
    pub channel: Option<Arc<str>>,
    /// Windows provider name, e.g. `Service Control Manager`.
    pub provider: Option<Arc<str>>,
    /// Windows EventID.
    pub event_id: Option<u32>,
}

impl LogSource {
    /// A Windows event log source.
    pub fn windows(channel: &str, provider: &str, event_id: u32) -> Self {
        LogSource {
            product: "windows".into(),
            channel: Some(channel.into()),
            provider: Some(provider.into()),
            event_id: Some(event_id),
            ..LogSource::default()
        }
    }

    /// A non-Windows source named by Sigma product, service and category.
    pub fn other(product: &str, service: Option<&str>, category: Option<&str>) -> Self {
        LogSource {
            product: product.into(),
            service: service.map(Into::into),
            category: category.map(Into::into),
            ..LogSource::default()
        }
    }

    /// True for Windows event logs.
    pub fn is_windows(&self) -> bool {
        &*self.product == "windows"
    }

    /// A short label for output: the channel for Windows, else `product/service` or category.
    pub fn label(&self) -> String {
        if let Some(ch) = &self.channel {
            return ch.to_string();
        }
        match (&self.service, &self.category) {
            (Some(s), _) => format!("{}/{}", self.product, s),
            (None, Some(c)) => format!("{}/{}", self.product, c),
            (None, None) => self.product.to_string(),
        }
    }
}
