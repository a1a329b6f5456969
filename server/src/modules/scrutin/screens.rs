//! openScrutin's own desk screens: the completeness board (every bureau ×
//! time slot, red where R42 is not met, with the R43 presidency order and
//! the conflicts found), one bureau's composition with what to add, and a
//! person's schedule. Adding and removing go through the engine's forms
//! (prefilled from the link), so every rule and the audit log apply.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Form, Router};
use catalogue::scrutin::{Nature, board, conflicts, default_presidents, presidency_issues};
use maud::{Markup, html};
use module_engine::Right;

use super::{Tour, Which, chosen, load, readable_module, scrutins};
use crate::auth::Principal;
use crate::error::ApiError;
use crate::modules::{Target, allow};
use crate::state::AppState;
use crate::ui::{csrf_of, error_page, layout};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/desk/m/scrutin/tableau", get(board_screen))
        .route("/desk/m/scrutin/bureau/{code}", get(bureau_screen))
        .route("/desk/m/scrutin/planning/{id}", get(planning))
        .route("/desk/m/scrutin/code/{affectation}", post(president_code))
        .route("/desk/m/scrutin/presidents", post(default_presidencies))
        .route(
            "/desk/m/scrutin/documents/{doc}",
            get(super::documents::download),
        )
}

fn which_query(t: &Tour) -> String {
    format!("scrutin={}&tour={}", t.scrutin_id, t.tour)
}

async fn picker(
    state: &AppState,
    t: Target<'_>,
    tour: &Tour,
    action: &str,
) -> Result<Markup, ApiError> {
    let all = scrutins(state, t.module).await?;
    Ok(html! {
        form.filters method="get" action=(action) {
            div.ff {
                label for="scrutin" { "Scrutin" }
                select #scrutin name="scrutin" {
                    @for (id, l) in &all { option value=(id) selected[*id == tour.scrutin_id] { (l) } }
                }
            }
            div.ff {
                label for="tour" { "Tour" }
                select #tour name="tour" {
                    option value="1" selected[tour.tour == 1] { "1er tour" }
                    option value="2" selected[tour.tour == 2] { "2nd tour" }
                }
            }
            button type="submit" { "Afficher" }
        }
    })
}

fn heading(t: &Tour) -> String {
    let date = t
        .date
        .as_deref()
        .map(crate::pages::format::date)
        .unwrap_or_default();
    format!(
        "{} — {} tour {}",
        t.libelle,
        if t.tour == 2 { "2nd" } else { "1er" },
        date
    )
}

/// Short counts of a cell: « P 1 · A 2 · S 1 ».
fn counts(c: &catalogue::scrutin::Cell) -> String {
    let p = c.counts.get(Nature::President) + c.counts.get(Nature::Suppleant);
    format!(
        "P {p} · A {} · S {}",
        c.counts.get(Nature::Assesseur),
        c.counts.get(Nature::Secretaire)
    )
}

