//! # urne-kiosk
//!
//! The program of the results terminals and public screens. It follows an
//! Urne server over its public WebSocket ([`upstream`]), keeps a mirror of
//! each election on disk ([`mirror`]) and serves the server's own pages from
//! that mirror on 127.0.0.1 to a browser in kiosk mode ([`local`]), so the
//! screens keep showing the last results whatever happens to the network.
//!
//! It is built on `election-data` and `results-view` alone: the same pages,
//! assets and live WebSocket as the server's public side, and nothing else
//! (no store, no login, no desk, no write API: those answer 404).

pub mod config;
pub mod local;
pub mod mirror;
pub mod upstream;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use results_view::{PublicState, Topics};
use tokio::task::JoinHandle;

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
    let hub = Arc::new(Topics::new());
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
    let public = results_view::pages::router().with_state(PublicState::new(hub));
    let app = local::router(shared.clone(), public);
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
