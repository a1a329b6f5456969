//! The accounts screen (administrators): each account with its live
//! sessions (opened when, from where), and what an administrator does about
//! them — end one session or all, disable or enable the account, clear its
//! login throttle. The same actions as the JSON API's (`/api/users/…`,
//! [`crate::api::users`]); sessions are in the database, so disabling an
//! account ends its sessions on every instance at once.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use maud::{Markup, html};
use serde::Deserialize;

use super::ui::*;
use crate::api::users::{AccountAction, account_action, user_views};
use crate::auth::Principal;
use crate::error::ApiError;
use crate::state::AppState;
use results_view::time::utc_datetime as utc;

pub(super) async fn users(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
) -> Response {
    let views = match user_views(&state).await {
        Ok(v) => v,
        Err(e) => return error_page(&p, &e),
    };
    let csrf = csrf_of(&p);
    layout(
        "Comptes",
        &p,
        html! {
            h1 { "Comptes et sessions" }
            p { "Les échecs de connexion ralentissent puis refusent un compte depuis l'adresse qui échoue, jamais depuis les autres ; « Débloquer » les oublie." }
            @for u in &views {
                section.account {
                    h2 {
                        (u.username) " — "
                        (election_data::bureau::Role::parse(&u.role).map_or(u.role.as_str(), |r| r.label_fr()))
                        @if u.disabled { " " span.state.disabled { "désactivé" } }
                    }
                    p { (u.recent_failures) " échec(s) de connexion dans l'heure" }
                    div.actions {
                        @if u.disabled {
                            (button(&u.username, "enable", "Réactiver", csrf))
                        } @else {
                            (button(&u.username, "disable", "Désactiver (ferme ses sessions)", csrf))
                        }
                        " "
                        (button(&u.username, "unlock", "Débloquer", csrf))
                        @if !u.sessions.is_empty() {
                            " " (button(&u.username, "revoke", "Fermer toutes ses sessions", csrf))
                        }
                    }
                    @if u.sessions.is_empty() {
                        p { "Aucune session ouverte." }
                    } @else {
                        table.sessions {
                            thead { tr { th { "Ouverte (UTC)" } th { "Depuis" } th { "Expire (UTC)" } th {} } }
                            tbody {
                                @for s in &u.sessions {
                                    tr {
                                        td { (utc(s.created_at)) }
                                        td { (s.client_addr.as_deref().unwrap_or("inconnue")) }
                                        td { (utc(s.expires_at)) }
                                        td {
                                            form.inline method="post" action={ "/desk/users/" (segment(&u.username)) "/sessions/" (s.id) "/revoke" } {
                                                input type="hidden" name="csrf" value=(csrf);
                                                button type="submit" { "Fermer" }
                                            }
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

/// A user name as one path segment (names may hold `/`, `?`, spaces…).
fn segment(name: &str) -> String {
    name.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn button(username: &str, action: &str, label: &str, csrf: &str) -> Markup {
    html! {
        form.inline method="post" action={ "/desk/users/" (segment(username)) "/" (action) } {
            input type="hidden" name="csrf" value=(csrf);
            button type="submit" { (label) }
        }
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// The route's guard let an administrator in; the form must carry the
/// session's CSRF token.
fn allowed(p: &Principal, form: &CsrfForm) -> Result<(), ApiError> {
    p.check_csrf(Some(&form.csrf))
}

pub(super) async fn user_action(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path((username, action)): Path<(String, String)>,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Err(e) = allowed(&p, &form) {
        return error_page(&p, &e);
    }
    let done = match action.as_str() {
        "disable" => account_action(&state, &p.name, &username, AccountAction::Disable).await,
        "enable" => account_action(&state, &p.name, &username, AccountAction::Enable).await,
        "unlock" => account_action(&state, &p.name, &username, AccountAction::Unlock).await,
        "revoke" => state
            .store
            .revoke_sessions(&username, None, None, &p.name)
            .await
            .map(|_| true)
            .map_err(ApiError::from),
        _ => return error_page(&p, &ApiError::not_found("action inconnue")),
    };
    match done {
        Ok(true) => Redirect::to("/desk/users").into_response(),
        Ok(false) => error_page(
            &p,
            &ApiError::not_found(format!("aucun compte nommé {username:?}")),
        ),
        Err(e) => error_page(&p, &e),
    }
}

pub(super) async fn session_revoke(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path((username, id)): Path<(String, String)>,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Err(e) = allowed(&p, &form) {
        return error_page(&p, &e);
    }
    match state
        .store
        .revoke_sessions(&username, Some(&id), None, &p.name)
        .await
    {
        Ok(_) => Redirect::to("/desk/users").into_response(),
        Err(e) => error_page(&p, &ApiError::from(e)),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_name_is_one_segment() {
        assert_eq!(super::segment("alice"), "alice");
        assert_eq!(super::segment("a/b c?é"), "a%2Fb%20c%3F%C3%A9");
    }
}
