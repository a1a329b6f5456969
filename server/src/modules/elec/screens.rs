//! openElec's own desk screens and documents: the découpage check with the
//! tableau of each bureau against the night's elections (and that tableau
//! as the roll file the election setup reads), a street range moved to
//! another bureau (previewed — which electors move, the new inscrits —
//! then applied with a mouvement per elector), and the liste d'émargement
//! of a bureau (PDF, A4 or A3). Each is the desk's and the administrator's
//! only, and every document is in the audit log.

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Extension, Form, Router};
use catalogue::elec::{
    Date, Liste, decoupage_check, emargement_order, redistricting, roll_at, streets, tableau,
};
use maud::html;
use module_engine::{Right, Value};
use serde::Deserialize;

use super::{NAME, Roll, load, mouvements};
use crate::auth::Principal;
use crate::error::ApiError;
use crate::modules::{Target, audit_export, open};
use crate::print::Paper;
use crate::print::documents::{Block, Document, render};
use crate::state::AppState;
use crate::store::records;
use crate::ui::{csrf_of, error_page, layout};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/desk/m/elec/controle", get(control))
        .route("/desk/m/elec/tableau.csv", get(tableau_csv))
        .route("/desk/m/elec/redecoupage", get(preview).post(apply))
        .route("/desk/m/elec/emargement/{bureau}", get(emargement))
}

/// `?date=YYYY-MM-DD` (default: today), `?paper=a4|a3`.
#[derive(Debug, Deserialize, Default)]
pub struct When {
    pub date: Option<String>,
    pub paper: Option<String>,
}

pub fn on(w: &When) -> Result<Date, ApiError> {
    match w.date.as_deref().filter(|d| !d.is_empty()) {
        None => Date::parse(&results_view::time::today_paris())
            .ok_or_else(|| ApiError::bad_request("invalid_field", "date du jour illisible")),
        Some(d) => Date::parse(d)
            .or_else(|| module_engine::value::parse_date(d).and_then(|iso| Date::parse(&iso)))
            .ok_or_else(|| {
                ApiError::bad_request(
                    "invalid_field",
                    format!("date : AAAA-MM-JJ attendu, pas « {d} »"),
                )
            }),
    }
}

/// The roll's electors entity, after checking the principal may read it.
async fn roll_target<'a>(state: &'a AppState, p: &Principal) -> Result<Target<'a>, ApiError> {
    open(state, p, NAME, "electeur", Right::Read).await
}

/// The roll on `date`.
async fn roll_on(
    state: &AppState,
    t: Target<'_>,
    date: Date,
) -> Result<(Roll, Vec<catalogue::elec::Elector>), ApiError> {
    let roll = load(state, t.module, true).await?;
    let mv = mouvements(state, t.module).await?;
    let at = roll_at(&roll.electors, &mv, date);
    Ok((roll, at))
}

