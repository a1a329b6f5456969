//! The kiosk end to end: a real server (its own runtime, killed and
//! restarted on the same port and database), a real kiosk following it over
//! WebSocket, and HTTP requests to the kiosk's local pages. (Here rather
//! than in kiosk/tests, so that the kiosk itself does not depend on the
//! server, not even for its tests.)

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use urne::app::{Config, spawn};
use urne::store::Store;

const TOKEN: &str = "kiosk-test-token-0123456789";

/// A server in a runtime of its own, so that stopping it drops every task
/// and socket at once, as a crash would.
struct Server {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    fn start(db: &str, port: u16) -> Server {
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let db = db.to_string();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                let store = Arc::new(Store::connect(&db).await.expect("store"));
                let config = Config {
                    api_token: TOKEN.into(),
                    ..Config::default()
                };
                let running = spawn(&format!("127.0.0.1:{port}"), store, config)
                    .await
                    .expect("spawn");
                ready_tx.send(running.addr).expect("ready");
                let _ = stop_rx.await;
            });
            rt.shutdown_background();
        });
        ready_rx
            .recv_timeout(Duration::from_secs(30))
            .expect("server started");
        Server {
            stop: Some(stop_tx),
            thread: Some(thread),
        }
    }

    fn kill(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            t.join().expect("server thread");
        }
    }
}

