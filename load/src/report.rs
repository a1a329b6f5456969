//! Turning what the driver and the clients recorded into figures.
//!
//! Latency is measured from the instant the driver got the server's answer
//! to a change (the change is committed and already handed to the fan-out
//! when the answer leaves) to the instant a client read the frame carrying
//! its sequence number. The driver runs in the parent process and the
//! clients in child processes; both instants are read on CLOCK_MONOTONIC as
//! microseconds since the same origin (`clock.rs`), so their difference is
//! exact. When the server is several processes that each take the change
//! (the reference), a client's latency counts from the answer of the process
//! it is connected to, and its sequence numbers are that process's. When
//! Urne is a cluster, every change is entered on the first instance and its
//! answer times every client's latency, wherever it is connected: the
//! figures per instance then compare a subscriber of the instance that
//! committed (local) with one of an instance that learned the commit from
//! PostgreSQL (remote).
//! The client processes' records are merged into one list before analysis,
//! so the figures do not depend on how the clients were split. Clients that
//! stopped reading are left out of the latency, gap and delivery figures of
//! the phase in which they stalled.

use std::collections::HashMap;
use std::time::Duration;

use hdrhistogram::Histogram;
use serde_json::{Value, json};

use crate::Measured;
use crate::clients::ClientResult;

/// One change made by the driver (times since the measurement's origin).
#[derive(Debug, Clone)]
pub struct Tick {
    pub sent: Duration,
    /// Per server process subscribers connect to (one for Urne).
    pub acks: Vec<Ack>,
}

/// A server process's answer to a change.
#[derive(Debug, Clone, Copy)]
pub struct Ack {
    pub seq: i64,
    pub at: Duration,
}

pub struct RunInfo {
    pub subscribers: usize,
    pub rate: f64,
    pub duration: u64,
    pub stalled_percent: f64,
    pub frame_size: usize,
    /// The same frame as sent to a client that negotiated permessage-deflate.
    pub deflated_size: usize,
    pub client_processes: usize,
    pub fanout_workers: usize,
    /// Urne instances (a cluster when more than one).
    pub instances: usize,
}

/// Percentiles of a latency histogram, in milliseconds.
#[derive(Debug, Clone, Copy, Default)]
pub struct Lat {
    pub p50: f64,
    pub p99: f64,
    pub max: f64,
}

impl Lat {
    fn of(h: &Histogram<u64>) -> Lat {
        if h.is_empty() {
            return Lat::default();
        }
        Lat {
            p50: h.value_at_quantile(0.50) as f64 / 1000.0,
            p99: h.value_at_quantile(0.99) as f64 / 1000.0,
            max: h.max() as f64 / 1000.0,
        }
    }
    fn json(&self) -> Value {
        json!({ "p50_ms": self.p50, "p99_ms": self.p99, "max_ms": self.max })
    }
}

pub struct Phase {
    pub label: &'static str,
    pub stall: bool,
    pub ticks: Vec<Tick>,
    pub began: Duration,
    pub ended: Duration,
    pub rss_end: u64,
    pub kernel_tcp_end: u64,
    pub open_end: usize,
    pub healthy: usize,
    pub stalled: usize,
    pub delivered: u64,
    pub missing: u64,
    pub gaps: u64,
    pub gap_events: u64,
    pub resyncs: u64,
    pub healthy_closed: u64,
    /// Commit → each healthy client.
    pub latency: Lat,
    /// Request sent → each healthy client (includes the commit itself).
    pub latency_from_request: Lat,
    /// Commit → the last healthy client, per change.
    pub last_subscriber: Lat,
    /// Request → answer at the driver (each process's answer, for the reference).
    pub commit: Lat,
    /// CPU seconds the server used during the phase (and its 2 s drain).
    pub server_cpu: f64,
    /// What the healthy clients received in the phase (non-snapshot frames).
    pub bytes: Bytes,
    /// The same figures per process subscribers connect to (per instance of
    /// a cluster), in the order of the server's targets.
    pub per_target: Vec<TargetFigures>,
}

