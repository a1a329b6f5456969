//! openCourrier served: the rows a screen needs, read from the module's
//! tables on their indexes (a registry holds tens of thousands of
//! courriers: a service's inbox reads that service's open ones, the day's
//! registry that day's), into the catalogue's plain types
//! ([`catalogue::courrier::Mail`], [`Task`], [`Diffusion`]), and the
//! screens ([`screens`]: inbox with overdue tasks, search) and documents
//! ([`documents`]: the day's registry and the transmission slip, PDF)
//! built on them. Registering, assigning and answering are the engine's
//! forms and actions, so every rule, right and audit row applies.

pub mod documents;
pub mod screens;

use catalogue::courrier::registry::Diffusion;
use catalogue::courrier::{Etat, EtatTache, Mail, Numero, Sens, Task};
use catalogue::date::Date;
use module_engine::sql::Param;
use module_engine::{Entity, Module, Right, Value};

use crate::auth::Principal;
use crate::error::ApiError;
use crate::modules::{Target, allow, enabled_module};
use crate::state::AppState;
use crate::store::records::{self, StoredRecord};

pub use catalogue::courrier::NAME;

/// Most courriers a screen lists (the count says how many there are).
pub const MAX_ROWS: i64 = 2_000;

fn entity<'a>(m: &'a Module, name: &str) -> Result<&'a Entity, ApiError> {
    m.entity(name)
        .ok_or_else(|| ApiError::not_found(format!("entité {name} absente du module")))
}

fn value<'a>(e: &Entity, r: &'a StoredRecord, name: &str) -> Option<&'a Value> {
    r.values.get(e.field_index(name)?)
}

fn text(e: &Entity, r: &StoredRecord, name: &str) -> Option<String> {
    value(e, r, name)?.as_text().map(str::to_string)
}

fn int(e: &Entity, r: &StoredRecord, name: &str) -> Option<i64> {
    value(e, r, name)?.as_int()
}

fn date(e: &Entity, r: &StoredRecord, name: &str) -> Option<Date> {
    Date::parse(&text(e, r, name)?)
}

/// The module, after checking `p` may read courriers.
pub async fn readable<'a>(state: &'a AppState, p: &Principal) -> Result<Target<'a>, ApiError> {
    p.require_login()?;
    let m = enabled_module(state, NAME).await?;
    let e = entity(m, "courrier")?;
    allow(p, m, e, Right::Read)?;
    Ok(Target {
        module: m,
        entity: e,
    })
}

/// The services, (id, code — libellé), in code order.
pub async fn services(state: &AppState, m: &Module) -> Result<Vec<(i64, String)>, ApiError> {
    let e = entity(m, "service")?;
    let mut conn = state.store.acquire().await?;
    Ok(records::all(&mut conn, m, e)
        .await?
        .iter()
        .map(|r| (r.id, crate::modules::title(e, &r.values)))
        .collect())
}

/// Courriers read from their rows, with their contacts' titles.
async fn mails(state: &AppState, m: &Module, rows: &[StoredRecord]) -> Result<Vec<Mail>, ApiError> {
    let e = entity(m, "courrier")?;
    let ce = entity(m, "contact")?;
    let mut ids: Vec<i64> = rows.iter().filter_map(|r| int(e, r, "contact")).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut conn = state.store.acquire().await?;
    let contacts = records::get_many(&mut conn, m, ce, &ids).await?;
    let name = |id: Option<i64>| {
        id.and_then(|id| contacts.iter().find(|c| c.id == id))
            .map(|c| crate::modules::title(ce, &c.values))
            .unwrap_or_default()
    };
    Ok(rows
        .iter()
        .filter_map(|r| {
            Some(Mail {
                id: r.id,
                numero: Numero {
                    year: i32::try_from(int(e, r, "annee")?).ok()?,
                    rank: u32::try_from(int(e, r, "rang")?).ok()?,
                },
                sens: Sens::from_code(&text(e, r, "sens")?)?,
                date: date(e, r, "date_enregistrement")?,
                contact: name(int(e, r, "contact")),
                objet: text(e, r, "objet").unwrap_or_default(),
                service: int(e, r, "service"),
                relais: int(e, r, "relais"),
                etat: Etat::from_code(&text(e, r, "etat")?)?,
                echeance: date(e, r, "echeance"),
            })
        })
        .collect())
}

/// What a service has to do: its open courriers (treated, followed,
/// distributed to it, or with an open task of its own), the diffusions
/// and its open tasks.
pub struct ServiceWork {
    pub mails: Vec<Mail>,
    pub diffusions: Vec<Diffusion>,
    pub tasks: Vec<Task>,
}

const OPEN_TASK: &str = "f_etat IN ('a_faire', 'en_cours')";

