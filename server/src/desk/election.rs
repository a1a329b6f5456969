//! One election at the desk: every bureau with its state, version,
//! double-entry check and early trend, and the workflow buttons (validate,
//! publish, withdraw, publish or withdraw the trend of the centaines,
//! one-time code for the president).

use axum::Extension;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use election_data::bureau::{Action, differences};
use election_data::model::Election;
use election_data::tally::BureauState;
use maud::{Markup, html};
use serde::Deserialize;

use super::ui::*;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::live::BureauLive;
use crate::pages::format::{int, pct};
use crate::state::AppState;
use crate::write;

pub(super) fn entry_status(e: &Election, b: &BureauLive) -> Markup {
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

/// The trend column: the centaines entered, the one the public sees.
pub(super) fn trend_status(b: &BureauLive) -> Markup {
    let latest = b.centaines.last().map(|c| c.at);
    let public = b.public_trend().map(|c| c.at);
    html! {
        @if let Some(at) = public {
            span.ok { "tendance " (at) " publiée" }
            @if let Some(l) = latest.filter(|l| *l != at) { " — " span.warn { "centaine " (l) " saisie" } }
        } @else if let Some(at) = latest {
            @if b.published.is_none() { span.warn { "centaine " (at) " saisie" } }
        }
    }
}

/// Whether the desk may publish the bureau's trend now.
fn trend_offered(b: &BureauLive) -> bool {
    b.published.is_none()
        && b.centaines
            .last()
            .is_some_and(|c| b.public_trend().is_none_or(|t| t != c))
}

pub(super) fn action_button(
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

pub(super) async fn election(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(id): Path<String>,
) -> Response {
    let topic = match state.election(&id) {
        Ok(t) => t,
        Err(e) => return error_page(&p, &e),
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
                    th scope="col" { "Votants" } th scope="col" { "Participation" } th scope="col" { "Contrôle" } th scope="col" { "Tendance" } th scope="col" { "Actions" }
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
                            td { (trend_status(&bl)) }
                            td.actions {
                                @match bl.meta.state {
                                    BureauState::Entered => { (action_button(&e.id, &b.code, "validate", "Valider", bl.meta.version, csrf)) }
                                    BureauState::Validated => { (action_button(&e.id, &b.code, "publish", "Publier", bl.meta.version, csrf)) }
                                    BureauState::Published => { (action_button(&e.id, &b.code, "unpublish", "Retirer", bl.meta.version, csrf)) }
                                    BureauState::NotArrived => {}
                                }
                                @if trend_offered(&bl) {
                                    (action_button(&e.id, &b.code, "trend", "Publier la tendance", bl.meta.version, csrf))
                                }
                                @if bl.public_trend().is_some() {
                                    (action_button(&e.id, &b.code, "trend-withdraw", "Retirer la tendance", bl.meta.version, csrf))
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
pub(super) struct ActionForm {
    #[serde(default)]
    csrf: String,
    version: Option<i64>,
}

pub(super) async fn bureau_action(
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
        "trend" => Action::PublishTrend,
        "trend-withdraw" => Action::WithdrawTrend,
        "code" => {
            if let Err(e) = p.require_desk() {
                return error_page(&p, &e);
            }
            return match crate::write::new_access_code(&state, &p, &id, &code).await {
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
    match write::transition(&state, &p, &id, &code, action, form.version).await {
        Ok(_) => Redirect::to(&format!("/desk/elections/{id}")).into_response(),
        Err(e) => error_page(&p, &e),
    }
}
