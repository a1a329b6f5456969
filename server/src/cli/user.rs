//! `urne user add`: accounts from the command line, straight into the store.

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
    let UserCommand::Add {
        username,
        role,
        bureaux,
        database_url,
    } = command;
    let role = election_data::bureau::Role::parse(&role)
        .ok_or_else(|| anyhow::anyhow!("--role: admin, desk or president expected, got {role}"))?;
    let store = Store::connect(&database_url).await?;
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
