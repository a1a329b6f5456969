//! `urne-load`: election-night load on the live fan-out, with a yardstick.
//!
//! `urne-load run` starts the real `urne serve` (fresh SQLite file, API
//! token; with `--fanout-workers W` when W > 0) and then a minimal
//! broadcaster on the same stack, one after the other, and against each:
//! 1. opens N WebSocket subscribers from 127.0.0.2–254 and measures the
//!    server's resident memory before and after (RSS per idle connection);
//! 2. drives M changes per second for D seconds through the real entry API
//!    (`/tick` on the reference) and measures, from the instant each change
//!    was acknowledged to its arrival at each client (one system-wide
//!    monotonic clock): latency p50/p99/max, messages delivered per second,
//!    sequence gaps and resynchronisations;
//! 3. does it again while 1 % of the clients stop reading.
//!
//! A process cannot hold more sockets than its open-files limit, which on
//! the project's machine is 20,000 and cannot be raised. So this process only
//! orchestrates and drives the changes: the subscribers live in child
//! processes (`urne-load clients`, at most `--clients-per-process` each),
//! Urne's connections in its fan-out workers, and the reference broadcaster
//! runs as as many processes as Urne has workers (at least one). Server
//! memory and CPU are summed over each server's processes and their
//! descendants.
//!
//! With `--instances N --database-url postgres://…` Urne is a cluster: N
//! `urne serve` on one fresh PostgreSQL database, the changes entered on
//! the first, subscriber i held by the (i mod N)-th; the report adds each
//! instance's latency from the commit and gaps, and the extra delay of the
//! remote instances (which learn each commit through PostgreSQL's
//! LISTEN/NOTIFY and read it from the change log) over the local one.
//!
//! It prints both servers' figures and ours as ratios to the reference, and
//! exits non-zero with `--fail-on-gap` when a client that kept reading saw a
//! gap or a server failed to hold every connection. Traffic stays on
//! 127.0.0.0/8; the run is bounded in size and time and stops by itself.
//! `urne-load reference-server` is the broadcaster itself, and
//! `urne-load clients` one share of the subscribers (both run as children).

mod clients;
mod clock;
mod fleet;
mod reference;
mod report;
mod share;
mod target;
mod wire;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use futures_util::StreamExt;

use clients::Share;
use clock::Origin;
use report::{Phase, Tick};
use target::Server;

#[derive(Debug, Parser)]
#[command(name = "urne-load", about = "Load test of Urne's live fan-out")]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Measure the Urne server and the minimal broadcaster.
    Run(RunArgs),
    /// The minimal broadcaster (started by `run`).
    #[command(hide = true)]
    ReferenceServer {
        #[arg(long)]
        listen: SocketAddr,
        #[arg(long, default_value_t = 2048)]
        frame_size: usize,
    },
    /// One share of the subscribers (started by `run`).
    #[command(hide = true)]
    Clients(share::ShareArgs),
}

/// Above this many subscribers, `--fanout-workers auto` gives Urne workers.
const SUBSCRIBERS_PER_WORKER: usize = 15_000;

/// `--fanout-workers`: a number, or `auto`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Workers {
    /// 0 up to 15,000 subscribers, else one per 15,000 (rounded up).
    Auto,
    Count(usize),
}

impl FromStr for Workers {
    type Err = String;
    fn from_str(s: &str) -> Result<Workers, String> {
        if s == "auto" {
            return Ok(Workers::Auto);
        }
        s.parse()
            .map(Workers::Count)
            .map_err(|_| format!("expected a number or auto, got {s:?}"))
    }
}

impl Workers {
    fn count(self, subscribers: usize) -> usize {
        match self {
            Workers::Count(w) => w,
            Workers::Auto if subscribers <= SUBSCRIBERS_PER_WORKER => 0,
            Workers::Auto => subscribers.div_ceil(SUBSCRIBERS_PER_WORKER),
        }
    }
}

