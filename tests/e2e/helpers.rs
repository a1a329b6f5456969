//! Starting the server for a test and talking to it.

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use serde_json::{Value, json};
use sqlx::Connection;
use tokio::net::TcpStream;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};
use urne::app::{Config, Running, spawn};
use urne::store::Store;

pub const TOKEN: &str = "test-token-0123456789";
/// The password of the accounts the tests create.
pub const PASSWORD: &str = "un mot de passe solide";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs an async test body once per backend.
#[macro_export]
macro_rules! both_backends {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::helpers::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name($crate::helpers::Backend::Postgres).await
            }
        }
    };
}

/// Waits until `ready()` holds, polling every 20 ms; fails the test with
/// `what()` after `limit`. The limit only stops a broken test: nothing is
/// timed.
pub async fn eventually(
    limit: Duration,
    what: impl Fn() -> String,
    mut ready: impl FnMut() -> bool,
) {
    let deadline = tokio::time::Instant::now() + limit;
    while !ready() {
        assert!(tokio::time::Instant::now() < deadline, "{}", what());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Says, past the test harness's output capture, that a test was skipped.
pub fn skipped(test: &str, why: &str) {
    let _ = writeln!(std::io::stderr(), "SKIPPED {test}: {why}");
}

/// A temporary directory, removed with everything in it when dropped.
pub fn temp_dir(what: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("urne-{what}-"))
        .tempdir()
        .expect("temp dir")
}

/// A database made for one test, dropped with it: the SQLite file's
/// directory is removed, the PostgreSQL database (`urne_test_*`) dropped
/// (`WITH (FORCE)`, so a server still connected, or killed, does not keep
/// it alive). Derefs to its URL.
#[derive(Debug)]
pub struct TestDb {
    url: String,
    kind: TestDbKind,
}

#[derive(Debug)]
enum TestDbKind {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin: String, name: String },
}

impl std::ops::Deref for TestDb {
    type Target = str;
    fn deref(&self) -> &str {
        &self.url
    }
}

impl std::fmt::Display for TestDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.url)
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let TestDbKind::Postgres { admin, name } = &self.kind else {
            return;
        };
        let (admin, name) = (admin.clone(), name.clone());
        let shown = name.clone();
        // Drop may run inside the test's runtime: the statement runs on a
        // thread of its own, with a runtime of its own.
        let done = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            rt.block_on(async {
                let mut conn = sqlx::postgres::PgConnection::connect(&admin).await.ok()?;
                sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut conn)
                    .await
                    .ok()
            })
        })
        .join();
        if !matches!(done, Ok(Some(_))) {
            let _ = writeln!(
                std::io::stderr(),
                "note: test database {shown} was not dropped"
            );
        }
    }
}

fn admin_url() -> String {
    std::env::var("URNE_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string())
}

/// A fresh database for `backend`, or None (after saying so) when
/// PostgreSQL is not reachable outside CI.
pub async fn fresh_database(backend: Backend, test: &str) -> Option<TestDb> {
    match backend {
        Backend::Sqlite => {
            let dir = temp_dir("test");
            Some(TestDb {
                url: format!("sqlite://{}", dir.path().join("urne.db").display()),
                kind: TestDbKind::Sqlite(dir),
            })
        }
        Backend::Postgres => {
            let admin = admin_url();
            let conn = tokio::time::timeout(
                Duration::from_secs(5),
                sqlx::postgres::PgConnection::connect(&admin),
            )
            .await;
            let mut conn = match conn {
                Ok(Ok(c)) => c,
                Ok(Err(e)) => return pg_unavailable(test, &admin, &e.to_string()),
                Err(_) => return pg_unavailable(test, &admin, "connection timed out"),
            };
            let name = format!("urne_test_{}", uuid::Uuid::new_v4().simple());
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut conn)
                .await
                .expect("create test database");
            let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
            Some(TestDb {
                url: format!("{base}/{name}"),
                kind: TestDbKind::Postgres { admin, name },
            })
        }
    }
}

fn pg_unavailable(test: &str, url: &str, err: &str) -> Option<TestDb> {
    if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
        panic!("{test}: PostgreSQL is required in CI but {url} is unreachable: {err}");
    }
    skipped(
        test,
        &format!(
            "PostgreSQL not reachable at {url} ({err}); start PostgreSQL or set URNE_TEST_POSTGRES_URL to run it"
        ),
    );
    None
}