/// One server process's (one instance's) share of a phase.
#[derive(Debug, Clone, Copy, Default)]
pub struct TargetFigures {
    pub healthy: usize,
    pub delivered: u64,
    pub gaps: u64,
    /// Commit → each of its healthy clients.
    pub latency: Lat,
    /// Commit → its last healthy client, per change.
    pub last_subscriber: Lat,
}

impl TargetFigures {
    fn json(&self) -> Value {
        json!({
            "healthy_clients": self.healthy,
            "delivered": self.delivered,
            "gaps": self.gaps,
            "latency": self.latency.json(),
            "last_subscriber": self.last_subscriber.json(),
        })
    }
}

/// Histograms of one target while a phase is analysed.
struct TargetAcc {
    healthy: usize,
    delivered: u64,
    gaps: u64,
    latency: Histogram<u64>,
    last: Vec<Option<u64>>,
}

/// Bytes received, and what they cost on the wire.
#[derive(Debug, Clone, Copy, Default)]
pub struct Bytes {
    pub frames: u64,
    /// Message payloads (the JSON text).
    pub payload: u64,
    /// WebSocket frames: payload and frame header.
    pub websocket: u64,
    /// On an Ethernet link, computed: each frame in TCP segments of
    /// [`MSS`] bytes, each segment with [`PER_SEGMENT`] bytes of TCP/IP and
    /// Ethernet overhead (no TLS, no ACKs: those are the other way).
    pub ethernet: u64,
}

/// TCP payload per segment (MTU 1,500 with timestamps).
pub const MSS: u64 = 1448;
/// TCP (20 + 12 of timestamps) + IPv4 (20) + Ethernet header, FCS,
/// preamble and inter-frame gap (14 + 4 + 8 + 12).
pub const PER_SEGMENT: u64 = 90;
/// A 1 Gbit/s port, in bytes per second.
pub const GIGABIT_PORT: f64 = 125_000_000.0;

impl Bytes {
    /// Adds one message of `payload` bytes.
    pub fn add(&mut self, payload: u64) {
        let header = if payload < 126 {
            2
        } else if payload < 65_536 {
            4
        } else {
            10
        };
        let ws = payload + header;
        self.frames += 1;
        self.payload += payload;
        self.websocket += ws;
        self.ethernet += ws + ws.div_ceil(MSS) * PER_SEGMENT;
    }
}

fn hist() -> Histogram<u64> {
    // 1 µs to 10 min, 3 significant digits; cannot fail with these bounds.
    Histogram::new_with_bounds(1, 600_000_000, 3).expect("valid histogram bounds")
}

