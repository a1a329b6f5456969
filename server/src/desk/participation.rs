//! The participation grid: turnout at each set hour, every bureau.

use std::collections::BTreeMap;

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use election_data::model::TurnoutReading;
use election_data::validate::Violation;
use maud::html;

use super::pv::{Shown, pv_fields, render_pv_form};
use super::ui::*;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::pages::format::int;
use crate::state::AppState;
use crate::write;

pub(super) async fn participation(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(id): Path<String>,
) -> Response {
    let topic = match state.election(&id) {
        Ok(t) => t,
        Err(e) => return error_page(&p, &e),
    };
    let live = topic.read();
    participation_page(&p, &live, &BTreeMap::new(), StatusCode::OK)
}

pub(super) fn participation_page(
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

pub(super) async fn participation_submit(
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
    let topic = match state.election(&id) {
        Ok(t) => t,
        Err(e) => return error_page(&p, &e),
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
            write::enter_turnout(&state, &p, &id, &code, readings.clone(), None, None).await
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
            staff: Vec::new(),
        };
        return render_pv_form(&p, &live, back, 1, &shown, StatusCode::UNPROCESSABLE_ENTITY);
    }
    if errors.is_empty() {
        return Redirect::to(&format!("/desk/elections/{id}/participation")).into_response();
    }
    let live = topic.read();
    participation_page(&p, &live, &errors, StatusCode::UNPROCESSABLE_ENTITY)
}
