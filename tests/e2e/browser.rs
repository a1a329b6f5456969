//! A headless Chromium for end-to-end tests, driven over WebDriver.
//!
//! [`browser`] starts Debian's `chromedriver` on a free port and opens a
//! headless `chromium` session with a fresh profile, off the network. When
//! chromedriver is not installed the test is skipped (saying so on stderr)
//! except in CI (`CI=true`), where a missing browser is a failure. The
//! helpers wrap what page tests need: load a page, wait for a text to appear
//! (live updates), run a script, take a screenshot, check accessibility with
//! the vendored axe-core. Dropping a [`Browser`] kills its chromedriver (and
//! with it Chromium) and removes the profile.

#![allow(dead_code)]

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Browsers open at once across the test binary: each is a few hundred MB
/// and the machines running the tests have few cores.
const MAX_BROWSERS: usize = 2;

fn slots() -> Arc<Semaphore> {
    static SLOTS: OnceLock<Arc<Semaphore>> = OnceLock::new();
    SLOTS
        .get_or_init(|| Arc::new(Semaphore::new(MAX_BROWSERS)))
        .clone()
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// The first executable found among `candidates` (an env override first).
fn find_exe(env: &str, candidates: &[&str]) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(env) {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for name in candidates {
        for dir in std::env::split_paths(&path) {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
        let p = Path::new("/usr/lib/chromium").join(name);
        if p.is_file() {
            return Some(p);
        }
    }
    None
}

fn unavailable(test: &str, why: &str) -> Option<Browser> {
    if in_ci() {
        panic!(
            "{test}: a headless browser is required in CI but {why} (apt-get install chromium chromium-driver)"
        );
    }
    crate::helpers::skipped(
        test,
        &format!("{why}; install Debian's chromium and chromium-driver to run it"),
    );
    None
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free local port")
}

/// A headless Chromium session and the chromedriver serving it.
pub struct Browser {
    pub client: Client,
    driver: Child,
    profile: PathBuf,
    _slot: OwnedSemaphorePermit,
}

/// Starts chromedriver and a headless Chromium at 1920×1080, or returns
/// None (after printing `SKIPPED <test>: …`) when chromedriver is missing
/// outside CI.
pub async fn browser(test: &str) -> Option<Browser> {
    browser_with_args(test, &[]).await
}

/// [`browser`] with more Chromium switches (e.g. the one certificate to
/// accept).
pub async fn browser_with_args(test: &str, extra: &[String]) -> Option<Browser> {
    let Some(driver_exe) = find_exe("CHROMEDRIVER", &["chromedriver"]) else {
        return unavailable(test, "chromedriver is not installed");
    };
    let chromium = find_exe(
        "CHROMIUM",
        &["chromium", "chromium-browser", "google-chrome"],
    );
    let slot = slots()
        .acquire_owned()
        .await
        .expect("browser semaphore is never closed");
    let port = free_port();
    // Its own process group, so that Drop ends Chromium with it.
    let mut driver = match Command::new(&driver_exe)
        .arg(format!("--port={port}"))
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => return unavailable(test, &format!("{} cannot start: {e}", driver_exe.display())),
    };
    let url = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(15);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > deadline {
            let _ = driver.kill();
            panic!("{test}: chromedriver did not listen on {url} within 15 s");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let profile =
        std::env::temp_dir().join(format!("urne-chromium-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&profile).expect("chromium profile dir");
    let mut options = json!({
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--hide-scrollbars",
            "--window-size=1920,1080",
            format!("--user-data-dir={}", profile.display()),
        ],
    });
    if let Some(args) = options["args"].as_array_mut() {
        args.extend(extra.iter().map(|a| json!(a)));
    }
    if let Some(bin) = &chromium {
        options["binary"] = json!(bin.display().to_string());
    }
    let mut caps = serde_json::Map::new();
    caps.insert("goog:chromeOptions".into(), options);
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let client = match ClientBuilder::new(connector)
        .capabilities(caps)
        .connect(&url)
        .await
    {
        Ok(c) => c,
        Err(e) => {
            let _ = driver.kill();
            let _ = driver.wait();
            let _ = std::fs::remove_dir_all(&profile);
            return unavailable(test, &format!("no Chromium session: {e}"));
        }
    };
    Some(Browser {
        client,
        driver,
        profile,
        _slot: slot,
    })
}

impl Browser {
    /// Loads `url` and waits for the document to be loaded.
    pub async fn goto(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("load {url}: {e}"));
    }

    /// Opens a new tab (not switched to); returns its handle.
    pub async fn new_tab(&self) -> fantoccini::wd::WindowHandle {
        self.client.new_window(true).await.expect("new tab").handle
    }

    /// The handle of the current tab.
    pub async fn current_tab(&self) -> fantoccini::wd::WindowHandle {
        self.client.window().await.expect("window")
    }

    /// Makes `tab` the one the next commands act on.
    pub async fn switch_to(&self, tab: fantoccini::wd::WindowHandle) {
        self.client.switch_to_window(tab).await.expect("switch tab");
    }

    /// Resizes the window (the viewport is what screenshots show).
    pub async fn resize(&self, width: u32, height: u32) {
        self.client
            .set_window_size(width, height)
            .await
            .expect("set window size");
        // Make the viewport, not the window, the requested size.
        let inner = self
            .execute("return [window.innerWidth, window.innerHeight];", vec![])
            .await;
        let px = |v: &Value, d: u32| v.as_u64().and_then(|n| u32::try_from(n).ok()).unwrap_or(d);
        let (iw, ih) = (px(&inner[0], width), px(&inner[1], height));
        let (dw, dh) = (width.saturating_sub(iw), height.saturating_sub(ih));
        if dw > 0 || dh > 0 {
            self.client
                .set_window_size(width + dw, height + dh)
                .await
                .expect("set window size");
        }
    }

    /// The text of the first element matching a CSS selector, or None.
    pub async fn text(&self, selector: &str) -> Option<String> {
        let el = self.client.find(Locator::Css(selector)).await.ok()?;
        el.text().await.ok()
    }

    /// Waits until the first element matching `selector` contains `text`;
    /// returns its text. Panics with what it saw instead after `timeout`.
    pub async fn wait_for_text(&self, selector: &str, text: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        let mut last = None;
        loop {
            // textContent, unlike WebDriver's visible text, also sees
            // elements hidden by CSS (a slide not on screen yet).
            let seen = self
                .execute(
                    "var e = document.querySelector(arguments[0]); return e ? e.textContent : null;",
                    vec![json!(selector)],
                )
                .await;
            if let Some(s) = seen.as_str() {
                if s.contains(text) {
                    return s.to_string();
                }
                last = Some(s.to_string());
            }
            if Instant::now() > deadline {
                panic!(
                    "no {text:?} in {selector} after {timeout:?}; last seen: {:?}",
                    last.as_deref()
                        .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until `script` (a function body, e.g. `return x > 1;`) returns
    /// true; panics saying `what` after `timeout`.
    pub async fn wait_until(&self, script: &str, what: &str, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        while self.execute(script, vec![]).await != json!(true) {
            if Instant::now() > deadline {
                panic!("{what}: still false after {timeout:?}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Runs a script in the page (`arguments[i]` are `args`) and returns its result.
    pub async fn execute(&self, script: &str, args: Vec<Value>) -> Value {
        self.client
            .execute(script, args)
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}"))
    }

    /// Runs an asynchronous script; it calls `arguments[arguments.length - 1]` with its result.
    pub async fn execute_async(&self, script: &str, args: Vec<Value>) -> Value {
        self.client
            .execute_async(script, args)
            .await
            .unwrap_or_else(|e| panic!("async script failed: {e}"))
    }

    /// Saves a PNG of the viewport at `path` (parent folders are created).
    pub async fn screenshot(&self, path: impl AsRef<Path>) {
        let path = path.as_ref();
        let png = self.client.screenshot().await.expect("screenshot");
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("screenshot folder");
        }
        std::fs::write(path, png).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    }

    /// Runs axe-core (vendored in `tests/e2e/assets/axe.min.js`) on the
    /// current page and returns the violations of impact `serious` or
    /// `critical`, one line each (rule, impact, first targets).
    pub async fn serious_accessibility_violations(&self) -> Vec<String> {
        static AXE: &str = include_str!("assets/axe.min.js");
        let loaded = self
            .execute(
                &format!(
                    "{AXE}\n;return typeof window.axe === 'object' || typeof axe === 'object';"
                ),
                vec![],
            )
            .await;
        assert_eq!(loaded, json!(true), "axe-core did not load");
        self.client
            .update_timeouts(fantoccini::wd::TimeoutConfiguration::new(
                Some(Duration::from_secs(60)),
                Some(Duration::from_secs(60)),
                None,
            ))
            .await
            .expect("script timeout");
        let report = self
            .execute_async(
                r#"var done = arguments[arguments.length - 1];
                   (window.axe || axe).run(document, { resultTypes: ["violations"] })
                     .then(function (r) {
                       done(r.violations.map(function (v) {
                         return { id: v.id, impact: v.impact, help: v.help,
                                  targets: v.nodes.slice(0, 5).map(function (n) { return n.target.join(" "); }) };
                       }));
                     })
                     .catch(function (e) { done({ error: String(e) }); });"#,
                vec![],
            )
            .await;
        assert!(report.get("error").is_none(), "axe failed: {report}");
        report
            .as_array()
            .map(|v| {
                v.iter()
                    .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
                    .map(|v| {
                        format!(
                            "{} ({}): {} — {}",
                            v["id"].as_str().unwrap_or(""),
                            v["impact"].as_str().unwrap_or(""),
                            v["help"].as_str().unwrap_or(""),
                            v["targets"]
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Ends the session cleanly (Drop would too, more abruptly).
    pub async fn close(self) {
        let _ = self.client.clone().close().await;
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // chromedriver leads its process group (see `browser`): end the
        // Chromium processes it started along with it. (Not with procps'
        // `kill -KILL -PGID`: version 4.0.2 can misread it as "every process".)
        if let Some(pgid) = i32::try_from(self.driver.id())
            .ok()
            .and_then(rustix::process::Pid::from_raw)
        {
            let _ = rustix::process::kill_process_group(pgid, rustix::process::Signal::KILL);
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}
