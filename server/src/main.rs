//! `urne`: the command line. `serve` runs the server; `demo` plays a whole
//! election night on the sample commune with the embedded SQLite default.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;
use urne::app::{Config, spawn};
use urne::store::Store;

#[derive(Debug, Parser)]
#[command(
    name = "urne",
    version,
    about = "Urne — résultats électoraux en direct"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server.
    Serve {
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
    },
    /// A fan-out worker process (started by `serve --fanout-workers`).
    #[command(hide = true)]
    FanoutWorker {
        #[arg(long)]
        channel_capacity: usize,
        #[arg(long)]
        send_timeout_ms: u64,
        #[arg(long)]
        ping_every_ms: u64,
        #[arg(long)]
        idle_limit_ms: u64,
    },
    /// Manage accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Check the audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Import an election: setup CSV files, or a past election from the ministry's file.
    Import {
        #[command(subcommand)]
        command: urne::export::cli::ImportCommand,
    },
    /// Export an election's results (ministere, prefecture, opendata, nist, eml,
    /// or pdf: a printable record) and print the SHA-256 of the file.
    Export(urne::export::cli::ExportArgs),
    /// Play a live election night on the sample commune (34 bureaux, 12 candidates).
    Demo {
        #[arg(long, env = "URNE_LISTEN", default_value = "127.0.0.1:8080")]
        listen: String,
        /// The demo's database; the default file is recreated at each run.
        #[arg(long, default_value = "sqlite://urne-demo.db")]
        database_url: String,
        /// Length of the night, in seconds.
        #[arg(long, default_value_t = 120)]
        duration: u64,
        /// Seed of the figures and of the arrival order.
        #[arg(long, default_value_t = 2027)]
        seed: u64,
        /// Stop when every bureau has arrived instead of serving on.
        #[arg(long)]
        exit_when_done: bool,
    },
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Create or replace an account. The password is read from URNE_PASSWORD,
    /// or from the first line of standard input.
    Add {
        username: String,
        /// admin, desk or president.
        #[arg(long)]
        role: String,
        /// Bureaux of a president, comma-separated codes.
        #[arg(long, value_delimiter = ',')]
        bureaux: Vec<String>,
        #[arg(long, env = "DATABASE_URL", default_value = "sqlite://urne.db")]
        database_url: String,
    },
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Recompute the hash chain; exit status 1 if any row was altered or deleted.
    Verify {
        #[arg(long, env = "DATABASE_URL", default_value = "sqlite://urne.db")]
        database_url: String,
    },
}

fn read_password() -> anyhow::Result<String> {
    if let Ok(p) = std::env::var("URNE_PASSWORD") {
        return Ok(p);
    }
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\n', '\r']).to_string())
}

fn random_token() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

fn init_tracing() {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=warn")),
        )
        .with_target(false)
        .with_writer(std::io::stderr)
        .init();
}

