//! The main process's side of the fan-out workers.
//!
//! One process can hold only as many connections as it may open files
//! (20,000 on the project's own machine, where the limit cannot be raised),
//! and one event loop does every public connection's writes. With
//! `urne serve --fanout-workers N`, the main process keeps the database, the
//! writes, the pages and the live state, and N child processes
//! (`urne fanout-worker`, [`super::worker`]) hold the public WebSocket
//! connections: once the main process has answered a client's upgrade, it
//! passes the connection's descriptor to a worker and closes its own copy.
//!
//! Each topic has one forwarder task, an ordinary subscriber of its public
//! view, which relays every frame's bytes to every worker over the worker's
//! pipe ([`super::wire`]), plus a snapshot for the worker's new subscribers
//! every [`SNAPSHOT_EVERY`] changes and after a second of quiet. A worker
//! that dies is started again; its clients reconnect with `since=N` and land
//! on a live worker.

use std::os::fd::OwnedFd;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock, Weak};
use std::time::Duration;

use bytes::Bytes;
use tokio::net::UnixStream;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::mpsc;

use super::replica::SNAPSHOT_EVERY;
use super::{FrameKind, Hub, HubSettings, Topic, View, wire};

enum Outgoing {
    Message(Bytes),
    Handoff(Bytes, OwnedFd),
}

/// Bytes queued for one worker beyond which it is taken for stuck and
/// restarted (its clients reconnect): the main process's memory stays bounded
/// whatever a worker does. The default of [`HubSettings::worker_queue_limit`].
pub const QUEUE_LIMIT: usize = results_view::hub::WORKER_QUEUE_LIMIT;

/// A topic quiet this long has its snapshot refreshed in the workers.
const SNAPSHOT_IDLE: Duration = Duration::from_secs(1);

/// The main process's end of one worker's pipe.
#[derive(Debug, Clone)]
struct Link {
    tx: mpsc::UnboundedSender<Outgoing>,
    /// Bytes handed to `tx` and not yet written to the pipe.
    queued: Arc<AtomicUsize>,
    /// Told when the queue passes `limit`.
    stuck: Arc<tokio::sync::Notify>,
    limit: usize,
}

impl Link {
    /// Queues a message unless the worker is too far behind.
    fn send(&self, out: Outgoing) -> Result<(), Outgoing> {
        let len = out.len();
        if self.queued.fetch_add(len, Ordering::SeqCst) + len > self.limit {
            self.queued.fetch_sub(len, Ordering::SeqCst);
            self.stuck.notify_one();
            return Err(out);
        }
        self.tx.send(out).map_err(|mpsc::error::SendError(out)| {
            self.queued.fetch_sub(len, Ordering::SeqCst);
            out
        })
    }

    /// Queues a message whatever the queue holds (a new worker's catch-up,
    /// bounded by the ring).
    fn send_unchecked(&self, out: Outgoing) {
        let len = out.len();
        self.queued.fetch_add(len, Ordering::SeqCst);
        if self.tx.send(out).is_err() {
            self.queued.fetch_sub(len, Ordering::SeqCst);
        }
    }
}

impl Outgoing {
    fn len(&self) -> usize {
        match self {
            Outgoing::Message(m) | Outgoing::Handoff(m, _) => m.len(),
        }
    }
}

/// The running workers.
#[derive(Debug)]
pub struct Workers {
    links: RwLock<Vec<Option<Link>>>,
    next: AtomicUsize,
    hub: Weak<Hub>,
    stopping: AtomicBool,
    /// Process id of each slot's current worker.
    pids: std::sync::Mutex<Vec<Option<u32>>>,
    /// Connections each slot's worker holds, as it last reported them.
    counts: Vec<AtomicUsize>,
}

/// One worker as `/api/health` shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct WorkerStatus {
    pub slot: usize,
    pub pid: Option<u32>,
    /// Taking connections and frames.
    pub alive: bool,
    pub connections: usize,
}

impl std::fmt::Debug for Outgoing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Outgoing::Message(_) => "Message",
            Outgoing::Handoff(..) => "Handoff",
        })
    }
}

