//! The `bureau_maps` table: each election's bureaux' contours.
//!
//! One row per election holds the whole [`BureauMap`] as JSON (already
//! projected and simplified by `election_data::map::contours`): the map is
//! read whole by the pages and replaced whole by an import, never edited in
//! part. The import is audited (`election.contours`) in the same transaction.

use election_data::map::BureauMap;
use sqlx::{AnyConnection, Row};

use super::{StoreError, audit, now_millis, to_json};

/// The election's contours, if imported.
pub async fn get(
    conn: &mut AnyConnection,
    election_id: &str,
) -> Result<Option<BureauMap>, StoreError> {
    let row = sqlx::query("SELECT map FROM bureau_maps WHERE election_id = $1")
        .bind(election_id)
        .fetch_optional(&mut *conn)
        .await?;
    row.map(|r| {
        let text: String = r.try_get("map")?;
        serde_json::from_str(&text)
            .map_err(|e| StoreError::Corrupt(format!("contours of {election_id}: {e}")))
    })
    .transpose()
}

/// Stores (or replaces) the election's contours and audits the import.
pub async fn put(
    conn: &mut AnyConnection,
    election_id: &str,
    map: &BureauMap,
    features: usize,
    actor: &str,
) -> Result<(), StoreError> {
    let text = to_json(map, "contours")?;
    sqlx::query("DELETE FROM bureau_maps WHERE election_id = $1")
        .bind(election_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO bureau_maps (election_id, map, features, imported_at, imported_by) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(election_id)
    .bind(&text)
    .bind(i64::try_from(features).unwrap_or(i64::MAX))
    .bind(now_millis())
    .bind(actor)
    .execute(&mut *conn)
    .await?;
    let summary = serde_json::json!({
        "features": features,
        "bureaux": map.shapes.len(),
        "points": map.shapes.values().flatten().map(Vec::len).sum::<usize>(),
    });
    audit::append(
        conn,
        audit::AuditRecord {
            actor,
            action: "election.contours",
            election_id: Some(election_id),
            bureau_code: None,
            old: None,
            new: Some(summary.to_string()),
        },
    )
    .await?;
    Ok(())
}