#[derive(Debug, Clone, clap::Args)]
struct RunArgs {
    /// Concurrent WebSocket subscribers.
    #[arg(long, default_value_t = 20_000)]
    subscribers: usize,
    /// Changes per second.
    #[arg(long, default_value_t = 10.0)]
    rate: f64,
    /// Seconds of each measured phase (all reading, then 1 % stalled).
    #[arg(long, default_value_t = 30)]
    duration: u64,
    /// Seconds of changes before the measured phases (not counted).
    #[arg(long, default_value_t = 3)]
    warmup: u64,
    /// Percentage of subscribers that stop reading in the second phase (0 skips it).
    #[arg(long, default_value_t = 1.0)]
    stalled_percent: f64,
    /// The `urne` binary; by default the one next to this executable.
    #[arg(long)]
    server_bin: Option<PathBuf>,
    /// Skip the minimal broadcaster.
    #[arg(long)]
    no_reference: bool,
    /// Connection handshakes in flight at once (shared by the client processes).
    #[arg(long, default_value_t = 200)]
    connect_concurrency: usize,
    /// Subscribers per client process (each process holds one descriptor per subscriber).
    #[arg(long, default_value_t = 10_000)]
    clients_per_process: usize,
    /// Urne's fan-out worker processes (`urne serve --fanout-workers`, passed
    /// only when > 0), per instance; `auto` is 0 up to 15,000 subscribers
    /// per instance, else one per 15,000. The reference runs as
    /// max(1, W) × instances processes.
    #[arg(long, default_value = "auto")]
    fanout_workers: Workers,
    /// Urne instances on one PostgreSQL database (a cluster): changes are
    /// entered on the first, subscriber i connects to instance i mod N, and
    /// the report gives each instance's figures and the extra delay of the
    /// remote ones over the local one. More than 1 needs --database-url.
    #[arg(long, default_value_t = 1)]
    instances: usize,
    /// A PostgreSQL server to run Urne on instead of a SQLite file, as the
    /// URL of a database to connect to (e.g.
    /// postgres://postgres@127.0.0.1:5432/postgres): the run creates a fresh
    /// database beside it with `psql` and drops it at the end.
    #[arg(long)]
    database_url: Option<String>,
    /// Exit with status 1 on any gap seen by a client that kept reading, or
    /// when a server did not hold every connection.
    #[arg(long)]
    fail_on_gap: bool,
    /// Also write the figures as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    match cli.command {
        Cmd::ReferenceServer { listen, frame_size } => {
            runtime.block_on(reference::serve(listen, frame_size))
        }
        Cmd::Clients(args) => {
            let outcome = runtime.block_on(share::run(args));
            // Its clients are done; do not wait for the stdin reader thread.
            runtime.shutdown_timeout(Duration::from_secs(1));
            outcome
        }
        Cmd::Run(args) => {
            let code = runtime.block_on(run(args))?;
            // Dropping 40k sockets' tasks is not worth waiting for.
            runtime.shutdown_timeout(Duration::from_secs(2));
            std::process::exit(code);
        }
    }
}

/// Raises the open-files limit as far as allowed (the servers this tool
/// starts inherit it; each client process raises its own). Each end of a
/// connection is a descriptor in the process that holds it.
fn raise_fd_limit(want: u64) -> u64 {
    use rlimit::Resource;
    let (soft, hard) = Resource::NOFILE.get().unwrap_or((1024, 1024));
    if soft < want {
        // Raising the hard limit needs CAP_SYS_RESOURCE; else go up to it.
        if Resource::NOFILE.set(want, want.max(hard)).is_err() {
            let _ = Resource::NOFILE.set(hard.min(want), hard);
        }
    }
    Resource::NOFILE.get().map_or(soft, |(s, _)| s)
}

/// How the run is split over processes.
#[derive(Debug, Clone, Copy)]
struct Layout {
    client_processes: usize,
    /// Per instance.
    fanout_workers: usize,
    reference_processes: usize,
    instances: usize,
}

