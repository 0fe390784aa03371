//! Starting and stopping a monitor: the tokio runtime, the pipeline thread, inputs, sinks
//! and the dashboard, in an order that makes a graceful stop lose nothing.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::runtime::Runtime;
use tokio::sync::{Notify, mpsc};

use crate::alert::Detector;
use crate::config::MonitorConfig;
use crate::decode::{Decoder, JsonLineDecoder};
use crate::forward::Forwarder;
use crate::inputs::{self, InputContextBase};
use crate::metrics::Metrics;
use crate::pipeline::Pipeline;
use crate::shutdown::Shutdown;
use crate::sinks::Dispatcher;
use crate::store::Store;
use crate::{CaseView, MonitorError, dashboard};

/// How long a graceful stop waits for sinks to deliver what was committed.
const DRAIN_GRACE: Duration = Duration::from_secs(10);
/// How often old alerts are purged.
const RETENTION_EVERY: Duration = Duration::from_secs(3600);

/// A monitor ready to start: config, detector, and optional decoder and case renderer.
pub struct Monitor {
    config: MonitorConfig,
    detector: Box<dyn Detector>,
    decoder: Arc<dyn Decoder>,
    case_view: Option<CaseView>,
    forwarder: Option<Box<dyn Forwarder>>,
}

/// The addresses the monitor actually bound (port 0 in the config picks a free port).
#[derive(Debug, Clone, Default)]
pub struct BoundAddresses {
    /// Network inputs by name.
    pub inputs: Vec<(String, SocketAddr)>,
    /// The dashboard, when configured.
    pub dashboard: Option<SocketAddr>,
}

impl BoundAddresses {
    /// The address of the named input.
    pub fn input(&self, name: &str) -> Option<SocketAddr> {
        self.inputs.iter().find(|(n, _)| n == name).map(|(_, a)| *a)
    }
}

/// A running monitor; stop it with [`RunningMonitor::wait`] after triggering its shutdown.
pub struct RunningMonitor {
    runtime: Option<Runtime>,
    shutdown: Shutdown,
    drain: Shutdown,
    halt: Shutdown,
    aborted: Arc<AtomicBool>,
    pipeline: Option<JoinHandle<Result<(), MonitorError>>>,
    sinks: Vec<tokio::task::JoinHandle<()>>,
    addresses: BoundAddresses,
    metrics: Arc<Metrics>,
}

impl Monitor {
    /// A monitor with the built-in JSON/text decoder and no case view.
    pub fn new(config: MonitorConfig, detector: Box<dyn Detector>) -> Self {
        Monitor {
            config,
            detector,
            decoder: Arc::new(JsonLineDecoder),
            case_view: None,
            forwarder: None,
        }
    }

    /// Sets the forwarder that stores each commit window's events upstream (`[forward]`)
    /// before the inputs' offsets are committed and Beats windows acknowledged.
    pub fn with_forwarder(mut self, forwarder: Box<dyn Forwarder>) -> Self {
        self.forwarder = Some(forwarder);
        self
    }

    /// Replaces the payload decoder (e.g. with one over `ward_ingest`'s readers).
    pub fn with_decoder(mut self, decoder: Arc<dyn Decoder>) -> Self {
        self.decoder = decoder;
        self
    }

    /// Sets the renderer of the dashboard's case page (e.g. `ward_report::write_html`).
    pub fn with_case_view(mut self, render: CaseView) -> Self {
        self.case_view = Some(render);
        self
    }

    /// Opens the state, restores the detector, binds every input and the dashboard, and
    /// starts delivering; returns once all are up.
    pub fn start(self, shutdown: Shutdown) -> Result<RunningMonitor, MonitorError> {
        let Monitor {
            config,
            detector,
            decoder,
            case_view,
            forwarder,
        } = self;
        config.validate()?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("ward-monitor")
            .enable_all()
            .build()
            .map_err(|source| MonitorError::Io {
                context: "starting the tokio runtime".into(),
                source,
            })?;
        let store = Store::open(&config.state)?;
        let offsets = store.offsets()?;
        let metrics = Arc::new(Metrics::default());
        let committed = Arc::new(Notify::new());
        let aborted = Arc::new(AtomicBool::new(false));
        let (queue, receiver) = mpsc::channel(config.pipeline.queue_capacity);
        let mut pipeline = Pipeline {
            store,
            detector,
            queue: receiver,
            metrics: Arc::clone(&metrics),
            committed: Arc::clone(&committed),
            commit_every: Duration::from_millis(config.pipeline.commit_ms.max(1)),
            aborted: Arc::clone(&aborted),
            detect: !(forwarder.is_some()
                && config.forward.as_ref().is_some_and(|f| f.forward_only)),
            forwarder,
            live: 0,
        };
        pipeline.restore()?;

        let base = InputContextBase {
            queue,
            decoder,
            metrics: Arc::clone(&metrics),
            shutdown: shutdown.clone(),
        };
        let addresses = runtime.block_on(async {
            let inputs = inputs::start(&config.inputs, &config.pipeline, offsets, base).await?;
            let dashboard = match &config.dashboard {
                Some(d) => Some(
                    dashboard::start(
                        d,
                        Store::open(&config.state)?,
                        Arc::clone(&metrics),
                        case_view,
                        shutdown.clone(),
                    )
                    .await?,
                ),
                None => None,
            };
            Ok::<_, MonitorError>(BoundAddresses { inputs, dashboard })
        })?;

        let (drain, halt) = (Shutdown::new(), Shutdown::new());
        let mut sinks = Vec::new();
        for sink in &config.sinks {
            let signals = (drain.clone(), halt.clone());
            let dispatcher = Dispatcher::new(
                sink,
                &config.state,
                Arc::clone(&committed),
                signals,
                Arc::clone(&metrics),
            )?;
            sinks.push(runtime.spawn(dispatcher.run()));
        }
        spawn_retention(&runtime, &config, drain.clone())?;

        let handle = runtime.handle().clone();
        let pipeline = std::thread::Builder::new()
            .name("ward-pipeline".into())
            .spawn({
                let shutdown = shutdown.clone();
                move || run_pipeline(pipeline, handle, &shutdown)
            })
            .map_err(|source| MonitorError::Io {
                context: "starting the pipeline thread".into(),
                source,
            })?;
        Ok(RunningMonitor {
            runtime: Some(runtime),
            shutdown,
            drain,
            halt,
            aborted,
            pipeline: Some(pipeline),
            sinks,
            addresses,
            metrics,
        })
    }
}

