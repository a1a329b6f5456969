//! openCourrier's own desk screens: a service's inbox (« corbeille »)
//! with its overdue courriers and tasks first, and the registry's search
//! by number, correspondent, subject and dates. Each line opens the
//! engine's record screen, where the workflow's actions, the tasks and
//! the attachments are.

use axum::extract::{Query, RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use catalogue::courrier::registry::SlipRole;
use catalogue::courrier::{Numero, inbox, overdue};
use maud::{Markup, html};
use module_engine::sql::ListQuery;
use module_engine::{FieldError, Right, Value};
use serde::Deserialize;

use super::{MAX_ROWS, ServiceWork, day_or_today, readable, service_work, services};
use crate::auth::Principal;
use crate::error::ApiError;
use crate::modules::api::{query_pairs, ref_titles};
use crate::modules::{Target, allow};
use crate::state::AppState;
use crate::store::records;
use crate::ui::{error_page, layout};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/desk/m/courrier/corbeille", get(inbox_screen))
        .route("/desk/m/courrier/recherche", get(search_screen))
        .route(
            "/desk/m/courrier/documents/{doc}",
            get(super::documents::download),
        )
}

fn breadcrumb(here: &str) -> Markup {
    html! {
        nav aria-label="Fil d'Ariane" {
            a href="/desk" { "Tableau de bord" } " › "
            a href="/desk/modules" { "Modules" } " › "
            a href="/desk/m/courrier" { "openCourrier" } " › " (here)
        }
    }
}

/// Lines shown of each table of the inbox (the status counts them all;
/// the search and the lists page through the rest).
const SHOWN: usize = 200;

fn record_link(id: i64) -> String {
    format!("/desk/m/courrier/courrier/{id}")
}

/// `?service=ID`.
#[derive(Debug, Deserialize, Default)]
pub struct ServiceQuery {
    pub service: Option<String>,
    pub date: Option<String>,
}

/// The service asked for (or the first), checked against the services.
fn chosen(all: &[(i64, String)], asked: Option<&str>) -> Result<Option<i64>, ApiError> {
    match asked.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(all.first().map(|(id, _)| *id)),
        Some(s) => match s
            .parse::<i64>()
            .ok()
            .filter(|id| all.iter().any(|(i, _)| i == id))
        {
            Some(id) => Ok(Some(id)),
            None => Err(ApiError::Fields(vec![FieldError {
                field: "service".into(),
                rule: "reference",
                message: format!("pas de service n° {s}"),
            }])),
        },
    }
}

fn service_picker(all: &[(i64, String)], current: Option<i64>, action: &str) -> Markup {
    html! {
        form.filters method="get" action=(action) {
            div.ff {
                label for="service" { "Service" }
                select #service name="service" {
                    @for (id, l) in all { option value=(id) selected[Some(*id) == current] { (l) } }
                }
            }
            button type="submit" { "Afficher" }
        }
    }
}

