//! API errors and how they are answered.
//!
//! Every refusal is JSON `{ "error": code, "message": text, … }` with the
//! right status: 400/413/415/422 for bad input (naming the field and the rule),
//! 404 for unknown elections or bureaux, 409 for stale corrections. Internal
//! errors are logged with their context and an incident id; the response
//! carries only the id and a generic message, never the error's text.

use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use election_data::model::DefinitionError;
use election_data::validate::Violation;
use serde::Serialize;
use utoipa::ToSchema;

use crate::store::StoreError;
use crate::store::outage::{Outage, outage_of};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{message}")]
    BadRequest {
        status: StatusCode,
        code: &'static str,
        message: String,
    },
    #[error("{0}")]
    NotFound(String),
    #[error("invalid election definition")]
    Definition(Vec<DefinitionError>),
    #[error("procès-verbal refused")]
    Violations {
        errors: Vec<Violation>,
        warnings: Vec<Violation>,
    },
    /// A module's record refused: each problem names its field and rule.
    #[error("record refused")]
    Fields(Vec<module_engine::FieldError>),
    /// A contours file refused: each problem names its feature and reason.
    #[error("contours refused")]
    Contours(Vec<election_data::map::contours::ContourError>),
    #[error("{message}")]
    Conflict {
        message: String,
        current_version: i64,
    },
    #[error("unauthorized")]
    Unauthorized,
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("refused: {0:?}")]
    Refused(election_data::bureau::Refusal),
    #[error("internal error: {0}")]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::NotFound(message.into())
    }

    /// 404 for an election id the hub does not hold.
    pub fn unknown_election(id: &str) -> ApiError {
        ApiError::NotFound(format!("élection inconnue : {id}"))
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::BadRequest {
            status: StatusCode::BAD_REQUEST,
            code,
            message: message.into(),
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> ApiError {
        let (code, prefix) = match &r {
            JsonRejection::JsonDataError(_) => ("invalid_field", "champ invalide"),
            JsonRejection::JsonSyntaxError(_) => ("malformed_json", "JSON mal formé"),
            JsonRejection::MissingJsonContentType(_) => (
                "unsupported_media_type",
                "le corps doit être envoyé avec Content-Type: application/json",
            ),
            JsonRejection::BytesRejection(_) => ("body_unreadable", "corps de requête illisible"),
            _ => ("bad_request", "requête invalide"),
        };
        let status = r.status();
        let message = if status == StatusCode::PAYLOAD_TOO_LARGE {
            "corps de requête trop volumineux".to_string()
        } else if matches!(r, JsonRejection::MissingJsonContentType(_)) {
            prefix.to_string()
        } else {
            let text = r.body_text();
            let detail = text
                .strip_prefix("Failed to deserialize the JSON body into the target type: ")
                .or_else(|| text.strip_prefix("Failed to parse the request body as JSON: "))
                .unwrap_or(&text);
            format!("{prefix} : {detail}")
        };
        let code = if status == StatusCode::PAYLOAD_TOO_LARGE {
            "body_too_large"
        } else {
            code
        };
        ApiError::BadRequest {
            status,
            code,
            message,
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> ApiError {
        let text = r.body_text();
        let detail = text
            .strip_prefix("Failed to deserialize query string: ")
            .unwrap_or(&text);
        ApiError::bad_request("invalid_field", format!("paramètre invalide : {detail}"))
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        match e {
            StoreError::UnknownElection(id) => ApiError::unknown_election(&id),
            StoreError::ElectionExists(id) => ApiError::Conflict {
                message: format!("l'élection {id} existe déjà"),
                current_version: 0,
            },
            StoreError::Conflict { bureau, expected } => ApiError::Conflict {
                message: format!(
                    "le bureau {bureau} a été modifié entre-temps (version attendue {expected}) : rechargez avant de corriger"
                ),
                current_version: expected,
            },
            other => ApiError::Internal(other.into()),
        }
    }
}

/// The body of every refusal and error of the API: what
/// [`ApiError`] answers, and its schema in `/api/openapi.json`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Stable code: malformed_json, invalid_field, body_too_large,
    /// body_unreadable, unsupported_media_type, unauthorized, not_found,
    /// conflict, invalid_definition, invalid_pv, invalid_record, invalid_contours, confirmation_required,
    /// internal, forbidden, workflow, no_double_entry,
    /// idempotency_key_reused, throttled, invalid_credentials,
    /// invalid_if_match, invalid_idempotency_key, invalid_source,
    /// invalid_insee, storage_full (507), database_unavailable (503).
    pub error: String,
    /// Human message, in French, naming the field and the rule.
    pub message: String,
    /// Invalid PV: the blocking `Violation`s (field, rule, severity,
    /// message). Invalid definition: every `DefinitionError` (field, message).
    /// Invalid record (a module's): every field error (field, rule, message).
    /// Invalid contours: every problem (place: the feature or bureau, reason).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<Object>>)]
    pub violations: Option<serde_json::Value>,
    /// Invalid PV or confirmation required: the warnings.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<crate::schemas::Violation>>)]
    pub warnings: Option<serde_json::Value>,
    /// Conflict: the version now stored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_version: Option<i64>,
    /// Internal error: its id in the server log (never its text).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incident: Option<String>,
    /// Workflow refusal: `reason` and details.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<crate::schemas::Refusal>)]
    pub refusal: Option<serde_json::Value>,
}

impl ErrorBody {
    pub fn new(error: &str, message: impl Into<String>) -> ErrorBody {
        ErrorBody {
            error: error.to_string(),
            message: message.into(),
            violations: None,
            warnings: None,
            current_version: None,
            incident: None,
            refusal: None,
        }
    }
}

/// A list of domain values as JSON (plain structs: serialising cannot fail).
fn listed<T: Serialize>(items: &[T]) -> Option<serde_json::Value> {
    Some(serde_json::to_value(items).unwrap_or_default())
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, body) = match self {
            ApiError::BadRequest {
                status,
                code,
                message,
            } => (status, ErrorBody::new(code, message)),
            ApiError::NotFound(message) => {
                (StatusCode::NOT_FOUND, ErrorBody::new("not_found", message))
            }
            ApiError::Definition(errors) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorBody {
                    violations: listed(&errors),
                    ..ErrorBody::new(
                        "invalid_definition",
                        "la définition de l'élection est invalide",
                    )
                },
            ),
            ApiError::Violations { errors, warnings } => {
                let (code, message) = if errors.is_empty() {
                    (
                        "confirmation_required",
                        "le procès-verbal est cohérent mais inhabituel : confirmez avec \"confirm\": true",
                    )
                } else {
                    (
                        "invalid_pv",
                        "le procès-verbal est incohérent : rien n'a été enregistré",
                    )
                };
                (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    ErrorBody {
                        violations: listed(&errors),
                        warnings: listed(&warnings),
                        ..ErrorBody::new(code, message)
                    },
                )
            }
            ApiError::Fields(errors) => {
                let first = errors
                    .first()
                    .map_or(String::new(), |e| format!(" ({} : {})", e.field, e.message));
                (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    ErrorBody {
                        violations: listed(&errors),
                        ..ErrorBody::new(
                            "invalid_record",
                            format!("fiche refusée{first} : rien n'a été enregistré"),
                        )
                    },
                )
            }
            ApiError::Contours(errors) => {
                let first = errors.first().map_or(String::new(), |e| format!(" ({e})"));
                let more = match errors.len() {
                    0 | 1 => String::new(),
                    n => format!(" et {} autre(s)", n - 1),
                };
                (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    ErrorBody {
                        violations: listed(&errors),
                        ..ErrorBody::new(
                            "invalid_contours",
                            format!("contours refusés{first}{more} : rien n'a été enregistré"),
                        )
                    },
                )
            }
            ApiError::Conflict {
                message,
                current_version,
            } => (
                StatusCode::CONFLICT,
                ErrorBody {
                    current_version: Some(current_version),
                    ..ErrorBody::new("conflict", message)
                },
            ),
            ApiError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                ErrorBody::new(
                    "unauthorized",
                    "authentification requise : connectez-vous ou envoyez Authorization: Bearer <jeton>",
                ),
            ),
            ApiError::Forbidden(message) => {
                (StatusCode::FORBIDDEN, ErrorBody::new("forbidden", message))
            }
            ApiError::Refused(refusal) => (
                StatusCode::CONFLICT,
                ErrorBody {
                    refusal: Some(serde_json::to_value(&refusal).unwrap_or_default()),
                    ..ErrorBody::new("workflow", refusal.message())
                },
            ),
            ApiError::Internal(err) if outage_of(&err).is_some() => {
                tracing::warn!(error = ?err, "storage outage");
                let (status, code, message) = match outage_of(&err) {
                    Some(Outage::DiskFull) => (
                        StatusCode::INSUFFICIENT_STORAGE,
                        "storage_full",
                        "le disque de la base de données est plein : rien n'a été enregistré ; libérez de la place puis renvoyez la même requête",
                    ),
                    _ => (
                        StatusCode::SERVICE_UNAVAILABLE,
                        "database_unavailable",
                        "la base de données ne répond pas (arrêt ou redémarrage) : rien n'a été enregistré ; renvoyez la même requête, avec la même clé d'idempotence, dans quelques secondes",
                    ),
                };
                return (
                    status,
                    [(axum::http::header::RETRY_AFTER, "5")],
                    Json(ErrorBody::new(code, message)),
                )
                    .into_response();
            }
            ApiError::Internal(err) => {
                let incident = uuid::Uuid::new_v4();
                tracing::error!(%incident, error = ?err, "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    ErrorBody {
                        incident: Some(incident.to_string()),
                        ..ErrorBody::new("internal", "erreur interne du serveur")
                    },
                )
            }
        };
        (status, Json(body)).into_response()
    }
}
