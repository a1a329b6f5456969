//! openScrutin's documents for one tour: each bureau's composition (PDF,
//! one bureau or all), the convocation letters (a mail merge: one PDF for
//! everyone, or one person's), and the hours table for payment (`.xlsx`,
//! CSV, PDF), whose amounts are the catalogue's exact cents
//! ([`catalogue::scrutin::hours`]) and whose total row adds up.

use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use catalogue::scrutin::{HoursRow, hours, hours_total};
use module_engine::export::{Cell, Table};
use module_engine::value::format_decimal;

use super::{Tour, Which, chosen, clock, readable_module};
use crate::auth::Principal;
use crate::error::ApiError;
use crate::modules::api::spreadsheet;
use crate::modules::pdf;
use crate::print::Paper;
use crate::print::documents::{Block, Document, render};
use crate::state::AppState;
use crate::ui::error_page;

/// The commune's name (the root perimeter of the tour's election).
fn commune(state: &AppState, t: &Tour) -> String {
    t.election
        .as_deref()
        .and_then(|id| state.hub.get(id))
        .and_then(|topic| topic.read().election.root().map(|r| r.name.clone()))
        .unwrap_or_else(|| "La commune".to_string())
}

/// The qualité in a narrow column: « Élu », « Agent », « Électeur ».
fn short_qualite(q: catalogue::scrutin::Qualite) -> &'static str {
    match q {
        catalogue::scrutin::Qualite::Elu => "Élu",
        catalogue::scrutin::Qualite::Agent => "Agent",
        catalogue::scrutin::Qualite::Electeur => "Électeur",
    }
}

fn tour_line(t: &Tour) -> String {
    let date = t
        .date
        .as_deref()
        .map(crate::pages::format::date)
        .unwrap_or_default();
    format!(
        "{} — {} tour, {date}",
        t.libelle,
        if t.tour == 2 { "2nd" } else { "1er" }
    )
}

/// The composition of `only` (one bureau) or of every bureau.
pub fn composition(state: &AppState, t: &Tour, only: Option<&str>) -> Document {
    let mut blocks = Vec::new();
    for (code, _) in t
        .bureaux
        .iter()
        .filter(|(c, _)| only.is_none_or(|o| o == c))
    {
        if !blocks.is_empty() {
            blocks.push(Block::PageBreak);
        }
        blocks.push(Block::Title(format!(
            "Composition du bureau de vote n° {code}"
        )));
        blocks.push(Block::Subtitle(format!(
            "{} — {}",
            t.bureau_name(code),
            tour_line(t)
        )));
        for s in &t.slots {
            blocks.push(Block::Heading(format!("{} ({})", s.libelle, t.hours_of(s))));
            let mut rows: Vec<(u8, Vec<String>)> = t
                .assignments
                .iter()
                .filter(|a| a.bureau == *code && a.slot == s.id)
                .map(|a| {
                    let who = t.person(a.person);
                    (
                        a.nature as u8,
                        vec![
                            t.poste(a.poste)
                                .map_or_else(String::new, |p| p.libelle.clone()),
                            who.map_or_else(String::new, |p| p.person.name()),
                            who.map_or("", |p| short_qualite(p.person.qualite))
                                .to_string(),
                            a.candidat.clone().unwrap_or_default(),
                        ],
                    )
                })
                .collect();
            rows.sort();
            if rows.is_empty() {
                blocks.push(Block::Paragraph(
                    "Personne n'est affecté à ce créneau.".into(),
                ));
            } else {
                blocks.push(Block::Table {
                    columns: vec![
                        ("Poste".into(), 2.0, false),
                        ("Nom".into(), 2.5, false),
                        ("Qualité".into(), 1.2, false),
                        ("Représente".into(), 2.0, false),
                    ],
                    rows: rows.into_iter().map(|(_, r)| r).collect(),
                    total: false,
                });
            }
        }
        blocks.push(Block::Signatures(vec![
            "Le président du bureau".into(),
            "Le secrétaire".into(),
        ]));
    }
    Document {
        title: format!("Composition des bureaux — {}", tour_line(t)),
        running: format!("{} — composition des bureaux", commune(state, t)),
        blocks,
    }
}