fn us(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

impl Phase {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        label: &'static str,
        stall: bool,
        ticks: Vec<Tick>,
        began: Duration,
        ended: Duration,
        rss_end: u64,
        kernel_tcp_end: u64,
        open_end: usize,
    ) -> Phase {
        Phase {
            label,
            stall,
            ticks,
            began,
            ended,
            rss_end,
            kernel_tcp_end,
            open_end,
            healthy: 0,
            stalled: 0,
            delivered: 0,
            missing: 0,
            gaps: 0,
            gap_events: 0,
            resyncs: 0,
            healthy_closed: 0,
            latency: Lat::default(),
            latency_from_request: Lat::default(),
            last_subscriber: Lat::default(),
            commit: Lat::default(),
            server_cpu: 0.0,
            bytes: Bytes::default(),
            per_target: Vec::new(),
        }
    }

    /// Commit → last subscriber p99 of the worst remote instance minus that
    /// of the local one (the first, where changes are entered), in ms; `None`
    /// unless there are several targets.
    pub fn remote_extra_p99(&self) -> Option<f64> {
        let (local, remote) = self.per_target.split_first()?;
        let worst = remote
            .iter()
            .map(|t| t.last_subscriber.p99)
            .reduce(f64::max)?;
        Some(worst - local.last_subscriber.p99)
    }

    /// Server CPU time per delivered message, in microseconds.
    pub fn cpu_per_msg_us(&self) -> f64 {
        if self.delivered == 0 {
            return 0.0;
        }
        self.server_cpu * 1e6 / self.delivered as f64
    }

    pub fn msgs_per_s(&self) -> f64 {
        let secs = (self.ended - self.began).as_secs_f64();
        if secs > 0.0 {
            self.delivered as f64 / secs
        } else {
            0.0
        }
    }

    pub fn analyse(&mut self, clients: &[ClientResult]) {
        // Per server process: its seq → the tick that made it, and the
        // range of its seqs in the phase.
        let targets = self.ticks.iter().map(|t| t.acks.len()).max().unwrap_or(0);
        let mut index: Vec<HashMap<u32, usize>> =
            vec![HashMap::with_capacity(self.ticks.len()); targets];
        let mut range: Vec<(i64, i64)> = vec![(i64::MAX, -1); targets];
        let mut commit = hist();
        for (i, t) in self.ticks.iter().enumerate() {
            for (target, a) in t.acks.iter().enumerate() {
                index[target].insert(a.seq as u32, i);
                range[target].0 = range[target].0.min(a.seq);
                range[target].1 = range[target].1.max(a.seq);
                let _ = commit.record(us(a.at.saturating_sub(t.sent)).max(1));
            }
        }
        let (mut lat, mut from_req) = (hist(), hist());
        // Per tick: the latency of its last healthy client.
        let mut last: Vec<Option<u64>> = vec![None; self.ticks.len()];
        // One answer for every client (Urne, one instance or a cluster), or
        // one per process (the reference).
        let slot = |target: usize| if targets == 1 { 0 } else { target };
        let mut per: Vec<TargetAcc> = Vec::new();
        for c in clients.iter().filter(|c| c.connected) {
            if self.stall && c.stalled {
                self.stalled += 1;
                continue;
            }
            self.healthy += 1;
            while per.len() <= c.target {
                per.push(TargetAcc {
                    healthy: 0,
                    delivered: 0,
                    gaps: 0,
                    latency: hist(),
                    last: vec![None; self.ticks.len()],
                });
            }
            let acc = &mut per[c.target];
            acc.healthy += 1;
            let (Some(index), Some(&(lo, hi))) =
                (index.get(slot(c.target)), range.get(slot(c.target)))
            else {
                continue;
            };
            let in_phase = |seq: u32| i64::from(seq) >= lo && i64::from(seq) <= hi;
            for &(seq, at) in &c.arrivals {
                let Some(&i) = index.get(&seq) else {
                    continue;
                };
                let tick = &self.ticks[i];
                let Some(ack) = tick.acks.get(slot(c.target)) else {
                    continue;
                };
                let at = u64::from(at);
                let latency = at.saturating_sub(us(ack.at)).max(1);
                let _ = lat.record(latency);
                let _ = acc.latency.record(latency);
                let _ = from_req.record(at.saturating_sub(us(tick.sent)).max(1));
                last[i] = Some(last[i].map_or(latency, |l| l.max(latency)));
                acc.last[i] = Some(acc.last[i].map_or(latency, |l| l.max(latency)));
                self.delivered += 1;
                acc.delivered += 1;
            }
            for &(seq, missing) in &c.gaps {
                if in_phase(seq) {
                    self.gaps += u64::from(missing);
                    acc.gaps += u64::from(missing);
                    self.gap_events += 1;
                }
            }
            self.resyncs += c.resyncs.iter().filter(|s| in_phase(**s)).count() as u64;
            for &(seq, len) in &c.frames {
                if in_phase(seq) {
                    self.bytes.add(u64::from(len));
                }
            }
            if let Some((_, seq)) = c.closed_by_server
                && seq < hi
                && seq >= lo - 1
            {
                self.healthy_closed += 1;
            }
        }
        let last_of = |last: Vec<Option<u64>>| {
            let mut h = hist();
            for l in last.into_iter().flatten() {
                let _ = h.record(l);
            }
            Lat::of(&h)
        };
        self.per_target = per
            .into_iter()
            .map(|a| TargetFigures {
                healthy: a.healthy,
                delivered: a.delivered,
                gaps: a.gaps,
                latency: Lat::of(&a.latency),
                last_subscriber: last_of(a.last),
            })
            .collect();
        self.missing =
            (self.healthy as u64 * self.ticks.len() as u64).saturating_sub(self.delivered);
        self.latency = Lat::of(&lat);
        self.latency_from_request = Lat::of(&from_req);
        self.last_subscriber = last_of(last);
        self.commit = Lat::of(&commit);
    }

    /// Bytes per delivered change: payload, WebSocket, Ethernet.
    pub fn per_change(&self) -> (f64, f64, f64) {
        if self.delivered == 0 {
            return (0.0, 0.0, 0.0);
        }
        let d = self.delivered as f64;
        (
            self.bytes.payload as f64 / d,
            self.bytes.websocket as f64 / d,
            self.bytes.ethernet as f64 / d,
        )
    }

    /// Egress in bits per second, on the wire (Ethernet, computed).
    pub fn egress_bits(&self) -> f64 {
        let secs = (self.ended - self.began).as_secs_f64();
        if secs > 0.0 {
            self.bytes.ethernet as f64 * 8.0 / secs
        } else {
            0.0
        }
    }

    fn bytes_json(&self, subscribers: usize) -> Value {
        let (payload, ws, eth) = self.per_change();
        json!({
            "frames": self.bytes.frames,
            "payload_bytes": self.bytes.payload,
            "websocket_bytes": self.bytes.websocket,
            "ethernet_bytes": self.bytes.ethernet,
            "payload_per_change": payload,
            "websocket_per_change": ws,
            "ethernet_per_change": eth,
            "egress_bits_per_s": self.egress_bits(),
            "gigabit_port_changes_per_s": port_rate(subscribers, eth),
        })
    }

    fn json(&self) -> Value {
        json!({
            "phase": self.label,
            "changes": self.ticks.len(),
            "seconds": (self.ended - self.began).as_secs_f64(),
            "healthy_clients": self.healthy,
            "stalled_clients": self.stalled,
            "delivered": self.delivered,
            "messages_per_s": self.msgs_per_s(),
            "missing": self.missing,
            "gaps": self.gaps,
            "gap_events": self.gap_events,
            "resyncs": self.resyncs,
            "healthy_closed_by_server": self.healthy_closed,
            "latency": self.latency.json(),
            "latency_from_request": self.latency_from_request.json(),
            "last_subscriber": self.last_subscriber.json(),
            "commit": self.commit.json(),
            "server_cpu_s": self.server_cpu,
            "server_cpu_per_message_us": self.cpu_per_msg_us(),
            "server_rss_end": self.rss_end,
            "kernel_tcp_mem_end": self.kernel_tcp_end,
            "clients_open_end": self.open_end,
            "bytes": self.bytes_json(self.healthy + self.stalled),
            "per_target": self.per_target.iter().map(TargetFigures::json).collect::<Vec<_>>(),
            "remote_extra_last_subscriber_p99_ms": self.remote_extra_p99(),
        })
    }
}

