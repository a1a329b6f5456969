//! `urne audit verify`: recomputes the audit log's hash chain.

use crate::store::Store;

#[derive(Debug, clap::Subcommand)]
pub enum AuditCommand {
    /// Recompute the hash chain; exit status 1 if any row was altered or deleted.
    Verify {
        #[arg(long, env = "DATABASE_URL", default_value = "sqlite://urne.db")]
        database_url: String,
    },
}

pub async fn run(command: AuditCommand) -> anyhow::Result<()> {
    let AuditCommand::Verify { database_url } = command;
    let store = Store::connect(&database_url).await?;
    let report = store.verify_audit().await?;
    if report.is_intact() {
        println!(
            "journal d'audit intact : {} lignes, chaîne d'empreintes vérifiée",
            report.rows
        );
        Ok(())
    } else {
        println!("journal d'audit ALTÉRÉ ({} lignes lues) :", report.rows);
        for p in &report.problems {
            println!("  - {p}");
        }
        std::process::exit(1);
    }
}
