//! openCimetière's documents, as PDF in the screen's language: the
//! register of burials of a year (« registre des inhumations »: date,
//! défunt, dates of birth and death, place, concession, kind) and the
//! letters to the holders of the concessions expiring in the coming
//! months — the module's mail-merge letter `avis_echeance`, whose end
//! date is the concession's current one (after its renewals), not its
//! first term's. Both are recorded in the audit log like every export.

use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use catalogue::date::Date;
use module_engine::sql::Param;
use module_engine::{Lang, Module};

use super::screens::{Params, day, expiring_rows, months, year};
use super::{burial_of, defunt_of, place_of, readable};
use crate::auth::Principal;
use crate::error::ApiError;
use crate::modules::lang::Tr;
use crate::print::Paper;
use crate::print::documents::{Block, Document, render};
use crate::state::AppState;
use crate::store::records;
use crate::ui::error_page;

fn shown(tr: Tr<'_>, d: Date) -> String {
    if tr.lang == Lang::En {
        d.to_string()
    } else {
        d.fr()
    }
}

/// The register's columns: (title, share of the width).
pub fn register_columns(tr: Tr<'_>) -> Vec<(&'static str, f32)> {
    vec![
        (tr.pick("Date", "Date"), 1.0),
        (tr.pick("Défunt", "Deceased"), 2.2),
        (tr.pick("Né(e) le", "Born"), 1.0),
        (tr.pick("Décédé(e) le", "Died"), 1.0),
        (tr.pick("Emplacement", "Plot"), 1.2),
        (tr.pick("Concession", "Concession"), 1.2),
        (tr.pick("Nature", "Kind"), 1.0),
    ]
}

