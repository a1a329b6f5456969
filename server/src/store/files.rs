//! The files attached to module records (`m_<module>_<entity>_files`,
//! made by [`super::records::prepare`] for an entity that accepts them).
//!
//! The bytes are in the database, next to their record: every instance of
//! a cluster serves them, a backup holds them, and a file is written or
//! removed in the same transaction as its audit row (`module.<module>.
//! <entity>.file_add`, `file_delete`; downloads are audited too, by the
//! caller). The file was checked before (module-engine's `attachment`:
//! its type by content, its size, its SHA-256); this file only stores it.

use module_engine::attachment::Checked;
use module_engine::sql::files_table_name;
use module_engine::{Entity, Module};
use sqlx::{AnyConnection, Row};

use super::audit::{AuditRecord, append};
use super::{StoreError, now_millis};

/// A stored file, without its bytes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StoredFile {
    pub id: i64,
    pub record_id: i64,
    pub file_name: String,
    pub media_type: String,
    pub size: i64,
    pub sha256: String,
    pub uploaded_at: i64,
    pub uploaded_by: String,
}

const COLUMNS: &str =
    "id, record_id, file_name, media_type, size, sha256, uploaded_at, uploaded_by";

fn stored(r: &sqlx::any::AnyRow) -> Result<StoredFile, sqlx::Error> {
    Ok(StoredFile {
        id: r.try_get(0)?,
        record_id: r.try_get(1)?,
        file_name: r.try_get(2)?,
        media_type: r.try_get(3)?,
        size: r.try_get(4)?,
        sha256: r.try_get(5)?,
        uploaded_at: r.try_get(6)?,
        uploaded_by: r.try_get(7)?,
    })
}

fn summary(f: &StoredFile) -> String {
    serde_json::json!({
        "record_id": f.record_id, "file": f.id, "file_name": f.file_name,
        "media_type": f.media_type, "size": f.size, "sha256": f.sha256,
    })
    .to_string()
}

/// Stores a checked file on record `record_id` (which the caller has
/// found), audited; returns it.
pub async fn add(
    conn: &mut AnyConnection,
    m: &Module,
    e: &Entity,
    record_id: i64,
    checked: &Checked,
    bytes: &[u8],
    actor: &str,
) -> Result<StoredFile, StoreError> {
    let t = files_table_name(m, e);
    let now = now_millis();
    let row = sqlx::query(&format!(
        "INSERT INTO {t} (record_id, file_name, media_type, size, sha256, content, uploaded_at, uploaded_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id"
    ))
    .bind(record_id)
    .bind(&checked.file_name)
    .bind(checked.media_type)
    .bind(i64::try_from(checked.size).unwrap_or(i64::MAX))
    .bind(&checked.sha256)
    .bind(bytes.to_vec())
    .bind(now)
    .bind(actor)
    .fetch_one(&mut *conn)
    .await?;
    let file = StoredFile {
        id: row.try_get(0)?,
        record_id,
        file_name: checked.file_name.clone(),
        media_type: checked.media_type.to_string(),
        size: i64::try_from(checked.size).unwrap_or(i64::MAX),
        sha256: checked.sha256.clone(),
        uploaded_at: now,
        uploaded_by: actor.to_string(),
    };
    append(
        conn,
        AuditRecord {
            actor,
            action: &format!("module.{}.{}.file_add", m.name, e.name),
            election_id: None,
            bureau_code: None,
            old: None,
            new: Some(summary(&file)),
        },
    )
    .await?;
    Ok(file)
}

/// The files of a record, oldest first.
pub async fn list(
    conn: &mut AnyConnection,
    m: &Module,
    e: &Entity,
    record_id: i64,
) -> Result<Vec<StoredFile>, StoreError> {
    let t = files_table_name(m, e);
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM {t} WHERE record_id = $1 ORDER BY id"
    ))
    .bind(record_id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.iter().map(stored).collect::<Result<_, _>>()?)
}

/// One file of a record with its bytes.
pub async fn get(
    conn: &mut AnyConnection,
    m: &Module,
    e: &Entity,
    record_id: i64,
    file_id: i64,
) -> Result<Option<(StoredFile, Vec<u8>)>, StoreError> {
    let t = files_table_name(m, e);
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS}, content FROM {t} WHERE record_id = $1 AND id = $2"
    ))
    .bind(record_id)
    .bind(file_id)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|r| Ok::<_, sqlx::Error>((stored(&r)?, r.try_get::<Vec<u8>, _>(8)?)))
        .transpose()
        .map_err(StoreError::from)
}

/// Removes one file of a record, audited; false when there was none.
pub async fn delete(
    conn: &mut AnyConnection,
    m: &Module,
    e: &Entity,
    record_id: i64,
    file_id: i64,
    actor: &str,
) -> Result<bool, StoreError> {
    let Some((file, _)) = get(&mut *conn, m, e, record_id, file_id).await? else {
        return Ok(false);
    };
    let t = files_table_name(m, e);
    sqlx::query(&format!("DELETE FROM {t} WHERE record_id = $1 AND id = $2"))
        .bind(record_id)
        .bind(file_id)
        .execute(&mut *conn)
        .await?;
    append(
        conn,
        AuditRecord {
            actor,
            action: &format!("module.{}.{}.file_delete", m.name, e.name),
            election_id: None,
            bureau_code: None,
            old: Some(summary(&file)),
            new: None,
        },
    )
    .await?;
    Ok(true)
}

/// Removes every file of a record (the record is being deleted, in the
/// same transaction; its own audit row says so).
pub async fn delete_all(
    conn: &mut AnyConnection,
    m: &Module,
    e: &Entity,
    record_id: i64,
) -> Result<(), StoreError> {
    if e.attachments.is_none() {
        return Ok(());
    }
    let t = files_table_name(m, e);
    sqlx::query(&format!("DELETE FROM {t} WHERE record_id = $1"))
        .bind(record_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
