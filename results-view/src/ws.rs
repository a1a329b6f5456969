//! The live WebSocket: the HTTP upgrade and the per-connection forwarding
//! loop, shared by the server (`/ws/elections/{id}`, also in its fan-out
//! workers) and the kiosk.
//!
//! Read-only for clients: whatever they send is ignored except pongs and
//! close. Each connection is one task that forwards the shared frames.
//!
//! This module owns the per-connection cost of the fan-out, so it does the
//! HTTP upgrade itself (hyper's `OnUpgrade`) and drives tokio-tungstenite
//! directly rather than through axum's `WebSocket`. That lets it
//! - write data frames straight from the shared frame bytes to the socket
//!   (a 2–10 byte header and the payload in one `writev`): tungstenite's
//!   write path copies each message into a per-connection buffer that keeps
//!   the capacity of the largest message ever sent, so a 30 KiB snapshot
//!   would stay pinned on every idle connection, and every change would be
//!   copied once per subscriber. Tungstenite still reads the client's
//!   frames and writes the control frames (ping, pong, close); its buffer is
//!   flushed before each raw write, so frames never interleave;
//! - compress once: a connection that negotiated permessage-deflate
//!   ([`crate::deflate`]) gets each frame's shared compressed bytes, with
//!   RSV1 set; the others the text itself;
//! - coalesce: a connection whose queue holds several changes when it is
//!   ready to write gets them as one delta (built once per range for every
//!   connection at the same point, [`Feed::coalesce`]), so a slow reader
//!   catches up with fewer, not more, bytes and never with a gap;
//! - keep each connection small: a 512-byte read buffer (clients only send
//!   pongs and close frames);
//! - never let one client hold up another: a connection that falls behind
//!   the broadcast channel (`Lagged`) gets a fresh snapshot instead of a
//!   silent gap, and one whose send stays blocked for
//!   [`HubSettings::send_timeout`] (it stopped reading and the socket
//!   buffers are full) is closed, with 1013 "try again later" when the
//!   stream is at a frame boundary. Its queue is its cursor in the shared
//!   channel: no frame is copied per client;
//! - drop dead peers: a ping every [`HubSettings::ping_every`], and a peer
//!   silent for [`HubSettings::idle_limit`] is dropped;
//! - keep the entry API responsive: connections run on their own runtime
//!   ([`fanout_runtime`]). On the shared one, every await of a write (the
//!   store's round trips) queued behind the tens of thousands of connection
//!   tasks a change wakes, and commits took as long as a whole fan-out.
//!
//! The server's handler (which may hand a connection over to a fan-out
//! worker process) lives in the server; [`handler`] is the plain one the
//! kiosk routes.

use std::future::Future;
use std::io::IoSlice;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use hyper::upgrade::{OnUpgrade, Upgraded};
use hyper_util::rt::TokioIo;
use serde::Deserialize;

use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::sync::broadcast::error::{RecvError, TryRecvError};
use tokio::time::{Instant, timeout};
use tokio_tungstenite_axum::WebSocketStream;
use tokio_tungstenite_axum::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite_axum::tungstenite::protocol::frame::CloseFrame;
use tokio_tungstenite_axum::tungstenite::protocol::{Role, WebSocketConfig};
use tokio_tungstenite_axum::tungstenite::{Message, Utf8Bytes};

use crate::hub::{Feed, Frame, FrameKind, HubSettings, TopicView, Topics, View};

/// A server-side WebSocket over an upgraded HTTP connection.
pub type Socket = WebSocketStream<TokioIo<Upgraded>>;

/// What a connection runs over: an upgraded HTTP connection, or a raw TCP
/// stream handed to a fan-out worker.
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send + 'static {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + 'static> Io for T {}

/// Close code sent to a client dropped for not reading: "try again later".
pub const CLOSE_TRY_AGAIN: u16 = 1013;
/// Close code sent when the server stops: "service restart".
pub const CLOSE_RESTART: u16 = 1012;

#[derive(Debug, Deserialize)]
pub struct WsParams {
    pub since: Option<i64>,
}

