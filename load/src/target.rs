//! The servers under test, run as child processes, and the changes driven
//! into them.
//!
//! The Urne server is the real `urne serve` binary on a fresh SQLite file
//! with an API token, with `--fanout-workers W` when W > 0 (W child
//! processes of the server then hold the public WebSocket connections); or
//! a cluster: N `urne serve` on one fresh PostgreSQL database, each
//! following the others' commits through the change log (LISTEN/NOTIFY),
//! the election defined and the changes entered on the first, subscriber i
//! on the (i mod N)-th. The
//! reference is R processes of this binary's `reference-server` mode, each
//! on its own port, because one broadcaster process cannot hold more
//! connections than its open-files limit either; subscriber i connects to
//! the (i mod R)-th. All inherit the raised file-descriptor limit. Knowing
//! their pids, the tool sums the resident memory (`/proc/<pid>/status`) and
//! CPU time (`/proc/<pid>/stat`) of each server process and of all its
//! descendants (found through the `PPid` of every process in /proc), since
//! the fan-out workers are children of `urne serve`.
//!
//! A change on Urne is one `PUT …/bureaux/{code}/turnout` through the real
//! entry API: validation, the writer lock, one durable SQLite transaction
//! with its audit row, then one public `change` frame (turnout is public as
//! soon as it is entered) carrying the perimeters' tallies. That is the same
//! commit-and-publish path as a published PV, with one sequence number and
//! one public frame per request, whereas enter+validate+publish costs three
//! requests and sends two bare `seq` frames before the one that matters.
//! Before the clients connect, every bureau's PV is entered, validated and
//! published, so the frames carry the full tallies of a results night.
//! A change on the reference is one `POST /tick` to each of its processes,
//! all at once; each answer is timed on its own, since each process
//! broadcasts to its own clients.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::{Value, json};
use tokio::process::{Child, Command};

use crate::clock::Origin;
use crate::report::Ack;

pub const TOKEN: &str = "urne-load-token-0123456789";

/// A server under test.
pub struct Server {
    /// Where its API (or its first process) listens.
    pub addr: SocketAddr,
    /// Where subscribers connect: subscriber i to `targets[i % len]`.
    pub targets: Vec<SocketAddr>,
    pub children: Vec<Child>,
    /// The processes this tool started; their descendants count too.
    pub pids: Vec<u32>,
    pub http: reqwest::Client,
    pub kind: Kind,
}

pub enum Kind {
    Urne {
        election: String,
        bureaux: Vec<String>,
        hour: String,
    },
    Reference,
}

/// Where Urne keeps its data for the run.
pub enum Store {
    /// A fresh SQLite file in the run's directory.
    Sqlite,
    /// This PostgreSQL database (made by [`PgDatabase::create`]).
    Postgres(String),
}

/// A PostgreSQL database made for one run, beside the database of the
/// URL given, and dropped at the end (with `psql`, PostgreSQL's own client:
/// this tool keeps no database driver of its own).
pub struct PgDatabase {
    admin_url: String,
    name: String,
    /// The new database's URL, for `urne serve --database-url`.
    pub url: String,
}

impl PgDatabase {
    pub async fn create(admin_url: &str) -> anyhow::Result<PgDatabase> {
        let (before_query, query) = admin_url.split_once('?').unwrap_or((admin_url, ""));
        let Some((server, _)) = before_query
            .strip_prefix("postgres://")
            .or_else(|| before_query.strip_prefix("postgresql://"))
            .and_then(|rest| rest.split_once('/'))
        else {
            bail!(
                "--database-url {admin_url:?}: expected postgres://USER@HOST:PORT/DATABASE \
                 (a database to connect to; the run creates its own beside it)"
            );
        };
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let name = format!("urne_load_{}_{nanos}", std::process::id());
        let query = if query.is_empty() {
            String::new()
        } else {
            format!("?{query}")
        };
        let db = PgDatabase {
            admin_url: admin_url.to_string(),
            url: format!("postgres://{server}/{name}{query}"),
            name,
        };
        db.psql(&format!("CREATE DATABASE {}", db.name)).await?;
        Ok(db)
    }

