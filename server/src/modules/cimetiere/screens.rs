//! openCimetière's own desk screens, in French or English: the plan of a
//! cemetery (SVG drawn on the server: each place a cell coloured by its
//! state — free, in force, expired, being taken back — that opens the
//! place; the zones framed and named; a table of the counts as its text
//! alternative), the concessions expiring in the coming months with the
//! letters to their holders, the register of burials of a year, and the
//! free places and room left by zone.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use catalogue::cimetiere::plan::{
    PlaceState, Plan, free_places_by_zone, layout as plan_layout, place_states,
};
use catalogue::date::Date;
use maud::{Markup, html};

use super::params::{Params, bad, day, expiring_rows, months, year};
use super::{load, readable};
use crate::auth::Principal;
use crate::error::ApiError;
use crate::lang::Tr;
use crate::state::AppState;
use crate::ui::{error_page, layout};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/desk/m/cimetiere/plan", get(plan_screen))
        .route("/desk/m/cimetiere/echeances", get(expiring_screen))
        .route("/desk/m/cimetiere/registre", get(register_screen))
        .route("/desk/m/cimetiere/places-libres", get(free_screen))
        .route(
            "/desk/m/cimetiere/documents/{doc}",
            get(super::documents::download),
        )
}

/// Burials per page of the register's screen (the PDF has the whole year).
const REGISTER_PAGE: usize = 200;

fn breadcrumb(tr: Tr<'_>, here: &str, path: &str) -> Markup {
    let (other, href) = tr.switch(path);
    html! {
        nav aria-label=(tr.pick("Fil d'Ariane", "Breadcrumb")) {
            a href="/desk" { (tr.w("Tableau de bord")) } " › "
            a href="/desk/modules" { (tr.w("Modules")) } " › "
            a href="/desk/m/cimetiere" { (tr.t(tr.m.label)) } " › " (here)
            " · " a.lang-switch href=(href) lang=(tr.lang.other().code()) { (other) }
        }
    }
}

fn state_class(s: PlaceState) -> &'static str {
    match s {
        PlaceState::Free => "p-free",
        PlaceState::InForce => "p-inforce",
        PlaceState::Expired => "p-expired",
        PlaceState::InReprise => "p-reprise",
    }
}

/// The fill, stroke and dash of each state, as presentation attributes
/// (the desk's content security policy allows no inline style): readable
/// on paper and by the colour-blind, the expired cells outlined darker and
/// the ones being taken back dashed.
fn paint(s: PlaceState) -> (&'static str, &'static str, &'static str, &'static str) {
    match s {
        PlaceState::Free => ("#e8f5e9", "#2e7d32", "0.15", "none"),
        PlaceState::InForce => ("#1565c0", "#0d47a1", "0.15", "none"),
        PlaceState::Expired => ("#ffb300", "#6d4c00", "0.3", "none"),
        PlaceState::InReprise => ("#c62828", "#000000", "0.4", "0.6 0.4"),
    }
}

/// The SVG of a plan; each cell links to its place's record.
pub fn svg(plan: &Plan, tr: Tr<'_>) -> Markup {
    let margin = 4;
    html! {
        svg.plan #plan xmlns="http://www.w3.org/2000/svg" role="group"
            viewBox={ (-margin) " " (-margin) " " (plan.width + 2 * margin) " " (plan.height + 2 * margin) }
            preserveAspectRatio="xMidYMid meet"
            aria-label=(tr.pick("Plan du cimetière", "Cemetery plan")) {
            @for z in &plan.zones {
                rect.zone x=(z.x) y=(z.y) width=(z.w) height=(z.h) fill="none" stroke="#555" stroke-width="0.4" {}
                text.zone-label x=(z.x) y=(z.y - 1) font-size="3" font-family="sans-serif" fill="#333" { (z.code) @if let Some(n) = &z.nom { " — " (n) } }
            }
            @for c in &plan.places {
                a href={ "/desk/m/cimetiere/emplacement/" (c.id) } data-place=(c.id) data-state=(c.state.code()) {
                    title { (c.label) " — " (c.state.label_in(tr.lang)) }
                    @let (fill, stroke, width, dash) = paint(c.state);
                    rect class=(state_class(c.state)) x=(c.x) y=(c.y) width=(c.w) height=(c.h) fill=(fill) stroke=(stroke) stroke-width=(width) stroke-dasharray=(dash) {}
                }
            }
        }
    }
}