async fn board_screen(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Query(w): Query<Which>,
) -> Response {
    let run = async {
        let t = readable_module(&state, &p).await?;
        let tour = chosen(&state, t, &w).await?;
        let codes = tour.bureau_codes();
        let b = board(&codes, &tour.slots, &tour.assignments);
        let people: Vec<_> = tour.people.iter().map(|x| x.person.clone()).collect();
        let mut issues = presidency_issues(&codes, &people, &tour.assignments);
        issues.extend(conflicts(&tour.assignments));
        let delegates = unknown_candidates(&state, &tour);
        let defaults = default_presidents(&codes, &people);
        let q = which_query(&tour);
        let pick = picker(&state, t, &tour, "/desk/m/scrutin/tableau").await?;
        Ok::<_, ApiError>(layout("Tableau de complétude", &p, html! {
            nav aria-label="Fil d'Ariane" { a href="/desk" { "Tableau de bord" } " › " a href="/desk/m/scrutin" { "openScrutin" } }
            h1 { "Composition des bureaux — tableau de complétude" }
            (pick)
            h2 { (heading(&tour)) }
            @if tour.slots.is_empty() {
                p.form-warning { "Aucun créneau pour ce tour : ajoutez-en dans « Créneaux »." }
            }
            p role="status" #board-status class=(if b.is_complete() { "form-ok" } else { "form-error" }) {
                @if b.is_complete() { "Complet : chaque bureau a, sur chaque créneau, un président, au moins deux assesseurs et un secrétaire (art. R42)." }
                @else { (b.totals.cells - b.totals.complete) " case" @if b.totals.cells - b.totals.complete > 1 { "s" } " incomplète" @if b.totals.cells - b.totals.complete > 1 { "s" } " sur " (b.totals.cells) " (art. R42 : un président, deux assesseurs au moins, un secrétaire)." }
            }
            p {
                "Documents : "
                a href={ "/desk/m/scrutin/documents/composition.pdf?" (q) } { "composition des bureaux (PDF)" } " · "
                a href={ "/desk/m/scrutin/documents/convocations.pdf?" (q) } { "convocations (PDF)" } " · "
                "tableau des heures : "
                a href={ "/desk/m/scrutin/documents/heures.xlsx?" (q) } { "tableur" } ", "
                a href={ "/desk/m/scrutin/documents/heures.csv?" (q) } { "CSV" } ", "
                a href={ "/desk/m/scrutin/documents/heures.pdf?" (q) } { "PDF" }
            }
            div.scroll {
                table.board.mlist {
                    caption.visually-hidden { "Bureaux et créneaux" }
                    thead { tr {
                        th scope="col" { "Bureau" }
                        @for s in &tour.slots { th scope="col" { (s.libelle) br; small { (tour.hours_of(s)) } } }
                    } }
                    tbody {
                        @for (code, name) in &tour.bureaux {
                            tr {
                                th scope="row" { a href={ "/desk/m/scrutin/bureau/" (code) "?" (q) } { (code) " — " (name) } }
                                @for s in &tour.slots {
                                    @if let Some(c) = b.cell(code, s.id) {
                                        @if c.is_complete() {
                                            td.complete data-bureau=(code) data-slot=(s.id) { (counts(c)) }
                                        } @else {
                                            td.missing data-bureau=(code) data-slot=(s.id) { "manque : " (c.missing.join(", ")) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if !delegates.is_empty() {
                h2 { "Délégués à vérifier (art. L67, R47)" }
                ul.issues { @for d in &delegates { li { (d) } } }
            }
            @if !issues.is_empty() {
                h2 { "À vérifier (" (issues.len()) ")" }
                ul.issues {
                    @for i in &issues {
                        li {
                            strong { (i.article) } " — "
                            @if let Some(who) = i.person.and_then(|id| tour.person(id)) { (who.person.name()) " : " }
                            (i.message)
                            @if let Some(code) = &i.bureau { " (" a href={ "/desk/m/scrutin/bureau/" (code) "?" (q) } { "bureau " (code) } ")" }
                        }
                    }
                }
            }
            @if !defaults.is_empty() && t.entity.rights.allows_any(Right::Create, &p.roles_in(t.module.name)) && b.totals.missing_presidents > 0 {
                form method="post" action={ "/desk/m/scrutin/presidents?" (q) } {
                    input type="hidden" name="csrf" value=(csrf_of(&p));
                    button type="submit" { "Affecter les présidents manquants selon l'ordre du tableau (R43)" }
                }
            }
            @if !defaults.is_empty() {
                details {
                    summary { "Présidences selon l'ordre du tableau (art. R43)" }
                    table.mlist {
                        thead { tr { th scope="col" { "Bureau" } th scope="col" { "Élu" } } }
                        tbody { @for (code, id) in &defaults { tr { td { (code) } td { @if let Some(x) = tour.person(*id) { (x.person.name()) } } } } }
                    }
                }
            }
        }).into_response())
    };
    run.await.unwrap_or_else(|e| error_page(&p, &e))
}

async fn bureau_screen(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(code): Path<String>,
    Query(w): Query<Which>,
) -> Response {
    let run = async {
        let t = readable_module(&state, &p).await?;
        let tour = chosen(&state, t, &w).await?;
        if !tour.bureaux.iter().any(|(c, _)| *c == code) {
            return Err(ApiError::not_found(format!(
                "bureau inconnu pour ce tour : {code}"
            )));
        }
        let b = board(std::slice::from_ref(&code), &tour.slots, &tour.assignments);
        let q = which_query(&tour);
        let may_write = t
            .entity
            .rights
            .allows_any(Right::Create, &p.roles_in(t.module.name));
        Ok::<_, ApiError>(layout(&format!("Bureau {code}"), &p, html! {
            nav aria-label="Fil d'Ariane" {
                a href="/desk" { "Tableau de bord" } " › " a href="/desk/m/scrutin" { "openScrutin" } " › "
                a href={ "/desk/m/scrutin/tableau?" (q) } { "Tableau de complétude" }
            }
            h1 { "Bureau " (tour.bureau_name(&code)) }
            p { (heading(&tour)) " · " a href={ "/desk/m/scrutin/documents/composition.pdf?" (q) "&bureau=" (code) } { "composition (PDF)" } }
            @for s in &tour.slots {
                @let cell = b.cell(&code, s.id);
                section {
                    h2 { (s.libelle) " (" (tour.hours_of(s)) ")" }
                    @if let Some(c) = cell {
                        @if c.is_complete() { p.form-ok { "Complet." } } @else { p.form-error { "Manque : " (c.missing.join(", ")) "." } }
                    }
                    div.scroll { table.mlist.compo {
                        thead { tr { th scope="col" { "Poste" } th scope="col" { "Personne" } th scope="col" { "Représente" } th scope="col" { "" } } }
                        tbody {
                            @for a in tour.assignments.iter().filter(|a| a.bureau == code && a.slot == s.id) {
                                tr {
                                    td { (tour.poste(a.poste).map_or("", |x| x.libelle.as_str())) }
                                    td { @if let Some(x) = tour.person(a.person) { a href={ "/desk/m/scrutin/planning/" (a.person) } { (x.person.name()) } } }
                                    td { (a.candidat.as_deref().unwrap_or("")) }
                                    td {
                                        a href={ "/desk/m/scrutin/affectation/" (a.id) "/edit" } { "Modifier" } " · "
                                        a href={ "/desk/m/scrutin/affectation/" (a.id) "/delete" } { "Retirer" }
                                        @if matches!(a.nature, Nature::President) && tour.election.is_some() && p.is_desk() {
                                            " · "
                                            form.inline method="post" action={ "/desk/m/scrutin/code/" (a.id) } {
                                                input type="hidden" name="csrf" value=(csrf_of(&p));
                                                button.link-dark type="submit" { "Code de saisie du président" }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    } }
                    @if may_write {
                        p { a.button href={ "/desk/m/scrutin/affectation/new?scrutin=" (tour.scrutin_id) "&bureau=" (code) "&creneau=" (s.id) } { "Affecter quelqu'un à ce créneau" } }
                    }
                }
            }
        }).into_response())
    };
    run.await.unwrap_or_else(|e| error_page(&p, &e))
}

async fn planning(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(id): Path<i64>,
) -> Response {
    let run = async {
        let t = readable_module(&state, &p).await?;
        let mut rows = Vec::new();
        let mut name = None;
        for (sid, _) in scrutins(&state, t.module).await? {
            for tour in [1u8, 2] {
                let tr = load(&state, t.module, sid, tour).await?;
                if name.is_none() {
                    name = tr.person(id).map(|x| x.person.name());
                }
                for a in tr.assignments.iter().filter(|a| a.person == id) {
                    let slot = tr.slot(a.slot);
                    rows.push((
                        heading(&tr),
                        slot.map_or_else(String::new, |s| {
                            format!("{} ({})", s.libelle, tr.hours_of(s))
                        }),
                        tr.bureau_name(&a.bureau),
                        tr.poste(a.poste)
                            .map_or_else(String::new, |x| x.libelle.clone()),
                        format!(
                            "/desk/m/scrutin/documents/convocations.pdf?{}&personne={id}",
                            which_query(&tr)
                        ),
                    ));
                }
            }
        }
        let name = name.ok_or_else(|| ApiError::not_found(format!("pas de personne n° {id}")))?;
        Ok::<_, ApiError>(layout(&name, &p, html! {
            nav aria-label="Fil d'Ariane" { a href="/desk" { "Tableau de bord" } " › " a href="/desk/m/scrutin" { "openScrutin" } " › " a href={ "/desk/m/scrutin/personne/" (id) } { (name) } }
            h1 { "Planning de " (name) }
            @if rows.is_empty() { p { "Aucune affectation." } }
            @else {
                table.mlist {
                    thead { tr { th scope="col" { "Scrutin" } th scope="col" { "Créneau" } th scope="col" { "Bureau" } th scope="col" { "Poste" } th scope="col" { "Convocation" } } }
                    tbody { @for (s, c, b, po, conv) in &rows { tr { td { (s) } td { (c) } td { (b) } td { (po) } td { a href=(conv) { "PDF" } } } } }
                }
            }
        }).into_response())
    };
    run.await.unwrap_or_else(|e| error_page(&p, &e))
}

/// A one-time code for the président of an affectation: it opens a
/// session limited to that bureau of the tour's election (the same codes
/// as the desk's bureau screen), shown once to be handed over with the
/// convocation.
async fn president_code(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(affectation): Path<i64>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let run = async {
        let csrf = form
            .iter()
            .find(|(k, _)| k == "csrf")
            .map(|(_, v)| v.as_str());
        p.check_csrf(csrf)?;
        p.require_desk()?;
        let t = readable_module(&state, &p).await?;
        let ea = t.entity;
        let mut conn = state.store.acquire().await?;
        let r = crate::store::records::get(&mut conn, t.module, ea, affectation)
            .await?
            .ok_or_else(|| ApiError::not_found(format!("pas d'affectation n° {affectation}")))?;
        drop(conn);
        let scrutin = super::int(ea, &r, "scrutin").unwrap_or_default();
        let slot = super::int(ea, &r, "creneau").unwrap_or_default();
        let mut found = None;
        for tour in [1u8, 2] {
            let tr = load(&state, t.module, scrutin, tour).await?;
            if let Some(a) = tr
                .assignments
                .iter()
                .find(|a| a.id == affectation && a.slot == slot)
            {
                found = Some((tr.clone(), a.clone()));
            }
        }
        let (tr, a) = found
            .ok_or_else(|| ApiError::not_found("affectation hors des créneaux de ce scrutin"))?;
        if !matches!(a.nature, Nature::President | Nature::Suppleant) {
            return Err(ApiError::bad_request(
                "invalid_field",
                "seul un président (ou son suppléant) reçoit un code de saisie",
            ));
        }
        let election = tr.election.clone().ok_or_else(|| {
            ApiError::bad_request(
                "invalid_field",
                "ce tour n'est lié à aucune élection d'Urne (champ « Élection » du scrutin)",
            )
        })?;
        let code = crate::write::new_access_code(&state, &p, &election, &a.bureau).await?;
        let who = tr
            .person(a.person)
            .map(|x| x.person.name())
            .unwrap_or_default();
        Ok::<_, ApiError>(layout("Code de saisie", &p, html! {
            h1 { "Code de saisie du président" }
            p { (who) " — bureau " (tr.bureau_name(&a.bureau)) " — " (heading(&tr)) }
            p { "Ce code ouvre une session de saisie limitée à ce bureau de cette élection. Il n'est affiché qu'une fois : remettez-le au président avec sa convocation." }
            p.code-display #access-code { (code) }
            p { a href={ "/desk/m/scrutin/bureau/" (a.bureau) "?" (which_query(&tr)) } { "Retour au bureau" } }
        }).into_response())
    };
    run.await.unwrap_or_else(|e| error_page(&p, &e))
}

/// The délégués whose candidate is not one of the tour's election (by
/// panel number or name, case and accents aside): a délégué represents a
/// candidate or a list of the election (art. L67, R47).
fn unknown_candidates(state: &AppState, tour: &Tour) -> Vec<String> {
    let Some(topic) = tour.election.as_deref().and_then(|id| state.hub.get(id)) else {
        return Vec::new();
    };
    let live = topic.read();
    let fold = module_engine::value::fold;
    let known: Vec<(String, String)> = live
        .election
        .candidates
        .iter()
        .map(|c| (c.number.to_string(), fold(&c.name)))
        .collect();
    tour.assignments
        .iter()
        .filter(|a| matches!(a.nature, Nature::Delegue | Nature::DelegueSuppleant))
        .filter_map(|a| {
            let named = a.candidat.as_deref().unwrap_or_default().trim();
            let f = fold(named);
            let ok = !named.is_empty()
                && known.iter().any(|(n, name)| *n == named || *name == f || (f.len() > 3 && name.contains(&f)));
            (!ok).then(|| {
                let who = tour.person(a.person).map(|x| x.person.name()).unwrap_or_default();
                format!(
                    "{who}, bureau {} : « {named} » n'est ni un numéro ni un nom de candidat ou de liste de l'élection {}",
                    a.bureau, live.election.label
                )
            })
        })
        .collect()
}

/// Gives every bureau and slot without a président the élu the R43 order
/// designates for that bureau (`default_presidents`), unless that élu is
/// already affected on the slot elsewhere; through the engine's checks
/// and the audit log, like any affectation.
async fn default_presidencies(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Query(w): Query<Which>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let run = async {
        let csrf = form
            .iter()
            .find(|(k, _)| k == "csrf")
            .map(|(_, v)| v.as_str());
        p.check_csrf(csrf)?;
        let t = readable_module(&state, &p).await?;
        allow(&p, t.module, t.entity, Right::Create)?;
        let tour = chosen(&state, t, &w).await?;
        let poste = tour
            .postes
            .iter()
            .find(|x| matches!(x.nature, Nature::President))
            .ok_or_else(|| {
                ApiError::bad_request(
                    "invalid_field",
                    "aucun poste de nature « président » : créez-le dans « Postes »",
                )
            })?
            .id;
        let codes = tour.bureau_codes();
        let people: Vec<_> = tour.people.iter().map(|x| x.person.clone()).collect();
        let b = board(&codes, &tour.slots, &tour.assignments);
        let known = crate::modules::known(&state);
        let mut made = 0;
        for (code, person) in default_presidents(&codes, &people) {
            for s in &tour.slots {
                let lacks = b.cell(&code, s.id).is_some_and(|c| c.missing_president > 0);
                let busy = tour
                    .assignments
                    .iter()
                    .any(|a| a.person == person && a.slot == s.id);
                if !lacks || busy {
                    continue;
                }
                let pairs = [
                    ("scrutin", tour.scrutin_id.to_string()),
                    ("personne", person.to_string()),
                    ("bureau", code.clone()),
                    ("poste", poste.to_string()),
                    ("creneau", s.id.to_string()),
                ]
                .map(|(k, v)| (k.to_string(), v));
                let values = module_engine::validate::check_form(t.entity, &pairs, None)
                    .map_err(|(_, e)| ApiError::Fields(e))?;
                let (_guard, mut tx) = state.store.begin_write().await?;
                crate::store::records::insert(
                    &mut tx, t.module, t.entity, &values, &known, &p.name,
                )
                .await?;
                tx.commit().await.map_err(crate::store::StoreError::from)?;
                made += 1;
            }
        }
        let _ = made;
        Ok::<_, ApiError>(
            axum::response::Redirect::to(&format!(
                "/desk/m/scrutin/tableau?{}",
                which_query(&tour)
            ))
            .into_response(),
        )
    };
    run.await.unwrap_or_else(|e| error_page(&p, &e))
}