/// The burials of year `y`, in date order: (id, cells) of those in
/// `range` (a screen's page; everything for the PDF), and how many in all.
pub async fn register_lines(
    state: &AppState,
    m: &Module,
    y: i32,
    tr: Tr<'_>,
    range: std::ops::Range<usize>,
) -> Result<(Vec<(i64, Vec<String>)>, usize), ApiError> {
    let entity = |n: &str| {
        m.entity(n)
            .ok_or_else(|| ApiError::not_found(format!("entité {n} absente du module")))
    };
    let (be, de, pe, ce) = (
        entity("inhumation")?,
        entity("defunt")?,
        entity("emplacement")?,
        entity("concession")?,
    );
    let mut conn = state.store.acquire().await?;
    let rows = records::find(
        &mut conn,
        m,
        be,
        "f_date >= $1 AND f_date <= $2",
        vec![
            Param::text(format!("{y:04}-01-01")),
            Param::text(format!("{y:04}-12-31")),
        ],
        100_000,
    )
    .await?;
    let mut burials: Vec<_> = rows
        .iter()
        .filter_map(|r| burial_of(be, r.id, &r.values))
        .collect();
    burials.sort_by_key(|b| (b.date, b.id));
    let total = burials.len();
    let burials: Vec<_> = burials
        .into_iter()
        .skip(range.start)
        .take(range.end.saturating_sub(range.start))
        .collect();
    let ids = |f: &dyn Fn(&catalogue::cimetiere::records::Burial) -> Option<i64>| {
        let mut v: Vec<i64> = burials.iter().filter_map(f).collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let defunts = records::get_many(&mut conn, m, de, &ids(&|b| Some(b.defunt))).await?;
    let places = records::get_many(&mut conn, m, pe, &ids(&|b| Some(b.emplacement))).await?;
    let concessions = records::get_many(&mut conn, m, ce, &ids(&|b| b.concession)).await?;
    let lines = burials
        .iter()
        .map(|b| {
            let d = defunts
                .iter()
                .find(|r| r.id == b.defunt)
                .and_then(|r| defunt_of(de, r.id, &r.values));
            let place = places
                .iter()
                .find(|r| r.id == b.emplacement)
                .and_then(|r| place_of(pe, r.id, &r.values));
            let concession = b.concession.and_then(|c| {
                concessions
                    .iter()
                    .find(|r| r.id == c)
                    .map(|r| crate::modules::title(ce, &r.values))
            });
            let cells = vec![
                shown(tr, b.date),
                d.as_ref().map(|d| d.name()).unwrap_or_default(),
                d.as_ref()
                    .and_then(|d| d.date_naissance)
                    .map(|x| shown(tr, x))
                    .unwrap_or_default(),
                d.as_ref()
                    .map(|d| shown(tr, d.date_deces))
                    .unwrap_or_default(),
                place.map(|p| p.numero).unwrap_or_default(),
                concession.unwrap_or_else(|| tr.pick("terrain commun", "common ground").into()),
                tr.t(b.nature.label()).to_string(),
            ];
            (b.id, cells)
        })
        .collect();
    Ok((lines, total))
}

fn pdf(bytes: Vec<u8>, name: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{name}.pdf\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

pub async fn download(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(doc): Path<String>,
    Query(q): Query<Params>,
) -> Response {
    let run = async {
        let now = crate::store::now_millis();
        let failed = |e: crate::print::PrintError| ApiError::Internal(anyhow::anyhow!("pdf: {e}"));
        match doc.as_str() {
            "registre.pdf" => {
                let t = readable(&state, &p, "inhumation").await?;
                let tr = Tr::here(t.module);
                let y = year(&q, day(&q)?)?;
                let (lines, _) = register_lines(&state, t.module, y, tr, 0..usize::MAX).await?;
                crate::modules::audit_export(
                    &state,
                    &p,
                    t.module,
                    "inhumation",
                    &doc,
                    &format!("annee={y} lang={}", tr.lang.code()),
                    lines.len(),
                )
                .await?;
                let title = format!(
                    "{} {y}",
                    tr.pick("Registre des inhumations", "Burial register")
                );
                let mut blocks = vec![
                    Block::Title(title.clone()),
                    Block::Subtitle(format!(
                        "{} {}",
                        lines.len(),
                        tr.pick("inhumation(s)", "burial(s)")
                    )),
                ];
                if !lines.is_empty() {
                    blocks.push(Block::Table {
                        columns: register_columns(tr)
                            .into_iter()
                            .map(|(h, w)| (h.to_string(), w, false))
                            .collect(),
                        rows: lines.into_iter().map(|(_, c)| c).collect(),
                        total: false,
                    });
                }
                blocks.push(Block::Signatures(vec![
                    tr.pick("Le conservateur du cimetière", "The cemetery's registrar")
                        .into(),
                ]));
                let d = Document {
                    title: title.clone(),
                    running: title,
                    blocks,
                };
                Ok(pdf(
                    render(&d, Paper::A4, now).map_err(failed)?,
                    &format!("registre-inhumations-{y}"),
                ))
            }
            "avis-echeance.pdf" => {
                let t = readable(&state, &p, "concession").await?;
                let tr = Tr::here(t.module);
                let letter = t
                    .module
                    .letter("avis_echeance")
                    .ok_or_else(|| ApiError::not_found("lettre avis_echeance absente du module"))?;
                if !p
                    .roles_in(t.module.name)
                    .iter()
                    .any(|r| letter.roles.contains(r))
                {
                    return Err(ApiError::Forbidden(format!(
                        "votre rôle ne peut pas éditer : {}",
                        letter.label
                    )));
                }
                let today = day(&q)?;
                let months = months(&q)?;
                let yard = super::terms(&state, t.module, today, months).await?;
                let rows = expiring_rows(&yard, today, months);
                let mut blocks = Vec::new();
                for (id, _, where_, _, end) in &rows {
                    let Some(h) = yard.concessions.iter().find(|h| h.id() == *id) else {
                        continue;
                    };
                    let c = &h.concession;
                    if !blocks.is_empty() {
                        blocks.push(Block::PageBreak);
                    }
                    let (heading, body) = letter.fill_in(
                        |text| tr.t(text),
                        |field| match field {
                            "numero_acte" => c.numero_acte.clone(),
                            "emplacement" => where_.clone(),
                            "date_fin" => shown(tr, *end),
                            "titulaire_nom" => c.titulaire_nom.clone(),
                            "titulaire_prenom" => c.titulaire_prenom.clone().unwrap_or_default(),
                            "titulaire_adresse" => c.titulaire_adresse.clone().unwrap_or_default(),
                            "titulaire_code_postal" => {
                                c.titulaire_code_postal.clone().unwrap_or_default()
                            }
                            "titulaire_ville" => c.titulaire_ville.clone().unwrap_or_default(),
                            _ => String::new(),
                        },
                    );
                    blocks.push(Block::Right(shown(tr, today)));
                    blocks.push(Block::Title(heading));
                    blocks.push(Block::Space(4.0));
                    blocks.extend(body.into_iter().map(Block::Paragraph));
                    blocks.push(Block::Space(8.0));
                    blocks.push(Block::Right(tr.t(letter.signature).to_string()));
                }
                if blocks.is_empty() {
                    blocks.push(Block::Paragraph(
                        tr.pick(
                            "Aucune concession n'arrive à échéance sur cette période : aucune lettre.",
                            "No concession expires over this period: no letter.",
                        )
                        .into(),
                    ));
                }
                crate::modules::audit_export(
                    &state,
                    &p,
                    t.module,
                    "concession",
                    &format!("lettre.{}", letter.name),
                    &format!("date={today} mois={months} lang={}", tr.lang.code()),
                    rows.len(),
                )
                .await?;
                let d = Document {
                    title: tr.t(letter.label).to_string(),
                    running: tr.t(letter.label).to_string(),
                    blocks,
                };
                Ok(pdf(
                    render(&d, Paper::A4, now).map_err(failed)?,
                    &format!("avis-echeance-{today}"),
                ))
            }
            other => Err(ApiError::not_found(format!("document inconnu : {other}"))),
        }
    };
    run.await.unwrap_or_else(|e| error_page(&p, &e))
}
