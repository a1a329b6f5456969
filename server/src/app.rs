//! The router, the shared state, and starting the server.
//!
//! [`AppState`] is what every handler sees: the store, the hub (which owns the
//! live state of each election) and the configuration. [`spawn`] binds a
//! listener, restores every election from the store and serves until the
//! returned handle is shut down; the CLI, the demo and the tests all start
//! the server this way.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, header};
use axum::routing::{get, post, put};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::auth::login;
use crate::auth::throttle::Throttle;
use crate::hub::Hub;
use crate::live::LiveElection;
use crate::store::Store;
use crate::{assets, desk, hub, ingest, pages};

/// Settings of a running server.
#[derive(Debug, Clone)]
pub struct Config {
    /// Bearer token required by the write endpoints.
    pub api_token: String,
    /// Largest request body accepted, in bytes.
    pub body_limit: usize,
    /// Tunables of the live fan-out.
    pub hub: crate::hub::HubSettings,
    /// Fan-out worker processes holding the public WebSocket connections
    /// (0: this process holds them).
    pub fanout_workers: usize,
    /// The `urne` executable the workers run; this process's own by default.
    pub worker_exe: Option<std::path::PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            api_token: String::new(),
            body_limit: 2 * 1024 * 1024,
            hub: crate::hub::HubSettings::default(),
            fanout_workers: 0,
            worker_exe: None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct AppState {
    pub store: Arc<Store>,
    pub hub: Arc<Hub>,
    pub config: Arc<Config>,
    pub throttle: Arc<Throttle>,
    /// Public pages and feed, rendered once per change.
    pub pages: Arc<pages::cache::PageCache>,
    /// An argon2 hash checked against when an account does not exist, so
    /// that unknown and known names take the same time to refuse.
    pub dummy_hash: String,
}

/// When an election's embargo ends, push a fresh public snapshot: the
/// public pages and screens switch from participation to results by themselves.
pub fn watch_embargo(topic: Arc<crate::hub::Topic>) {
    let until = topic.read().embargo_until;
    let Some(until) = until else {
        return;
    };
    let wait = until - crate::store::now_millis();
    if wait <= 0 {
        return;
    }
    let weak = Arc::downgrade(&topic);
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(u64::try_from(wait).unwrap_or(0) + 5)).await;
        if let Some(topic) = weak.upgrade() {
            tracing::info!(election = %topic.id, "embargo over: results are public");
            topic.resnapshot(crate::hub::View::Public);
        }
    });
}

impl AppState {
    /// Loads every stored election into the hub.
    /// State around an existing hub (the kiosk fills its hub from its mirror).
    pub async fn with_hub(
        store: Arc<Store>,
        hub: Arc<Hub>,
        config: Config,
    ) -> anyhow::Result<AppState> {
        let dummy_hash =
            tokio::task::spawn_blocking(|| crate::auth::hash_password("urne-dummy-password"))
                .await?
                .map_err(|e| anyhow::anyhow!("argon2: {e}"))?;
        Ok(AppState {
            store,
            hub,
            config: Arc::new(config),
            throttle: Arc::new(Throttle::default()),
            pages: Arc::new(pages::cache::PageCache::new()),
            dummy_hash,
        })
    }

    pub async fn restore(store: Arc<Store>, config: Config) -> anyhow::Result<AppState> {
        let hub = Hub::with_settings(config.hub.clone());
        for stored in store.load_all().await? {
            let rows = stored.bureaux.into_iter().map(|b| (b.code, b.dossier));
            watch_embargo(hub.insert(LiveElection::restore(stored.election, stored.seq, rows)));
        }
        AppState::with_hub(store, Arc::new(hub), config).await
    }
}

