//! Accounts and sessions: `POST /api/users` (admin), and the logins
//! `POST /api/login` (password) and `POST /api/login/code` (a president's
//! one-time code). Checking the credentials, throttling and opening the
//! session are [`crate::auth::login`]'s, shared with the HTML forms.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use election_data::bureau::Role;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::ApiJson;
use super::schemas::{self, ErrorBody};
use crate::auth::Principal;
use crate::auth::login::{LoginError, check_code, check_password, open_session};
use crate::auth::{AuthState, ClientIp};
use crate::error::ApiError;
use crate::state::AppState;

/// Body of `POST /api/users`; unknown fields are refused.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    /// 1 to 64 characters, not only spaces.
    #[schema(min_length = 1, max_length = 64, pattern = "\\S")]
    pub username: String,
    /// 12 characters at least.
    #[schema(min_length = 12)]
    pub password: String,
    /// admin, desk or president.
    #[schema(value_type = AccountRole)]
    pub role: election_data::bureau::Role,
    /// A president's bureaux.
    #[serde(default)]
    pub bureaux: Vec<String>,
}

/// The roles an account can have (`public` is nobody's).
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)]
enum AccountRole {
    Admin,
    Desk,
    President,
}

/// The account created (never its password).
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedUser {
    pub username: String,
    pub role: String,
    pub bureaux: Vec<String>,
}

/// Checks and hashes a new account.
pub async fn make_user(u: NewUser) -> Result<crate::store::accounts::User, ApiError> {
    if u.username.trim().is_empty() || u.username.chars().count() > 64 {
        return Err(ApiError::bad_request(
            "invalid_field",
            "username : 1 à 64 caractères",
        ));
    }
    if u.password.chars().count() < 12 {
        return Err(ApiError::bad_request(
            "invalid_field",
            "password : 12 caractères au moins",
        ));
    }
    if u.role == election_data::bureau::Role::Public {
        return Err(ApiError::bad_request(
            "invalid_field",
            "role : admin, desk ou president",
        ));
    }
    let password = u.password;
    let hash = tokio::task::spawn_blocking(move || crate::auth::hash_password(&password))
        .await
        .map_err(|e| ApiError::Internal(e.into()))?
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("argon2: {e}")))?;
    Ok(crate::store::accounts::User {
        username: u.username,
        password_hash: hash,
        role: u.role.code().to_string(),
        bureaux: u.bureaux,
        disabled: false,
        throttle_reset_at: 0,
    })
}

/// Creates or replaces an account (admin).
#[utoipa::path(post, path = "/users", tag = "users",
    request_body = NewUser,
    security(("bearer" = [])),
    responses(
        (status = 201, body = CreatedUser),
        (status = 400, description = "A field breaks its rule (named)", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, description = "A field of the wrong type", body = ErrorBody),
    ))]
pub async fn create_user(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    ApiJson(body): ApiJson<NewUser>,
) -> Result<Response, ApiError> {
    let user = make_user(body).await?;
    state.store.put_user(&user, &principal.name).await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedUser {
            username: user.username,
            role: user.role,
            bureaux: user.bureaux,
        }),
    )
        .into_response())
}

/// Body of `POST /api/login`; unknown fields are refused.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiPasswordLogin {
    pub username: String,
    pub password: String,
}

/// Body of `POST /api/login/code`; unknown fields are refused.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiCodeLogin {
    /// The one-time code, `XXXX-XXXX-XXXX`.
    pub code: String,
}

/// A session opened: send `csrf` in `X-CSRF-Token` with every write made
/// with the session cookie.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionOpened {
    pub username: String,
    #[schema(value_type = schemas::Role)]
    pub role: Role,
    /// A president's election.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub election: Option<String>,
    pub bureaux: Vec<String>,
    pub csrf: String,
}

fn api_failure(e: LoginError) -> Response {
    match e {
        LoginError::Internal(err) => err.into_response(),
        LoginError::Throttled(wait) => (
            e.status(),
            [(header::RETRY_AFTER, wait.as_secs().max(1).to_string())],
            Json(ErrorBody::new("throttled", e.message())),
        )
            .into_response(),
        LoginError::Invalid => (
            e.status(),
            Json(ErrorBody::new("invalid_credentials", e.message())),
        )
            .into_response(),
    }
}

/// `POST /api/login`: for scripts and tests. Answers the CSRF token to send
/// in `X-CSRF-Token` with every write made with the session cookie.
#[utoipa::path(post, path = "/login", tag = "users",
    request_body = ApiPasswordLogin,
    responses(
        (status = 200, description = "Logged in; the session cookie is set", body = SessionOpened),
        (status = 400, body = ErrorBody),
        (status = 401, description = "Unknown account or wrong password", body = ErrorBody),
        (status = 413, body = ErrorBody),
        (status = 415, body = ErrorBody),
        (status = 422, description = "A field of the wrong type, or unknown", body = ErrorBody),
        (status = 429, description = "Too many failures of this account from this address: wait `Retry-After` seconds (the account itself is never locked)", body = ErrorBody),
    ))]
pub async fn api_login(
    State(state): State<AuthState>,
    ClientIp(addr): ClientIp,
    ApiJson(body): ApiJson<ApiPasswordLogin>,
) -> Response {
    match check_password(&state, &body.username, &body.password, addr).await {
        Ok((role, bureaux)) => {
            match open_session(&state, &body.username, role, bureaux.clone(), None, addr).await {
                Ok((cookie, csrf)) => (
                    [(header::SET_COOKIE, cookie)],
                    Json(SessionOpened {
                        username: body.username,
                        role,
                        election: None,
                        bureaux,
                        csrf,
                    }),
                )
                    .into_response(),
                Err(e) => e.into_response(),
            }
        }
        Err(e) => api_failure(e),
    }
}

/// `POST /api/login/code`: a president's one-time code.
#[utoipa::path(post, path = "/login/code", tag = "users",
    request_body = ApiCodeLogin,
    responses(
        (status = 200, description = "Logged in for one bureau; the session cookie is set", body = SessionOpened),
        (status = 400, body = ErrorBody),
        (status = 401, description = "Unknown, used or expired code", body = ErrorBody),
        (status = 413, body = ErrorBody),
        (status = 415, body = ErrorBody),
        (status = 422, description = "A field of the wrong type, or unknown", body = ErrorBody),
        (status = 429, description = "Too many failures of this account from this address: wait `Retry-After` seconds (the account itself is never locked)", body = ErrorBody),
    ))]
pub async fn api_login_code(
    State(state): State<AuthState>,
    ClientIp(addr): ClientIp,
    ApiJson(body): ApiJson<ApiCodeLogin>,
) -> Response {
    match check_code(&state, &body.code, addr).await {
        Ok((election, bureau)) => {
            let name = format!("président {bureau}");
            match open_session(
                &state,
                &name,
                Role::President,
                vec![bureau.clone()],
                Some(election.clone()),
                addr,
            )
            .await
            {
                Ok((cookie, csrf)) => (
                    [(header::SET_COOKIE, cookie)],
                    Json(SessionOpened {
                        username: name,
                        role: Role::President,
                        election: Some(election),
                        bureaux: vec![bureau],
                        csrf,
                    }),
                )
                    .into_response(),
                Err(e) => e.into_response(),
            }
        }
        Err(e) => api_failure(e),
    }
}
