//! What the benchmarks of `server/examples/` share: a fresh PostgreSQL
//! database per run (dropped at the end) and a line describing the machine
//! (its load before and after, so a figure measured on a busy machine
//! says so).

use std::time::Duration;

use sqlx::Connection;

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