async fn shutdown_signal() {
    let _ = tokio::signal::ctrl_c().await;
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve {
            listen,
            database_url,
            api_token,
            body_limit,
            static_dir,
            fanout_workers,
        } => {
            init_tracing();
            urne::hub::worker::raise_open_files_limit();
            let store = Arc::new(Store::connect(&database_url).await?);
            let token = api_token.unwrap_or_else(|| {
                let t = random_token();
                tracing::warn!("no URNE_API_TOKEN given; this run's API token is {t}");
                t
            });
            let running = spawn(
                &listen,
                store,
                Config {
                    api_token: token,
                    body_limit,
                    fanout_workers,
                    ..Config::default()
                },
            )
            .await?;
            if let Some(dir) = static_dir {
                tracing::info!(dir = %dir.display(), "writing a static copy of the public pages");
                urne::pages::static_dir::spawn(running.state.clone(), dir);
            }
            tracing::info!("Urne listens on http://{}", running.addr);
            println!("Urne: http://{}/", running.addr);
            tokio::select! {
                r = running.wait() => r?,
                () = shutdown_signal() => tracing::info!("stopping"),
            }
        }
        Command::FanoutWorker {
            channel_capacity,
            send_timeout_ms,
            ping_every_ms,
            idle_limit_ms,
        } => {
            init_tracing();
            let settings = urne::hub::HubSettings {
                channel_capacity,
                send_timeout: Duration::from_millis(send_timeout_ms),
                ping_every: Duration::from_millis(ping_every_ms),
                idle_limit: Duration::from_millis(idle_limit_ms),
                ..urne::hub::HubSettings::default()
            };
            // Its own runtime: this one is for the main process's work.
            std::thread::spawn(move || urne::hub::worker::run(settings))
                .join()
                .map_err(|_| anyhow::anyhow!("fan-out worker panicked"))??;
        }
        Command::User {
            command:
                UserCommand::Add {
                    username,
                    role,
                    bureaux,
                    database_url,
                },
        } => {
            let role = election_data::workflow::Role::parse(&role).ok_or_else(|| {
                anyhow::anyhow!("--role: admin, desk or president expected, got {role}")
            })?;
            let store = Store::connect(&database_url).await?;
            let user = urne::api::users::make_user(urne::api::users::NewUser {
                username: username.clone(),
                password: read_password()?,
                role,
                bureaux,
            })
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            store.put_user(&user, "cli").await?;
            println!("compte {username} enregistré ({})", role.label_fr());
        }
        Command::Audit {
            command: AuditCommand::Verify { database_url },
        } => {
            let store = Store::connect(&database_url).await?;
            let report = store.verify_audit().await?;
            if report.is_intact() {
                println!(
                    "journal d'audit intact : {} lignes, chaîne d'empreintes vérifiée",
                    report.rows
                );
            } else {
                println!("journal d'audit ALTÉRÉ ({} lignes lues) :", report.rows);
                for p in &report.problems {
                    println!("  - {p}");
                }
                std::process::exit(1);
            }
        }
        Command::Import { command } => urne::export::cli::import(command).await?,
        Command::Export(args) => urne::export::cli::export(args).await?,
        Command::Demo {
            listen,
            database_url,
            duration,
            seed,
            exit_when_done,
        } => {
            // Quiet logs: the demo narrates the night on stdout.
            tracing_subscriber::fmt()
                .with_env_filter(
                    EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn")),
                )
                .with_writer(std::io::stderr)
                .init();
            if database_url == "sqlite://urne-demo.db" {
                for f in ["urne-demo.db", "urne-demo.db-wal", "urne-demo.db-shm"] {
                    if Path::new(f).exists() {
                        std::fs::remove_file(f)?;
                    }
                }
            }
            let store = Arc::new(Store::connect(&database_url).await?);
            let token = random_token();
            let running = spawn(
                &listen,
                store,
                Config {
                    api_token: token.clone(),
                    ..Config::default()
                },
            )
            .await?;
            let base = format!("http://{}", running.addr);
            println!("Urne — soirée électorale de démonstration");
            println!("  Résultats en direct : {base}/elections/presidentielle-2027-t1");
            println!("  API (OpenAPI)       : {base}/api/openapi.json");
            println!("  Jeton de saisie     : {token}");
            let script = urne::demo::Script {
                base: base.clone(),
                token: token.clone(),
                duration: Duration::from_secs(duration),
                seed,
                election: election_data::fixtures::sample_commune(),
                narrate: true,
            };
            // The same commune's municipal election plays alongside, quietly:
            // lists and provisional seats.
            let municipales = urne::demo::Script {
                base: base.clone(),
                token,
                duration: Duration::from_secs(duration),
                seed: seed.wrapping_add(1),
                election: election_data::fixtures::sample_municipales(),
                narrate: false,
            };
            println!("  Municipales (sièges) : {base}/elections/municipales-2026-t1");
            println!();
            let side = tokio::spawn(urne::demo::play(municipales));
            tokio::select! {
                outcome = urne::demo::play(script) => {
                    match side.await {
                        Ok(Err(e)) => eprintln!("municipales: {e:#}"),
                        Err(e) => eprintln!("municipales: {e}"),
                        Ok(Ok(_)) => {}
                    }
                    let outcome = outcome?;
                    println!();
                    println!(
                        "Tous les bureaux sont parvenus : {} procès-verbaux acceptés, {} refusé puis corrigé.",
                        outcome.accepted, outcome.refused
                    );
                }
                () = shutdown_signal() => { running.shutdown().await; return Ok(()); }
            }
            if exit_when_done {
                running.shutdown().await;
            } else {
                println!("Le serveur reste ouvert sur {base}/ — Ctrl-C pour arrêter.");
                tokio::select! {
                    r = running.wait() => r?,
                    () = shutdown_signal() => {}
                }
            }
        }
    }
    Ok(())
}
