//! Accounts: `POST /api/users` (admin). The logins (`POST /api/login`,
//! `POST /api/login/code`) are handled in [`crate::auth::login`], next to
//! the HTML forms they share the session with.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::ApiJson;
use super::schemas::ErrorBody;
use crate::auth::Principal;
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
    pub role: election_data::workflow::Role,
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
    if u.role == election_data::workflow::Role::Public {
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
