//! The subscribers: many WebSocket clients, each a small task that records
//! when each frame arrives and checks that sequence numbers are contiguous.
//!
//! This code runs in the client processes (`urne-load clients`, see
//! `share.rs`), each holding one [`Share`] of the run's subscribers: a
//! contiguous range of global client indices. Everything that depends on a
//! client's identity is derived from its global index, so the subscribers
//! behave the same however they are split over processes: its source
//! address, which server process it connects to (index mod the number of
//! processes), and whether it is one of those that stall.
//!
//! Source addresses are spread over 127.0.0.2–127.0.0.254 (each address has
//! its own ~28k ephemeral ports), so tens of thousands of connections fit.
//! A client decodes only the frame's header (`type` and `seq`, with the
//! typed protocol of `results-view`: [`Header`]), skipping the figures, so
//! the tool spends its CPU on the sockets rather than on building values.
//! A client chosen to stall stops polling its socket when told to: it then
//! reads nothing (not even pings), like a frozen phone.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures_util::StreamExt;
use results_view::protocol::{Header, Kind};
use tokio::net::TcpSocket;
use tokio::sync::{Semaphore, mpsc, watch};
use tokio::task::JoinHandle;
use tokio_tungstenite_axum::client_async_with_config;
use tokio_tungstenite_axum::tungstenite::Message;
use tokio_tungstenite_axum::tungstenite::protocol::WebSocketConfig;

use crate::clock::Origin;

/// What the control channel tells every client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    Run,
    /// Clients marked `stall` stop reading.
    Stall,
    Stop,
}

/// What one client saw.
#[derive(Debug, Default)]
pub struct ClientResult {
    /// Index of the server process it was connected to.
    pub target: usize,
    pub connected: bool,
    pub stalled: bool,
    /// (seq, arrival in µs since the run's origin) of every non-snapshot frame.
    pub arrivals: Vec<(u32, u32)>,
    /// For each gap: the seq at which it was seen and how many were missing.
    pub gaps: Vec<(u32, u32)>,
    /// Seqs of snapshots received after the first (resynchronisations).
    pub resyncs: Vec<u32>,
    /// (last seq covered, payload bytes) of every non-snapshot frame.
    pub frames: Vec<(u32, u32)>,
    /// The server closed the connection (code, last seq seen).
    pub closed_by_server: Option<(u16, i64)>,
}

/// Live figures of one client process.
#[derive(Debug, Default)]
pub struct Counters {
    pub open: AtomicUsize,
}

pub struct Fleet {
    pub handles: Vec<JoinHandle<ClientResult>>,
    pub control: watch::Sender<Control>,
    pub counters: Arc<Counters>,
    pub connected: usize,
    pub failed: usize,
    pub first_error: Option<String>,
}

fn client_config() -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(8 * 1024)
        .max_message_size(Some(4 << 20))
        .max_frame_size(Some(4 << 20))
}

/// The frame's kind (true for a snapshot) and the sequence numbers it
/// covers (`from..=seq`: several when the server coalesced changes).
pub fn parse(text: &str) -> Option<(bool, i64, i64)> {
    let h = Header::decode(text).ok()?;
    Some((h.kind == Kind::Snapshot, h.from.unwrap_or(h.seq), h.seq))
}

async fn connect(
    index: usize,
    server: SocketAddr,
    path: &str,
) -> anyhow::Result<tokio_tungstenite_axum::WebSocketStream<tokio::net::TcpStream>> {
    // 127.0.0.1 is the servers' own address; clients use .2 to .254.
    let last = u8::try_from(2 + index % 253).unwrap_or(2);
    let src = SocketAddr::new(Ipv4Addr::new(127, 0, 0, last).into(), 0);
    let socket = TcpSocket::new_v4()?;
    socket.bind(src)?;
    let stream = tokio::time::timeout(Duration::from_secs(10), socket.connect(server)).await??;
    stream.set_nodelay(true)?;
    let url = format!("ws://{server}{path}");
    let (ws, _) = tokio::time::timeout(
        Duration::from_secs(10),
        client_async_with_config(url, stream, Some(client_config())),
    )
    .await??;
    Ok(ws)
}

/// One client process's part of the run's subscribers.
#[derive(Debug, Clone)]
pub struct Share {
    /// Global index of the first client.
    pub first: usize,
    pub count: usize,
    /// The server processes; client `i` connects to `targets[i % len]`.
    pub targets: Vec<SocketAddr>,
    pub path: String,
    /// Client `i` stalls on [`Control::Stall`] when `i % k == k / 2`.
    pub stall_every: Option<usize>,
    pub origin: Origin,
    /// Frames each client will probably record (a capacity hint).
    pub expected_frames: usize,
    /// Handshakes in flight at once in this process.
    pub concurrency: usize,
}

