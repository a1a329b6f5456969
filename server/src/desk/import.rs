//! The administrators' upload form that sets an election up from files.
//!
//! `GET /desk/import` shows the form; `POST /desk/import` takes a multipart
//! upload: the bureaux CSV, the candidates CSV, optionally the electoral-roll
//! CSV, and the election's identity (id, label, kind, round, date, commune,
//! its population, seats and community seats). The files go through the same decoders as `urne import setup`
//! (`election_data::formats::setup`: `;` or `,`, UTF-8 or Windows-1252), and
//! the election is created through the same path as `POST /api/elections`
//! (store, then hub, then the embargo watch).
//!
//! All or nothing: when anything is wrong the form is shown again (422) with
//! every bad row of every file, its line number and reason, the fields as
//! typed, and nothing is stored. Admins only, with the session's CSRF token
//! as a form field; the body limit of this route is [`BODY_LIMIT`] (an
//! electoral roll with one row per elector is a few megabytes).

use axum::Extension;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use election_data::formats::{ElectionHeader, FormatErrors, parse_kind, setup};
use maud::{Markup, html};

use crate::auth::Principal;
use crate::error::ApiError;
use crate::live::LiveElection;
use crate::state::AppState;

/// Largest upload accepted by `POST /desk/import`, all files together.
pub const BODY_LIMIT: usize = 32 * 1024 * 1024;

const KINDS: [(&str, &str); 8] = [
    ("municipales", "Municipales"),
    ("communautaires", "Communautaires"),
    ("presidentielle", "Présidentielle"),
    ("legislatives", "Législatives"),
    ("europeennes", "Européennes"),
    ("regionales", "Régionales"),
    ("departementales", "Départementales"),
    ("referendum", "Référendum"),
];

/// The form's text fields, as typed.
#[derive(Debug, Default, Clone)]
struct Fields {
    csrf: String,
    id: String,
    label: String,
    kind: String,
    round: String,
    date: String,
    commune_code: String,
    commune_name: String,
    seats: String,
    population: String,
    cc_seats: String,
}

/// The problems of one file (or of the form itself).
struct Problems {
    what: String,
    lines: Vec<String>,
}

fn text_input(name: &str, label: &str, value: &str, hint: &str) -> Markup {
    html! {
        p {
            label for=(name) { (label) }
            br;
            input id=(name) name=(name) type="text" value=(value) size="40" autocomplete="off";
            @if !hint.is_empty() { " " small { (hint) } }
        }
    }
}

/// The contours form: the elections to choose from, and the outcome of
/// the last upload.
#[derive(Debug, Default)]
struct ContoursForm {
    elections: Vec<(String, String)>,
    chosen: String,
    problems: Vec<String>,
    done: Option<(String, String)>,
}

impl ContoursForm {
    fn of(state: &AppState) -> ContoursForm {
        ContoursForm {
            elections: state
                .hub
                .list()
                .iter()
                .map(|t| {
                    let live = t.read();
                    (live.election.id.clone(), live.election.label.clone())
                })
                .collect(),
            ..ContoursForm::default()
        }
    }
}

fn contours_section(p: &Principal, c: &ContoursForm) -> Markup {
    html! {
        h2 #contours { "Contours des bureaux (carte)" }
        p { "Un fichier GeoJSON des contours des bureaux de vote : le fichier national en données ouvertes "
            "(les bureaux des autres communes sont ignorés) ou celui de la commune, en WGS 84, avec le code INSEE "
            "de la commune et le code du bureau dans les propriétés de chaque objet. Chaque bureau de l'élection "
            "doit avoir un contour valide ; sans contours, la carte est un plan schématique." }
        @if let Some((id, text)) = &c.done {
            p.form-ok role="status" { (text) " " a href={ "/elections/" (id) "/carte" } { "Voir la carte" } }
        }
        @if !c.problems.is_empty() {
            div.form-error role="alert" {
                p { strong { "Rien n'a été importé." } " Corrigez le fichier puis envoyez-le de nouveau :" }
                ul { @for l in &c.problems { li { (l) } } }
            }
        }
        form method="post" action="/desk/import/contours" enctype="multipart/form-data" {
            input type="hidden" name="csrf" value=(super::ui::csrf_of(p));
            p {
                label for="contours-election" { "Élection" }
                br;
                select id="contours-election" name="election" {
                    @for (id, label) in &c.elections {
                        option value=(id) selected[*id == c.chosen] { (label) " (" (id) ")" }
                    }
                }
            }
            p { label for="contours-file" { "Fichier GeoJSON (40 Mo au plus)" } br;
                input id="contours-file" name="file" type="file" accept=".geojson,.json,application/geo+json,application/json"; }
            p { button type="submit" { "Vérifier et importer les contours" } }
        }
    }
}

