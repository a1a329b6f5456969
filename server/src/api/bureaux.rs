//! A bureau's figures and workflow: put the PV, the turnout and the
//! centaines, validate, publish, unpublish, publish or withdraw the early trend, and
//! the president's one-time login code.
//!
//! The handlers read the request (body, `If-Match`, `Idempotency-Key`) and
//! call the write path ([`crate::write`]); the role each route
//! needs is checked before them ([`super::guard`], declared in
//! [`crate::router`]). Every body here refuses unknown fields.

use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use election_data::bureau::Action;
use election_data::model::{ProcesVerbal, TurnoutReading};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::schemas::{self, ErrorBody};
use super::{ApiJson, idempotency, if_match, json_body};
use crate::auth::Principal;
use crate::error::ApiError;
use crate::state::AppState;
use crate::write::Accepted;
use crate::write::{self, PvInput};

/// Body of `PUT …/pv`: the procès-verbal's fields plus `confirm`,
/// `version` and `entry`. Spelled out rather than `#[serde(flatten)]`ed, so
/// that a type error names its field.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PvEntry {
    pub inscrits: i64,
    pub votants: i64,
    pub blancs: i64,
    pub nuls: i64,
    pub exprimes: i64,
    #[schema(value_type = Vec<schemas::CandidateVoix>)]
    pub voix: Vec<election_data::model::CandidateVoix>,
    #[serde(default)]
    #[schema(value_type = Vec<schemas::TurnoutReading>)]
    pub turnout: Vec<TurnoutReading>,
    /// Confirms an entry that raised warnings.
    #[serde(default)]
    pub confirm: bool,
    /// The version this entry replaces (also accepted as `If-Match`); when
    /// given and stale, the entry is refused with 409.
    #[serde(default)]
    pub version: Option<i64>,
    /// 2 for the second entry of a double entry.
    #[serde(default = "first_entry")]
    #[schema(minimum = 1, maximum = 2, default = 1)]
    pub entry: u8,
    /// Running tallies after 100, 200… ballots (optional): for each,
    /// blancs + nuls + Σ voix = at, and no count decreases from one
    /// centaine to the next or to the final PV. Absent: the centaines
    /// already stored (`PUT …/centaines`) are kept and checked against
    /// this PV; `[]` removes them.
    #[serde(default)]
    #[schema(value_type = Option<Vec<schemas::Centaine>>, nullable = false)]
    pub centaines: Option<Vec<election_data::validate::Centaine>>,
}

/// Body of `PUT …/centaines`: the running tallies alone, before the PV.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CentainesEntry {
    /// Every centaine counted so far (100, 200…), replacing those stored.
    #[schema(value_type = Vec<schemas::Centaine>)]
    pub centaines: Vec<election_data::validate::Centaine>,
    /// The version this entry replaces (also accepted as `If-Match`).
    #[serde(default)]
    pub version: Option<i64>,
}

fn first_entry() -> u8 {
    1
}

/// Body of `PUT …/turnout`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TurnoutEntry {
    #[schema(value_type = Vec<schemas::TurnoutReading>)]
    pub turnout: Vec<TurnoutReading>,
    /// The version this entry replaces (also accepted as `If-Match`).
    #[serde(default)]
    pub version: Option<i64>,
}

/// Body of the workflow actions (validate, publish, unpublish, trend): optional,
/// `{}` or `{"version": n}`, or nothing at all.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionBody {
    #[serde(default)]
    pub version: Option<i64>,
}

/// A president's one-time code, shown once.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccessCode {
    pub election: String,
    pub bureau: String,
    /// `XXXX-XXXX-XXXX`, valid 24 hours, for one login.
    pub code: String,
}

/// Enters or corrects a bureau's procès-verbal.
#[utoipa::path(put, path = "/elections/{id}/bureaux/{code}/pv", tag = "bureaux",
    params(
        ("id" = String, Path, description = "The election's id"),
        ("code" = String, Path, description = "The bureau's code"),
        ("If-Match" = Option<String>, Header, nullable = false, pattern = r#"^(\*|"[0-9]{1,15}"|[0-9]{1,15})$"#,
            description = "The version corrected (`\"3\"`); `*` for any"),
        ("Idempotency-Key" = Option<String>, Header, nullable = false, min_length = 1, max_length = 200,
            pattern = "^[!-~]+$", description = "Replays of the same request answer the first answer"),
    ),
    request_body = PvEntry,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Stored; the bureau's results", body = Accepted),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "Stale version, workflow refusal or reused idempotency key", body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, description = "A field of the wrong type (`invalid_field`), an inconsistent PV (`invalid_pv`) or warnings to confirm (`confirmation_required`)", body = ErrorBody),
    ))]
