//! Durable storage of elections and entries, on SQLite or PostgreSQL.
//!
//! One set of portable SQL runs on both backends through sqlx's `Any` driver
//! (`$1` placeholders, `BIGINT` and `TEXT` only); the DDL lives per backend in
//! `migrations/`. An entry is written in a single transaction together with
//! the bureau's new current row and the election's sequence number, and the
//! caller acknowledges it only after [`Store::put_entry`] returned, i.e. after
//! the commit is durable (`synchronous=FULL` on SQLite, `synchronous_commit`
//! left on for PostgreSQL).
//!
//! Lost updates are prevented by the explicit version check in the UPDATE
//! (`WHERE version = $n`), not by the isolation level: a writer that read an
//! old version gets [`StoreError::Conflict`] and nothing is written.

use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use election_data::model::{Election, ProcesVerbal, TurnoutReading};
use election_data::tally::{BureauRecord, BureauState};
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Executor, Row};
use tokio::sync::Mutex;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");

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
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// What kind of write an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    /// A full procès-verbal (first entry or correction).
    Pv,
    /// Turnout readings during the day.
    Turnout,
}

impl EntryKind {
    fn code(self) -> &'static str {
        match self {
            EntryKind::Pv => "pv",
            EntryKind::Turnout => "turnout",
        }
    }
}

/// A bureau's current row, as loaded at startup.
#[derive(Debug, Clone)]
pub struct StoredBureau {
    pub code: String,
    pub version: i64,
    pub state: BureauState,
    pub record: BureauRecord,
    pub updated_at: i64,
}

/// An election with everything stored about it.
#[derive(Debug, Clone)]
pub struct StoredElection {
    pub election: Election,
    pub seq: i64,
    pub bureaux: Vec<StoredBureau>,
}

/// A write to commit: the bureau's new current record and the entry that made it.
#[derive(Debug, Clone)]
pub struct NewEntry<'a> {
    pub election_id: &'a str,
    pub bureau_code: &'a str,
    /// The version being replaced; 0 when the bureau has no row yet.
    pub expected_version: i64,
    pub state: BureauState,
    pub record: &'a BureauRecord,
    pub kind: EntryKind,
    /// The entry as received (after validation), kept in the log.
    pub payload: &'a serde_json::Value,
    pub author: &'a str,
}

/// What a committed write was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Committed {
    pub version: i64,
    pub seq: i64,
    pub at: i64,
}

/// Milliseconds since the Unix epoch.
pub fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

#[derive(Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// SQLite has one writer at a time; queueing writers here, rather than in
    /// SQLite's busy handler, keeps latency fair and avoids SQLITE_BUSY.
    sqlite_writer: Mutex<()>,
}