fn legend(counts: &HashMap<PlaceState, usize>, tr: Tr<'_>) -> Markup {
    html! {
        table.mlist #plan-legend {
            caption { (tr.w("Légende")) }
            thead { tr { th scope="col" { (tr.pick("État", "State")) } th.num scope="col" { (tr.pick("Emplacements", "Plots")) } } }
            tbody {
                @for s in PlaceState::ALL {
                    tr data-state=(s.code()) {
                        @let (fill, stroke, _, dash) = paint(*s);
                        td { svg width="14" height="14" aria-hidden="true" { rect x="1" y="1" width="12" height="12" fill=(fill) stroke=(stroke) stroke-width="1.5" stroke-dasharray=(if dash == "none" { "none" } else { "3 2" }) {} } " " (s.label_in(tr.lang)) }
                        td.num { (counts.get(s).copied().unwrap_or(0)) }
                    }
                }
            }
        }
    }
}

/// The cemetery asked for (or the first one).
fn chosen(yard_all: &[(i64, String)], asked: Option<&str>) -> Result<Option<i64>, ApiError> {
    match asked.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(yard_all.first().map(|(id, _)| *id)),
        Some(s) => s
            .parse::<i64>()
            .ok()
            .filter(|id| yard_all.iter().any(|(i, _)| i == id))
            .map(Some)
            .ok_or_else(|| bad("cimetiere", format!("pas de cimetière n° « {s} »"))),
    }
}

async fn cemeteries(
    state: &AppState,
    m: &module_engine::Module,
) -> Result<Vec<(i64, String)>, ApiError> {
    let e = m
        .entity("cimetiere")
        .ok_or_else(|| ApiError::not_found("cimetières absents du module"))?;
    let mut conn = state.store.acquire().await?;
    Ok(crate::store::records::all(&mut conn, m, e)
        .await?
        .iter()
        .map(|r| (r.id, crate::modules::title(e, &r.values)))
        .collect())
}

fn picker(tr: Tr<'_>, all: &[(i64, String)], current: i64, action: &str, extra: Markup) -> Markup {
    html! {
        form.filters method="get" action=(action) {
            div.ff {
                label for="cimetiere" { (tr.t("Cimetière")) }
                select #cimetiere name="cimetiere" {
                    @for (id, l) in all { option value=(id) selected[*id == current] { (l) } }
                }
            }
            (extra)
            button type="submit" { (tr.w("Afficher")) }
        }
    }
}

async fn plan_screen(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Query(q): Query<Params>,
) -> Response {
    let run = async {
        let t = readable(&state, &p, "emplacement").await?;
        let tr = Tr::here(t.module);
        let all = cemeteries(&state, t.module).await?;
        let Some(id) = chosen(&all, q.cimetiere.as_deref())? else {
            return Err(ApiError::not_found(tr.pick(
                "aucun cimetière : créez-en un dans « Cimetières »",
                "no cemetery: create one in « Cemeteries »",
            )));
        };
        let today = day(&q)?;
        let yard = load(&state, t.module, Some(id)).await?;
        let states = place_states(
            &yard.places,
            &yard.concessions,
            &yard.burials,
            &yard.reprises,
            today,
        );
        let Some(cem) = yard.cemeteries.first() else {
            return Err(ApiError::not_found("cimetière introuvable"));
        };
        let plan = plan_layout(cem, &yard.zones, &yard.places, &states);
        let mut counts: HashMap<PlaceState, usize> = HashMap::new();
        for s in states.values() {
            *counts.entry(*s).or_default() += 1;
        }
        let title = format!("{} — {}", tr.pick("Plan", "Plan"), cem.nom);
        let path = format!("/desk/m/cimetiere/plan?cimetiere={id}");
        Ok::<_, ApiError>(layout(
            &title,
            &p,
            html! {
                (breadcrumb(tr, tr.pick("Plan", "Plan"), &path))
                h1 { (title) }
                (picker(tr, &all, id, "/desk/m/cimetiere/plan", html! {}))
                p role="status" #plan-status {
                    (yard.places.len()) " " (tr.pick("emplacements au", "plots on")) " " (if tr.lang == module_engine::Lang::En { today.to_string() } else { today.fr() }) (tr.pick(" ; ", "; "))
                    (tr.pick("un clic sur un emplacement ouvre sa fiche.", "click a plot to open its record."))
                }
                div.plan-wrap { (svg(&plan, tr)) }
                (legend(&counts, tr))
                p {
                    a href={ "/desk/m/cimetiere/places-libres?cimetiere=" (id) } { (tr.pick("Places libres par zone", "Free plots by section")) } " · "
                    a href={ "/desk/m/cimetiere/echeances" } { (tr.pick("Concessions arrivant à échéance", "Concessions expiring")) } " · "
                    a href={ "/desk/m/cimetiere/registre" } { (tr.pick("Registre des inhumations", "Burial register")) }
                }
            },
        ))
    };
    run.await
        .map(IntoResponse::into_response)
        .unwrap_or_else(|e| error_page(&p, &e))
}

