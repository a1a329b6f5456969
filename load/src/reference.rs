//! The minimal broadcaster: the yardstick our figures are divided by.
//!
//! Same stack as the Urne server (tokio, axum/hyper, the same WebSocket
//! upgrade and tungstenite configuration, from `results_view::ws`), and nothing
//! else: `POST /tick` serialises one frame of the requested size carrying
//! the next sequence number, pushes it into a broadcast channel and answers
//! `{"seq":N}`; each connection's task forwards the shared bytes. No store,
//! no validation, no views, no ring, no pings, no resynchronisation.
//! It runs as a child process of `urne-load` so that its memory and CPU are
//! measured apart from the clients', exactly like the real server's.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use axum::Router;
use axum::extract::{Request, State};
use axum::routing::{get, post};
use futures_util::{SinkExt, StreamExt};
use results_view::ws::{Socket, upgrade};
use tokio::sync::broadcast;
use tokio_tungstenite_axum::tungstenite::{Message, Utf8Bytes};

#[derive(Clone)]
struct Shared {
    tx: broadcast::Sender<Utf8Bytes>,
    seq: Arc<AtomicI64>,
    /// Padding that brings a frame to the requested size.
    pad: Arc<str>,
    /// Serialises ticks, as the writer lock does in Urne.
    tick: Arc<tokio::sync::Mutex<()>>,
}

/// Serves until killed.
pub async fn serve(listen: SocketAddr, frame_size: usize) -> anyhow::Result<()> {
    let (tx, _) = broadcast::channel(256);
    let overhead = r#"{"type":"delta","from":0000000,"seq":0000000,"pad":""}"#.len();
    let shared = Shared {
        tx,
        seq: Arc::new(AtomicI64::new(0)),
        pad: "x".repeat(frame_size.saturating_sub(overhead)).into(),
        tick: Arc::new(tokio::sync::Mutex::new(())),
    };
    let app = Router::new()
        .route("/health", get(|| async { "ok" }))
        .route("/tick", post(tick))
        .route("/ws", get(ws))
        .with_state(shared);
    let listener = tokio::net::TcpListener::bind(listen).await?;
    axum::serve(listener, app).await?;
    Ok(())
}

async fn tick(State(s): State<Shared>) -> String {
    let _one = s.tick.lock().await;
    let seq = s.seq.fetch_add(1, Ordering::SeqCst) + 1;
    let frame = format!(
        r#"{{"type":"delta","from":{seq},"seq":{seq},"pad":"{}"}}"#,
        s.pad
    );
    let _ = s.tx.send(Utf8Bytes::from(frame));
    format!(r#"{{"seq":{seq}}}"#)
}

async fn ws(State(s): State<Shared>, req: Request) -> axum::response::Response {
    let rx = s.tx.subscribe();
    let hello = format!(
        r#"{{"type":"snapshot","seq":{}}}"#,
        s.seq.load(Ordering::SeqCst)
    );
    match upgrade(req, move |socket, _deflate| forward(socket, rx, hello)) {
        Ok(r) => r,
        Err(e) => axum::response::IntoResponse::into_response(e),
    }
}

async fn forward(mut ws: Socket, mut rx: broadcast::Receiver<Utf8Bytes>, hello: String) {
    if ws.send(Message::text(hello)).await.is_err() {
        return;
    }
    loop {
        tokio::select! {
            msg = rx.recv() => match msg {
                Ok(text) => {
                    if ws.send(Message::Text(text)).await.is_err() {
                        return;
                    }
                }
                Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => return,
            },
            incoming = ws.next() => match incoming {
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return,
                Some(Ok(_)) => {}
            },
        }
    }
}
