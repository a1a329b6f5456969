//! The `elections` table: definitions and each election's sequence number.
//!
//! The sequence number orders every change of an election; [`next_seq`] takes
//! the next one inside the caller's write transaction, so a rolled-back write
//! leaves no gap and two writers never share a number.

use election_data::model::Election;
use sqlx::{AnyConnection, Row};

use super::{StoreError, audit, now_millis, to_json};

/// Stores a new election definition (already checked by the caller) and
/// audits it; refused when the id is taken.
pub async fn create(
    conn: &mut AnyConnection,
    election: &Election,
    actor: &str,
) -> Result<(), StoreError> {
    let definition = to_json(election, "election")?;
    let exists = sqlx::query("SELECT id FROM elections WHERE id = $1")
        .bind(&election.id)
        .fetch_optional(&mut *conn)
        .await?;
    if exists.is_some() {
        return Err(StoreError::ElectionExists(election.id.clone()));
    }
    sqlx::query("INSERT INTO elections (id, definition, seq, created_at) VALUES ($1, $2, 0, $3)")
        .bind(&election.id)
        .bind(&definition)
        .bind(now_millis())
        .execute(&mut *conn)
        .await?;
    audit::append(
        conn,
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
    Ok(())
}

/// Every election with its sequence number, in creation order.
pub async fn all(conn: &mut AnyConnection) -> Result<Vec<(Election, i64)>, StoreError> {
    let rows = sqlx::query("SELECT id, definition, seq FROM elections ORDER BY created_at, id")
        .fetch_all(&mut *conn)
        .await?;
    rows.into_iter()
        .map(|row| {
            let id: String = row.try_get(0)?;
            let definition: String = row.try_get(1)?;
            let election: Election = serde_json::from_str(&definition)
                .map_err(|e| StoreError::Corrupt(format!("election {id}: {e}")))?;
            Ok((election, row.try_get(2)?))
        })
        .collect()
}

/// Every election's id, in creation order (without parsing definitions:
/// the followers ask every second).
pub async fn ids(conn: &mut AnyConnection) -> Result<Vec<String>, StoreError> {
    let rows = sqlx::query("SELECT id FROM elections ORDER BY created_at, id")
        .fetch_all(&mut *conn)
        .await?;
    rows.into_iter()
        .map(|row| row.try_get(0).map_err(StoreError::from))
        .collect()
}

/// One election with its sequence number.
pub async fn one(
    conn: &mut AnyConnection,
    election_id: &str,
) -> Result<Option<(Election, i64)>, StoreError> {
    let row = sqlx::query("SELECT definition, seq FROM elections WHERE id = $1")
        .bind(election_id)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let definition: String = row.try_get(0)?;
    let election: Election = serde_json::from_str(&definition)
        .map_err(|e| StoreError::Corrupt(format!("election {election_id}: {e}")))?;
    Ok(Some((election, row.try_get(1)?)))
}

/// The election's current sequence number.
pub async fn seq(conn: &mut AnyConnection, election_id: &str) -> Result<i64, StoreError> {
    sqlx::query("SELECT seq FROM elections WHERE id = $1")
        .bind(election_id)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| StoreError::UnknownElection(election_id.to_string()))?
        .try_get(0)
        .map_err(StoreError::from)
}

/// Takes the election's next sequence number (inside a write transaction).
pub async fn next_seq(conn: &mut AnyConnection, election_id: &str) -> Result<i64, StoreError> {
    sqlx::query("UPDATE elections SET seq = seq + 1 WHERE id = $1 RETURNING seq")
        .bind(election_id)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| StoreError::UnknownElection(election_id.to_string()))?
        .try_get(0)
        .map_err(StoreError::from)
}
