//! The WebSocket endpoint: `GET /ws/elections/{id}?since=N`.
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
//! - hand public connections to fan-out worker processes when there are
//!   some ([`super::workers`]): once upgraded, the connection is taken back
//!   as its `TcpStream` and its descriptor passed on; a worker serves it
//!   with [`serve_handed`], the same forwarding as here;
//! - keep the entry API responsive: connections run on their own runtime
//!   ([`fanout_runtime`]). On the shared one, every await of a write (the
//!   store's round trips) queued behind the tens of thousands of connection
//!   tasks a change wakes, and commits took as long as a whole fan-out.

use std::future::Future;
use std::io::IoSlice;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use hyper::upgrade::{OnUpgrade, Upgraded};
use hyper_util::rt::TokioIo;
use serde::Deserialize;
use std::os::fd::OwnedFd;

use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::broadcast::error::RecvError;
use tokio::time::{Instant, timeout};
use tokio_tungstenite_axum::WebSocketStream;
use tokio_tungstenite_axum::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite_axum::tungstenite::protocol::frame::CloseFrame;
use tokio_tungstenite_axum::tungstenite::protocol::{Role, WebSocketConfig};
use tokio_tungstenite_axum::tungstenite::{Message, Utf8Bytes};

use super::{Feed, Frame, FrameKind, HubSettings, TopicView, View};
use crate::error::ApiError;
use crate::state::AppState;

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

pub async fn handler(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(params): Query<WsParams>,
    req: Request,
) -> Result<Response, ApiError> {
    let topic = state
        .hub
        .get(&id)
        .ok_or_else(|| ApiError::not_found(format!("élection inconnue : {id}")))?;
    let settings = state.hub.settings().clone();
    let feed: Arc<dyn Feed> = Arc::new(TopicView {
        topic,
        view: View::Public,
    });
    let Some(workers) = state.hub.workers().cloned() else {
        return upgrade(req, move |socket| {
            serve(socket, feed, params.since, settings)
        });
    };
    // Fan-out workers hold the public connections: hand this one over once
    // upgraded, or serve it here if no worker can take it.
    upgrade_raw(req, move |upgraded| async move {
        let (tcp, prefix) = match upgraded.downcast::<TokioIo<TcpStream>>() {
            Ok(parts) => (parts.io.into_inner(), parts.read_buf),
            Err(upgraded) => {
                let socket = WebSocketStream::from_raw_socket(
                    TokioIo::new(upgraded),
                    Role::Server,
                    Some(config()),
                )
                .await;
                return serve(socket, feed, params.since, settings).await;
            }
        };
        let fd = match tcp.into_std() {
            Ok(std) => OwnedFd::from(std),
            Err(e) => {
                tracing::debug!("websocket hand-over: {e}");
                return;
            }
        };
        if let Err((fd, prefix)) = workers.handoff(&id, params.since, prefix, fd) {
            serve_handed(fd, prefix, feed, params.since, settings).await;
        }
    })
}

/// Serves a connection whose upgrade has been answered, from its socket's
/// descriptor and the bytes already read from it: a fan-out worker's
/// connections, handed over by the main process (or, when no worker could
/// take one, the main process's own).
pub async fn serve_handed(
    fd: OwnedFd,
    prefix: Bytes,
    feed: Arc<dyn Feed>,
    since: Option<i64>,
    settings: HubSettings,
) {
    let tcp = std::net::TcpStream::from(fd);
    let tcp = match tcp
        .set_nonblocking(true)
        .and_then(|()| TcpStream::from_std(tcp))
    {
        Ok(tcp) => tcp,
        Err(e) => {
            tracing::debug!("websocket hand-over: {e}");
            return;
        }
    };
    let socket = if prefix.is_empty() {
        WebSocketStream::from_raw_socket(tcp, Role::Server, Some(config())).await
    } else {
        WebSocketStream::from_partially_read(tcp, prefix.to_vec(), Role::Server, Some(config()))
            .await
    };
    serve(socket, feed, since, settings).await;
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
/// `callback` on the socket once the connection is upgraded.
pub fn upgrade<F, Fut>(req: Request, callback: F) -> Result<Response, ApiError>
where
    F: FnOnce(Socket) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    upgrade_raw(req, move |upgraded| async move {
        let socket =
            WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, Some(config()))
                .await;
        callback(socket).await;
    })
}