/// Opens the share's subscribers. Returns once each has connected and
/// received its first frame, or failed.
pub async fn open(share: Share) -> Fleet {
    let Share {
        first,
        count: n,
        targets,
        path,
        stall_every,
        origin,
        expected_frames,
        concurrency,
    } = share;
    let (control, _) = watch::channel(Control::Run);
    let counters = Arc::new(Counters::default());
    let gate = Arc::new(Semaphore::new(concurrency.max(1)));
    let (ready_tx, mut ready_rx) = mpsc::channel::<Result<(), String>>(1024);
    let path = Arc::new(path);
    let mut handles = Vec::with_capacity(n);
    for i in first..first + n {
        let stall = stall_every.is_some_and(|k| i % k == k / 2);
        let target = i % targets.len().max(1);
        let Some(&server) = targets.get(target) else {
            break;
        };
        let ctl = control.subscribe();
        let gate = gate.clone();
        let ready = ready_tx.clone();
        let counters = counters.clone();
        let path = path.clone();
        handles.push(tokio::spawn(async move {
            let mut result = ClientResult {
                target,
                ..ClientResult::default()
            };
            let permit = gate.acquire_owned().await;
            let ws = match connect(i, server, &path).await {
                Ok(ws) => ws,
                Err(e) => {
                    drop(permit);
                    let _ = ready.send(Err(e.to_string())).await;
                    return result;
                }
            };
            result.connected = true;
            result.arrivals.reserve(expected_frames);
            counters.open.fetch_add(1, Ordering::Relaxed);
            run(ws, ctl, stall, origin, &mut result, permit, ready).await;
            counters.open.fetch_sub(1, Ordering::Relaxed);
            result
        }));
    }
    drop(ready_tx);
    let n = handles.len();
    let (mut connected, mut failed, mut first_error) = (0, 0, None);
    while let Some(r) = ready_rx.recv().await {
        match r {
            Ok(()) => connected += 1,
            Err(e) => {
                failed += 1;
                first_error.get_or_insert(e);
            }
        }
        if connected + failed == n {
            break;
        }
    }
    Fleet {
        handles,
        control,
        counters,
        connected,
        failed,
        first_error,
    }
}

async fn run(
    mut ws: tokio_tungstenite_axum::WebSocketStream<tokio::net::TcpStream>,
    mut ctl: watch::Receiver<Control>,
    stall: bool,
    origin: Origin,
    r: &mut ClientResult,
    permit: Result<tokio::sync::OwnedSemaphorePermit, tokio::sync::AcquireError>,
    ready: mpsc::Sender<Result<(), String>>,
) {
    let mut permit = Some(permit);
    let mut ready = Some(ready);
    let mut last: i64 = -1;
    let mut seen_snapshot = false;
    loop {
        tokio::select! {
            biased;
            changed = ctl.changed() => {
                let state = *ctl.borrow_and_update();
                if changed.is_err() || state == Control::Stop {
                    break;
                }
                if state == Control::Stall && stall {
                    r.stalled = true;
                    // Hold the socket without reading until the end.
                    while ctl.changed().await.is_ok() {
                        if *ctl.borrow_and_update() == Control::Stop {
                            break;
                        }
                    }
                    break;
                }
            }
            msg = ws.next() => {
                let at = origin.elapsed_us32();
                match msg {
                    Some(Ok(Message::Text(t))) => {
                        let Some((snapshot, from, seq)) = parse(t.as_str()) else { continue };
                        if snapshot {
                            if seen_snapshot {
                                r.resyncs.push(seq as u32);
                            }
                            seen_snapshot = true;
                        } else {
                            if last >= 0 && from > last + 1 {
                                r.gaps.push((seq as u32, (from - last - 1) as u32));
                            }
                            r.frames.push((seq as u32, u32::try_from(t.len()).unwrap_or(u32::MAX)));
                            // A coalesced frame delivers every change it covers.
                            for covered in from.max(last + 1)..=seq {
                                r.arrivals.push((covered as u32, at));
                            }
                        }
                        last = last.max(seq);
                        if let Some(ready) = ready.take() {
                            permit.take();
                            let _ = ready.send(Ok(())).await;
                        }
                    }
                    Some(Ok(Message::Close(frame))) => {
                        r.closed_by_server = Some((frame.map_or(1005, |f| u16::from(f.code)), last));
                        break;
                    }
                    Some(Ok(_)) => {}
                    Some(Err(_)) | None => {
                        r.closed_by_server = Some((1006, last));
                        break;
                    }
                }
            }
        }
    }
    if let Some(ready) = ready.take() {
        let _ = ready
            .send(Err("closed before the first frame".into()))
            .await;
    }
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn parses_kind_and_seq() {
        assert_eq!(
            parse(r#"{"type":"snapshot","election":"x","seq":12,"embargo":false}"#),
            Some((true, 12, 12))
        );
        assert_eq!(
            parse(r#"{"type":"delta","election":"x","from":5,"seq":7,"bureaux":{}}"#),
            Some((false, 5, 7))
        );
        assert_eq!(parse(r#"{"type":"seq","seq":3}"#), Some((false, 3, 3)));
        assert_eq!(parse("{}"), None);
    }
}
