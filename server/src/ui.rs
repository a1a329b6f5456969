//! The desk's page frame (its screens' and the modules') (head, account box, logout), its error page and
//! small shared pieces (state badge, CSRF token of the session).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use election_data::tally::BureauState;
use maud::{DOCTYPE, Markup, html};
use results_view::pages::head::{asset_url, head};

use crate::auth::{Principal, Via};
use crate::error::ApiError;

pub(crate) fn csrf_of(p: &Principal) -> &str {
    match &p.via {
        Via::Session { csrf, .. } => csrf,
        _ => "",
    }
}

pub(crate) fn layout(title: &str, p: &Principal, content: Markup) -> Markup {
    frame(title, Some(p), content)
}

/// The desk's page frame; without a principal (the login page), no account box.
pub fn frame(title: &str, p: Option<&Principal>, content: Markup) -> Markup {
    let lang = crate::lang::current();
    let w = |fr| module_engine::i18n::word(lang, fr);
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            (head(
                &format!("{title} — Urne, saisie"),
                html! { meta name="robots" content="noindex"; },
                html! {
                    link rel="stylesheet" href=(asset_url("desk.css"));
                    script src=(asset_url("desk.js")) defer {}
                },
            ))
            body.desk {
                a.skip href="#contenu" { (w("Aller au contenu")) }
                header.site {
                    a.brand href="/desk" { "Urne" }
                    span.tagline { (w("Saisie des résultats")) }
                    @if let Some(p) = p {
                        span.who {
                            (p.name) " (" (p.role.label_fr()) ")"
                            form.inline method="post" action="/logout" {
                                input type="hidden" name="csrf" value=(csrf_of(p));
                                button.link type="submit" { (w("Se déconnecter")) }
                            }
                        }
                    }
                }
                main #contenu { (content) }
            }
        }
    }
}

pub(super) fn login_redirect() -> Response {
    Redirect::to("/login").into_response()
}

pub(crate) fn error_page(p: &Principal, e: &ApiError) -> Response {
    let (status, message) = match e {
        ApiError::Forbidden(m) => (StatusCode::FORBIDDEN, m.clone()),
        ApiError::NotFound(m) => (StatusCode::NOT_FOUND, m.clone()),
        ApiError::Refused(r) => (StatusCode::CONFLICT, r.message()),
        ApiError::Conflict { message, .. } => (StatusCode::CONFLICT, message.clone()),
        ApiError::Fields(errors) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            errors
                .iter()
                .map(|e| format!("{} : {}", e.field, e.message))
                .collect::<Vec<_>>()
                .join(" ; "),
        ),
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

pub(super) fn state_badge(s: BureauState) -> Markup {
    html! { span class={ "state " (s.code()) } { (s.label_fr()) } }
}
