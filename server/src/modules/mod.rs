//! The secondary modules, served: which are switched on, who may do what
//! on their entities, and the screens, API and search that every module
//! gets from its declaration.
//!
//! The catalogue of modules the installation knows is in the server's
//! [`Config`](crate::state::Config) (the built-in ones, or a test's own);
//! which of them are switched on is in the store (`urne module enable`),
//! read on each request so that every instance of a cluster agrees. A
//! module's entities are reached through [`open`], which checks in one
//! place that the module is on, the entity exists and the principal's role
//! has the right asked for: the desk's screens ([`desk`]), the JSON API
//! ([`api`]), the search ([`search`]) and the exports all go through it, so
//! a role without a right gets 403 everywhere.

pub mod api;
pub mod boards;
pub mod cimetiere;
pub mod courrier;
pub mod desk;
pub mod elec;
pub mod files;
pub mod import;

pub mod scrutin;
pub mod search;

use module_engine::{Entity, Module, Right};

use crate::auth::Principal;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::records::{Known, RecordError};

/// The modules built into Urne (none switched on until `urne module enable`).
pub fn builtin() -> module_engine::Catalog {
    crate::state::builtin_modules()
}

/// A module's entity that the principal may act on.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    pub module: &'a Module,
    pub entity: &'a Entity,
}

/// The module `module`, if it is known and switched on.
pub async fn enabled_module<'a>(state: &'a AppState, module: &str) -> Result<&'a Module, ApiError> {
    let Some(m) = state.config.modules.module(module) else {
        return Err(ApiError::not_found(format!("module inconnu : {module}")));
    };
    let mut conn = state.store.acquire().await?;
    if !crate::store::records::is_enabled(&mut conn, m.name).await? {
        return Err(ApiError::not_found(format!(
            "le module {module} n'est pas activé sur cette installation (urne module enable {module})"
        )));
    }
    Ok(m)
}

/// The entity `entity` of module `module`, after checking that the
/// module is on and that `p` has `right` on it (401 for nobody, 403 for a
/// role without the right, 404 for what does not exist).
pub async fn open<'a>(
    state: &'a AppState,
    p: &Principal,
    module: &str,
    entity: &str,
    right: Right,
) -> Result<Target<'a>, ApiError> {
    p.require_login()?;
    let m = enabled_module(state, module).await?;
    let Some(e) = m.entity(entity) else {
        return Err(ApiError::not_found(format!(
            "pas d'entité {entity} dans le module {module}"
        )));
    };
    allow(p, m, e, right)?;
    Ok(Target {
        module: m,
        entity: e,
    })
}

/// A record id of a path: a positive integer, or 404.
pub fn parse_id(id: &str) -> Result<i64, ApiError> {
    id.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| ApiError::not_found(format!("identifiant de fiche invalide : {id}")))
}

/// The record `id` of the target's entity, or 404 naming the entity.
pub async fn fetch(
    state: &AppState,
    t: Target<'_>,
    id: i64,
) -> Result<crate::store::records::StoredRecord, ApiError> {
    let mut conn = state.store.acquire().await?;
    crate::store::records::get(&mut conn, t.module, t.entity, id)
        .await?
        .ok_or_else(|| {
            ApiError::not_found(format!("pas de fiche n° {id} parmi : {}", t.entity.label))
        })
}

/// 403 unless one of `p`'s roles in module `m` (its account's, or one
/// granted in the module) has `right` on `e`.
pub fn allow(p: &Principal, m: &Module, e: &Entity, right: Right) -> Result<(), ApiError> {
    if e.rights.allows_any(right, &p.roles_in(m.name)) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(format!(
            "le rôle « {} » ne peut pas {} : {}",
            p.role.label_fr(),
            right.label_fr(),
            e.label
        )))
    }
}

