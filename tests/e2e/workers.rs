//! The fan-out worker processes (`urne serve --fanout-workers N`): the real
//! `urne` binary runs as the workers, the server library as the main
//! process; clients talk to the main process's port only. None of these
//! tests is timed.

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use serde_json::{Value, json};
use urne::app::Config;
use urne::hub::workers::Workers;
use urne::hub::{HubSettings, View};

use crate::helpers::{TestApp, Ws, next_frame, publish_many};

/// The server with `workers` fan-out worker processes, on a fresh SQLite file.
async fn start(workers: usize, hub: HubSettings) -> TestApp {
    let db = crate::helpers::fresh_database(crate::helpers::Backend::Sqlite, "workers")
        .await
        .expect("sqlite");
    let config = Config {
        hub,
        fanout_workers: workers,
        worker_exe: Some(env!("CARGO_BIN_EXE_urne").into()),
        ..Config::default()
    };
    let mut app = crate::helpers::start_with(&db, config).await;
    app.db = Some(db);
    app
}

/// The server's fan-out workers.
fn workers_of(app: &TestApp) -> Arc<Workers> {
    app.running
        .state
        .hub
        .all_workers()
        .expect("fan-out workers")
        .clone()
}

/// Sends `signal` to a worker process.
fn signal(pid: u32, signal: rustix::process::Signal) {
    let pid = rustix::process::Pid::from_raw(pid as i32).expect("pid");
    rustix::process::kill_process(pid, signal).expect("signal the worker");
}

/// A turnout reading for bureau `i`: one public change; returns its seq.
async fn turnout(app: &TestApp, id: &str, i: usize, votants: i64) -> i64 {
    let e = election_data::fixtures::sample_commune();
    let code = &e.bureaux[i].code;
    let body = json!({ "turnout": [{ "hour": e.turnout_hours[0], "votants": votants }] });
    let (status, v) = app
        .put(
            &format!("/api/elections/{id}/bureaux/{code}/turnout"),
            &body,
        )
        .await;
    assert_eq!(status, 200, "{v}");
    v["seq"].as_i64().expect("seq")
}