impl Store {
    /// Connects (creating the SQLite file if needed) and runs the migrations.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        install_default_drivers();
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
            .acquire_timeout(Duration::from_secs(10))
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
            .connect(&url)
            .await?;
        match backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&pool).await?,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&pool).await?,
        }
        Ok(Store {
            pool,
            backend,
            sqlite_writer: Mutex::new(()),
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    async fn begin_write(
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

    /// Stores a new election definition (already checked by the caller).
    pub async fn create_election(&self, election: &Election) -> Result<(), StoreError> {
        let definition = serde_json::to_string(election)
            .map_err(|e| StoreError::Corrupt(format!("cannot serialise election: {e}")))?;
        let (_guard, mut tx) = self.begin_write().await?;
        let exists = sqlx::query("SELECT id FROM elections WHERE id = $1")
            .bind(&election.id)
            .fetch_optional(&mut *tx)
            .await?;
        if exists.is_some() {
            return Err(StoreError::ElectionExists(election.id.clone()));
        }
        sqlx::query(
            "INSERT INTO elections (id, definition, seq, created_at) VALUES ($1, $2, 0, $3)",
        )
        .bind(&election.id)
        .bind(definition)
        .bind(now_millis())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Commits one entry: the entry log row, the bureau's current row (with
    /// the version check) and the election's next sequence number, atomically.
    pub async fn put_entry(&self, e: NewEntry<'_>) -> Result<Committed, StoreError> {
        let pv = match &e.record.pv {
            Some(pv) => Some(
                serde_json::to_string(pv)
                    .map_err(|err| StoreError::Corrupt(format!("cannot serialise pv: {err}")))?,
            ),
            None => None,
        };
        let turnout = serde_json::to_string(&e.record.turnout)
            .map_err(|err| StoreError::Corrupt(format!("cannot serialise turnout: {err}")))?;
        let payload = e.payload.to_string();
        let at = now_millis();
        let version = e.expected_version + 1;

        let (_guard, mut tx) = self.begin_write().await?;
        let seq: i64 =
            sqlx::query("UPDATE elections SET seq = seq + 1 WHERE id = $1 RETURNING seq")
                .bind(e.election_id)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(|| StoreError::UnknownElection(e.election_id.to_string()))?
                .try_get(0)?;
        let conflict = || StoreError::Conflict {
            bureau: e.bureau_code.to_string(),
            expected: e.expected_version,
        };
        if e.expected_version == 0 {
            let existing = sqlx::query(
                "SELECT version FROM bureau_results WHERE election_id = $1 AND bureau_code = $2",
            )
            .bind(e.election_id)
            .bind(e.bureau_code)
            .fetch_optional(&mut *tx)
            .await?;
            if existing.is_some() {
                return Err(conflict());
            }
            sqlx::query(
                "INSERT INTO bureau_results (election_id, bureau_code, version, state, pv, turnout, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(e.election_id)
            .bind(e.bureau_code)
            .bind(version)
            .bind(e.state.code())
            .bind(pv)
            .bind(turnout)
            .bind(at)
            .execute(&mut *tx)
            .await
            .map_err(|err| match &err {
                // A concurrent first entry won the race for this bureau.
                sqlx::Error::Database(db) if db.is_unique_violation() => conflict(),
                _ => StoreError::from(err),
            })?;
        } else {
            let done = sqlx::query(
                "UPDATE bureau_results SET version = $1, state = $2, pv = $3, turnout = $4, updated_at = $5 \
                 WHERE election_id = $6 AND bureau_code = $7 AND version = $8",
            )
            .bind(version)
            .bind(e.state.code())
            .bind(pv)
            .bind(turnout)
            .bind(at)
            .bind(e.election_id)
            .bind(e.bureau_code)
            .bind(e.expected_version)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() != 1 {
                return Err(conflict());
            }
        }
        sqlx::query(
            "INSERT INTO entries (election_id, seq, bureau_code, version, kind, payload, author, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(e.election_id)
        .bind(seq)
        .bind(e.bureau_code)
        .bind(version)
        .bind(e.kind.code())
        .bind(payload)
        .bind(e.author)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Committed { version, seq, at })
    }

    /// Every election with its bureaux' current rows, to rebuild the live state.
    pub async fn load_all(&self) -> Result<Vec<StoredElection>, StoreError> {
        let rows = sqlx::query("SELECT id, definition, seq FROM elections ORDER BY created_at, id")
            .fetch_all(&self.pool)
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let id: String = row.try_get(0)?;
            let definition: String = row.try_get(1)?;
            let seq: i64 = row.try_get(2)?;
            let election: Election = serde_json::from_str(&definition)
                .map_err(|e| StoreError::Corrupt(format!("election {id}: {e}")))?;
            let bureaux = self.load_bureaux(&id).await?;
            out.push(StoredElection {
                election,
                seq,
                bureaux,
            });
        }
        Ok(out)
    }

    /// The current rows of an election's bureaux.
    pub async fn load_bureaux(&self, election_id: &str) -> Result<Vec<StoredBureau>, StoreError> {
        let rows = sqlx::query(
            "SELECT bureau_code, version, state, pv, turnout, updated_at FROM bureau_results \
             WHERE election_id = $1 ORDER BY bureau_code",
        )
        .bind(election_id)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|row| {
                let code: String = row.try_get(0)?;
                let corrupt = |what: &str, e: &dyn std::fmt::Display| {
                    StoreError::Corrupt(format!("bureau {code} of {election_id}: {what}: {e}"))
                };
                let state: String = row.try_get(2)?;
                let state = BureauState::parse(&state).ok_or_else(|| corrupt("state", &state))?;
                let pv: Option<String> = row.try_get(3)?;
                let pv: Option<ProcesVerbal> = match pv {
                    Some(s) => Some(serde_json::from_str(&s).map_err(|e| corrupt("pv", &e))?),
                    None => None,
                };
                let turnout: String = row.try_get(4)?;
                let turnout: Vec<TurnoutReading> =
                    serde_json::from_str(&turnout).map_err(|e| corrupt("turnout", &e))?;
                Ok(StoredBureau {
                    version: row.try_get(1)?,
                    state,
                    record: BureauRecord { pv, turnout },
                    updated_at: row.try_get(5)?,
                    code,
                })
            })
            .collect()
    }

    /// The election's current sequence number.
    pub async fn seq(&self, election_id: &str) -> Result<i64, StoreError> {
        sqlx::query("SELECT seq FROM elections WHERE id = $1")
            .bind(election_id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::UnknownElection(election_id.to_string()))?
            .try_get(0)
            .map_err(StoreError::from)
    }

    /// Number of entries logged for a bureau (its version history).
    pub async fn entry_count(
        &self,
        election_id: &str,
        bureau_code: &str,
    ) -> Result<i64, StoreError> {
        let row =
            sqlx::query("SELECT COUNT(*) FROM entries WHERE election_id = $1 AND bureau_code = $2")
                .bind(election_id)
                .bind(bureau_code)
                .fetch_one(&self.pool)
                .await?;
        Ok(row.try_get(0)?)
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}
