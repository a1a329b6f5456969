//! The secondary modules' own roles granted to accounts (admin):
//! `GET /api/users/{username}/grants`, `PUT` and `DELETE
//! /api/users/{username}/grants/{module}/{role}`. The module and the role
//! must be declared by a module of this installation's catalogue; the
//! account must exist. Audited by the store ([`crate::store::grants`]).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::Serialize;
use utoipa::ToSchema;

use super::schemas::ErrorBody;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::grants;

/// One module role of an account.
#[derive(Debug, Serialize, ToSchema)]
pub struct GrantView {
    pub module: String,
    pub role: String,
    /// The role's label, as the module declares it.
    pub label: String,
}

/// Checks that the account exists and that `module` declares `role`.
async fn checked(
    state: &AppState,
    username: &str,
    module: &str,
    role: &str,
) -> Result<(), ApiError> {
    if state.store.user(username).await?.is_none() {
        return Err(ApiError::not_found(format!(
            "username : aucun compte nommé {username:?}"
        )));
    }
    let Some(m) = state.config.modules.module(module) else {
        return Err(ApiError::not_found(format!("module inconnu : {module}")));
    };
    if !m.roles.iter().any(|r| r.code == role) {
        let known: Vec<&str> = m.roles.iter().map(|r| r.code).collect();
        return Err(ApiError::not_found(format!(
            "role : le module {module} n'a pas de rôle {role:?} (rôles : {})",
            if known.is_empty() {
                "aucun".to_string()
            } else {
                known.join(", ")
            }
        )));
    }
    Ok(())
}

fn label_of(state: &AppState, module: &str, role: &str) -> String {
    state
        .config
        .modules
        .module(module)
        .and_then(|m| m.roles.iter().find(|r| r.code == role))
        .map_or_else(String::new, |r| r.label.to_string())
}

/// The module roles granted to an account (admin).
#[utoipa::path(get, path = "/users/{username}/grants", tag = "users",
    params(("username" = String, Path, description = "The account")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<GrantView>),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "No such account", body = ErrorBody),
    ))]
pub async fn list_grants(
    State(state): State<AppState>,
    Path(username): Path<String>,
) -> Result<Json<Vec<GrantView>>, ApiError> {
    if state.store.user(&username).await?.is_none() {
        return Err(ApiError::not_found(format!(
            "username : aucun compte nommé {username:?}"
        )));
    }
    let list = state.store.grants_of(&username).await?;
    Ok(Json(
        list.into_iter()
            .map(|(module, role)| GrantView {
                label: label_of(&state, &module, &role),
                module,
                role,
            })
            .collect(),
    ))
}

/// Grants a module's role to an account (admin); 200 whether it had it or not.
#[utoipa::path(put, path = "/users/{username}/grants/{module}/{role}", tag = "users",
    params(
        ("username" = String, Path, description = "The account"),
        ("module" = String, Path, description = "The module (`courrier`, `cimetiere`…)"),
        ("role" = String, Path, description = "One of the module's own roles"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, body = GrantView),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "No such account, module or role of the module", body = ErrorBody),
    ))]
pub async fn grant_role(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path((username, module, role)): Path<(String, String, String)>,
) -> Result<Json<GrantView>, ApiError> {
    checked(&state, &username, &module, &role).await?;
    let (_guard, mut tx) = state.store.begin_write().await?;
    grants::grant(&mut tx, &username, &module, &role, &p.name).await?;
    tx.commit().await.map_err(crate::store::StoreError::from)?;
    Ok(Json(GrantView {
        label: label_of(&state, &module, &role),
        module,
        role,
    }))
}

/// Takes a module's role back from an account (admin).
#[utoipa::path(delete, path = "/users/{username}/grants/{module}/{role}", tag = "users",
    params(
        ("username" = String, Path, description = "The account"),
        ("module" = String, Path, description = "The module"),
        ("role" = String, Path, description = "One of the module's own roles"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Taken back"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "The account does not hold this role", body = ErrorBody),
    ))]
pub async fn revoke_role(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path((username, module, role)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let (_guard, mut tx) = state.store.begin_write().await?;
    let done = grants::revoke(&mut tx, &username, &module, &role, &p.name).await?;
    tx.commit().await.map_err(crate::store::StoreError::from)?;
    if done {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(ApiError::not_found(format!(
            "le compte {username:?} n'a pas le rôle {role:?} du module {module}"
        )))
    }
}