/// How to start a worker.
#[derive(Debug, Clone)]
pub struct WorkerCommand {
    /// The `urne` executable.
    pub exe: PathBuf,
    pub settings: HubSettings,
}

impl WorkerCommand {
    fn command(&self, pipe: OwnedFd) -> tokio::process::Command {
        let s = &self.settings;
        let mut cmd = tokio::process::Command::new(&self.exe);
        cmd.arg("fanout-worker")
            .arg("--channel-capacity")
            .arg(s.channel_capacity.to_string())
            .arg("--send-timeout-ms")
            .arg(s.send_timeout.as_millis().to_string())
            .arg("--ping-every-ms")
            .arg(s.ping_every.as_millis().to_string())
            .arg("--idle-limit-ms")
            .arg(s.idle_limit.as_millis().to_string())
            .stdin(Stdio::from(pipe))
            .stdout(Stdio::null())
            .kill_on_drop(true);
        cmd
    }
}

impl Workers {
    /// Starts `count` workers (and restarts any that stops) and attaches them
    /// to `hub`. Returns once each has been started once.
    pub async fn start(
        hub: &Arc<Hub>,
        count: usize,
        command: WorkerCommand,
    ) -> anyhow::Result<Arc<Workers>> {
        let workers = Arc::new(Workers {
            links: RwLock::new((0..count).map(|_| None).collect()),
            next: AtomicUsize::new(0),
            hub: Arc::downgrade(hub),
            stopping: AtomicBool::new(false),
            pids: std::sync::Mutex::new(vec![None; count]),
            counts: (0..count).map(|_| AtomicUsize::new(0)).collect(),
        });
        for slot in 0..count {
            let (child, stream) = workers.launch(slot, &command)?;
            tokio::spawn(
                workers
                    .clone()
                    .supervise(slot, command.clone(), child, stream),
            );
        }
        hub.attach_workers(workers.clone());
        Ok(workers)
    }

    /// Whether any worker can take a connection.
    pub fn any_alive(&self) -> bool {
        self.read_links().iter().any(Option::is_some)
    }

    /// Process ids of the running workers.
    pub fn pids(&self) -> Vec<u32> {
        self.pids
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .flatten()
            .copied()
            .collect()
    }

    /// Each worker's state, for operators.
    pub fn status(&self) -> Vec<WorkerStatus> {
        let links = self.read_links();
        let pids = self.pids.lock().unwrap_or_else(|e| e.into_inner()).clone();
        (0..links.len())
            .map(|slot| WorkerStatus {
                slot,
                pid: pids.get(slot).copied().flatten(),
                alive: links[slot].is_some(),
                connections: self.counts[slot].load(Ordering::Relaxed),
            })
            .collect()
    }

    /// Stops restarting workers and lets them go (their clients see the
    /// connection close and reconnect elsewhere).
    pub fn stop(&self) {
        self.stopping.store(true, Ordering::SeqCst);
        let mut links = self.links.write().unwrap_or_else(|e| e.into_inner());
        for link in links.iter_mut() {
            *link = None;
        }
    }

    fn read_links(&self) -> std::sync::RwLockReadGuard<'_, Vec<Option<Link>>> {
        self.links.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Hands an upgraded connection to a worker, round robin over the live
    /// ones; gives the descriptor and the bytes back if none is left.
    #[allow(clippy::result_large_err)]
    pub fn handoff(
        &self,
        election: &str,
        since: Option<i64>,
        deflate: bool,
        prefix: Bytes,
        fd: OwnedFd,
    ) -> Result<(), (OwnedFd, Bytes)> {
        let links = self.read_links();
        let n = links.len();
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        let msg = wire::encode_handoff(election, since, deflate, &prefix);
        let mut out = Outgoing::Handoff(msg, fd);
        // The live workers, least loaded first (ties in turn).
        let mut order: Vec<usize> = (0..n)
            .map(|i| (start + i) % n)
            .filter(|&slot| links[slot].is_some())
            .collect();
        order.sort_by_key(|&slot| self.counts[slot].load(Ordering::Relaxed));
        for slot in order {
            let Some(link) = &links[slot] else {
                continue;
            };
            match link.send(out) {
                Ok(()) => {
                    // Counted now; the worker's next report corrects it.
                    self.counts[slot].fetch_add(1, Ordering::Relaxed);
                    return Ok(());
                }
                Err(back) => out = back,
            }
        }
        let Outgoing::Handoff(_, fd) = out else {
            return Ok(());
        };
        Err((fd, prefix))
    }

