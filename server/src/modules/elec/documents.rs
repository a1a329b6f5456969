//! openElec's reports of the roll on a date: the statistics per bureau
//! (inscrits by list, sex and age band; a screen, and `.csv`, `.xlsx`,
//! PDF) and the procurations in force per bureau (`.csv`, `.xlsx`, PDF,
//! all bureaux or one), both under `/desk/m/elec/documents/{doc}`.
//!
//! The figures come from the catalogue's pure functions
//! ([`catalogue::elec::statistics()`], [`catalogue::elec::in_force`]) over
//! the roll at the date; every download is in the audit log.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use catalogue::elec::{
    AgeBand, Breakdown, Date, Elector, EtablieA, Liste, Procuration, in_force, statistics,
};
use maud::html;
use module_engine::Right;
use module_engine::export::{Cell, Table};
use serde::Deserialize;

use super::{NAME, load, mouvements};
use crate::auth::Principal;
use crate::error::ApiError;
use crate::modules::api::spreadsheet;
use crate::modules::{audit_export, open};
use crate::state::AppState;
use crate::ui::{error_page, layout};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/desk/m/elec/statistiques", get(statistics_screen))
        .route("/desk/m/elec/documents/{doc}", get(download))
}

/// `?date=` (default today), `?bureau=` (the procurations of one bureau).
#[derive(Debug, Deserialize, Default)]
pub struct Which {
    pub date: Option<String>,
    pub bureau: Option<String>,
}

fn date_of(w: &Which) -> Result<Date, ApiError> {
    super::screens::on(&super::screens::When {
        date: w.date.clone(),
        paper: None,
    })
}

/// The roll on the date and the stored procurations.
async fn roll_on(
    state: &AppState,
    p: &Principal,
    date: Date,
) -> Result<(&'static str, Vec<Elector>, Vec<Procuration>), ApiError> {
    let t = open(state, p, NAME, "electeur", Right::Read).await?;
    let roll = load(state, t.module, true).await?;
    let mv = mouvements(state, t.module).await?;
    let at = catalogue::elec::roll_at(&roll.electors, &mv, date);
    Ok((NAME, at, roll.procurations))
}

fn header() -> Vec<String> {
    let mut h = vec![
        "Bureau".to_string(),
        "Inscrits".into(),
        Liste::Generale.label().into(),
        Liste::ComplementaireEuropeenne.label().into(),
        Liste::ComplementaireMunicipale.label().into(),
        "Femmes".into(),
        "Hommes".into(),
    ];
    h.extend(AgeBand::ALL.iter().map(|b| b.label().to_string()));
    h
}

fn counts_row(label: &str, b: &Breakdown) -> Vec<Cell> {
    let n = |x: usize| Cell::Int(i64::try_from(x).unwrap_or(i64::MAX));
    let mut row = vec![
        Cell::Text(label.to_string()),
        n(b.inscrits),
        n(b.par_liste.get(Liste::Generale)),
        n(b.par_liste.get(Liste::ComplementaireEuropeenne)),
        n(b.par_liste.get(Liste::ComplementaireMunicipale)),
        n(b.femmes),
        n(b.hommes),
    ];
    row.extend(AgeBand::ALL.iter().map(|a| n(b.par_age.get(*a))));
    row
}

/// The statistics as a table, the commune's total last.
fn statistics_table(roll: &[Elector], date: Date) -> Table {
    let s = statistics(roll, date);
    let mut rows: Vec<Vec<Cell>> = s
        .bureaux
        .iter()
        .map(|b| counts_row(&b.bureau, &b.counts))
        .collect();
    rows.push(counts_row("Total", &s.total));
    Table {
        title: format!("Statistiques de la liste électorale au {}", date.fr()),
        header: header(),
        rows,
    }
}

fn text(c: &Cell) -> String {
    match c {
        Cell::Text(s) => s.clone(),
        Cell::Int(n) => n.to_string(),
        Cell::Decimal(n, s) => module_engine::value::format_decimal(*n, *s),
    }
}

async fn statistics_screen(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Query(w): Query<Which>,
) -> Response {
    let run = async {
        let date = date_of(&w)?;
        let (_, roll, _) = roll_on(&state, &p, date).await?;
        let table = statistics_table(&roll, date);
        let d = date.to_string();
        Ok::<_, ApiError>(layout("Statistiques de la liste", &p, html! {
            nav aria-label="Fil d'Ariane" { a href="/desk" { "Tableau de bord" } " › " a href="/desk/m/elec" { "openElec" } " › " a href="/desk/m/elec/controle" { "Contrôle de la liste" } }
            h1 { (table.title) }
            form.filters method="get" action="/desk/m/elec/statistiques" {
                div.ff { label for="date" { "Liste à la date du" } input #date type="date" name="date" value=(d); }
                button type="submit" { "Afficher" }
            }
            p { "Âges en années révolues à la date ; chaque fiche compte (un électeur inscrit sur deux listes compte deux fois). Télécharger : "
                a href={ "/desk/m/elec/documents/statistiques.xlsx?date=" (d) } { "tableur (.xlsx)" } " · "
                a href={ "/desk/m/elec/documents/statistiques.csv?date=" (d) } { "CSV" } " · "
                a href={ "/desk/m/elec/documents/statistiques.pdf?date=" (d) } { "PDF" } }
            div.scroll {
                table.mlist #statistiques {
                    thead { tr { @for h in &table.header { th scope="col" { (h) } } } }
                    tbody {
                        @for r in &table.rows {
                            tr data-bureau=(text(&r[0])) {
                                th scope="row" { (text(&r[0])) }
                                @for c in &r[1..] { td.num { (text(c)) } }
                            }
                        }
                    }
                }
            }
        }).into_response())
    };
    run.await.unwrap_or_else(|e| error_page(&p, &e))
}

