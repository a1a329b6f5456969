//! `urne`'s command line, one file per command: [`serve`] (and the hidden
//! fan-out worker it starts), [`demo`], [`user`], [`audit`], [`import`],
//! [`export`] and [`backup`] (backup and restore). Each command parses its
//! arguments with clap and calls the library; none holds logic of its own
//! beyond wiring, so the tests exercise the same code through the server.

pub mod audit;
pub mod backup;
pub mod demo;
mod demo_script;
pub mod demo_staffing;
pub mod export;
pub mod import;
pub mod module;
pub mod serve;
pub mod user;

use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

pub use demo_script::{Outcome, Script, play};

#[derive(Debug, Parser)]
#[command(
    name = "urne",
    version,
    about = "Urne — résultats électoraux en direct"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server.
    Serve(serve::ServeArgs),
    /// A fan-out worker process (started by `serve --fanout-workers`).
    #[command(hide = true)]
    FanoutWorker(serve::WorkerArgs),
    /// Manage accounts.
    User {
        #[command(subcommand)]
        command: user::UserCommand,
    },
    /// The secondary modules (openScrutin…): list, switch on, switch off.
    Module {
        #[command(subcommand)]
        command: module::ModuleCommand,
    },
    /// Check the audit log.
    Audit {
        #[command(subcommand)]
        command: audit::AuditCommand,
    },
    /// Import an election: setup CSV files, or a past election from the ministry's file.
    Import {
        #[command(subcommand)]
        command: import::ImportCommand,
    },
    /// Export an election's results (ministere, prefecture, opendata, nist, eml,
    /// or pdf: a printable record) and print the SHA-256 of the file.
    Export(export::ExportArgs),
    /// Play a live election night on the sample commune (34 bureaux, 12 candidates).
    Demo(demo::DemoArgs),
    /// Write a consistent copy of the SQLite database while the server runs.
    Backup(backup::BackupArgs),
    /// Put a backup in place, after checking its audit chain.
    Restore(backup::RestoreArgs),
}

/// Runs one command to its end.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => serve::serve(args).await,
        Command::FanoutWorker(args) => serve::fanout_worker(args),
        Command::User { command } => user::run(command).await,
        Command::Module { command } => module::run(command).await,
        Command::Audit { command } => audit::run(command).await,
        Command::Import { command } => import::import(command).await,
        Command::Export(args) => export::export(args).await,
        Command::Demo(args) => demo::demo(args).await,
        Command::Backup(args) => backup::backup(args).await,
        Command::Restore(args) => backup::restore(args).await,
    }
}

/// Logs on standard error, filtered by `RUST_LOG` or else `default`.
pub(crate) fn init_tracing(default: &str) {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default)),
        )
        .with_target(false)
        .with_writer(std::io::stderr)
        .init();
}

/// The logs of a server: ours at info, the libraries' warnings.
pub(crate) const SERVER_LOGS: &str = "info,sqlx=warn,tower_http=warn";

/// A fresh random API token.
pub(crate) fn random_token() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// Resolves on Ctrl-C.
pub(crate) async fn shutdown_signal() {
    let _ = tokio::signal::ctrl_c().await;
}
