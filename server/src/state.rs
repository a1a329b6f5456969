//! The shared state every handler sees, and the server's settings.
//!
//! [`AppState`] holds the store, the hub (which owns the live state of each
//! election), the configuration, the login throttle and the page cache.
//! Each part is also a sub-state ([`axum::extract::FromRef`]), so that a
//! handler takes only what it uses: `State<Arc<Hub>>`, `State<Arc<Store>>`…
//! [`AppState::restore`] fills the hub from the store at start-up, and
//! [`watch_embargo`] re-snapshots an election when its embargo ends.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::FromRef;

use crate::auth::AuthState;
use crate::auth::throttle::{Throttle, ThrottlePolicy};
use crate::error::ApiError;
use crate::hub::{Hub, Topic};
use crate::pages::cache::PageCache;
use crate::store::Store;

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
    /// Proxies whose `X-Forwarded-For` names the client (none: the TCP peer is the client).
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// The login throttle's rules (tests remove the slowdown).
    pub throttle: ThrottlePolicy,
    /// Most live (WebSocket) connections at once; beyond, 503 (0: no limit).
    pub max_subscribers: usize,
    /// The certificate served when the server speaks TLS (None: plain HTTP).
    pub tls: Option<crate::tls::Tls>,
    /// The secondary modules this server knows (which are on is in the store).
    pub modules: Arc<module_engine::Catalog>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            api_token: String::new(),
            body_limit: 2 * 1024 * 1024,
            hub: crate::hub::HubSettings::default(),
            fanout_workers: 0,
            worker_exe: None,
            trusted_proxies: Vec::new(),
            throttle: ThrottlePolicy::default(),
            max_subscribers: 0,
            tls: None,
            modules: Arc::new(builtin_modules()),
        }
    }
}

/// The modules built into Urne (none switched on until `urne module enable`).
pub fn builtin_modules() -> module_engine::Catalog {
    match module_engine::Catalog::new(catalogue::all()) {
        Ok(c) => c,
        Err(problems) => {
            // A declaration error is a bug of this build: say it, serve without modules.
            tracing::error!(?problems, "the built-in modules are unsound");
            module_engine::Catalog::default()
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
    pub pages: Arc<PageCache>,
    /// What authentication reads (the store, the API token, the throttle,
    /// the dummy hash), shared with the fields above.
    pub auth: AuthState,
}

impl FromRef<AppState> for Arc<Store> {
    fn from_ref(state: &AppState) -> Self {
        state.store.clone()
    }
}

impl FromRef<AppState> for Arc<Hub> {
    fn from_ref(state: &AppState) -> Self {
        state.hub.clone()
    }
}

impl FromRef<AppState> for Arc<Config> {
    fn from_ref(state: &AppState) -> Self {
        state.config.clone()
    }
}

impl FromRef<AppState> for AuthState {
    fn from_ref(state: &AppState) -> Self {
        state.auth.clone()
    }
}

impl FromRef<AppState> for Arc<Throttle> {
    fn from_ref(state: &AppState) -> Self {
        state.throttle.clone()
    }
}

impl FromRef<AppState> for Arc<PageCache> {
    fn from_ref(state: &AppState) -> Self {
        state.pages.clone()
    }
}

impl FromRef<AppState> for results_view::pages::PublicState {
    fn from_ref(state: &AppState) -> Self {
        results_view::pages::PublicState {
            topics: state.hub.topics().clone(),
            pages: state.pages.clone(),
        }
    }
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
    /// The election `id`, or 404 `not_found` naming it.
    pub fn election(&self, id: &str) -> Result<Arc<Topic>, ApiError> {
        self.hub
            .get(id)
            .ok_or_else(|| ApiError::unknown_election(id))
    }

    /// State around an existing hub (the kiosk fills its hub from its mirror).
    pub async fn with_hub(
        store: Arc<Store>,
        hub: Arc<Hub>,
        config: Config,
    ) -> anyhow::Result<AppState> {
        hub.capacity.set_max(config.max_subscribers);
        let dummy_hash = tokio::task::spawn_blocking(|| {
            crate::auth::password::hash_password("urne-dummy-password")
        })
        .await?
        .map_err(|e| anyhow::anyhow!("argon2: {e}"))?;
        let throttle = Arc::new(Throttle::new(config.throttle.clone()));
        let auth = AuthState {
            store: store.clone(),
            api_token: Arc::from(config.api_token.as_str()),
            throttle: throttle.clone(),
            trusted_proxies: Arc::from(config.trusted_proxies.as_slice()),
            dummy_hash: Arc::from(dummy_hash.as_str()),
        };
        Ok(AppState {
            store,
            hub,
            config: Arc::new(config),
            throttle,
            pages: Arc::new(PageCache::new()),
            auth,
        })
    }

    /// Loads every stored election into a new hub.
    pub async fn restore(store: Arc<Store>, config: Config) -> anyhow::Result<AppState> {
        let hub = Hub::with_settings(config.hub.clone());
        for stored in store.load_all().await? {
            watch_embargo(hub.insert(stored.into_live()));
        }
        AppState::with_hub(store, Arc::new(hub), config).await
    }
}