/// Why an upgrade was refused: answered as `{"error": code, "message": …}`
/// (the shape of every JSON error of Urne). Internal failures carry a
/// generic message; their detail goes to the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl Refusal {
    fn bad_request(code: &'static str, message: &str) -> Refusal {
        Refusal {
            status: StatusCode::BAD_REQUEST,
            code,
            message: message.to_string(),
        }
    }

    fn internal(context: &str, error: impl std::fmt::Display) -> Refusal {
        tracing::error!("websocket upgrade: {context}: {error}");
        Refusal {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: "internal",
            message: "erreur interne".to_string(),
        }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        (
            self.status,
            axum::Json(serde_json::json!({ "error": self.code, "message": self.message })),
        )
            .into_response()
    }
}

/// `GET /ws/elections/{id}?since=N` served in this process: the public
/// view of the election's topic.
pub async fn handler(
    State(topics): State<Arc<Topics>>,
    Path(id): Path<String>,
    Query(params): Query<WsParams>,
    req: Request,
) -> Response {
    let Some(topic) = topics.get(&id) else {
        return Refusal {
            status: StatusCode::NOT_FOUND,
            code: "not_found",
            message: format!("élection inconnue : {id}"),
        }
        .into_response();
    };
    let settings = topics.settings().clone();
    let feed: Arc<dyn Feed> = Arc::new(TopicView {
        topic,
        view: View::Public,
    });
    upgrade(req, move |socket, deflate| {
        serve(socket, feed, params.since, deflate, settings)
    })
    .unwrap_or_else(IntoResponse::into_response)
}

/// Buffers sized for tens of thousands of mostly idle connections. Clients
/// only ever send pongs and close frames.
pub fn config() -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(512)
        .write_buffer_size(0)
        .max_write_buffer_size(16 * 1024)
        .max_message_size(Some(4 * 1024))
        .max_frame_size(Some(4 * 1024))
}

fn header_is(headers: &HeaderMap, name: header::HeaderName, want: &str) -> bool {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case(want))
}

fn header_has_token(headers: &HeaderMap, name: header::HeaderName, want: &str) -> bool {
    headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim().eq_ignore_ascii_case(want))
}

/// Answers an HTTP/1.1 WebSocket upgrade request (RFC 6455 §4.2) and runs
/// `callback` on the socket once the connection is upgraded, telling it
/// whether permessage-deflate was negotiated.
pub fn upgrade<F, Fut>(req: Request, callback: F) -> Result<Response, Refusal>
where
    F: FnOnce(Socket, bool) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    upgrade_raw(req, move |upgraded, deflate| async move {
        let socket =
            WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, Some(config()))
                .await;
        callback(socket, deflate).await;
    })
}

/// Like [`upgrade`], but hands `callback` the upgraded connection itself.
pub fn upgrade_raw<F, Fut>(mut req: Request, callback: F) -> Result<Response, Refusal>
where
    F: FnOnce(Upgraded, bool) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let headers = req.headers();
    if !header_has_token(headers, header::CONNECTION, "upgrade")
        || !header_is(headers, header::UPGRADE, "websocket")
    {
        return Err(Refusal::bad_request(
            "websocket_required",
            "cette adresse attend une connexion WebSocket",
        ));
    }
    if !header_is(headers, header::SEC_WEBSOCKET_VERSION, "13") {
        return Err(Refusal::bad_request(
            "websocket_version",
            "version de WebSocket non prise en charge (13 attendue)",
        ));
    }
    let accept = headers
        .get(header::SEC_WEBSOCKET_KEY)
        .map(|k| derive_accept_key(k.as_bytes()))
        .ok_or_else(|| {
            Refusal::bad_request("websocket_key", "en-tête Sec-WebSocket-Key manquant")
        })?;
    let accept =
        HeaderValue::from_str(&accept).map_err(|e| Refusal::internal("accept key header", e))?;
    let deflate = crate::deflate::negotiate(
        headers
            .get_all(header::SEC_WEBSOCKET_EXTENSIONS)
            .iter()
            .filter_map(|v| v.to_str().ok()),
    );
    let on_upgrade = req.extensions_mut().remove::<OnUpgrade>().ok_or_else(|| {
        Refusal::bad_request(
            "websocket_required",
            "cette connexion ne peut pas passer en WebSocket",
        )
    })?;
    fanout_runtime().spawn(async move {
        let upgraded = match on_upgrade.await {
            Ok(u) => u,
            Err(e) => {
                tracing::debug!("websocket upgrade failed: {e}");
                return;
            }
        };
        callback(upgraded, deflate).await;
    });
    let mut response = Response::builder()
        .status(StatusCode::SWITCHING_PROTOCOLS)
        .header(header::CONNECTION, "upgrade")
        .header(header::UPGRADE, "websocket")
        .header(header::SEC_WEBSOCKET_ACCEPT, accept);
    if deflate {
        response = response.header(header::SEC_WEBSOCKET_EXTENSIONS, crate::deflate::RESPONSE);
    }
    response
        .body(Body::empty())
        .map_err(|e| Refusal::internal("upgrade response", e))
}

