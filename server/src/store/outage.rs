//! Which database failures are the storage's condition rather than a bug:
//! a full disk, a database that is down or restarting. The API answers them
//! 507 and 503 with what to do (free space, retry with the same idempotency
//! key), not as an internal error; in both cases the transaction did not
//! commit, so nothing was stored.
//!
//! One place for the codes of both backends: SQLite's result codes and
//! PostgreSQL's SQLSTATEs.

/// A storage condition that refuses writes for a while.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outage {
    /// No space left where the database writes.
    DiskFull,
    /// The database cannot be reached or is shutting down or starting.
    Unavailable,
}

/// The outage behind `err`, if any, looking through its whole chain.
pub fn outage_of(err: &anyhow::Error) -> Option<Outage> {
    err.chain().find_map(|e| {
        if let Some(super::StoreError::Database(db)) = e.downcast_ref::<super::StoreError>() {
            return of_sqlx(db);
        }
        e.downcast_ref::<sqlx::Error>().and_then(of_sqlx)
    })
}

fn of_sqlx(e: &sqlx::Error) -> Option<Outage> {
    match e {
        sqlx::Error::Database(db) => {
            let code = db.code();
            let code = code.as_deref().unwrap_or_default();
            match code {
                // SQLITE_FULL; PostgreSQL's disk_full (class 53: insufficient resources).
                "13" | "53100" => Some(Outage::DiskFull),
                // admin_shutdown, crash_shutdown, cannot_connect_now; class 08: connection exception.
                "57P01" | "57P02" | "57P03" => Some(Outage::Unavailable),
                c if c.starts_with("08") => Some(Outage::Unavailable),
                _ if db.message().contains("database or disk is full") => Some(Outage::DiskFull),
                _ => None,
            }
        }
        sqlx::Error::Io(io) if io.kind() == std::io::ErrorKind::StorageFull => {
            Some(Outage::DiskFull)
        }
        sqlx::Error::Io(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::WorkerCrashed => Some(Outage::Unavailable),
        _ => None,
    }
}