async fn control(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Query(w): Query<When>,
) -> Response {
    let run = async {
        let t = roll_target(&state, &p).await?;
        let date = on(&w)?;
        let (roll, at) = roll_on(&state, t, date).await?;
        let problems = decoupage_check(&streets(&roll.voies, &roll.electors), &roll.ranges);
        let rows = tableau(&at);
        let elections: Vec<(String, String, BTreeMap<String, u32>)> = state
            .hub
            .list()
            .iter()
            .map(|topic| {
                let live = topic.read();
                let e = &live.election;
                (
                    e.id.clone(),
                    e.label.clone(),
                    e.bureaux
                        .iter()
                        .map(|b| (b.code.clone(), b.inscrits))
                        .collect(),
                )
            })
            .collect();
        let total: usize = rows.iter().map(|r| r.inscrits).sum();
        Ok::<_, ApiError>(layout("Contrôle de la liste électorale", &p, html! {
            nav aria-label="Fil d'Ariane" { a href="/desk" { "Tableau de bord" } " › " a href="/desk/m/elec" { "openElec" } }
            h1 { "Liste électorale : découpage et tableau des inscrits" }
            form.filters method="get" action="/desk/m/elec/controle" {
                div.ff { label for="date" { "Liste à la date du" } input #date type="date" name="date" value=(date.to_string()); }
                button type="submit" { "Afficher" }
            }
            h2 { "Découpage des voies en bureaux (art. R40)" }
            @if problems.is_empty() {
                p.form-ok role="status" #decoupage-status { "Aucun trou ni chevauchement : chaque adresse connue est dans un seul bureau." }
            } @else {
                div.form-error role="alert" #decoupage-status {
                    p { (problems.len()) " problème" @if problems.len() > 1 { "s" } " :" }
                    ul { @for x in &problems { li { (x.message) } } }
                }
            }
            h2 { "Inscrits par bureau au " (date.fr()) " (" (total) ")" }
            p { a href={ "/desk/m/elec/tableau.csv?date=" (date.to_string()) } { "Tableau des inscrits (CSV)" }
                " — le fichier « liste électorale » que lit la préparation d'une élection (" a href="/desk/import" { "Préparer une élection" } ")." }
            div.scroll {
                table.mlist #tableau {
                    thead { tr {
                        th scope="col" { "Bureau" } th scope="col" { "Inscrits" } th scope="col" { "Liste générale" }
                        th scope="col" { "Compl. européenne" } th scope="col" { "Compl. municipale" }
                        @for (_, label, _) in &elections { th scope="col" { "Écart avec « " (label) " »" } }
                        th scope="col" { "Émargement" }
                    } }
                    tbody {
                        @for r in &rows {
                            tr data-bureau=(r.bureau) {
                                th scope="row" { (r.bureau) }
                                td.num { (r.inscrits) }
                                td.num { (r.par_liste.get(Liste::Generale)) }
                                td.num { (r.par_liste.get(Liste::ComplementaireEuropeenne)) }
                                td.num { (r.par_liste.get(Liste::ComplementaireMunicipale)) }
                                @for (_, _, inscrits) in &elections {
                                    td.num { @match inscrits.get(&r.bureau) {
                                        Some(n) => { (format!("{:+}", r.inscrits as i64 - i64::from(*n))) }
                                        None => { "—" }
                                    } }
                                }
                                td { a href={ "/desk/m/elec/emargement/" (r.bureau) "?date=" (date.to_string()) } { "A4" } " · "
                                     a href={ "/desk/m/elec/emargement/" (r.bureau) "?paper=a3&date=" (date.to_string()) } { "A3" } }
                            }
                        }
                    }
                }
            }
        }).into_response())
    };
    run.await.unwrap_or_else(|e| error_page(&p, &e))
}

/// `bureau;inscrits` per bureau on the date: the roll file of the setup import.
async fn tableau_csv(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Query(w): Query<When>,
) -> Response {
    let run = async {
        let t = roll_target(&state, &p).await?;
        let date = on(&w)?;
        let (_, at) = roll_on(&state, t, date).await?;
        let rows = tableau(&at);
        let mut out = String::from("\u{feff}bureau;inscrits\n");
        for r in &rows {
            out.push_str(&format!("{};{}\n", r.bureau, r.inscrits));
        }
        audit_export(
            &state,
            &p,
            t.module,
            "electeur",
            "tableau.csv",
            &format!("date={date}"),
            rows.len(),
        )
        .await?;
        Ok::<_, ApiError>(
            (
                [
                    (
                        axum::http::header::CONTENT_TYPE,
                        "text/csv; charset=utf-8".to_string(),
                    ),
                    (
                        axum::http::header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"inscrits-{date}.csv\""),
                    ),
                ],
                out,
            )
                .into_response(),
        )
    };
    run.await.unwrap_or_else(|e| error_page(&p, &e))
}

/// `?range=ID&bureau=CODE`: the range moved to that bureau.
#[derive(Debug, Deserialize)]
pub struct Move {
    pub range: i64,
    pub bureau: String,
}

