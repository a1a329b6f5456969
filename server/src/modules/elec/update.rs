//! openElec's update import on the desk (`/desk/m/elec/mise-a-jour`): a
//! new extraction of the roll compared with the records, shown, then
//! applied as mouvements ([`catalogue::elec::compare`]).
//!
//! The file is read and checked row by row as the roll's import reads it
//! ([`crate::modules::import::check`]: columns by name or label, every bad
//! row with its line, nothing done unless all are sound). The comparison
//! page lists what would change; applying needs the same file again (its
//! SHA-256 is carried by the form), so what is applied is what was seen.
//! Applying is one transaction: the new records, the modified ones and a
//! mouvement for each difference (inscription, modification, radiation),
//! every write in the audit log, and one audit row for the whole update.

use std::collections::{HashMap, HashSet};

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use catalogue::elec::{Date, Elector, Incoming, Update, compare, roll_at};
use maud::{Markup, html};
use module_engine::{Entity, Module, Right, Value};

use super::{NAME, elector_of, load, mouvements};
use crate::auth::Principal;
use crate::error::ApiError;
use crate::modules::import::{Checked, ImportError, check};
use crate::modules::{Target, allow, known, open};
use crate::state::AppState;
use crate::store::audit::{AuditRecord, append};
use crate::store::records;
use crate::ui::{csrf_of, error_page, layout};

const PATH: &str = "/desk/m/elec/mise-a-jour";
/// Most lines of each kind shown on the comparison page.
const SHOWN: usize = 200;

pub fn routes() -> Router<AppState> {
    Router::new().route(
        PATH,
        get(form)
            .post(submit)
            .layer(axum::extract::DefaultBodyLimit::max(
                crate::modules::api::IMPORT_LIMIT,
            )),
    )
}

async fn target<'a>(state: &'a AppState, p: &Principal) -> Result<Target<'a>, ApiError> {
    let t = open(state, p, NAME, "electeur", Right::Update).await?;
    allow(p, t.module, t.entity, Right::Create)?;
    Ok(t)
}

fn page(p: &Principal, date: &str, outcome: Option<Markup>) -> Markup {
    html! {
        nav aria-label="Fil d'Ariane" { a href="/desk" { "Tableau de bord" } " › " a href="/desk/m/elec" { "openElec" } " › " a href="/desk/m/elec/controle" { "Contrôle de la liste" } }
        h1 { "Mise à jour de la liste électorale" }
        @if let Some(o) = outcome { (o) }
        p { "Une nouvelle extraction de la liste (répertoire électoral unique ou logiciel de gestion), dans le format de l'import des électeurs. "
            "Chaque différence avec les fiches devient un mouvement : une inscription pour une personne nouvelle, une modification pour une fiche changée, "
            "une radiation pour une fiche absente du fichier. Le fichier est d'abord comparé ; rien n'est enregistré avant « Appliquer »." }
        form.card method="post" action=(PATH) enctype="multipart/form-data" {
            input type="hidden" name="csrf" value=(csrf_of(p));
            div.mfield {
                label for="file" { "Fichier" }
                input #file type="file" name="file" required accept=".csv,.txt,.xlsx,.ods,.xls";
            }
            div.mfield {
                label for="date" { "Date d'effet des mouvements" }
                input #date type="date" name="date" value=(date);
            }
            button type="submit" { "Comparer avec la liste" }
        }
    }
}

async fn form(State(state): State<AppState>, Extension(p): Extension<Principal>) -> Response {
    match target(&state, &p).await {
        Ok(_) => layout(
            "Mise à jour de la liste",
            &p,
            page(&p, &results_view::time::today_paris(), None),
        )
        .into_response(),
        Err(e) => error_page(&p, &e),
    }
}

fn refused(p: &Principal, date: &str, outcome: Markup) -> Response {
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        layout("Mise à jour de la liste", p, page(p, date, Some(outcome))),
    )
        .into_response()
}

/// The values of the file's rows, by line.
type ByLine = HashMap<u64, Vec<Value>>;

