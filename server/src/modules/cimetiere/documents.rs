//! openCimetière's documents, as PDF in the screen's language: the
//! register of burials of a year (« registre des inhumations »: date,
//! défunt, dates of birth and death, place, concession, kind) and the
//! letters to the holders of the concessions expiring in the coming
//! months — the module's mail-merge letter `avis_echeance`, whose end
//! date is the concession's current one (after its renewals), not its
//! first term's. Both are recorded in the audit log like every export.

use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::response::Response;

use super::params::{Params, day, expiring_rows, months, year};
use super::readable;
use super::register::{self, shown};
use crate::auth::Principal;
use crate::error::ApiError;
use crate::lang::Tr;
use crate::modules::pdf;
use crate::print::Paper;
use crate::print::documents::{Block, Document, render};
use crate::state::AppState;
use crate::ui::error_page;

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
                let (lines, _) = register::lines(&state, t.module, y, tr, 0..usize::MAX).await?;
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
                        columns: register::columns(tr)
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