    async fn psql(&self, sql: &str) -> anyhow::Result<()> {
        let out = Command::new("psql")
            .args(["-q", "-v", "ON_ERROR_STOP=1", &self.admin_url, "-c", sql])
            .stdin(Stdio::null())
            .output()
            .await
            .context("running psql (PostgreSQL's client: apt-get install postgresql-client)")?;
        if !out.status.success() {
            bail!(
                "psql {sql:?}: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        Ok(())
    }

    /// Drops the database (its instances are stopped by then).
    pub async fn drop_it(self) {
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        if let Err(e) = self.psql(&sql).await {
            eprintln!("urne-load: {e:#}");
        }
    }
}

/// A free port on 127.0.0.1.
pub fn free_port() -> anyhow::Result<u16> {
    let l = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(l.local_addr()?.port())
}

/// Resident memory of a process, in bytes.
pub fn rss(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let line = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .context("no VmRSS line")?;
    let kib: u64 = line
        .split_whitespace()
        .nth(1)
        .context("VmRSS value")?
        .parse()?;
    Ok(kib * 1024)
}

/// CPU time (user + system) a process has used, in seconds.
pub fn cpu_seconds(pid: u32) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0.0;
    };
    // Fields after the command name (which may hold spaces): state is the
    // 3rd field of the line, utime the 14th, stime the 15th.
    let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
        return 0.0;
    };
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // USER_HZ is 100 on Linux.
    (ticks(11) + ticks(12)) / 100.0
}

/// Start time of a process (field 22 of its stat line, in clock ticks since
/// boot) and its parent's pid, or `None` if it is gone.
fn stat_of(pid: u32) -> Option<(u64, u32)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = stat.rsplit_once(')')?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    // After the name: state (3rd field of the line), ppid (4th), starttime (22nd).
    Some((f.get(19)?.parse().ok()?, f.get(1)?.parse().ok()?))
}

/// The processes `roots` and all their descendants, with their start times
/// (so that a pid can be told from a later process that reused it).
pub fn tree(roots: &[u32]) -> Vec<(u32, u64)> {
    let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
    if let Ok(dir) = std::fs::read_dir("/proc") {
        for entry in dir.flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<u32>().ok())
            else {
                continue;
            };
            if let Some((_, ppid)) = stat_of(pid) {
                children.entry(ppid).or_default().push(pid);
            }
        }
    }
    let mut out = Vec::new();
    let mut todo: Vec<u32> = roots.to_vec();
    while let Some(pid) = todo.pop() {
        if out.iter().any(|(p, _)| *p == pid) {
            continue;
        }
        if let Some((start, _)) = stat_of(pid) {
            out.push((pid, start));
            todo.extend(children.get(&pid).into_iter().flatten());
        }
    }
    out
}

/// Resident memory of `roots` and their descendants, summed, in bytes (an
/// error if a root is gone). Pages shared between processes (the binary,
/// libraries) count once per process, as in each process's own VmRSS.
pub fn rss_tree(roots: &[u32]) -> anyhow::Result<u64> {
    let mut total = 0;
    for &pid in roots {
        total += rss(pid).with_context(|| format!("memory of server process {pid}"))?;
    }
    for (pid, _) in tree(roots) {
        if !roots.contains(&pid) {
            total += rss(pid).unwrap_or(0);
        }
    }
    Ok(total)
}

/// CPU seconds of `roots` and their descendants, summed.
pub fn cpu_tree(roots: &[u32]) -> f64 {
    tree(roots).iter().map(|(pid, _)| cpu_seconds(*pid)).sum()
}

/// Memory the kernel holds in TCP socket buffers, machine-wide, in bytes.
pub fn tcp_kernel_mem() -> u64 {
    let Ok(s) = std::fs::read_to_string("/proc/net/sockstat") else {
        return 0;
    };
    s.lines()
        .find(|l| l.starts_with("TCP:"))
        .and_then(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let i = f.iter().position(|w| *w == "mem")?;
            f.get(i + 1)?.parse::<u64>().ok()
        })
        .map_or(0, |pages| pages * 4096)
}

fn spawn_logged(mut cmd: Command, log: &Path) -> anyhow::Result<Child> {
    let out = std::fs::File::create(log)?;
    let err = out.try_clone()?;
    cmd.stdin(Stdio::null())
        .stdout(Stdio::from(out))
        .stderr(Stdio::from(err))
        .kill_on_drop(true);
    Ok(cmd.spawn()?)
}

async fn wait_healthy(http: &reqwest::Client, url: &str, child: &mut Child) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Ok(r) = http.get(url).send().await
            && r.status().is_success()
        {
            return Ok(());
        }
        if let Some(status) = child.try_wait()? {
            bail!("server exited during startup: {status}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("server not healthy after 30 s at {url}")
}

fn http() -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .pool_max_idle_per_host(4)
        .build()?)
}