/// The file's rows as electors, with their values, by line.
fn incoming(e: &Entity, checked: &Checked) -> Result<(Vec<Incoming>, ByLine), Vec<String>> {
    let mut out = Vec::with_capacity(checked.rows.len());
    let mut values = HashMap::with_capacity(checked.rows.len());
    let mut bad = Vec::new();
    for (line, v) in &checked.rows {
        match elector_of(e, 0, v) {
            Some(elector) => {
                out.push(Incoming {
                    line: *line,
                    elector,
                });
                values.insert(*line, v.clone());
            }
            None => bad.push(format!("ligne {line} : fiche incomplète (nom, prénoms, sexe, date de naissance, voie, bureau et liste sont obligatoires)")),
        }
    }
    if bad.is_empty() {
        Ok((out, values))
    } else {
        Err(bad)
    }
}

/// The comparison of the file with the records on `date`.
async fn plan(
    state: &AppState,
    m: &Module,
    file: &[Incoming],
    date: Date,
) -> Result<(Update, Vec<Elector>), ApiError> {
    let roll = load(state, m, true).await?;
    let mv = mouvements(state, m).await?;
    let on_roll: HashSet<i64> = roll_at(&roll.electors, &mv, date)
        .iter()
        .map(|e| e.id)
        .collect();
    Ok((compare(&roll.electors, &on_roll, file), roll.electors))
}

async fn submit(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    multipart: axum::extract::Multipart,
) -> Response {
    let run = async {
        let t = target(&state, &p).await?;
        let sent = crate::modules::desk::form_parts(multipart).await?;
        p.check_csrf(Some(&sent.text("csrf")))?;
        // The SHA-256 of the file compared, when applying.
        let confirm = sent.text("confirm");
        let date_text = match sent.text("date") {
            d if d.is_empty() => results_view::time::today_paris(),
            d => d,
        };
        let Some(date) = Date::parse(&date_text) else {
            return Ok(refused(
                &p,
                &date_text,
                html! { p.form-error role="alert" { "Date d'effet : AAAA-MM-JJ attendu, pas « " (date_text) " »." } },
            ));
        };
        let Some(bytes) = sent.file("file") else {
            return Ok(refused(
                &p,
                &date_text,
                html! { p.form-error role="alert" { "Aucun fichier : choisissez l'extraction de la liste." } },
            ));
        };
        let known = known(&state);
        let checked = match check(
            &state.store,
            t.module,
            t.entity,
            &bytes,
            &known,
            &mut |_, _| {},
        )
        .await
        {
            Ok(c) => c,
            Err(ImportError::Rows { errors, count }) => {
                return Ok(refused(
                    &p,
                    &date_text,
                    html! {
                        div.form-error role="alert" #form-errors {
                            p { "Le fichier n'a pas été lu : " (count) " erreur" @if count > 1 { "s" } "." }
                            ul { @for x in &errors { li { (x.to_string()) } } }
                            @if count > errors.len() { p { "(les " (errors.len()) " premières)" } }
                        }
                    },
                ));
            }
            Err(ImportError::Store(s)) => return Err(s.into()),
        };
        let (file, values) = match incoming(t.entity, &checked) {
            Ok(x) => x,
            Err(bad) => {
                return Ok(refused(
                    &p,
                    &date_text,
                    html! {
                        div.form-error role="alert" #form-errors {
                            p { "Le fichier n'a pas été lu : " (bad.len()) " erreur" @if bad.len() > 1 { "s" } "." }
                            ul { @for x in bad.iter().take(SHOWN) { li { (x) } } }
                        }
                    },
                ));
            }
        };
        let (update, records) = plan(&state, t.module, &file, date).await?;
        if confirm.is_empty() {
            return Ok(layout(
                "Mise à jour de la liste",
                &p,
                comparison(&p, &update, &records, &checked.sha256, &date_text),
            )
            .into_response());
        }
        if confirm != checked.sha256 {
            return Ok(refused(
                &p,
                &date_text,
                html! { p.form-error role="alert" { "Ce n'est pas le fichier comparé (son empreinte diffère) : comparez-le d'abord." } },
            ));
        }
        let done = apply(&state, t, &update, &values, date, &checked.sha256, &p.name).await?;
        Ok(layout(
            "Mise à jour de la liste",
            &p,
            html! {
                nav aria-label="Fil d'Ariane" { a href="/desk" { "Tableau de bord" } " › " a href="/desk/m/elec/controle" { "Contrôle de la liste" } }
                h1 { "Mise à jour de la liste électorale" }
                p.form-ok role="status" #applied { (done) " mouvement" @if done > 1 { "s" } " enregistré" @if done > 1 { "s" } " au " (date.fr()) "." }
                (counts(&update))
                p { a href={ "/desk/m/elec/controle?date=" (date.to_string()) } { "Voir le tableau des inscrits" } " · " a href="/desk/m/elec/mouvement" { "Voir les mouvements" } }
            },
        )
        .into_response())
    };
    run.await.unwrap_or_else(|e| error_page(&p, &e))
}

