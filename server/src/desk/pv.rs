//! A bureau's procès-verbal form: entry and correction, centaines (with the
//! PV, or alone before it: the count is still going on), every violation
//! shown next to its field, confirmation of warnings.

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use election_data::model::{Candidate, CandidateVoix, Election, ProcesVerbal};
use election_data::validate::{Centaine, Violation};
use maud::{Markup, html};
use serde::Deserialize;

use super::ui::*;
use crate::auth::{Principal, Via};
use crate::error::ApiError;
use crate::pages::format::int;
use crate::state::AppState;
use crate::write::{self, PvInput};

#[derive(Debug, Deserialize)]
pub(super) struct FormQuery {
    entry: Option<u8>,
    ok: Option<i64>,
    /// The version the centaines alone were stored as.
    centaines: Option<i64>,
}

/// Values to show in the PV form: as typed (after a refusal) or as stored.
pub(super) struct Shown {
    pub(super) fields: BTreeMap<String, String>,
    pub(super) errors: Vec<Violation>,
    pub(super) warnings: Vec<Violation>,
    pub(super) message: Option<String>,
    /// Who staffs the bureau (openScrutin): (slot, poste, person), for the desk.
    pub(super) staff: Vec<(String, String, String)>,
}

pub(super) fn pv_fields(pv: &ProcesVerbal) -> BTreeMap<String, String> {
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

pub(super) fn field_errors<'a>(all: &'a [Violation], field: &str) -> Vec<&'a Violation> {
    all.iter().filter(|v| v.field == field).collect()
}

pub(super) fn number_input(name: &str, label: &str, shown: &Shown) -> Markup {
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

pub(super) fn render_pv_form(
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
                @if !shown.staff.is_empty() {
                    details.staff #composition {
                        summary { "Composition du bureau (openScrutin) : " (shown.staff.len()) " affectation" @if shown.staff.len() > 1 { "s" } }
                        table.mlist {
                            thead { tr { th scope="col" { "Créneau" } th scope="col" { "Poste" } th scope="col" { "Personne" } } }
                            tbody { @for (slot, poste, who) in &shown.staff { tr { td { (slot) } td { (poste) } td { (who) } } } }
                        }
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
                        @for c in ballot_of(e, code) {
                            (number_input(&format!("voix[{}]", c.number), &format!("{}. {}", c.panel_number(), c.name), shown))
                        }
                        p.live-sum data-check="exprimes" aria-live="polite" {}
                    }
                    @if entry == 1 { (centaines_section(&ballot_of(e, code), shown)) }
                    @if has_warnings_only {
                        label.confirm { input type="checkbox" name="confirm" value="true"; " Je confirme ces chiffres" }
                    }
                    // The PV's button first: the one Enter submits.
                    button type="submit" { "Enregistrer le procès-verbal" }
                    @if entry == 1 {
                        " " button.secondary type="submit" name="only" value="centaines" { "Enregistrer les centaines seules" }
                    }
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

pub(super) async fn pv_form(
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
    let topic = match state.election(&id) {
        Ok(t) => t,
        Err(e) => return error_page(&p, &e),
    };
    let staff = if p.is_desk() {
        crate::modules::scrutin::staff_of(&state, &id, &code).await
    } else {
        Vec::new()
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
            .map(|v| format!("Procès-verbal enregistré (version {v})."))
            .or(q
                .centaines
                .map(|v| format!("Centaines enregistrées (version {v})."))),
        staff,
    };
    render_pv_form(&p, &live, &code, entry, &shown, StatusCode::OK)
}

/// The centaines steps the form offers.
pub(super) const CENTAINES: [i64; 2] = [100, 200];

pub(super) fn centaine_fields(cs: &[Centaine]) -> BTreeMap<String, String> {
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
/// The ballot of the bureau coded `code`: its commune's lists when they
/// stand commune by commune (every candidate for an unknown code, which the
/// write path refuses anyway).
pub(super) fn ballot_of<'e>(e: &'e Election, code: &str) -> Vec<&'e Candidate> {
    match e.bureau(code) {
        Some(b) => e.ballot(b),
        None => e.candidates.iter().collect(),
    }
}

pub(super) fn parse_centaines(
    ballot: &[&Candidate],
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
            voix: ballot
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

pub(super) fn centaines_section(ballot: &[&Candidate], shown: &Shown) -> Markup {
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
                        @for c in ballot { th scope="col" title=(c.name) { "n° " (c.panel_number()) } }
                    } }
                    tbody {
                        @for at in CENTAINES {
                            tr {
                                th scope="row" { (at) }
                                (cell(format!("c[{at}][blancs]"), format!("blancs à {at}")))
                                (cell(format!("c[{at}][nuls]"), format!("nuls à {at}")))
                                @for c in ballot {
                                    (cell(format!("c[{at}][voix][{}]", c.number), format!("voix de {} à {at}", c.name)))
                                }
                            }
                        }
                    }
                }
            }
            @for v in errors { p.error data-rule=(v.rule.code()) { (v.message) } }
            p.hint { "Pendant le dépouillement, avant le procès-verbal : « Enregistrer les centaines seules » (sous le formulaire) n'enregistre que les centaines ; le bureau reste dans son état." }
        }
    }
}