    fn broadcast(&self, msg: Bytes) {
        for (slot, link) in self.read_links().iter().enumerate() {
            if let Some(link) = link
                && link.send(Outgoing::Message(msg.clone())).is_err()
            {
                tracing::warn!(slot, "fan-out worker does not keep up with its pipe");
            }
        }
    }

    /// Relays a topic's public frames to every worker, until the topic goes.
    pub fn follow(self: &Arc<Self>, topic: Arc<Topic>) {
        let workers = Arc::downgrade(self);
        let id = topic.id.clone();
        // Subscribe now, so that no frame published from here on is missed.
        let sub = topic.subscribe(View::Public, None);
        let topic = Arc::downgrade(&topic);
        // Queued before this returns, hence before any hand-over of a client
        // of this election. A broadcast snapshot: a replaced election resets
        // the workers' copy.
        let mut snap_seq = i64::MIN;
        for frame in &sub.initial {
            self.broadcast(wire::encode_frame(&id, frame, false));
            snap_seq = frame.seq;
        }
        tokio::spawn(async move {
            let mut rx = sub.rx;
            // Sends the topic's current snapshot to every worker, to keep
            // (`for_clients` false) or for every subscriber; its seq, or
            // `None` once the topic or the workers are gone.
            let send_snapshot = |for_clients: bool| {
                let (topic, w) = (topic.upgrade()?, workers.upgrade()?);
                let snap = topic.snapshot(View::Public);
                w.broadcast(wire::encode_frame(&id, &snap, !for_clients));
                Some(snap.seq)
            };
            // Changes forwarded since the last snapshot sent.
            let mut stale = false;
            loop {
                let frame = match tokio::time::timeout(SNAPSHOT_IDLE, rx.recv()).await {
                    // Quiet for a while: bring the workers' snapshot up to date,
                    // once, so that new subscribers start from the latest state.
                    Err(_) if stale => {
                        let Some(seq) = send_snapshot(false) else {
                            break;
                        };
                        (snap_seq, stale) = (seq, false);
                        continue;
                    }
                    Err(_) => continue,
                    Ok(Ok(frame)) => frame,
                    Ok(Err(RecvError::Lagged(_))) => {
                        // Never a gap: every worker's subscribers get a snapshot.
                        let Some(seq) = send_snapshot(true) else {
                            break;
                        };
                        (snap_seq, stale) = (seq, false);
                        continue;
                    }
                    Ok(Err(RecvError::Closed)) => break,
                };
                let Some(w) = workers.upgrade() else { break };
                w.broadcast(wire::encode_frame(&id, &frame, false));
                if frame.kind == FrameKind::Snapshot {
                    (snap_seq, stale) = (frame.seq, false);
                } else if frame.seq - snap_seq >= SNAPSHOT_EVERY {
                    // Not on every change: a snapshot of a large election is
                    // megabytes. New subscribers meanwhile get the snapshot
                    // and the ring's changes after it.
                    let Some(seq) = send_snapshot(false) else {
                        break;
                    };
                    (snap_seq, stale) = (seq, false);
                } else {
                    stale = true;
                }
            }
        });
    }

    fn launch(
        &self,
        slot: usize,
        command: &WorkerCommand,
    ) -> anyhow::Result<(tokio::process::Child, UnixStream)> {
        let (ours, theirs) = std::os::unix::net::UnixStream::pair()?;
        ours.set_nonblocking(true)?;
        let child = command
            .command(OwnedFd::from(theirs))
            .spawn()
            .map_err(|e| {
                anyhow::anyhow!("cannot start fan-out worker {}: {e}", command.exe.display())
            })?;
        tracing::info!(slot, pid = child.id(), "fan-out worker started");
        if let Some(p) = self
            .pids
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get_mut(slot)
        {
            *p = child.id();
        }
        let stream = UnixStream::from_std(ours)?;
        Ok((child, stream))
    }