fn counts(u: &Update) -> Markup {
    let reinscriptions = u.modifications.iter().filter(|m| m.reinscription).count();
    html! {
        table.mlist #counts {
            tbody {
                tr { th scope="row" { "Inscriptions (personnes nouvelles)" } td.num data-kind="inscriptions" { (u.inscriptions.len()) } }
                tr { th scope="row" { "Réinscriptions (fiches radiées auparavant)" } td.num data-kind="reinscriptions" { (reinscriptions) } }
                tr { th scope="row" { "Modifications" } td.num data-kind="modifications" { (u.modifications.len() - reinscriptions) } }
                tr { th scope="row" { "Radiations (absents du fichier)" } td.num data-kind="radiations" { (u.radiations.len()) } }
                tr { th scope="row" { "Inchangés" } td.num data-kind="unchanged" { (u.unchanged) } }
            }
        }
    }
}

fn comparison(p: &Principal, u: &Update, records: &[Elector], sha256: &str, date: &str) -> Markup {
    let by_id: HashMap<i64, &Elector> = records.iter().map(|e| (e.id, e)).collect();
    let n = u.mouvements();
    html! {
        nav aria-label="Fil d'Ariane" { a href="/desk" { "Tableau de bord" } " › " a href="/desk/m/elec/controle" { "Contrôle de la liste" } " › " a href=(PATH) { "Mise à jour" } }
        h1 { "Mise à jour de la liste : comparaison" }
        p role="status" #mouvements { (n) " mouvement" @if n > 1 { "s" } " à enregistrer — rien n'est encore enregistré." }
        (counts(u))
        @if !u.inscriptions.is_empty() {
            details open {
                summary { "Inscriptions" }
                ul #inscriptions { @for i in u.inscriptions.iter().take(SHOWN) { li { "ligne " (i.line) " : " (i.elector.name()) " — bureau " (i.elector.bureau) } } }
            }
        }
        @if !u.modifications.is_empty() {
            details open {
                summary { "Modifications" }
                ul #modifications { @for m in u.modifications.iter().take(SHOWN) {
                    li { "ligne " (m.line) " : " (m.elector.name())
                        @if m.reinscription { " — réinscription" }
                        @if !m.changed.is_empty() { " — " (m.changed.join(", ")) }
                        @if let Some(old) = by_id.get(&m.id) { @if old.bureau != m.elector.bureau { " (bureau " (old.bureau) " → " (m.elector.bureau) ")" } }
                    }
                } }
            }
        }
        @if !u.radiations.is_empty() {
            details open {
                summary { "Radiations" }
                ul #radiations { @for id in u.radiations.iter().take(SHOWN) { @if let Some(e) = by_id.get(id) { li { (e.name()) " — bureau " (e.bureau) } } } }
            }
        }
        @if n > 0 {
            form.card method="post" action=(PATH) enctype="multipart/form-data" {
                input type="hidden" name="csrf" value=(csrf_of(p));
                input type="hidden" name="date" value=(date);
                input type="hidden" name="confirm" value=(sha256);
                p { "Pour appliquer, choisissez à nouveau le même fichier (son empreinte est vérifiée)." }
                div.mfield {
                    label for="file" { "Fichier comparé" }
                    input #file type="file" name="file" required accept=".csv,.txt,.xlsx,.ods,.xls";
                }
                button type="submit" { "Appliquer les " (n) " mouvements" }
            }
        } @else {
            p.form-ok { "La liste est à jour : rien à enregistrer." }
        }
    }
}