async fn run(args: RunArgs) -> anyhow::Result<i32> {
    if args.subscribers == 0 || args.rate.is_nan() || args.rate <= 0.0 || args.duration == 0 {
        bail!("--subscribers, --rate and --duration must be positive");
    }
    if args.clients_per_process == 0 {
        bail!("--clients-per-process must be positive");
    }
    if args.instances == 0 {
        bail!("--instances must be positive");
    }
    if args.instances > 1 && args.database_url.is_none() {
        bail!(
            "--instances {} needs --database-url postgres://…: instances share their change \
             log through PostgreSQL (one SQLite file serves one instance)",
            args.instances
        );
    }
    let bin = match &args.server_bin {
        Some(b) => b.clone(),
        None => std::env::current_exe()?
            .parent()
            .context("executable folder")?
            .join("urne"),
    };
    if !bin.exists() {
        bail!(
            "{} not found: build it (cargo build --release -p server) or pass --server-bin",
            bin.display()
        );
    }
    let n = args.subscribers;
    let mut fanout_workers = args.fanout_workers.count(n.div_ceil(args.instances));
    if fanout_workers > 0 && !target::supports_fanout_workers(&bin).await {
        if args.fanout_workers != Workers::Auto {
            bail!(
                "{} serve does not accept --fanout-workers: pass --fanout-workers 0",
                bin.display()
            );
        }
        eprintln!(
            "urne-load: {} serve has no --fanout-workers; running it as one process",
            bin.display()
        );
        fanout_workers = 0;
    }
    let layout = Layout {
        client_processes: n.div_ceil(args.clients_per_process),
        fanout_workers,
        reference_processes: fanout_workers.max(1) * args.instances,
        instances: args.instances,
    };
    // The most connections one process holds (assuming the server spreads
    // them evenly over its workers); plus a few dozen files: the database,
    // logs, the runtime's.
    let per_client_process = n.div_ceil(layout.client_processes);
    let per_urne_process = n.div_ceil(layout.fanout_workers.max(1) * layout.instances);
    let per_reference_process = if args.no_reference {
        0
    } else {
        n.div_ceil(layout.reference_processes)
    };
    let most = per_client_process
        .max(per_urne_process)
        .max(per_reference_process) as u64;
    let limit = raise_fd_limit(most + 1024);
    if limit < most + 64 {
        bail!(
            "the open-files limit is {limit} (hard limit of this process), too low for {most} \
             connections in one process: each end of a connection is a file descriptor in the \
             process that holds it; lower --clients-per-process, give the server more \
             --fanout-workers, or raise the hard limit (ulimit -Hn, LimitNOFILE=)"
        );
    }
    let dir = target::temp_dir()?;
    eprintln!(
        "urne-load: {n} subscribers in {} client processes, {} changes/s, {} s per phase, {} % stalled; \
         urne: {} instance(s) with {} fan-out workers each, reference in {} processes; open files {limit}; logs in {}",
        layout.client_processes,
        args.rate,
        args.duration,
        args.stalled_percent,
        layout.instances,
        layout.fanout_workers,
        layout.reference_processes,
        dir.display()
    );

    let database = match &args.database_url {
        Some(url) => Some(target::PgDatabase::create(url).await?),
        None => None,
    };
    let outcome = measure_both(&bin, &dir, &args, layout, database.as_ref()).await;
    if let Some(db) = database {
        db.drop_it().await;
    }
    let (frame_size, deflated_size, ours, reference) = outcome?;
    let mut info = args_summary(&args, frame_size, layout);
    info.deflated_size = deflated_size;
    let text = report::render(&info, &ours, reference.as_ref());
    println!("{text}");
    if let Some(path) = &args.json {
        let json = report::json(&info, &ours, reference.as_ref());
        std::fs::write(path, serde_json::to_string_pretty(&json)?)?;
    }
    let _ = std::fs::remove_dir_all(&dir);
    let failed = ours.phases.iter().any(|p| p.gaps > 0)
        || ours.connected < args.subscribers
        || ours.phases.first().is_some_and(|p| p.missing > 0);
    if args.fail_on_gap && failed {
        eprintln!("urne-load: FAILED (gaps, missed frames or connections not held)");
        return Ok(1);
    }
    Ok(0)
}

