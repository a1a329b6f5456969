//! The subscribers as seen from `urne-load run`: client processes.
//!
//! No process can hold more sockets than its open-files limit (20,000 on the
//! project's machine, not raisable), so the run's N subscribers are split
//! into ceil(N / `--clients-per-process`) even, contiguous shares of global
//! client indices, each held by a child `urne-load clients` (`share.rs`).
//! This module starts them, sums what they report (clients connected and
//! failed, clients still open), relays `stall` and `stop`, and gathers the
//! clients' records in global index order, so that the report sees the same
//! list of clients as if one process had held them all. Each child's stdout
//! is read by a task of its own from start to end, so a child writing its
//! (large) records never blocks on a full pipe; the protocol is `wire.rs`'s.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context, bail};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};
use tokio::sync::mpsc;

use crate::clients::{ClientResult, Share};
use crate::share::ShareArgs;
use crate::wire;

/// What a child said, as its reader task understood it.
enum Event {
    Connected {
        ok: usize,
        failed: usize,
        error: Option<String>,
    },
    Open(usize),
    Results(Vec<ClientResult>),
    /// Its stdout ended or made no sense.
    Broken(String),
}

struct Member {
    index: usize,
    count: usize,
    child: Child,
    stdin: ChildStdin,
    events: mpsc::UnboundedReceiver<Event>,
}

/// The running client processes.
pub struct Fleet {
    members: Vec<Member>,
    pub connected: usize,
    pub failed: usize,
    pub first_error: Option<String>,
}

/// The shares of `n` clients over `processes` processes: (first index, count).
pub fn split(n: usize, processes: usize) -> Vec<(usize, usize)> {
    let p = processes.max(1);
    (0..p)
        .map(|j| (j * n / p, (j + 1) * n / p - j * n / p))
        .collect()
}

/// Starts the client processes for `plan` (its `first` and `count` cover all
/// the run's subscribers) and waits until every client has connected and
/// received its first frame, or failed. `concurrency` is shared among them.
pub async fn open(exe: &Path, plan: Share, processes: usize) -> anyhow::Result<Fleet> {
    let shares = split(plan.count, processes);
    let concurrency = plan.concurrency.div_ceil(shares.len()).max(1);
    let mut members = Vec::with_capacity(shares.len());
    for (index, (first, count)) in shares.into_iter().enumerate() {
        let share = Share {
            first: plan.first + first,
            count,
            concurrency,
            ..plan.clone()
        };
        let mut cmd = Command::new(exe);
        cmd.args(ShareArgs::of(&share))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true);
        let mut child = cmd
            .spawn()
            .with_context(|| format!("starting client process {index}"))?;
        let stdin = child.stdin.take().context("client process stdin")?;
        let stdout = child.stdout.take().context("client process stdout")?;
        let (tx, events) = mpsc::unbounded_channel();
        tokio::spawn(listen(stdout, tx));
        members.push(Member {
            index,
            count,
            child,
            stdin,
            events,
        });
    }
    let mut fleet = Fleet {
        members,
        connected: 0,
        failed: 0,
        first_error: None,
    };
    for m in &mut fleet.members {
        match m.next().await? {
            Event::Connected { ok, failed, error } => {
                fleet.connected += ok;
                fleet.failed += failed;
                if let Some(e) = error {
                    fleet.first_error.get_or_insert(e);
                }
            }
            _ => bail!("client process {}: unexpected answer", m.index),
        }
    }
    Ok(fleet)
}

/// Reads one child's stdout until it ends.
async fn listen(stdout: ChildStdout, tx: mpsc::UnboundedSender<Event>) {
    let mut r = BufReader::with_capacity(1 << 20, stdout);
    let mut line = String::new();
    loop {
        line.clear();
        let event = match r.read_line(&mut line).await {
            Ok(0) => Event::Broken("its output ended".into()),
            Ok(_) => match parse(&mut r, line.trim_end()).await {
                Ok(e) => e,
                Err(e) => Event::Broken(format!("{e:#}")),
            },
            Err(e) => Event::Broken(format!("reading its output: {e}")),
        };
        let last = matches!(event, Event::Broken(_));
        if tx.send(event).is_err() || last {
            return;
        }
    }
}

