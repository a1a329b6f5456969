//! What the benchmarks of `server/examples/` share: a module switched on
//! and the server started in-process with a client ([`serve_module`]), a
//! fresh PostgreSQL database per run (dropped at the end) and a line
//! describing the machine (its load before and after, so a figure
//! measured on a busy machine says so).

use std::sync::Arc;
use std::time::Duration;

use sqlx::Connection;
use urne::app::{Config, Running, spawn};
use urne::store::{Store, records};

/// The API token of the in-process server (an administrator).
pub const TOKEN: &str = "bench-token-0123456789";

/// Switches `m` on in `store`, starts the server on it (API token
/// [`TOKEN`], request bodies up to `body_limit`) and a client that does
/// not follow redirects (a desk screen answering with the login page
/// would count); returns the server, its base URL and the client.
pub async fn serve_module(
    store: &Arc<Store>,
    m: &module_engine::Module,
    body_limit: usize,
) -> anyhow::Result<(Running, String, reqwest::Client)> {
    let (_guard, mut tx) = store.begin_write().await?;
    records::set_enabled(&mut tx, store.backend(), m, true, "bench").await?;
    tx.commit().await?;
    drop(_guard);
    let config = Config {
        api_token: TOKEN.to_string(),
        body_limit,
        ..Config::default()
    };
    let running = spawn("127.0.0.1:0", store.clone(), config).await?;
    let base = format!("http://{}", running.addr);
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    Ok((running, base, http))
}

/// Creates `urne_bench_<uuid>` on the server of `admin` (its admin
/// database's URL); returns its URL and name.
pub async fn pg_database(admin: &str) -> Result<(String, String), String> {
    let conn = tokio::time::timeout(
        Duration::from_secs(5),
        sqlx::postgres::PgConnection::connect(admin),
    )
    .await;
    let mut conn = match conn {
        Ok(Ok(c)) => c,
        Ok(Err(e)) => return Err(e.to_string()),
        Err(_) => return Err("connection timed out".into()),
    };
    let name = format!("urne_bench_{}", uuid::Uuid::new_v4().simple());
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .map_err(|e| format!("CREATE DATABASE: {e}"))?;
    let _ = conn.close().await;
    let base = admin.rsplit_once('/').map_or(admin, |(b, _)| b);
    Ok((format!("{base}/{name}"), name))
}

/// Drops a database made by [`pg_database`] (a note if it cannot).
pub async fn drop_pg_database(admin: &str, name: &str) {
    let done = async {
        let mut conn = sqlx::postgres::PgConnection::connect(admin).await?;
        sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut conn)
            .await?;
        conn.close().await
    }
    .await;
    if let Err(e) = done {
        eprintln!("note: the bench database {name} was not dropped: {e}");
    }
}

/// « 2 CPUs, load average 0.12 0.30 0.25 ».
pub fn machine() -> String {
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let cpus = std::thread::available_parallelism().map_or(0, usize::from);
    format!(
        "{cpus} CPUs, load average {}",
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    )
}
