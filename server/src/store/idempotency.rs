//! The `idempotency` table: the answer given to each `Idempotency-Key`.
//!
//! The key is stored in the same transaction as the write it answered, with
//! the hash of the request: a retry of the same request gets the very same
//! answer, the same key with another request is refused, and a key stored by
//! a concurrent writer first is reported as [`StoreError::IdempotencyRace`].

use sqlx::{AnyConnection, Row};

use super::StoreError;

/// A stored answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub request_hash: String,
    pub status: i64,
    pub body: String,
}

/// The answer stored for `key`, if any.
pub async fn find(conn: &mut AnyConnection, key: &str) -> Result<Option<Stored>, StoreError> {
    let row = sqlx::query("SELECT request_hash, status, response FROM idempotency WHERE key = $1")
        .bind(key)
        .fetch_optional(conn)
        .await?;
    row.map(|r| {
        Ok(Stored {
            request_hash: r.try_get(0)?,
            status: r.try_get(1)?,
            body: r.try_get(2)?,
        })
    })
    .transpose()
}

/// Stores the answer to `key` (a 200) inside the write transaction.
pub async fn insert(
    conn: &mut AnyConnection,
    key: &str,
    request_hash: &str,
    body: &str,
    at: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO idempotency (key, request_hash, status, response, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(key)
    .bind(request_hash)
    .bind(200i64)
    .bind(body)
    .bind(at)
    .execute(conn)
    .await
    .map_err(|err| match &err {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::IdempotencyRace,
        _ => StoreError::from(err),
    })?;
    Ok(())
}
