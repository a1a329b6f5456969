//! The `bureau_results` table: each bureau's current row, a [`Dossier`].
//!
//! [`put`] writes a dossier the write path has stamped (version, time) and
//! checks, in the statement itself, that the row still holds the version the
//! write started from: `INSERT` for the first write (a concurrent first write
//! loses on the primary key), `UPDATE … WHERE version = $n` afterwards.

use election_data::bureau::{BureauMeta, Dossier};
use election_data::model::ProcesVerbal;
use election_data::tally::{BureauRecord, BureauState};
use sqlx::{AnyConnection, Row};

use super::{StoreError, StoredBureau, to_json};

/// A dossier's JSON columns, serialised once per write (for the row and the audit).
#[derive(Debug, Clone)]
pub struct Columns {
    state: BureauState,
    version: i64,
    pv: Option<String>,
    turnout: String,
    second: Option<String>,
    published: Option<String>,
    centaines: String,
    trend: Option<String>,
}

impl Columns {
    pub fn of(d: &Dossier) -> Result<Columns, StoreError> {
        let opt =
            |pv: &Option<ProcesVerbal>, what| pv.as_ref().map(|p| to_json(p, what)).transpose();
        Ok(Columns {
            state: d.meta.state,
            version: d.meta.version,
            pv: opt(&d.record.pv, "pv")?,
            turnout: to_json(&d.record.turnout, "turnout")?,
            second: opt(&d.second, "second_pv")?,
            published: opt(&d.published, "published_pv")?,
            centaines: to_json(&d.centaines, "centaines")?,
            trend: d.trend.as_ref().map(|t| to_json(t, "trend")).transpose()?,
        })
    }

    /// The audit view of the bureau: state and every figure, as one JSON object.
    pub fn audit_json(&self) -> String {
        let opt = |s: &Option<String>| s.clone().unwrap_or_else(|| "null".into());
        format!(
            r#"{{"centaines":{},"published":{},"pv":{},"second":{},"state":"{}","trend":{},"turnout":{},"version":{}}}"#,
            self.centaines,
            opt(&self.published),
            opt(&self.pv),
            opt(&self.second),
            self.state.code(),
            opt(&self.trend),
            self.turnout,
            self.version,
        )
    }
}

/// Writes `new` (already stamped) over the row at `expected_version`
/// (0: no row yet). [`StoreError::Conflict`] when another write got there first.
pub async fn put(
    conn: &mut AnyConnection,
    election_id: &str,
    bureau_code: &str,
    expected_version: i64,
    new: &Dossier,
    columns: &Columns,
) -> Result<(), StoreError> {
    let conflict = || StoreError::Conflict {
        bureau: bureau_code.to_string(),
        expected: expected_version,
    };
    let c = columns;
    if expected_version == 0 {
        let existing = sqlx::query(
            "SELECT version FROM bureau_results WHERE election_id = $1 AND bureau_code = $2",
        )
        .bind(election_id)
        .bind(bureau_code)
        .fetch_optional(&mut *conn)
        .await?;
        if existing.is_some() {
            return Err(conflict());
        }
        sqlx::query(
            "INSERT INTO bureau_results (election_id, bureau_code, version, state, pv, turnout, second_pv, published_pv, updated_at, centaines, trend) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(election_id)
        .bind(bureau_code)
        .bind(new.meta.version)
        .bind(new.meta.state.code())
        .bind(c.pv.as_deref())
        .bind(c.turnout.as_str())
        .bind(c.second.as_deref())
        .bind(c.published.as_deref())
        .bind(new.meta.updated_at)
        .bind(c.centaines.as_str())
        .bind(c.trend.as_deref())
        .execute(&mut *conn)
        .await
        .map_err(|err| match &err {
            // A concurrent first entry won the race for this bureau.
            sqlx::Error::Database(db) if db.is_unique_violation() => conflict(),
            _ => StoreError::from(err),
        })?;
    } else {
        let done = sqlx::query(
            "UPDATE bureau_results SET version = $1, state = $2, pv = $3, turnout = $4, second_pv = $5, \
             published_pv = $6, updated_at = $7, centaines = $11, trend = $12 \
             WHERE election_id = $8 AND bureau_code = $9 AND version = $10",
        )
        .bind(new.meta.version)
        .bind(new.meta.state.code())
        .bind(c.pv.as_deref())
        .bind(c.turnout.as_str())
        .bind(c.second.as_deref())
        .bind(c.published.as_deref())
        .bind(new.meta.updated_at)
        .bind(election_id)
        .bind(bureau_code)
        .bind(expected_version)
        .bind(c.centaines.as_str())
        .bind(c.trend.as_deref())
        .execute(&mut *conn)
        .await?;
        if done.rows_affected() != 1 {
            return Err(conflict());
        }
    }
    Ok(())
}

/// The current rows of an election's bureaux, by code.
pub async fn load(
    conn: &mut AnyConnection,
    election_id: &str,
) -> Result<Vec<StoredBureau>, StoreError> {
    let rows = sqlx::query(
        "SELECT bureau_code, version, state, pv, turnout, updated_at, second_pv, published_pv, centaines, trend FROM bureau_results \
         WHERE election_id = $1 ORDER BY bureau_code",
    )
    .bind(election_id)
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|row| {
            let code: String = row.try_get(0)?;
            let corrupt = |what: &str, e: &dyn std::fmt::Display| {
                StoreError::Corrupt(format!("bureau {code} of {election_id}: {what}: {e}"))
            };
            let state: String = row.try_get(2)?;
            let state = BureauState::parse(&state).ok_or_else(|| corrupt("state", &state))?;
            let parse = |col: usize, what: &str| -> Result<Option<ProcesVerbal>, StoreError> {
                let s: Option<String> = row.try_get(col)?;
                s.map(|s| serde_json::from_str(&s).map_err(|e| corrupt(what, &e)))
                    .transpose()
            };
            let pv = parse(3, "pv")?;
            let second = parse(6, "second_pv")?;
            let published = parse(7, "published_pv")?;
            let turnout: String = row.try_get(4)?;
            let turnout = serde_json::from_str(&turnout).map_err(|e| corrupt("turnout", &e))?;
            let centaines: String = row.try_get(8)?;
            let centaines =
                serde_json::from_str(&centaines).map_err(|e| corrupt("centaines", &e))?;
            let trend: Option<String> = row.try_get(9)?;
            let trend = trend
                .map(|t| serde_json::from_str(&t).map_err(|e| corrupt("trend", &e)))
                .transpose()?;
            let dossier = Dossier {
                meta: BureauMeta {
                    state,
                    version: row.try_get(1)?,
                    updated_at: row.try_get(5)?,
                },
                record: BureauRecord { pv, turnout },
                second,
                published,
                centaines,
                trend,
            };
            Ok(StoredBureau { code, dossier })
        })
        .collect()
}
