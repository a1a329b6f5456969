//! `urne module list|enable|disable|import|grant|revoke`: which secondary modules this
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
    /// Import a CSV or spreadsheet file into an entity (every row or none).
    Import {
        module: String,
        entity: String,
        file: std::path::PathBuf,
        #[arg(long, env = "DATABASE_URL", default_value = "sqlite://urne.db")]
        database_url: String,
    },
    /// Switch a module off (its data is kept).
    Disable {
        name: String,
        #[arg(long, env = "DATABASE_URL", default_value = "sqlite://urne.db")]
        database_url: String,
    },
    /// Grant one of a module's own roles to an account.
    Grant {
        username: String,
        module: String,
        role: String,
        #[arg(long, env = "DATABASE_URL", default_value = "sqlite://urne.db")]
        database_url: String,
    },
    /// Take one of a module's own roles back from an account.
    Revoke {
        username: String,
        module: String,
        role: String,
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
        ModuleCommand::Import {
            module,
            entity,
            file,
            database_url,
        } => import(&catalog, &module, &entity, &file, &database_url).await,
        ModuleCommand::Disable { name, database_url } => {
            switch(&catalog, &name, &database_url, false).await
        }
        ModuleCommand::Grant {
            username,
            module,
            role,
            database_url,
        } => grant(&catalog, &username, &module, &role, &database_url, true).await,
        ModuleCommand::Revoke {
            username,
            module,
            role,
            database_url,
        } => grant(&catalog, &username, &module, &role, &database_url, false).await,
    }
}

async fn grant(
    catalog: &module_engine::Catalog,
    username: &str,
    module: &str,
    role: &str,
    database_url: &str,
    on: bool,
) -> anyhow::Result<()> {
    let Some(m) = catalog.module(module) else {
        anyhow::bail!("module inconnu : {module}");
    };
    if !m.roles.iter().any(|r| r.code == role) {
        let known: Vec<&str> = m.roles.iter().map(|r| r.code).collect();
        anyhow::bail!(
            "le module {module} n'a pas de rôle « {role} » (rôles : {})",
            if known.is_empty() {
                "aucun".to_string()
            } else {
                known.join(", ")
            }
        );
    }
    let store = Store::connect(database_url).await?;
    if store.user(username).await?.is_none() {
        anyhow::bail!("aucun compte nommé « {username} »");
    }
    let (_guard, mut tx) = store.begin_write().await?;
    let changed = if on {
        crate::store::grants::grant(&mut tx, username, module, role, "cli").await?
    } else {
        crate::store::grants::revoke(&mut tx, username, module, role, "cli").await?
    };
    tx.commit().await?;
    println!(
        "{username} : rôle « {role} » du module {module} {}",
        match (on, changed) {
            (true, true) => "accordé",
            (true, false) => "déjà accordé",
            (false, true) => "retiré",
            (false, false) => "n'était pas accordé",
        }
    );
    store.close().await;
    Ok(())
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

async fn import(
    catalog: &module_engine::Catalog,
    module: &str,
    entity: &str,
    file: &std::path::Path,
    database_url: &str,
) -> anyhow::Result<()> {
    let Some(m) = catalog.module(module) else {
        anyhow::bail!("module inconnu : {module}");
    };
    let Some(e) = m.entity(entity) else {
        anyhow::bail!("pas d'entité {entity} dans le module {module}");
    };
    let bytes = std::fs::read(file)
        .map_err(|err| anyhow::anyhow!("lecture de {} impossible : {err}", file.display()))?;
    let store = Store::connect(database_url).await?;
    if !records::is_enabled(&mut *store.pool().acquire().await?, m.name).await? {
        anyhow::bail!("le module {module} n'est pas activé (urne module enable {module})");
    }
    let mut known = records::Known::default();
    for stored in store.load_all().await? {
        let el = stored.election;
        known
            .bureaux
            .extend(el.bureaux.iter().map(|b| (el.id.clone(), b.code.clone())));
        known.elections.push(el.id);
    }
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{msg} [{bar:40}] {percent} %")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar.set_message(format!("{} → {}", file.display(), e.label));
    let result =
        crate::modules::import::import(&store, m, e, &bytes, &known, "cli", &mut |done, total| {
            bar.set_length(total);
            bar.set_position(done);
        })
        .await;
    bar.finish_and_clear();
    store.close().await;
    match result {
        Ok(done) => {
            println!(
                "{} fiche(s) importée(s) dans {} (SHA-256 {})",
                done.rows, e.label, done.sha256
            );
            if !done.ignored_columns.is_empty() {
                println!("colonnes ignorées : {}", done.ignored_columns.join(", "));
            }
            Ok(())
        }
        Err(crate::modules::import::ImportError::Rows { errors, count }) => {
            for x in &errors {
                eprintln!("{x}");
            }
            anyhow::bail!("{count} erreur(s) : rien n'a été importé")
        }
        Err(crate::modules::import::ImportError::Store(s)) => Err(s.into()),
    }
}
