//! The records of the secondary modules: which modules are switched on,
//! their tables, and reading and writing their rows.
//!
//! The statements come from the module engine ([`module_engine::sql`]);
//! this file binds them and runs them on the caller's connection or
//! transaction, as the other repositories do. Every write is in the audit
//! log (action `module.<module>.<entity>.<what>`, the record before and
//! after as JSON) in the same transaction. What needs the database to be
//! checked (unique sets, references, bureaux and elections that exist) is
//! checked here and reported as field errors, like the engine's own checks;
//! the unique indexes also hold when two writers race.

use module_engine::sql::{self, Dialect, ListQuery, Param, Sql};
use module_engine::validate::FieldError;
use module_engine::value::to_json;
use module_engine::{Entity, Kind, Module, Value};
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::{Any, AnyConnection, Row};

use super::audit::{AuditRecord, append};
use super::{Backend, StoreError, now_millis};

/// A stored record: its id, version, times and one value per field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRecord {
    pub id: i64,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub values: Vec<Value>,
}

/// A write that could not be done.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("invalid record")]
    Invalid(Vec<FieldError>),
    #[error("no such record")]
    NotFound,
    #[error("modified since it was read (version {current})")]
    Stale { current: i64 },
    #[error("{0}")]
    InUse(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for RecordError {
    fn from(e: sqlx::Error) -> RecordError {
        RecordError::Store(e.into())
    }
}

fn dialect(b: Backend) -> Dialect {
    match b {
        Backend::Sqlite => Dialect::Sqlite,
        Backend::Postgres => Dialect::Postgres,
    }
}

fn bind<'q>(
    mut q: Query<'q, Any, AnyArguments<'q>>,
    params: &'q [Param],
) -> Query<'q, Any, AnyArguments<'q>> {
    for p in params {
        q = match p {
            Param::Int(v) => q.bind(*v),
            Param::Text(v) => q.bind(v.as_deref()),
        };
    }
    q
}

/// Runs a statement of the engine (an insert of an import…); the rows it
/// changed.
pub async fn run(conn: &mut AnyConnection, s: &Sql) -> Result<u64, sqlx::Error> {
    Ok(bind(sqlx::query(&s.text), &s.params)
        .execute(conn)
        .await?
        .rows_affected())
}

async fn fetch_all(conn: &mut AnyConnection, s: &Sql) -> Result<Vec<AnyRow>, sqlx::Error> {
    bind(sqlx::query(&s.text), &s.params).fetch_all(conn).await
}

async fn fetch_optional(conn: &mut AnyConnection, s: &Sql) -> Result<Option<AnyRow>, sqlx::Error> {
    bind(sqlx::query(&s.text), &s.params)
        .fetch_optional(conn)
        .await
}

async fn count(conn: &mut AnyConnection, s: &Sql) -> Result<i64, sqlx::Error> {
    bind(sqlx::query(&s.text), &s.params)
        .fetch_one(conn)
        .await?
        .try_get(0)
}

fn decode(e: &Entity, row: &AnyRow) -> Result<StoredRecord, sqlx::Error> {
    let mut values = Vec::with_capacity(e.fields.len());
    for (i, f) in e.fields.iter().enumerate() {
        let at = i + 4;
        values.push(if f.kind.is_integer() {
            row.try_get::<Option<i64>, _>(at)?
                .map_or(Value::Null, Value::Int)
        } else {
            row.try_get::<Option<String>, _>(at)?
                .map_or(Value::Null, Value::Text)
        });
    }
    Ok(StoredRecord {
        id: row.try_get(0)?,
        version: row.try_get(1)?,
        created_at: row.try_get(2)?,
        updated_at: row.try_get(3)?,
        values,
    })
}

/// The names of the modules switched on.
pub async fn enabled(conn: &mut AnyConnection) -> Result<Vec<String>, StoreError> {
    let rows = sqlx::query("SELECT name FROM modules WHERE enabled = 1 ORDER BY name")
        .fetch_all(conn)
        .await?;
    Ok(rows
        .iter()
        .filter_map(|r| r.try_get::<String, _>(0).ok())
        .collect())
}