pub async fn put_pv(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path((id, code)): Path<(String, String)>,
    headers: HeaderMap,
    ApiJson(entry): ApiJson<PvEntry>,
) -> Result<Response, ApiError> {
    let version = if_match(&headers)?.or(entry.version);
    let pv = ProcesVerbal {
        inscrits: entry.inscrits,
        votants: entry.votants,
        blancs: entry.blancs,
        nuls: entry.nuls,
        exprimes: entry.exprimes,
        voix: entry.voix,
        turnout: entry.turnout,
    };
    let idem = idempotency(
        &headers,
        &format!("{id}/{code}/pv/{}", principal.name),
        &(&pv, entry.confirm, version, entry.entry, &entry.centaines),
    )?;
    let input = PvInput {
        pv,
        confirm: entry.confirm,
        version,
        entry: entry.entry,
        centaines: entry.centaines,
    };
    write::enter_pv(&state, &principal, &id, &code, input, idem)
        .await
        .map(|a| json_body(a.into_body()))
}

/// Enters a bureau's turnout readings (merged by hour).
#[utoipa::path(put, path = "/elections/{id}/bureaux/{code}/turnout", tag = "bureaux",
    params(
        ("id" = String, Path, description = "The election's id"),
        ("code" = String, Path, description = "The bureau's code"),
        ("If-Match" = Option<String>, Header, nullable = false, pattern = r#"^(\*|"[0-9]{1,15}"|[0-9]{1,15})$"#,
            description = "The version corrected (`\"3\"`); `*` for any"),
        ("Idempotency-Key" = Option<String>, Header, nullable = false, min_length = 1, max_length = 200,
            pattern = "^[!-~]+$", description = "Replays of the same request answer the first answer"),
    ),
    request_body = TurnoutEntry,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Stored; the bureau's results", body = Accepted),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody),
    ))]
pub async fn put_turnout(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path((id, code)): Path<(String, String)>,
    headers: HeaderMap,
    ApiJson(entry): ApiJson<TurnoutEntry>,
) -> Result<Response, ApiError> {
    let version = if_match(&headers)?.or(entry.version);
    let idem = idempotency(
        &headers,
        &format!("{id}/{code}/turnout/{}", principal.name),
        &(&entry.turnout, version),
    )?;
    write::enter_turnout(&state, &principal, &id, &code, entry.turnout, version, idem)
        .await
        .map(|a| json_body(a.into_body()))
}

/// Enters a bureau's running tallies (centaines) alone, before its PV is
/// counted; the bureau's state does not move.
#[utoipa::path(put, path = "/elections/{id}/bureaux/{code}/centaines", tag = "bureaux",
    params(
        ("id" = String, Path, description = "The election's id"),
        ("code" = String, Path, description = "The bureau's code"),
        ("If-Match" = Option<String>, Header, nullable = false, pattern = r#"^(\*|"[0-9]{1,15}"|[0-9]{1,15})$"#,
            description = "The version corrected (`\"3\"`); `*` for any"),
        ("Idempotency-Key" = Option<String>, Header, nullable = false, min_length = 1, max_length = 200,
            pattern = "^[!-~]+$", description = "Replays of the same request answer the first answer"),
    ),
    request_body = CentainesEntry,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Stored; the bureau's results (unchanged)", body = Accepted),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 415, body = ErrorBody),
        (status = 422, description = "A field of the wrong type (`invalid_field`) or centaines that break a rule (`invalid_pv`, each violation naming `centaines[N]…`)", body = ErrorBody),
    ))]
pub async fn put_centaines(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path((id, code)): Path<(String, String)>,
    headers: HeaderMap,
    ApiJson(entry): ApiJson<CentainesEntry>,
) -> Result<Response, ApiError> {
    let version = if_match(&headers)?.or(entry.version);
    let idem = idempotency(
        &headers,
        &format!("{id}/{code}/centaines/{}", principal.name),
        &(&entry.centaines, version),
    )?;
    write::enter_centaines(
        &state,
        &principal,
        &id,
        &code,
        entry.centaines,
        version,
        idem,
    )
    .await
    .map(|a| json_body(a.into_body()))
}

