//! `urne-kiosk`: the results terminal. Follows an Urne server, mirrors its
//! public results to disk and serves them locally to a browser in kiosk mode.

use std::path::PathBuf;

use clap::Parser;
use kiosk::Config;
use tracing_subscriber::EnvFilter;

#[derive(Debug, Parser)]
#[command(name = "urne-kiosk", version, about = "Urne — borne de résultats")]
struct Cli {
    /// A TOML configuration file (see deploy/kiosk/kiosk.toml).
    #[arg(long, short)]
    config: Option<PathBuf>,
    /// Base URL of the server (instead of a configuration file).
    #[arg(long)]
    server: Option<String>,
    /// Election to follow; repeat for several.
    #[arg(long = "election")]
    elections: Vec<String>,
    #[arg(long, default_value = "127.0.0.1:8090")]
    listen: String,
    #[arg(long, default_value = "urne-kiosk-state")]
    state_dir: PathBuf,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let config = match (cli.config, cli.server) {
        (Some(path), _) => Config::from_file(&path)?,
        (None, Some(server)) => {
            let c = Config {
                server,
                elections: cli.elections,
                listen: cli.listen,
                state_dir: cli.state_dir,
                rotation_seconds: 10,
                idle_seconds: 60,
                lang: "fr".into(),
            };
            c.check()?;
            c
        }
        (None, None) => anyhow::bail!("give --config FILE, or --server URL and --election ID"),
    };
    let running = kiosk::start(config).await?;
    println!("urne-kiosk: http://{}/", running.addr);
    tokio::signal::ctrl_c().await?;
    running.stop();
    Ok(())
}