impl Server {
    /// Starts `instances` × `urne serve` on `store` (more than one only on
    /// PostgreSQL), defines the sample commune on the first and publishes
    /// every bureau's PV there, then waits until every instance serves the
    /// same seq. `fanout_workers` > 0 is passed on as `--fanout-workers`.
    pub async fn urne(
        bin: &Path,
        dir: &Path,
        fanout_workers: usize,
        instances: usize,
        store: &Store,
    ) -> anyhow::Result<Server> {
        let database_url = match store {
            Store::Sqlite => format!("sqlite://{}", dir.join("urne.db").display()),
            Store::Postgres(url) => url.clone(),
        };
        let http = http()?;
        let (mut targets, mut children, mut pids) = (Vec::new(), Vec::new(), Vec::new());
        for i in 0..instances.max(1) {
            let port = free_port()?;
            let addr = SocketAddr::from(([127, 0, 0, 1], port));
            let mut cmd = Command::new(bin);
            cmd.arg("serve")
                .arg("--listen")
                .arg(addr.to_string())
                .arg("--database-url")
                .arg(&database_url)
                .env("URNE_API_TOKEN", TOKEN)
                .env("RUST_LOG", "warn");
            if fanout_workers > 0 {
                cmd.arg("--fanout-workers").arg(fanout_workers.to_string());
            }
            let log = dir.join(if i == 0 {
                "urne.log".to_string()
            } else {
                format!("urne-{i}.log")
            });
            let mut child =
                spawn_logged(cmd, &log).with_context(|| format!("starting {}", bin.display()))?;
            wait_healthy(&http, &format!("http://{addr}/api/health"), &mut child).await?;
            pids.push(child.id().context("server pid")?);
            targets.push(addr);
            children.push(child);
        }
        let addr = targets[0];

        let mut election = election_data::fixtures::sample_commune();
        // Results night: no embargo, the public sees every published figure.
        election.embargo = None;
        let id = election.id.clone();
        let bureaux: Vec<String> = election.bureaux.iter().map(|b| b.code.clone()).collect();
        let hour = election
            .turnout_hours
            .first()
            .cloned()
            .context("the sample election has turnout hours")?;
        let mut server = Server {
            addr,
            targets,
            children,
            pids,
            http,
            kind: Kind::Reference,
        };
        server
            .call("POST", "/api/elections", &serde_json::to_value(&election)?)
            .await?;
        for (i, b) in election.bureaux.iter().enumerate() {
            let pv = election_data::fixtures::sample_pv(&election, b, 2027 + i as u64);
            let base = format!("/api/elections/{id}/bureaux/{}", b.code);
            server
                .call("PUT", &format!("{base}/pv"), &serde_json::to_value(&pv)?)
                .await?;
            server
                .call("POST", &format!("{base}/validate"), &json!({}))
                .await?;
            server
                .call("POST", &format!("{base}/publish"), &json!({}))
                .await?;
        }
        server.wait_followed(&id).await?;
        server.kind = Kind::Urne {
            election: id,
            bureaux,
            hour,
        };
        Ok(server)
    }

    /// Starts the minimal broadcaster (this binary) as `processes` processes,
    /// each on its own port, sending frames of `frame_size` bytes.
    pub async fn reference(
        dir: &Path,
        frame_size: usize,
        processes: usize,
    ) -> anyhow::Result<Server> {
        let http = http()?;
        let exe = std::env::current_exe()?;
        let (mut targets, mut children, mut pids) = (Vec::new(), Vec::new(), Vec::new());
        for i in 0..processes.max(1) {
            let port = free_port()?;
            let addr = SocketAddr::from(([127, 0, 0, 1], port));
            let mut cmd = Command::new(&exe);
            cmd.arg("reference-server")
                .arg("--listen")
                .arg(addr.to_string())
                .arg("--frame-size")
                .arg(frame_size.to_string());
            let mut child = spawn_logged(cmd, &dir.join(format!("reference-{i}.log")))?;
            wait_healthy(&http, &format!("http://{addr}/health"), &mut child).await?;
            pids.push(child.id().context("reference pid")?);
            targets.push(addr);
            children.push(child);
        }
        Ok(Server {
            addr: targets[0],
            targets,
            children,
            pids,
            http,
            kind: Kind::Reference,
        })
    }