pub struct TestApp {
    pub base: String,
    pub ws_base: String,
    pub http: reqwest::Client,
    pub store: Arc<Store>,
    pub database_url: String,
    pub running: Running,
    /// The test's own database, dropped with the app (None when the test
    /// brought its own).
    pub db: Option<TestDb>,
}

/// Starts the server on a random port with a fresh database.
pub async fn spawn_app(backend: Backend, test: &str) -> Option<TestApp> {
    let db = fresh_database(backend, test).await?;
    let mut app = start(&db).await;
    app.db = Some(db);
    Some(app)
}

pub async fn start(database_url: &str) -> TestApp {
    let config = Config {
        body_limit: 256 * 1024,
        ..Config::default()
    };
    start_with(database_url, config).await
}

/// Starts the server with `config` (its API token set to [`TOKEN`]).
pub async fn start_with(database_url: &str, config: Config) -> TestApp {
    let store = Arc::new(Store::connect(database_url).await.expect("connect store"));
    let config = Config {
        api_token: TOKEN.to_string(),
        ..config
    };
    let running = spawn("127.0.0.1:0", store.clone(), config)
        .await
        .expect("spawn server");
    let addr = running.addr;
    TestApp {
        base: format!("http://{addr}"),
        ws_base: format!("ws://{addr}"),
        http: reqwest::Client::new(),
        store,
        database_url: database_url.to_string(),
        running,
        db: None,
    }
}

pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

impl TestApp {
    pub async fn put(&self, path: &str, body: &Value) -> (u16, Value) {
        let r = self
            .http
            .put(format!("{}{path}", self.base))
            .bearer_auth(TOKEN)
            .json(body)
            .send()
            .await
            .expect("request");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(TOKEN)
            .json(body)
            .send()
            .await
            .expect("request");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn get_text(&self, path: &str) -> (u16, String) {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("request");
        (r.status().as_u16(), r.text().await.unwrap_or_default())
    }

    pub async fn get_json(&self, path: &str) -> (u16, Value) {
        let (s, t) = self.get_text(path).await;
        (s, serde_json::from_str(&t).unwrap_or(Value::Null))
    }

    /// Defines the sample commune; returns its id.
    pub async fn define_sample(&self) -> String {
        let e = election_data::fixtures::sample_commune();
        let (status, body) = self
            .post("/api/elections", &serde_json::to_value(&e).expect("json"))
            .await;
        assert_eq!(status, 201, "{body}");
        e.id
    }

    pub async fn ws(&self, election: &str, since: Option<i64>) -> Ws {
        let url = match since {
            Some(n) => format!("{}/ws/elections/{election}?since={n}", self.ws_base),
            None => format!("{}/ws/elections/{election}", self.ws_base),
        };
        connect_async(url).await.expect("websocket connect").0
    }
}

impl TestApp {
    /// Enters a PV with the API token, then validates and publishes it.
    pub async fn enter_and_publish(&self, election: &str, code: &str, pv: &Value) {
        let (s, b) = self
            .put(&format!("/api/elections/{election}/bureaux/{code}/pv"), pv)
            .await;
        assert_eq!(s, 200, "{b}");
        for action in ["validate", "publish"] {
            let (s, b) = self
                .post(
                    &format!("/api/elections/{election}/bureaux/{code}/{action}"),
                    &serde_json::json!({}),
                )
                .await;
            assert_eq!(s, 200, "{action}: {b}");
        }
    }
}

/// Applies a frame of the live WebSocket to the state a client holds (a
/// snapshot to begin with), as the kiosk and the pages do; returns false
/// for a delta that does not join up with it.
pub fn apply_frame(held: &mut urne::protocol::Snapshot<'static>, f: &Value) -> bool {
    use urne::protocol::Message;
    match serde_json::from_value::<Message<'static>>(f.clone()) {
        Ok(Message::Snapshot(s)) => *held = s,
        Ok(Message::Delta(d)) => {
            if !d.applies_at(held.seq) {
                return false;
            }
            held.apply(&d);
        }
        Ok(Message::Seq(s)) => held.seq = held.seq.max(s.seq),
        Err(e) => panic!("not a frame of the protocol: {e}: {f}"),
    }
    true
}

/// The next delta, every frame before it applied to `held` (and it too).
pub async fn next_delta(ws: &mut Ws, held: &mut urne::protocol::Snapshot<'static>) -> Value {
    loop {
        let f = next_frame(ws).await;
        assert!(apply_frame(held, &f), "a hole before {f}");
        if f["type"] == "delta" {
            return f;
        }
    }
}

