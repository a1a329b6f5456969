//! openCourrier's documents, as PDF: the day's registry of one register
//! (arrivée or départ: every courrier registered that day, by number, to
//! be signed by the registry's office) and a service's transmission slip
//! (« bordereau de transmission »: the courriers it receives over a
//! period, for action, as relay, for opinion and for information, signed
//! on receipt). Both are recorded in the audit log like every export.

use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use catalogue::courrier::{Sens, day_register, slip};
use serde::Deserialize;

use super::{day_or_today, readable, registered, services};
use crate::auth::Principal;
use crate::error::ApiError;
use crate::modules::pdf;
use crate::print::Paper;
use crate::print::documents::{Block, Document, render};
use crate::state::AppState;
use crate::ui::error_page;

/// The parameters of the documents.
#[derive(Debug, Deserialize, Default)]
pub struct Params {
    pub date: Option<String>,
    pub sens: Option<String>,
    pub service: Option<String>,
    pub du: Option<String>,
    pub au: Option<String>,
}

fn bad(field: &str, message: String) -> ApiError {
    ApiError::Fields(vec![module_engine::FieldError {
        field: field.into(),
        rule: "choice",
        message,
    }])
}

pub async fn download(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(doc): Path<String>,
    Query(q): Query<Params>,
) -> Response {
    let run = async {
        let t = readable(&state, &p).await?;
        let now = crate::store::now_millis();
        let failed = |e: crate::print::PrintError| ApiError::Internal(anyhow::anyhow!("pdf: {e}"));
        let commune = state
            .hub
            .list()
            .first()
            .and_then(|topic| topic.read().election.root().map(|r| r.name.clone()))
            .unwrap_or_else(|| "La commune".to_string());
        match doc.as_str() {
            "registre.pdf" => {
                let day = day_or_today(q.date.as_deref(), "date")?;
                let s = q.sens.as_deref().unwrap_or("arrivee");
                let sens = Sens::from_code(s).ok_or_else(|| {
                    bad(
                        "sens",
                        format!("registre « arrivee » ou « depart », pas « {s} »"),
                    )
                })?;
                let (mails, _) = registered(&state, t.module, day, day, Some(sens)).await?;
                let lines = day_register(&mails, day, sens);
                let services = services(&state, t.module).await?;
                let service = |id: Option<i64>| {
                    id.and_then(|id| services.iter().find(|(i, _)| *i == id))
                        .map(|(_, l)| l.clone())
                        .unwrap_or_default()
                };
                let rows: Vec<Vec<String>> = lines
                    .iter()
                    .map(|l| {
                        vec![
                            l.mail.numero.to_string(),
                            l.mail.contact.clone(),
                            l.mail.objet.clone(),
                            service(l.mail.service),
                            l.mail.etat.label().to_string(),
                        ]
                    })
                    .collect();
                crate::modules::audit_export(
                    &state,
                    &p,
                    t.module,
                    "courrier",
                    &doc,
                    &format!("date={day} sens={}", sens.code()),
                    rows.len(),
                )
                .await?;
                let who = if sens == Sens::Arrivee {
                    "Expéditeur"
                } else {
                    "Destinataire"
                };
                let title = format!(
                    "Registre du courrier {} — {}",
                    if sens == Sens::Arrivee {
                        "arrivé"
                    } else {
                        "départ"
                    },
                    day.fr()
                );
                let mut blocks = vec![
                    Block::Title(title.clone()),
                    Block::Subtitle(format!(
                        "{commune} — {} courrier{} enregistré{}",
                        rows.len(),
                        if rows.len() == 1 { "" } else { "s" },
                        if rows.len() == 1 { "" } else { "s" }
                    )),
                ];
                if rows.is_empty() {
                    blocks.push(Block::Paragraph(
                        "Aucun courrier enregistré ce jour dans ce registre.".into(),
                    ));
                } else {
                    blocks.push(Block::Table {
                        columns: vec![
                            ("Numéro".into(), 0.9, false),
                            (who.into(), 2.2, false),
                            ("Objet".into(), 3.0, false),
                            ("Service traitant".into(), 2.0, false),
                            ("État".into(), 1.1, false),
                        ],
                        rows,
                        total: false,
                    });
                }
                blocks.push(Block::Signatures(vec!["L'agent du courrier".into()]));
                let d = Document {
                    title: title.clone(),
                    running: format!("{commune} — {title}"),
                    blocks,
                };
                Ok(pdf(
                    render(&d, Paper::A4, now).map_err(failed)?,
                    &format!("registre-{}-{day}", sens.code()),
                ))
            }
            "bordereau.pdf" => {
                let all = services(&state, t.module).await?;
                let asked = q.service.as_deref().unwrap_or_default().trim().to_string();
                let Some((service, label)) = asked
                    .parse::<i64>()
                    .ok()
                    .and_then(|id| all.iter().find(|(i, _)| *i == id).cloned())
                else {
                    return Err(bad("service", format!("pas de service n° « {asked} »")));
                };
                let from = day_or_today(q.du.as_deref(), "du")?;
                let to = day_or_today(q.au.as_deref().or(q.du.as_deref()), "au")?;
                if to < from {
                    return Err(bad(
                        "au",
                        format!(
                            "la période finit ({}) avant de commencer ({})",
                            to.fr(),
                            from.fr()
                        ),
                    ));
                }
                let (mails, diffusions) = registered(&state, t.module, from, to, None).await?;
                let lines = slip(service, from, to, &mails, &diffusions);
                let rows: Vec<Vec<String>> = lines
                    .iter()
                    .map(|l| {
                        vec![
                            l.mail.numero.to_string(),
                            l.mail.date.fr(),
                            l.mail.contact.clone(),
                            l.mail.objet.clone(),
                            if l.ordre > 0 {
                                format!("{} ({})", l.role.label_fr(), l.ordre)
                            } else {
                                l.role.label_fr().to_string()
                            },
                        ]
                    })
                    .collect();
                crate::modules::audit_export(
                    &state,
                    &p,
                    t.module,
                    "courrier",
                    &doc,
                    &format!("service={service} du={from} au={to}"),
                    rows.len(),
                )
                .await?;
                let period = if from == to {
                    format!("du {}", from.fr())
                } else {
                    format!("du {} au {}", from.fr(), to.fr())
                };
                let title = format!("Bordereau de transmission — {label}");
                let mut blocks = vec![
                    Block::Title(title.clone()),
                    Block::Subtitle(format!("{commune} — courriers enregistrés {period}")),
                ];
                if rows.is_empty() {
                    blocks.push(Block::Paragraph(
                        "Aucun courrier transmis à ce service sur cette période.".into(),
                    ));
                } else {
                    blocks.push(Block::Table {
                        columns: vec![
                            ("Numéro".into(), 0.9, false),
                            ("Enregistré le".into(), 1.1, false),
                            ("Expéditeur / destinataire".into(), 2.1, false),
                            ("Objet".into(), 3.0, false),
                            ("Transmis".into(), 1.3, false),
                        ],
                        rows,
                        total: false,
                    });
                }
                blocks.push(Block::Paragraph(format!(
                    "{} courrier{} transmis au service.",
                    lines.len(),
                    if lines.len() == 1 { "" } else { "s" }
                )));
                blocks.push(Block::Signatures(vec![
                    "L'agent du courrier".into(),
                    "Reçu par le service, le".into(),
                ]));
                let d = Document {
                    title: title.clone(),
                    running: format!("{commune} — {title}"),
                    blocks,
                };
                Ok(pdf(
                    render(&d, Paper::A4, now).map_err(failed)?,
                    &format!("bordereau-{service}-{from}"),
                ))
            }
            other => Err(ApiError::not_found(format!("document inconnu : {other}"))),
        }
    };
    run.await.unwrap_or_else(|e| error_page(&p, &e))
}