/// The convocation letters: one per person affected in the tour (or only `person`).
pub fn convocations(state: &AppState, t: &Tour, person: Option<i64>, today: &str) -> Document {
    let place = commune(state, t);
    let mut ids: Vec<i64> = t.assignments.iter().map(|a| a.person).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut people: Vec<_> = ids
        .iter()
        .filter(|id| person.is_none_or(|p| p == **id))
        .filter_map(|id| t.person(*id))
        .collect();
    people
        .sort_by(|a, b| (&a.person.nom, &a.person.prenom).cmp(&(&b.person.nom, &b.person.prenom)));
    let mut blocks = Vec::new();
    for who in people {
        if !blocks.is_empty() {
            blocks.push(Block::PageBreak);
        }
        blocks.push(Block::Strong(format!("Mairie de {place}")));
        blocks.push(Block::Right(format!("{place}, le {today}")));
        blocks.push(Block::Space(6.0));
        blocks.push(Block::Strong(who.person.name()));
        if let Some(a) = &who.adresse {
            for line in a.lines() {
                blocks.push(Block::Paragraph(line.to_string()));
            }
        }
        blocks.push(Block::Space(6.0));
        blocks.push(Block::Strong(format!(
            "Objet : convocation — {}",
            tour_line(t)
        )));
        blocks.push(Block::Paragraph("Madame, Monsieur,".into()));
        let mine: Vec<_> = t
            .assignments
            .iter()
            .filter(|a| a.person == who.person.id)
            .collect();
        blocks.push(Block::Paragraph(format!(
            "Je vous remercie de votre concours et vous prie de bien vouloir vous présenter au bureau de vote indiqué ci-dessous, aux heures suivantes, pour y exercer les fonctions de membre du bureau ({}).",
            tour_line(t)
        )));
        let mut mine = mine;
        // In the day's order (the slots are sorted by start, dépouillement last).
        mine.sort_by_key(|a| t.slots.iter().position(|s| s.id == a.slot));
        let rows: Vec<Vec<String>> = mine
            .iter()
            .map(|a| {
                let s = t.slot(a.slot);
                vec![
                    s.map_or_else(String::new, |s| s.libelle.clone()),
                    s.map_or_else(String::new, |s| {
                        format!("{} à {}", clock(s.debut), clock(s.fin))
                    }),
                    t.bureau_name(&a.bureau),
                    t.poste(a.poste)
                        .map_or_else(String::new, |p| p.libelle.clone()),
                ]
            })
            .collect();
        blocks.push(Block::Table {
            columns: vec![
                ("Créneau".into(), 1.4, false),
                ("Horaires".into(), 1.2, false),
                ("Bureau".into(), 3.0, false),
                ("Fonction".into(), 1.6, false),
            ],
            rows,
            total: false,
        });
        blocks.push(Block::Paragraph(
            "Munissez-vous d'une pièce d'identité. En cas d'empêchement, prévenez la mairie au plus tôt afin qu'il soit pourvu à votre remplacement.".into(),
        ));
        blocks.push(Block::Paragraph(
            "Veuillez agréer, Madame, Monsieur, l'expression de mes salutations distinguées."
                .into(),
        ));
        blocks.push(Block::Space(8.0));
        blocks.push(Block::Right("Le maire".into()));
    }
    if blocks.is_empty() {
        blocks.push(Block::Paragraph(
            "Personne n'est affecté pour ce tour.".into(),
        ));
    }
    Document {
        title: format!("Convocations — {}", tour_line(t)),
        running: format!("{place} — convocations"),
        blocks,
    }
}

/// `h:mm` of a number of minutes.
fn hm(minutes: i64) -> String {
    format!("{}:{:02}", minutes / 60, minutes % 60)
}

/// The hours table: one row per person, then the total.
pub fn hours_table(t: &Tour) -> (Vec<HoursRow>, Table) {
    let rates: Vec<_> = t.postes.iter().map(|p| p.rate).collect();
    let mut rows = hours(&t.slots, &t.assignments, &rates);
    rows.sort_by_key(|r| {
        t.person(r.person)
            .map(|p| (p.person.nom.clone(), p.person.prenom.clone()))
    });
    let total = hours_total(&rows);
    let mut body: Vec<Vec<Cell>> = rows
        .iter()
        .map(|r| {
            let who = t.person(r.person);
            let slots: Vec<String> = r
                .slots
                .iter()
                .filter_map(|s| t.slot(*s).map(|s| s.libelle.clone()))
                .collect();
            vec![
                Cell::Text(who.map_or_else(String::new, |p| p.person.nom.clone())),
                Cell::Text(who.map_or_else(String::new, |p| p.person.prenom.clone())),
                Cell::Text(who.map_or_else(String::new, |p| match &p.service {
                    Some(s) => format!("{} ({s})", short_qualite(p.person.qualite)),
                    None => short_qualite(p.person.qualite).to_string(),
                })),
                Cell::Text(slots.join(", ")),
                Cell::Text(hm(r.minutes)),
                Cell::Text(hm(r.paid_minutes)),
                Cell::Decimal(r.amount, 2),
            ]
        })
        .collect();
    body.push(vec![
        Cell::Text("Total".into()),
        Cell::Text(String::new()),
        Cell::Text(format!("{} personnes", total.people)),
        Cell::Text(String::new()),
        Cell::Text(hm(total.minutes)),
        Cell::Text(hm(total.paid_minutes)),
        Cell::Decimal(total.amount, 2),
    ]);
    let table = Table {
        title: "Heures".into(),
        header: [
            "Nom",
            "Prénom",
            "Qualité",
            "Créneaux",
            "Heures",
            "Heures rémunérées",
            "Montant (€)",
        ]
        .map(String::from)
        .to_vec(),
        rows: body,
    };
    (rows, table)
}