async fn preview(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Query(mv): Query<Move>,
) -> Response {
    let run = async {
        let t = roll_target(&state, &p).await?;
        crate::modules::allow(&p, t.module, t.entity, Right::Update)?;
        let roll = load(&state, t.module, true).await?;
        let before = roll.ranges.clone();
        let mut after = roll.ranges.clone();
        let Some(r) = after.iter_mut().find(|r| r.id == mv.range) else {
            return Err(ApiError::not_found(format!(
                "pas de tranche de découpage n° {}",
                mv.range
            )));
        };
        let from = r.bureau.clone();
        r.bureau = mv.bureau.clone();
        let change = redistricting(&roll.electors, &before, &after);
        let version = {
            let e = t
                .module
                .entity("decoupage")
                .ok_or_else(|| ApiError::not_found("découpage absent"))?;
            let mut conn = state.store.acquire().await?;
            records::get(&mut conn, t.module, e, mv.range)
                .await?
                .map_or(0, |r| r.version)
        };
        let voie = roll
            .voies
            .iter()
            .find(|v| Some(v.id) == after.iter().find(|r| r.id == mv.range).map(|r| r.voie));
        Ok::<_, ApiError>(layout("Redécoupage", &p, html! {
            nav aria-label="Fil d'Ariane" { a href="/desk" { "Tableau de bord" } " › " a href="/desk/m/elec/controle" { "Contrôle de la liste" } }
            h1 { "Déplacer une tranche : bureau " (from) " → " (mv.bureau) }
            @if let Some(v) = voie { p { "Voie : " (v.libelle) } }
            p role="status" #moves { (change.moves.len()) " électeur" @if change.moves.len() != 1 { "s" } " change" @if change.moves.len() != 1 { "nt" } " de bureau." }
            @if !change.unplaced.is_empty() { p.form-warning { (change.unplaced.len()) " adresse(s) ne seraient plus dans aucun bureau : elles restent où elles sont tant que le découpage n'est pas corrigé." } }
            table.mlist #inscrits {
                thead { tr { th scope="col" { "Bureau" } th scope="col" { "Inscrits avant" } th scope="col" { "Après" } } }
                tbody { @for c in &change.inscrits { tr data-bureau=(c.bureau) { th scope="row" { (c.bureau) } td.num { (c.before) } td.num { (c.after) } } } }
            }
            details {
                summary { "Les électeurs concernés" }
                ul { @for m in change.moves.iter().take(500) { @if let Some(e) = roll.electors.iter().find(|e| e.id == m.elector) { li { (e.name()) " — " (m.from) " → " (m.to) } } } }
            }
            form method="post" action={ "/desk/m/elec/redecoupage?range=" (mv.range) "&bureau=" (mv.bureau) } {
                input type="hidden" name="csrf" value=(csrf_of(&p));
                input type="hidden" name="version" value=(version);
                button type="submit" { "Appliquer le redécoupage" }
            }
        }).into_response())
    };
    run.await.unwrap_or_else(|e| error_page(&p, &e))
}

/// Moves the range and every elector it places elsewhere, each with a
/// mouvement (modification, « redécoupage »), in one transaction.
async fn apply(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Query(mv): Query<Move>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let run = async {
        let csrf = form
            .iter()
            .find(|(k, _)| k == "csrf")
            .map(|(_, v)| v.as_str());
        p.check_csrf(csrf)?;
        let t = roll_target(&state, &p).await?;
        crate::modules::allow(&p, t.module, t.entity, Right::Update)?;
        let version = form
            .iter()
            .find(|(k, _)| k == "version")
            .and_then(|(_, v)| v.parse::<i64>().ok())
            .ok_or_else(|| {
                ApiError::bad_request(
                    "invalid_field",
                    "version de la tranche absente du formulaire",
                )
            })?;
        let m = t.module;
        let (ed, ee, em) = (
            m.entity("decoupage")
                .ok_or_else(|| ApiError::not_found("découpage absent"))?,
            t.entity,
            m.entity("mouvement")
                .ok_or_else(|| ApiError::not_found("mouvements absents"))?,
        );
        let roll = load(&state, m, true).await?;
        let before = roll.ranges.clone();
        let mut after = roll.ranges.clone();
        let Some(r) = after.iter_mut().find(|r| r.id == mv.range) else {
            return Err(ApiError::not_found(format!(
                "pas de tranche de découpage n° {}",
                mv.range
            )));
        };
        r.bureau = mv.bureau.clone();
        let change = redistricting(&roll.electors, &before, &after);
        let known = crate::modules::known(&state);
        let today = results_view::time::today_paris();
        let (_guard, mut tx) = state.store.begin_write().await?;
        let stored = records::get(&mut tx, m, ed, mv.range)
            .await?
            .ok_or_else(|| ApiError::not_found("tranche supprimée entre-temps"))?;
        let mut values = stored.values.clone();
        if let Some(i) = ed.field_index("bureau") {
            values[i] = Value::Text(mv.bureau.clone());
        }
        let change_range = records::Change {
            id: mv.range,
            version,
            values: &values,
            action: Some("redecoupage"),
        };
        records::update(&mut tx, m, ed, change_range, &known, &p.name).await?;
        for moved in &change.moves {
            let Some(rec) = records::get(&mut tx, m, ee, moved.elector).await? else {
                continue;
            };
            let mut v = rec.values.clone();
            if let Some(i) = ee.field_index("bureau") {
                v[i] = Value::Text(moved.to.clone());
            }
            let c = records::Change {
                id: rec.id,
                version: rec.version,
                values: &v,
                action: Some("redecoupage"),
            };
            records::update(&mut tx, m, ee, c, &known, &p.name).await?;
            let pairs = [
                ("electeur", rec.id.to_string()),
                ("nature", "modification".to_string()),
                ("date", today.clone()),
                ("motif", "redécoupage".to_string()),
                ("bureau", moved.to.clone()),
                ("details", format!("bureau {} → {}", moved.from, moved.to)),
            ]
            .map(|(k, v)| (k.to_string(), v));
            let mvals = module_engine::validate::check_form(em, &pairs, None)
                .map_err(|(_, e)| ApiError::Fields(e))?;
            records::insert(&mut tx, m, em, &mvals, &known, &p.name).await?;
        }
        tx.commit().await.map_err(crate::store::StoreError::from)?;
        Ok::<_, ApiError>(Redirect::to("/desk/m/elec/controle").into_response())
    };
    run.await.unwrap_or_else(|e| error_page(&p, &e))
}

