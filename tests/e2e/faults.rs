//! The faults an election night meets, on the real server: a full disk, a
//! database restarted under it, a subscriber crowd beyond capacity. Each test
//! checks what the user sees (a clear status naming the cause), that nothing
//! acknowledged is lost and nothing half-written, and that the server
//! recovers by itself once the cause is gone.
//!
//! The disk and the database are real: a size-limited tmpfs the test mounts
//! (root), a PostgreSQL cluster of the test's own (`initdb` as the
//! `postgres` user) that it stops and starts. Without root they are
//! skipped, saying so; CI runs as root.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use futures_util::StreamExt;
use serde_json::Value;

use crate::helpers::{TOKEN, TestApp, Ws, sample_pv_json, skipped, start, temp_dir};

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// Root is needed to mount a filesystem or to run `initdb` as another user.
fn root_or_skip(test: &str, what: &str) -> bool {
    if rustix::process::geteuid().is_root() {
        return true;
    }
    assert!(!in_ci(), "{test}: {what} needs root, which CI has");
    skipped(
        test,
        &format!("{what} needs root; run the tests as root to include it"),
    );
    false
}

/// A tmpfs of `size` mounted on a fresh folder; unmounted on drop.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(size: &str) -> SmallDisk {
        let dir = temp_dir("small-disk");
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .status()
            .expect("mount");
        assert!(status.success(), "mount a {size} tmpfs");
        SmallDisk { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Fills the disk with a file until no byte is left; returns its path.
    fn fill(&self) -> PathBuf {
        let path = self.path().join("filler");
        let mut f = std::fs::File::create(&path).expect("filler");
        let block = vec![0xA5u8; 4096];
        loop {
            match f.write(&block) {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
        }
        let _ = f.sync_all();
        path
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

/// PUT of a PV with an idempotency key: (status, Retry-After, body).
async fn put_pv(
    app: &TestApp,
    election: &str,
    code: &str,
    pv: &Value,
    key: &str,
) -> (u16, Option<String>, Value) {
    let r = app
        .http
        .put(format!(
            "{}/api/elections/{election}/bureaux/{code}/pv",
            app.base
        ))
        .bearer_auth(TOKEN)
        .header("Idempotency-Key", key)
        .json(pv)
        .send()
        .await
        .expect("request");
    let status = r.status().as_u16();
    let retry = r
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    (status, retry, r.json().await.unwrap_or(Value::Null))
}

/// Every frame's seq until `last` is reached, checking there is no gap.
async fn seqs_until(ws: &mut Ws, mut seen: i64, last: i64) -> i64 {
    while seen < last {
        let msg = tokio::time::timeout(Duration::from_secs(20), ws.next())
            .await
            .expect("a frame within 20 s")
            .expect("stream open")
            .expect("frame");
        let tokio_tungstenite::tungstenite::Message::Text(t) = msg else {
            continue;
        };
        let f: Value = serde_json::from_str(t.as_str()).expect("JSON frame");
        seen = crate::helpers::advance(seen, &f);
    }
    seen
}

/// The election's live topic on the server.
fn topic(app: &TestApp, election: &str) -> std::sync::Arc<urne::hub::Topic> {
    app.running.state.hub.get(election).expect("topic")
}

/// The seq the server has reached.
fn current_seq(app: &TestApp, election: &str) -> i64 {
    topic(app, election).read().seq
}

fn bureau_version(app: &TestApp, election: &str, code: &str) -> i64 {
    topic(app, election).read().meta(code).version
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_refuses_writes_with_507_and_loses_nothing() {
    let test = "a_full_disk_refuses_writes_with_507_and_loses_nothing";
    if !root_or_skip(test, "mounting a small tmpfs") {
        return;
    }
    let disk = SmallDisk::mount("6m");
    let db = format!("sqlite://{}", disk.path().join("urne.db").display());
    let app = start(&db).await;
    let id = app.define_sample().await;
    let mut ws = app.ws(&id, None).await;
    let mut seen = seqs_until(&mut ws, -1, 0).await;

    // Every bureau's PV, then the disk fills up; corrections until one is
    // refused.
    let mut acked = Vec::new();
    for index in 0..34 {
        let (code, _, pv) = sample_pv_json(index, 0);
        let key = format!("first-{index}");
        let (status, _, body) = put_pv(&app, &id, &code, &pv, &key).await;
        assert_eq!(status, 200, "{body}");
        acked.push((code, key));
    }
    let filler = disk.fill();
    let mut refused = None;
    'fill: for round in 1..200u64 {
        for index in 0..34 {
            let (code, _, mut pv) = sample_pv_json(index, round);
            pv["confirm"] = Value::Bool(true);
            let key = format!("full-{round}-{index}");
            let before = bureau_version(&app, &id, &code);
            let (status, retry, body) = put_pv(&app, &id, &code, &pv, &key).await;
            match status {
                200 => acked.push((code, key)),
                507 => {
                    assert_eq!(body["error"], "storage_full", "{body}");
                    let message = body["message"].as_str().unwrap_or_default();
                    assert!(
                        message.contains("disque") && message.contains("plein"),
                        "{body}"
                    );
                    assert!(retry.is_some(), "507 without Retry-After");
                    // Nothing half-written: the bureau is as it was.
                    assert_eq!(bureau_version(&app, &id, &code), before);
                    refused = Some((code, pv, key, before));
                    break 'fill;
                }
                other => panic!("a write on a full disk answered {other}: {body}"),
            }
        }
    }
    let (code, pv, key, before) = refused.expect("the disk filled up");
    seen = seqs_until(&mut ws, seen, current_seq(&app, &id)).await;

    // Pages and the live feed keep serving from memory.
    let (s, page) = app.get_text(&format!("/elections/{id}")).await;
    assert_eq!(s, 200);
    assert!(page.contains("Bureau"), "the results page");
    let mut late = app.ws(&id, None).await;
    let snapshot_seq = seqs_until(&mut late, -1, current_seq(&app, &id)).await;
    assert_eq!(snapshot_seq, current_seq(&app, &id));

    // Space freed: the same request (same key) now goes through, once.
    std::fs::remove_file(&filler).expect("free the disk");
    let freed = std::time::Instant::now();
    let (status, _, body) = put_pv(&app, &id, &code, &pv, &key).await;
    assert_eq!(status, 200, "{body}");
    eprintln!(
        "disk full: {} writes acknowledged before it, the refused one stored {} ms after space was freed",
        acked.len(),
        freed.elapsed().as_millis()
    );
    assert_eq!(bureau_version(&app, &id, &code), before + 1);
    let (again, _, _) = put_pv(&app, &id, &code, &pv, &key).await;
    assert_eq!(again, 200, "a replay");
    assert_eq!(bureau_version(&app, &id, &code), before + 1, "applied once");
    seqs_until(&mut ws, seen, current_seq(&app, &id)).await;

    // Everything acknowledged is in the store after a restart, and the
    // audit chain is whole.
    let expected: Vec<(String, i64)> = {
        let live = app.running.state.hub.get(&id).expect("topic");
        let live = live.read();
        live.election
            .bureaux
            .iter()
            .map(|b| (b.code.clone(), live.meta(&b.code).version))
            .collect()
    };
    assert!(acked.len() >= 34);
    app.running.shutdown().await;
    app.store.close().await;
    let again = start(&db).await;
    for (code, version) in &expected {
        assert_eq!(bureau_version(&again, &id, code), *version, "bureau {code}");
    }
    again.running.shutdown().await;
    again.store.close().await;
    let out = Command::new(env!("CARGO_BIN_EXE_urne"))
        .args(["audit", "verify", "--database-url", &db])
        .stdin(Stdio::null())
        .output()
        .expect("urne audit verify");
    assert!(
        out.status.success(),
        "audit verify: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A PostgreSQL cluster of the test's own, on a free port, that the test
/// stops and starts (the machine's shared server is left alone). Made with
/// Debian's `initdb`, run as the `postgres` user; removed on drop.
struct PrivatePostgres {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
}

impl PrivatePostgres {
    fn bin_dir() -> Option<PathBuf> {
        let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
            .filter(|b| b.join("initdb").is_file())
            .collect();
        found.sort();
        found.pop()
    }

    fn create(test: &str) -> Option<PrivatePostgres> {
        if !root_or_skip(
            test,
            "a PostgreSQL cluster of the test's own (initdb as postgres)",
        ) {
            return None;
        }
        let Some(bin) = Self::bin_dir() else {
            assert!(!in_ci(), "{test}: PostgreSQL's initdb is required in CI");
            skipped(
                test,
                "no /usr/lib/postgresql/*/bin/initdb; install postgresql to run it",
            );
            return None;
        };
        let dir = temp_dir("private-pg");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let status = Command::new("chown")
            .arg("postgres:")
            .arg(dir.path())
            .status()
            .expect("chown");
        assert!(status.success());
        let pg = PrivatePostgres { dir, bin, port };
        pg.as_postgres(
            "initdb",
            &[
                "-D",
                &pg.data(),
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
            ],
        );
        pg.start();
        Some(pg)
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn as_postgres(&self, program: &str, args: &[&str]) {
        let out = Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(self.bin.join(program))
            .args(args)
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .output()
            .expect("runuser");
        assert!(
            out.status.success(),
            "{program} {}: {}{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn start(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1",
            self.port,
            self.dir.path().display()
        );
        let log = self.dir.path().join("log").display().to_string();
        self.as_postgres(
            "pg_ctl",
            &[
                "-D",
                &self.data(),
                "-o",
                &options,
                "-l",
                &log,
                "-w",
                "start",
            ],
        );
    }

    /// A clean shutdown (`-m fast`): sessions are ended, as in a restart.
    fn stop(&self) {
        self.as_postgres("pg_ctl", &["-D", &self.data(), "-m", "fast", "-w", "stop"]);
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        let _ = Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(self.bin.join("pg_ctl"))
            .args(["-D", &self.data(), "-m", "immediate", "-w", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_restart_answers_503_and_the_retries_go_through_once() {
    let test = "a_database_restart_answers_503_and_the_retries_go_through_once";
    let Some(pg) = PrivatePostgres::create(test) else {
        return;
    };
    let url = pg.url();
    let app = start(&url).await;
    // A second instance on the same database, following the log.
    let other = start(&url).await;
    let id = app.define_sample().await;
    let mut ws = app.ws(&id, None).await;
    let mut seen = seqs_until(&mut ws, -1, 0).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while other.running.state.hub.get(&id).is_none() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the other instance never heard of {id}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut on_other = other.ws(&id, None).await;
    let mut seen_other = seqs_until(&mut on_other, -1, 0).await;
    for index in 0..10 {
        let (code, _, pv) = sample_pv_json(index, 1);
        let (status, _, body) = put_pv(&app, &id, &code, &pv, &format!("k-{index}")).await;
        assert_eq!(status, 200, "{body}");
    }
    seen = seqs_until(&mut ws, seen, 10).await;
    seen_other = seqs_until(&mut on_other, seen_other, 10).await;

    // PostgreSQL stops: writes are refused with a 503 that says what to do.
    pg.stop();
    let mut pending = Vec::new();
    for index in 10..13 {
        let (code, _, pv) = sample_pv_json(index, 1);
        let key = format!("k-{index}");
        let asked = std::time::Instant::now();
        let (status, retry, body) = put_pv(&app, &id, &code, &pv, &key).await;
        eprintln!(
            "database down: refused with {status} after {} ms",
            asked.elapsed().as_millis()
        );
        assert_eq!(status, 503, "{body}");
        assert_eq!(body["error"], "database_unavailable", "{body}");
        assert!(
            body["message"]
                .as_str()
                .is_some_and(|m| m.contains("même clé")),
            "{body}"
        );
        assert_eq!(retry.as_deref(), Some("5"));
        assert_eq!(bureau_version(&app, &id, &code), 0, "nothing applied");
        pending.push((code, pv, key));
    }
    // The public side keeps serving from memory.
    let (s, _) = app.get_text(&format!("/elections/{id}")).await;
    assert_eq!(s, 200);
    assert_eq!(current_seq(&app, &id), 10);

    // PostgreSQL is back: each retry, with its key, is applied once.
    pg.start();
    let restarted = std::time::Instant::now();
    let mut recovered = None;
    for (code, pv, key) in &pending {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            let (status, _, body) = put_pv(&app, &id, code, pv, key).await;
            if status == 200 {
                recovered.get_or_insert(restarted.elapsed());
                break;
            }
            assert_eq!(status, 503, "{body}");
            assert!(
                tokio::time::Instant::now() < deadline,
                "still refused: {body}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let (again, _, _) = put_pv(&app, &id, code, pv, key).await;
        assert_eq!(again, 200, "a replay");
        assert_eq!(
            bureau_version(&app, &id, code),
            1,
            "bureau {code} applied once"
        );
    }
    assert_eq!(current_seq(&app, &id), 13);
    seqs_until(&mut ws, seen, 13).await;
    // The other instance's follower reconnected and caught up: its
    // subscriber saw every seq, in order.
    seqs_until(&mut on_other, seen_other, 13).await;
    other.running.shutdown().await;
    eprintln!(
        "database restart: first retried write stored {} ms after PostgreSQL accepted connections again",
        recovered.unwrap_or_default().as_millis()
    );

    // And all of it is in the database.
    app.running.shutdown().await;
    app.store.close().await;
    let again = start(&url).await;
    assert_eq!(current_seq(&again, &id), 13);
    for index in 0..13 {
        let (code, _, _) = sample_pv_json(index, 1);
        assert_eq!(bureau_version(&again, &id, &code), 1, "bureau {code}");
    }
    again.running.shutdown().await;
    again.store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_beyond_capacity_get_503_while_the_others_stay_live() {
    let dir = temp_dir("capacity");
    let db = format!("sqlite://{}", dir.path().join("urne.db").display());
    let app = crate::helpers::start_with(
        &db,
        urne::app::Config {
            max_subscribers: 3,
            ..urne::app::Config::default()
        },
    )
    .await;
    let id = app.define_sample().await;
    let mut open = Vec::new();
    for _ in 0..3 {
        let mut ws = app.ws(&id, None).await;
        seqs_until(&mut ws, -1, 0).await;
        open.push(ws);
    }

    // The fourth is refused before its upgrade, with when to come back.
    let url = format!("{}/ws/elections/{id}", app.ws_base);
    let refused = tokio_tungstenite::connect_async(&url).await;
    let Err(tokio_tungstenite::tungstenite::Error::Http(response)) = refused else {
        panic!("a connection beyond capacity was not refused: {refused:?}");
    };
    assert_eq!(response.status(), 503);
    assert_eq!(
        response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("10")
    );
    let body: Value = serde_json::from_slice(response.body().as_deref().unwrap_or_default())
        .expect("a JSON refusal");
    assert_eq!(body["error"], "over_capacity", "{body}");
    let (_, health) = app.get_json("/api/health").await;
    assert_eq!(health["fanout"]["capacity"], 3, "{health}");

    // The desk still writes, the open connections get the change, the
    // pages are served.
    let (code, _, pv) = sample_pv_json(0, 3);
    let (status, _, body) = put_pv(&app, &id, &code, &pv, "over-1").await;
    assert_eq!(status, 200, "{body}");
    for ws in &mut open {
        seqs_until(ws, 0, 1).await;
    }
    let (s, _) = app.get_text(&format!("/elections/{id}")).await;
    assert_eq!(s, 200);

    // One leaves: its place is given to the next who asks.
    let mut gone = open.pop().expect("a connection");
    gone.close(None).await.expect("close");
    drop(gone);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let mut back = loop {
        match tokio_tungstenite::connect_async(&url).await {
            Ok((ws, _)) => break ws,
            Err(e) => {
                assert!(
                    tokio::time::Instant::now() < deadline,
                    "no place freed: {e}"
                );
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    };
    seqs_until(&mut back, -1, 1).await;
}

/// The bureau's version as the database has it, read on a connection of
/// the test's own (not the server's pool, not its memory).
async fn stored_version(db: &str, election: &str, code: &str) -> i64 {
    let store = urne::store::Store::connect(db)
        .await
        .expect("a second connection");
    let rows = store.load_bureaux(election).await.expect("bureaux");
    store.close().await;
    rows.iter()
        .find(|b| b.code == code)
        .map_or(0, |b| b.dossier.meta.version)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_slow_disk_the_acknowledgement_still_waits_for_the_commit() {
    let dir = temp_dir("slow-disk");
    let db = format!("sqlite://{}", dir.path().join("urne.db").display());
    let app = start(&db).await;
    let id = app.define_sample().await;
    let mut ws = app.ws(&id, None).await;
    let mut seen = seqs_until(&mut ws, -1, 0).await;
    // Each commit held back 300 ms in its transaction, as an fsync would.
    app.store.set_commit_delay(Duration::from_millis(300));
    for index in 0..4 {
        let (code, _, pv) = sample_pv_json(index, 5);
        let (status, _, body) = put_pv(&app, &id, &code, &pv, &format!("slow-{index}")).await;
        assert_eq!(status, 200, "{body}");
        // Acknowledged: the database already has it, seen from elsewhere.
        assert_eq!(stored_version(&db, &id, &code).await, 1, "bureau {code}");
        let seq = body["seq"].as_i64().expect("seq");
        seen = seqs_until(&mut ws, seen, seq).await;
    }
    // Two desks at once on the slow disk: both acknowledged, both stored.
    let (a, b) = (sample_pv_json(4, 5), sample_pv_json(5, 5));
    let (ra, rb) = tokio::join!(
        put_pv(&app, &id, &a.0, &a.2, "slow-a"),
        put_pv(&app, &id, &b.0, &b.2, "slow-b")
    );
    assert_eq!((ra.0, rb.0), (200, 200), "{} {}", ra.2, rb.2);
    assert_eq!(stored_version(&db, &id, &a.0).await, 1);
    assert_eq!(stored_version(&db, &id, &b.0).await, 1);
    seqs_until(&mut ws, seen, 6).await;
}