async fn expiring_screen(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Query(q): Query<Params>,
) -> Response {
    let run = async {
        let t = readable(&state, &p, "concession").await?;
        let tr = Tr::here(t.module);
        let today = day(&q)?;
        let months = months(&q)?;
        let yard = super::terms(&state, t.module, today, months).await?;
        let rows = expiring_rows(&yard, today, months);
        let shown = |d: Date| {
            if tr.lang == module_engine::Lang::En {
                d.to_string()
            } else {
                d.fr()
            }
        };
        let title = tr.pick("Concessions arrivant à échéance", "Concessions expiring");
        let letters =
            format!("/desk/m/cimetiere/documents/avis-echeance.pdf?mois={months}&date={today}");
        Ok::<_, ApiError>(layout(
            title,
            &p,
            html! {
                (breadcrumb(tr, title, &format!("/desk/m/cimetiere/echeances?mois={months}")))
                h1 { (title) }
                form.filters method="get" action="/desk/m/cimetiere/echeances" {
                    div.ff { label for="mois" { (tr.pick("Dans les mois à venir", "Within the coming months")) } input #mois type="number" min="1" max="120" name="mois" value=(months); }
                    div.ff { label for="date" { (tr.pick("À partir du", "From")) } input #date type="date" name="date" value=(today); }
                    button type="submit" { (tr.w("Afficher")) }
                }
                p role="status" #expiring-count {
                    (rows.len()) " " (tr.pick("concession(s) arrivent à échéance du", "concession(s) expire from")) " " (shown(today)) " "
                    (tr.pick("au", "to")) " " (shown(today.add_months(months))) "."
                }
                @if !rows.is_empty() {
                    p { a.button href=(letters) { (tr.pick("Lettres aux titulaires (PDF, une par concession)", "Letters to the holders (PDF, one per concession)")) } }
                    table.mlist #expiring {
                        thead { tr {
                            th scope="col" { (tr.pick("Échéance", "Expiry")) } th scope="col" { (tr.pick("Acte", "Deed")) }
                            th scope="col" { (tr.pick("Emplacement", "Plot")) } th scope="col" { (tr.pick("Titulaire", "Holder")) }
                        } }
                        tbody {
                            @for (id, acte, where_, holder, end) in &rows {
                                tr data-id=(id) {
                                    td { (shown(*end)) }
                                    td { a href={ "/desk/m/cimetiere/concession/" (id) } { (acte) } }
                                    td { (where_) }
                                    td { (holder) }
                                }
                            }
                        }
                    }
                }
                p.help { (tr.pick(
                    "L'échéance tient compte des renouvellements. Le titulaire peut renouveler jusqu'à deux ans après l'échéance (art. L2223-15 du CGCT).",
                    "The expiry takes the renewals into account. The holder may renew up to two years after it (art. L2223-15 of the CGCT)."
                )) }
            },
        ))
    };
    run.await
        .map(IntoResponse::into_response)
        .unwrap_or_else(|e| error_page(&p, &e))
}