/// The seq a client holds after frame `f`, having held `seen`: a snapshot
/// resets it, a delta must start right after it (one change or a coalesced
/// range `from..=seq`), a bare seq moves it on. Fails on a gap.
pub fn advance(seen: i64, f: &Value) -> i64 {
    let seq = f["seq"].as_i64().unwrap_or_else(|| panic!("no seq: {f}"));
    match f["type"].as_str() {
        Some("snapshot") => seq,
        Some("delta") => {
            let from = f["from"].as_i64().unwrap_or(seq);
            assert_eq!(from, seen + 1, "a gap before {f}");
            assert!(seq >= from, "{f}");
            seq
        }
        _ => {
            assert!(seq > seen, "a seq frame that does not move on: {f}");
            seq
        }
    }
}

/// The snapshot a frame is, decoded.
pub fn snapshot_of(f: &Value) -> urne::protocol::Snapshot<'static> {
    serde_json::from_value(f.clone()).unwrap_or_else(|e| panic!("not a snapshot: {e}: {f}"))
}

/// The next frame that is not a bare sequence number (`type: seq`).
pub async fn next_change(ws: &mut Ws) -> Value {
    loop {
        let f = next_frame(ws).await;
        if f["type"] != "seq" {
            return f;
        }
    }
}

/// The next JSON text frame, within 10 s.
pub async fn next_frame(ws: &mut Ws) -> Value {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("a frame within 10 s")
            .expect("stream open")
            .expect("frame");
        if let tokio_tungstenite::tungstenite::Message::Text(t) = msg {
            return serde_json::from_str(t.as_str()).expect("frame is JSON");
        }
    }
}

/// PV JSON for a sample bureau.
pub fn sample_pv_json(index: usize, seed: u64) -> (String, election_data::ProcesVerbal, Value) {
    let e = election_data::fixtures::sample_commune();
    let b = &e.bureaux[index];
    let pv = election_data::fixtures::sample_pv(&e, b, seed);
    let json = serde_json::to_value(&pv).expect("json");
    (b.code.clone(), pv, json)
}

/// Publishes `n` public changes (turnout readings, round the bureaux)
/// straight into the hub, without the store; returns the last seq.
pub fn publish_many(topic: &urne::hub::Topic, n: usize) -> i64 {
    let (codes, hour) = {
        let live = topic.read();
        let codes: Vec<String> = live
            .election
            .bureaux
            .iter()
            .map(|b| b.code.clone())
            .collect();
        (codes, live.election.turnout_hours[0].clone())
    };
    let mut seq = 0;
    for k in 0..n {
        let code = &codes[k % codes.len()];
        let (mut b, last) = {
            let live = topic.read();
            (live.bureau(code), live.seq)
        };
        b.record.turnout = vec![election_data::model::TurnoutReading {
            hour: hour.clone(),
            votants: 1 + (k / codes.len()) as i64 % 40,
        }];
        seq = last + 1;
        topic.publish(code, b, seq);
    }
    seq
}

/// A logged-in browser-like client: session cookie and CSRF token.
#[derive(Clone)]
pub struct Session {
    pub cookie: String,
    pub csrf: String,
}

/// The session of a login answer, checking its cookie's flags.
pub fn session_from(resp: &reqwest::Response, csrf: &str) -> Session {
    let cookie = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("urne_session="))
        .and_then(|c| c.split(';').next())
        .expect("session cookie")
        .to_string();
    let set = resp
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(
        set.contains("HttpOnly") && set.contains("Secure") && set.contains("SameSite=Strict"),
        "{set}"
    );
    Session {
        cookie,
        csrf: csrf.to_string(),
    }
}

/// Creates an account (password [`PASSWORD`]) with the API token.
pub async fn add_user(app: &TestApp, username: &str, role: &str, bureaux: &[&str]) {
    let (s, b) = app
        .post(
            "/api/users",
            &json!({ "username": username, "password": PASSWORD, "role": role, "bureaux": bureaux }),
        )
        .await;
    assert_eq!(s, 201, "{b}");
}

/// Logs `username` in with [`PASSWORD`] through the JSON API.
pub async fn login(app: &TestApp, username: &str) -> Session {
    let r = app
        .http
        .post(format!("{}/api/login", app.base))
        .json(&json!({ "username": username, "password": PASSWORD }))
        .send()
        .await
        .expect("login");
    assert_eq!(r.status(), 200);
    let s = session_from(&r, "");
    let body: Value = r.json().await.expect("json");
    Session {
        csrf: body["csrf"].as_str().expect("csrf").to_string(),
        ..s
    }
}