/// Changes per second a 1 Gbit/s port carries to `subscribers` at
/// `per_change` bytes each.
pub fn port_rate(subscribers: usize, per_change: f64) -> f64 {
    let per = subscribers as f64 * per_change;
    if per > 0.0 { GIGABIT_PORT / per } else { 0.0 }
}

impl Measured {
    pub fn rss_per_conn(&self) -> f64 {
        if self.connected == 0 {
            return 0.0;
        }
        self.rss_idle.saturating_sub(self.rss_before) as f64 / self.connected as f64
    }

    fn json(&self) -> Value {
        json!({
            "server": self.name,
            "server_processes": self.processes,
            "connected": self.connected,
            "connect_seconds": self.connect_seconds,
            "failed": self.failed,
            "first_error": self.first_error,
            "rss_before": self.rss_before,
            "rss_idle": self.rss_idle,
            "rss_per_idle_connection": self.rss_per_conn(),
            "kernel_tcp_mem_idle": self.kernel_tcp_idle,
            "phases": self.phases.iter().map(Phase::json).collect::<Vec<_>>(),
        })
    }
}

fn mib(b: u64) -> f64 {
    b as f64 / 1048576.0
}

fn ratio(a: f64, b: f64) -> Option<f64> {
    (b > 0.0).then(|| a / b)
}

