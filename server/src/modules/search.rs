//! The search across every entity of every module switched on that the
//! principal may read (openMairie's « moteur de recherche multi-table »):
//! the same folded words as a list's search box, a few hits per entity,
//! each linking to its record and to the full list. On the desk at
//! `/desk/search?q=`, in the API at `/api/search?q=`.

use axum::Extension;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use maud::html;
use module_engine::Right;
use module_engine::sql::ListQuery;
use serde::Deserialize;
use serde_json::json;

use super::api::title;
use super::readable;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::records;
use crate::ui::{error_page, layout};

/// Hits shown per entity.
const PER_ENTITY: u32 = 10;

#[derive(Debug, Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
}

/// One entity's hits: (module, entity, label, total, [(id, title)]).
type Hits = (String, String, String, i64, Vec<(i64, String)>);

async fn run(state: &AppState, p: &Principal, q: &str) -> Result<Vec<Hits>, ApiError> {
    let mut out = Vec::new();
    if q.trim().is_empty() {
        return Ok(out);
    }
    let mut conn = state.store.acquire().await?;
    for m in readable(state, p).await? {
        for e in m.entities.iter().filter(|e| {
            e.rights.allows_any(Right::Read, &p.roles_in(m.name)) && !e.search.is_empty()
        }) {
            let pairs = vec![
                ("q".to_string(), q.to_string()),
                ("per_page".to_string(), PER_ENTITY.to_string()),
            ];
            let lq = ListQuery::from_pairs(e, &pairs).map_err(ApiError::Fields)?;
            let (rows, total) = records::list(&mut conn, m, e, &lq).await?;
            if total > 0 {
                let hits = rows.iter().map(|r| (r.id, title(e, &r.values))).collect();
                out.push((
                    m.name.to_string(),
                    e.name.to_string(),
                    format!("{} — {}", m.label, e.label),
                    total,
                    hits,
                ));
            }
        }
    }
    Ok(out)
}

/// The desk's search screen.
pub async fn screen(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Query(sq): Query<SearchQuery>,
) -> Response {
    let found = match run(&state, &p, &sq.q).await {
        Ok(f) => f,
        Err(e) => return error_page(&p, &e),
    };
    layout("Recherche", &p, html! {
        nav aria-label="Fil d'Ariane" { a href="/desk" { "Tableau de bord" } " › " a href="/desk/modules" { "Modules" } }
        h1 { "Recherche dans les modules" }
        form.msearch method="get" action="/desk/search" role="search" {
            label for="q" { "Rechercher" }
            input #q type="search" name="q" value=(sq.q) required;
            button type="submit" { "Rechercher" }
        }
        @if !sq.q.trim().is_empty() && found.is_empty() { p role="status" { "Aucune fiche ne contient « " (sq.q) " »." } }
        @for (m, e, label, total, hits) in &found {
            section {
                h2 { (label) " (" (total) ")" }
                ul { @for (id, t) in hits { li { a href={ "/desk/m/" (m) "/" (e) "/" (id) } { (t) } } } }
                @if *total > hits.len() as i64 {
                    p { a href={ "/desk/m/" (m) "/" (e) "?" (serde_urlencoded::to_string([("q", sq.q.as_str())]).unwrap_or_default()) } { "Toutes les " (total) " fiches" } }
                }
            }
        }
    }).into_response()
}

/// The API's search: `{ "results": [{ module, entity, label, total, hits: [{id, title}] }] }`.
pub async fn api(
    State(state): State<AppState>,
    p: Principal,
    crate::api::ApiQuery(sq): crate::api::ApiQuery<SearchQuery>,
) -> Result<Response, ApiError> {
    p.require_login()?;
    let found = run(&state, &p, &sq.q).await?;
    let results: Vec<_> = found
        .into_iter()
        .map(|(m, e, label, total, hits)| {
            let hits: Vec<_> = hits
                .into_iter()
                .map(|(id, t)| json!({"id": id, "title": t}))
                .collect();
            json!({"module": m, "entity": e, "label": label, "total": total, "hits": hits})
        })
        .collect();
    Ok(axum::Json(json!({ "results": results })).into_response())
}
