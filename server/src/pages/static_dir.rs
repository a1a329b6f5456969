//! The static fallback (`urne serve --static-dir DIR`), started from the
//! server's state; the writer itself is the read model's
//! (`results_view::pages::static_dir`, re-exported here).

use std::path::PathBuf;

use axum::extract::FromRef;
pub use results_view::pages::static_dir::{PERIOD, write_atomic};

use super::PublicState;

/// Starts the background writer from any state that holds the public one.
/// It runs until the process ends.
pub fn spawn<S>(state: S, dir: PathBuf) -> tokio::task::JoinHandle<()>
where
    PublicState: FromRef<S>,
{
    results_view::pages::static_dir::spawn(PublicState::from_ref(&state), dir)
}