fn fmt_ratio(r: Option<f64>) -> String {
    r.map_or_else(|| "n/a".to_string(), |r| format!("{r:.2}"))
}

fn section(m: &Measured, out: &mut String) {
    use std::fmt::Write;
    let _ = writeln!(
        out,
        "\n## {}\nserver processes: {} (memory and CPU are their sum)\nconnections held: {} (failed {}{}), opened in {:.1} s\nserver RSS: {:.1} MiB before, {:.1} MiB with the idle connections → {:.0} B ({:.2} KiB) per idle connection\nkernel TCP buffers (whole machine, both ends): {:.1} MiB idle",
        m.name,
        m.processes,
        m.connected,
        m.failed,
        m.first_error
            .as_deref()
            .map(|e| format!("; first error: {e}"))
            .unwrap_or_default(),
        m.connect_seconds,
        mib(m.rss_before),
        mib(m.rss_idle),
        m.rss_per_conn(),
        m.rss_per_conn() / 1024.0,
        mib(m.kernel_tcp_idle),
    );
    for p in &m.phases {
        let (payload, ws, eth) = p.per_change();
        let _ = writeln!(
            out,
            "- {}: bytes per delivered change: payload {payload:.0} B, WebSocket {ws:.0} B, on the wire {eth:.0} B (Ethernet, computed; {} frames for {} changes)\n    egress {:.1} Mbit/s; a 1 Gbit/s port carries {:.1} changes/s to these {} clients",
            p.label,
            p.bytes.frames,
            p.delivered,
            p.egress_bits() / 1e6,
            port_rate(p.healthy + p.stalled, eth),
            p.healthy + p.stalled,
        );
        let _ = writeln!(
            out,
            "- {}: {} changes in {:.1} s to {} reading clients ({} stalled)\n    delivered {} ({:.0} msg/s), missing {}, gaps {} ({} events), resyncs {}, healthy closed by server {}\n    commit → client   p50 {:.1} ms  p99 {:.1} ms  max {:.1} ms\n    request → client  p50 {:.1} ms  p99 {:.1} ms  max {:.1} ms\n    commit → last client of a change  p50 {:.1} ms  p99 {:.1} ms  max {:.1} ms\n    request → answer (commit)  p50 {:.1} ms  p99 {:.1} ms\n    server CPU {:.1} s ({:.2} µs per delivered message)\n    server RSS at end {:.1} MiB, kernel TCP buffers {:.1} MiB, clients open {}",
            p.label,
            p.ticks.len(),
            (p.ended - p.began).as_secs_f64(),
            p.healthy,
            p.stalled,
            p.delivered,
            p.msgs_per_s(),
            p.missing,
            p.gaps,
            p.gap_events,
            p.resyncs,
            p.healthy_closed,
            p.latency.p50,
            p.latency.p99,
            p.latency.max,
            p.latency_from_request.p50,
            p.latency_from_request.p99,
            p.latency_from_request.max,
            p.last_subscriber.p50,
            p.last_subscriber.p99,
            p.last_subscriber.max,
            p.commit.p50,
            p.commit.p99,
            p.server_cpu,
            p.cpu_per_msg_us(),
            mib(p.rss_end),
            mib(p.kernel_tcp_end),
            p.open_end,
        );
    }
}

