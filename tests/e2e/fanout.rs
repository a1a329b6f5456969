//! The fan-out under stress, deterministically: resume after a disconnect,
//! resynchronisation of a subscriber that fell behind, and a subscriber that
//! stops reading. Nothing here is timed; the deadlines only stop a broken
//! run from hanging.
//!
//! The server is the real router on a random port with a hub whose settings
//! (channel capacity, send timeout) are shrunk so that lag and slow
//! consumers happen with a few megabytes of frames. Bulk frames are pushed
//! through `Topic::publish` directly (what the entry API calls after a
//! commit) so that thousands of them cost no disk writes; a test that does
//! so makes no API write afterwards, since the store's sequence would lag
//! behind the hub's.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Message;
use urne::app::{AppState, Config, router};
use urne::hub::{Hub, HubSettings, Topic, View};
use urne::store::Store;

use crate::helpers::{TOKEN, Ws, next_frame};

struct Fan {
    addr: SocketAddr,
    state: AppState,
    http: reqwest::Client,
    id: String,
    task: tokio::task::JoinHandle<()>,
    /// The test's database, removed with it.
    _db: crate::helpers::TestDb,
}

/// Starts the router with `settings` on a fresh SQLite file and defines the
/// sample commune.
async fn start(settings: HubSettings) -> Fan {
    let db = crate::helpers::fresh_database(crate::helpers::Backend::Sqlite, "fanout")
        .await
        .expect("sqlite");
    let store = Arc::new(Store::connect(&db).await.expect("store"));
    let config = Config {
        api_token: TOKEN.to_string(),
        ..Config::default()
    };
    let mut state = AppState::restore(store, config).await.expect("state");
    state.hub = Arc::new(Hub::with_settings(settings));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("listen");
    let addr = listener.local_addr().expect("addr");
    let app = router(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let http = reqwest::Client::new();
    let mut election = election_data::fixtures::sample_commune();
    election.embargo = None;
    let r = http
        .post(format!("http://{addr}/api/elections"))
        .bearer_auth(TOKEN)
        .json(&election)
        .send()
        .await
        .expect("define");
    assert_eq!(r.status().as_u16(), 201);
    Fan {
        addr,
        state,
        http,
        id: election.id,
        task,
        _db: db,
    }
}

impl Fan {
    fn topic(&self) -> Arc<Topic> {
        self.state.hub.get(&self.id).expect("topic")
    }

    async fn ws(&self, since: Option<i64>) -> Ws {
        let q = since.map(|n| format!("?since={n}")).unwrap_or_default();
        let url = format!("ws://{}/ws/elections/{}{q}", self.addr, self.id);
        tokio_tungstenite::connect_async(url).await.expect("ws").0
    }

    /// A turnout reading through the entry API: one public change.
    async fn turnout(&self, bureau: usize, votants: i64) -> i64 {
        let e = self.topic().read().election.clone();
        let code = &e.bureaux[bureau].code;
        let body = json!({ "turnout": [{ "hour": e.turnout_hours[0], "votants": votants }] });
        let r = self
            .http
            .put(format!(
                "http://{}/api/elections/{}/bureaux/{code}/turnout",
                self.addr, self.id
            ))
            .bearer_auth(TOKEN)
            .json(&body)
            .send()
            .await
            .expect("turnout");
        assert_eq!(r.status().as_u16(), 200);
        let v: Value = r.json().await.expect("json");
        v["seq"].as_i64().expect("seq")
    }

    /// Publishes `n` public changes straight into the hub; returns the last seq.
    fn publish_many(&self, n: usize) -> i64 {
        crate::helpers::publish_many(&self.topic(), n)
    }

    async fn subscribers_become(&self, n: usize) {
        let topic = self.topic();
        crate::helpers::eventually(
            Duration::from_secs(60),
            || {
                format!(
                    "expected {n} subscribers, still {}",
                    topic.subscribers(View::Public)
                )
            },
            || topic.subscribers(View::Public) == n,
        )
        .await;
    }
}

/// A WebSocket client whose socket accepts very little before it is read.
async fn small_window_ws(fan: &Fan) -> Ws {
    let socket = TcpSocket::new_v4().expect("socket");
    socket.set_recv_buffer_size(4096).expect("rcvbuf");
    let stream = socket.connect(fan.addr).await.expect("connect");
    let url = format!("ws://{}/ws/elections/{}", fan.addr, fan.id);
    tokio_tungstenite::client_async(url, tokio_tungstenite::MaybeTlsStream::Plain(stream))
        .await
        .expect("handshake")
        .0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_after_disconnect_delivers_exactly_the_missed_changes() {
    let fan = start(HubSettings::default()).await;
    let mut steady = fan.ws(None).await;
    let mut leaving = fan.ws(None).await;
    for ws in [&mut steady, &mut leaving] {
        let f = next_frame(ws).await;
        assert_eq!(
            (f["type"].as_str(), f["seq"].as_i64()),
            (Some("snapshot"), Some(0))
        );
    }
    let s1 = fan.turnout(0, 10).await;
    let f = next_frame(&mut leaving).await;
    assert_eq!(f["seq"].as_i64(), Some(s1));
    leaving.close(None).await.expect("close");
    drop(leaving);

    // Five changes while it is away, seen by the steady subscriber.
    let mut missed = Vec::new();
    for k in 0..5 {
        let seq = fan.turnout(k + 1, 20 + k as i64).await;
        loop {
            let f = next_frame(&mut steady).await;
            if f["seq"].as_i64() == Some(seq) {
                missed.push(f);
                break;
            }
        }
    }
    let last_missed = missed.last().and_then(|f| f["seq"].as_i64()).expect("seq");

    // Back with since=s1: exactly those five, in one delta (they were all
    // queued), the same as the five frames the steady subscriber saw merged.
    let mut back = fan.ws(Some(s1)).await;
    let f = next_frame(&mut back).await;
    assert_eq!(f["type"], "delta");
    assert_eq!(
        (f["from"].as_i64(), f["seq"].as_i64()),
        (Some(s1 + 1), Some(last_missed))
    );
    let frames: Vec<urne::hub::Frame> = missed
        .iter()
        .map(|m| {
            let seq = m["seq"].as_i64().expect("seq");
            urne::hub::Frame::new(seq, urne::hub::FrameKind::Change, m.to_string().into())
        })
        .collect();
    let merged = urne::hub::coalesce(&frames).expect("coalesced");
    let merged: Value = serde_json::from_str(merged.text.as_str()).expect("json");
    assert_eq!(f, merged);
    // Then nothing but the next live change: no duplicate, no snapshot.
    let next = fan.turnout(10, 33).await;
    assert_eq!(next, last_missed + 1);
    let f = next_frame(&mut back).await;
    assert_eq!(
        (f["type"].as_str(), f["seq"].as_i64()),
        (Some("delta"), Some(next))
    );
    fan.task.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lagging_subscriber_gets_a_snapshot_never_a_gap() {
    // Four frames of slack: falling behind is easy.
    let fan = start(HubSettings {
        channel_capacity: 4,
        send_timeout: Duration::from_secs(120),
        ..HubSettings::default()
    })
    .await;
    let mut slow = small_window_ws(&fan).await;
    let first = next_frame(&mut slow).await;
    assert_eq!(first["type"], "snapshot");
    // Megabytes of changes while it does not read: its connection task
    // blocks on the full socket and the channel moves on without it.
    let last = fan.publish_many(3000);
    let mut seq = first["seq"].as_i64().expect("seq");
    let mut resyncs = 0;
    while seq < last {
        let f = next_frame(&mut slow).await;
        let s = f["seq"].as_i64().expect("seq");
        match f["type"].as_str() {
            Some("snapshot") => {
                resyncs += 1;
                assert!(s >= seq, "a snapshot never goes back: {s} after {seq}");
                // The snapshot is the current state at its seq.
                assert!(f["perimeters"]["COMMUNE"]["turnout"].is_array());
            }
            // One change, or several coalesced: never a hole.
            _ => {
                let from = f["from"].as_i64().unwrap_or(s);
                assert!(from <= seq + 1 && s > seq, "gap: {seq} then {from}..{s}");
            }
        }
        seq = s;
    }
    assert!(
        resyncs >= 1,
        "the subscriber fell behind and was resynchronised"
    );
    assert_eq!(seq, last);
    // Live again afterwards.
    let next = fan.publish_many(1);
    let f = next_frame(&mut slow).await;
    assert_eq!(
        (f["type"].as_str(), f["seq"].as_i64()),
        (Some("delta"), Some(next))
    );
    fan.task.abort();
}

/// Opens a WebSocket by hand and never reads from it again.
async fn frozen_client(fan: &Fan) -> TcpStream {
    let socket = TcpSocket::new_v4().expect("socket");
    socket.set_recv_buffer_size(4096).expect("rcvbuf");
    let mut stream = socket.connect(fan.addr).await.expect("connect");
    let req = format!(
        "GET /ws/elections/{} HTTP/1.1\r\nHost: {}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
        fan.id, fan.addr
    );
    stream.write_all(req.as_bytes()).await.expect("request");
    // Read the 101 answer byte by byte, so that no frame is consumed.
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let mut b = [0u8; 1];
        stream.read_exact(&mut b).await.expect("answer");
        head.push(b[0]);
    }
    assert!(
        head.starts_with(b"HTTP/1.1 101"),
        "{}",
        String::from_utf8_lossy(&head)
    );
    stream
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_stops_reading_is_dropped_without_blocking_the_others() {
    let fan = start(HubSettings {
        send_timeout: Duration::from_millis(300),
        ..HubSettings::default()
    })
    .await;
    let frozen = frozen_client(&fan).await;
    // A healthy subscriber that reads everything and reports its last seq.
    let mut healthy = fan.ws(None).await;
    let start_seq = next_frame(&mut healthy).await["seq"].as_i64().expect("seq");
    fan.subscribers_become(2).await;
    // (last seq, gaps, snapshots) as the reader goes.
    let (seen_tx, mut seen_rx) = watch::channel((start_seq, 0u32, 0u32));
    let reader = tokio::spawn(async move {
        let (mut last, mut gaps, mut snapshots) = (start_seq, 0, 0);
        while let Some(Ok(msg)) = healthy.next().await {
            if let Message::Text(t) = msg {
                let f: Value = serde_json::from_str(t.as_str()).expect("json");
                let s = f["seq"].as_i64().expect("seq");
                if f["type"] == "snapshot" {
                    snapshots += 1;
                } else if f["from"].as_i64().unwrap_or(s) > last + 1 {
                    gaps += 1;
                }
                last = s;
                let _ = seen_tx.send((last, gaps, snapshots));
            }
        }
    });
    // Batches well within the channel, each waited for by the healthy
    // client: it must get every frame while the frozen one's socket fills up.
    let mut last = start_seq;
    for _ in 0..60 {
        last = fan.publish_many(50);
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        while seen_rx.borrow_and_update().0 < last {
            assert!(
                tokio::time::Instant::now() < deadline,
                "healthy client stuck"
            );
            let _ = tokio::time::timeout(Duration::from_secs(1), seen_rx.changed()).await;
        }
    }
    // The frozen client is gone, the healthy one is still there.
    fan.subscribers_become(1).await;
    let seq = fan.publish_many(1);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while seen_rx.borrow_and_update().0 < seq {
        assert!(
            tokio::time::Instant::now() < deadline,
            "healthy client stuck"
        );
        let _ = tokio::time::timeout(Duration::from_secs(1), seen_rx.changed()).await;
    }
    assert!(seq > last);
    let (_, gaps, snapshots) = *seen_rx.borrow();
    assert_eq!(
        (gaps, snapshots),
        (0, 0),
        "the healthy client saw every change in order"
    );
    reader.abort();
    drop(frozen);
    fan.task.abort();
}
