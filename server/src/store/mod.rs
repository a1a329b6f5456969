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

pub mod accounts;
pub mod audit;

use std::str::FromStr;
use std::time::Duration;

use election_data::model::{Election, ProcesVerbal, TurnoutReading};
use election_data::tally::{BureauRecord, BureauState};

use crate::live::BureauLive;
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
    #[error("another request with the same idempotency key committed first")]
    IdempotencyRace,
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
    /// The second, independent entry of a PV (double entry).
    SecondPv,
    /// Turnout readings during the day.
    Turnout,
    Validate,
    Publish,
    Unpublish,
}

impl EntryKind {
    pub fn code(self) -> &'static str {
        match self {
            EntryKind::Pv => "pv",
            EntryKind::SecondPv => "pv2",
            EntryKind::Turnout => "turnout",
            EntryKind::Validate => "validate",
            EntryKind::Publish => "publish",
            EntryKind::Unpublish => "unpublish",
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
    pub second: Option<ProcesVerbal>,
    pub published: Option<ProcesVerbal>,
    pub centaines: Vec<election_data::validate::Centaine>,
    pub updated_at: i64,
}

/// An election with everything stored about it.
#[derive(Debug, Clone)]
pub struct StoredElection {
    pub election: Election,
    pub seq: i64,
    pub bureaux: Vec<StoredBureau>,
}

/// An idempotency key and the answer to store with the entry.
#[derive(Debug, Clone, Copy)]
pub struct Idempotency<'a> {
    pub key: &'a str,
    /// Hash of the request body: the same key with another body is refused.
    pub request_hash: &'a str,
}

/// A write to commit: the bureau's new state and the entry that made it.
#[derive(Debug, Clone)]
pub struct NewEntry<'a> {
    pub election_id: &'a str,
    pub bureau_code: &'a str,
    /// The version being replaced; 0 when the bureau has no row yet.
    pub expected_version: i64,
    /// The bureau after the write (its `meta.version` is ignored: the store assigns it).
    pub bureau: &'a BureauLive,
    /// The bureau before the write, for the audit log.
    pub old: &'a BureauLive,
    pub kind: EntryKind,
    /// The entry as received (after validation), kept in the log.
    pub payload: &'a serde_json::Value,
    pub author: &'a str,
    pub idempotency: Option<Idempotency<'a>>,
}

/// What a committed write was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Committed {
    pub version: i64,
    pub seq: i64,
    pub at: i64,
}

fn to_json<T: serde::Serialize>(v: &T, what: &str) -> Result<String, StoreError> {
    serde_json::to_string(v)
        .map_err(|e| StoreError::Corrupt(format!("cannot serialise {what}: {e}")))
}

fn opt_json(pv: Option<&ProcesVerbal>) -> Result<Option<String>, StoreError> {
    pv.map(|p| to_json(p, "pv")).transpose()
}

/// The audit view of a bureau: state and every figure.
pub fn bureau_json(b: &BureauLive) -> serde_json::Value {
    serde_json::json!({
        "state": b.meta.state,
        "version": b.meta.version,
        "pv": b.record.pv,
        "turnout": b.record.turnout,
        "second": b.second,
        "published": b.published,
        "centaines": b.centaines,
    })
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

    pub(crate) async fn begin_write(
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
    pub async fn create_election(
        &self,
        election: &Election,
        actor: &str,
    ) -> Result<(), StoreError> {
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
        .bind(&definition)
        .bind(now_millis())
        .execute(&mut *tx)
        .await?;
        audit::append(
            &mut tx,
            audit::AuditRecord {
                actor,
                action: "election.create",
                election_id: Some(&election.id),
                bureau_code: None,
                old: None,
                new: Some(definition),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Commits one entry: the entry log row, the bureau's current row (with
    /// the version check), the election's next sequence number, the audit
    /// row and the idempotency key, atomically. `answer` builds the response
    /// body from what was committed; it is stored with the idempotency key so
    /// a retry gets the very same answer.
    pub async fn put_entry(
        &self,
        e: NewEntry<'_>,
        answer: impl FnOnce(Committed) -> String,
    ) -> Result<(Committed, String), StoreError> {
        let b = e.bureau;
        let pv = opt_json(b.record.pv.as_ref())?;
        let second = opt_json(b.second.as_ref())?;
        let published = opt_json(b.published.as_ref())?;
        let turnout = to_json(&b.record.turnout, "turnout")?;
        let centaines = to_json(&b.centaines, "centaines")?;
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
                "INSERT INTO bureau_results (election_id, bureau_code, version, state, pv, turnout, second_pv, published_pv, updated_at, centaines) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(e.election_id)
            .bind(e.bureau_code)
            .bind(version)
            .bind(b.meta.state.code())
            .bind(pv)
            .bind(turnout)
            .bind(second)
            .bind(published)
            .bind(at)
            .bind(&centaines)
            .execute(&mut *tx)
            .await
            .map_err(|err| match &err {
                // A concurrent first entry won the race for this bureau.
                sqlx::Error::Database(db) if db.is_unique_violation() => conflict(),
                _ => StoreError::from(err),
            })?;
        } else {
            let done = sqlx::query(
                "UPDATE bureau_results SET version = $1, state = $2, pv = $3, turnout = $4, second_pv = $5, \
                 published_pv = $6, updated_at = $7, centaines = $11 \
                 WHERE election_id = $8 AND bureau_code = $9 AND version = $10",
            )
            .bind(version)
            .bind(b.meta.state.code())
            .bind(pv)
            .bind(turnout)
            .bind(second)
            .bind(published)
            .bind(at)
            .bind(e.election_id)
            .bind(e.bureau_code)
            .bind(e.expected_version)
            .bind(&centaines)
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
        let mut new_state = e.bureau.clone();
        new_state.meta.version = version;
        new_state.meta.updated_at = at;
        audit::append(
            &mut tx,
            audit::AuditRecord {
                actor: e.author,
                action: e.kind.code(),
                election_id: Some(e.election_id),
                bureau_code: Some(e.bureau_code),
                old: Some(bureau_json(e.old).to_string()),
                new: Some(bureau_json(&new_state).to_string()),
            },
        )
        .await?;
        let committed = Committed { version, seq, at };
        let body = answer(committed);
        if let Some(idem) = e.idempotency {
            sqlx::query(
                "INSERT INTO idempotency (key, request_hash, status, response, created_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(idem.key)
            .bind(idem.request_hash)
            .bind(200i64)
            .bind(&body)
            .bind(at)
            .execute(&mut *tx)
            .await
            .map_err(|err| match &err {
                sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::IdempotencyRace,
                _ => StoreError::from(err),
            })?;
        }
        tx.commit().await?;
        Ok((committed, body))
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
            "SELECT bureau_code, version, state, pv, turnout, updated_at, second_pv, published_pv, centaines FROM bureau_results \
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
                let parse = |col: usize, what: &str| -> Result<Option<ProcesVerbal>, StoreError> {
                    let s: Option<String> = row.try_get(col)?;
                    s.map(|s| serde_json::from_str(&s).map_err(|e| corrupt(what, &e)))
                        .transpose()
                };
                let second = parse(6, "second_pv")?;
                let published = parse(7, "published_pv")?;
                let centaines: String = row.try_get(8)?;
                let centaines =
                    serde_json::from_str(&centaines).map_err(|e| corrupt("centaines", &e))?;
                Ok(StoredBureau {
                    centaines,
                    second,
                    published,
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
