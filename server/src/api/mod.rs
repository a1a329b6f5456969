//! The JSON API, one file per resource: [`elections`], [`contours`], [`bureaux`],
//! [`users`] (accounts and logins), [`audit`], [`feed`], [`exports`],
//! [`print`] and [`health`]. The routes and the role each one needs are
//! declared in [`crate::router`]; this module holds what the handlers share:
//! the JSON body extractor with our errors, the election named in the path
//! ([`ElectionPath`]), the `If-Match` and `Idempotency-Key` headers, the role
//! guards, and the OpenAPI document that [`utoipa`] generates from the
//! handlers' annotations (`GET /api/openapi.json`).
//!
//! Unknown JSON fields: refused (`deny_unknown_fields`, and
//! `additionalProperties: false` in the document) in every body the API
//! defines itself — PV, turnout, workflow actions, users, logins — so a
//! misspelt field is never silently dropped. The election definition
//! (`POST /api/elections`) is the domain's own format and ignores fields it
//! does not know, as the setup files do.

use std::any::Any;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

pub mod audit;
pub mod bureaux;
pub mod contours;
pub mod elections;
pub mod exports;
pub mod feed;
pub mod grants;
pub mod health;
pub mod print;
pub mod users;

/// The schemas the handlers' annotations name: the domain types
/// ([`crate::schemas`]) and the error body.
pub mod schemas {
    pub use crate::error::ErrorBody;
    pub use crate::schemas::*;
}

use crate::auth::{CSRF_HEADER, Principal};
use crate::error::ApiError;
use crate::hub::Topic;
use crate::state::AppState;
use crate::write::IdemKey;

/// `axum::Json` with our error messages.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

/// `axum::extract::Query` with our error messages (400 `invalid_field`).
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);

/// The election named by `{id}` in the path, or 404 `not_found`.
pub struct ElectionPath(pub Arc<Topic>);

impl FromRequestParts<AppState> for ElectionPath {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let params = axum::extract::RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::not_found("aucune élection dans l'adresse"))?;
        let id = params
            .iter()
            .find(|(k, _)| *k == "id")
            .map(|(_, v)| v)
            .ok_or_else(|| ApiError::not_found("aucune élection dans l'adresse"))?;
        state.election(id).map(ElectionPath)
    }
}

pub use crate::auth::Need;

/// Route layer: who is asking ([`Principal`]), refused with 401/403 unless
/// they have the role `need`; writes made with a session cookie must carry
/// its CSRF token. The principal is handed to the handler as an
/// `Extension<Principal>`.
pub async fn guard(state: AppState, need: Need, req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    let principal = match Principal::from_request_parts(&mut parts, &state).await {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    let checked = need.check(&principal).and_then(|()| {
        if parts.method.is_safe() {
            Ok(())
        } else {
            principal.check_csrf(csrf_header(&parts.headers))
        }
    });
    if let Err(e) = checked {
        return e.into_response();
    }
    parts.extensions.insert(principal);
    next.run(Request::from_parts(parts, body)).await
}

/// The document served at `/api/openapi.json`, rendered once at start-up.
#[derive(Debug, Clone)]
pub struct Document(pub Arc<String>);

/// This document: every route of the API, generated from the handlers.
#[utoipa::path(get, path = "/openapi.json", tag = "health",
    responses((status = 200, description = "OpenAPI 3.1", body = Object)))]
pub async fn openapi(axum::Extension(doc): axum::Extension<Document>) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        doc.0.as_str().to_owned(),
    )
        .into_response()
}

pub async fn api_not_found() -> ApiError {
    ApiError::not_found("aucune ressource à cette adresse (voir /api/openapi.json)")
}

/// Answer for a handler that panicked: logged, generic body.
pub fn panic_response(err: Box<dyn Any + Send + 'static>) -> Response<Body> {
    let detail = err
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| err.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic");
    ApiError::Internal(anyhow::anyhow!("handler panicked: {detail}")).into_response()
}

pub(crate) fn csrf_header(headers: &HeaderMap) -> Option<&str> {
    headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok())
}

/// The version a correction replaces, from `If-Match: "3"` (or `3`, up to
/// 15 digits); `If-Match: *` (any current version) is the same as no header.
pub(crate) fn if_match(headers: &HeaderMap) -> Result<Option<i64>, ApiError> {
    let Some(v) = headers.get(header::IF_MATCH) else {
        return Ok(None);
    };
    let text = v.to_str().ok().map(str::trim).unwrap_or_default();
    if text == "*" {
        return Ok(None);
    }
    let digits = text
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(text);
    let well_formed =
        (1..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit());
    well_formed
        .then(|| digits.parse::<i64>().ok())
        .flatten()
        .map(Some)
        .ok_or_else(|| {
            ApiError::bad_request(
                "invalid_if_match",
                "If-Match doit contenir la version corrigée, par exemple \"3\"",
            )
        })
}

/// The `Idempotency-Key` header with a hash of what it came with.
pub(crate) fn idempotency(
    headers: &HeaderMap,
    scope: &str,
    body: &impl Serialize,
) -> Result<Option<IdemKey>, ApiError> {
    let Some(v) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let key = v
        .to_str()
        .ok()
        .filter(|k| (1..=200).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic()))
        .ok_or_else(|| {
            ApiError::bad_request(
                "invalid_idempotency_key",
                "Idempotency-Key : 1 à 200 caractères ASCII visibles, sans espace",
            )
        })?;
    let request = serde_json::to_string(body).unwrap_or_default();
    Ok(Some(IdemKey {
        key: format!("{scope}:{key}"),
        request_hash: crate::auth::sha256_hex(format!("{scope}\n{request}").as_bytes()),
    }))
}

pub(crate) fn json_body(body: String) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}
