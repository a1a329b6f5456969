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
        let Some(seq) = f["seq"].as_i64() else {
            continue;
        };
        if f["type"] == "snapshot" {
            seen = seq;
            continue;
        }
        assert_eq!(seq, seen + 1, "a gap in the live frames: {f}");
        seen = seq;
    }
    seen
}

/// The seq the server has reached.
fn current_seq(app: &TestApp, election: &str) -> i64 {
    app.running
        .state
        .hub
        .get(election)
        .expect("topic")
        .read()
        .seq
}

fn bureau_version(app: &TestApp, election: &str, code: &str) -> i64 {
    app.running
        .state
        .hub
        .get(election)
        .expect("topic")
        .read()
        .meta(code)
        .version
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
    let (status, _, body) = put_pv(&app, &id, &code, &pv, &key).await;
    assert_eq!(status, 200, "{body}");
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