/// Each instance's share of each phase, and the remote instances' extra
/// delay over the local one.
fn cluster_text(m: &Measured, out: &mut String) {
    use std::fmt::Write;
    let _ = writeln!(
        out,
        "\n## urne per instance (changes entered on instance 0; the others follow PostgreSQL's log)"
    );
    for p in &m.phases {
        for (i, t) in p.per_target.iter().enumerate() {
            let _ = writeln!(
                out,
                "- {}: instance {i} ({}): {} reading clients, delivered {}, gaps {}\n    commit → client  p50 {:.1} ms  p99 {:.1} ms  max {:.1} ms\n    commit → last client of a change  p50 {:.1} ms  p99 {:.1} ms  max {:.1} ms",
                p.label,
                if i == 0 { "local" } else { "remote" },
                t.healthy,
                t.delivered,
                t.gaps,
                t.latency.p50,
                t.latency.p99,
                t.latency.max,
                t.last_subscriber.p50,
                t.last_subscriber.p99,
                t.last_subscriber.max,
            );
        }
        if let Some(extra) = p.remote_extra_p99() {
            let _ = writeln!(
                out,
                "- {}: remote extra delay (last subscriber p99, worst remote − local): {extra:+.1} ms",
                p.label
            );
        }
    }
}

/// Ratios of ours to the reference, and the stalled phase's effect.
fn ratios(ours: &Measured, reference: Option<&Measured>) -> Value {
    let a = ours.phases.first();
    let b = ours.phases.get(1);
    let stall_rise = match (a, b) {
        (Some(a), Some(b)) => ratio(b.latency.p99, a.latency.p99).map(|r| r - 1.0),
        _ => None,
    };
    let mut v = json!({ "urne_healthy_p99_rise_with_stalled": stall_rise });
    if let (Some(r), Some(a)) = (reference, a)
        && let Some(ra) = r.phases.first()
    {
        v["messages_per_s"] = json!(ratio(a.msgs_per_s(), ra.msgs_per_s()));
        v["p99"] = json!(ratio(a.latency.p99, ra.latency.p99));
        v["last_subscriber_p99"] = json!(ratio(a.last_subscriber.p99, ra.last_subscriber.p99));
        v["rss_per_connection"] = json!(ratio(ours.rss_per_conn(), r.rss_per_conn()));
        v["cpu_per_message"] = json!(ratio(a.cpu_per_msg_us(), ra.cpu_per_msg_us()));
        if let (Some(b), Some(rb)) = (b, r.phases.get(1)) {
            v["stalled_messages_per_s"] = json!(ratio(b.msgs_per_s(), rb.msgs_per_s()));
            v["stalled_p99"] = json!(ratio(b.latency.p99, rb.latency.p99));
        }
    }
    v
}

pub fn render(info: &RunInfo, ours: &Measured, reference: Option<&Measured>) -> String {
    use std::fmt::Write;
    let mut out = format!(
        "# urne-load: {} subscribers in {} client processes, {} changes/s, {} s per phase, {} % stalled in phase 2, frames of {} bytes, urne: {} instance(s) with {} fan-out workers each",
        info.subscribers,
        info.client_processes,
        info.rate,
        info.duration,
        info.stalled_percent,
        info.frame_size,
        info.instances,
        info.fanout_workers
    );
    section(ours, &mut out);
    if info.instances > 1 {
        cluster_text(ours, &mut out);
    }
    if let Some(r) = reference {
        section(r, &mut out);
    }
    let _ = writeln!(out, "\n## egress (computed from the frames measured)");
    let _ = writeln!(out, "{}", egress_text(info, ours));
    let v = ratios(ours, reference);
    let get = |k: &str| v.get(k).and_then(Value::as_f64);
    let _ = writeln!(out, "\n## ratios (urne / reference)");
    let _ = writeln!(
        out,
        "messages/s {}   p99 {}   last-subscriber p99 {}   RSS per connection {}   server CPU per message {}",
        fmt_ratio(get("messages_per_s")),
        fmt_ratio(get("p99")),
        fmt_ratio(get("last_subscriber_p99")),
        fmt_ratio(get("rss_per_connection")),
        fmt_ratio(get("cpu_per_message")),
    );
    let _ = writeln!(
        out,
        "with stalled clients: messages/s {}   p99 {}",
        fmt_ratio(get("stalled_messages_per_s")),
        fmt_ratio(get("stalled_p99")),
    );
    let _ = writeln!(
        out,
        "urne healthy p99 rise when clients stall: {}",
        get("urne_healthy_p99_rise_with_stalled")
            .map_or_else(|| "n/a".to_string(), |r| format!("{:+.1} %", r * 100.0))
    );
    out
}

