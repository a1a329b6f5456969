//! Durable storage of elections and entries, on SQLite or PostgreSQL.
//!
//! [`Store`] owns the pool and opens write transactions ([`Store::begin_write`]:
//! `BEGIN IMMEDIATE` behind one writer queue on SQLite). The tables are read
//! and written by repositories, one module per table, whose functions take
//! the caller's connection or transaction (`&mut AnyConnection`): the caller
//! (the write path, the CLI) decides what commits together. One set of
//! portable SQL runs on both backends through sqlx's `Any` driver (`$1`
//! placeholders, `BIGINT` and `TEXT` only); the DDL lives in `migrations/`.
//! A write is acknowledged only after its commit is durable
//! (`synchronous=FULL` on SQLite, `synchronous_commit` left on for PostgreSQL).
//!
//! Lost updates are prevented by the explicit version check in the UPDATE
//! (`WHERE version = $n`, in [`bureaux::put`]), not by the isolation level: a
//! writer that read an old version gets [`StoreError::Conflict`] and nothing
//! is written.

pub mod accounts;
pub mod audit;
pub mod bureaux;
pub mod elections;
pub mod entries;
pub mod files;
pub mod grants;
pub mod idempotency;
pub mod maps;
pub mod notify;
pub mod outage;
pub mod records;

use std::str::FromStr;
use std::time::Duration;

use election_data::bureau::Dossier;
use election_data::model::Election;
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Connection, Executor};
use tokio::sync::Mutex;

static MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

/// Which database is behind the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("unsupported database URL (expected sqlite:// or postgres://): {0}")]
    UnsupportedUrl(String),
    #[error("election {0} already exists")]
    ElectionExists(String),
    #[error("unknown election {0}")]
    UnknownElection(String),
    #[error("version conflict on bureau {bureau}: expected {expected}")]
    Conflict { bureau: String, expected: i64 },
    #[error("another request with the same idempotency key committed first")]
    IdempotencyRace,
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// What kind of write an entry is (the domain names it).
pub use election_data::bureau::EntryKind;

/// A bureau's current row, as loaded at startup: its code and its dossier
/// (the domain type the live state holds too).
#[derive(Debug, Clone)]
pub struct StoredBureau {
    pub code: String,
    pub dossier: Dossier,
}

impl std::ops::Deref for StoredBureau {
    type Target = Dossier;
    fn deref(&self) -> &Dossier {
        &self.dossier
    }
}

/// An election with everything stored about it.
#[derive(Debug, Clone)]
pub struct StoredElection {
    pub election: Election,
    pub seq: i64,
    pub bureaux: Vec<StoredBureau>,
    /// The bureaux' contours, when imported.
    pub map: Option<election_data::map::BureauMap>,
}

impl StoredElection {
    /// The live state this stored election starts from.
    pub fn into_live(self) -> results_view::LiveElection {
        let rows = self.bureaux.into_iter().map(|b| (b.code, b.dossier));
        let mut live = results_view::LiveElection::restore(self.election, self.seq, rows);
        if self.map.is_some() {
            live.set_map(self.map);
        }
        live
    }
}

/// What a committed write was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Committed {
    pub version: i64,
    pub seq: i64,
    pub at: i64,
}

pub(crate) fn to_json<T: serde::Serialize>(v: &T, what: &str) -> Result<String, StoreError> {
    serde_json::to_string(v)
        .map_err(|e| StoreError::Corrupt(format!("cannot serialise {what}: {e}")))
}

/// Milliseconds since the Unix epoch (the one clock: `results_view::time`).
pub use results_view::time::now_millis;

#[derive(Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// SQLite has one writer at a time; queueing writers here, rather than in
    /// SQLite's busy handler, keeps latency fair and avoids SQLITE_BUSY.
    sqlite_writer: Mutex<()>,
    /// Fault injection: milliseconds each entry's commit is held back, in
    /// its transaction, as a slow disk's fsync would (0 in real use; set by
    /// the tests and `urne serve --fault-commit-delay-ms`).
    commit_delay_ms: std::sync::atomic::AtomicU64,
    /// The URL it was opened with (the follower's LISTEN connection).
    url: String,
}