/// The modules switched on whose entities `p` may read at least one of.
pub async fn readable<'a>(state: &'a AppState, p: &Principal) -> Result<Vec<&'a Module>, ApiError> {
    if state.config.modules.modules().is_empty() {
        return Ok(Vec::new());
    }
    let mut conn = state.store.acquire().await?;
    let on = crate::store::records::enabled(&mut conn).await?;
    Ok(state
        .config
        .modules
        .modules()
        .iter()
        .filter(|m| on.iter().any(|n| n == m.name))
        .filter(|m| {
            m.entities
                .iter()
                .any(|e| e.rights.allows_any(Right::Read, &p.roles_in(m.name)))
        })
        .collect())
}

/// The elections and bureaux of the night, which records may name.
pub fn known(state: &AppState) -> Known {
    let mut k = Known::default();
    for t in state.hub.list() {
        let live = t.read();
        let e = &live.election;
        k.elections.push(e.id.clone());
        k.bureaux
            .extend(e.bureaux.iter().map(|b| (e.id.clone(), b.code.clone())));
    }
    k
}

impl From<RecordError> for ApiError {
    fn from(e: RecordError) -> ApiError {
        match e {
            RecordError::Invalid(errors) => ApiError::Fields(errors),
            RecordError::NotFound => {
                ApiError::not_found("fiche introuvable (supprimée entre-temps ?)")
            }
            RecordError::Stale { current } => ApiError::Conflict {
                message: format!(
                    "la fiche a été modifiée entre-temps (version {current}) : rechargez-la avant de la modifier"
                ),
                current_version: current,
            },
            RecordError::InUse(message) => ApiError::Conflict {
                message,
                current_version: 0,
            },
            RecordError::Store(s) => s.into(),
        }
    }
}

/// The checks of a record that need other records than its own and are a
/// module's business (openElec's procuration limits), as field errors.
pub async fn module_rules(
    state: &AppState,
    t: Target<'_>,
    values: &[module_engine::Value],
    id: Option<i64>,
) -> Result<Vec<module_engine::FieldError>, ApiError> {
    match (t.module.name, t.entity.name) {
        (elec::NAME, "procuration") => {
            elec::procuration_rules(state, t.module, t.entity, values, id).await
        }
        (cimetiere::NAME, _) => cimetiere::rules(state, t, values, id).await,
        _ => Ok(Vec::new()),
    }
}

/// Records an export or a printed document in the audit log: who took
/// what, of which entity, with which filters, how many rows (the roll is
/// personal data; every module's exports are recorded alike).
pub async fn audit_export(
    state: &AppState,
    p: &Principal,
    m: &Module,
    entity: &str,
    what: &str,
    filters: &str,
    rows: usize,
) -> Result<(), ApiError> {
    let (_guard, mut tx) = state.store.begin_write().await?;
    let new = serde_json::json!({"module": m.name, "entity": entity, "document": what, "filters": filters, "rows": rows});
    crate::store::audit::append(
        &mut tx,
        crate::store::audit::AuditRecord {
            actor: &p.name,
            action: &format!("module.{}.{entity}.export", m.name),
            election_id: None,
            bureau_code: None,
            old: None,
            new: Some(new.to_string()),
        },
    )
    .await?;
    tx.commit().await.map_err(crate::store::StoreError::from)?;
    Ok(())
}

/// A module's PDF document as the answer: shown in the browser, saved as
/// `name.pdf`.
pub fn pdf(bytes: Vec<u8>, name: &str) -> axum::response::Response {
    use axum::response::IntoResponse;
    (
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/pdf".to_string(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{name}.pdf\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// A record's title: its title fields, shown and joined.
pub fn title(e: &Entity, values: &[module_engine::Value]) -> String {
    let parts: Vec<String> = e
        .title
        .iter()
        .filter_map(|n| {
            let i = e.field_index(n)?;
            let s = module_engine::value::display(&e.fields[i], values.get(i)?);
            (!s.is_empty()).then_some(s)
        })
        .collect();
    parts.join(" ")
}