/// Whether one module is switched on.
pub async fn is_enabled(conn: &mut AnyConnection, name: &str) -> Result<bool, StoreError> {
    let row = sqlx::query("SELECT enabled FROM modules WHERE name = $1")
        .bind(name)
        .fetch_optional(conn)
        .await?;
    Ok(row.and_then(|r| r.try_get::<i64, _>(0).ok()) == Some(1))
}

async fn columns_of(
    conn: &mut AnyConnection,
    backend: Backend,
    table: &str,
) -> Result<Vec<String>, StoreError> {
    let q = match backend {
        Backend::Sqlite => "SELECT name FROM pragma_table_info($1)",
        Backend::Postgres => {
            "SELECT column_name::TEXT FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1"
        }
    };
    let rows = sqlx::query(q).bind(table).fetch_all(conn).await?;
    Ok(rows
        .iter()
        .filter_map(|r| r.try_get::<String, _>(0).ok())
        .collect())
}

/// Makes a module's tables match its declaration: creates them, or adds
/// the columns of fields declared since, then the indexes and the search
/// index. Every statement can be rerun: it is done when a module is
/// switched on and for every module on when the server starts (a newer
/// build may declare more).
pub async fn prepare(
    conn: &mut AnyConnection,
    backend: Backend,
    m: &Module,
) -> Result<(), StoreError> {
    for e in &m.entities {
        let existing = columns_of(conn, backend, &sql::table(m, e)).await?;
        let mut statements = if existing.is_empty() {
            sql::create_table(m, e, dialect(backend))
        } else {
            let mut s = sql::add_missing_columns(m, e, &existing);
            s.extend(sql::indexes(m, e));
            s
        };
        statements.extend(sql::search_indexes(m, e, dialect(backend)));
        statements.extend(sql::files_table(m, e, dialect(backend)));
        for s in statements {
            sqlx::query(&s).execute(&mut *conn).await?;
        }
    }
    Ok(())
}