fn page(p: &Principal, f: &Fields, problems: &[Problems], c: &ContoursForm) -> Markup {
    let kind = if f.kind.is_empty() {
        "municipales"
    } else {
        f.kind.as_str()
    };
    let round = if f.round.is_empty() {
        "1"
    } else {
        f.round.as_str()
    };
    super::ui::frame(
        "Importer une élection",
        Some(p),
        html! {
            h1 { "Importer une élection" }
            p { "Les fichiers sont ceux de la mairie : séparateur « ; » ou « , », UTF-8 ou Windows-1252. "
                "Les colonnes sont reconnues par leur en-tête (voir la documentation des formats). "
                "Rien n'est enregistré tant qu'un fichier contient une erreur." }
            @if !problems.is_empty() {
                div.form-error role="alert" {
                    p { strong { "Rien n'a été importé." } " Corrigez les lignes suivantes puis envoyez de nouveau les fichiers :" }
                    @for pb in problems {
                        p { strong { (pb.what) } }
                        ul {
                            @for l in &pb.lines { li { (l) } }
                        }
                    }
                }
            }
            form method="post" action="/desk/import" enctype="multipart/form-data" {
                input type="hidden" name="csrf" value=(super::ui::csrf_of(p));
                fieldset {
                    legend { "Élection" }
                    (text_input("id", "Identifiant", &f.id, "lettres minuscules, chiffres et tirets : municipales-2026-t1"))
                    (text_input("label", "Libellé", &f.label, ""))
                    p {
                        label for="kind" { "Type" }
                        br;
                        select id="kind" name="kind" {
                            @for (value, name) in KINDS {
                                option value=(value) selected[value == kind] { (name) }
                            }
                        }
                    }
                    p {
                        label for="round" { "Tour" }
                        br;
                        select id="round" name="round" {
                            option value="1" selected[round == "1"] { "1er tour" }
                            option value="2" selected[round == "2"] { "2d tour" }
                        }
                    }
                    (text_input("date", "Date du scrutin", &f.date, "AAAA-MM-JJ"))
                    (text_input("seats", "Sièges à pourvoir", &f.seats, "scrutins de liste ; pour les municipales, vide : d'après la population (L.2121-2 CGCT)"))
                    (text_input("cc_seats", "Sièges au conseil communautaire", &f.cc_seats, "municipales, communes de 1 000 habitants et plus : d'après l'arrêté préfectoral ; vide sinon"))
                }
                fieldset {
                    legend { "Commune ou territoire" }
                    (text_input("commune_code", "Code INSEE (ou code du territoire)", &f.commune_code, "13004 ; pour plusieurs communes, un code comme EPCI-BMO"))
                    (text_input("commune_name", "Nom", &f.commune_name, ""))
                    (text_input("population", "Population légale", &f.population, "population municipale authentifiée par l'INSEE ; vide si inconnue"))
                }
                fieldset {
                    legend { "Fichiers" }
                    p { label for="bureaux" { "Bureaux de vote (code, nom, adresse, inscrits, canton, quartier… ; code commune et commune pour un territoire de plusieurs communes)" } br;
                        input id="bureaux" name="bureaux" type="file" accept=".csv,text/csv,.xlsx,.ods,.xls"; }
                    p { label for="candidates" { "Candidats ou listes (n° panneau, nom, prénom, sexe, nuance, couleur)" } br;
                        input id="candidates" name="candidates" type="file" accept=".csv,text/csv,.xlsx,.ods,.xls"; }
                    p { label for="roll" { "Liste électorale (facultative : une ligne par électeur, ou bureau et inscrits)" } br;
                        input id="roll" name="roll" type="file" accept=".csv,text/csv,.xlsx,.ods,.xls"; }
                }
                p { button type="submit" { "Vérifier et importer" } }
            }
            (contours_section(p, c))
        },
    )
}

/// `GET /desk/import`.
pub async fn form(State(state): State<AppState>, Extension(p): Extension<Principal>) -> Response {
    page(&p, &Fields::default(), &[], &ContoursForm::of(&state)).into_response()
}

fn problems_of(what: &str, errors: FormatErrors) -> Problems {
    Problems {
        what: what.to_string(),
        lines: errors.0.iter().map(ToString::to_string).collect(),
    }
}

/// What was uploaded.
#[derive(Default)]
struct Upload {
    fields: Fields,
    bureaux: Option<(String, Vec<u8>)>,
    candidates: Option<(String, Vec<u8>)>,
    roll: Option<(String, Vec<u8>)>,
}