pub fn router(state: AppState) -> Router {
    let body_limit = state.config.body_limit;
    let api = Router::new()
        .route("/openapi.json", get(ingest::openapi))
        .route("/health", get(ingest::health))
        .route(
            "/elections",
            get(ingest::list_elections).post(ingest::create_election),
        )
        .route("/elections/{id}", get(ingest::get_election))
        .route("/elections/{id}/results", get(ingest::results))
        .route("/elections/{id}/feed", get(pages::feed::feed))
        .route(
            "/elections/{id}/export/{format}",
            get(crate::export::download),
        )
        .route(
            "/elections/{id}/print/bureau/{code}",
            get(crate::export::print_bureau),
        )
        .route("/elections/{id}/print/{record}", get(crate::export::print))
        .route("/elections/{id}/bureaux/{code}/pv", put(ingest::put_pv))
        .route(
            "/elections/{id}/bureaux/{code}/turnout",
            put(ingest::put_turnout),
        )
        .route(
            "/elections/{id}/bureaux/{code}/validate",
            post(ingest::validate),
        )
        .route(
            "/elections/{id}/bureaux/{code}/publish",
            post(ingest::publish),
        )
        .route(
            "/elections/{id}/bureaux/{code}/unpublish",
            post(ingest::unpublish),
        )
        .route(
            "/elections/{id}/bureaux/{code}/code",
            post(ingest::access_code),
        )
        .route("/users", post(ingest::create_user))
        .route("/audit", get(ingest::audit))
        .route("/login", post(login::api_login))
        .route("/login/code", post(login::api_login_code))
        .fallback(ingest::api_not_found);

    // The yardstick of scripts/bench-pages.sh, only when asked for.
    let bench = if std::env::var_os("URNE_BENCH_REFERENCE").is_some_and(|v| v == "1") {
        Router::new().route("/__bench/static/{size}", get(pages::bench_reference))
    } else {
        Router::new()
    };
    Router::new()
        .merge(pages::routes())
        .merge(bench)
        .route("/assets/{*path}", get(assets::serve))
        .merge(desk::routes())
        .route("/ws/elections/{id}", get(hub::ws::handler))
        .nest("/api", api)
        .fallback(pages::not_found)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(CompressionLayer::new())
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; img-src 'self' data:; style-src 'self'; style-src-attr 'unsafe-inline'; script-src 'self'; connect-src 'self'; frame-ancestors 'self'",
            ),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static("x-frame-options"),
            HeaderValue::from_static("SAMEORIGIN"),
        ))
        .layer(TraceLayer::new_for_http())
        .layer(CatchPanicLayer::custom(ingest::panic_response))
        .with_state(state)
}

/// A running server.
#[derive(Debug)]
pub struct Running {
    pub addr: SocketAddr,
    pub state: AppState,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

impl Running {
    /// Stops accepting, lets in-flight requests finish (up to a few seconds).
    pub async fn shutdown(mut self) {
        if let Some(workers) = self.state.hub.all_workers() {
            workers.stop();
        }
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = tokio::time::timeout(Duration::from_secs(5), &mut self.task).await;
        self.task.abort();
    }

    /// Waits until the server stops on its own (it does not, unless it fails).
    pub async fn wait(self) -> anyhow::Result<()> {
        self.task.await??;
        Ok(())
    }
}

/// Binds `listen`, restores the state from `store` and serves in the background.
pub async fn spawn(listen: &str, store: Arc<Store>, config: Config) -> anyhow::Result<Running> {
    let state = AppState::restore(store, config).await?;
    let listener = TcpListener::bind(listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {listen}: {e}"))?;
    let addr = listener.local_addr()?;
    if state.config.fanout_workers > 0 {
        let exe = match &state.config.worker_exe {
            Some(exe) => exe.clone(),
            None => std::env::current_exe()?,
        };
        let command = hub::workers::WorkerCommand {
            exe,
            settings: state.hub.settings().clone(),
        };
        hub::workers::Workers::start(&state.hub, state.config.fanout_workers, command).await?;
    }
    let app = router(state.clone());
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(serve(listener, app, rx));
    Ok(Running {
        addr,
        state,
        shutdown: Some(tx),
        task,
    })
}

/// The accept loop: HTTP/1.1 by hyper, with upgrades, each connection on its
/// own task, until `stop` fires; then in-flight requests finish.
///
/// Rather than `axum::serve`, so that an upgraded WebSocket connection can
/// be taken back as the `TcpStream` it is (hyper's `Upgraded::downcast`)
/// and handed to a fan-out worker process ([`hub::workers`]); `axum::serve`
/// wraps connections in a private type. Accepted sockets get `TCP_NODELAY`:
/// a live frame must not wait for the previous one's acknowledgement.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    mut stop: oneshot::Receiver<()>,
) -> std::io::Result<()> {
    use tower::ServiceExt;
    let (closing_tx, closing_rx) = tokio::sync::watch::channel(false);
    let (done_tx, mut done_rx) = tokio::sync::mpsc::channel::<()>(1);
    loop {
        let (tcp, remote) = tokio::select! {
            _ = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok(c) => c,
                Err(e) => {
                    // Out of descriptors, mostly: wait for some to be freed.
                    tracing::warn!("accept: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let _ = tcp.set_nodelay(true);
        let app = app.clone();
        let mut closing = closing_rx.clone();
        let done = done_tx.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(
                move |mut req: hyper::Request<hyper::body::Incoming>| {
                    req.extensions_mut()
                        .insert(axum::extract::ConnectInfo(remote));
                    app.clone().oneshot(req)
                },
            );
            let conn = hyper::server::conn::http1::Builder::new()
                .serve_connection(hyper_util::rt::TokioIo::new(tcp), service)
                .with_upgrades();
            tokio::pin!(conn);
            tokio::select! {
                r = conn.as_mut() => {
                    if let Err(e) = r {
                        tracing::debug!("connection from {remote}: {e}");
                    }
                }
                _ = closing.changed() => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
            drop(done);
        });
    }
    let _ = closing_tx.send(true);
    drop(done_tx);
    let _ = done_rx.recv().await;
    Ok(())
}