/// The mouvement of one difference, checked as a form would be.
fn mouvement(
    em: &Entity,
    electeur: i64,
    nature: &str,
    date: Date,
    motif: &str,
    bureau: Option<&str>,
    details: &str,
) -> Result<Vec<Value>, ApiError> {
    let mut pairs = vec![
        ("electeur".to_string(), electeur.to_string()),
        ("nature".to_string(), nature.to_string()),
        ("date".to_string(), date.to_string()),
        ("motif".to_string(), motif.to_string()),
        ("details".to_string(), details.to_string()),
    ];
    if let Some(b) = bureau {
        pairs.push(("bureau".to_string(), b.to_string()));
    }
    module_engine::validate::check_form(em, &pairs, None).map_err(|(_, e)| ApiError::Fields(e))
}

/// Writes the update in one transaction; returns the mouvements written.
async fn apply(
    state: &AppState,
    t: Target<'_>,
    u: &Update,
    values: &ByLine,
    date: Date,
    sha256: &str,
    actor: &str,
) -> Result<usize, ApiError> {
    let m = t.module;
    let ee = t.entity;
    let em = m
        .entity("mouvement")
        .ok_or_else(|| ApiError::not_found("mouvements absents"))?;
    let known = known(state);
    let source = format!("extraction {}", &sha256[..sha256.len().min(12)]);
    let (_guard, mut tx) = state.store.begin_write().await?;
    for i in &u.inscriptions {
        let Some(v) = values.get(&i.line) else {
            continue;
        };
        let id = records::insert(&mut tx, m, ee, v, &known, actor).await?;
        let mv = mouvement(
            em,
            id,
            "inscription",
            date,
            "inscription (mise à jour de la liste)",
            Some(&i.elector.bureau),
            &source,
        )?;
        records::insert(&mut tx, m, em, &mv, &known, actor).await?;
    }
    for change in &u.modifications {
        let Some(file_values) = values.get(&change.line) else {
            continue;
        };
        let stored = records::get(&mut tx, m, ee, change.id)
            .await?
            .ok_or(records::RecordError::NotFound)?;
        let mut v = file_values.clone();
        // A file without the INE keeps the record's.
        if let Some(i) = ee.field_index("ine")
            && v[i].is_null()
        {
            v[i] = stored.values[i].clone();
        }
        records::update(
            &mut tx,
            m,
            ee,
            records::Change {
                id: change.id,
                version: stored.version,
                values: &v,
                action: Some("mise_a_jour"),
            },
            &known,
            actor,
        )
        .await?;
        let (nature, motif) = if change.reinscription {
            ("inscription", "réinscription (mise à jour de la liste)")
        } else {
            ("modification", "modification (mise à jour de la liste)")
        };
        let details = if change.changed.is_empty() {
            source.clone()
        } else {
            format!("{source} ; champs : {}", change.changed.join(", "))
        };
        let mv = mouvement(
            em,
            change.id,
            nature,
            date,
            motif,
            Some(&change.elector.bureau),
            &details,
        )?;
        records::insert(&mut tx, m, em, &mv, &known, actor).await?;
    }
    for id in &u.radiations {
        let mv = mouvement(
            em,
            *id,
            "radiation",
            date,
            "radiation (absent de l'extraction)",
            None,
            &source,
        )?;
        records::insert(&mut tx, m, em, &mv, &known, actor).await?;
    }
    let summary = serde_json::json!({
        "module": m.name, "sha256": sha256, "date": date.to_string(),
        "inscriptions": u.inscriptions.len(), "modifications": u.modifications.len(),
        "radiations": u.radiations.len(), "unchanged": u.unchanged,
    });
    append(
        &mut tx,
        AuditRecord {
            actor,
            action: "module.elec.electeur.update_import",
            election_id: None,
            bureau_code: None,
            old: None,
            new: Some(summary.to_string()),
        },
    )
    .await?;
    tx.commit().await.map_err(crate::store::StoreError::from)?;
    Ok(u.mouvements())
}