async fn inbox_screen(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Query(q): Query<ServiceQuery>,
) -> Response {
    let run = async {
        let t = readable(&state, &p).await?;
        let all = services(&state, t.module).await?;
        let Some(service) = chosen(&all, q.service.as_deref())? else {
            return Err(ApiError::not_found(
                "aucun service : créez-en dans « Services »",
            ));
        };
        let today = day_or_today(q.date.as_deref(), "date")?;
        let ServiceWork {
            mails,
            diffusions,
            tasks,
        } = service_work(&state, t.module, service).await?;
        let lines = inbox(service, &mails, &diffusions, &tasks, today);
        let late = overdue(&tasks, today);
        let label = all
            .iter()
            .find(|(id, _)| *id == service)
            .map(|(_, l)| l.clone())
            .unwrap_or_default();
        let of = |id: i64| mails.iter().find(|m| m.id == id);
        let late_mails = lines.iter().filter(|l| l.overdue).count();
        Ok::<_, ApiError>(layout(
            &format!("Corbeille — {label}"),
            &p,
            html! {
                (breadcrumb("Corbeille d'un service"))
                h1 { "Corbeille du service " (label) }
                (service_picker(&all, Some(service), "/desk/m/courrier/corbeille"))
                p role="status" #inbox-status class=(if late_mails + late.len() > 0 { "form-error" } else { "form-ok" }) {
                    (lines.len()) " courrier" @if lines.len() != 1 { "s" } " à traiter ou à suivre ; "
                    (late_mails) " en retard sur son échéance, "
                    (late.len()) " tâche" @if late.len() != 1 { "s" } " en retard au " (today.fr()) "."
                }
                p {
                    "Documents : "
                    a href={ "/desk/m/courrier/documents/bordereau.pdf?service=" (service) "&du=" (today) "&au=" (today) } { "bordereau de transmission du jour (PDF)" }
                    " · "
                    a href={ "/desk/m/courrier/documents/registre.pdf?date=" (today) "&sens=arrivee" } { "registre du jour, arrivée (PDF)" }
                    " · "
                    a href={ "/desk/m/courrier/documents/registre.pdf?date=" (today) "&sens=depart" } { "départ (PDF)" }
                    " · "
                    a href="/desk/m/courrier/recherche" { "rechercher un courrier" }
                }
                h2 { "Tâches en retard" }
                @if late.is_empty() {
                    p #overdue-none { "Aucune tâche en retard." }
                } @else {
                    table.mlist #overdue {
                        thead { tr { th scope="col" { "Échéance" } th scope="col" { "Tâche" } th scope="col" { "Courrier" } } }
                        tbody {
                            @for task in late.iter().take(SHOWN) {
                                tr data-task=(task.id) {
                                    td.late { (task.echeance.fr()) }
                                    td { a href={ "/desk/m/courrier/tache/" (task.id) } { (task.libelle) } }
                                    td {
                                        a href=(record_link(task.courrier)) {
                                            @match of(task.courrier) {
                                                Some(m) => { (m.numero.to_string()) " — " (m.objet) }
                                                None => { "n° " (task.courrier) }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                @if late.len() > SHOWN { p.form-warning { "Les " (SHOWN) " tâches en retard les plus anciennes sont affichées, sur " (late.len()) "." } }
                h2 { "Courriers" }
                @if lines.is_empty() {
                    p #inbox-empty { "Rien à traiter pour ce service." }
                } @else {
                    div.scroll {
                        table.mlist #inbox {
                            thead { tr {
                                th scope="col" { "Numéro" } th scope="col" { "Reçu le" } th scope="col" { "De / à" }
                                th scope="col" { "Objet" } th scope="col" { "Pour" } th scope="col" { "État" }
                                th scope="col" { "Échéance" } th scope="col" { "Tâches" }
                            } }
                            tbody {
                                @for l in lines.iter().take(SHOWN) {
                                    tr data-id=(l.mail.id) class=(if l.overdue || l.late_tasks > 0 { "late" } else { "" }) {
                                        td { a href=(record_link(l.mail.id)) { (l.mail.numero.to_string()) } }
                                        td { (l.mail.date.fr()) }
                                        td { (l.mail.contact) }
                                        td { (l.mail.objet) }
                                        td { (l.role.label_fr()) }
                                        td { (l.mail.etat.label()) }
                                        td { @if let Some(d) = l.mail.echeance { (d.fr()) @if l.overdue { " (en retard)" } } }
                                        td { @if l.open_tasks > 0 { (l.open_tasks) @if l.late_tasks > 0 { " dont " (l.late_tasks) " en retard" } } }
                                    }
                                }
                            }
                        }
                    }
                    @if lines.len() > SHOWN {
                        p.form-warning { "Les " (SHOWN) " premiers courriers sont affichés, sur " (lines.len()) "." }
                    }
                    @if mails.len() as i64 >= MAX_ROWS {
                        p.form-warning { "Seuls les " (MAX_ROWS) " premiers courriers sont affichés." }
                    }
                }
                p.help { "« Pour » : " (SlipRole::Traitement.label_fr()) " (service traitant), "
                    (SlipRole::Relais.label_fr()) ", " (SlipRole::Avis.label_fr()) " ou "
                    (SlipRole::Information.label_fr()) " (diffusion, ou une tâche confiée au service)." }
            },
        ))
    };
    run.await
        .map(IntoResponse::into_response)
        .unwrap_or_else(|e| error_page(&p, &e))
}

/// The search form's fields.
#[derive(Debug, Deserialize, Default)]
pub struct Search {
    #[serde(default)]
    pub numero: String,
    #[serde(default)]
    pub contact: String,
    #[serde(default)]
    pub objet: String,
    #[serde(default)]
    pub du: String,
    #[serde(default)]
    pub au: String,
    #[serde(default)]
    pub sens: String,
}

/// The list query of a search: the number exactly, the subject's words,
/// the dates as bounds, and the correspondents found by their own search
/// (name, first name, organisation, town) as alternatives. None when
/// the correspondent matches nobody (then nothing matches).
async fn search_query(
    state: &AppState,
    p: &Principal,
    t: Target<'_>,
    s: &Search,
) -> Result<Option<ListQuery>, ApiError> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    let numero = s.numero.trim();
    if !numero.is_empty() {
        let Some(n) = Numero::parse(numero) else {
            return Err(ApiError::Fields(vec![FieldError {
                field: "numero".into(),
                rule: "pattern",
                message: format!("un numéro s'écrit année-rang (2026-7), pas « {numero} »"),
            }]));
        };
        pairs.push(("numero".into(), n.to_string()));
    }
    for (k, v) in [
        ("q", &s.objet),
        ("date_enregistrement.from", &s.du),
        ("date_enregistrement.to", &s.au),
        ("sens", &s.sens),
    ] {
        if !v.trim().is_empty() {
            pairs.push((k.into(), v.trim().to_string()));
        }
    }
    if !s.contact.trim().is_empty() {
        let ce = t
            .module
            .entity("contact")
            .ok_or_else(|| ApiError::not_found("contacts absents du module"))?;
        allow(p, t.module, ce, Right::Read)?;
        let cq = ListQuery {
            per_page: 500,
            ..ListQuery::from_pairs(ce, &[("q".into(), s.contact.trim().to_string())])
                .map_err(ApiError::Fields)?
        };
        let mut conn = state.store.acquire().await?;
        let (found, _) = records::list(&mut conn, t.module, ce, &cq).await?;
        if found.is_empty() {
            return Ok(None);
        }
        pairs.extend(found.iter().map(|c| ("contact".into(), c.id.to_string())));
    }
    pairs.push(("per_page".into(), "100".into()));
    ListQuery::from_pairs(t.entity, &pairs)
        .map(Some)
        .map_err(ApiError::Fields)
}

async fn search_screen(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    RawQuery(raw): RawQuery,
) -> Response {
    let run = async {
        let t = readable(&state, &p).await?;
        let pairs = query_pairs(raw.as_deref())?;
        let get = |k: &str| {
            pairs
                .iter()
                .rev()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        let s = Search {
            numero: get("numero"),
            contact: get("contact"),
            objet: get("objet"),
            du: get("du"),
            au: get("au"),
            sens: get("sens"),
        };
        let asked = [&s.numero, &s.contact, &s.objet, &s.du, &s.au]
            .iter()
            .any(|v| !v.trim().is_empty());
        let (rows, total) = match search_query(&state, &p, t, &s).await? {
            Some(q) if asked => {
                let mut conn = state.store.acquire().await?;
                records::list(&mut conn, t.module, t.entity, &q).await?
            }
            _ => (Vec::new(), 0),
        };
        let e = t.entity;
        let views: Vec<&[Value]> = rows.iter().map(|r| r.values.as_slice()).collect();
        let titles = ref_titles(&state, t.module, e, &views).await?;
        let shown = |r: &crate::store::records::StoredRecord, name: &str| -> String {
            let Some(i) = e.field_index(name) else {
                return String::new();
            };
            let v = &r.values[i];
            if let Some(id) = v.as_int()
                && matches!(e.fields[i].kind, module_engine::Kind::Ref(_))
            {
                return titles
                    .iter()
                    .find(|(fi, rid, _)| *fi == i && *rid == id)
                    .map_or_else(|| format!("n° {id}"), |(_, _, s)| s.clone());
            }
            module_engine::value::display(&e.fields[i], v)
        };
        Ok::<_, ApiError>(layout(
            "Rechercher un courrier",
            &p,
            html! {
                (breadcrumb("Recherche"))
                h1 { "Rechercher un courrier" }
                form.filters method="get" action="/desk/m/courrier/recherche" role="search" {
                    div.ff { label for="numero" { "Numéro" } input #numero name="numero" value=(s.numero) placeholder="2026-7"; }
                    div.ff { label for="contact" { "Expéditeur ou destinataire" } input #contact name="contact" value=(s.contact); }
                    div.ff { label for="objet" { "Objet (mots)" } input #objet name="objet" value=(s.objet); }
                    div.ff { label for="du" { "Enregistré du" } input #du type="date" name="du" value=(s.du); }
                    div.ff { label for="au" { "au" } input #au type="date" name="au" value=(s.au); }
                    div.ff {
                        label for="sens" { "Registre" }
                        select #sens name="sens" {
                            option value="" { "Les deux" }
                            option value="arrivee" selected[s.sens == "arrivee"] { "Arrivée" }
                            option value="depart" selected[s.sens == "depart"] { "Départ" }
                        }
                    }
                    button type="submit" { "Rechercher" }
                }
                @if asked {
                    p role="status" #search-count { (total) " courrier" @if total != 1 { "s" } @if total > rows.len() as i64 { " (les " (rows.len()) " plus récents)" } }
                    @if !rows.is_empty() {
                        table.mlist #results {
                            thead { tr {
                                th scope="col" { "Numéro" } th scope="col" { "Registre" } th scope="col" { "Enregistré le" }
                                th scope="col" { "De / à" } th scope="col" { "Objet" } th scope="col" { "Service" } th scope="col" { "État" }
                            } }
                            tbody {
                                @for r in &rows {
                                    tr data-id=(r.id) {
                                        td { a href=(record_link(r.id)) { (shown(r, "numero")) } }
                                        td { (shown(r, "sens")) }
                                        td { (shown(r, "date_enregistrement")) }
                                        td { (shown(r, "contact")) }
                                        td { (shown(r, "objet")) }
                                        td { (shown(r, "service")) }
                                        td { (shown(r, "etat")) }
                                    }
                                }
                            }
                        }
                    }
                }
                p.help { "Toutes les conditions données s'appliquent ensemble. Le correspondant se cherche par son nom, son prénom, son organisme ou sa ville ; l'objet, par ses mots." }
            },
        ))
    };
    run.await
        .map(IntoResponse::into_response)
        .unwrap_or_else(|e| error_page(&p, &e))
}
