//! An election's bureaux' contours: read them (the kiosk mirrors them),
//! import them (admin). The import is [`crate::contours`]'s, shared with
//! the CLI and the desk form.

use axum::body::Body;
use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};
use election_data::map::BureauMap;

use super::ElectionPath;
use super::schemas::{self, ErrorBody};
use crate::auth::Principal;
use crate::contours::{self, BODY_LIMIT, Summary};
use crate::error::ApiError;
use crate::state::AppState;

/// The bureaux' contours, as stored (404 when none were imported: the
/// pages then draw a tile grid).
#[utoipa::path(get, path = "/elections/{id}/contours", tag = "elections",
    params(("id" = String, Path, description = "The election's id")),
    responses((status = 200, body = schemas::BureauMap), (status = 404, body = ErrorBody)))]
pub async fn get_contours(ElectionPath(topic): ElectionPath) -> Result<Json<BureauMap>, ApiError> {
    let map = topic.read().map.clone();
    match map {
        Some(map) => Ok(Json(map.as_ref().clone())),
        None => Err(ApiError::not_found(
            "aucun contour de bureau importé pour cette élection : les pages montrent un plan schématique",
        )),
    }
}

/// Imports the bureaux' contours from GeoJSON (admin): every bureau needs
/// a valid polygon and every feature a bureau (features of other communes
/// are skipped); replaces the contours stored before.
#[utoipa::path(put, path = "/elections/{id}/contours", tag = "elections",
    params(("id" = String, Path, description = "The election's id")),
    request_body(content = String, content_type = "application/geo+json",
        description = "A GeoJSON FeatureCollection of (Multi)Polygons in WGS 84, with the commune's INSEE code (`codeCommune`…) and the bureau's code (`codeBureauVote`…) among each feature's properties; at most 40 MB."),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Stored", body = Summary),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 413, body = ErrorBody),
        (status = 422, description = "Refused: every problem named (`ContourError`s in `violations`), nothing stored", body = ErrorBody),
    ))]
pub async fn put_contours(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    ElectionPath(topic): ElectionPath,
    body: Body,
) -> Result<Json<Summary>, ApiError> {
    let bytes = axum::body::to_bytes(body, BODY_LIMIT)
        .await
        .map_err(|_| ApiError::BadRequest {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            code: "body_too_large",
            message: format!(
                "fichier de contours trop volumineux (plus de {} Mo) : importez l'extrait de la commune",
                BODY_LIMIT / (1024 * 1024)
            ),
        })?;
    let election = topic.read().election.clone();
    let (map, summary) = contours::import(&state.store, &election, &bytes, &principal.name).await?;
    topic.set_map(Some(map));
    Ok(Json(summary))
}