/// Urne (one instance or a cluster), then the reference unless skipped:
/// the probed frame's size and compressed size, and both servers' figures.
async fn measure_both(
    bin: &std::path::Path,
    dir: &std::path::Path,
    args: &RunArgs,
    layout: Layout,
    database: Option<&target::PgDatabase>,
) -> anyhow::Result<(usize, usize, Measured, Option<Measured>)> {
    let store = match database {
        Some(db) => target::Store::Postgres(db.url.clone()),
        None => target::Store::Sqlite,
    };
    let urne = Server::urne(bin, dir, layout.fanout_workers, layout.instances, &store).await?;
    let frame = probe_frame(&urne).await?;
    let frame_size = frame.len();
    let deflated_size = results_view::deflate::compress(frame.as_bytes()).len();
    eprintln!(
        "urne: change frames are {frame_size} bytes ({deflated_size} with permessage-deflate)"
    );
    let ours = measure("urne", urne, args, layout).await?;
    let reference = if args.no_reference {
        None
    } else {
        let r = Server::reference(dir, frame_size, layout.reference_processes).await?;
        Some(measure("reference", r, args, layout).await?)
    };
    Ok((frame_size, deflated_size, ours, reference))
}

fn args_summary(args: &RunArgs, frame_size: usize, layout: Layout) -> report::RunInfo {
    report::RunInfo {
        subscribers: args.subscribers,
        rate: args.rate,
        duration: args.duration,
        stalled_percent: args.stalled_percent,
        frame_size,
        deflated_size: 0,
        client_processes: layout.client_processes,
        fanout_workers: layout.fanout_workers,
        instances: layout.instances,
    }
}

/// One public change frame's text, seen by one client on each process
/// subscribers connect to (each instance of a cluster: the change entered
/// on the first must reach them all before anything is measured).
async fn probe_frame(server: &Server) -> anyhow::Result<String> {
    let mut sockets = Vec::with_capacity(server.targets.len());
    for addr in &server.targets {
        let url = format!("ws://{addr}{}", server.ws_path());
        let (mut ws, _) = tokio_tungstenite_axum::connect_async(url).await?;
        // The snapshot first: once it is here, the subscription is live.
        let _ = tokio::time::timeout(Duration::from_secs(10), ws.next()).await?;
        sockets.push(ws);
    }
    let acks = server.change(0, Origin::now()).await?;
    let mut frame = None;
    for (i, ws) in sockets.iter_mut().enumerate() {
        // The reference's processes number their changes each on its own.
        let seq = acks
            .get(i)
            .or(acks.first())
            .map(|a| a.seq)
            .context("change without answer")?;
        // A fan-out worker's new subscriber may also replay the changes made
        // since the worker's snapshot: the change's own frame is the one
        // carrying its sequence number.
        loop {
            let msg = tokio::time::timeout(Duration::from_secs(10), ws.next())
                .await
                .with_context(|| format!("the probe change never reached {}", server.targets[i]))?
                .context("probe closed")??;
            if let Ok(text) = msg.to_text()
                && matches!(clients::parse(text), Some((false, _, s)) if s == seq)
            {
                frame.get_or_insert_with(|| text.to_string());
                break;
            }
        }
    }
    frame.context("no process to probe")
}

/// One server's figures.
pub struct Measured {
    pub name: &'static str,
    /// The server's processes (with their descendants) once connections were held.
    pub processes: usize,
    pub connected: usize,
    pub failed: usize,
    pub first_error: Option<String>,
    pub connect_seconds: f64,
    pub rss_before: u64,
    pub rss_idle: u64,
    pub kernel_tcp_idle: u64,
    pub phases: Vec<Phase>,
}