/// Like [`upgrade`], but hands `callback` the upgraded connection itself.
pub fn upgrade_raw<F, Fut>(mut req: Request, callback: F) -> Result<Response, ApiError>
where
    F: FnOnce(Upgraded) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let headers = req.headers();
    if !header_has_token(headers, header::CONNECTION, "upgrade")
        || !header_is(headers, header::UPGRADE, "websocket")
    {
        return Err(ApiError::bad_request(
            "websocket_required",
            "cette adresse attend une connexion WebSocket",
        ));
    }
    if !header_is(headers, header::SEC_WEBSOCKET_VERSION, "13") {
        return Err(ApiError::bad_request(
            "websocket_version",
            "version de WebSocket non prise en charge (13 attendue)",
        ));
    }
    let accept = headers
        .get(header::SEC_WEBSOCKET_KEY)
        .map(|k| derive_accept_key(k.as_bytes()))
        .ok_or_else(|| {
            ApiError::bad_request("websocket_key", "en-tête Sec-WebSocket-Key manquant")
        })?;
    let accept = HeaderValue::from_str(&accept)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("accept key header: {e}")))?;
    let on_upgrade = req.extensions_mut().remove::<OnUpgrade>().ok_or_else(|| {
        ApiError::bad_request(
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
        callback(upgraded).await;
    });
    Response::builder()
        .status(StatusCode::SWITCHING_PROTOCOLS)
        .header(header::CONNECTION, "upgrade")
        .header(header::UPGRADE, "websocket")
        .header(header::SEC_WEBSOCKET_ACCEPT, accept)
        .body(Body::empty())
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("upgrade response: {e}")))
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

/// The header of an unmasked, final text frame of `len` bytes (RFC 6455 §5.2).
fn text_header(len: usize) -> ([u8; 10], usize) {
    let mut h = [0u8; 10];
    h[0] = 0x81;
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
    written: &mut usize,
) -> std::io::Result<()> {
    let (header, hlen) = text_header(payload.len());
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

/// Sends one frame within the send timeout.
async fn send<S: Io>(
    ws: &mut WebSocketStream<S>,
    frame: &Frame,
    s: &HubSettings,
) -> Result<(), End> {
    let mut written = 0;
    let sending = async {
        // Whatever tungstenite holds (a pong, a ping) goes out first.
        ws.flush().await.map_err(|_| End::Peer)?;
        write_frame(ws.get_mut(), frame.text.as_bytes(), &mut written)
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

/// Forwards one view of a topic to one client until either side stops.
pub async fn serve<S: Io>(
    mut ws: WebSocketStream<S>,
    feed: Arc<dyn Feed>,
    since: Option<i64>,
    s: HubSettings,
) {
    let end = forward(&mut ws, feed.as_ref(), since, &s).await;
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

async fn forward<S: Io>(
    ws: &mut WebSocketStream<S>,
    feed: &dyn Feed,
    since: Option<i64>,
    s: &HubSettings,
) -> End {
    let sub = feed.subscribe(since);
    let mut rx = sub.rx;
    let mut last = since.unwrap_or(-1);
    // The last frame sent, when it was a snapshot: a resynchronisation that
    // would send the very same snapshot again is skipped.
    let mut sent_snapshot: Option<Utf8Bytes> = None;
    for frame in &sub.initial {
        if let Err(end) = send(ws, frame, s).await {
            return end;
        }
        last = frame.seq;
        sent_snapshot = snapshot_text(frame);
    }
    drop(sub.initial);
    let mut ping = tokio::time::interval_at(Instant::now() + s.ping_every, s.ping_every);
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
                    if let Err(end) = send(ws, &frame, s).await {
                        return end;
                    }
                    last = frame.seq;
                    sent_snapshot = snapshot_text(&frame);
                }
                Err(RecvError::Lagged(_)) => {
                    // Fell behind: never leave a gap, resynchronise from a
                    // snapshot (frames older than it are skipped above).
                    let frames = feed.resync();
                    // A worker's snapshot may be older than what this client
                    // holds: then the ring's changes after `last` suffice, if
                    // they join up with it.
                    let joins = frames.iter().any(|f| f.kind == FrameKind::Change && f.seq == last + 1)
                        || frames.iter().all(|f| f.kind == FrameKind::Snapshot || f.seq <= last);
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
                        if let Err(end) = send(ws, &frame, s).await {
                            return end;
                        }
                        last = frame.seq;
                        sent_snapshot = snapshot_text(&frame);
                    }
                }
                Err(RecvError::Closed) => return End::Restart,
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