    /// Waits (30 s at most) until every instance serves election `id` at
    /// the first instance's seq: the followers have caught up.
    async fn wait_followed(&self, id: &str) -> anyhow::Result<()> {
        let seq_at = |addr: SocketAddr| async move {
            let url = format!("http://{addr}/api/elections/{id}/results");
            let r = self.http.get(url).send().await.ok()?;
            if !r.status().is_success() {
                return None;
            }
            r.json::<Value>().await.ok()?["seq"].as_i64()
        };
        let want = seq_at(self.addr)
            .await
            .context("the first instance does not serve the election it defined")?;
        let deadline = Instant::now() + Duration::from_secs(30);
        for &addr in &self.targets[1..] {
            loop {
                if seq_at(addr).await.is_some_and(|seq| seq >= want) {
                    break;
                }
                if Instant::now() > deadline {
                    bail!("instance {addr} did not reach seq {want} within 30 s");
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        Ok(())
    }

    async fn call(&self, method: &str, path: &str, body: &Value) -> anyhow::Result<Value> {
        self.call_at(self.addr, method, path, body).await
    }

    async fn call_at(
        &self,
        addr: SocketAddr,
        method: &str,
        path: &str,
        body: &Value,
    ) -> anyhow::Result<Value> {
        let url = format!("http://{addr}{path}");
        let req = match method {
            "PUT" => self.http.put(url),
            _ => self.http.post(url),
        };
        let r = req.bearer_auth(TOKEN).json(body).send().await?;
        let status = r.status();
        let text = r.text().await?;
        if !status.is_success() {
            bail!("{method} {path}: {status}: {text}");
        }
        Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// The WebSocket path subscribers connect to.
    pub fn ws_path(&self) -> String {
        match &self.kind {
            Kind::Urne { election, .. } => format!("/ws/elections/{election}"),
            Kind::Reference => "/ws".to_string(),
        }
    }

    /// Makes the `k`-th change; returns, per process subscribers connect to,
    /// its sequence number and the instant its answer arrived.
    pub async fn change(&self, k: u64, origin: Origin) -> anyhow::Result<Vec<Ack>> {
        match &self.kind {
            Kind::Urne {
                election,
                bureaux,
                hour,
            } => {
                let n = bureaux.len().max(1) as u64;
                let code = &bureaux[(k % n) as usize];
                // Stays below every sample bureau's final votants.
                let votants = 1 + (k / n) % 50;
                let body = json!({ "turnout": [{ "hour": hour, "votants": votants }] });
                let answer = self
                    .call(
                        "PUT",
                        &format!("/api/elections/{election}/bureaux/{code}/turnout"),
                        &body,
                    )
                    .await?;
                let at = origin.elapsed();
                let seq = answer["seq"].as_i64().context("answer without seq")?;
                Ok(vec![Ack { seq, at }])
            }
            Kind::Reference => {
                let ticks = self.targets.iter().map(|&addr| async move {
                    let answer = self.call_at(addr, "POST", "/tick", &json!({})).await?;
                    let at = origin.elapsed();
                    let seq = answer["seq"].as_i64().context("answer without seq")?;
                    anyhow::Ok(Ack { seq, at })
                });
                futures_util::future::try_join_all(ticks).await
            }
        }
    }

    /// Stops the server's processes and whatever they started (a fan-out
    /// worker must not outlive its server and keep its connections).
    pub async fn stop(mut self) {
        let all = tree(&self.pids);
        for child in &mut self.children {
            let _ = child.kill().await;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        for (pid, start) in all {
            // Only if it is still the process found above, not a reused pid.
            if self.pids.contains(&pid) || stat_of(pid).map(|s| s.0) != Some(start) {
                continue;
            }
            if let Some(p) = i32::try_from(pid)
                .ok()
                .and_then(rustix::process::Pid::from_raw)
            {
                let _ = rustix::process::kill_process(p, rustix::process::Signal::KILL);
            }
        }
    }
}

/// Whether `bin serve` accepts `--fanout-workers` (its help says so).
pub async fn supports_fanout_workers(bin: &Path) -> bool {
    let out = Command::new(bin)
        .args(["serve", "--help"])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .await;
    out.is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("--fanout-workers"))
}

/// A fresh temporary directory for one run.
pub fn temp_dir() -> anyhow::Result<PathBuf> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let dir = std::env::temp_dir().join(format!("urne-load-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