/// [`prepare`] for every module of `catalog` that is on, in one write
/// transaction (on PostgreSQL under an advisory lock, so that instances
/// started together on one database do not add the same column twice).
pub async fn prepare_enabled(
    store: &super::Store,
    catalog: &module_engine::Catalog,
) -> Result<(), StoreError> {
    let (_guard, mut tx) = store.begin_write().await?;
    if store.backend() == Backend::Postgres {
        // The key is arbitrary, only shared by the instances of Urne.
        sqlx::query("SELECT pg_advisory_xact_lock(7340226)")
            .execute(&mut *tx)
            .await?;
    }
    for name in enabled(&mut tx).await? {
        if let Some(m) = catalog.module(&name) {
            prepare(&mut tx, store.backend(), m).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// Switches a module on or off (audited). On: makes its tables, or adds
/// the columns of fields declared since; off: hides it, keeping its data.
pub async fn set_enabled(
    conn: &mut AnyConnection,
    backend: Backend,
    m: &Module,
    on: bool,
    actor: &str,
) -> Result<(), StoreError> {
    if on {
        prepare(conn, backend, m).await?;
    }
    let now = now_millis();
    sqlx::query(
        "INSERT INTO modules (name, enabled, changed_at, changed_by) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (name) DO UPDATE SET enabled = $2, changed_at = $3, changed_by = $4",
    )
    .bind(m.name)
    .bind(i64::from(on))
    .bind(now)
    .bind(actor)
    .execute(&mut *conn)
    .await?;
    let action = if on {
        "module.enable"
    } else {
        "module.disable"
    };
    let new = serde_json::json!({ "module": m.name });
    append(
        conn,
        AuditRecord {
            actor,
            action,
            election_id: None,
            bureau_code: None,
            old: None,
            new: Some(new.to_string()),
        },
    )
    .await?;
    Ok(())
}

/// One page of a list, and how many rows match in all.
pub async fn list(
    conn: &mut AnyConnection,
    m: &Module,
    e: &Entity,
    q: &ListQuery,
) -> Result<(Vec<StoredRecord>, i64), StoreError> {
    // The search index is there: `prepare` made it with the table.
    let d = if conn.backend_name() == "PostgreSQL" {
        Dialect::Postgres
    } else {
        Dialect::Sqlite
    };
    let (rows, total) = q.statements_in(m, e, d);
    let found = fetch_all(&mut *conn, &rows).await?;
    let records = found
        .iter()
        .map(|r| decode(e, r))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((records, count(conn, &total).await?))
}

pub async fn get(
    conn: &mut AnyConnection,
    m: &Module,
    e: &Entity,
    id: i64,
) -> Result<Option<StoredRecord>, StoreError> {
    match fetch_optional(conn, &sql::get(m, e, id)).await? {
        Some(r) => Ok(Some(decode(e, &r)?)),
        None => Ok(None),
    }
}

/// Records by id, in no particular order (the titles of references).
pub async fn get_many(
    conn: &mut AnyConnection,
    m: &Module,
    e: &Entity,
    ids: &[i64],
) -> Result<Vec<StoredRecord>, StoreError> {
    let mut out = Vec::new();
    // Bounded IN lists: SQLite allows 32,766 parameters, PostgreSQL 65,535.
    for chunk in ids.chunks(500) {
        let rows = fetch_all(&mut *conn, &sql::get_many(m, e, chunk)).await?;
        for r in &rows {
            out.push(decode(e, r)?);
        }
    }
    Ok(out)
}

/// Every record of an entity, in the list's default order (exports,
/// pickers, the modules' own boards).
pub async fn all(
    conn: &mut AnyConnection,
    m: &Module,
    e: &Entity,
) -> Result<Vec<StoredRecord>, StoreError> {
    let rows = fetch_all(&mut *conn, &sql::all(m, e)).await?;
    Ok(rows
        .iter()
        .map(|r| decode(e, r))
        .collect::<Result<Vec<_>, _>>()?)
}

/// The records of `e` meeting `condition` (SQL over the table's columns,
/// `f_<field>`, with `$1`… for `params`), at most `limit`, in the list's
/// default order: a module's own screens (a service's inbox, a place's
/// burials) read only the rows they show, on the indexes.
pub async fn find(
    conn: &mut AnyConnection,
    m: &Module,
    e: &Entity,
    condition: &str,
    params: Vec<sql::Param>,
    limit: i64,
) -> Result<Vec<StoredRecord>, StoreError> {
    let all = sql::all(m, e);
    let (head, order) = all
        .text
        .split_once(" ORDER BY ")
        .unwrap_or((all.text.as_str(), "id"));
    let n = params.len();
    let mut params = params;
    params.push(sql::Param::Int(Some(limit)));
    let s = Sql {
        text: format!("{head} WHERE {condition} ORDER BY {order} LIMIT ${}", n + 1),
        params,
    };
    let rows = fetch_all(&mut *conn, &s).await?;
    Ok(rows
        .iter()
        .map(|r| decode(e, r))
        .collect::<Result<Vec<_>, _>>()?)
}

/// The checks that need the database: references, bureaux and elections
/// that exist, unique sets. `bureaux` is every (election, bureau code) the
/// night holds; `elections` every election id.
pub async fn check_links(
    conn: &mut AnyConnection,
    m: &Module,
    e: &Entity,
    values: &[Value],
    except: Option<i64>,
    known: &Known,
) -> Result<Vec<FieldError>, StoreError> {
    let mut errors = Vec::new();
    let election = e
        .fields
        .iter()
        .zip(values)
        .find(|(f, _)| f.kind == Kind::Election)
        .and_then(|(_, v)| v.as_text());
    for (f, v) in e.fields.iter().zip(values) {
        let err = |rule: &'static str, message: String| FieldError {
            field: f.name.to_string(),
            rule,
            message,
        };
        match (&f.kind, v) {
            (Kind::Ref(target), Value::Int(id)) => {
                let Some(t) = m.entity(target) else { continue };
                if get(&mut *conn, m, t, *id).await?.is_none() {
                    errors.push(err(
                        "reference",
                        format!("pas de fiche n° {id} parmi : {}", t.label),
                    ));
                }
            }
            (Kind::Election, Value::Text(id)) if !known.elections.contains(id) => {
                errors.push(err("reference", format!("élection inconnue : {id}")));
            }
            (Kind::Bureau, Value::Text(code)) => {
                let found = known
                    .bureaux
                    .iter()
                    .any(|(el, b)| b == code && election.is_none_or(|x| x == el));
                if !found {
                    let scope = election.map_or(String::new(), |x| format!(" dans l'élection {x}"));
                    errors.push(err("reference", format!("bureau inconnu{scope} : {code}")));
                }
            }
            _ => {}
        }
    }
    for set in &e.unique {
        if let Some(s) = sql::unique_clash(m, e, set, values, except)
            && fetch_optional(&mut *conn, &s).await?.is_some()
        {
            errors.push(FieldError {
                field: set.fields.first().map_or("", |f| f).to_string(),
                rule: "unique",
                message: set.message.to_string(),
            });
        }
    }
    Ok(errors)
}

/// What the night holds that module records may name.
#[derive(Debug, Clone, Default)]
pub struct Known {
    pub elections: Vec<String>,
    /// (election id, bureau code).
    pub bureaux: Vec<(String, String)>,
}

fn record_json(e: &Entity, id: i64, values: &[Value]) -> String {
    let fields: serde_json::Map<String, serde_json::Value> = e
        .fields
        .iter()
        .zip(values)
        .map(|(f, v)| (f.name.to_string(), to_json(f, v)))
        .collect();
    serde_json::json!({ "id": id, "fields": fields }).to_string()
}

/// The bureau and the election a record names, for the audit row.
fn scope(e: &Entity, values: &[Value]) -> (Option<String>, Option<String>) {
    let find = |k: Kind| {
        e.fields
            .iter()
            .zip(values)
            .find(|(f, _)| f.kind == k)
            .and_then(|(_, v)| v.as_text().map(str::to_string))
    };
    (find(Kind::Election), find(Kind::Bureau))
}

async fn audit(
    conn: &mut AnyConnection,
    actor: &str,
    action: String,
    e: &Entity,
    old: Option<(i64, &[Value])>,
    new: Option<(i64, &[Value])>,
) -> Result<(), StoreError> {
    let values = new.or(old).map_or(&[][..], |(_, v)| v);
    let (election, bureau) = scope(e, values);
    append(
        conn,
        AuditRecord {
            actor,
            action: &action,
            election_id: election.as_deref(),
            bureau_code: bureau.as_deref(),
            old: old.map(|(id, v)| record_json(e, id, v)),
            new: new.map(|(id, v)| record_json(e, id, v)),
        },
    )
    .await?;
    Ok(())
}

fn unique_violation(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .is_some_and(|d| d.is_unique_violation())
}

fn raced(e: &Entity) -> RecordError {
    RecordError::Invalid(vec![FieldError {
        field: e
            .unique
            .first()
            .and_then(|u| u.fields.first())
            .map_or("", |f| f)
            .to_string(),
        rule: "unique",
        message: e
            .unique
            .first()
            .map_or("doublon", |u| u.message)
            .to_string(),
    }])
}

/// Inserts a checked record (the caller has run the engine's checks);
/// runs the database's checks first. Returns the new id.
pub async fn insert(
    conn: &mut AnyConnection,
    m: &Module,
    e: &Entity,
    values: &[Value],
    known: &Known,
    actor: &str,
) -> Result<i64, RecordError> {
    let numbered;
    let values = match &e.numbering {
        Some(n) => {
            numbered = number(&mut *conn, m, e, n, values, &mut Ranks::new()).await?;
            &numbered[..]
        }
        None => values,
    };
    let errors = check_links(&mut *conn, m, e, values, None, known).await?;
    if !errors.is_empty() {
        return Err(RecordError::Invalid(errors));
    }
    let s = sql::insert(m, e, values, now_millis());
    let id: i64 = match bind(sqlx::query(&s.text), &s.params)
        .fetch_one(&mut *conn)
        .await
    {
        Ok(row) => row.try_get(0)?,
        Err(err) if unique_violation(&err) => return Err(raced(e)),
        Err(err) => return Err(err.into()),
    };
    let action = format!("module.{}.{}.create", m.name, e.name);
    audit(conn, actor, action, e, None, Some((id, values))).await?;
    Ok(id)
}

/// The values of a new record with its registration number: the year of
/// its date (today, in Paris, when left empty, and the date set to it),
/// the next rank of that year in its scope, and `year-rank`.
/// The next ranks given in one transaction, by year and scope: an import
/// reads each scope's largest rank once, then counts on.
pub type Ranks = std::collections::HashMap<String, i64>;

pub async fn number(
    conn: &mut AnyConnection,
    m: &Module,
    e: &Entity,
    n: &module_engine::Numbering,
    values: &[Value],
    ranks: &mut Ranks,
) -> Result<Vec<Value>, StoreError> {
    let mut values = values.to_vec();
    let at = |name: &str| e.field_index(name).filter(|i| *i < values.len());
    let (Some(d), Some(y), Some(r), Some(k)) = (at(n.date), at(n.year), at(n.rank), at(n.number))
    else {
        return Ok(values);
    };
    if values[d].is_null() {
        values[d] = Value::Text(results_view::time::today_paris());
    }
    let year = values[d]
        .as_text()
        .and_then(|t| t.get(..4))
        .and_then(|t| t.parse::<i64>().ok())
        .unwrap_or_default();
    let rank = match sql::next_rank(m, e, &values, year) {
        Some(q) => {
            let key = format!("{:?}", q.params);
            let next = match ranks.get(&key) {
                Some(n) => *n,
                None => count(&mut *conn, &q).await?,
            };
            ranks.insert(key, next + 1);
            next
        }
        None => 1,
    };
    values[y] = Value::Int(year);
    values[r] = Value::Int(rank);
    values[k] = Value::Text(format!("{year}-{rank}"));
    Ok(values)
}

/// A replacement of a record's fields: which record, at which version
/// (as read by the caller), the new values, and the action that made it
/// (None for an edit).
#[derive(Debug, Clone, Copy)]
pub struct Change<'a> {
    pub id: i64,
    pub version: i64,
    pub values: &'a [Value],
    pub action: Option<&'a str>,
}

/// Replaces a record's fields if it is still at `change.version`.
pub async fn update(
    conn: &mut AnyConnection,
    m: &Module,
    e: &Entity,
    change: Change<'_>,
    known: &Known,
    actor: &str,
) -> Result<i64, RecordError> {
    let Change {
        id,
        version,
        values,
        action,
    } = change;
    let Some(old) = get(&mut *conn, m, e, id).await? else {
        return Err(RecordError::NotFound);
    };
    if old.version != version {
        return Err(RecordError::Stale {
            current: old.version,
        });
    }
    let errors = check_links(&mut *conn, m, e, values, Some(id), known).await?;
    if !errors.is_empty() {
        return Err(RecordError::Invalid(errors));
    }
    let s = sql::update(m, e, id, version, values, now_millis());
    match bind(sqlx::query(&s.text), &s.params)
        .execute(&mut *conn)
        .await
    {
        Ok(done) if done.rows_affected() == 1 => {}
        Ok(_) => {
            return Err(RecordError::Stale {
                current: old.version,
            });
        }
        Err(err) if unique_violation(&err) => return Err(raced(e)),
        Err(err) => return Err(err.into()),
    }
    let what = action.unwrap_or("update");
    let action = format!("module.{}.{}.{what}", m.name, e.name);
    audit(
        conn,
        actor,
        action,
        e,
        Some((id, &old.values)),
        Some((id, values)),
    )
    .await?;
    Ok(version + 1)
}

/// Deletes a record at `version`, unless other records still point at it.
pub async fn delete(
    conn: &mut AnyConnection,
    m: &Module,
    e: &Entity,
    id: i64,
    version: i64,
    actor: &str,
) -> Result<(), RecordError> {
    let Some(old) = get(&mut *conn, m, e, id).await? else {
        return Err(RecordError::NotFound);
    };
    if old.version != version {
        return Err(RecordError::Stale {
            current: old.version,
        });
    }
    let mut users = Vec::new();
    for other in &m.entities {
        for f in &other.fields {
            if f.kind == Kind::Ref(e.name) {
                let n = count(&mut *conn, &sql::referrers(m, other, f, id)).await?;
                if n > 0 {
                    users.push(format!("{n} × {} ({})", other.label, f.label));
                }
            }
        }
    }
    if !users.is_empty() {
        return Err(RecordError::InUse(format!(
            "suppression impossible : cette fiche est utilisée par {}",
            users.join(", ")
        )));
    }
    let s = sql::delete(m, e, id, version);
    let done = bind(sqlx::query(&s.text), &s.params)
        .execute(&mut *conn)
        .await?;
    if done.rows_affected() != 1 {
        return Err(RecordError::Stale {
            current: old.version,
        });
    }
    super::files::delete_all(conn, m, e, id).await?;
    let action = format!("module.{}.{}.delete", m.name, e.name);
    audit(conn, actor, action, e, Some((id, &old.values)), None).await?;
    Ok(())
}
