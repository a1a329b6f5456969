//! Importing a module entity's records from a CSV or spreadsheet file, on
//! the desk (`/desk/m/{module}/{entity}/import`), in the API (`POST
//! /api/m/{module}/{entity}/import`, the file as the body) and from the
//! command line (`urne module import`).
//!
//! The file is read by election-data's table reader (encoding, separator,
//! `.xlsx`/`.ods`/`.xls`), each row by the engine as a form would be
//! ([`module_engine::import`]); references by id or by the referenced
//! record's title, bureaux and elections against the night. Every bad row
//! is reported with its line and reason, and then nothing is stored; a
//! sound file is stored in one transaction, with one audit row naming the
//! file's SHA-256 and its row count (a row clashing with a stored record
//! in a unique set rolls the whole file back, naming the line).

use std::collections::HashMap;

use election_data::formats::Table;
use module_engine::import::{RowError, columns, duplicates, read_row};
use module_engine::sql;
use module_engine::value::fold;
use module_engine::{Entity, Kind, Module, Value};
use sha2::{Digest, Sha256};
use sqlx::AnyConnection;

use crate::store::StoreError;
use crate::store::audit::{AuditRecord, append};
use crate::store::records::{self, Known};

/// Most row errors reported (the count says how many there were).
pub const MAX_ERRORS: usize = 200;

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Imported {
    pub rows: usize,
    /// Header cells matching no field.
    pub ignored_columns: Vec<String>,
    pub sha256: String,
}

/// Why an import stored nothing.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("fichier refusé")]
    Rows {
        errors: Vec<RowError>,
        /// All errors found (only the first [`MAX_ERRORS`] are kept).
        count: usize,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for ImportError {
    fn from(e: sqlx::Error) -> ImportError {
        ImportError::Store(e.into())
    }
}

fn refused(errors: Vec<RowError>) -> ImportError {
    let count = errors.len();
    let mut errors = errors;
    errors.truncate(MAX_ERRORS);
    ImportError::Rows { errors, count }
}

/// For each reference field, the target's records by id and by folded title.
async fn lookups(
    conn: &mut AnyConnection,
    m: &Module,
    e: &Entity,
) -> Result<HashMap<&'static str, (Vec<i64>, HashMap<String, Vec<i64>>)>, StoreError> {
    let mut out = HashMap::new();
    for f in &e.fields {
        let Kind::Ref(target) = f.kind else { continue };
        let Some(t) = m.entity(target) else { continue };
        let mut ids = Vec::new();
        let mut by_title: HashMap<String, Vec<i64>> = HashMap::new();
        for r in records::all(&mut *conn, m, t).await? {
            ids.push(r.id);
            by_title
                .entry(fold(&super::title(t, &r.values)))
                .or_default()
                .push(r.id);
        }
        ids.sort_unstable();
        out.insert(f.name, (ids, by_title));
    }
    Ok(out)
}

/// A file whose every row is sound: the rows' values with their lines.
#[derive(Debug, Clone)]
pub struct Checked {
    pub rows: Vec<(u64, Vec<Value>)>,
    /// Header cells matching no field.
    pub ignored_columns: Vec<String>,
    pub sha256: String,
}

/// Reads and checks every row of `bytes`; stores them all in one
/// transaction, or nothing. `progress(done, total)` is called as rows are
/// checked then stored (twice the row count in all).
pub async fn import(
    store: &crate::store::Store,
    m: &Module,
    e: &Entity,
    bytes: &[u8],
    known: &Known,
    actor: &str,
    progress: &mut (dyn FnMut(u64, u64) + Send),
) -> Result<Imported, ImportError> {
    let checked = check(store, m, e, bytes, known, progress).await?;
    let total = checked.rows.len() as u64 * 2;
    let Checked {
        rows,
        ignored_columns,
        sha256,
    } = checked;
    let (_guard, mut tx) = store.begin_write().await?;
    let now = crate::store::now_millis();
    let half = rows.len() as u64;
    let mut ranks = records::Ranks::new();
    for (i, (line, values)) in rows.iter().enumerate() {
        // A numbered entity (a registry) numbers the rows in file order.
        let numbered;
        let values = match &e.numbering {
            Some(n) => {
                numbered = records::number(&mut tx, m, e, n, values, &mut ranks).await?;
                &numbered
            }
            None => values,
        };
        let s = sql::insert(m, e, values, now);
        if let Err(err) = records::run(&mut tx, &s).await {
            if err
                .as_database_error()
                .is_some_and(|d| d.is_unique_violation())
            {
                let set = e.unique.first().map_or("doublon", |u| u.message);
                return Err(refused(vec![RowError {
                    line: *line,
                    field: e
                        .unique
                        .first()
                        .and_then(|u| u.fields.first())
                        .map(|f| f.to_string()),
                    message: format!(
                        "{set} (une fiche enregistrée a déjà ces valeurs) : rien n'a été importé"
                    ),
                }]));
            }
            return Err(err.into());
        }
        if i % 1000 == 0 {
            progress(half + i as u64, total);
        }
    }
    let new = serde_json::json!({
        "module": m.name, "entity": e.name, "rows": rows.len(), "sha256": sha256,
        "ignored_columns": ignored_columns,
    });
    append(
        &mut tx,
        AuditRecord {
            actor,
            action: &format!("module.{}.{}.import", m.name, e.name),
            election_id: None,
            bureau_code: None,
            old: None,
            new: Some(new.to_string()),
        },
    )
    .await?;
    tx.commit().await.map_err(StoreError::from)?;
    progress(total, total);
    Ok(Imported {
        rows: rows.len(),
        ignored_columns,
        sha256,
    })
}