/// Removes a test's folder when the test ends, passed or not.
struct Cleanup(PathBuf);

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn temp_dir(what: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("urne-{what}-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&d).expect("dir");
    d
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

async fn send(method: reqwest::Method, url: String, body: Value) -> (u16, Value) {
    let r = reqwest::Client::new()
        .request(method, url)
        .bearer_auth(TOKEN)
        .json(&body)
        .send()
        .await
        .expect("request");
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

async fn enter_and_publish(server: &str, id: &str, index: usize, seed: u64) {
    let e = election_data::fixtures::sample_commune();
    let b = &e.bureaux[index];
    let pv = election_data::fixtures::sample_pv(&e, b, seed);
    let (s, r) = send(
        reqwest::Method::PUT,
        format!("{server}/api/elections/{id}/bureaux/{}/pv", b.code),
        serde_json::to_value(&pv).expect("json"),
    )
    .await;
    assert_eq!(s, 200, "{r}");
    for action in ["validate", "publish"] {
        let (s, r) = send(
            reqwest::Method::POST,
            format!("{server}/api/elections/{id}/bureaux/{}/{action}", b.code),
            json!({}),
        )
        .await;
        assert_eq!(s, 200, "{r}");
    }
}

async fn get_json(url: String) -> Option<Value> {
    reqwest::get(url).await.ok()?.json().await.ok()
}

async fn get_text(url: String) -> String {
    reqwest::get(url)
        .await
        .expect("get")
        .text()
        .await
        .expect("text")
}

/// Waits until `f` is true, checking every 100 ms, for at most 20 s.
async fn eventually<F, Fut>(what: &str, mut f: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..200 {
        if f().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for: {what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_kiosk_survives_the_server_and_its_own_restart() {
    let server_dir = temp_dir("kiosk-server");
    let _server_dir = Cleanup(server_dir.clone());
    let db = format!("sqlite://{}", server_dir.join("urne.db").display());
    let port = free_port();
    let server_url = format!("http://127.0.0.1:{port}");
    let server = Server::start(&db, port);
    let e = election_data::fixtures::sample_commune();
    let id = e.id.clone();
    let (s, r) = send(
        reqwest::Method::POST,
        format!("{server_url}/api/elections"),
        serde_json::to_value(&e).expect("json"),
    )
    .await;
    assert_eq!(s, 201, "{r}");
    enter_and_publish(&server_url, &id, 0, 1).await;
    enter_and_publish(&server_url, &id, 1, 2).await;

    let state_dir = temp_dir("kiosk-state");
    let _state_dir = Cleanup(state_dir.clone());
    let config = kiosk::Config {
        server: server_url.clone(),
        elections: vec![id.clone()],
        listen: "127.0.0.1:0".into(),
        state_dir: state_dir.clone(),
        rotation_seconds: 10,
        idle_seconds: 60,
        lang: "fr".into(),
    };
    let k = kiosk::start(config.clone()).await.expect("kiosk");
    let kiosk_url = format!("http://{}", k.addr);

    // The kiosk's results equal the server's.
    let same = |want: i64| {
        let (k, s) = (kiosk_url.clone(), server_url.clone());
        let id = id.clone();
        async move {
            let (Some(kr), Some(sr)) = (
                get_json(format!("{k}/api/elections/{id}/results")).await,
                get_json(format!("{s}/api/elections/{id}/results")).await,
            ) else {
                return false;
            };
            kr["seq"] == want
                && kr["perimeters"] == sr["perimeters"]
                && kr["bureaux"] == sr["bureaux"]
        }
    };
    eventually("the kiosk mirrors the first results", || same(6)).await;
    let page = get_text(format!("{kiosk_url}/elections/{id}")).await;
    assert!(page.contains("data-f=\"arrived\">2</strong>"), "{page}");
    assert!(!page.contains("liaison interrompue"));
    let home = get_text(format!("{kiosk_url}/")).await;
    assert!(
        home.contains("Toute la commune") && home.contains("Bureau 1"),
        "{home}"
    );
    assert!(!home.contains("<input"), "no text input on the touch home");

    // The server dies: the kiosk keeps the figures and shows the marker.
    server.kill();
    eventually("the kiosk notices the link is down", || {
        let k = kiosk_url.clone();
        async move {
            get_json(format!("{k}/kiosk/status"))
                .await
                .is_some_and(|s| s["up"] == false)
        }
    })
    .await;
    let offline = get_text(format!("{kiosk_url}/elections/{id}")).await;
    assert!(offline.contains("liaison interrompue depuis "), "{offline}");
    assert!(offline.contains("data-f=\"arrived\">2</strong>"));
    let bureau = get_text(format!(
        "{kiosk_url}/elections/{id}/bureaux/{}",
        e.bureaux[0].code
    ))
    .await;
    assert!(bureau.contains("liaison interrompue depuis "));

    // The server comes back; more results; the kiosk catches up with no gap.
    let server = Server::start(&db, port);
    enter_and_publish(&server_url, &id, 2, 3).await;
    enter_and_publish(&server_url, &id, 3, 4).await;
    eventually("the kiosk catches up", || same(12)).await;
    let mirror = kiosk::mirror::Mirror::load(&state_dir, &id).expect("mirror on disk");
    assert_eq!(mirror.seq, 12);
    let page = get_text(format!("{kiosk_url}/elections/{id}")).await;
    assert!(page.contains("data-f=\"arrived\">4</strong>"));
    eventually("the marker goes away", || {
        let k = kiosk_url.clone();
        async move {
            get_json(format!("{k}/kiosk/status"))
                .await
                .is_some_and(|s| s["up"] == true)
        }
    })
    .await;
    let reference = get_json(format!("{server_url}/api/elections/{id}/results"))
        .await
        .expect("server results");

    // Both stop; the kiosk restarts alone and serves the state from disk.
    k.stop();
    server.kill();
    let k = kiosk::start(kiosk::Config {
        listen: "127.0.0.1:0".into(),
        ..config
    })
    .await
    .expect("kiosk again");
    let kiosk_url = format!("http://{}", k.addr);
    let kr = get_json(format!("{kiosk_url}/api/elections/{id}/results"))
        .await
        .expect("kiosk results");
    assert_eq!(kr["seq"], 12);
    assert_eq!(kr["perimeters"], reference["perimeters"]);
    let page = get_text(format!("{kiosk_url}/elections/{id}")).await;
    assert!(page.contains("data-f=\"arrived\">4</strong>"), "{page}");
    eventually("the marker shows while the server is away", || {
        let k = kiosk_url.clone();
        let id = id.clone();
        async move {
            get_text(format!("{k}/elections/{id}"))
                .await
                .contains("liaison interrompue depuis ")
        }
    })
    .await;
    k.stop();
}

/// A correction of a published bureau: `moved` voix of its PV (seed
/// `seed`) go from its first candidate to its last.
async fn correct(server: &str, id: &str, index: usize, seed: u64, moved: i64) {
    let e = election_data::fixtures::sample_commune();
    let b = &e.bureaux[index];
    let mut pv = election_data::fixtures::sample_pv(&e, b, seed);
    let moved = moved.min(pv.voix[0].voix);
    pv.voix[0].voix -= moved;
    if let Some(last) = pv.voix.last_mut() {
        last.voix += moved;
    }
    let mut pv = serde_json::to_value(pv).expect("json");
    pv["confirm"] = json!(true);
    let (s, r) = send(
        reqwest::Method::PUT,
        format!("{server}/api/elections/{id}/bureaux/{}/pv", b.code),
        pv,
    )
    .await;
    assert_eq!(s, 200, "{r}");
    for action in ["validate", "publish"] {
        let (s, r) = send(
            reqwest::Method::POST,
            format!("{server}/api/elections/{id}/bureaux/{}/{action}", b.code),
            json!({}),
        )
        .await;
        assert_eq!(s, 200, "{r}");
    }
}

/// Turnout readings consistent with the bureau's PV of seed `seed`.
async fn turnout(server: &str, id: &str, index: usize, seed: u64, readings_seed: u64) {
    let e = election_data::fixtures::sample_commune();
    let b = &e.bureaux[index];
    let pv = election_data::fixtures::sample_pv(&e, b, seed);
    let readings = election_data::fixtures::sample_turnout(&e, &pv, readings_seed);
    let (s, r) = send(
        reqwest::Method::PUT,
        format!("{server}/api/elections/{id}/bureaux/{}/turnout", b.code),
        json!({ "turnout": readings }),
    )
    .await;
    assert_eq!(s, 200, "{r}");
}

/// Every `data-f` figure of a page, in order: `name=text`.
fn figures(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find("data-f=\"") {
        rest = &rest[i + 8..];
        let name = rest.split('"').next().unwrap_or_default().to_string();
        let text = rest
            .split_once('>')
            .map(|(_, t)| t.split('<').next().unwrap_or_default())
            .unwrap_or_default();
        out.push(format!("{name}={text}"));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_night_of_deltas_a_cut_and_a_restart_the_kiosk_shows_the_servers_figures() {
    let server_dir = temp_dir("kiosk-night");
    let _server_dir = Cleanup(server_dir.clone());
    let db = format!("sqlite://{}", server_dir.join("urne.db").display());
    let port = free_port();
    let server_url = format!("http://127.0.0.1:{port}");
    let server = Server::start(&db, port);
    let e = election_data::fixtures::sample_commune();
    let id = e.id.clone();
    let (s, r) = send(
        reqwest::Method::POST,
        format!("{server_url}/api/elections"),
        serde_json::to_value(&e).expect("json"),
    )
    .await;
    assert_eq!(s, 201, "{r}");
    let state_dir = temp_dir("kiosk-night-state");
    let _state_dir = Cleanup(state_dir.clone());
    let config = kiosk::Config {
        server: server_url.clone(),
        elections: vec![id.clone()],
        listen: "127.0.0.1:0".into(),
        state_dir: state_dir.clone(),
        rotation_seconds: 10,
        idle_seconds: 60,
        lang: "fr".into(),
    };
    let k = kiosk::start(config.clone()).await.expect("kiosk");
    let seq_of = |url: String| async move {
        get_json(url)
            .await
            .and_then(|v| v["seq"].as_i64())
            .unwrap_or(-1)
    };
    let results = |base: &str| format!("{base}/api/elections/{id}/results");

    // The day: turnout everywhere; the evening: half the bureaux, with a
    // few corrections, all followed live by the kiosk (delta frames).
    for i in 0..e.bureaux.len() {
        turnout(&server_url, &id, i, 200 + i as u64, 200 + i as u64).await;
    }
    for i in 0..17 {
        enter_and_publish(&server_url, &id, i, 200 + i as u64).await;
    }
    for i in [2, 5, 11] {
        correct(&server_url, &id, i, 200 + i as u64, 7).await;
    }
    let want = seq_of(results(&server_url)).await;
    let kiosk_url = format!("http://{}", k.addr);
    eventually("the kiosk follows the evening", || {
        let u = results(&kiosk_url);
        async move { seq_of(u).await == want }
    })
    .await;

    // The network goes (the server with it); it comes back.
    server.kill();
    eventually("the kiosk notices the cut", || {
        let k = kiosk_url.clone();
        async move {
            get_json(format!("{k}/kiosk/status"))
                .await
                .is_some_and(|s| s["up"] == false)
        }
    })
    .await;
    let server = Server::start(&db, port);

    // The kiosk loses power; the night goes on without it.
    k.stop();
    for i in 17..e.bureaux.len() {
        enter_and_publish(&server_url, &id, i, 200 + i as u64).await;
    }
    for i in [0, 20, 33] {
        correct(&server_url, &id, i, 200 + i as u64, 3).await;
    }
    turnout(&server_url, &id, 4, 204, 999).await;

    // It starts again from its disk and resumes from its sequence number:
    // the missed changes come as one coalesced delta.
    let k = kiosk::start(kiosk::Config {
        listen: "127.0.0.1:0".into(),
        ..config
    })
    .await
    .expect("kiosk again");
    let kiosk_url = format!("http://{}", k.addr);
    let reference = get_json(results(&server_url))
        .await
        .expect("server results");
    let want = reference["seq"].as_i64().expect("seq");
    eventually("the kiosk catches up from its disk", || {
        let u = results(&kiosk_url);
        async move { seq_of(u).await == want }
    })
    .await;
    let kr = get_json(results(&kiosk_url)).await.expect("kiosk results");
    assert_eq!(kr["perimeters"], reference["perimeters"]);
    for (code, b) in reference["bureaux"].as_object().expect("bureaux") {
        assert_eq!(kr["bureaux"][code]["state"], b["state"], "{code}");
        assert_eq!(kr["bureaux"][code]["tally"], b["tally"], "{code}");
    }
    // The file on disk holds the server's tallies, percentages included:
    // the deltas applied to the snapshot, as the kiosk keeps them.
    let mirror = kiosk::mirror::Mirror::load(&state_dir, &id).expect("mirror on disk");
    assert_eq!(mirror.seq, want);
    let on_disk = serde_json::to_value(&mirror.perimeters).expect("json");
    assert_eq!(on_disk, reference["perimeters"]);
    // And the pages show the same figures as the server's.
    for page in [
        format!("/elections/{id}"),
        format!("/elections/{id}/participation"),
        format!("/elections/{id}/bureaux/{}", e.bureaux[20].code),
        format!("/elections/{id}/perimetres/Q-CENTRE"),
    ] {
        let mine = figures(&get_text(format!("{kiosk_url}{page}")).await);
        let theirs = figures(&get_text(format!("{server_url}{page}")).await);
        assert!(mine.len() > 10, "{page}: {mine:?}");
        assert_eq!(mine, theirs, "{page}");
    }
    k.stop();
    server.kill();
}
