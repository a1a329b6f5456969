//! # urne-kiosk
//!
//! The program of the results terminals and public screens. It follows an
//! Urne server over its public WebSocket ([`upstream`]), keeps a mirror of
//! each election on disk ([`mirror`]) and serves the server's own pages from
//! that mirror on 127.0.0.1 to a browser in kiosk mode ([`local`]), so the
//! screens keep showing the last results whatever happens to the network.

pub mod config;
pub mod local;
pub mod mirror;
pub mod upstream;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::task::JoinHandle;
use urne::app::{AppState, Config as ServerConfig};
use urne::hub::Hub;
use urne::store::Store;

pub use config::Config;
use upstream::{Link, Shared};

/// A running kiosk.
#[derive(Debug)]
pub struct Running {
    pub addr: SocketAddr,
    pub shared: Arc<Shared>,
    tasks: Vec<JoinHandle<()>>,
    server: JoinHandle<std::io::Result<()>>,
}

impl Running {
    /// Stops following and serving.
    pub fn stop(self) {
        for t in &self.tasks {
            t.abort();
        }
        self.server.abort();
    }
}

/// Starts a kiosk: local server first (it shows the state from disk at
/// once), then one follower per election.
pub async fn start(config: Config) -> anyhow::Result<Running> {
    std::fs::create_dir_all(&config.state_dir)?;
    let hub = Arc::new(Hub::new());
    let shared = Arc::new(Shared {
        server: config.server.trim_end_matches('/').to_string(),
        state_dir: config.state_dir.clone(),
        hub: hub.clone(),
        link: Mutex::new(Link::default()),
        rotation_seconds: config.rotation_seconds,
        idle_seconds: config.idle_seconds,
    });
    // Show what is on disk before the first connection attempt.
    for id in &config.elections {
        if let Some(m) = mirror::Mirror::load(&config.state_dir, id) {
            hub.insert(m.to_live());
        }
    }
    // The server's router needs a store; the kiosk's holds nothing but is
    // never written to (the write API answers 401: no token is known).
    let store = Arc::new(
        Store::connect(&format!(
            "sqlite://{}",
            config.state_dir.join("kiosk-local.db").display()
        ))
        .await?,
    );
    let state = AppState::with_hub(store, hub, ServerConfig::default()).await?;
    let app = local::router(shared.clone(), urne::app::router(state));
    let listener = tokio::net::TcpListener::bind(&config.listen).await?;
    let addr = listener.local_addr()?;
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let tasks = config
        .elections
        .iter()
        .map(|id| tokio::spawn(upstream::follow(shared.clone(), id.clone())))
        .collect();
    Ok(Running {
        addr,
        shared,
        tasks,
        server,
    })
}
