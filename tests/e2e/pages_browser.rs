//! The public display, end to end: the results pages, the big screen and
//! the open feed, over HTTP and in a headless Chromium.
//!
//! Browser tests use [`crate::browser`]; they are skipped (with a line on
//! stderr) where chromedriver is not installed, and fail in CI.

use std::time::Duration;

use crate::browser::browser;
use crate::helpers::{Backend, spawn_app};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_harness_loads_the_home_page() {
    let Some(b) = browser("browser_harness_loads_the_home_page").await else {
        return;
    };
    let app = spawn_app(Backend::Sqlite, "browser_harness").await.expect("sqlite");
    b.goto(&format!("{}/", app.base)).await;
    b.wait_for_text("h1", "Élections", Duration::from_secs(5)).await;
    b.close().await;
    app.running.shutdown().await;
}