async fn parse(r: &mut BufReader<ChildStdout>, line: &str) -> anyhow::Result<Event> {
    let (word, rest) = line.split_once(' ').unwrap_or((line, ""));
    Ok(match word {
        wire::CONNECTED => {
            let (ok, failed, error) = wire::parse_connected(rest)?;
            Event::Connected { ok, failed, error }
        }
        wire::OPEN => Event::Open(rest.parse().context("open count")?),
        wire::RESULTS => {
            let len: usize = rest.parse().context("results length")?;
            if len > 1 << 34 {
                bail!("announced {len} bytes of records");
            }
            let mut bytes = vec![0; len];
            r.read_exact(&mut bytes).await.context("reading records")?;
            let clients = tokio::task::spawn_blocking(move || wire::decode(&bytes)).await??;
            Event::Results(clients)
        }
        _ => bail!("unexpected line {line:?}"),
    })
}

impl Member {
    /// The child's next message; an error if it broke or went away.
    async fn next(&mut self) -> anyhow::Result<Event> {
        match self.events.recv().await {
            Some(Event::Broken(why)) => {
                let status = tokio::time::timeout(Duration::from_secs(2), self.child.wait())
                    .await
                    .ok()
                    .and_then(Result::ok)
                    .map_or_else(|| "still running".to_string(), |s| s.to_string());
                bail!("client process {}: {why} ({status})", self.index)
            }
            Some(e) => Ok(e),
            None => bail!("client process {}: its output ended", self.index),
        }
    }

    async fn tell(&mut self, order: &str) -> anyhow::Result<()> {
        let sent = async {
            self.stdin
                .write_all(format!("{order}\n").as_bytes())
                .await?;
            self.stdin.flush().await
        }
        .await;
        if let Err(e) = sent {
            let status = match self.child.try_wait() {
                Ok(Some(s)) => format!("it exited: {s}"),
                _ => "still running".to_string(),
            };
            bail!(
                "client process {}: sending {order}: {e} ({status})",
                self.index
            );
        }
        Ok(())
    }
}

impl Fleet {
    /// Number of client processes.
    pub fn processes(&self) -> usize {
        self.members.len()
    }

    /// Tells the clients chosen to stall to stop reading.
    pub async fn stall(&mut self) -> anyhow::Result<()> {
        for m in &mut self.members {
            m.tell(wire::STALL).await?;
        }
        Ok(())
    }

    /// Clients still connected, over all processes.
    pub async fn open_count(&mut self) -> anyhow::Result<usize> {
        for m in &mut self.members {
            m.tell(wire::OPEN).await?;
        }
        let mut open = 0;
        for m in &mut self.members {
            match m.next().await? {
                Event::Open(n) => open += n,
                _ => bail!("client process {}: unexpected answer to open", m.index),
            }
        }
        Ok(open)
    }

    /// Stops every client and returns their records, in global index order.
    pub async fn finish(mut self) -> anyhow::Result<Vec<ClientResult>> {
        for m in &mut self.members {
            m.tell(wire::STOP).await?;
        }
        let mut all = Vec::with_capacity(self.members.iter().map(|m| m.count).sum());
        for m in &mut self.members {
            let records = tokio::time::timeout(Duration::from_secs(120), m.next())
                .await
                .with_context(|| format!("client process {}: no records after 120 s", m.index))??;
            match records {
                Event::Results(clients) if clients.len() == m.count => all.extend(clients),
                Event::Results(clients) => bail!(
                    "client process {}: {} records for {} clients",
                    m.index,
                    clients.len(),
                    m.count
                ),
                _ => bail!("client process {}: unexpected answer to stop", m.index),
            }
        }
        for m in &mut self.members {
            // Each exits once its records are sent; kill_on_drop covers a laggard.
            let _ = tokio::time::timeout(Duration::from_secs(5), m.child.wait()).await;
        }
        Ok(all)
    }
}

#[cfg(test)]
mod tests {
    use super::split;

    #[test]
    fn shares_are_even_and_cover_every_client() {
        assert_eq!(split(500, 3), vec![(0, 166), (166, 167), (333, 167)]);
        assert_eq!(split(20_000, 2), vec![(0, 10_000), (10_000, 10_000)]);
        assert_eq!(split(7, 1), vec![(0, 7)]);
        for (n, p) in [(19_900, 2), (1, 1), (10_001, 2), (30_000, 3)] {
            let s = split(n, p);
            assert_eq!(s.len(), p);
            assert_eq!(s.iter().map(|x| x.1).sum::<usize>(), n);
            assert!(s.windows(2).all(|w| w[0].0 + w[0].1 == w[1].0));
        }
    }
}
