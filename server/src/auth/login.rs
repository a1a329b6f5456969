//! Logging in and out: password accounts, and one-time codes for bureau
//! presidents (printed by the desk, valid once, for one bureau).
//!
//! Both the HTML forms (`/login`, in the desk's `login` screen) and the JSON
//! API (`/api/login`, in [`crate::api::users`]) check credentials here and end in [`open_session`]: a
//! random token in the session cookie, its hash and a fresh CSRF token in
//! the store.

use std::net::IpAddr;

use axum::http::{HeaderValue, StatusCode};
use election_data::bureau::Role;

use super::{AuthState, SESSION_COOKIE, SESSION_HOURS, random_token, sha256_hex, verify_password};
use crate::error::ApiError;
use crate::store::accounts::Session;
use crate::store::now_millis;

/// The session cookie's header (an empty token and age 0 clear it).
pub fn session_cookie(token: &str, max_age_secs: i64) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age={max_age_secs}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("urne_session=; Path=/; Max-Age=0"))
}

/// Opens a session; returns its cookie header and CSRF token.
pub async fn open_session(
    state: &AuthState,
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
    state: &AuthState,
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
        .map_or_else(|| state.dummy_hash.to_string(), |u| u.password_hash.clone());
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
    state: &AuthState,
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