/// Bytes per change of the first phase, at 20,000 subscribers and 10
/// changes/s, and with permessage-deflate: the measured payloads scaled by
/// how much the probed frame compresses, plus each frame's overhead.
fn egress(info: &RunInfo, ours: &Measured) -> Value {
    let first = ours.phases.first();
    let (payload, ws, eth) = first.map_or((0.0, 0.0, 0.0), Phase::per_change);
    let frames_per_change = first
        .filter(|p| p.delivered > 0)
        .map_or(0.0, |p| p.bytes.frames as f64 / p.delivered as f64);
    let shrink = if info.frame_size > 0 {
        info.deflated_size as f64 / info.frame_size as f64
    } else {
        1.0
    };
    let deflated = payload * shrink;
    let per_frame_overhead = (eth - payload) / frames_per_change.max(f64::MIN_POSITIVE);
    let deflated_eth = deflated + frames_per_change * per_frame_overhead;
    let at = |per: f64| 20_000.0 * 10.0 * per * 8.0;
    json!({
        "payload_per_change": payload,
        "websocket_per_change": ws,
        "ethernet_per_change": eth,
        "frames_per_change": frames_per_change,
        "deflated_frame": info.deflated_size,
        "deflated_payload_per_change": deflated,
        "deflated_ethernet_per_change": deflated_eth,
        "at_20000_x_10_payload_bits_per_s": at(payload),
        "at_20000_x_10_ethernet_bits_per_s": at(eth),
        "at_20000_x_10_deflated_ethernet_bits_per_s": at(deflated_eth),
        "gigabit_port_changes_per_s_at_this_count": port_rate(info.subscribers, eth),
    })
}

fn egress_text(info: &RunInfo, ours: &Measured) -> String {
    let v = egress(info, ours);
    let g = |k: &str| v.get(k).and_then(Value::as_f64).unwrap_or(0.0);
    format!(
        "per delivered change: payload {:.0} B, WebSocket {:.0} B, Ethernet {:.0} B ({:.2} frames per change); with permessage-deflate ({} B for the {} B probed frame) {:.0} B of payload, {:.0} B on the wire\nat 20,000 subscribers × 10 changes/s: {:.0} Mbit/s of payload, {:.0} Mbit/s on the wire, {:.0} Mbit/s with permessage-deflate (a 1 Gbit/s port: 1,000)\nat {} subscribers a 1 Gbit/s port carries {:.1} changes/s",
        g("payload_per_change"),
        g("websocket_per_change"),
        g("ethernet_per_change"),
        g("frames_per_change"),
        info.deflated_size,
        info.frame_size,
        g("deflated_payload_per_change"),
        g("deflated_ethernet_per_change"),
        g("at_20000_x_10_payload_bits_per_s") / 1e6,
        g("at_20000_x_10_ethernet_bits_per_s") / 1e6,
        g("at_20000_x_10_deflated_ethernet_bits_per_s") / 1e6,
        info.subscribers,
        g("gigabit_port_changes_per_s_at_this_count"),
    )
}

pub fn json(info: &RunInfo, ours: &Measured, reference: Option<&Measured>) -> Value {
    json!({
        "deflated_frame_size": info.deflated_size,
        "egress": egress(info, ours),
        "subscribers": info.subscribers,
        "rate": info.rate,
        "duration_s": info.duration,
        "stalled_percent": info.stalled_percent,
        "frame_size": info.frame_size,
        "client_processes": info.client_processes,
        "fanout_workers": info.fanout_workers,
        "instances": info.instances,
        "urne": ours.json(),
        "reference": reference.map(Measured::json),
        "ratios": ratios(ours, reference),
    })
}
