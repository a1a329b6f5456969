//! The desk's and the bureau presidents' HTML forms.
//!
//! Everything here works without JavaScript: the server validates every
//! submission (through the same [`actions`] as the JSON API) and redisplays
//! the form with each violation next to its field. `web/desk.js` only adds
//! live sums while typing. Every form carries the session's CSRF token.
//! Presidents see and enter only their own bureaux, until the desk validates.

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::Form;
use election_data::model::{CandidateVoix, Election, ProcesVerbal, TurnoutReading};
use election_data::tally::BureauState;
use election_data::validate::{Centaine, Violation};
use election_data::workflow::{Action, differences};
use maud::{DOCTYPE, Markup, html};
use serde::Deserialize;

use crate::assets;
use crate::auth::{Principal, Via};
use crate::error::ApiError;
use crate::ingest::actions::{self, PvInput};
use crate::live::BureauLive;
use crate::pages::format::{date, int, pct};
use crate::state::AppState;

pub mod import;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/desk", get(home))
        .route(
            "/desk/import",
            get(import::form)
                .post(import::submit)
                .layer(axum::extract::DefaultBodyLimit::max(import::BODY_LIMIT)),
        )
        .route("/desk/audit", get(audit))
        .route("/desk/elections/{id}", get(election))
        .route(
            "/desk/elections/{id}/participation",
            get(participation).post(participation_submit),
        )
        .route(
            "/desk/elections/{id}/bureaux/{code}",
            get(pv_form).post(pv_submit),
        )
        .route(
            "/desk/elections/{id}/bureaux/{code}/{action}",
            post(bureau_action),
        )
}

fn csrf_of(p: &Principal) -> &str {
    match &p.via {
        Via::Session { csrf, .. } => csrf,
        _ => "",
    }
}

fn layout(title: &str, p: &Principal, content: Markup) -> Markup {
    frame(title, Some(p), content)
}

/// The desk's page frame; without a principal (the login page), no account box.
pub fn frame(title: &str, p: Option<&Principal>, content: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="fr" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="robots" content="noindex";
                title { (title) " — Urne, saisie" }
                link rel="stylesheet" href={ "/assets/urne.css?v=" (assets::version("urne.css")) };
                link rel="stylesheet" href={ "/assets/desk.css?v=" (assets::version("desk.css")) };
                script src={ "/assets/desk.js?v=" (assets::version("desk.js")) } defer {}
            }
            body.desk {
                a.skip href="#contenu" { "Aller au contenu" }
                header.site {
                    a.brand href="/desk" { "Urne" }
                    span.tagline { "Saisie des résultats" }
                    @if let Some(p) = p {
                        span.who {
                            (p.name) " (" (p.role.label_fr()) ")"
                            form.inline method="post" action="/logout" {
                                input type="hidden" name="csrf" value=(csrf_of(p));
                                button.link type="submit" { "Se déconnecter" }
                            }
                        }
                    }
                }
                main #contenu { (content) }
            }
        }
    }
}

fn login_redirect() -> Response {
    Redirect::to("/login").into_response()
}

fn error_page(p: &Principal, e: &ApiError) -> Response {
    let (status, message) = match e {
        ApiError::Forbidden(m) => (StatusCode::FORBIDDEN, m.clone()),
        ApiError::NotFound(m) => (StatusCode::NOT_FOUND, m.clone()),
        ApiError::Refused(r) => (StatusCode::CONFLICT, r.message()),
        ApiError::Conflict { message, .. } => (StatusCode::CONFLICT, message.clone()),
        ApiError::Unauthorized => return login_redirect(),
        ApiError::BadRequest {
            status, message, ..
        } => (*status, message.clone()),
        other => return ApiError::Internal(anyhow::anyhow!("{other}")).into_response(),
    };
    (
        status,
        layout(
            "Action refusée",
            p,
            html! {
                h1 { "Action refusée" }
                p.form-error role="alert" { (message) }
                p { a href="/desk" { "Retour" } }
            },
        ),
    )
        .into_response()
}

fn state_badge(s: BureauState) -> Markup {
    html! { span class={ "state " (s.code()) } { (s.label_fr()) } }
}

