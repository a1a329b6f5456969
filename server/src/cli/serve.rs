//! `urne serve`: the server on a database, until Ctrl-C; and the hidden
//! `urne fanout-worker` that `serve --fanout-workers N` starts N times.

use std::sync::Arc;
use std::time::Duration;

use crate::app::{Config, spawn};
use crate::store::Store;
use crate::tls::{CertSource, Tls, TlsMode};

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "URNE_LISTEN", default_value = "127.0.0.1:8080")]
    listen: String,
    /// sqlite://FILE (created if missing) or postgres://…
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://urne.db")]
    database_url: String,
    /// Bearer token of the write API; a random one is generated and printed when absent.
    #[arg(long, env = "URNE_API_TOKEN", hide_env_values = true)]
    api_token: Option<String>,
    /// Largest request body accepted, in bytes.
    #[arg(long, default_value_t = 2 * 1024 * 1024)]
    body_limit: usize,
    /// Also write the public pages and the feed to this folder after each
    /// change (a static copy nginx can serve if the application is down).
    #[arg(long, env = "URNE_STATIC_DIR")]
    static_dir: Option<std::path::PathBuf>,
    /// Child processes that hold the public WebSocket connections (0: this
    /// process holds them). Each process can hold as many connections as
    /// its open-files limit allows; use one per core given to the fan-out.
    #[arg(long, env = "URNE_FANOUT_WORKERS", default_value_t = 0)]
    fanout_workers: usize,
    /// Most live (WebSocket) connections at once, over every fan-out worker;
    /// beyond, new ones get 503 with Retry-After (0: as many as the
    /// open-files limit allows).
    #[arg(long, env = "URNE_MAX_SUBSCRIBERS", default_value_t = 0)]
    max_subscribers: usize,
    /// A reverse proxy (address or CIDR, repeatable or comma-separated)
    /// whose X-Forwarded-For names the client; from any other peer the
    /// header is ignored. E.g. 127.0.0.1 for an nginx on the same machine.
    #[arg(long, env = "URNE_TRUSTED_PROXY", value_delimiter = ',', value_parser = parse_net)]
    trusted_proxy: Vec<ipnet::IpNet>,
    /// HTTPS: `auto` speaks TLS when a certificate is given or the address
    /// is not loopback (a desk PC on the town hall's network); `off` behind
    /// a reverse proxy that does TLS.
    #[arg(long, env = "URNE_TLS", value_enum, default_value_t = TlsMode::Auto)]
    tls: TlsMode,
    /// Certificate chain (PEM). Without it, a self-signed certificate is
    /// generated on first start and kept in --tls-dir.
    #[arg(long, env = "URNE_TLS_CERT", requires = "tls_key")]
    tls_cert: Option<std::path::PathBuf>,
    /// Private key of --tls-cert (PEM).
    #[arg(long, env = "URNE_TLS_KEY", requires = "tls_cert")]
    tls_key: Option<std::path::PathBuf>,
    /// Fault injection for tests and load runs: hold each entry's commit
    /// back this long, as a slow disk would.
    #[arg(
        long,
        hide = true,
        env = "URNE_FAULT_COMMIT_DELAY_MS",
        default_value_t = 0
    )]
    fault_commit_delay_ms: u64,
    /// Folder of the generated self-signed certificate.
    #[arg(long, env = "URNE_TLS_DIR", default_value = "urne-tls")]
    tls_dir: std::path::PathBuf,
}

/// The certificate to serve, when TLS is wanted on `listen`.
fn tls_for(args: &ServeArgs) -> anyhow::Result<Option<Tls>> {
    use std::net::ToSocketAddrs;
    let addr = args
        .listen
        .to_socket_addrs()
        .ok()
        .and_then(|mut a| a.next())
        .ok_or_else(|| anyhow::anyhow!("--listen {}: not an address", args.listen))?;
    if !args.tls.wanted(addr, args.tls_cert.is_some()) {
        return Ok(None);
    }
    let source = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => CertSource::Files {
            cert: cert.clone(),
            key: key.clone(),
        },
        _ => CertSource::SelfSigned {
            dir: args.tls_dir.clone(),
            names: crate::tls::default_names(addr),
        },
    };
    Ok(Some(Tls::load(&source)?))
}

/// `10.0.0.0/8`, or one address (`127.0.0.1`, `::1`).
fn parse_net(s: &str) -> Result<ipnet::IpNet, String> {
    let s = s.trim();
    s.parse::<ipnet::IpNet>()
        .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| format!("--trusted-proxy: an address or a CIDR expected, got {s:?}"))
}

pub async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    super::init_tracing(super::SERVER_LOGS);
    crate::hub::worker::raise_open_files_limit();
    let tls = tls_for(&args)?;
    let store = Arc::new(Store::connect(&args.database_url).await?);
    let _one_server_per_file = store.claim_sqlite_file()?;
    store.set_commit_delay(Duration::from_millis(args.fault_commit_delay_ms));
    let token = args.api_token.unwrap_or_else(|| {
        let t = super::random_token();
        tracing::warn!("no URNE_API_TOKEN given; this run's API token is {t}");
        t
    });
    let running = spawn(
        &args.listen,
        store,
        Config {
            api_token: token,
            body_limit: args.body_limit,
            fanout_workers: args.fanout_workers,
            trusted_proxies: args.trusted_proxy,
            tls: tls.clone(),
            max_subscribers: args.max_subscribers,
            ..Config::default()
        },
    )
    .await?;
    if let Some(dir) = args.static_dir {
        tracing::info!(dir = %dir.display(), "writing a static copy of the public pages");
        crate::pages::static_dir::spawn(running.state.clone(), dir);
    }
    match &tls {
        None => {
            tracing::info!("Urne listens on http://{}", running.addr);
            println!("Urne: http://{}/", running.addr);
        }
        Some(tls) => {
            tracing::info!(cert = %tls.cert_path.display(), "Urne listens on https://{}", running.addr);
            println!("Urne: https://{}/", running.addr);
            println!(
                "Certificate{} {}, SHA-256 fingerprint:\n  {}",
                if tls.self_signed {
                    " (self-signed)"
                } else {
                    ""
                },
                tls.cert_path.display(),
                tls.fingerprint
            );
            if tls.self_signed {
                println!(
                    "Check that the desk PCs' browsers show this fingerprint before accepting the certificate."
                );
            }
        }
    }
    tokio::select! {
        r = running.wait() => r?,
        () = super::shutdown_signal() => tracing::info!("stopping"),
    }
    Ok(())
}

/// The hub's settings, passed by the main process on the command line.
#[derive(Debug, clap::Args)]
pub struct WorkerArgs {
    #[arg(long)]
    channel_capacity: usize,
    #[arg(long)]
    send_timeout_ms: u64,
    #[arg(long)]
    ping_every_ms: u64,
    #[arg(long)]
    idle_limit_ms: u64,
}

pub fn fanout_worker(args: WorkerArgs) -> anyhow::Result<()> {
    super::init_tracing(super::SERVER_LOGS);
    let settings = crate::hub::HubSettings {
        channel_capacity: args.channel_capacity,
        send_timeout: Duration::from_millis(args.send_timeout_ms),
        ping_every: Duration::from_millis(args.ping_every_ms),
        idle_limit: Duration::from_millis(args.idle_limit_ms),
        ..crate::hub::HubSettings::default()
    };
    // Its own runtime: the caller's is for the main process's work.
    std::thread::spawn(move || crate::hub::worker::run(settings))
        .join()
        .map_err(|_| anyhow::anyhow!("fan-out worker panicked"))?
}