/// The liste d'émargement of a bureau on a date: every elector once, in
/// the order of the list, a signature column per round, the mandataire of
/// a procuration in force on the mandant's line; page headers carry the
/// bureau, pages are numbered.
async fn emargement(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(bureau): Path<String>,
    Query(w): Query<When>,
) -> Response {
    let run = async {
        let t = roll_target(&state, &p).await?;
        let date = on(&w)?;
        let paper = match w.paper.as_deref() {
            Some("a3") | Some("A3") => Paper::A3,
            _ => Paper::A4,
        };
        let (roll, at) = roll_on(&state, t, date).await?;
        let here: Vec<_> = at.iter().filter(|e| e.bureau == bureau).cloned().collect();
        if here.is_empty() {
            return Err(ApiError::not_found(format!(
                "aucun électeur inscrit au bureau {bureau} à cette date"
            )));
        }
        let lines = emargement_order(&here, &at, &roll.procurations, date);
        let doc = emargement_document(&bureau, &bureau_name(&state, &bureau), date, &lines, paper);
        let bytes = render(&doc, paper, crate::store::now_millis())
            .map_err(|e| ApiError::Internal(anyhow::anyhow!("pdf: {e}")))?;
        audit_export(
            &state,
            &p,
            t.module,
            "electeur",
            "emargement.pdf",
            &format!("bureau={bureau} date={date} papier={}", paper.name()),
            lines.len(),
        )
        .await?;
        Ok::<_, ApiError>(
            (
                [
                    (
                        axum::http::header::CONTENT_TYPE,
                        "application/pdf".to_string(),
                    ),
                    (
                        axum::http::header::CONTENT_DISPOSITION,
                        format!("inline; filename=\"emargement-{bureau}-{date}.pdf\""),
                    ),
                ],
                bytes,
            )
                .into_response(),
        )
    };
    run.await.unwrap_or_else(|e| error_page(&p, &e))
}

/// The bureau's name in the night's elections (empty if none has it).
fn bureau_name(state: &AppState, bureau: &str) -> String {
    state
        .hub
        .list()
        .iter()
        .find_map(|t| t.read().election.bureau(bureau).map(|b| b.name.clone()))
        .unwrap_or_default()
}

