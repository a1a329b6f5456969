//! `urne module list|enable|disable`: which secondary modules this
//! installation runs, straight in the store (every instance reads it on
//! each request). Enabling makes the module's tables, or adds the columns
//! of fields declared since; disabling hides the module and keeps its data.

use crate::store::Store;
use crate::store::records;

#[derive(Debug, clap::Subcommand)]
pub enum ModuleCommand {
    /// The modules this server knows, and whether each is on.
    List {
        #[arg(long, env = "DATABASE_URL", default_value = "sqlite://urne.db")]
        database_url: String,
    },
    /// Switch a module on (its tables are made or completed).
    Enable {
        name: String,
        #[arg(long, env = "DATABASE_URL", default_value = "sqlite://urne.db")]
        database_url: String,
    },
    /// Switch a module off (its data is kept).
    Disable {
        name: String,
        #[arg(long, env = "DATABASE_URL", default_value = "sqlite://urne.db")]
        database_url: String,
    },
}

pub async fn run(command: ModuleCommand) -> anyhow::Result<()> {
    let catalog = crate::modules::builtin();
    match command {
        ModuleCommand::List { database_url } => {
            let store = Store::connect(&database_url).await?;
            let on = records::enabled(&mut *store.pool().acquire().await?).await?;
            if catalog.modules().is_empty() {
                println!("aucun module dans ce serveur");
            }
            for m in catalog.modules() {
                let state = if on.iter().any(|n| n == m.name) {
                    "activé"
                } else {
                    "désactivé"
                };
                println!(
                    "{:<12} {:<10} {} — {}",
                    m.name, state, m.label, m.description
                );
            }
            store.close().await;
            Ok(())
        }
        ModuleCommand::Enable { name, database_url } => {
            switch(&catalog, &name, &database_url, true).await
        }
        ModuleCommand::Disable { name, database_url } => {
            switch(&catalog, &name, &database_url, false).await
        }
    }
}

async fn switch(
    catalog: &module_engine::Catalog,
    name: &str,
    database_url: &str,
    on: bool,
) -> anyhow::Result<()> {
    let Some(m) = catalog.module(name) else {
        let known: Vec<&str> = catalog.modules().iter().map(|m| m.name).collect();
        anyhow::bail!(
            "module inconnu : {name} (modules de ce serveur : {})",
            known.join(", ")
        );
    };
    let store = Store::connect(database_url).await?;
    let (_guard, mut tx) = store.begin_write().await?;
    records::set_enabled(&mut tx, store.backend(), m, on, "cli").await?;
    tx.commit().await?;
    store.close().await;
    println!(
        "{} : {}",
        m.name,
        if on {
            "activé (tables prêtes)"
        } else {
            "désactivé (données conservées)"
        }
    );
    Ok(())
}