/// The runtime WebSocket connections run on: as many workers as cores,
/// apart from the one serving HTTP, so that the OS scheduler shares the CPU
/// between the writers and the fan-out instead of one FIFO run queue. Falls
/// back to the current runtime if a runtime cannot be built.
pub fn fanout_runtime() -> tokio::runtime::Handle {
    static RUNTIME: OnceLock<Option<tokio::runtime::Runtime>> = OnceLock::new();
    let rt = RUNTIME.get_or_init(|| {
        let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers)
            .thread_name("urne-fanout")
            .enable_all()
            .build()
            .map_err(|e| tracing::error!("fan-out runtime: {e}; using the main one"))
            .ok()
    });
    match rt {
        Some(rt) => rt.handle().clone(),
        None => tokio::runtime::Handle::current(),
    }
}

/// Why a connection ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    /// The peer closed, vanished or sent garbage.
    Peer,
    /// A send stayed blocked past the timeout: the client stopped reading.
    Slow,
    /// Same, but in the middle of a frame: only dropping is left.
    Cut,
    /// No pong (nor anything) for too long.
    Idle,
    /// The topic is gone: the server is stopping.
    Restart,
}

/// The header of an unmasked, final text frame of `len` bytes (RFC 6455
/// §5.2), with RSV1 set when the payload is compressed (RFC 7692).
fn text_header(len: usize, compressed: bool) -> ([u8; 10], usize) {
    let mut h = [0u8; 10];
    h[0] = if compressed { 0xC1 } else { 0x81 };
    if len < 126 {
        h[1] = len as u8;
        (h, 2)
    } else if let Ok(n) = u16::try_from(len) {
        h[1] = 126;
        h[2..4].copy_from_slice(&n.to_be_bytes());
        (h, 4)
    } else {
        h[1] = 127;
        h[2..10].copy_from_slice(&(len as u64).to_be_bytes());
        (h, 10)
    }
}

/// Writes one text frame to the raw stream; `written` counts its bytes so
/// that an interrupted write can be told from one that never started.
async fn write_frame<S: AsyncWrite + Unpin>(
    io: &mut S,
    payload: &[u8],
    compressed: bool,
    written: &mut usize,
) -> std::io::Result<()> {
    let (header, hlen) = text_header(payload.len(), compressed);
    let header = &header[..hlen];
    let total = hlen + payload.len();
    while *written < total {
        let n = if *written < hlen {
            let bufs = [IoSlice::new(&header[*written..]), IoSlice::new(payload)];
            io.write_vectored(&bufs).await?
        } else {
            io.write(&payload[*written - hlen..]).await?
        };
        if n == 0 {
            return Err(std::io::ErrorKind::WriteZero.into());
        }
        *written += n;
    }
    io.flush().await
}

/// How one connection is written to.
#[derive(Debug, Clone)]
struct Conn {
    settings: HubSettings,
    /// permessage-deflate was negotiated.
    deflate: bool,
}

/// Sends one frame within the send timeout: its shared compressed bytes
/// when the connection negotiated permessage-deflate and they are smaller.
async fn send<S: Io>(ws: &mut WebSocketStream<S>, frame: &Frame, c: &Conn) -> Result<(), End> {
    let s = &c.settings;
    let mut written = 0;
    let (payload, compressed) = match c.deflate.then(|| frame.deflated()).flatten() {
        Some(packed) => (&packed[..], true),
        None => (frame.text.as_bytes(), false),
    };
    let sending = async {
        // Whatever tungstenite holds (a pong, a ping) goes out first.
        ws.flush().await.map_err(|_| End::Peer)?;
        write_frame(ws.get_mut(), payload, compressed, &mut written)
            .await
            .map_err(|_| End::Peer)
    };
    match timeout(s.send_timeout, sending).await {
        Ok(r) => r,
        // A frame cut in the middle cannot be followed by a close frame.
        Err(_) if written == 0 => Err(End::Slow),
        Err(_) => Err(End::Cut),
    }
}

