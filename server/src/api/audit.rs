//! `GET /api/audit`: the latest rows of the audit log (desk).

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::IntoParams;

use super::ApiQuery;
use super::schemas::ErrorBody;
use crate::error::ApiError;
use crate::store::Store;

/// Rows kept by default, and at most.
const DEFAULT_LIMIT: i64 = 200;
const MAX_LIMIT: i64 = 5000;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only this election's rows.
    pub election: Option<String>,
    /// How many rows, newest first (200 by default).
    #[param(minimum = 1, maximum = 5000)]
    pub limit: Option<i64>,
}

/// The latest audit rows, newest first.
#[utoipa::path(get, path = "/audit", tag = "audit",
    params(AuditQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Audit rows", body = Vec<Object>),
        (status = 400, description = "`limit` out of 1..=5000", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    ))]
pub async fn audit(
    State(store): State<Arc<Store>>,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> Result<Response, ApiError> {
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::bad_request(
            "invalid_field",
            format!("limit : de 1 à {MAX_LIMIT} (reçu {limit})"),
        ));
    }
    let rows = store.audit_rows(q.election.as_deref(), limit).await?;
    Ok(Json(rows).into_response())
}
