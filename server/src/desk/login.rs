//! The login screen (`/login`): password accounts and presidents' one-time
//! codes, and logging out. The forms carry a CSRF token of their own
//! (double-submit: a cookie and a hidden field that must match), so another
//! site cannot log a user into an account of its choosing. Credentials are
//! checked by [`crate::auth::login`], which the JSON API shares.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use maud::html;
use serde::Deserialize;

use crate::auth::login::{LoginError, login_with_code, login_with_password, session_cookie};
use crate::auth::{AuthState, ClientIp, Principal, Via, constant_time_eq, random_token};
use crate::error::ApiError;

const LOGIN_CSRF_COOKIE: &str = "urne_login_csrf";

#[derive(Debug, Deserialize)]
pub struct PasswordLogin {
    pub username: String,
    pub password: String,
    #[serde(default)]
    pub csrf: String,
}

#[derive(Debug, Deserialize)]
pub struct CodeLogin {
    pub code: String,
    #[serde(default)]
    pub csrf: String,
}

pub(super) fn login_page(error: Option<&str>, status: StatusCode) -> Response {
    let csrf = random_token();
    let body = super::ui::frame(
        "Connexion",
        None,
        html! {
            h1 { "Connexion" }
            @if let Some(e) = error {
                p.form-error role="alert" { (e) }
            }
            div.grid {
                form.card method="post" action="/login" {
                    h2 { "Bureau centralisateur" }
                    input type="hidden" name="csrf" value=(csrf);
                    label for="username" { "Identifiant" }
                    input #username name="username" autocomplete="username" required;
                    label for="password" { "Mot de passe" }
                    input #password name="password" type="password" autocomplete="current-password" required;
                    button type="submit" { "Se connecter" }
                }
                form.card method="post" action="/login/code" {
                    h2 { "Président de bureau" }
                    input type="hidden" name="csrf" value=(csrf);
                    label for="code" { "Code à usage unique remis par le bureau centralisateur" }
                    input #code name="code" autocomplete="one-time-code" inputmode="text" required;
                    button type="submit" { "Entrer" }
                }
            }
        },
    );
    let cookie = HeaderValue::from_str(&format!(
        "{LOGIN_CSRF_COOKIE}={csrf}; Path=/login; HttpOnly; Secure; SameSite=Strict; Max-Age=3600"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""));
    (status, [(header::SET_COOKIE, cookie)], body).into_response()
}

pub async fn login_form() -> Response {
    login_page(None, StatusCode::OK)
}

pub(super) fn login_csrf_ok(headers: &HeaderMap, given: &str) -> bool {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .any(|(k, v)| {
            k == LOGIN_CSRF_COOKIE
                && !given.is_empty()
                && constant_time_eq(v.as_bytes(), given.as_bytes())
        })
}

pub(super) fn form_failure(e: LoginError) -> Response {
    if let LoginError::Internal(err) = e {
        return err.into_response();
    }
    login_page(Some(e.message()), e.status())
}

pub async fn login_submit(
    State(state): State<AuthState>,
    ClientIp(addr): ClientIp,
    headers: HeaderMap,
    Form(form): Form<PasswordLogin>,
) -> Response {
    if !login_csrf_ok(&headers, &form.csrf) {
        return login_page(Some("formulaire expiré : réessayez"), StatusCode::FORBIDDEN);
    }
    match login_with_password(&state, &form.username, &form.password, addr).await {
        Ok(o) => ([(header::SET_COOKIE, o.cookie)], Redirect::to("/desk")).into_response(),
        Err(e) => form_failure(e),
    }
}

pub async fn code_submit(
    State(state): State<AuthState>,
    ClientIp(addr): ClientIp,
    headers: HeaderMap,
    Form(form): Form<CodeLogin>,
) -> Response {
    if !login_csrf_ok(&headers, &form.csrf) {
        return login_page(Some("formulaire expiré : réessayez"), StatusCode::FORBIDDEN);
    }
    match login_with_code(&state, &form.code, addr).await {
        Ok(o) => {
            let election = o.election.unwrap_or_default();
            let bureau = o.bureaux.first().cloned().unwrap_or_default();
            (
                [(header::SET_COOKIE, o.cookie)],
                Redirect::to(&format!("/desk/elections/{election}/bureaux/{bureau}")),
            )
                .into_response()
        }
        Err(e) => form_failure(e),
    }
}

#[derive(Debug, Deserialize)]
pub struct LogoutForm {
    #[serde(default)]
    pub csrf: String,
}

pub async fn logout(
    State(state): State<AuthState>,
    principal: Principal,
    Form(form): Form<LogoutForm>,
) -> Response {
    if let Via::Session { token_hash, .. } = &principal.via {
        if let Err(e) = principal.check_csrf(Some(&form.csrf)) {
            return e.into_response();
        }
        if let Err(e) = state.store.delete_session(token_hash).await {
            return ApiError::from(e).into_response();
        }
    }
    (
        [(header::SET_COOKIE, session_cookie("", 0))],
        Redirect::to("/"),
    )
        .into_response()
}