pub async fn service_work(
    state: &AppState,
    m: &Module,
    service: i64,
) -> Result<ServiceWork, ApiError> {
    let (ec, ed, et) = (
        entity(m, "courrier")?,
        entity(m, "diffusion")?,
        entity(m, "tache")?,
    );
    let (td, tt) = (
        module_engine::sql::table(m, ed),
        module_engine::sql::table(m, et),
    );
    let mut conn = state.store.acquire().await?;
    // A union of ids, each part on its index (an OR of the four would
    // scan the whole registry on SQLite).
    let tc = module_engine::sql::table(m, ec);
    let cond = format!(
        "f_etat <> 'clos' AND id IN (SELECT id FROM {tc} WHERE f_service = $1 \
         UNION SELECT id FROM {tc} WHERE f_relais = $1 \
         UNION SELECT f_courrier FROM {td} WHERE f_service = $1 \
         UNION SELECT f_courrier FROM {tt} WHERE f_service = $1 AND {OPEN_TASK})"
    );
    let rows = records::find(&mut conn, m, ec, &cond, vec![Param::int(service)], MAX_ROWS).await?;
    // Only the diffusions of open courriers: a service's whole history of
    // diffusions is read for nothing otherwise.
    let diffusions = records::find(
        &mut conn,
        m,
        ed,
        &format!("f_service = $1 AND f_courrier IN (SELECT id FROM {tc} WHERE f_etat <> 'clos')"),
        vec![Param::int(service)],
        MAX_ROWS * 4,
    )
    .await?
    .iter()
    .filter_map(|r| diffusion_of(ed, r))
    .collect();
    let tasks = records::find(
        &mut conn,
        m,
        et,
        &format!("f_service = $1 AND {OPEN_TASK}"),
        vec![Param::int(service)],
        MAX_ROWS * 4,
    )
    .await?
    .iter()
    .filter_map(|r| task_of(et, r))
    .collect();
    drop(conn);
    Ok(ServiceWork {
        mails: mails(state, m, &rows).await?,
        diffusions,
        tasks,
    })
}

fn diffusion_of(e: &Entity, r: &StoredRecord) -> Option<Diffusion> {
    Some(Diffusion {
        courrier: int(e, r, "courrier")?,
        service: int(e, r, "service")?,
        ordre: u32::try_from(int(e, r, "ordre")?).ok()?,
        pour_avis: int(e, r, "pour_avis").is_some_and(|n| n != 0),
    })
}

fn task_of(e: &Entity, r: &StoredRecord) -> Option<Task> {
    Some(Task {
        id: r.id,
        courrier: int(e, r, "courrier")?,
        service: int(e, r, "service")?,
        libelle: text(e, r, "libelle").unwrap_or_default(),
        echeance: date(e, r, "echeance")?,
        etat: EtatTache::from_code(&text(e, r, "etat")?)?,
    })
}

/// The courriers registered from `from` to `to` (inclusive), optionally
/// of one register, with the diffusions of those courriers.
pub async fn registered(
    state: &AppState,
    m: &Module,
    from: Date,
    to: Date,
    sens: Option<Sens>,
) -> Result<(Vec<Mail>, Vec<Diffusion>), ApiError> {
    let (ec, ed) = (entity(m, "courrier")?, entity(m, "diffusion")?);
    let mut params = vec![Param::text(from.to_string()), Param::text(to.to_string())];
    let mut cond = "f_date_enregistrement >= $1 AND f_date_enregistrement <= $2".to_string();
    if let Some(s) = sens {
        params.push(Param::text(s.code().to_string()));
        cond.push_str(" AND f_sens = $3");
    }
    let mut conn = state.store.acquire().await?;
    let rows = records::find(&mut conn, m, ec, &cond, params, MAX_ROWS * 5).await?;
    let table = module_engine::sql::table(m, ec);
    let diffusions = records::find(
        &mut conn,
        m,
        ed,
        &format!(
            "f_courrier IN (SELECT id FROM {table} WHERE f_date_enregistrement >= $1 \
             AND f_date_enregistrement <= $2)"
        ),
        vec![Param::text(from.to_string()), Param::text(to.to_string())],
        MAX_ROWS * 20,
    )
    .await?
    .iter()
    .filter_map(|r| diffusion_of(ed, r))
    .collect();
    drop(conn);
    Ok((mails(state, m, &rows).await?, diffusions))
}

/// A date of a query string, or today (Paris).
pub fn day_or_today(s: Option<&str>, field: &str) -> Result<Date, ApiError> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Date::parse(&results_view::time::today_paris())
            .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("today is not a date"))),
        Some(s) => Date::parse(s).ok_or_else(|| {
            ApiError::Fields(vec![module_engine::FieldError {
                field: field.to_string(),
                rule: "date",
                message: format!("date attendue (JJ/MM/AAAA), pas « {s} »"),
            }])
        }),
    }
}