/// Runs the pipeline; if it fails or the detector panics, the whole monitor stops and
/// [`RunningMonitor::wait`] returns the error, rather than inputs filling a dead queue.
fn run_pipeline(
    pipeline: Pipeline,
    handle: tokio::runtime::Handle,
    shutdown: &Shutdown,
) -> Result<(), MonitorError> {
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| pipeline.run(handle)))
        .unwrap_or_else(|_| Err(MonitorError::Pipeline("the detector panicked".into())));
    if let Err(e) = &result {
        tracing::error!(error = %e, "pipeline failed; stopping the monitor");
        shutdown.trigger();
    }
    result
}

/// Purges old, delivered alerts at start and every hour.
fn spawn_retention(
    runtime: &Runtime,
    config: &MonitorConfig,
    stop: Shutdown,
) -> Result<(), MonitorError> {
    let store = Store::open(&config.state)?;
    let days = config.retention.alert_days;
    let sinks: Vec<String> = config.sinks.iter().map(|s| s.name().to_string()).collect();
    runtime.spawn(async move {
        loop {
            match tokio::task::block_in_place(|| store.apply_retention(days, &sinks)) {
                Ok(0) => {}
                Ok(n) => tracing::info!(deleted = n, "retention purged old alerts"),
                Err(e) => tracing::warn!(error = %e, "retention failed"),
            }
            tokio::select! {
                _ = tokio::time::sleep(RETENTION_EVERY) => {}
                _ = stop.wait() => return,
            }
        }
    });
    Ok(())
}

impl RunningMonitor {
    /// Where inputs and the dashboard listen.
    pub fn addresses(&self) -> &BoundAddresses {
        &self.addresses
    }

    /// The live counters.
    pub fn metrics(&self) -> Arc<Metrics> {
        Arc::clone(&self.metrics)
    }

    /// The handle that stops this monitor.
    pub fn shutdown(&self) -> Shutdown {
        self.shutdown.clone()
    }

    /// Blocks until the shutdown is triggered, then stops gracefully: inputs close, the
    /// pipeline commits what it has, sinks deliver it (for up to 10 s).
    pub fn wait(mut self) -> Result<(), MonitorError> {
        if let Some(runtime) = &self.runtime {
            let shutdown = self.shutdown.clone();
            runtime.block_on(async move { shutdown.wait().await });
        }
        self.finish()
    }

    /// Triggers the shutdown and stops gracefully.
    pub fn stop(self) -> Result<(), MonitorError> {
        self.shutdown.trigger();
        self.wait()
    }

    /// Stops as a crash would: nothing after the last commit is committed or acknowledged,
    /// and sinks stop at the next alert boundary. (A real crash can also fall between a
    /// delivery and its cursor update, which resends that one alert; see docs/monitor.md.)
    /// For restart tests.
    pub fn abort(mut self) {
        self.aborted.store(true, Ordering::SeqCst);
        if let Some(pipeline) = self.pipeline.take() {
            let _ = pipeline.join();
        }
        self.halt.trigger();
        if let Some(runtime) = self.runtime.take() {
            let sinks = std::mem::take(&mut self.sinks);
            runtime.block_on(async move {
                let _ = tokio::time::timeout(DRAIN_GRACE, async {
                    for sink in sinks {
                        let _ = sink.await;
                    }
                })
                .await;
            });
            runtime.shutdown_background();
        }
    }

    fn finish(&mut self) -> Result<(), MonitorError> {
        self.shutdown.trigger();
        let result = match self.pipeline.take().map(JoinHandle::join) {
            Some(Ok(r)) => r,
            Some(Err(_)) => Err(MonitorError::Pipeline(
                "the pipeline thread panicked".into(),
            )),
            None => Ok(()),
        };
        self.drain.trigger();
        if let Some(runtime) = self.runtime.take() {
            let sinks = std::mem::take(&mut self.sinks);
            runtime.block_on(async move {
                let _ = tokio::time::timeout(DRAIN_GRACE, async {
                    for sink in sinks {
                        let _ = sink.await;
                    }
                })
                .await;
            });
            runtime.shutdown_timeout(Duration::from_secs(1));
        }
        result
    }
}

impl Drop for RunningMonitor {
    fn drop(&mut self) {
        if self.runtime.is_some() {
            let _ = self.finish();
        }
    }
}

/// Runs the monitor until `shutdown` is triggered (the `ward monitor` entry point).
pub fn run(
    config: MonitorConfig,
    detector: Box<dyn Detector>,
    shutdown: Shutdown,
) -> Result<(), MonitorError> {
    Monitor::new(config, detector).start(shutdown)?.wait()
}
