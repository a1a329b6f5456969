//! The audit log: append-only and hash-chained.
//!
//! Every write appends a row holding who, when, what, the old and the new
//! value, the hash of the previous row and its own hash (SHA-256 over all of
//! that). The row is appended inside the same transaction as the write it
//! records, after taking the lock on the single `audit_head` row, so two
//! concurrent writers can never both chain onto the same predecessor.
//! [`Store::verify_audit`] recomputes the chain: an altered row breaks its
//! hash, a deleted row breaks the numbering or the next row's link, and a
//! truncated tail no longer matches the head.

use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, Row};

use super::{Store, StoreError, now_millis};

/// One thing to record.
#[derive(Debug, Clone)]
pub struct AuditRecord<'a> {
    pub actor: &'a str,
    pub action: &'a str,
    pub election_id: Option<&'a str>,
    pub bureau_code: Option<&'a str>,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// A stored audit row.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct AuditRow {
    pub n: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub election_id: Option<String>,
    pub bureau_code: Option<String>,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

/// What `verify` found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditReport {
    pub rows: i64,
    pub problems: Vec<String>,
}

impl AuditReport {
    pub fn is_intact(&self) -> bool {
        self.problems.is_empty()
    }
}

fn field(h: &mut Sha256, v: Option<&str>) {
    // Length-prefixed, so that moving bytes between fields changes the hash.
    match v {
        Some(s) => {
            h.update((s.len() as u64).to_be_bytes());
            h.update(s.as_bytes());
        }
        None => h.update(u64::MAX.to_be_bytes()),
    }
}

/// The hash of a row from its content and its predecessor's hash.
#[allow(clippy::too_many_arguments)]
pub fn row_hash(
    prev_hash: &str,
    n: i64,
    at: i64,
    actor: &str,
    action: &str,
    election_id: Option<&str>,
    bureau_code: Option<&str>,
    old: Option<&str>,
    new: Option<&str>,
) -> String {
    let mut h = Sha256::new();
    field(&mut h, Some(prev_hash));
    h.update(n.to_be_bytes());
    h.update(at.to_be_bytes());
    field(&mut h, Some(actor));
    field(&mut h, Some(action));
    field(&mut h, election_id);
    field(&mut h, bureau_code);
    field(&mut h, old);
    field(&mut h, new);
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Appends a record inside the caller's write transaction.
pub async fn append(conn: &mut AnyConnection, rec: AuditRecord<'_>) -> Result<i64, StoreError> {
    // Taking the head's row lock first serialises audited transactions.
    let head = sqlx::query("UPDATE audit_head SET n = n + 1 WHERE id = 1 RETURNING n, hash")
        .fetch_one(&mut *conn)
        .await?;
    let n: i64 = head.try_get(0)?;
    let prev: String = head.try_get(1)?;
    let at = now_millis();
    let hash = row_hash(
        &prev,
        n,
        at,
        rec.actor,
        rec.action,
        rec.election_id,
        rec.bureau_code,
        rec.old.as_deref(),
        rec.new.as_deref(),
    );
    sqlx::query(
        "INSERT INTO audit_log (n, at, actor, action, election_id, bureau_code, old_value, new_value, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(n)
    .bind(at)
    .bind(rec.actor)
    .bind(rec.action)
    .bind(rec.election_id)
    .bind(rec.bureau_code)
    .bind(rec.old)
    .bind(rec.new)
    .bind(&prev)
    .bind(&hash)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
        .bind(&hash)
        .execute(&mut *conn)
        .await?;
    Ok(n)
}

fn to_row(row: sqlx::any::AnyRow) -> Result<AuditRow, StoreError> {
    Ok(AuditRow {
        n: row.try_get(0)?,
        at: row.try_get(1)?,
        actor: row.try_get(2)?,
        action: row.try_get(3)?,
        election_id: row.try_get(4)?,
        bureau_code: row.try_get(5)?,
        old_value: row.try_get(6)?,
        new_value: row.try_get(7)?,
        prev_hash: row.try_get(8)?,
        hash: row.try_get(9)?,
    })
}

const COLUMNS: &str =
    "n, at, actor, action, election_id, bureau_code, old_value, new_value, prev_hash, hash";

impl Store {
    /// Records something that is not an entry (an account created, an export…).
    pub async fn audit(&self, rec: AuditRecord<'_>) -> Result<(), StoreError> {
        let (_guard, mut tx) = self.begin_write().await?;
        append(&mut tx, rec).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The latest rows, newest first, optionally for one election.
    pub async fn audit_rows(
        &self,
        election_id: Option<&str>,
        limit: i64,
    ) -> Result<Vec<AuditRow>, StoreError> {
        let rows = match election_id {
            Some(id) => sqlx::query(&format!(
                "SELECT {COLUMNS} FROM audit_log WHERE election_id = $1 ORDER BY n DESC LIMIT $2"
            ))
            .bind(id)
            .bind(limit)
            .fetch_all(self.pool())
            .await?,
            None => {
                sqlx::query(&format!(
                    "SELECT {COLUMNS} FROM audit_log ORDER BY n DESC LIMIT $1"
                ))
                .bind(limit)
                .fetch_all(self.pool())
                .await?
            }
        };
        rows.into_iter().map(to_row).collect()
    }

    /// Recomputes the whole chain.
    pub async fn verify_audit(&self) -> Result<AuditReport, StoreError> {
        let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM audit_log ORDER BY n"))
            .fetch_all(self.pool())
            .await?;
        let head = sqlx::query("SELECT n, hash FROM audit_head WHERE id = 1")
            .fetch_one(self.pool())
            .await?;
        let head_n: i64 = head.try_get(0)?;
        let head_hash: String = head.try_get(1)?;
        let mut problems = Vec::new();
        let mut prev = "0".repeat(64);
        let mut expected_n = 1;
        let mut count = 0;
        for row in rows {
            let r = to_row(row)?;
            count += 1;
            if r.n != expected_n {
                problems.push(format!(
                    "ligne {expected_n} manquante (trouvé la ligne {} à sa place)",
                    r.n
                ));
            }
            if r.prev_hash != prev {
                problems.push(format!(
                    "ligne {} : le chaînage ne correspond pas à la ligne précédente",
                    r.n
                ));
            }
            let h = row_hash(
                &r.prev_hash,
                r.n,
                r.at,
                &r.actor,
                &r.action,
                r.election_id.as_deref(),
                r.bureau_code.as_deref(),
                r.old_value.as_deref(),
                r.new_value.as_deref(),
            );
            if h != r.hash {
                problems.push(format!(
                    "ligne {} : contenu modifié (empreinte invalide)",
                    r.n
                ));
            }
            prev = r.hash;
            expected_n = r.n + 1;
        }
        if expected_n - 1 != head_n || prev != head_hash {
            problems.push(format!(
                "la fin du journal ne correspond pas à sa tête (ligne {head_n} attendue en dernier)"
            ));
        }
        Ok(AuditReport {
            rows: count,
            problems,
        })
    }
}