/// Reads `bytes` and checks every row as a form would be (references,
/// bureaux and elections, duplicates inside the file), storing nothing:
/// every bad row with its line, or the rows' values. `progress` is called
/// over the first half of twice the row count (storing is the second).
pub async fn check(
    store: &crate::store::Store,
    m: &Module,
    e: &Entity,
    bytes: &[u8],
    known: &Known,
    progress: &mut (dyn FnMut(u64, u64) + Send),
) -> Result<Checked, ImportError> {
    let table = Table::read(bytes, &mut |_, _| {}).map_err(|errs| {
        refused(
            errs.0
                .into_iter()
                .map(|x| RowError {
                    line: x.line.unwrap_or(0),
                    field: x.field,
                    message: x.message,
                })
                .collect(),
        )
    })?;
    let cols = columns(e, &table.header).map_err(refused)?;
    let maps = {
        let mut conn = store.acquire().await?;
        lookups(&mut conn, m, e).await?
    };
    let resolve = |f: &module_engine::Field, text: &str| -> Result<String, String> {
        let Some((ids, by_title)) = maps.get(f.name) else {
            return Err("référence sans entité".into());
        };
        if let Ok(id) = text.parse::<i64>()
            && ids.binary_search(&id).is_ok()
        {
            return Ok(id.to_string());
        }
        match by_title.get(&fold(text)).map(Vec::as_slice) {
            Some([id]) => Ok(id.to_string()),
            Some(many) => Err(format!(
                "« {text} » désigne {} fiches : donnez leur numéro",
                many.len()
            )),
            None => Err(format!("« {text} » ne désigne aucune fiche")),
        }
    };
    let total = table.rows.len() as u64 * 2;
    let mut errors = Vec::new();
    let mut rows = Vec::with_capacity(table.rows.len());
    for (i, (line, row)) in table.rows.iter().enumerate() {
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        match read_row(e, &cols, *line, row, &resolve) {
            Ok(values) => {
                let links = night_links(e, &values, known);
                if links.is_empty() {
                    rows.push((*line, values));
                } else {
                    errors.extend(links.into_iter().map(|(field, message)| RowError {
                        line: *line,
                        field: Some(field),
                        message,
                    }));
                }
            }
            Err(errs) => errors.extend(errs),
        }
        if i % 1000 == 0 {
            progress(i as u64, total);
        }
    }
    errors.extend(duplicates(e, &rows));
    if !errors.is_empty() {
        errors.sort_by_key(|r| r.line);
        return Err(refused(errors));
    }
    if rows.is_empty() {
        return Err(refused(vec![RowError {
            line: 0,
            field: None,
            message: "le fichier ne contient aucune ligne".into(),
        }]));
    }
    let sha256: String = Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(Checked {
        rows,
        ignored_columns: cols.ignored,
        sha256,
    })
}

/// The bureaux and elections a row names that the night does not hold.
fn night_links(e: &Entity, values: &[Value], known: &Known) -> Vec<(String, String)> {
    let election = e
        .fields
        .iter()
        .zip(values)
        .find(|(f, _)| f.kind == Kind::Election)
        .and_then(|(_, v)| v.as_text());
    let mut out = Vec::new();
    for (f, v) in e.fields.iter().zip(values) {
        match (&f.kind, v) {
            (Kind::Election, Value::Text(id)) if !known.elections.contains(id) => {
                out.push((f.name.to_string(), format!("élection inconnue : {id}")));
            }
            (Kind::Bureau, Value::Text(code))
                if !known
                    .bureaux
                    .iter()
                    .any(|(el, b)| b == code && election.is_none_or(|x| x == el)) =>
            {
                out.push((f.name.to_string(), format!("bureau inconnu : {code}")));
            }
            _ => {}
        }
    }
    out
}
