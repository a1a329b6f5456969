//! `urne`: the command line. The commands live in the library's
//! [`urne::cli`]; this is only its entry point.

use clap::Parser;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    urne::cli::run(urne::cli::Cli::parse()).await
}