async fn measure(
    name: &'static str,
    server: Server,
    args: &RunArgs,
    layout: Layout,
) -> anyhow::Result<Measured> {
    let origin = Origin::now();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss_before = target::rss_tree(&server.pids)?;
    let stall_every = if args.stalled_percent > 0.0 {
        Some(((100.0 / args.stalled_percent).round() as usize).max(1))
    } else {
        None
    };
    let per_phase = (args.rate * args.duration as f64) as usize + 64;
    let started = Instant::now();
    let plan = Share {
        first: 0,
        count: args.subscribers,
        targets: server.targets.clone(),
        path: server.ws_path(),
        stall_every,
        origin,
        expected_frames: per_phase * 2,
        concurrency: args.connect_concurrency,
    };
    let mut fleet = fleet::open(&std::env::current_exe()?, plan, layout.client_processes).await?;
    let connect_seconds = started.elapsed().as_secs_f64();
    eprintln!(
        "{name}: {} connected, {} failed in {connect_seconds:.1} s by {} client processes{}",
        fleet.connected,
        fleet.failed,
        fleet.processes(),
        fleet
            .first_error
            .as_deref()
            .map(|e| format!(" (first error: {e})"))
            .unwrap_or_default()
    );
    // Let the initial frames drain and the allocator settle.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let rss_idle = target::rss_tree(&server.pids)?;
    let processes = target::tree(&server.pids).len();
    let kernel_tcp_idle = target::tcp_kernel_mem();

    let mut phases = Vec::new();
    let mut k: u64 = 1;
    if args.warmup > 0 {
        let warm = RunArgs {
            duration: args.warmup,
            ..args.clone()
        };
        drive(&server, &warm, origin, &mut k).await?;
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let mut specs = vec![("all reading", false)];
    if stall_every.is_some() {
        specs.push(("1 % stalled", true));
    }
    for (label, stall) in specs {
        if stall {
            fleet.stall().await?;
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let began = origin.elapsed();
        let cpu_before = target::cpu_tree(&server.pids);
        let ticks = drive(&server, args, origin, &mut k).await?;
        let ended = origin.elapsed();
        // Let the last changes arrive.
        tokio::time::sleep(Duration::from_secs(2)).await;
        let cpu = target::cpu_tree(&server.pids) - cpu_before;
        let rss_end = target::rss_tree(&server.pids)?;
        let kernel_tcp = target::tcp_kernel_mem();
        let open = fleet.open_count().await?;
        eprintln!(
            "{name}: phase '{label}': {} changes in {:.1} s, {open} clients open, server RSS {:.1} MiB",
            ticks.len(),
            (ended - began).as_secs_f64(),
            rss_end as f64 / 1048576.0
        );
        let mut phase = Phase::new(label, stall, ticks, began, ended, rss_end, kernel_tcp, open);
        phase.server_cpu = cpu;
        phases.push(phase);
    }
    let (connected, failed, first_error) =
        (fleet.connected, fleet.failed, fleet.first_error.take());
    let results = fleet.finish().await?;
    for p in &mut phases {
        p.analyse(&results);
    }
    drop(results);
    server.stop().await;
    // Closed sockets linger a moment in the kernel; let the next server start clean.
    tokio::time::sleep(Duration::from_secs(2)).await;
    Ok(Measured {
        name,
        processes,
        connected,
        failed,
        first_error,
        connect_seconds,
        rss_before,
        rss_idle,
        kernel_tcp_idle,
        phases,
    })
}

/// Makes `rate` × `duration` changes, one at a time, each due at its place
/// on a fixed schedule (`rate` per second from the start).
///
/// Both servers get the same number of changes: a change answered late does
/// not push back the ones after it (they are sent at once until the
/// schedule is kept again), so a slower server is not given less work, and
/// its messages per second, delivered over the time the changes really
/// took, say how far it fell behind.
async fn drive(
    server: &Server,
    args: &RunArgs,
    origin: Origin,
    k: &mut u64,
) -> anyhow::Result<Vec<Tick>> {
    let period = Duration::from_secs_f64(1.0 / args.rate);
    let mut interval = tokio::time::interval(period);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let changes = ((args.rate * args.duration as f64).round() as usize).max(1);
    let mut ticks = Vec::with_capacity(changes);
    for _ in 0..changes {
        interval.tick().await;
        let sent = origin.elapsed();
        let acks = server.change(*k, origin).await?;
        *k += 1;
        ticks.push(Tick { sent, acks });
    }
    Ok(ticks)
}