/// The procurations in force on the date whose mandant votes in `bureau`
/// (every bureau if none), by bureau then the mandant's name.
fn procurations_table(
    roll: &[Elector],
    procurations: &[Procuration],
    date: Date,
    bureau: Option<&str>,
) -> Table {
    let by_id: HashMap<i64, &Elector> = roll.iter().map(|e| (e.id, e)).collect();
    let mut lines: Vec<(&Elector, &Elector, &Procuration)> = in_force(procurations, date)
        .into_iter()
        .filter_map(|p| Some((*by_id.get(&p.mandant)?, *by_id.get(&p.mandataire)?, p)))
        .filter(|(mandant, _, _)| bureau.is_none_or(|b| mandant.bureau == b))
        .collect();
    lines.sort_by(|a, b| {
        a.0.bureau
            .cmp(&b.0.bureau)
            .then_with(|| catalogue::elec::emargement_cmp(a.0, b.0))
    });
    let rows = lines
        .iter()
        .map(|(mandant, mandataire, p)| {
            vec![
                Cell::Text(mandant.bureau.clone()),
                Cell::Text(mandant.name()),
                Cell::Text(mandant.date_naissance.fr()),
                Cell::Text(mandataire.name()),
                Cell::Text(mandataire.bureau.clone()),
                Cell::Text(match p.fin {
                    Some(f) if f != p.debut => format!("du {} au {}", p.debut.fr(), f.fr()),
                    _ => format!("le {}", p.debut.fr()),
                }),
                Cell::Text(p.elections.clone().unwrap_or_default()),
                Cell::Text(
                    match p.etablie_a {
                        EtablieA::France => "en France",
                        EtablieA::Etranger => "à l'étranger",
                    }
                    .to_string(),
                ),
                Cell::Text(p.lieu.clone().unwrap_or_default()),
            ]
        })
        .collect();
    Table {
        title: match bureau {
            Some(b) => format!("Procurations du bureau {b} au {}", date.fr()),
            None => format!("Procurations par bureau au {}", date.fr()),
        },
        header: [
            "Bureau",
            "Mandant",
            "Né(e) le",
            "Mandataire",
            "Bureau du mandataire",
            "Valable",
            "Scrutins",
            "Établie",
            "Autorité et lieu",
        ]
        .map(str::to_string)
        .to_vec(),
        rows,
    }
}

async fn download(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(doc): Path<String>,
    Query(w): Query<Which>,
) -> Response {
    let run = async {
        let date = date_of(&w)?;
        let Some((what, format)) = doc.split_once('.') else {
            return Err(ApiError::not_found(format!("document inconnu : {doc}")));
        };
        if !matches!(format, "csv" | "xlsx" | "pdf") {
            return Err(ApiError::not_found(format!(
                "format inconnu : {format} (csv, xlsx ou pdf)"
            )));
        }
        let bureau = w.bureau.as_deref().filter(|b| !b.is_empty());
        let (module, roll, procurations) = roll_on(&state, &p, date).await?;
        let table = match what {
            "statistiques" => statistics_table(&roll, date),
            "procurations" => {
                if let Some(b) = bureau
                    && !roll.iter().any(|e| e.bureau == b)
                {
                    return Err(ApiError::not_found(format!(
                        "aucun électeur inscrit au bureau {b} à cette date"
                    )));
                }
                procurations_table(&roll, &procurations, date, bureau)
            }
            _ => return Err(ApiError::not_found(format!("document inconnu : {doc}"))),
        };
        let m = state
            .config
            .modules
            .module(module)
            .ok_or_else(|| ApiError::not_found("module absent"))?;
        let entity = if what == "procurations" {
            "procuration"
        } else {
            "electeur"
        };
        audit_export(
            &state,
            &p,
            m,
            entity,
            &doc,
            &format!("date={date} bureau={}", bureau.unwrap_or("tous")),
            table.rows.len(),
        )
        .await?;
        let stem = match bureau {
            Some(b) => format!("{what}-{b}-{date}"),
            None => format!("{what}-{date}"),
        };
        spreadsheet(&table, format, &stem)
    };
    run.await.unwrap_or_else(|e| error_page(&p, &e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statistics_add_up_and_procurations_are_those_of_the_bureau() {
        let bureaux: Vec<String> = (1..=4).map(|i| format!("{i:04}")).collect();
        let f = catalogue::elec::fixture::roll(7, &bureaux, 2_000);
        let date = f
            .procurations
            .first()
            .map(|p| p.debut)
            .expect("the fixture has procurations");
        let roll = catalogue::elec::roll_at(&f.electors, &[], date);
        let t = statistics_table(&roll, date);
        let total = t.rows.last().expect("total");
        assert_eq!(total[1], Cell::Int(roll.len() as i64));
        let sum: i64 = t.rows[..t.rows.len() - 1]
            .iter()
            .map(|r| match r[1] {
                Cell::Int(n) => n,
                _ => 0,
            })
            .sum();
        assert_eq!(sum, roll.len() as i64);

        let first = &roll[0].bureau;
        let one = procurations_table(&roll, &f.procurations, date, Some(first));
        let all = procurations_table(&roll, &f.procurations, date, None);
        assert!(!all.rows.is_empty(), "the fixture has procurations");
        assert!(one.rows.iter().all(|r| r[0] == Cell::Text(first.clone())));
        assert_eq!(
            all.rows
                .iter()
                .filter(|r| r[0] == Cell::Text(first.clone()))
                .count(),
            one.rows.len()
        );
    }
}
