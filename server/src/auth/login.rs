//! Logging in and out: password accounts, and one-time codes for bureau
//! presidents (printed by the desk, valid once, for one bureau).
//!
//! Both the HTML forms (`/login`, in the desk's `login` screen) and the JSON
//! API (`/api/login`, in [`crate::api::users`]) check credentials here and end in [`open_session`]: a
//! random token in the session cookie, its hash and a fresh CSRF token in
//! the store.

use std::net::IpAddr;
use std::time::Duration;

use axum::http::{HeaderValue, StatusCode};
use election_data::bureau::Role;

use super::throttle::{Attempt, ThrottleEvent};
use super::{AuthState, SESSION_COOKIE, SESSION_HOURS, random_token, sha256_hex, verify_password};
use crate::error::ApiError;
use crate::store::accounts::Session;
use crate::store::audit::AuditRecord;
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
    addr: Option<IpAddr>,
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
        client_addr: addr.map(|a| a.to_string()),
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
    /// This account from this address: refused for this long.
    Throttled(Duration),
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
            LoginError::Throttled(_) => {
                "trop de tentatives échouées pour ce compte depuis cette adresse : \
                 réessayez plus tard, ou depuis un autre poste"
            }
            LoginError::Internal(_) => "erreur interne",
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            LoginError::Invalid => StatusCode::UNAUTHORIZED,
            LoginError::Throttled(_) => StatusCode::TOO_MANY_REQUESTS,
            LoginError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// Waits as the throttle says, or refuses.
async fn throttle<'a>(
    state: &'a AuthState,
    account: &str,
    addr: Option<IpAddr>,
) -> Result<Attempt<'a>, LoginError> {
    let (attempt, delay) = state
        .throttle
        .begin(account, addr)
        .map_err(LoginError::Throttled)?;
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    Ok(attempt)
}

/// Counts a failure and writes the throttle events it causes to the audit log.
async fn failed(state: &AuthState, attempt: Attempt<'_>) -> Result<(), ApiError> {
    for event in attempt.failed() {
        audit_event(state, &event).await?;
    }
    Ok(())
}

async fn audit_event(state: &AuthState, event: &ThrottleEvent) -> Result<(), ApiError> {
    tracing::warn!(action = event.action(), details = %event.details(), "login throttle");
    state
        .store
        .audit(AuditRecord {
            actor: "throttle",
            action: event.action(),
            election_id: None,
            bureau_code: None,
            old: None,
            new: Some(event.details().to_string()),
        })
        .await?;
    Ok(())
}

/// Checks a password login, with throttling. Returns the account's role
/// and bureaux. A disabled account is refused like a wrong password (and
/// without counting a failure when the password was right).
pub async fn check_password(
    state: &AuthState,
    username: &str,
    password: &str,
    addr: Option<IpAddr>,
) -> Result<(Role, Vec<String>), LoginError> {
    let user = state.store.user(username).await.map_err(ApiError::from)?;
    if let Some(u) = &user {
        state.throttle.sync_reset(username, u.throttle_reset_at);
    }
    let attempt = throttle(state, username, addr).await?;
    // Verify against a dummy hash for unknown accounts: same cost, no enumeration.
    let hash = user
        .as_ref()
        .map_or_else(|| state.dummy_hash.to_string(), |u| u.password_hash.clone());
    let password = password.to_string();
    let ok = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .map_err(|e| ApiError::Internal(e.into()))?;
    match user {
        Some(u) if ok && !u.disabled => {
            attempt.succeeded();
            let role = Role::parse(&u.role).unwrap_or(Role::Public);
            Ok((role, u.bureaux))
        }
        Some(_) if ok => Err(LoginError::Invalid),
        _ => {
            failed(state, attempt).await?;
            Err(LoginError::Invalid)
        }
    }
}

/// Consumes a president's one-time code. Codes are throttled as one
/// account, `code`: per address refused, all together only slowed.
pub async fn check_code(
    state: &AuthState,
    code: &str,
    addr: Option<IpAddr>,
) -> Result<(String, String), LoginError> {
    let attempt = throttle(state, "code", addr).await?;
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
            attempt.succeeded();
            Ok(found)
        }
        None => {
            failed(state, attempt).await?;
            Err(LoginError::Invalid)
        }
    }
}

/// A session a login just opened: what its answer (JSON, or a redirect and
/// the cookie) needs.
#[derive(Debug)]
pub struct Opened {
    pub username: String,
    pub role: Role,
    /// The election of a president's one-time code.
    pub election: Option<String>,
    pub bureaux: Vec<String>,
    /// The `Set-Cookie` value of the session.
    pub cookie: HeaderValue,
    /// The CSRF token every write made with the session must carry.
    pub csrf: String,
}

/// Logs an account in with its password (throttled), then opens its
/// session: the one path of the JSON API and the login form.
pub async fn login_with_password(
    state: &AuthState,
    username: &str,
    password: &str,
    addr: Option<IpAddr>,
) -> Result<Opened, LoginError> {
    let (role, bureaux) = check_password(state, username, password, addr).await?;
    let (cookie, csrf) = open_session(state, username, role, bureaux.clone(), None, addr).await?;
    Ok(Opened {
        username: username.to_string(),
        role,
        election: None,
        bureaux,
        cookie,
        csrf,
    })
}

/// Logs a bureau president in with a one-time code (throttled): a session
/// for that bureau of that election only.
pub async fn login_with_code(
    state: &AuthState,
    code: &str,
    addr: Option<IpAddr>,
) -> Result<Opened, LoginError> {
    let (election, bureau) = check_code(state, code, addr).await?;
    let username = format!("président {bureau}");
    let bureaux = vec![bureau];
    let (cookie, csrf) = open_session(
        state,
        &username,
        Role::President,
        bureaux.clone(),
        Some(election.clone()),
        addr,
    )
    .await?;
    Ok(Opened {
        username,
        role: Role::President,
        election: Some(election),
        bureaux,
        cookie,
        csrf,
    })
}