fn hours_document(state: &AppState, t: &Tour, table: &Table) -> Document {
    let rows = table
        .rows
        .iter()
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    Cell::Text(s) => s.clone(),
                    Cell::Int(n) => n.to_string(),
                    Cell::Decimal(n, s) => format_decimal(*n, *s),
                })
                .collect()
        })
        .collect();
    Document {
        title: format!("Heures des membres des bureaux — {}", tour_line(t)),
        running: format!("{} — heures des membres des bureaux", commune(state, t)),
        blocks: vec![
            Block::Title("Heures des membres des bureaux de vote".into()),
            Block::Subtitle(tour_line(t)),
            Block::Table {
                columns: vec![
                    ("Nom".into(), 1.6, false),
                    ("Prénom".into(), 1.3, false),
                    ("Qualité".into(), 1.8, false),
                    ("Créneaux".into(), 2.2, false),
                    ("Heures".into(), 0.8, true),
                    ("Payées".into(), 0.8, true),
                    ("Montant (€)".into(), 1.1, true),
                ],
                rows,
                total: true,
            },
            Block::Signatures(vec![
                "Le maire".into(),
                "Le service des ressources humaines".into(),
            ]),
        ],
    }
}

/// `?bureau=` for one bureau's composition.
#[derive(Debug, serde::Deserialize, Default)]
pub struct Only {
    pub bureau: Option<String>,
}

pub async fn download(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(doc): Path<String>,
    Query(w): Query<Which>,
    Query(only): Query<Only>,
) -> Response {
    let run = async {
        let t = readable_module(&state, &p).await?;
        let tour = chosen(&state, t, &w).await?;
        let now = crate::store::now_millis();
        let failed = |e: crate::print::PrintError| ApiError::Internal(anyhow::anyhow!("pdf: {e}"));
        let stem = format!("scrutin-{}-tour{}", tour.scrutin_id, tour.tour);
        let filters = format!(
            "scrutin={} tour={} bureau={:?} personne={:?}",
            tour.scrutin_id, tour.tour, only.bureau, w.personne
        );
        crate::modules::audit_export(
            &state,
            &p,
            t.module,
            "affectation",
            &doc,
            &filters,
            tour.assignments.len(),
        )
        .await?;
        match doc.as_str() {
            "composition.pdf" => {
                if let Some(b) = &only.bureau
                    && !tour.bureaux.iter().any(|(c, _)| c == b)
                {
                    return Err(ApiError::not_found(format!(
                        "bureau inconnu pour ce tour : {b}"
                    )));
                }
                let d = composition(&state, &tour, only.bureau.as_deref());
                Ok(pdf(
                    render(&d, Paper::A4, now).map_err(failed)?,
                    &format!("{stem}-composition"),
                ))
            }
            "convocations.pdf" => {
                let today = crate::pages::format::date(&results_view::time::today_paris());
                let d = convocations(&state, &tour, w.personne, &today);
                Ok(pdf(
                    render(&d, Paper::A4, now).map_err(failed)?,
                    &format!("{stem}-convocations"),
                ))
            }
            "heures.xlsx" | "heures.csv" => {
                let (_, table) = hours_table(&tour);
                spreadsheet(
                    &table,
                    doc.trim_start_matches("heures."),
                    &format!("{stem}-heures"),
                )
            }
            "heures.pdf" => {
                let (_, table) = hours_table(&tour);
                let d = hours_document(&state, &tour, &table);
                Ok(pdf(
                    render(&d, Paper::A4, now).map_err(failed)?,
                    &format!("{stem}-heures"),
                ))
            }
            other => Err(ApiError::not_found(format!("document inconnu : {other}"))),
        }
    };
    run.await.unwrap_or_else(|e| error_page(&p, &e))
}
