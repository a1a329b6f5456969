//! The minimal broadcaster, the yardstick every load figure is divided by,
//! started as `urne-load run` starts it (a child process of the real
//! binary): each `POST /tick` reaches every subscriber once, in order, at
//! the requested frame size. If the yardstick drifted (dropped frames,
//! frames of another size), every ratio of docs/performance.md would lie.
//!
//! Building this test also builds the `urne-load` binary with the test
//! profile's features, which the CI's load smoke then runs without a second
//! compilation.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use tokio_tungstenite_axum::connect_async;
use tokio_tungstenite_axum::tungstenite::Message;

struct Reference {
    child: Child,
    port: u16,
}

impl Drop for Reference {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free local port");
    listener.local_addr().expect("bound address").port()
}

/// Starts the broadcaster and polls `/health` until it answers (10 s deadline).
async fn start(frame_size: usize) -> Reference {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_urne-load"))
        .args(["reference-server", "--listen", &format!("127.0.0.1:{port}")])
        .args(["--frame-size", &frame_size.to_string()])
        .stdout(Stdio::null())
        .spawn()
        .expect("urne-load starts");
    let reference = Reference { child, port };
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let health = client
            .get(format!("http://127.0.0.1:{port}/health"))
            .send()
            .await;
        if health.is_ok_and(|r| r.status().is_success()) {
            return reference;
        }
        assert!(Instant::now() < deadline, "the broadcaster never answered");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn next_text<S>(ws: &mut S) -> String
where
    S: StreamExt<Item = Result<Message, tokio_tungstenite_axum::tungstenite::Error>> + Unpin,
{
    let deadline = Duration::from_secs(10);
    loop {
        let msg = tokio::time::timeout(deadline, ws.next())
            .await
            .expect("a frame within 10 s")
            .expect("the connection stays open")
            .expect("a valid WebSocket message");
        if let Message::Text(text) = msg {
            return text.to_string();
        }
    }
}

#[tokio::test]
async fn every_tick_reaches_every_subscriber_once_in_order_at_the_frame_size() {
    let frame_size = 600;
    let reference = start(frame_size).await;
    let url = format!("ws://127.0.0.1:{}/ws", reference.port);
    let mut subscribers = Vec::new();
    for _ in 0..3 {
        let (mut ws, _) = connect_async(url.as_str()).await.expect("subscribes");
        assert_eq!(next_text(&mut ws).await, r#"{"type":"snapshot","seq":0}"#);
        subscribers.push(ws);
    }

    let client = reqwest::Client::new();
    for expected in 1..=5 {
        let answer = client
            .post(format!("http://127.0.0.1:{}/tick", reference.port))
            .send()
            .await
            .expect("tick answered")
            .text()
            .await
            .expect("tick body");
        assert_eq!(answer, format!(r#"{{"seq":{expected}}}"#));
    }

    for ws in &mut subscribers {
        for expected in 1..=5 {
            let frame = next_text(ws).await;
            // The padding is cut for 7-digit sequence numbers, twice in a frame.
            let short = 2 * (7 - expected.to_string().len());
            assert_eq!(frame.len() + short, frame_size, "frame {expected}: {frame}");
            let value: serde_json::Value = serde_json::from_str(&frame).expect("JSON frame");
            assert_eq!(value["type"], "delta");
            assert_eq!(value["seq"], expected);
            assert_eq!(value["from"], expected);
        }
    }
}
