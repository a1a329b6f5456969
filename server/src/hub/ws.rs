//! The WebSocket endpoint: `GET /ws/elections/{id}?since=N`.
//!
//! Read-only for clients: whatever they send is ignored except pongs and
//! close. Each connection is one task that forwards the shared frames; a
//! connection that falls behind the broadcast channel (`Lagged`) gets a fresh
//! snapshot instead of a silent gap, and one that stops reading long enough
//! for a send to time out is closed, so a slow phone never holds up the
//! others. Pings every [`PING_EVERY`] drop dead peers.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Query, State};
use axum::response::Response;
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use tokio::sync::broadcast::error::RecvError;
use tokio::time::{Instant, timeout};

use super::{Frame, FrameKind, Topic, View};
use crate::app::AppState;
use crate::error::ApiError;

pub const PING_EVERY: Duration = Duration::from_secs(20);
/// A peer silent for this long (no pong, nothing) is dropped.
pub const IDLE_LIMIT: Duration = Duration::from_secs(60);
/// A send blocked this long means the client stopped reading.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Deserialize)]
pub struct WsParams {
    pub since: Option<i64>,
}

pub async fn handler(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(params): Query<WsParams>,
    upgrade: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    let topic = state
        .hub
        .get(&id)
        .ok_or_else(|| ApiError::not_found(format!("élection inconnue : {id}")))?;
    Ok(upgrade
        // Small buffers: tens of thousands of idle sockets must stay cheap.
        .read_buffer_size(4 * 1024)
        .write_buffer_size(0)
        .max_write_buffer_size(1024 * 1024)
        .max_message_size(4 * 1024)
        .max_frame_size(4 * 1024)
        .on_upgrade(move |socket| serve(socket, topic, View::Public, params.since)))
}

async fn send(
    sink: &mut futures_util::stream::SplitSink<WebSocket, Message>,
    frame: &Frame,
) -> bool {
    matches!(
        timeout(SEND_TIMEOUT, sink.send(Message::Text(frame.text.clone()))).await,
        Ok(Ok(()))
    )
}

/// Forwards one view of a topic to one client until either side stops.
pub async fn serve(socket: WebSocket, topic: Arc<Topic>, view: View, since: Option<i64>) {
    let (mut sink, mut stream) = socket.split();
    let sub = topic.subscribe(view, since);
    let mut rx = sub.rx;
    let mut last = since.unwrap_or(-1);
    for frame in &sub.initial {
        if !send(&mut sink, frame).await {
            return;
        }
        last = frame.seq;
    }
    let mut ping = tokio::time::interval_at(Instant::now() + PING_EVERY, PING_EVERY);
    let mut heard = Instant::now();
    loop {
        tokio::select! {
            msg = rx.recv() => match msg {
                Ok(frame) => {
                    // Changes already covered by the initial frames are skipped;
                    // snapshots (an embargo ending) always go out.
                    if frame.kind == FrameKind::Change && frame.seq <= last {
                        continue;
                    }
                    if !send(&mut sink, &frame).await {
                        break;
                    }
                    last = frame.seq;
                }
                Err(RecvError::Lagged(_)) => {
                    // Fell behind: never leave a gap, resynchronise from a snapshot.
                    let snap = topic.snapshot(view);
                    if !send(&mut sink, &snap).await {
                        break;
                    }
                    last = snap.seq;
                }
                Err(RecvError::Closed) => {
                    let _ = sink.send(Message::Close(Some(CloseFrame {
                        code: 1012,
                        reason: "service restart, retry".into(),
                    }))).await;
                    break;
                }
            },
            incoming = stream.next() => match incoming {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(_)) => heard = Instant::now(),
            },
            _ = ping.tick() => {
                if heard.elapsed() > IDLE_LIMIT {
                    break;
                }
                if timeout(SEND_TIMEOUT, sink.send(Message::Ping(Default::default()))).await.map_or(true, |r| r.is_err()) {
                    break;
                }
            }
        }
    }
}