fn emargement_document(
    bureau: &str,
    name: &str,
    date: Date,
    lines: &[catalogue::elec::EmargementLine],
    paper: Paper,
) -> Document {
    let wide = paper == Paper::A3;
    let rows = lines
        .iter()
        .map(|l| {
            let mut who = l.nom_naissance.clone();
            if let Some(u) = &l.nom_usage {
                who.push_str(&format!(" (usage {u})"));
            }
            let mut cells = vec![l.numero.to_string(), who, l.prenoms.clone()];
            cells.push(if wide {
                format!("{} à {}", l.date_naissance.fr(), l.lieu_naissance)
            } else {
                l.date_naissance.fr()
            });
            cells.push(match l.liste {
                Liste::Generale => String::new(),
                Liste::ComplementaireEuropeenne => "UE eur.".into(),
                Liste::ComplementaireMunicipale => "UE mun.".into(),
            });
            // « Nom P. »: a cell holds about fifteen characters on A4,
            // thirty on A3; the name first, so that a cut keeps who it is.
            let proc = l
                .mandataire
                .as_ref()
                .map(|m| {
                    if wide {
                        format!("procuration : {}", m.short)
                    } else {
                        format!("par {}", m.short)
                    }
                })
                .unwrap_or_default();
            cells.push(proc.clone());
            cells.push(proc);
            cells
        })
        .collect();
    let title = format!(
        "Liste d'émargement — bureau {bureau}{}",
        if name.is_empty() {
            String::new()
        } else {
            format!(" — {name}")
        }
    );
    Document {
        title: title.clone(),
        running: format!("{title} — liste au {}", date.fr()),
        blocks: vec![
            Block::Title(title),
            Block::Subtitle(format!(
                "Liste électorale au {} — {} électeurs",
                date.fr(),
                lines.len()
            )),
            Block::Paragraph(
                "Chaque électeur signe dans la colonne du tour ; le mandataire signe en face du nom de son mandant (art. L62-1 et L74).".into(),
            ),
            Block::SigningTable {
                columns: vec![
                    // Four digits: a bureau has up to a few thousand electors.
                    ("N°".into(), 0.65, true),
                    ("Nom".into(), if wide { 2.4 } else { 1.95 }, false),
                    ("Prénoms".into(), if wide { 2.1 } else { 1.5 }, false),
                    (
                        if wide { "Né(e) le, à" } else { "Né(e) le" }.into(),
                        if wide { 2.4 } else { 0.95 },
                        false,
                    ),
                    ("Liste".into(), 0.6, false),
                    ("1er tour".into(), if wide { 1.9 } else { 1.1 }, false),
                    ("2nd tour".into(), if wide { 1.9 } else { 1.1 }, false),
                ],
                rows,
                // Room for a signature (about 9 mm, as printed lists have).
                row_mm: 9.0,
            },
            Block::Signatures(vec![
                "Le président du bureau".into(),
                "Les assesseurs".into(),
            ]),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::print::documents::{layout, texts};

    #[test]
    fn a_bureau_of_1500_lists_every_elector_once_in_order_on_both_papers() {
        let f = catalogue::elec::fixture::roll(15, &["0001".to_string()], 1_500);
        let date = f
            .procurations
            .iter()
            .map(|p| p.debut)
            .max()
            .expect("the fixture has procurations");
        let lines = emargement_order(&f.electors, &f.electors, &f.procurations, date);
        assert_eq!(lines.len(), 1_500);
        let with_proxy = lines.iter().filter(|l| l.mandataire.is_some()).count();
        assert!(with_proxy > 0, "procurations in force on {date}");
        for paper in [Paper::A4, Paper::A3] {
            let doc = emargement_document("0001", "Mairie", date, &lines, paper);
            let pages = layout(&doc, paper, 0);
            let t = texts(&pages);
            // The numéros d'ordre: 1 to 1,500, each once, in order (the
            // only texts that are bare numbers; « 1 000 » with its space).
            let numbers: Vec<usize> = t
                .iter()
                .filter_map(|s| {
                    let digits: String = s.chars().filter(|c| !c.is_whitespace()).collect();
                    digits.parse().ok()
                })
                .collect();
            assert_eq!(
                numbers,
                (1..=1_500).collect::<Vec<_>>(),
                "{paper:?}: {:?}",
                t.iter()
                    .skip_while(|s| s.as_str() != "999")
                    .take(12)
                    .collect::<Vec<_>>()
            );
            // Every elector's given names follow, in the list's order.
            let mut at = 0;
            for l in &lines {
                let found = t[at..]
                    .iter()
                    .position(|s| {
                        s.starts_with(l.prenoms.chars().take(8).collect::<String>().as_str())
                    })
                    .unwrap_or_else(|| panic!("{} after text {at} ({paper:?})", l.prenoms));
                at += found + 1;
            }
            let prefix = if paper == Paper::A3 {
                "procuration : "
            } else {
                "par "
            };
            let proxies = lines
                .iter()
                .filter_map(|l| l.mandataire.as_ref())
                .map(|m| {
                    let start: String = m.short.chars().take(4).collect();
                    let shown = |s: &String| {
                        s.starts_with(prefix) && (s.contains(&start) || s.contains(&m.name))
                    };
                    t.iter().filter(|s| shown(s)).count().min(2)
                })
                .sum::<usize>();
            assert_eq!(
                proxies,
                2 * with_proxy,
                "both rounds' columns, {paper:?}: {:?}",
                t.iter()
                    .filter(|s| s.contains("proc"))
                    .take(4)
                    .collect::<Vec<_>>()
            );
            // Every page after the first names the bureau in its head.
            let heads = pages
                .iter()
                .filter(|p| {
                    texts(&[(*p).clone()])
                        .iter()
                        .any(|s| s.contains("bureau 0001"))
                })
                .count();
            assert_eq!(heads, pages.len(), "{paper:?}");
        }
    }
}