async fn read_upload(mut multipart: Multipart) -> Result<Upload, String> {
    let mut u = Upload::default();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return Err(format!("envoi illisible : {e}")),
        };
        let name = field.name().unwrap_or_default().to_string();
        let file_name = field
            .file_name()
            .map(str::to_string)
            .filter(|n| !n.is_empty());
        let bytes = field
            .bytes()
            .await
            .map_err(|e| format!("envoi illisible ({name}) : {e}"))?;
        let text = || String::from_utf8_lossy(&bytes).trim().to_string();
        let file = || {
            (!bytes.is_empty()).then(|| {
                (
                    file_name.clone().unwrap_or_else(|| name.clone()),
                    bytes.to_vec(),
                )
            })
        };
        let f = &mut u.fields;
        match name.as_str() {
            "csrf" => f.csrf = text(),
            "id" => f.id = text(),
            "label" => f.label = text(),
            "kind" => f.kind = text(),
            "round" => f.round = text(),
            "date" => f.date = text(),
            "commune_code" => f.commune_code = text(),
            "commune_name" => f.commune_name = text(),
            "seats" => f.seats = text(),
            "population" => f.population = text(),
            "cc_seats" => f.cc_seats = text(),
            "bureaux" => u.bureaux = file(),
            "candidates" => u.candidates = file(),
            "roll" => u.roll = file(),
            _ => {}
        }
    }
    Ok(u)
}

/// Checks everything; the election, or every problem found.
fn check(state: &AppState, u: &Upload) -> Result<election_data::model::Election, Vec<Problems>> {
    let f = &u.fields;
    let mut form = Vec::new();
    let kind = parse_kind(&f.kind);
    if kind.is_none() {
        form.push(format!("type d'élection inconnu « {} »", f.kind));
    }
    let round = match f.round.as_str() {
        "1" => 1,
        "2" => 2,
        other => {
            form.push(format!("tour « {other} » : 1 ou 2"));
            1
        }
    };
    let mut number = |raw: &str, what: &str| -> Option<u32> {
        if raw.is_empty() {
            return None;
        }
        match raw.replace([' ', '\u{a0}', '\u{202f}'], "").parse::<u32>() {
            Ok(n) if n > 0 => Some(n),
            _ => {
                form.push(format!("{what} « {raw} » : un nombre entier positif"));
                None
            }
        }
    };
    let figures = setup::CommuneFigures {
        seats: number(&f.seats, "sièges à pourvoir"),
        population: number(&f.population, "population légale"),
        cc_seats: number(&f.cc_seats, "sièges au conseil communautaire"),
    };
    if f.commune_code.is_empty() || f.commune_name.is_empty() {
        form.push("indiquez le code et le nom de la commune".to_string());
    }
    if state.hub.get(&f.id).is_some() {
        form.push(format!("une élection « {} » existe déjà", f.id));
    }
    let mut problems = Vec::new();
    let bureaux = match &u.bureaux {
        None => {
            form.push("le fichier des bureaux de vote manque".to_string());
            None
        }
        Some((name, bytes)) => match setup::decode_bureaux(bytes, &f.commune_code) {
            Ok(b) => Some(b),
            Err(e) => {
                problems.push(problems_of(name, e));
                None
            }
        },
    };
    let candidates = match &u.candidates {
        None => {
            form.push("le fichier des candidats ou listes manque".to_string());
            None
        }
        Some((name, bytes)) => match setup::decode_candidates(bytes) {
            Ok(c) => Some(c),
            Err(e) => {
                problems.push(problems_of(name, e));
                None
            }
        },
    };
    let roll = match &u.roll {
        None => None,
        Some((name, bytes)) => match setup::decode_roll(bytes, &mut |_, _| {}) {
            Ok(r) => Some(r),
            Err(e) => {
                problems.push(problems_of(name, e));
                None
            }
        },
    };
    if !form.is_empty() {
        problems.insert(
            0,
            Problems {
                what: "Formulaire".to_string(),
                lines: form,
            },
        );
    }
    let (Some(kind), Some(bureaux), Some(candidates), true) =
        (kind, bureaux, candidates, problems.is_empty())
    else {
        return Err(problems);
    };
    let header = ElectionHeader {
        id: f.id.clone(),
        label: f.label.clone(),
        kind,
        round,
        date: f.date.clone(),
    };
    let what = u
        .roll
        .as_ref()
        .or(u.bureaux.as_ref())
        .map_or_else(String::new, |(n, _)| n.clone());
    setup::build_election_in(
        header,
        (&f.commune_code, &f.commune_name),
        None,
        figures,
        bureaux,
        roll.as_ref(),
        candidates,
    )
    .map_err(|e| vec![problems_of(&format!("Élection ({what})"), e)])
}

