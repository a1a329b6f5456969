//! The servers under test, run as child processes, and the changes driven
//! into them.
//!
//! The Urne server is the real `urne serve` binary on a fresh SQLite file
//! with an API token; the reference is this binary's `reference-server`
//! mode. Both inherit the raised file-descriptor limit. Knowing their pids,
//! the tool reads their resident memory from `/proc/<pid>/status`.
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

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::{Value, json};
use tokio::process::{Child, Command};

pub const TOKEN: &str = "urne-load-token-0123456789";

/// A server under test.
pub struct Server {
    pub addr: SocketAddr,
    pub child: Child,
    pub pid: u32,
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
    /// Starts `urne serve` on a fresh database in `dir`, defines the sample
    /// commune and publishes every bureau's PV.
    pub async fn urne(bin: &Path, dir: &Path) -> anyhow::Result<Server> {
        let port = free_port()?;
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let mut cmd = Command::new(bin);
        cmd.arg("serve")
            .arg("--listen")
            .arg(addr.to_string())
            .arg("--database-url")
            .arg(format!("sqlite://{}", dir.join("urne.db").display()))
            .env("URNE_API_TOKEN", TOKEN)
            .env("RUST_LOG", "warn");
        let mut child = spawn_logged(cmd, &dir.join("urne.log"))
            .with_context(|| format!("starting {}", bin.display()))?;
        let http = http()?;
        wait_healthy(&http, &format!("http://{addr}/api/health"), &mut child).await?;
        let pid = child.id().context("server pid")?;

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
            child,
            pid,
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
        server.kind = Kind::Urne {
            election: id,
            bureaux,
            hour,
        };
        Ok(server)
    }

    /// Starts the minimal broadcaster (this binary) sending frames of `frame_size` bytes.
    pub async fn reference(dir: &Path, frame_size: usize) -> anyhow::Result<Server> {
        let port = free_port()?;
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let mut cmd = Command::new(std::env::current_exe()?);
        cmd.arg("reference-server")
            .arg("--listen")
            .arg(addr.to_string())
            .arg("--frame-size")
            .arg(frame_size.to_string());
        let mut child = spawn_logged(cmd, &dir.join("reference.log"))?;
        let http = http()?;
        wait_healthy(&http, &format!("http://{addr}/health"), &mut child).await?;
        let pid = child.id().context("reference pid")?;
        Ok(Server {
            addr,
            child,
            pid,
            http,
            kind: Kind::Reference,
        })
    }

    async fn call(&self, method: &str, path: &str, body: &Value) -> anyhow::Result<Value> {
        let url = format!("http://{}{path}", self.addr);
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

    /// Makes the `k`-th change; returns its sequence number once committed.
    pub async fn change(&self, k: u64) -> anyhow::Result<i64> {
        let answer = match &self.kind {
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
                self.call(
                    "PUT",
                    &format!("/api/elections/{election}/bureaux/{code}/turnout"),
                    &body,
                )
                .await?
            }
            Kind::Reference => self.call("POST", "/tick", &json!({})).await?,
        };
        answer["seq"].as_i64().context("answer without seq")
    }

    /// Stops the child.
    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
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
