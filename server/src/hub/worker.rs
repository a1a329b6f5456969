//! A fan-out worker process: `urne fanout-worker`, started by `urne serve
//! --fanout-workers N` ([`super::workers`]), never by hand.
//!
//! It reads its pipe to the main process (its standard input, see
//! [`super::wire`]): frames and snapshots go into one [`Replica`] per
//! election, hand-overs become WebSocket connections served by the same code
//! as in the main process ([`super::ws::serve_handed`]): same bounded
//! queues, resynchronisation, slow-client and heartbeat rules. It has no
//! database and no HTTP: when the main process goes away, it closes every
//! connection with 1012 "service restart" (clients reconnect with `since=N`)
//! and exits.
//!
//! Each worker has its own open-files limit, which it raises to the hard
//! limit, and a runtime with as many threads as cores: measured with the
//! load tool at 20,000 subscribers over two workers, single-threaded
//! workers got a smaller share of the CPU than the clients' threads and
//! delivered later (commit → client p99 2.9× the minimal broadcaster's,
//! against 1.1× with a thread per core).

use std::collections::HashMap;
use std::os::fd::AsFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::net::UnixStream;

use super::replica::Replica;
use super::wire::{self, Reader, ToWorker};

/// How often a worker looks whether its connection count changed.
const REPORT_EVERY: Duration = Duration::from_millis(250);
use super::{Feed, HubSettings};

/// Runs the worker until the main process goes away.
pub fn run(settings: HubSettings) -> anyhow::Result<()> {
    raise_open_files_limit();
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .thread_name("urne-fanout-worker")
        .enable_all()
        .build()?;
    rt.block_on(serve(settings))
}

/// Raises the soft open-files limit to the hard one: every connection is a
/// descriptor.
pub fn raise_open_files_limit() {
    if let Ok((soft, hard)) = rlimit::Resource::NOFILE.get()
        && soft < hard
        && let Err(e) = rlimit::Resource::NOFILE.set(hard, hard)
    {
        tracing::warn!("cannot raise the open-files limit to {hard}: {e}");
    }
}

async fn serve(settings: HubSettings) -> anyhow::Result<()> {
    let pipe = std::io::stdin().as_fd().try_clone_to_owned()?;
    let pipe = std::os::unix::net::UnixStream::from(pipe);
    pipe.set_nonblocking(true)?;
    let pipe = Arc::new(UnixStream::from_std(pipe)?);
    // Tell the main process how many connections this worker holds, when
    // that changes (it balances the hand-overs and reports them).
    let connections = Arc::new(AtomicUsize::new(0));
    let reporter = {
        let (pipe, connections) = (pipe.clone(), connections.clone());
        tokio::spawn(async move {
            let mut told = usize::MAX;
            loop {
                let now = connections.load(Ordering::Relaxed);
                if now != told {
                    let report = wire::encode_report(now as u64);
                    if wire::send(&pipe, &report, None).await.is_err() {
                        return;
                    }
                    told = now;
                }
                tokio::time::sleep(REPORT_EVERY).await;
            }
        })
    };
    let mut replicas: HashMap<String, Arc<Replica>> = HashMap::new();
    let mut reader = Reader::default();
    let replica = |replicas: &mut HashMap<String, Arc<Replica>>, id: String| {
        replicas
            .entry(id.clone())
            .or_insert_with(|| Arc::new(Replica::new(id, settings.channel_capacity)))
            .clone()
    };
    loop {
        let msg = match reader.next(&pipe).await {
            Ok(Some(msg)) => msg,
            Ok(None) => break,
            Err(e) => {
                tracing::error!("fan-out worker pipe: {e}");
                break;
            }
        };
        match msg {
            ToWorker::Frame { election, frame } => replica(&mut replicas, election).publish(frame),
            ToWorker::Snapshot { election, frame } => {
                replica(&mut replicas, election).set_snapshot(frame)
            }
            ToWorker::Handoff {
                election,
                since,
                deflate,
                prefix,
                socket,
            } => {
                let Some(feed) = replicas.get(&election).filter(|r| r.ready()).cloned() else {
                    // Unknown election: dropping the descriptor closes the connection.
                    tracing::debug!(%election, "hand-over for an unknown election");
                    continue;
                };
                let feed: Arc<dyn Feed> = feed;
                let (settings, connections) = (settings.clone(), connections.clone());
                connections.fetch_add(1, Ordering::Relaxed);
                tokio::spawn(async move {
                    super::ws::serve_handed(socket, prefix, feed, since, deflate, settings).await;
                    connections.fetch_sub(1, Ordering::Relaxed);
                });
            }
        }
    }
    reporter.abort();
    // The main process is gone: every connection ends with "service restart".
    for replica in replicas.values() {
        replica.close();
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    Ok(())
}
