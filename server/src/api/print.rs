//! `GET /api/elections/{id}/print/…`: the printable records (PDF) — the
//! commune's record, a bureau's, the proclamation — from the same figures,
//! digests and audit rows as the exports. Their layout is [`crate::print`]'s.

use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::ApiQuery;
use super::exports::Source;
use super::schemas::ErrorBody;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::export::{Delivery, deliver, desk_source, live_results, print_pdf};
use crate::print::{Paper, PrintError, Record};
use crate::state::AppState;

/// The paper: A4 portrait (default) or A3 landscape.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum PaperName {
    A4,
    A3,
}

/// The records of the whole election.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RecordName {
    Commune,
    Proclamation,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PrintQuery {
    /// `a4` (portrait, default) or `a3` (landscape).
    #[serde(default)]
    #[param(inline)]
    pub format: Option<PaperName>,
    /// `desk` for every current entry (desk only); published figures otherwise.
    #[serde(default)]
    #[param(inline)]
    pub source: Option<Source>,
    /// The commune's INSEE code, when the root perimeter's code is not one.
    #[serde(default)]
    #[param(pattern = "^([0-9]{2}|2[AB])[0-9]{3}$")]
    pub insee: Option<String>,
    /// One commune of a territory (its INSEE code): that commune's record
    /// or proclamation, its bureaux and its own lists. Required for the
    /// commune's record and the proclamation when each commune of the
    /// territory elects its own council (municipales).
    #[serde(default)]
    pub commune: Option<String>,
}

async fn print_record(
    state: AppState,
    principal: Principal,
    id: String,
    record: Record,
    q: PrintQuery,
) -> Result<Response, ApiError> {
    let paper = match q.format {
        None | Some(PaperName::A4) => Paper::A4,
        Some(PaperName::A3) => Paper::A3,
    };
    let desk = desk_source(&principal, q.source.map(Source::name))?;
    let now = crate::store::now_millis();
    let mut results = live_results(&state, &id, desk, q.insee.as_deref(), now)?;
    if let Some(code) = q.commune.as_deref() {
        results = results.of_commune(code).ok_or_else(|| {
            ApiError::not_found(PrintError::UnknownCommune(code.to_string()).to_string())
        })?;
    }
    let what = format!("pdf-{}-{}", record.name(), paper.name());
    let bytes = print_pdf(record, paper, results, now)
        .await
        .map_err(|e| match e {
            PrintError::UnknownBureau(_) | PrintError::NotCounted(_) => {
                ApiError::not_found(e.to_string())
            }
            PrintError::NeedsCommune => ApiError::bad_request("commune_required", e.to_string()),
            PrintError::UnknownCommune(_) => ApiError::not_found(e.to_string()),
            PrintError::Pdf(_) => ApiError::Internal(anyhow::anyhow!(e)),
        })?;
    let d = Delivery {
        what: &what,
        desk,
        bytes,
        content_type: "application/pdf",
        extension: "pdf",
    };
    deliver(&state, &principal, &id, d).await
}

/// The commune's record or the proclamation, as a PDF.
#[utoipa::path(get, path = "/elections/{id}/print/{record}", tag = "print",
    params(
        ("id" = String, Path, description = "The election's id"),
        ("record" = inline(RecordName), Path, description = "commune or proclamation"),
        PrintQuery,
    ),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The PDF, with `Digest: sha-256=…` and `X-Content-SHA256`",
            content((String = "application/pdf"))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    ))]
pub async fn print(
    State(state): State<AppState>,
    principal: Principal,
    Path((id, record)): Path<(String, String)>,
    ApiQuery(q): ApiQuery<PrintQuery>,
) -> Result<Response, ApiError> {
    let record = match record.as_str() {
        "commune" => Record::Commune,
        "proclamation" => Record::Proclamation,
        other => {
            return Err(ApiError::not_found(format!(
                "document inconnu : {other} (commune, proclamation ou bureau/CODE)"
            )));
        }
    };
    print_record(state, principal, id, record, q).await
}

/// A bureau's record, as a PDF (once its figures are counted).
#[utoipa::path(get, path = "/elections/{id}/print/bureau/{code}", tag = "print",
    params(
        ("id" = String, Path, description = "The election's id"),
        ("code" = String, Path, description = "The bureau's code"),
        PrintQuery,
    ),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The PDF, with `Digest: sha-256=…` and `X-Content-SHA256`",
            content((String = "application/pdf"))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, description = "Unknown election or bureau, or a bureau not counted yet", body = ErrorBody),
    ))]
pub async fn print_bureau(
    State(state): State<AppState>,
    principal: Principal,
    Path((id, code)): Path<(String, String)>,
    ApiQuery(q): ApiQuery<PrintQuery>,
) -> Result<Response, ApiError> {
    print_record(state, principal, id, Record::Bureau(code), q).await
}
