//! A client process: `urne-load clients`, one share of the subscribers.
//!
//! `urne-load run` starts as many of these as it takes to keep each process
//! under the open-files limit (`--clients-per-process`); each raises its own
//! soft `RLIMIT_NOFILE`, opens its share of clients (`clients.rs`), then
//! follows the parent's orders on stdin and answers on stdout, as `wire.rs`
//! describes. Nothing else may write to stdout; diagnostics go to stderr,
//! which the parent shares.

use std::net::SocketAddr;

use anyhow::bail;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use crate::clients::{self, Control, Share};
use crate::clock::Origin;
use crate::wire;

/// What the parent tells a client process (hidden subcommand `clients`).
#[derive(Debug, Clone, clap::Args)]
pub struct ShareArgs {
    /// Global index of the first client of this share.
    #[arg(long)]
    pub first: usize,
    /// Clients in this share.
    #[arg(long)]
    pub count: usize,
    /// The server processes, comma-separated; client i connects to the (i mod n)-th.
    #[arg(long, value_delimiter = ',', required = true)]
    pub targets: Vec<SocketAddr>,
    /// The WebSocket path.
    #[arg(long)]
    pub path: String,
    /// Client i stalls when told to if i mod K = K / 2.
    #[arg(long)]
    pub stall_every: Option<usize>,
    /// The run's origin, in microseconds on CLOCK_MONOTONIC.
    #[arg(long)]
    pub origin_us: u64,
    /// Frames each client will probably record (a capacity hint).
    #[arg(long, default_value_t = 0)]
    pub expected_frames: usize,
    /// Handshakes in flight at once in this process.
    #[arg(long, default_value_t = 100)]
    pub connect_concurrency: usize,
}

impl ShareArgs {
    /// The arguments that hand `share` to a child.
    pub fn of(share: &Share) -> Vec<String> {
        let targets: Vec<String> = share.targets.iter().map(ToString::to_string).collect();
        let mut args = vec![
            "clients".to_string(),
            "--first".into(),
            share.first.to_string(),
            "--count".into(),
            share.count.to_string(),
            "--targets".into(),
            targets.join(","),
            "--path".into(),
            share.path.clone(),
            "--origin-us".into(),
            share.origin.as_us().to_string(),
            "--expected-frames".into(),
            share.expected_frames.to_string(),
            "--connect-concurrency".into(),
            share.concurrency.to_string(),
        ];
        if let Some(k) = share.stall_every {
            args.push("--stall-every".into());
            args.push(k.to_string());
        }
        args
    }
}

async fn say(out: &mut tokio::io::Stdout, line: &str) -> anyhow::Result<()> {
    out.write_all(line.as_bytes()).await?;
    out.write_all(b"\n").await?;
    out.flush().await?;
    Ok(())
}

/// Runs one share until the parent says `stop` (or goes away).
pub async fn run(args: ShareArgs) -> anyhow::Result<()> {
    if args.stall_every == Some(0) {
        bail!("--stall-every must be positive");
    }
    // Its sockets, plus stdio and the runtime's own descriptors.
    let limit = crate::raise_fd_limit(args.count as u64 + 256);
    if limit < args.count as u64 + 32 {
        bail!(
            "client process: the open-files limit is {limit}, too low for {} clients; \
             lower --clients-per-process",
            args.count
        );
    }
    let fleet = clients::open(Share {
        first: args.first,
        count: args.count,
        targets: args.targets,
        path: args.path,
        stall_every: args.stall_every,
        origin: Origin::from_us(args.origin_us),
        expected_frames: args.expected_frames,
        concurrency: args.connect_concurrency,
    })
    .await;
    let mut out = tokio::io::stdout();
    say(
        &mut out,
        &wire::connected_line(fleet.connected, fleet.failed, fleet.first_error.as_deref()),
    )
    .await?;
    let mut orders = BufReader::new(tokio::io::stdin()).lines();
    // The end of stdin (the parent is gone) means stop as well.
    while let Some(line) = orders.next_line().await? {
        match line.trim() {
            wire::STALL => {
                let _ = fleet.control.send(Control::Stall);
            }
            wire::OPEN => {
                let open = fleet
                    .counters
                    .open
                    .load(std::sync::atomic::Ordering::Relaxed);
                say(&mut out, &format!("{} {open}", wire::OPEN)).await?;
            }
            wire::STOP => break,
            other => bail!("client process: unknown order {other:?}"),
        }
    }
    let _ = fleet.control.send(Control::Stop);
    let mut results = Vec::with_capacity(fleet.handles.len());
    for h in fleet.handles {
        results.push(h.await.unwrap_or_default());
    }
    let bytes = wire::encode(&results);
    drop(results);
    say(&mut out, &format!("{} {}", wire::RESULTS, bytes.len())).await?;
    out.write_all(&bytes).await?;
    out.flush().await?;
    Ok(())
}