/// Best-effort close frame; a peer that does not read will not get it.
async fn close<S: Io>(ws: &mut WebSocketStream<S>, code: u16, reason: &'static str) {
    let frame = CloseFrame {
        code: code.into(),
        reason: reason.into(),
    };
    let _ = timeout(Duration::from_millis(200), ws.close(Some(frame))).await;
}

/// Forwards one view of a topic to one client until either side stops;
/// `deflate`: the client negotiated permessage-deflate.
pub async fn serve<S: Io>(
    mut ws: WebSocketStream<S>,
    feed: Arc<dyn Feed>,
    since: Option<i64>,
    deflate: bool,
    s: HubSettings,
) {
    let conn = Conn {
        settings: s,
        deflate,
    };
    let end = forward(&mut ws, feed.as_ref(), since, &conn).await;
    match end {
        End::Slow => {
            tracing::debug!(election = %feed.id(), "slow subscriber dropped");
            close(&mut ws, CLOSE_TRY_AGAIN, "too slow, reconnect with since").await;
        }
        End::Restart => close(&mut ws, CLOSE_RESTART, "service restart, retry").await,
        End::Cut => tracing::debug!(election = %feed.id(), "slow subscriber dropped"),
        End::Idle => close(&mut ws, 1001, "no pong").await,
        // Answer a client's close (tungstenite queued the reply), or nothing.
        End::Peer => {
            let _ = timeout(Duration::from_millis(200), ws.flush()).await;
        }
    }
}

/// The frame's bytes if it is a snapshot.
fn snapshot_text(frame: &Frame) -> Option<Utf8Bytes> {
    (frame.kind == FrameKind::Snapshot).then(|| frame.text.clone())
}

/// Most changes coalesced into one frame.
const COALESCE_MAX: usize = 256;

/// What a connection's queue held when it was ready to write.
enum Batch {
    /// Changes after the last one sent, oldest first.
    Changes(Vec<Frame>),
    /// A snapshot (and what follows it in the queue is left for later).
    Snapshot(Frame),
    /// The connection fell behind the channel.
    Lagged,
    /// The channel is gone.
    Closed,
}

/// Takes what is queued after `first` (when the connection is ready to
/// write again, more may have arrived): the changes up to the next
/// snapshot, the snapshot alone, or the news that it lagged.
fn drain(rx: &mut tokio::sync::broadcast::Receiver<Frame>, first: Frame, last: i64) -> Batch {
    if first.kind == FrameKind::Snapshot {
        return Batch::Snapshot(first);
    }
    let mut changes = Vec::new();
    if first.seq > last {
        changes.push(first);
    }
    while changes.len() < COALESCE_MAX && !rx.is_empty() {
        match rx.try_recv() {
            Ok(f) if f.kind == FrameKind::Snapshot => {
                // A snapshot supersedes the changes before it.
                return Batch::Snapshot(f);
            }
            Ok(f) if f.seq <= last => {}
            Ok(f) => changes.push(f),
            Err(TryRecvError::Lagged(_)) => return Batch::Lagged,
            Err(TryRecvError::Closed) => return Batch::Closed,
            Err(TryRecvError::Empty) => break,
        }
    }
    Batch::Changes(changes)
}

