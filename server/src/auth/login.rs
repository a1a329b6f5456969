//! Logging in and out: password accounts, and one-time codes for bureau
//! presidents (printed by the desk, valid once, for one bureau).
//!
//! Both the HTML forms (`/login`) and the JSON API (`/api/login`, in
//! [`crate::api::users`]) end in
//! [`open_session`]: a random token in the session cookie, its hash and a
//! fresh CSRF token in the store. The login forms themselves carry a CSRF
//! token too (double-submit: a cookie and a hidden field that must match), so
//! another site cannot log a user into an account of its choosing.

use std::net::{IpAddr, SocketAddr};

use axum::Extension;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use election_data::workflow::Role;
use maud::html;
use serde::Deserialize;

use super::{
    Principal, SESSION_COOKIE, SESSION_HOURS, Via, constant_time_eq, random_token, sha256_hex,
    verify_password,
};
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::accounts::Session;
use crate::store::now_millis;

const LOGIN_CSRF_COOKIE: &str = "urne_login_csrf";

/// The peer's address, for throttling; absent when the server was not
/// started by [`crate::serve`] (a test's router, the kiosk): then the
/// throttle counts by account only, and the login still answers.
pub fn peer(info: Option<Extension<ConnectInfo<SocketAddr>>>) -> Option<IpAddr> {
    info.map(|Extension(ConnectInfo(addr))| addr.ip())
}

fn session_cookie(token: &str, max_age_secs: i64) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age={max_age_secs}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("urne_session=; Path=/; Max-Age=0"))
}

/// Opens a session; returns its cookie header and CSRF token.
pub async fn open_session(
    state: &AppState,
    username: &str,
    role: Role,
    bureaux: Vec<String>,
    election: Option<String>,
) -> Result<(HeaderValue, String), ApiError> {
    let token = random_token();
    let csrf = random_token();
    let session = Session {
        username: username.to_string(),
        role: role.code().to_string(),
        election_id: election,
        bureaux,
        csrf: csrf.clone(),
        expires_at: now_millis() + SESSION_HOURS * 3_600_000,
    };
    state
        .store
        .create_session(&sha256_hex(token.as_bytes()), &session)
        .await?;
    Ok((session_cookie(&token, SESSION_HOURS * 3600), csrf))
}

/// Why a login failed; the message never says which of name or password was wrong.
#[derive(Debug)]
pub enum LoginError {
    Invalid,
    Throttled,
    Internal(ApiError),
}

impl From<ApiError> for LoginError {
    fn from(e: ApiError) -> Self {
        LoginError::Internal(e)
    }
}

impl LoginError {
    pub fn message(&self) -> &'static str {
        match self {
            LoginError::Invalid => "identifiant ou mot de passe incorrect",
            LoginError::Throttled => {
                "trop de tentatives échouées pour ce compte : réessayez dans une heure"
            }
            LoginError::Internal(_) => "erreur interne",
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            LoginError::Invalid => StatusCode::UNAUTHORIZED,
            LoginError::Throttled => StatusCode::TOO_MANY_REQUESTS,
            LoginError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// Checks a password login, with throttling. Returns the account's role and bureaux.
pub async fn check_password(
    state: &AppState,
    username: &str,
    password: &str,
    addr: Option<IpAddr>,
) -> Result<(Role, Vec<String>), LoginError> {
    let delay = state.throttle.delay_for(addr);
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    if state.throttle.account_locked(username) {
        return Err(LoginError::Throttled);
    }
    let user = state.store.user(username).await.map_err(ApiError::from)?;
    // Verify against a dummy hash for unknown accounts: same cost, no enumeration.
    let hash = user
        .as_ref()
        .map_or_else(|| state.dummy_hash.clone(), |u| u.password_hash.clone());
    let password = password.to_string();
    let ok = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .map_err(|e| ApiError::Internal(e.into()))?;
    match user {
        Some(u) if ok => {
            state.throttle.record_success(addr);
            let role = Role::parse(&u.role).unwrap_or(Role::Public);
            Ok((role, u.bureaux))
        }
        _ => {
            state.throttle.record_failure(username, addr);
            Err(LoginError::Invalid)
        }
    }
}

/// Consumes a president's one-time code.
pub async fn check_code(
    state: &AppState,
    code: &str,
    addr: Option<IpAddr>,
) -> Result<(String, String), LoginError> {
    let delay = state.throttle.delay_for(addr);
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let normalized: String = code
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_uppercase();
    match state
        .store
        .use_access_code(&sha256_hex(normalized.as_bytes()))
        .await
        .map_err(ApiError::from)?
    {
        Some(found) => {
            state.throttle.record_success(addr);
            Ok(found)
        }
        None => {
            state.throttle.record_failure("code", addr);
            Err(LoginError::Invalid)
        }
    }
}

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

fn login_page(error: Option<&str>, status: StatusCode) -> Response {
    let csrf = random_token();
    let body = crate::desk::frame(
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

fn login_csrf_ok(headers: &HeaderMap, given: &str) -> bool {
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

fn form_failure(e: LoginError) -> Response {
    if let LoginError::Internal(err) = e {
        return err.into_response();
    }
    login_page(Some(e.message()), e.status())
}

pub async fn login_submit(
    State(state): State<AppState>,
    info: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    Form(form): Form<PasswordLogin>,
) -> Response {
    if !login_csrf_ok(&headers, &form.csrf) {
        return login_page(Some("formulaire expiré : réessayez"), StatusCode::FORBIDDEN);
    }
    let addr = peer(info);
    match check_password(&state, &form.username, &form.password, addr).await {
        Ok((role, bureaux)) => {
            match open_session(&state, &form.username, role, bureaux, None).await {
                Ok((cookie, _)) => {
                    ([(header::SET_COOKIE, cookie)], Redirect::to("/desk")).into_response()
                }
                Err(e) => e.into_response(),
            }
        }
        Err(e) => form_failure(e),
    }
}

pub async fn code_submit(
    State(state): State<AppState>,
    info: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    Form(form): Form<CodeLogin>,
) -> Response {
    if !login_csrf_ok(&headers, &form.csrf) {
        return login_page(Some("formulaire expiré : réessayez"), StatusCode::FORBIDDEN);
    }
    let addr = peer(info);
    match check_code(&state, &form.code, addr).await {
        Ok((election, bureau)) => {
            let name = format!("président {bureau}");
            match open_session(
                &state,
                &name,
                Role::President,
                vec![bureau.clone()],
                Some(election.clone()),
            )
            .await
            {
                Ok((cookie, _)) => (
                    [(header::SET_COOKIE, cookie)],
                    Redirect::to(&format!("/desk/elections/{election}/bureaux/{bureau}")),
                )
                    .into_response(),
                Err(e) => e.into_response(),
            }
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
    State(state): State<AppState>,
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
