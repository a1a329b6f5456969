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
use crate::auth::login::{
    LoginError, Opened, check_password, login_with_code, login_with_password,
};
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

/// The answer to a login: the session cookie, and what the client needs.
fn session_opened(o: Opened) -> Response {
    (
        [(header::SET_COOKIE, o.cookie)],
        Json(SessionOpened {
            username: o.username,
            role: o.role,
            election: o.election,
            bureaux: o.bureaux,
            csrf: o.csrf,
        }),
    )
        .into_response()
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
    match login_with_password(&state, &body.username, &body.password, addr).await {
        Ok(o) => session_opened(o),
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
    match login_with_code(&state, &body.code, addr).await {
        Ok(o) => session_opened(o),
        Err(e) => api_failure(e),
    }
}

/// A live session (never its token).
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionView {
    /// What revokes it (`DELETE /api/users/{username}/sessions/{id}`).
    pub id: String,
    /// Opened, in milliseconds since 1970.
    pub created_at: i64,
    pub expires_at: i64,
    /// The address it was opened from, when known.
    pub client_addr: Option<String>,
}

/// An account, its sessions and its login throttle.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    pub username: String,
    pub role: String,
    pub bureaux: Vec<String>,
    /// A disabled account cannot log in and has no session.
    pub disabled: bool,
    pub created_at: i64,
    /// Failed logins counted by this instance in the last hour (all addresses).
    pub recent_failures: usize,
    pub sessions: Vec<SessionView>,
}

/// How many sessions a request ended.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionsEnded {
    pub ended: u64,
}

/// Every account with its sessions (what the desk's users screen shows).
pub async fn user_views(state: &AppState) -> Result<Vec<UserView>, ApiError> {
    let mut views = Vec::new();
    for u in state.store.users().await? {
        let sessions = state
            .store
            .sessions_of(&u.username)
            .await?
            .into_iter()
            .map(|s| SessionView {
                id: s.id,
                created_at: s.created_at,
                expires_at: s.expires_at,
                client_addr: s.client_addr,
            })
            .collect();
        views.push(UserView {
            recent_failures: state.throttle.account_failures(&u.username),
            username: u.username,
            role: u.role,
            bureaux: u.bureaux,
            disabled: u.disabled,
            created_at: u.created_at,
            sessions,
        });
    }
    Ok(views)
}

async fn user_view(state: &AppState, username: &str) -> Result<UserView, ApiError> {
    user_views(state)
        .await?
        .into_iter()
        .find(|u| u.username == username)
        .ok_or_else(|| unknown_user(username))
}

fn unknown_user(username: &str) -> ApiError {
    ApiError::not_found(format!("username : aucun compte nommé {username:?}"))
}

/// The accounts and their live sessions (admin).
#[utoipa::path(get, path = "/users", tag = "users",
    security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<UserView>),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    ))]
pub async fn list_users(State(state): State<AppState>) -> Result<Json<Vec<UserView>>, ApiError> {
    Ok(Json(user_views(&state).await?))
}

/// Ends every session of an account (admin).
#[utoipa::path(delete, path = "/users/{username}/sessions", tag = "users",
    params(("username" = String, Path, description = "The account")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = SessionsEnded),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "No such account", body = ErrorBody),
    ))]
pub async fn revoke_all(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    axum::extract::Path(username): axum::extract::Path<String>,
) -> Result<Json<SessionsEnded>, ApiError> {
    if state.store.user(&username).await?.is_none() {
        return Err(unknown_user(&username));
    }
    let ended = state
        .store
        .revoke_sessions(&username, None, None, &principal.name)
        .await?;
    Ok(Json(SessionsEnded { ended }))
}

/// Ends one session of an account (admin).
#[utoipa::path(delete, path = "/users/{username}/sessions/{id}", tag = "users",
    params(
        ("username" = String, Path, description = "The account"),
        ("id" = String, Path, description = "The session's id, as `GET /api/users` lists it"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, body = SessionsEnded),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "No such session of this account", body = ErrorBody),
    ))]
pub async fn revoke_one(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    axum::extract::Path((username, id)): axum::extract::Path<(String, String)>,
) -> Result<Json<SessionsEnded>, ApiError> {
    let ended = state
        .store
        .revoke_sessions(&username, Some(&id), None, &principal.name)
        .await?;
    if ended == 0 {
        return Err(ApiError::not_found(format!(
            "id : aucune session {id:?} du compte {username:?}"
        )));
    }
    Ok(Json(SessionsEnded { ended }))
}

