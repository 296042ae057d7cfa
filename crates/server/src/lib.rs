//! agentline's HTTP server: configuration, start-up, the REST API, Twilio's endpoints and
//! shutdown. The calls themselves run in the engine (`agentline-engine`), which this builds and
//! runs beside the HTTP listener.
//!
//! [`Application::build`] connects the store, runs migrations and binds the listener;
//! [`Application::run_until_stopped`] serves until the shutdown future completes. Tests use
//! the same two calls with port 0.

pub mod api;
pub mod campaigns;
pub mod config;
mod console;
mod dialects;
pub mod usage;

use agentline_engine::{AnalysisWorker, CallRuntime, Engine, WebhookWorker};
use agentline_store::Store;
use anyhow::Context;
use api::rate_limit::RateLimiter;
use axum::body::Bytes;
use config::Config;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::net::TcpListener;

/// What every handler can reach. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<Config>,
    pub rate_limiter: Arc<RateLimiter>,
    pub metrics: PrometheusHandle,
    pub openapi_json: Bytes,
    pub calls: Arc<CallRuntime>,
    pub webhooks: Arc<WebhookWorker>,
    pub analysis: Arc<AnalysisWorker>,
    pub usage: Arc<usage::UsageWriter>,
}

/// The process-wide Prometheus recorder; `metrics` macros need exactly one.
fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new().build_recorder();
            let handle = recorder.handle();
            // Another recorder can only exist if an embedding program installed one; then ours just stays empty.
            let _ = metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
}

/// Connects to the configured database (creating the data directory for SQLite) and migrates it.
pub async fn open_store(config: &Config) -> anyhow::Result<Store> {
    let data_dir = &config.engine.data_dir;
    std::fs::create_dir_all(data_dir).with_context(|| format!("cannot create data_dir {}", data_dir.display()))?;
    let url = config.database_url();
    let store =
        Store::connect(&url).await.with_context(|| format!("cannot open database {}", config::redact_url(&url)))?;
    store.migrate().await.context("cannot migrate the database")?;
    Ok(store)
}

/// A built server, bound and ready to run.
pub struct Application {
    listener: TcpListener,
    state: AppState,
    engine: Engine,
}

impl Application {
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let store = open_store(&config).await?;
        let listener =
            TcpListener::bind(config.bind).await.with_context(|| format!("cannot listen on {}", config.bind))?;
        let engine = Engine::start(store.clone(), Arc::new(config.engine.clone())).await?;
        let config = Arc::new(config);
        let usage = Arc::new(usage::UsageWriter::new(store.clone()));
        let rate_limiter = Arc::new(RateLimiter::for_store(&config.rate_limits, &store));
        let state = AppState {
            store,
            rate_limiter,
            config,
            metrics: metrics_handle(),
            openapi_json: Bytes::from(api::openapi_json()),
            calls: Arc::clone(&engine.calls),
            webhooks: Arc::clone(&engine.webhooks),
            analysis: Arc::clone(&engine.analysis),
            usage,
        };
        Ok(Self { listener, state, engine })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("a bound listener has an address")
    }

    pub fn port(&self) -> u16 {
        self.local_addr().port()
    }

    pub fn store(&self) -> &Store {
        &self.state.store
    }

    /// The call runtime, for tests that drive the dispatcher by hand.
    pub fn calls(&self) -> Arc<CallRuntime> {
        Arc::clone(&self.state.calls)
    }

    /// The webhook worker, for tests that deliver with a clock of their own.
    pub fn webhooks(&self) -> Arc<WebhookWorker> {
        Arc::clone(&self.state.webhooks)
    }

    /// The analysis worker, for tests that run analyses with a clock of their own.
    pub fn analysis(&self) -> Arc<AnalysisWorker> {
        Arc::clone(&self.state.analysis)
    }

    /// Serves until `shutdown` completes, then lets in-flight requests finish and hangs up
    /// the calls still running.
    pub async fn run_until_stopped(self, shutdown: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        let (stop, stopped) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            shutdown.await;
            let _ = stop.send(true);
        });
        // Draining: from the signal the node takes no calls and says so on /healthz, but serves
        // requests until its calls have finished (the engine's run returns); then HTTP stops.
        let (drained, http_stopped) = tokio::sync::watch::channel(false);
        let engine = self.engine;
        let engine_stop = stopped.clone();
        let engine = tokio::spawn(async move {
            engine.run(engine_stop).await;
            let _ = drained.send(true);
        });
        let usage = Arc::clone(&self.state.usage);
        let usage_stop = http_stopped.clone();
        let usage_writer = tokio::spawn(async move { usage.run(usage_stop).await });
        let limiter = Arc::clone(&self.state.rate_limiter);
        let janitor = tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(60));
            loop {
                tick.tick().await;
                limiter.forget_idle_keys().await;
            }
        });
        let campaign_scheduler = tokio::spawn(campaigns::run(self.state.clone(), stopped.clone()));
        let store = self.state.store.clone();
        let app = api::router(self.state).into_make_service_with_connect_info::<SocketAddr>();
        let mut http_stop = http_stopped;
        let served = axum::serve(self.listener, app)
            .with_graceful_shutdown(async move {
                let _ = http_stop.wait_for(|stop| *stop).await;
            })
            .await;
        janitor.abort();
        let _ = campaign_scheduler.await;
        let _ = engine.await;
        let _ = usage_writer.await;
        store.close().await;
        served.context("the HTTP server failed")
    }
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
