//! `GET /api/elections/{id}/export/{format}`: the results in the ministry,
//! prefecture, open-data, NIST and EML formats, with their SHA-256 in the
//! `Digest` and `X-Content-SHA256` headers. What the files hold and how they
//! are built is [`crate::export`]'s.

use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::ApiQuery;
use super::schemas::ErrorBody;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::export::{Delivery, Format, build, deliver, desk_source, live_results, rfc3339_utc};
use crate::state::AppState;

/// Whose figures: the published ones, or every current entry (desk only).
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Public,
    Desk,
}

impl Source {
    pub fn name(self) -> &'static str {
        match self {
            Source::Public => "public",
            Source::Desk => "desk",
        }
    }
}

/// The export formats, as named in the URL.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
pub enum FormatName {
    #[serde(rename = "ministere")]
    Ministere,
    #[serde(rename = "prefecture")]
    Prefecture,
    #[serde(rename = "opendata")]
    Opendata,
    #[serde(rename = "nist")]
    Nist,
    #[serde(rename = "eml")]
    Eml,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `desk` for every current entry (desk only); published figures otherwise.
    #[serde(default)]
    #[param(inline)]
    pub source: Option<Source>,
    /// The commune's INSEE code, when the root perimeter's code is not one.
    #[serde(default)]
    #[param(pattern = "^([0-9]{2}|2[AB])[0-9]{3}$")]
    pub insee: Option<String>,
}

/// The results as a file, in one of the export formats.
#[utoipa::path(get, path = "/elections/{id}/export/{format}", tag = "exports",
    params(
        ("id" = String, Path, description = "The election's id"),
        ("format" = inline(FormatName), Path, description = "ministere, prefecture, opendata, nist or eml"),
        ExportQuery,
    ),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The file, with `Digest: sha-256=…` and `X-Content-SHA256`",
            content((String = "text/csv"), (String = "application/xml"), (Object = "application/json"))),
        (status = 400, description = "Unknown source or invalid INSEE code", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Desk figures without the desk's role, or public results under embargo", body = ErrorBody),
        (status = 404, description = "Unknown election or format", body = ErrorBody),
    ))]
pub async fn download(
    State(state): State<AppState>,
    principal: Principal,
    Path((id, format)): Path<(String, String)>,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> Result<Response, ApiError> {
    let format = Format::parse(&format).ok_or_else(|| {
        let names: Vec<&str> = Format::ALL.iter().map(|f| f.name()).collect();
        ApiError::not_found(format!(
            "format d'export inconnu : {format} (formats : {})",
            names.join(", ")
        ))
    })?;
    let desk = desk_source(&principal, q.source.map(Source::name))?;
    let now = crate::store::now_millis();
    let results = live_results(&state, &id, desk, q.insee.as_deref(), now)?;
    let bytes = build(format, &results, &rfc3339_utc(now));
    let d = Delivery {
        what: format.name(),
        desk,
        bytes,
        content_type: format.content_type(),
        extension: format.extension(),
    };
    deliver(&state, &principal, &id, d).await
}