pub(super) fn parse_count(
    fields: &BTreeMap<String, String>,
    name: &str,
    errors: &mut Vec<Violation>,
) -> i64 {
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

pub(super) async fn pv_submit(
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
    let topic = match state.election(&id) {
        Ok(t) => t,
        Err(e) => return error_page(&p, &e),
    };
    let election = topic.read().election.clone();
    let entry = fields
        .get("entry")
        .and_then(|s| s.parse().ok())
        .unwrap_or(1u8);
    let mut errors = Vec::new();
    let mut shown_fields = fields.clone();
    shown_fields.retain(|k, _| {
        k != "csrf" && k != "version" && k != "entry" && k != "confirm" && k != "only"
    });
    if entry == 1 && fields.get("only").is_some_and(|v| v == "centaines") {
        return centaines_submit(&state, &p, &id, &code, &fields, shown_fields).await;
    }
    let pv = ProcesVerbal {
        inscrits: parse_count(&fields, "inscrits", &mut errors),
        votants: parse_count(&fields, "votants", &mut errors),
        blancs: parse_count(&fields, "blancs", &mut errors),
        nuls: parse_count(&fields, "nuls", &mut errors),
        exprimes: parse_count(&fields, "exprimes", &mut errors),
        voix: ballot_of(&election, &code)
            .iter()
            .map(|c| CandidateVoix {
                candidate: c.number,
                voix: parse_count(&fields, &format!("voix[{}]", c.number), &mut errors),
            })
            .collect(),
        turnout: Vec::new(),
    };
    if !errors.is_empty() {
        let live = topic.read();
        let shown = Shown {
            fields: shown_fields,
            errors,
            warnings: Vec::new(),
            message: None,
            staff: Vec::new(),
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
    let centaines = parse_centaines(&ballot_of(&election, &code), &fields, &mut errors);
    if !errors.is_empty() {
        let live = topic.read();
        let shown = Shown {
            fields: shown_fields,
            errors,
            warnings: Vec::new(),
            message: None,
            staff: Vec::new(),
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
        centaines: Some(centaines),
    };
    match write::enter_pv(&state, &p, &id, &code, input, None).await {
        Ok(answer) => {
            let version = answer.version().unwrap_or(0);
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
                staff: Vec::new(),
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

/// The centaines alone, from the PV form's second button: stored through the
/// write path's own transition, the PV's fields left aside.
async fn centaines_submit(
    state: &AppState,
    p: &Principal,
    id: &str,
    code: &str,
    fields: &BTreeMap<String, String>,
    shown_fields: BTreeMap<String, String>,
) -> Response {
    let topic = match state.election(id) {
        Ok(t) => t,
        Err(e) => return error_page(p, &e),
    };
    let election = topic.read().election.clone();
    let mut errors = Vec::new();
    let centaines = parse_centaines(&ballot_of(&election, code), fields, &mut errors);
    let version = fields.get("version").and_then(|v| v.parse().ok());
    let refused = |errors, warnings| {
        let live = topic.read();
        let shown = Shown {
            fields: shown_fields.clone(),
            errors,
            warnings,
            message: None,
            staff: Vec::new(),
        };
        render_pv_form(p, &live, code, 1, &shown, StatusCode::UNPROCESSABLE_ENTITY)
    };
    if !errors.is_empty() {
        return refused(errors, Vec::new());
    }
    match write::enter_centaines(state, p, id, code, centaines, version, None).await {
        Ok(answer) => {
            let version = answer.version().unwrap_or(0);
            Redirect::to(&format!(
                "/desk/elections/{id}/bureaux/{code}?entry=1&centaines={version}"
            ))
            .into_response()
        }
        Err(ApiError::Violations { errors, warnings }) => refused(errors, warnings),
        Err(e) => error_page(p, &e),
    }
}