/// Disables or enables an account, or clears its login throttle.
pub async fn account_action(
    state: &AppState,
    actor: &str,
    username: &str,
    action: AccountAction,
) -> Result<bool, ApiError> {
    let found = match action {
        AccountAction::Disable => state.store.set_disabled(username, true, actor).await?,
        AccountAction::Enable => state.store.set_disabled(username, false, actor).await?,
        AccountAction::Unlock => {
            let found = state.store.unlock(username, actor).await?;
            state.throttle.unlock(username);
            found
        }
    };
    Ok(found)
}

/// What [`account_action`] does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountAction {
    Disable,
    Enable,
    Unlock,
}

macro_rules! account_route {
    ($name:ident, $path:literal, $action:expr, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = "users",
                    params(("username" = String, Path, description = "The account")),
                    security(("bearer" = [])),
                    responses(
                        (status = 200, description = "Done; the account now", body = UserView),
                        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
                        (status = 404, description = "No such account", body = ErrorBody),
                    ))]
        pub async fn $name(
            State(state): State<AppState>,
            Extension(principal): Extension<Principal>,
            axum::extract::Path(username): axum::extract::Path<String>,
        ) -> Result<Json<UserView>, ApiError> {
            if !account_action(&state, &principal.name, &username, $action).await? {
                return Err(unknown_user(&username));
            }
            Ok(Json(user_view(&state, &username).await?))
        }
    };
}

account_route!(
    disable_user,
    "/users/{username}/disable",
    AccountAction::Disable,
    "Disables an account: it cannot log in, its sessions end at once on every instance (admin)."
);
account_route!(
    enable_user,
    "/users/{username}/enable",
    AccountAction::Enable,
    "Enables a disabled account again (admin)."
);
account_route!(
    unlock_user,
    "/users/{username}/unlock",
    AccountAction::Unlock,
    "Clears an account's login throttle on every instance (admin)."
);

/// Body of `POST /api/password`; unknown fields are refused.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: String,
    /// 12 characters at least.
    #[schema(min_length = 12)]
    pub new_password: String,
}

/// Changes the signed-in account's own password; its other sessions end.
#[utoipa::path(post, path = "/password", tag = "users",
    request_body = PasswordChange,
    responses(
        (status = 200, description = "Changed; the other sessions ended", body = SessionsEnded),
        (status = 400, description = "A field breaks its rule (named)", body = ErrorBody),
        (status = 401, description = "Not signed in, or the current password is wrong", body = ErrorBody),
        (status = 403, description = "Not an account's session (the API token, a president's code), or no CSRF token", body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, description = "A field of the wrong type, or unknown", body = ErrorBody),
        (status = 429, description = "Too many failures of this account from this address", body = ErrorBody),
    ))]
pub async fn change_password(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    ClientIp(addr): ClientIp,
    ApiJson(body): ApiJson<PasswordChange>,
) -> Response {
    match change_own_password(&state, &principal, addr, &body).await {
        Ok(ended) => Json(SessionsEnded { ended }).into_response(),
        Err(e) => api_failure(e),
    }
}

/// Checks the current password (throttled like a login) and replaces it,
/// ending the account's other sessions; returns how many ended.
pub async fn change_own_password(
    state: &AppState,
    principal: &Principal,
    addr: Option<std::net::IpAddr>,
    body: &PasswordChange,
) -> Result<u64, LoginError> {
    let crate::auth::Via::Session { token_hash, .. } = &principal.via else {
        return Err(LoginError::Internal(ApiError::Forbidden(
            "réservé à une session de compte".into(),
        )));
    };
    if body.new_password.chars().count() < 12 {
        return Err(LoginError::Internal(ApiError::bad_request(
            "invalid_field",
            "new_password : 12 caractères au moins",
        )));
    }
    check_password(&state.auth, &principal.name, &body.current_password, addr).await?;
    let password = body.new_password.clone();
    let hash = tokio::task::spawn_blocking(move || crate::auth::hash_password(&password))
        .await
        .map_err(|e| ApiError::Internal(e.into()))?
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("argon2: {e}")))?;
    state
        .store
        .set_password(&principal.name, &hash, Some(token_hash), &principal.name)
        .await
        .map_err(ApiError::from)?
        .ok_or_else(|| {
            LoginError::Internal(ApiError::Forbidden(
                "réservé à une session de compte".into(),
            ))
        })
}