impl Store {
    /// Connects (creating the SQLite file if needed) and runs the migrations.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        install_default_drivers();
        let given = url.to_string();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(StoreError::UnsupportedUrl(url.to_string()));
        };
        let url = match backend {
            Backend::Sqlite if !url.contains("mode=") => {
                let sep = if url.contains('?') { '&' } else { '?' };
                format!("{url}{sep}mode=rwc")
            }
            _ => url.to_string(),
        };
        // Fail early with a clear message on a malformed URL.
        sqlx::any::AnyConnectOptions::from_str(&url)?;
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 4 } else { 10 })
            // PostgreSQL down (a restart, a network cut): a write gives up
            // after 3 s with a 503 the client retries, rather than hanging.
            // SQLite's writers queue behind one another: they may wait longer.
            .acquire_timeout(Duration::from_secs(if backend == Backend::Sqlite {
                10
            } else {
                3
            }))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL for concurrent readers; FULL so that a commit
                        // survives power loss, not just a process crash.
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        conn.execute("PRAGMA synchronous = FULL").await?;
                        conn.execute("PRAGMA busy_timeout = 10000").await?;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                    }
                    Ok(())
                })
            })
            .after_release(move |conn, _meta| {
                Box::pin(async move {
                    if backend != Backend::Sqlite {
                        return Ok(true);
                    }
                    // SQLite rolls a transaction back by itself on some
                    // errors (SQLITE_FULL: a full disk); the ROLLBACK sqlx
                    // then sends fails, and it takes the connection for
                    // still in a transaction, so that every later BEGIN on it
                    // fails. The ping lets the queued rollback run first;
                    // a connection still "in a transaction" is closed, not
                    // pooled.
                    conn.ping().await?;
                    Ok(!conn.is_in_transaction())
                })
            })
            .connect(&url)
            .await?;
        MIGRATIONS.run(&pool).await?;
        Ok(Store {
            pool,
            backend,
            sqlite_writer: Mutex::new(()),
            commit_delay_ms: std::sync::atomic::AtomicU64::new(0),
            url: given,
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// A connection of the pool, for reads outside a write transaction.
    pub async fn acquire(&self) -> Result<sqlx::pool::PoolConnection<sqlx::Any>, StoreError> {
        Ok(self.pool.acquire().await?)
    }

    /// For `urne serve` on SQLite: makes sure no other server uses the same
    /// file (several instances need PostgreSQL: each would keep its own live
    /// state, blind to the other's writes). Holds a lock on `FILE.serve-lock`
    /// for as long as the returned file is kept; None on PostgreSQL.
    pub fn claim_sqlite_file(&self) -> anyhow::Result<Option<std::fs::File>> {
        if self.backend != Backend::Sqlite {
            return Ok(None);
        }
        let path = self
            .url
            .trim_start_matches("sqlite://")
            .trim_start_matches("sqlite:");
        let path = path.split('?').next().unwrap_or(path);
        if path.is_empty() || path == ":memory:" {
            return Ok(None);
        }
        let lock = format!("{path}.serve-lock");
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock)
            .map_err(|e| anyhow::anyhow!("{lock}: {e}"))?;
        match file.try_lock() {
            Ok(()) => Ok(Some(file)),
            Err(std::fs::TryLockError::WouldBlock) => anyhow::bail!(
                "another `urne serve` already uses the SQLite file {path}: one server per SQLite \
                 file (for several instances, use PostgreSQL: docs/deploy.md)"
            ),
            Err(std::fs::TryLockError::Error(e)) => anyhow::bail!("{lock}: {e}"),
        }
    }

    /// The database URL, as given to [`Store::connect`].
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Every election's id, in creation order.
    pub async fn election_ids(&self) -> Result<Vec<String>, StoreError> {
        elections::ids(&mut *self.pool.acquire().await?).await
    }

    /// One election with its seq and bureaux, consistent with each other
    /// (the same wait for committing writers as [`Store::load_all`]).
    pub async fn load_election(&self, id: &str) -> Result<Option<StoredElection>, StoreError> {
        let mut tx = self.pool.begin().await?;
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT id FROM elections WHERE id = $1 FOR SHARE")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        let Some((election, seq)) = elections::one(&mut tx, id).await? else {
            tx.commit().await?;
            return Ok(None);
        };
        let bureaux = bureaux::load(&mut tx, id).await?;
        let map = maps::get(&mut tx, id).await?;
        tx.commit().await?;
        Ok(Some(StoredElection {
            election,
            seq,
            bureaux,
            map,
        }))
    }

    /// The logged entries of an election after `seq`, in order.
    pub async fn entries_after(
        &self,
        election_id: &str,
        seq: i64,
        limit: i64,
    ) -> Result<Vec<entries::Logged>, StoreError> {
        entries::after(&mut *self.pool.acquire().await?, election_id, seq, limit).await
    }

    /// Opens a write transaction (the guard queues SQLite's writers).
    pub async fn begin_write(
        &self,
    ) -> Result<
        (
            Option<tokio::sync::MutexGuard<'_, ()>>,
            sqlx::Transaction<'static, sqlx::Any>,
        ),
        StoreError,
    > {
        Ok(match self.backend {
            Backend::Sqlite => {
                let guard = self.sqlite_writer.lock().await;
                // IMMEDIATE takes the write lock up front: no upgrade deadlock.
                let tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
                (Some(guard), tx)
            }
            Backend::Postgres => (None, self.pool.begin().await?),
        })
    }

    /// Holds every entry's commit back by `delay` (fault injection: a slow disk).
    pub fn set_commit_delay(&self, delay: Duration) {
        let ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
        self.commit_delay_ms
            .store(ms, std::sync::atomic::Ordering::Relaxed);
    }

    /// Waits as long as [`Store::set_commit_delay`] asks, inside the
    /// transaction about to commit (its locks held, as during an fsync).
    pub async fn slow_disk(&self) {
        let ms = self
            .commit_delay_ms
            .load(std::sync::atomic::Ordering::Relaxed);
        if ms > 0 {
            tokio::time::sleep(Duration::from_millis(ms)).await;
        }
    }

    /// Stores a new election definition (already checked by the caller).
    pub async fn create_election(
        &self,
        election: &Election,
        actor: &str,
    ) -> Result<(), StoreError> {
        let (_guard, mut tx) = self.begin_write().await?;
        elections::create(&mut tx, election, actor).await?;
        notify::send(&mut tx, self.backend, &election.id, 0).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Stores an election's contours (checked by the caller), audited, and
    /// tells the other instances.
    pub async fn put_contours(
        &self,
        election_id: &str,
        map: &election_data::map::BureauMap,
        features: usize,
        actor: &str,
    ) -> Result<(), StoreError> {
        let (_guard, mut tx) = self.begin_write().await?;
        maps::put(&mut tx, election_id, map, features, actor).await?;
        notify::send_contours(&mut tx, self.backend, election_id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// An election's contours, if imported.
    pub async fn contours(
        &self,
        election_id: &str,
    ) -> Result<Option<election_data::map::BureauMap>, StoreError> {
        maps::get(&mut *self.pool.acquire().await?, election_id).await
    }

    /// Every election with its bureaux' current rows, to rebuild the live state.
    ///
    /// On PostgreSQL the load first waits for the writers still committing:
    /// a process killed right after it sent `COMMIT` may have acknowledged
    /// nothing yet, but the server completes that commit — possibly after a
    /// restarted process has begun to load. Every write holds its election's
    /// row (the `seq` update) until its commit ends, so taking those rows
    /// `FOR SHARE` first, in the transaction that then reads the bureaux,
    /// loads a state that includes every commit an earlier process could
    /// have answered for (the kill -9 loop, `scripts/kill9-loop.py`, caught
    /// the difference). SQLite's commit is atomic in the file: nothing to
    /// wait for.
    pub async fn load_all(&self) -> Result<Vec<StoredElection>, StoreError> {
        let mut tx = self.pool.begin().await?;
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT id FROM elections FOR SHARE")
                .execute(&mut *tx)
                .await?;
        }
        let mut out = Vec::new();
        for (election, seq) in elections::all(&mut tx).await? {
            let bureaux = bureaux::load(&mut tx, &election.id).await?;
            let map = maps::get(&mut tx, &election.id).await?;
            out.push(StoredElection {
                election,
                seq,
                bureaux,
                map,
            });
        }
        tx.commit().await?;
        Ok(out)
    }

    /// The current rows of an election's bureaux.
    pub async fn load_bureaux(&self, election_id: &str) -> Result<Vec<StoredBureau>, StoreError> {
        bureaux::load(&mut *self.pool.acquire().await?, election_id).await
    }

    /// The election's current sequence number.
    pub async fn seq(&self, election_id: &str) -> Result<i64, StoreError> {
        elections::seq(&mut *self.pool.acquire().await?, election_id).await
    }

    /// Number of entries logged for a bureau (its version history).
    pub async fn entry_count(
        &self,
        election_id: &str,
        bureau_code: &str,
    ) -> Result<i64, StoreError> {
        entries::count(&mut *self.pool.acquire().await?, election_id, bureau_code).await
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

#[cfg(test)]
mod tests {
    use super::MIGRATIONS;

    /// Databases migrated when each backend had its own folder keep
    /// migrating: sqlx compares each applied version's SHA-384 with the
    /// file's, and these are the checksums of the former per-backend files
    /// (byte-identical on both backends).
    #[test]
    fn the_shared_migrations_keep_the_checksums_of_the_per_backend_ones() {
        let expected = [
            (
                1,
                "results",
                "dbb510281cc5ddc3bbf13a693ec2df738aaf513a1071d82ec8c2a5aba9f8c74004e3f6a5e345a3947912acec879eaf63",
            ),
            (
                2,
                "workflow audit auth",
                "50e5bf7016f455e4fc28a624567a5bce7fe959180b12798defa2b9b5fc8428953f1dffb427cc3bd0abf728ef96a59136",
            ),
            (
                3,
                "centaines",
                "df467e4ad03a3b66ed0618112fb759b214ed4f996237d1fd692123716718ee31c5ed85e9adf6d991ea307a5cd4d33222",
            ),
            (
                4,
                "sessions throttle",
                "f410f7fb5de7325e7d7e3c3f8823c4cbd5918cff58bd88571734915503de47d9c72fa34abc168488e6f37814038563f1",
            ),
            (
                5,
                "entry dossier",
                "6df3373802eeb5e4f0b5ca3ff34fd139de80a4f3c0a0c8292f69c75326e785e9a48633547279c778e81d95f70bfb4a24",
            ),
            (
                6,
                "modules",
                "82ae9ed18d06f533f1915692ee3be47e56445deabee211054be99f2d70299ecf31e64ced5e11d9010af942195e5bde01",
            ),
            (
                7,
                "bureau maps",
                "0247c4ea0b9a04d266f853adad24e61fbd150517401ba7a39beffd02bef08553a79e08573d9854e1e09ab7da3d6ab6fa",
            ),
            (
                8,
                "module grants",
                "7ecdf8fde4bb1040253709a1f2a2d856c2744431a6a1bf706376332a6f0e6c4b0c98c014c3c346edf3297a5a5c35e9d9",
            ),
            (
                9,
                "trend",
                "d24501696e8f897e04512ed691c31319c2e8352b022e4a8103a60cf3152b2bf2daa93e556f643f501ea27f62f3aeddfa",
            ),
        ];
        let found: Vec<(i64, String, String)> = MIGRATIONS
            .iter()
            .map(|m| {
                let hex: String = m.checksum.iter().map(|b| format!("{b:02x}")).collect();
                (m.version, m.description.to_string(), hex)
            })
            .collect();
        let expected: Vec<(i64, String, String)> = expected
            .iter()
            .map(|(v, d, h)| (*v, d.to_string(), h.to_string()))
            .collect();
        assert_eq!(found, expected);
    }
}