async fn forward<S: Io>(
    ws: &mut WebSocketStream<S>,
    feed: &dyn Feed,
    since: Option<i64>,
    c: &Conn,
) -> End {
    let s = &c.settings;
    let sub = feed.subscribe(since);
    let mut rx = sub.rx;
    let mut last = since.unwrap_or(-1);
    // The last frame sent, when it was a snapshot: a resynchronisation that
    // would send the very same snapshot again is skipped.
    let mut sent_snapshot: Option<Utf8Bytes> = None;
    let initial: Vec<Frame> = sub.initial;
    let (snapshots, changes): (Vec<Frame>, Vec<Frame>) = initial
        .into_iter()
        .partition(|f| f.kind == FrameKind::Snapshot);
    for frame in snapshots {
        if let Err(end) = send(ws, &frame, c).await {
            return end;
        }
        last = frame.seq;
        sent_snapshot = snapshot_text(&frame);
    }
    let changes: Vec<Frame> = changes.into_iter().filter(|f| f.seq > last).collect();
    if let Err(end) = send_changes(ws, feed, &changes, c, &mut last).await {
        return end;
    }
    if !changes.is_empty() {
        sent_snapshot = None;
    }
    drop(changes);
    let mut ping = tokio::time::interval_at(Instant::now() + s.ping_every, s.ping_every);
    let mut heard = Instant::now();
    loop {
        tokio::select! {
            msg = rx.recv() => {
                let batch = match msg {
                    Ok(frame) => drain(&mut rx, frame, last),
                    Err(RecvError::Lagged(_)) => Batch::Lagged,
                    Err(RecvError::Closed) => Batch::Closed,
                };
                match batch {
                    Batch::Changes(frames) => {
                        if frames.is_empty() {
                            continue;
                        }
                        if let Err(end) = send_changes(ws, feed, &frames, c, &mut last).await {
                            return end;
                        }
                        sent_snapshot = None;
                    }
                    Batch::Snapshot(frame) => {
                        // Snapshots (an embargo ending) always go out.
                        if let Err(end) = send(ws, &frame, c).await {
                            return end;
                        }
                        last = frame.seq;
                        sent_snapshot = snapshot_text(&frame);
                    }
                    Batch::Lagged => {
                        // Fell behind: never leave a gap, resynchronise from a
                        // snapshot (frames older than it are skipped above).
                        let frames = feed.resync();
                        // A worker's snapshot may be older than what this client
                        // holds: then the ring's changes after `last` suffice, if
                        // they join up with it.
                        let joins = frames.iter().any(|f| f.kind == FrameKind::Change && f.seq == last + 1)
                            || frames.iter().all(|f| f.kind == FrameKind::Snapshot || f.seq <= last);
                        let mut changes = Vec::new();
                        for frame in frames {
                            let covered = match frame.kind {
                                FrameKind::Change => frame.seq <= last,
                                FrameKind::Snapshot => {
                                    (frame.seq < last && joins)
                                        || (frame.seq == last && sent_snapshot.as_ref() == Some(&frame.text))
                                }
                            };
                            if covered {
                                continue;
                            }
                            if frame.kind == FrameKind::Change {
                                changes.push(frame);
                                continue;
                            }
                            if let Err(end) = send(ws, &frame, c).await {
                                return end;
                            }
                            last = frame.seq;
                            sent_snapshot = snapshot_text(&frame);
                        }
                        if !changes.is_empty() {
                            if let Err(end) = send_changes(ws, feed, &changes, c, &mut last).await {
                                return end;
                            }
                            sent_snapshot = None;
                        }
                    }
                    Batch::Closed => return End::Restart,
                }
            },
            incoming = ws.next() => match incoming {
                Some(Ok(Message::Close(_))) | None => return End::Peer,
                Some(Err(_)) => return End::Peer,
                Some(Ok(_)) => heard = Instant::now(),
            },
            _ = ping.tick() => {
                if heard.elapsed() > s.idle_limit {
                    return End::Idle;
                }
                match timeout(s.send_timeout, ws.send(Message::Ping(Bytes::new()))).await {
                    Ok(Ok(())) => {}
                    Ok(Err(_)) => return End::Peer,
                    Err(_) => return End::Slow,
                }
            }
        }
    }
}

/// Sends consecutive changes after `last`: one coalesced frame when there
/// are several (each on its own if they cannot be merged).
async fn send_changes<S: Io>(
    ws: &mut WebSocketStream<S>,
    feed: &dyn Feed,
    frames: &[Frame],
    c: &Conn,
    last: &mut i64,
) -> Result<(), End> {
    if let Some(merged) = feed.coalesce(frames) {
        send(ws, &merged, c).await?;
        *last = merged.seq;
        return Ok(());
    }
    for frame in frames {
        send(ws, frame, c).await?;
        *last = frame.seq;
    }
    Ok(())
}
