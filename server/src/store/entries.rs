//! The `entries` table: the change log, one row per accepted write.
//!
//! Append-only: an entry records the bureau, the version it created, its
//! kind, the payload as received (after validation), who and when. The
//! bureau's current row ([`super::bureaux`]) is the fold of these entries.

use sqlx::{AnyConnection, Row};

use super::{EntryKind, StoreError};

/// One entry to append.
#[derive(Debug, Clone, Copy)]
pub struct Entry<'a> {
    pub election_id: &'a str,
    pub seq: i64,
    pub bureau_code: &'a str,
    pub version: i64,
    pub kind: EntryKind,
    /// The payload, as JSON.
    pub payload: &'a str,
    pub author: &'a str,
    pub at: i64,
    /// The bureau's whole dossier after this entry, as JSON.
    pub dossier: &'a str,
}

/// An entry as an instance following the log applies it.
#[derive(Debug, Clone)]
pub struct Logged {
    pub seq: i64,
    pub bureau_code: String,
    pub dossier: election_data::bureau::Dossier,
}

/// Appends an entry (inside the write transaction that made it).
pub async fn append(conn: &mut AnyConnection, e: Entry<'_>) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO entries (election_id, seq, bureau_code, version, kind, payload, author, created_at, dossier) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(e.election_id)
    .bind(e.seq)
    .bind(e.bureau_code)
    .bind(e.version)
    .bind(e.kind.code())
    .bind(e.payload)
    .bind(e.author)
    .bind(e.at)
    .bind(e.dossier)
    .execute(conn)
    .await?;
    Ok(())
}

/// Number of entries logged for a bureau (its version history).
pub async fn count(
    conn: &mut AnyConnection,
    election_id: &str,
    bureau_code: &str,
) -> Result<i64, StoreError> {
    let row =
        sqlx::query("SELECT COUNT(*) FROM entries WHERE election_id = $1 AND bureau_code = $2")
            .bind(election_id)
            .bind(bureau_code)
            .fetch_one(conn)
            .await?;
    Ok(row.try_get(0)?)
}

/// The entries of an election after `seq`, in order, at most `limit`.
pub async fn after(
    conn: &mut AnyConnection,
    election_id: &str,
    seq: i64,
    limit: i64,
) -> Result<Vec<Logged>, StoreError> {
    let rows = sqlx::query(
        "SELECT seq, bureau_code, dossier FROM entries \
         WHERE election_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
    )
    .bind(election_id)
    .bind(seq)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|row| {
            let seq: i64 = row.try_get(0)?;
            let dossier: Option<String> = row.try_get(2)?;
            let dossier = dossier.ok_or_else(|| {
                StoreError::Corrupt(format!(
                    "entry {seq} of {election_id} has no dossier (made before migration 0005)"
                ))
            })?;
            let dossier = serde_json::from_str(&dossier).map_err(|e| {
                StoreError::Corrupt(format!("entry {seq} of {election_id}: dossier: {e}"))
            })?;
            Ok(Logged {
                seq,
                bureau_code: row.try_get(1)?,
                dossier,
            })
        })
        .collect()
}