async fn transition(
    state: AppState,
    principal: Principal,
    (id, code): (String, String),
    headers: HeaderMap,
    body: axum::body::Bytes,
    action: Action,
) -> Result<Response, ApiError> {
    // No body, `null`, `{}` or `{"version": n}`.
    let body: TransitionBody = if body.iter().all(u8::is_ascii_whitespace) {
        TransitionBody::default()
    } else {
        serde_json::from_slice::<Option<TransitionBody>>(&body)
            .map_err(|e| {
                // As the JSON extractor: 422 for a field of the wrong type
                // or unknown, 400 for text that is not JSON.
                let (status, code) = if e.is_data() {
                    (StatusCode::UNPROCESSABLE_ENTITY, "invalid_field")
                } else {
                    (StatusCode::BAD_REQUEST, "malformed_json")
                };
                ApiError::BadRequest {
                    status,
                    code,
                    message: format!("corps JSON invalide : {e}"),
                }
            })?
            .unwrap_or_default()
    };
    let version = if_match(&headers)?.or(body.version);
    write::transition(&state, &principal, &id, &code, action, version)
        .await
        .map(|a| json_body(a.into_body()))
}

/// Declares one workflow action's handler and its documentation.
macro_rules! workflow_action {
    ($name:ident, $action:expr, $path:literal, $what:literal) => {
        #[doc = $what]
        #[utoipa::path(post, path = $path, tag = "bureaux",
            params(
                ("id" = String, Path, description = "The election's id"),
                ("code" = String, Path, description = "The bureau's code"),
                ("If-Match" = Option<String>, Header, nullable = false, pattern = r#"^(\*|"[0-9]{1,15}"|[0-9]{1,15})$"#,
                    description = "The version acted on (`\"3\"`); `*` for any"),
            ),
            request_body(content = Option<TransitionBody>, description = "Optional: `{}`, `{\"version\": n}` or nothing"),
            security(("bearer" = [])),
            responses(
                (status = 200, description = "Done; the bureau's results", body = Accepted),
                (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
                (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
                (status = 409, description = "Stale version or workflow refusal (`refusal`)", body = ErrorBody),
                (status = 413, body = ErrorBody),
                (status = 422, description = "A field of the wrong type, or unknown", body = ErrorBody),
            ))]
        pub async fn $name(
            State(state): State<AppState>,
            Extension(principal): Extension<Principal>,
            Path(path): Path<(String, String)>,
            headers: HeaderMap,
            body: Result<axum::body::Bytes, BytesRejection>,
        ) -> Result<Response, ApiError> {
            let body = body.map_err(|r| ApiError::BadRequest {
                status: r.status(),
                code: if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    "body_too_large"
                } else {
                    "body_unreadable"
                },
                message: "corps de requête trop volumineux ou illisible".into(),
            })?;
            transition(state, principal, path, headers, body, $action).await
        }
    };
}

workflow_action!(
    validate,
    Action::Validate,
    "/elections/{id}/bureaux/{code}/validate",
    "Validates a bureau's entry (desk; the president can no longer change it)."
);
workflow_action!(
    publish,
    Action::Publish,
    "/elections/{id}/bureaux/{code}/publish",
    "Publishes a validated bureau: its figures become public."
);
workflow_action!(
    publish_trend,
    Action::PublishTrend,
    "/elections/{id}/bureaux/{code}/trend",
    "Publishes a bureau's latest centaine as an early trend (desk), until its result is published: refused (409) without centaines (`no_centaines`) or once the result is public (`result_published`, `wrong_state`)."
);
workflow_action!(
    withdraw_trend,
    Action::WithdrawTrend,
    "/elections/{id}/bureaux/{code}/trend/withdraw",
    "Withdraws a bureau's early trend from the public view (desk; a trend published by mistake): 409 `no_trend` when none is published."
);
workflow_action!(
    unpublish,
    Action::Unpublish,
    "/elections/{id}/bureaux/{code}/unpublish",
    "Withdraws a bureau's figures from the public view."
);

/// A one-time login code for the bureau's president (desk).
#[utoipa::path(post, path = "/elections/{id}/bureaux/{code}/code", tag = "bureaux",
    params(
        ("id" = String, Path, description = "The election's id"),
        ("code" = String, Path, description = "The bureau's code"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, body = AccessCode),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    ))]
pub async fn access_code(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path((id, code)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let one_time = crate::write::new_access_code(&state, &principal, &id, &code).await?;
    Ok(Json(AccessCode {
        election: id,
        bureau: code,
        code: one_time,
    })
    .into_response())
}