async fn register_screen(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Query(q): Query<Params>,
) -> Response {
    let run = async {
        let t = readable(&state, &p, "inhumation").await?;
        let tr = Tr::here(t.module);
        let today = day(&q)?;
        let y = year(&q, today)?;
        let page = q
            .page
            .as_deref()
            .and_then(|s| s.trim().parse::<usize>().ok())
            .filter(|n| *n >= 1)
            .unwrap_or(1);
        let from = (page - 1) * REGISTER_PAGE;
        let (lines, total) =
            super::register::lines(&state, t.module, y, tr, from..from + REGISTER_PAGE).await?;
        let pages = total.div_ceil(REGISTER_PAGE).max(1);
        let title = format!(
            "{} {y}",
            tr.pick("Registre des inhumations", "Burial register")
        );
        Ok::<_, ApiError>(layout(
            &title,
            &p,
            html! {
                (breadcrumb(tr, tr.pick("Registre des inhumations", "Burial register"), &format!("/desk/m/cimetiere/registre?annee={y}")))
                h1 { (title) }
                form.filters method="get" action="/desk/m/cimetiere/registre" {
                    div.ff { label for="annee" { (tr.pick("Année", "Year")) } input #annee type="number" name="annee" value=(y); }
                    button type="submit" { (tr.w("Afficher")) }
                }
                p role="status" #register-count { (total) " " (tr.pick("inhumation(s)", "burial(s)"))
                    @if pages > 1 { " — " (tr.w("page")) " " (page) " " (tr.w("sur")) " " (pages) }
                    " · " a href={ "/desk/m/cimetiere/documents/registre.pdf?annee=" (y) } { "PDF" } }
                @if !lines.is_empty() {
                    table.mlist #register {
                        thead { tr { @for h in super::register::columns(tr) { th scope="col" { (h.0) } } } }
                        tbody { @for (id, cells) in &lines { tr data-id=(id) { @for c in cells { td { (c) } } } } }
                            }
                        }
                        @if pages > 1 {
                            nav.pages aria-label="Pages" {
                                @if page > 1 { a rel="prev" href={ "?annee=" (y) "&page=" (page - 1) } { "← " (tr.w("précédente")) } }
                                " " (page) " / " (pages) " "
                                @if page < pages { a rel="next" href={ "?annee=" (y) "&page=" (page + 1) } { (tr.w("suivante")) " →" } }
                            }
                        }
            },
        ))
    };
    run.await
        .map(IntoResponse::into_response)
        .unwrap_or_else(|e| error_page(&p, &e))
}

async fn free_screen(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Query(q): Query<Params>,
) -> Response {
    let run = async {
        let t = readable(&state, &p, "emplacement").await?;
        let tr = Tr::here(t.module);
        let all = cemeteries(&state, t.module).await?;
        let only = match q
            .cimetiere
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => None,
            Some(_) => chosen(&all, q.cimetiere.as_deref())?,
        };
        let today = day(&q)?;
        let yard = load(&state, t.module, only).await?;
        let rows = free_places_by_zone(
            &yard.zones,
            &yard.places,
            &yard.concessions,
            &yard.burials,
            &yard.reprises,
            today,
        );
        let name = |id: i64| {
            all.iter()
                .find(|(i, _)| *i == id)
                .map(|(_, n)| n.clone())
                .unwrap_or_default()
        };
        let (places, free, cap, left) = rows.iter().fold((0, 0, 0, 0), |a, r| {
            (
                a.0 + r.places,
                a.1 + r.free,
                a.2 + r.capacity,
                a.3 + r.remaining,
            )
        });
        let title = tr.pick("Places libres par zone", "Free plots by section");
        Ok::<_, ApiError>(layout(
            title,
            &p,
            html! {
                (breadcrumb(tr, title, "/desk/m/cimetiere/places-libres"))
                h1 { (title) }
                table.mlist #free-places {
                    thead { tr {
                        th scope="col" { (tr.t("Cimetière")) } th scope="col" { (tr.pick("Zone", "Section")) }
                        th.num scope="col" { (tr.pick("Emplacements", "Plots")) } th.num scope="col" { (tr.pick("Libres", "Free")) }
                        th.num scope="col" { (tr.pick("Capacité", "Capacity")) } th.num scope="col" { (tr.pick("Encore possibles", "Still possible")) }
                    } }
                    tbody {
                        @for r in &rows {
                            tr data-zone=(r.zone) {
                                td { (name(r.cimetiere)) } td { (r.code) } td.num { (r.places) } td.num { (r.free) } td.num { (r.capacity) } td.num { (r.remaining) }
                            }
                        }
                        tr.total { th scope="row" colspan="2" { (tr.w("Total")) } td.num { (places) } td.num { (free) } td.num { (cap) } td.num { (left) } }
                    }
                }
                p.help { (tr.pick(
                    "« Encore possibles » : inhumations que les emplacements peuvent encore recevoir (capacité d'une place libre, capacité restante d'une concession en cours ; rien pour une concession échue, en reprise, ou une fosse du terrain commun dans ses cinq ans).",
                    "« Still possible »: burials the plots may still receive (a free plot's capacity, what is left in a concession in force; nothing for an expired one, one being taken back, or a common-ground grave within its five years)."
                )) }
            },
        ))
    };
    run.await
        .map(IntoResponse::into_response)
        .unwrap_or_else(|e| error_page(&p, &e))
}
