//! The static fallback (`urne serve --static-dir DIR`), started from the
//! server's state; the writer itself is the read model's
//! (`results_view::pages::static_dir`, re-exported here).

use std::path::PathBuf;

use axum::extract::FromRef;
pub use results_view::pages::static_dir::{PERIOD, write_atomic};

use super::PublicState;
use crate::app::AppState;

/// Starts the background writer. It runs until the process ends.
pub fn spawn(state: AppState, dir: PathBuf) -> tokio::task::JoinHandle<()> {
    results_view::pages::static_dir::spawn(PublicState::from_ref(&state), dir)
}