    /// Registers a started worker: from now on it receives every frame,
    /// starting with a snapshot of every topic.
    fn register(&self, slot: usize, link: Link) {
        let mut links = self.links.write().unwrap_or_else(|e| e.into_inner());
        if self.stopping.load(Ordering::SeqCst) {
            return;
        }
        // Under the write lock: no forwarder sends between the snapshot and
        // the registration, so the worker misses nothing.
        // The ring first (clients that reconnect after a worker died resume
        // from it), then the snapshot new clients start from.
        if let Some(hub) = self.hub.upgrade() {
            for topic in hub.list() {
                let (id, topic) = (&topic.id, &topic);
                for frame in topic.ring(View::Public) {
                    link.send_unchecked(Outgoing::Message(wire::encode_frame(id, &frame, false)));
                }
                let snap = topic.snapshot(View::Public);
                link.send_unchecked(Outgoing::Message(wire::encode_frame(id, &snap, true)));
            }
        }
        if let Some(l) = links.get_mut(slot) {
            *l = Some(link);
        }
    }

    fn unregister(&self, slot: usize) {
        let mut links = self.links.write().unwrap_or_else(|e| e.into_inner());
        if let Some(link) = links.get_mut(slot) {
            *link = None;
        }
        if let Some(count) = self.counts.get(slot) {
            count.store(0, Ordering::Relaxed);
        }
    }

    async fn supervise(
        self: Arc<Self>,
        slot: usize,
        command: WorkerCommand,
        mut child: tokio::process::Child,
        mut stream: UnixStream,
    ) {
        loop {
            let (tx, mut rx) = mpsc::unbounded_channel::<Outgoing>();
            let link = Link {
                tx,
                queued: Arc::new(AtomicUsize::new(0)),
                stuck: Arc::new(tokio::sync::Notify::new()),
                limit: command.settings.worker_queue_limit,
            };
            let (queued, stuck) = (link.queued.clone(), link.stuck.clone());
            self.register(slot, link);
            let writing = async {
                while let Some(out) = rx.recv().await {
                    let sent = match &out {
                        Outgoing::Message(msg) => wire::send(&stream, msg, None).await,
                        Outgoing::Handoff(msg, fd) => wire::send(&stream, msg, Some(fd)).await,
                    };
                    queued.fetch_sub(out.len(), Ordering::SeqCst);
                    // The descriptor, if any, is closed here: the worker has its own.
                    drop(out);
                    sent?;
                }
                Ok::<(), std::io::Error>(())
            };
            let reading = async {
                let mut reports = wire::ReportReader::default();
                while let Some(n) = reports.next(&stream).await? {
                    if let Some(count) = self.counts.get(slot) {
                        count.store(usize::try_from(n).unwrap_or(usize::MAX), Ordering::Relaxed);
                    }
                }
                Ok::<(), std::io::Error>(())
            };
            tokio::select! {
                status = child.wait() => {
                    tracing::warn!(slot, ?status, "fan-out worker stopped");
                }
                r = reading => {
                    if let Err(e) = r {
                        tracing::warn!(slot, "fan-out worker pipe: {e}");
                    }
                    let _ = child.kill().await;
                }
                () = stuck.notified() => {
                    tracing::error!(slot, "fan-out worker stuck (its pipe is {} KiB behind): restarting it", command.settings.worker_queue_limit >> 10);
                    let _ = child.kill().await;
                }
                r = writing => {
                    if let Err(e) = r {
                        tracing::warn!(slot, "fan-out worker pipe: {e}");
                    }
                    let _ = child.kill().await;
                }
            }
            self.unregister(slot);
            if self.stopping.load(Ordering::SeqCst) || self.hub.strong_count() == 0 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
            match self.launch(slot, &command) {
                Ok((c, s)) => (child, stream) = (c, s),
                Err(e) => {
                    tracing::error!(slot, "{e}");
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    match self.launch(slot, &command) {
                        Ok((c, s)) => (child, stream) = (c, s),
                        Err(_) => return,
                    }
                }
            }
        }
    }
}