/// Reads change frames from `last` until `seq`, asserting that none leaves
/// a hole (queued changes may arrive coalesced into one delta); returns the
/// last frame.
async fn expect_through(ws: &mut Ws, mut last: i64, seq: i64) -> Value {
    loop {
        let f = next_frame(ws).await;
        let to = f["seq"].as_i64().expect("seq");
        let from = f["from"].as_i64().unwrap_or(to);
        assert!(matches!(f["type"].as_str(), Some("delta" | "seq")), "{f}");
        assert!(
            from <= last + 1 && to > last,
            "hole: {last} then {from}..{to}"
        );
        last = to;
        if last >= seq {
            assert_eq!(last, seq, "{f}");
            return f;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn worker_processes_serve_snapshots_changes_and_resumes() {
    let app = start(2, HubSettings::default()).await;
    let id = app.define_sample().await;
    let workers = workers_of(&app);
    assert_eq!(workers.pids().len(), 2, "two worker processes");

    let mut a = app.ws(&id, None).await;
    let snap = next_frame(&mut a).await;
    assert_eq!(snap["type"], "snapshot");
    let s0 = snap["seq"].as_i64().expect("seq");
    let mut seqs = Vec::new();
    for k in 0..3 {
        seqs.push(turnout(&app, &id, k, 100 + k as i64).await);
    }
    assert_eq!(seqs, vec![s0 + 1, s0 + 2, s0 + 3]);
    let f = expect_through(&mut a, s0, s0 + 3).await;
    // The figures are the main process's own frame.
    assert!(f["perimeters"].as_object().is_some_and(|p| !p.is_empty()));
    // The second client lands on the other worker; it resumes from s0 + 1.
    let mut b = app.ws(&id, Some(s0 + 1)).await;
    expect_through(&mut b, s0 + 1, s0 + 3).await;
    let s4 = turnout(&app, &id, 3, 7).await;
    expect_through(&mut a, s0 + 3, s4).await;
    expect_through(&mut b, s0 + 3, s4).await;
    // A new client gets a snapshot at the latest sequence number.
    let mut c = app.ws(&id, None).await;
    let snap = next_frame(&mut c).await;
    assert_eq!(snap["type"], "snapshot");
    assert!(snap["seq"].as_i64() <= Some(s4));
    let last = snap["seq"].as_i64().expect("seq");
    if last < s4 {
        expect_through(&mut c, last, s4).await;
    }
    // The clients are the workers': in the main process the public view has
    // one subscriber, the relay to the workers.
    let topic = app.running.state.hub.get(&id).expect("topic");
    assert_eq!(topic.subscribers(View::Public), 1);
    // Each worker reports its connections; hand-overs go to the least
    // loaded, so three clients over two workers are split two and one.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let (status, health) = app.get_json("/api/health").await;
        assert_eq!(status, 200);
        let per_worker: Vec<i64> = health["fanout"]["workers"]
            .as_array()
            .expect("workers")
            .iter()
            .map(|w| w["connections"].as_i64().unwrap_or(-1))
            .collect();
        if health["fanout"]["connections"] == 3 {
            let mut sorted = per_worker.clone();
            sorted.sort_unstable();
            assert_eq!(sorted, vec![1, 2], "{health}");
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{health}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    drop((a, b, c));
    app.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_worker_is_replaced_and_its_clients_resume_without_a_gap() {
    let app = start(1, HubSettings::default()).await;
    let id = app.define_sample().await;
    let workers = workers_of(&app);
    let mut ws = app.ws(&id, None).await;
    let snap = next_frame(&mut ws).await;
    let mut last = snap["seq"].as_i64().expect("seq");
    let seq = turnout(&app, &id, 0, 50).await;
    last = expect_through(&mut ws, last, seq).await["seq"]
        .as_i64()
        .unwrap_or(last);
    let old = workers.pids();
    assert_eq!(old.len(), 1);
    signal(old[0], rustix::process::Signal::KILL);
    // The client sees its connection end.
    let ended = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match ws.next().await {
                None | Some(Err(_)) => break,
                Some(Ok(tokio_tungstenite::tungstenite::Message::Close(_))) => break,
                Some(Ok(_)) => {}
            }
        }
    })
    .await;
    assert!(ended.is_ok(), "the connection ends with its worker");
    // Changes go on meanwhile.
    let missed = [
        turnout(&app, &id, 1, 60).await,
        turnout(&app, &id, 2, 70).await,
    ];
    // A new worker takes the slot.
    crate::helpers::eventually(
        Duration::from_secs(20),
        || "no new worker".into(),
        || workers.pids() != old && workers.any_alive(),
    )
    .await;
    // Resuming from the last frame seen gives exactly the missed changes.
    let mut ws = app.ws(&id, Some(last)).await;
    expect_through(&mut ws, last, missed[1]).await;
    let next = turnout(&app, &id, 3, 80).await;
    expect_through(&mut ws, missed[1], next).await;
    app.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lagging_client_of_a_worker_gets_a_snapshot_never_a_gap() {
    // A tiny channel: a client that does not read for a while falls behind.
    let settings = HubSettings {
        channel_capacity: 4,
        send_timeout: Duration::from_secs(120),
        ..HubSettings::default()
    };
    let app = start(1, settings).await;
    let id = app.define_sample().await;
    // A client whose socket accepts very little before it is read: the
    // worker's writes block, its channel cursor falls behind.
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket.set_recv_buffer_size(4096).expect("rcvbuf");
    let addr = app.running.addr;
    let stream = socket.connect(addr).await.expect("connect");
    let mut ws = tokio_tungstenite::client_async(
        format!("ws://{addr}/ws/elections/{id}"),
        tokio_tungstenite::MaybeTlsStream::Plain(stream),
    )
    .await
    .expect("handshake")
    .0;
    let snap = next_frame(&mut ws).await;
    let mut last = snap["seq"].as_i64().expect("seq");
    // Megabytes of changes while it does not read: its connection task in
    // the worker blocks on the full socket and the channel moves on.
    let latest = publish_many(&app.running.state.hub.get(&id).expect("topic"), 3000);
    let mut resynced = false;
    while last < latest {
        let f = next_frame(&mut ws).await;
        let seq = f["seq"].as_i64().expect("seq");
        match f["type"].as_str() {
            Some("snapshot") => resynced = true,
            // One change or several coalesced, never a hole.
            _ => {
                let from = f["from"].as_i64().unwrap_or(seq);
                assert!(from <= last + 1, "a gap after {last}: {from}..{seq}");
            }
        }
        last = seq;
    }
    assert!(
        resynced,
        "the lagging client was resynchronised from a snapshot"
    );
    app.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stuck_worker_is_restarted_and_the_main_process_memory_stays_bounded() {
    // A worker may be 8 MiB behind on its pipe before it is taken for stuck
    // (more than a new worker's catch-up: a ring of 1,024 frames of 5.4 kB).
    let settings = HubSettings {
        worker_queue_limit: 8 << 20,
        ..HubSettings::default()
    };
    let app = start(1, settings).await;
    let id = app.define_sample().await;
    let workers = workers_of(&app);
    let old = workers.pids();
    assert_eq!(old.len(), 1);
    // Freeze the worker: it no longer reads its pipe.
    signal(old[0], rustix::process::Signal::STOP);
    // More than 8 MiB of frames (plus what the pipe's buffers absorb).
    let mut latest = 0;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while workers.pids() == old {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the stuck worker was not replaced"
        );
        latest = publish_many(&app.running.state.hub.get(&id).expect("topic"), 200);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The replacement serves the current state: its snapshot (taken when it
    // started, maybe in the middle of the last batch), then every change
    // after it, without a gap.
    crate::helpers::eventually(
        Duration::from_secs(20),
        || "no live worker".into(),
        || workers.any_alive(),
    )
    .await;
    let mut ws = app.ws(&id, None).await;
    let snap = next_frame(&mut ws).await;
    assert_eq!(snap["type"], "snapshot");
    let last = snap["seq"].as_i64().expect("seq");
    assert!(last <= latest);
    if last < latest {
        expect_through(&mut ws, last, latest).await;
    }
    // Live again (straight into the hub, like the changes above: the
    // entry API numbers its changes from the store).
    let next = publish_many(&app.running.state.hub.get(&id).expect("topic"), 1);
    expect_through(&mut ws, latest, next).await;
    app.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_results_page_stays_live_through_a_worker_restart() {
    let Some(b) =
        crate::browser::browser("the_results_page_stays_live_through_a_worker_restart").await
    else {
        return;
    };
    let app = start(1, HubSettings::default()).await;
    let id = app.define_sample().await;
    let workers = workers_of(&app);
    let secs = Duration::from_secs(10);

    // The page's WebSocket is held by the worker.
    b.goto(&format!("{}/elections/{id}", app.base)).await;
    b.wait_for_text("[data-banner] [data-f=arrived]", "0", secs)
        .await;
    b.execute("window.__urneNoReload = 42; return true;", vec![])
        .await;
    let (code, _, body) = crate::helpers::sample_pv_json(0, 7);
    app.enter_and_publish(&id, &code, &body).await;
    b.wait_for_text("[data-banner] [data-f=arrived]", "1", secs)
        .await;

    // The worker dies; a bureau is published while the page is cut off.
    let old = workers.pids();
    signal(old[0], rustix::process::Signal::KILL);
    let (code, _, body) = crate::helpers::sample_pv_json(1, 8);
    app.enter_and_publish(&id, &code, &body).await;

    // The script reconnects (with backoff) and resumes: the missed bureau
    // shows up in place, without a reload.
    b.wait_for_text(
        "[data-banner] [data-f=arrived]",
        "2",
        Duration::from_secs(30),
    )
    .await;
    let v = b
        .execute("return window.__urneNoReload || null;", vec![])
        .await;
    assert_eq!(v, json!(42), "the page was reloaded");
    // And it stays live.
    let (code, _, body) = crate::helpers::sample_pv_json(2, 9);
    app.enter_and_publish(&id, &code, &body).await;
    b.wait_for_text("[data-banner] [data-f=arrived]", "3", secs)
        .await;
    b.close().await;
    app.running.shutdown().await;
}