/// `POST /desk/import`.
pub async fn submit(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    multipart: Multipart,
) -> Response {
    let upload = match read_upload(multipart).await {
        Ok(u) => u,
        Err(m) => {
            let pb = Problems {
                what: "Envoi".to_string(),
                lines: vec![m],
            };
            let c = ContoursForm::of(&state);
            return (
                StatusCode::BAD_REQUEST,
                page(&p, &Fields::default(), &[pb], &c),
            )
                .into_response();
        }
    };
    if let Err(e) = p.check_csrf(Some(&upload.fields.csrf)) {
        return super::ui::error_page(&p, &e);
    }
    let election = match check(&state, &upload) {
        Ok(e) => e,
        Err(problems) => {
            return (
                StatusCode::UNPROCESSABLE_ENTITY,
                page(&p, &upload.fields, &problems, &ContoursForm::of(&state)),
            )
                .into_response();
        }
    };
    if let Err(e) = state.store.create_election(&election, &p.name).await {
        return ApiError::from(e).into_response();
    }
    let id = election.id.clone();
    crate::state::watch_embargo(state.hub.insert(LiveElection::new(election)));
    tracing::info!(election = %id, by = %p.name, "election imported from the desk form");
    Redirect::to(&format!("/desk/elections/{id}")).into_response()
}

/// `POST /desk/import/contours`: an election and its GeoJSON file.
pub async fn contours_submit(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    mut multipart: Multipart,
) -> Response {
    let mut c = ContoursForm::of(&state);
    let (mut csrf, mut file) = (String::new(), None::<Vec<u8>>);
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                c.problems.push(upload_problem(&e));
                return (
                    StatusCode::BAD_REQUEST,
                    page(&p, &Fields::default(), &[], &c),
                )
                    .into_response();
            }
        };
        let name = field.name().unwrap_or_default().to_string();
        let bytes = match field.bytes().await {
            Ok(b) => b,
            Err(e) => {
                c.problems.push(upload_problem(&e));
                return (
                    StatusCode::BAD_REQUEST,
                    page(&p, &Fields::default(), &[], &c),
                )
                    .into_response();
            }
        };
        match name.as_str() {
            "csrf" => csrf = String::from_utf8_lossy(&bytes).trim().to_string(),
            "election" => c.chosen = String::from_utf8_lossy(&bytes).trim().to_string(),
            "file" => file = (!bytes.is_empty()).then(|| bytes.to_vec()),
            _ => {}
        }
    }
    if let Err(e) = p.check_csrf(Some(&csrf)) {
        return super::ui::error_page(&p, &e);
    }
    let topic = state.hub.get(&c.chosen);
    let (Some(topic), Some(bytes)) = (topic, file) else {
        if state.hub.get(&c.chosen).is_none() {
            c.problems
                .push(format!("élection : « {} » inconnue", c.chosen));
        } else {
            c.problems
                .push("fichier : choisissez le fichier GeoJSON des contours".into());
        }
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            page(&p, &Fields::default(), &[], &c),
        )
            .into_response();
    };
    let election = topic.read().election.clone();
    match crate::contours::import(&state.store, &election, &bytes, &p.name).await {
        Ok((map, s)) => {
            topic.set_map(Some(map));
            c.done = Some((
                election.id.clone(),
                format!(
                    "Contours de {} bureaux enregistrés ({} objets lus, {} d'autres communes ignorés ; {} points gardés sur {}).",
                    s.bureaux, s.features, s.skipped, s.points_kept, s.points_read
                ),
            ));
            page(&p, &Fields::default(), &[], &c).into_response()
        }
        Err(crate::contours::ImportError::Invalid(errors)) => {
            c.problems = errors.iter().map(ToString::to_string).collect();
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                page(&p, &Fields::default(), &[], &c),
            )
                .into_response()
        }
        Err(crate::contours::ImportError::Store(e)) => ApiError::from(e).into_response(),
    }
}

/// An upload that could not be read: too large, or cut off.
fn upload_problem(e: &axum::extract::multipart::MultipartError) -> String {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        format!(
            "fichier : plus de {} Mo, au-delà de ce que ce formulaire accepte ; importez l'extrait de la commune",
            crate::contours::BODY_LIMIT / (1024 * 1024)
        )
    } else {
        format!("envoi illisible : {e}")
    }
}