async fn home(State(state): State<AppState>, p: Principal) -> Response {
    if p.via == Via::Anonymous {
        return login_redirect();
    }
    let topics = state.hub.list();
    layout(
        "Tableau de bord",
        &p,
        html! {
            h1 { "Saisie des résultats" }
            @if p.role == election_data::workflow::Role::Admin {
                p { a href="/desk/import" { "Préparer une élection à partir de fichiers (bureaux, liste électorale, candidats)" } }
            }
            @for t in &topics {
                @let live = t.read();
                @let e = &live.election;
                @if p.election.as_deref().is_none_or(|x| x == e.id) {
                    section {
                        h2 { (e.label) " — " (date(&e.date)) }
                        @if p.is_desk() {
                            p {
                                a href={ "/desk/elections/" (e.id) } { "Suivi des bureaux" } " · "
                                a href={ "/desk/elections/" (e.id) "/participation" } { "Participation (grille)" } " · "
                                a href={ "/desk/audit?election=" (e.id) } { "Journal d'audit" } " · "
                                a href={ "/elections/" (e.id) } { "Page publique" }
                            }
                        } @else {
                            ul {
                                @for code in &p.bureaux {
                                    @if let Some(b) = e.bureau(code) {
                                        li {
                                            a href={ "/desk/elections/" (e.id) "/bureaux/" (b.code) } { (b.name) }
                                            " — " (state_badge(live.meta(code).state))
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
    .into_response()
}

fn entry_status(e: &Election, b: &BureauLive) -> Markup {
    if !e.double_entry {
        return html! {};
    }
    match (&b.record.pv, &b.second) {
        (Some(a), Some(s)) => {
            let d = differences(a, s);
            if d.is_empty() {
                html! { span.ok { "2 saisies concordantes" } }
            } else {
                html! { span.bad { "saisies différentes : " (d.join(", ")) } }
            }
        }
        (Some(_), None) => html! { span.warn { "2e saisie manquante" } },
        _ => html! {},
    }
}

fn action_button(
    e: &str,
    code: &str,
    action: &str,
    label: &str,
    version: i64,
    csrf: &str,
) -> Markup {
    html! {
        form.inline method="post" action={ "/desk/elections/" (e) "/bureaux/" (code) "/" (action) } {
            input type="hidden" name="csrf" value=(csrf);
            input type="hidden" name="version" value=(version);
            button type="submit" { (label) }
        }
    }
}

async fn election(State(state): State<AppState>, p: Principal, Path(id): Path<String>) -> Response {
    if let Err(e) = p.require_desk() {
        return error_page(&p, &e);
    }
    let Some(topic) = state.hub.get(&id) else {
        return error_page(
            &p,
            &ApiError::not_found(format!("élection inconnue : {id}")),
        );
    };
    let live = topic.read();
    let e = &live.election;
    let csrf = csrf_of(&p);
    let root = live.root_tally();
    layout(
        &e.label,
        &p,
        html! {
            h1 { (e.label) }
            p {
                @if let Some(t) = root { (t.arrived) " bureaux saisis sur " (t.total) }
                @if let Some(t) = live.public_root_tally() { " — " (t.arrived) " publiés" }
                @if e.double_entry { " — double saisie exigée" }
                @if let Some(emb) = &e.embargo { " — embargo jusqu'à " (emb) }
            }
            p { a href={ "/desk/elections/" (e.id) "/participation" } { "Participation (grille)" } " · " a href={ "/desk/audit?election=" (e.id) } { "Journal d'audit" } }
            table.desk-table {
                thead { tr {
                    th scope="col" { "Bureau" } th scope="col" { "État" } th scope="col" { "Version" }
                    th scope="col" { "Votants" } th scope="col" { "Participation" } th scope="col" { "Contrôle" } th scope="col" { "Actions" }
                } }
                tbody {
                    @for b in &e.bureaux {
                        @let bl = live.bureau(&b.code);
                        @let t = live.results.bureaux.get(&b.code);
                        tr {
                            th scope="row" { a href={ "/desk/elections/" (e.id) "/bureaux/" (b.code) } { (b.code) " — " (b.name) } }
                            td { (state_badge(bl.meta.state)) }
                            td.num { (bl.meta.version) }
                            td.num { @if let Some(pv) = &bl.record.pv { (int(pv.votants.max(0) as u64)) } }
                            td.num { @if let Some(t) = t { @if t.arrived > 0 { (pct(t.rates.participation)) } } }
                            td { (entry_status(e, &bl)) }
                            td.actions {
                                @match bl.meta.state {
                                    BureauState::Entered => { (action_button(&e.id, &b.code, "validate", "Valider", bl.meta.version, csrf)) }
                                    BureauState::Validated => { (action_button(&e.id, &b.code, "publish", "Publier", bl.meta.version, csrf)) }
                                    BureauState::Published => { (action_button(&e.id, &b.code, "unpublish", "Retirer", bl.meta.version, csrf)) }
                                    BureauState::NotArrived => {}
                                }
                                (action_button(&e.id, &b.code, "code", "Code président", bl.meta.version, csrf))
                            }
                        }
                    }
                }
            }
        },
    )
    .into_response()
}

#[derive(Debug, Deserialize)]
struct ActionForm {
    #[serde(default)]
    csrf: String,
    version: Option<i64>,
}

async fn bureau_action(
    State(state): State<AppState>,
    p: Principal,
    Path((id, code, action)): Path<(String, String, String)>,
    Form(form): Form<ActionForm>,
) -> Response {
    if let Err(e) = p
        .require_login()
        .and_then(|()| p.check_csrf(Some(&form.csrf)))
    {
        return error_page(&p, &e);
    }
    let action = match action.as_str() {
        "validate" => Action::Validate,
        "publish" => Action::Publish,
        "unpublish" => Action::Unpublish,
        "code" => {
            if let Err(e) = p.require_desk() {
                return error_page(&p, &e);
            }
            return match crate::auth::access_code::new_access_code(&state, &p, &id, &code).await {
                Ok(one_time) => layout(
                    "Code président",
                    &p,
                    html! {
                        h1 { "Code à usage unique — bureau " (code) }
                        p.code-display { (one_time) }
                        p { "À remettre au président du bureau. Valable une fois, pendant 24 heures, pour ce seul bureau : il se saisit sur la page "
                            a href="/login" { "Connexion" } "." }
                        p { a href={ "/desk/elections/" (id) } { "Retour au suivi" } }
                    },
                )
                .into_response(),
                Err(e) => error_page(&p, &e),
            };
        }
        _ => return error_page(&p, &ApiError::not_found("action inconnue")),
    };
    match actions::transition(&state, &p, &id, &code, action, form.version).await {
        Ok(_) => Redirect::to(&format!("/desk/elections/{id}")).into_response(),
        Err(e) => error_page(&p, &e),
    }
}

#[derive(Debug, Deserialize)]
struct FormQuery {
    entry: Option<u8>,
    ok: Option<i64>,
}

/// Values to show in the PV form: as typed (after a refusal) or as stored.
struct Shown {
    fields: BTreeMap<String, String>,
    errors: Vec<Violation>,
    warnings: Vec<Violation>,
    message: Option<String>,
}

fn pv_fields(pv: &ProcesVerbal) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    for (k, v) in [
        ("inscrits", pv.inscrits),
        ("votants", pv.votants),
        ("blancs", pv.blancs),
        ("nuls", pv.nuls),
        ("exprimes", pv.exprimes),
    ] {
        m.insert(k.to_string(), v.to_string());
    }
    for v in &pv.voix {
        m.insert(format!("voix[{}]", v.candidate), v.voix.to_string());
    }
    m
}

fn field_errors<'a>(all: &'a [Violation], field: &str) -> Vec<&'a Violation> {
    all.iter().filter(|v| v.field == field).collect()
}

fn number_input(name: &str, label: &str, shown: &Shown) -> Markup {
    let id = name.replace(['[', ']'], "-");
    let errs = field_errors(&shown.errors, name);
    let warns = field_errors(&shown.warnings, name);
    let described = if errs.is_empty() && warns.is_empty() {
        None
    } else {
        Some(format!("{id}-msg"))
    };
    html! {
        div.field.invalid[!errs.is_empty()] {
            label for=(id) { (label) }
            input id=(id) name=(name) type="text" inputmode="numeric" pattern="[0-9]*" autocomplete="off"
                value=(shown.fields.get(name).map(String::as_str).unwrap_or(""))
                aria-invalid=[(!errs.is_empty()).then_some("true")]
                aria-describedby=[described.as_deref()]
                data-sum=(name);
            @if described.is_some() {
                div.field-msg id=[described.as_deref()] {
                    @for v in errs { p.error data-rule=(v.rule.code()) { (v.message) } }
                    @for v in warns { p.warning data-rule=(v.rule.code()) { (v.message) } }
                }
            }
        }
    }
}

fn render_pv_form(
    p: &Principal,
    live: &crate::live::LiveElection,
    code: &str,
    entry: u8,
    shown: &Shown,
    status: StatusCode,
) -> Response {
    let e = &live.election;
    let Some(b) = e.bureau(code) else {
        return error_page(p, &ApiError::not_found(format!("bureau inconnu : {code}")));
    };
    let bl = live.bureau(code);
    let general: Vec<&Violation> = shown
        .errors
        .iter()
        .chain(&shown.warnings)
        .filter(|v| {
            !shown.fields.contains_key(&v.field)
                && !v.field.starts_with("turnout")
                && !v.field.starts_with("centaines[")
                && !v.field.starts_with("c[")
        })
        .collect();
    let has_warnings_only = shown.errors.is_empty() && !shown.warnings.is_empty();
    (
        status,
        layout(
            &format!("{} — saisie", b.name),
            p,
            html! {
                h1 { (b.name) }
                p.sub { (e.label) " — " (int(u64::from(b.inscrits))) " inscrits sur la liste — état : " (state_badge(bl.meta.state)) " — version " (bl.meta.version) }
                @if e.double_entry && p.is_desk() {
                    p { "Double saisie : "
                        a href="?entry=1" aria-current=[(entry == 1).then_some("page")] { "1re saisie" } " · "
                        a href="?entry=2" aria-current=[(entry == 2).then_some("page")] { "2e saisie" }
                    }
                }
                @if let Some(m) = &shown.message { p.form-ok role="status" { (m) } }
                @if !shown.errors.is_empty() {
                    div.form-error role="alert" {
                        p { strong { "Le procès-verbal est incohérent : rien n'a été enregistré." } " Corrigez les champs signalés." }
                        @for v in &general { p { (v.message) } }
                    }
                } @else if has_warnings_only {
                    div.form-warning role="alert" {
                        p { strong { "Chiffres inhabituels." } " Vérifiez puis cochez « Je confirme » pour enregistrer." }
                        @for v in &general { p { (v.message) } }
                    }
                }
                form.pv method="post" action={ "/desk/elections/" (e.id) "/bureaux/" (b.code) } novalidate {
                    input type="hidden" name="csrf" value=(csrf_of(p));
                    input type="hidden" name="version" value=(bl.meta.version);
                    input type="hidden" name="entry" value=(entry);
                    fieldset {
                        legend { "Émargements et bulletins" }
                        (number_input("inscrits", "Inscrits", shown))
                        (number_input("votants", "Votants (émargements)", shown))
                        (number_input("blancs", "Bulletins blancs", shown))
                        (number_input("nuls", "Bulletins nuls", shown))
                        (number_input("exprimes", "Suffrages exprimés", shown))
                        p.live-sum data-check="votants" aria-live="polite" {}
                    }
                    fieldset {
                        legend { "Voix" }
                        @for c in &e.candidates {
                            (number_input(&format!("voix[{}]", c.number), &format!("{}. {}", c.number, c.name), shown))
                        }
                        p.live-sum data-check="exprimes" aria-live="polite" {}
                    }
                    @if entry == 1 { (centaines_section(e, shown)) }
                    @if has_warnings_only {
                        label.confirm { input type="checkbox" name="confirm" value="true"; " Je confirme ces chiffres" }
                    }
                    button type="submit" { "Enregistrer le procès-verbal" }
                }
                @if !e.turnout_hours.is_empty() {
                    section {
                        h2 { "Participation en cours de journée" }
                        form.turnout method="post" action={ "/desk/elections/" (e.id) "/participation" } {
                            input type="hidden" name="csrf" value=(csrf_of(p));
                            input type="hidden" name="back" value=(b.code);
                            @for h in &e.turnout_hours {
                                @let name = format!("t[{}][{}]", b.code, h);
                                @let val = bl.record.turnout.iter().find(|t| &t.hour == h).map(|t| t.votants.to_string()).unwrap_or_default();
                                @let errs = field_errors(&shown.errors, &format!("turnout[{h}]"));
                                div.field.invalid[!errs.is_empty()] {
                                    label for=(name) { "Votants à " (h) }
                                    input id=(name) name=(name) type="text" inputmode="numeric" value=(val);
                                    @for v in errs { p.error { (v.message) } }
                                }
                            }
                            button type="submit" { "Enregistrer la participation" }
                        }
                    }
                }
                p { a href="/desk" { "Retour" } }
            },
        ),
    )
        .into_response()
}

async fn pv_form(
    State(state): State<AppState>,
    p: Principal,
    Path((id, code)): Path<(String, String)>,
    Query(q): Query<FormQuery>,
) -> Response {
    if p.via == Via::Anonymous {
        return login_redirect();
    }
    if !p.is_desk() && !p.owns(&id, &code) {
        return error_page(
            &p,
            &ApiError::Forbidden("ce bureau n'est pas le vôtre".into()),
        );
    }
    let Some(topic) = state.hub.get(&id) else {
        return error_page(
            &p,
            &ApiError::not_found(format!("élection inconnue : {id}")),
        );
    };
    let live = topic.read();
    let entry = q.entry.unwrap_or(1);
    let bl = live.bureau(&code);
    let stored = if entry == 2 {
        bl.second.as_ref()
    } else {
        bl.record.pv.as_ref()
    };
    // The second entry is typed blind: never prefilled from the first.
    let mut fields = stored.map(pv_fields).unwrap_or_default();
    if entry == 1 {
        fields.extend(centaine_fields(&bl.centaines));
    }
    let shown = Shown {
        fields,
        errors: Vec::new(),
        warnings: Vec::new(),
        message: q
            .ok
            .map(|v| format!("Procès-verbal enregistré (version {v}).")),
    };
    render_pv_form(&p, &live, &code, entry, &shown, StatusCode::OK)
}

/// The centaines steps the form offers.
const CENTAINES: [i64; 2] = [100, 200];

fn centaine_fields(cs: &[Centaine]) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    for c in cs {
        m.insert(format!("c[{}][blancs]", c.at), c.blancs.to_string());
        m.insert(format!("c[{}][nuls]", c.at), c.nuls.to_string());
        for v in &c.voix {
            m.insert(
                format!("c[{}][voix][{}]", c.at, v.candidate),
                v.voix.to_string(),
            );
        }
    }
    m
}

/// Reads the optional centaines of the form: a row left entirely blank is
/// no centaine; a blank cell in a filled row counts as 0.
fn parse_centaines(
    e: &Election,
    fields: &BTreeMap<String, String>,
    errors: &mut Vec<Violation>,
) -> Vec<Centaine> {
    let mut out = Vec::new();
    for at in CENTAINES {
        let prefix = format!("c[{at}]");
        let filled = fields
            .iter()
            .any(|(k, v)| k.starts_with(&prefix) && !v.trim().is_empty());
        if !filled {
            continue;
        }
        let mut cell = |name: String| {
            if fields.get(&name).is_none_or(|v| v.trim().is_empty()) {
                0
            } else {
                parse_count(fields, &name, errors)
            }
        };
        out.push(Centaine {
            at,
            blancs: cell(format!("{prefix}[blancs]")),
            nuls: cell(format!("{prefix}[nuls]")),
            voix: e
                .candidates
                .iter()
                .map(|c| CandidateVoix {
                    candidate: c.number,
                    voix: cell(format!("{prefix}[voix][{}]", c.number)),
                })
                .collect(),
        });
    }
    out
}

fn centaines_section(e: &Election, shown: &Shown) -> Markup {
    let errors: Vec<&Violation> = shown
        .errors
        .iter()
        .filter(|v| v.field.starts_with("centaines[") || v.field.starts_with("c["))
        .collect();
    let any = shown.fields.keys().any(|k| k.starts_with("c[")) || !errors.is_empty();
    let cell = |name: String, label: String| {
        html! {
            td { input name=(name) aria-label=(label) type="text" inputmode="numeric" size="4"
                value=(shown.fields.get(&name).map(String::as_str).unwrap_or("")); }
        }
    };
    html! {
        details.centaines open[any] {
            summary { "Centaines (facultatif)" }
            p { "Résultats après le dépouillement des 100 puis des 200 premiers bulletins : blancs + nuls + voix = 100 (puis 200)." }
            div.scroll {
                table.grid-table {
                    thead { tr {
                        th scope="col" { "Bulletins" } th scope="col" { "Blancs" } th scope="col" { "Nuls" }
                        @for c in &e.candidates { th scope="col" title=(c.name) { "n° " (c.number) } }
                    } }
                    tbody {
                        @for at in CENTAINES {
                            tr {
                                th scope="row" { (at) }
                                (cell(format!("c[{at}][blancs]"), format!("blancs à {at}")))
                                (cell(format!("c[{at}][nuls]"), format!("nuls à {at}")))
                                @for c in &e.candidates {
                                    (cell(format!("c[{at}][voix][{}]", c.number), format!("voix de {} à {at}", c.name)))
                                }
                            }
                        }
                    }
                }
            }
            @for v in errors { p.error data-rule=(v.rule.code()) { (v.message) } }
        }
    }
}

fn parse_count(fields: &BTreeMap<String, String>, name: &str, errors: &mut Vec<Violation>) -> i64 {
    let raw = fields.get(name).map(|s| s.trim()).unwrap_or("");
    let cleaned: String = raw
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{202f}' && *c != '.')
        .collect();
    match cleaned.parse::<i64>() {
        Ok(v) => v,
        Err(_) => {
            errors.push(Violation {
                field: name.to_string(),
                rule: election_data::validate::Rule::NonNegative,
                severity: election_data::validate::Severity::Error,
                message: if raw.is_empty() {
                    format!("{name} : champ obligatoire")
                } else {
                    format!("{name} : « {raw} » n'est pas un nombre entier")
                },
            });
            0
        }
    }
}

async fn pv_submit(
    State(state): State<AppState>,
    p: Principal,
    Path((id, code)): Path<(String, String)>,
    Form(raw): Form<Vec<(String, String)>>,
) -> Response {
    let fields: BTreeMap<String, String> = raw.into_iter().collect();
    if let Err(e) = p
        .require_login()
        .and_then(|()| p.check_csrf(fields.get("csrf").map(String::as_str)))
    {
        return error_page(&p, &e);
    }
    let Some(topic) = state.hub.get(&id) else {
        return error_page(
            &p,
            &ApiError::not_found(format!("élection inconnue : {id}")),
        );
    };
    let election = topic.read().election.clone();
    let entry = fields
        .get("entry")
        .and_then(|s| s.parse().ok())
        .unwrap_or(1u8);
    let mut errors = Vec::new();
    let pv = ProcesVerbal {
        inscrits: parse_count(&fields, "inscrits", &mut errors),
        votants: parse_count(&fields, "votants", &mut errors),
        blancs: parse_count(&fields, "blancs", &mut errors),
        nuls: parse_count(&fields, "nuls", &mut errors),
        exprimes: parse_count(&fields, "exprimes", &mut errors),
        voix: election
            .candidates
            .iter()
            .map(|c| CandidateVoix {
                candidate: c.number,
                voix: parse_count(&fields, &format!("voix[{}]", c.number), &mut errors),
            })
            .collect(),
        turnout: Vec::new(),
    };
    let mut shown_fields = fields.clone();
    shown_fields.retain(|k, _| k != "csrf" && k != "version" && k != "entry" && k != "confirm");
    if !errors.is_empty() {
        let live = topic.read();
        let shown = Shown {
            fields: shown_fields,
            errors,
            warnings: Vec::new(),
            message: None,
        };
        return render_pv_form(
            &p,
            &live,
            &code,
            entry,
            &shown,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    let centaines = parse_centaines(&election, &fields, &mut errors);
    if !errors.is_empty() {
        let live = topic.read();
        let shown = Shown {
            fields: shown_fields,
            errors,
            warnings: Vec::new(),
            message: None,
        };
        return render_pv_form(
            &p,
            &live,
            &code,
            entry,
            &shown,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    let input = PvInput {
        pv,
        confirm: fields.get("confirm").is_some_and(|v| v == "true"),
        version: fields.get("version").and_then(|v| v.parse().ok()),
        entry,
        centaines,
    };
    match actions::enter_pv(&state, &p, &id, &code, input, None).await {
        Ok(body) => {
            let version = serde_json::from_str::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v["version"].as_i64())
                .unwrap_or(0);
            Redirect::to(&format!(
                "/desk/elections/{id}/bureaux/{code}?entry={entry}&ok={version}"
            ))
            .into_response()
        }
        Err(ApiError::Violations { errors, warnings }) => {
            let live = topic.read();
            let shown = Shown {
                fields: shown_fields,
                errors,
                warnings,
                message: None,
            };
            render_pv_form(
                &p,
                &live,
                &code,
                entry,
                &shown,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
        Err(e) => error_page(&p, &e),
    }
}

async fn participation(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Response {
    if let Err(e) = p.require_desk() {
        return error_page(&p, &e);
    }
    let Some(topic) = state.hub.get(&id) else {
        return error_page(
            &p,
            &ApiError::not_found(format!("élection inconnue : {id}")),
        );
    };
    let live = topic.read();
    participation_page(&p, &live, &BTreeMap::new(), StatusCode::OK)
}

fn participation_page(
    p: &Principal,
    live: &crate::live::LiveElection,
    errors: &BTreeMap<String, String>,
    status: StatusCode,
) -> Response {
    let e = &live.election;
    (
        status,
        layout(
            "Participation",
            p,
            html! {
                h1 { "Participation — " (e.label) }
                @if !errors.is_empty() {
                    div.form-error role="alert" { p { "Certaines valeurs sont refusées ; les autres bureaux sont enregistrés." } }
                }
                form method="post" action={ "/desk/elections/" (e.id) "/participation" } {
                    input type="hidden" name="csrf" value=(csrf_of(p));
                    table.grid-table {
                        thead { tr {
                            th scope="col" { "Bureau" }
                            th scope="col" { "Inscrits" }
                            @for h in &e.turnout_hours { th scope="col" { (h) } }
                        } }
                        tbody {
                            @for b in &e.bureaux {
                                @let bl = live.bureau(&b.code);
                                tr {
                                    th scope="row" { (b.code) " — " (b.name) }
                                    td.num { (int(u64::from(b.inscrits))) }
                                    @for h in &e.turnout_hours {
                                        @let name = format!("t[{}][{}]", b.code, h);
                                        @let val = bl.record.turnout.iter().find(|t| &t.hour == h).map(|t| t.votants.to_string()).unwrap_or_default();
                                        td.invalid[errors.contains_key(&name)] {
                                            input name=(name) aria-label={ (b.name) " à " (h) } type="text" inputmode="numeric" size="6" value=(val);
                                            @if let Some(m) = errors.get(&name) { p.error { (m) } }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    button type="submit" { "Enregistrer" }
                }
            },
        ),
    )
        .into_response()
}

async fn participation_submit(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    Form(raw): Form<Vec<(String, String)>>,
) -> Response {
    let fields: BTreeMap<String, String> = raw.into_iter().collect();
    if let Err(e) = p
        .require_login()
        .and_then(|()| p.check_csrf(fields.get("csrf").map(String::as_str)))
    {
        return error_page(&p, &e);
    }
    let Some(topic) = state.hub.get(&id) else {
        return error_page(
            &p,
            &ApiError::not_found(format!("élection inconnue : {id}")),
        );
    };
    // t[BUREAU][HH:MM] = votants; only changed values are written.
    let mut by_bureau: BTreeMap<String, Vec<TurnoutReading>> = BTreeMap::new();
    let mut errors = BTreeMap::new();
    for (k, v) in &fields {
        let Some(rest) = k.strip_prefix("t[") else {
            continue;
        };
        let Some((code, hour)) = rest.strip_suffix(']').and_then(|r| r.split_once("][")) else {
            continue;
        };
        let v = v.trim();
        if v.is_empty() {
            continue;
        }
        let known = topic
            .read()
            .bureau(code)
            .record
            .turnout
            .iter()
            .find(|t| t.hour == hour)
            .map(|t| t.votants);
        match v.parse::<i64>() {
            Ok(n) if Some(n) == known => {}
            Ok(n) => by_bureau
                .entry(code.to_string())
                .or_default()
                .push(TurnoutReading {
                    hour: hour.to_string(),
                    votants: n,
                }),
            Err(_) => {
                errors.insert(k.clone(), format!("« {v} » n'est pas un nombre entier"));
            }
        }
    }
    for (code, readings) in by_bureau {
        if let Err(e) =
            actions::enter_turnout(&state, &p, &id, &code, readings.clone(), None, None).await
        {
            let message = match &e {
                ApiError::Violations { errors, .. } => errors
                    .iter()
                    .map(|v| v.message.clone())
                    .collect::<Vec<_>>()
                    .join(" ; "),
                ApiError::Forbidden(m) => m.clone(),
                ApiError::Refused(r) => r.message(),
                other => other.to_string(),
            };
            for r in readings {
                errors.insert(format!("t[{code}][{}]", r.hour), message.clone());
            }
        }
    }
    if let Some(back) = fields.get("back") {
        if errors.is_empty() {
            return Redirect::to(&format!("/desk/elections/{id}/bureaux/{back}")).into_response();
        }
        let live = topic.read();
        let shown = Shown {
            fields: live
                .bureau(back)
                .record
                .pv
                .as_ref()
                .map(pv_fields)
                .unwrap_or_default(),
            errors: errors
                .iter()
                .map(|(k, m)| Violation {
                    field: format!(
                        "turnout[{}]",
                        k.rsplit('[').next().unwrap_or("").trim_end_matches(']')
                    ),
                    rule: election_data::validate::Rule::TurnoutAtMostInscrits,
                    severity: election_data::validate::Severity::Error,
                    message: m.clone(),
                })
                .collect(),
            warnings: Vec::new(),
            message: None,
        };
        return render_pv_form(&p, &live, back, 1, &shown, StatusCode::UNPROCESSABLE_ENTITY);
    }
    if errors.is_empty() {
        return Redirect::to(&format!("/desk/elections/{id}/participation")).into_response();
    }
    let live = topic.read();
    participation_page(&p, &live, &errors, StatusCode::UNPROCESSABLE_ENTITY)
}

#[derive(Debug, Deserialize)]
struct AuditQuery {
    election: Option<String>,
}

async fn audit(
    State(state): State<AppState>,
    p: Principal,
    Query(q): Query<AuditQuery>,
) -> Response {
    if let Err(e) = p.require_desk() {
        return error_page(&p, &e);
    }
    let rows = match state.store.audit_rows(q.election.as_deref(), 500).await {
        Ok(r) => r,
        Err(e) => return error_page(&p, &ApiError::from(e)),
    };
    let report = state.store.verify_audit().await.ok();
    layout(
        "Journal d'audit",
        &p,
        html! {
            h1 { "Journal d'audit" }
            @if let Some(r) = report {
                @if r.is_intact() {
                    p.form-ok { "Chaîne d'empreintes intacte (" (r.rows) " lignes)." }
                } @else {
                    div.form-error role="alert" { p { "Journal altéré :" } @for pb in &r.problems { p { (pb) } } }
                }
            }
            table.audit {
                thead { tr { th { "N°" } th { "Quand (UTC)" } th { "Qui" } th { "Quoi" } th { "Bureau" } th { "Avant" } th { "Après" } } }
                tbody {
                    @for r in &rows {
                        tr {
                            td.num { (r.n) }
                            td { (utc(r.at)) }
                            td { (r.actor) }
                            td { (r.action) }
                            td { (r.bureau_code.as_deref().unwrap_or("")) }
                            td { details { summary { "voir" } pre { (r.old_value.as_deref().unwrap_or("")) } } }
                            td { details { summary { "voir" } pre { (r.new_value.as_deref().unwrap_or("")) } } }
                        }
                    }
                }
            }
        },
    )
    .into_response()
}

/// `YYYY-MM-DD HH:MM:SS` (UTC) from milliseconds since the epoch.
fn utc(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn formats_utc() {
        assert_eq!(super::utc(0), "1970-01-01 00:00:00");
        assert_eq!(super::utc(1_807_466_400_000), "2027-04-11 18:00:00");
    }
}
