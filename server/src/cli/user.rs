//! `urne user add|unlock|disable|enable`: accounts from the command line,
//! straight into the store (so every running instance sees the change).

use crate::store::Store;

#[derive(Debug, clap::Subcommand)]
pub enum UserCommand {
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
    /// Clear the login throttle of an account (its failures are forgotten).
    Unlock {
        username: String,
        #[arg(long, env = "DATABASE_URL", default_value = "sqlite://urne.db")]
        database_url: String,
    },
    /// Disable an account: it cannot log in, its sessions end at once.
    Disable {
        username: String,
        #[arg(long, env = "DATABASE_URL", default_value = "sqlite://urne.db")]
        database_url: String,
    },
    /// Enable a disabled account again.
    Enable {
        username: String,
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

pub async fn run(command: UserCommand) -> anyhow::Result<()> {
    match command {
        UserCommand::Add {
            username,
            role,
            bureaux,
            database_url,
        } => add(username, role, bureaux, &database_url).await,
        UserCommand::Unlock {
            username,
            database_url,
        } => {
            let store = Store::connect(&database_url).await?;
            found(store.unlock(&username, "cli").await?, &username)?;
            println!("compte {username} débloqué : ses échecs de connexion sont oubliés");
            Ok(())
        }
        UserCommand::Disable {
            username,
            database_url,
        } => {
            let store = Store::connect(&database_url).await?;
            found(store.set_disabled(&username, true, "cli").await?, &username)?;
            println!("compte {username} désactivé : ses sessions sont fermées");
            Ok(())
        }
        UserCommand::Enable {
            username,
            database_url,
        } => {
            let store = Store::connect(&database_url).await?;
            found(
                store.set_disabled(&username, false, "cli").await?,
                &username,
            )?;
            println!("compte {username} réactivé");
            Ok(())
        }
    }
}

fn found(found: bool, username: &str) -> anyhow::Result<()> {
    if found {
        Ok(())
    } else {
        Err(anyhow::anyhow!("username: no account named {username:?}"))
    }
}

async fn add(
    username: String,
    role: String,
    bureaux: Vec<String>,
    database_url: &str,
) -> anyhow::Result<()> {
    let role = election_data::bureau::Role::parse(&role)
        .ok_or_else(|| anyhow::anyhow!("--role: admin, desk or president expected, got {role}"))?;
    let store = Store::connect(database_url).await?;
    let user = crate::api::users::make_user(crate::api::users::NewUser {
        username: username.clone(),
        password: read_password()?,
        role,
        bureaux,
    })
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    store.put_user(&user, "cli").await?;
    println!("compte {username} enregistré ({})", role.label_fr());
    Ok(())
}
