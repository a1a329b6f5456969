//! The JSON entry API: define elections, put procès-verbaux and turnout.
//!
//! A write goes validate → commit → publish under the election's writer
//! lock: the PV is checked by election-data (every violation reported at
//! once, nothing stored on a blocking error), committed in one transaction,
//! and only then applied to the live state and pushed to subscribers. The
//! answer (200 with the bureau's computed results) is sent after the commit.

use std::any::Any;

use axum::Json;
use axum::body::Body;
use axum::extract::{FromRequest, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use election_data::model::{Election, ProcesVerbal, TurnoutReading};
use election_data::tally::{BureauRecord, BureauState};
use election_data::validate::{check_pv, check_turnout};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::app::AppState;
use crate::error::ApiError;
use crate::live::{BureauMeta, LiveElection};
use crate::store::{EntryKind, NewEntry};

/// `axum::Json` with our error messages.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

const OPENAPI: &str = include_str!("openapi.json");

pub async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

pub async fn health() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok" }))
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

/// Checks the bearer token of a write request; returns the author name.
fn authorize(state: &AppState, headers: &HeaderMap) -> Result<&'static str, ApiError> {
    let expected = state.config.api_token.as_bytes();
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::as_bytes)
        .ok_or(ApiError::Unauthorized)?;
    // Constant-time comparison: the token must not leak through timing.
    let same = given.len() == expected.len()
        && !expected.is_empty()
        && given
            .iter()
            .zip(expected)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    if same {
        Ok("desk-api")
    } else {
        Err(ApiError::Unauthorized)
    }
}

#[derive(Serialize)]
pub struct ElectionSummary {
    id: String,
    label: String,
    kind: election_data::model::ElectionKind,
    round: u8,
    date: String,
    bureaux: usize,
    arrived: usize,
    seq: i64,
}

fn summary(live: &LiveElection) -> ElectionSummary {
    ElectionSummary {
        id: live.election.id.clone(),
        label: live.election.label.clone(),
        kind: live.election.kind,
        round: live.election.round,
        date: live.election.date.clone(),
        bureaux: live.election.bureaux.len(),
        arrived: live.root_tally().map_or(0, |t| t.arrived),
        seq: live.seq,
    }
}

pub async fn list_elections(State(state): State<AppState>) -> Json<Vec<ElectionSummary>> {
    Json(
        state
            .hub
            .list()
            .iter()
            .map(|t| summary(&t.read()))
            .collect(),
    )
}

pub async fn create_election(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(election): ApiJson<Election>,
) -> Result<Response, ApiError> {
    authorize(&state, &headers)?;
    election.check().map_err(ApiError::Definition)?;
    state.store.create_election(&election).await?;
    let id = election.id.clone();
    state.hub.insert(LiveElection::new(election));
    tracing::info!(election = %id, "election created");
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, format!("/api/elections/{id}"))],
        Json(json!({ "id": id, "page": format!("/elections/{id}") })),
    )
        .into_response())
}

pub async fn get_election(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Election>, ApiError> {
    let topic = state
        .hub
        .get(&id)
        .ok_or_else(|| ApiError::not_found(format!("élection inconnue : {id}")))?;
    let election = topic.read().election.as_ref().clone();
    Ok(Json(election))
}

/// The full current results: the same bytes as the WebSocket snapshot.
pub async fn results(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let topic = state
        .hub
        .get(&id)
        .ok_or_else(|| ApiError::not_found(format!("élection inconnue : {id}")))?;
    let frame = topic.snapshot();
    Ok((
        [(header::CONTENT_TYPE, "application/json")],
        frame.text.as_str().to_owned(),
    )
        .into_response())
}

/// Body of `PUT …/pv`: the procès-verbal's fields plus `confirm` and
/// `version`. Spelled out rather than `#[serde(flatten)]`ed, so that a type
/// error names its field.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PvEntry {
    pub inscrits: i64,
    pub votants: i64,
    pub blancs: i64,
    pub nuls: i64,
    pub exprimes: i64,
    pub voix: Vec<election_data::model::CandidateVoix>,
    #[serde(default)]
    pub turnout: Vec<TurnoutReading>,
    /// Confirms an entry that raised warnings.
    #[serde(default)]
    pub confirm: bool,
    /// The version this entry replaces (also accepted as `If-Match`); when
    /// given and stale, the entry is refused with 409.
    #[serde(default)]
    pub version: Option<i64>,
}

/// Body of `PUT …/turnout`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TurnoutEntry {
    pub turnout: Vec<TurnoutReading>,
    #[serde(default)]
    pub version: Option<i64>,
}

fn if_match(headers: &HeaderMap) -> Result<Option<i64>, ApiError> {
    let Some(v) = headers.get(header::IF_MATCH) else {
        return Ok(None);
    };
    v.to_str()
        .ok()
        .map(|s| s.trim().trim_matches('"'))
        .and_then(|s| s.parse::<i64>().ok())
        .map(Some)
        .ok_or_else(|| {
            ApiError::bad_request(
                "invalid_if_match",
                "If-Match doit contenir la version corrigée, par exemple \"3\"",
            )
        })
}

/// Merges new turnout readings into the known ones, by hour.
fn merge_turnout(known: &[TurnoutReading], new: &[TurnoutReading]) -> Vec<TurnoutReading> {
    let mut out: Vec<TurnoutReading> = known
        .iter()
        .filter(|k| !new.iter().any(|n| n.hour == k.hour))
        .cloned()
        .collect();
    out.extend(new.iter().cloned());
    out.sort_by(|a, b| a.hour.cmp(&b.hour));
    out
}

#[derive(Serialize)]
struct Accepted<'a> {
    election: &'a str,
    bureau: &'a str,
    version: i64,
    seq: i64,
    state: BureauState,
    warnings: Vec<election_data::validate::Violation>,
    results: election_data::tally::Tally,
}

/// Commits a bureau's new record and publishes it. Called with the writer lock held.
#[allow(clippy::too_many_arguments)]
async fn commit_and_publish(
    state: &AppState,
    topic: &crate::hub::Topic,
    bureau: &str,
    current: BureauMeta,
    new_state: BureauState,
    record: BureauRecord,
    kind: EntryKind,
    payload: serde_json::Value,
    author: &str,
    warnings: Vec<election_data::validate::Violation>,
) -> Result<Response, ApiError> {
    let committed = state
        .store
        .put_entry(NewEntry {
            election_id: &topic.id,
            bureau_code: bureau,
            expected_version: current.version,
            state: new_state,
            record: &record,
            kind,
            payload: &payload,
            author,
        })
        .await?;
    let meta = BureauMeta {
        state: new_state,
        version: committed.version,
        updated_at: committed.at,
    };
    topic.publish(bureau, meta, record, committed.seq);
    let results = topic
        .read()
        .results
        .bureaux
        .get(bureau)
        .cloned()
        .ok_or_else(|| {
            ApiError::Internal(anyhow::anyhow!("bureau {bureau} missing after publish"))
        })?;
    tracing::info!(election = %topic.id, bureau, seq = committed.seq, version = committed.version, ?kind, "entry committed");
    Ok(Json(Accepted {
        election: &topic.id,
        bureau,
        version: committed.version,
        seq: committed.seq,
        state: new_state,
        warnings,
        results,
    })
    .into_response())
}

fn check_version(expected: Option<i64>, current: BureauMeta) -> Result<(), ApiError> {
    match expected {
        Some(v) if v != current.version => Err(ApiError::Conflict {
            message: format!(
                "cette saisie corrige la version {v} mais la version enregistrée est {} : rechargez avant de corriger",
                current.version
            ),
            current_version: current.version,
        }),
        _ => Ok(()),
    }
}

pub async fn put_pv(
    State(state): State<AppState>,
    Path((id, code)): Path<(String, String)>,
    headers: HeaderMap,
    ApiJson(entry): ApiJson<PvEntry>,
) -> Result<Response, ApiError> {
    let author = authorize(&state, &headers)?;
    let expected = if_match(&headers)?.or(entry.version);
    let confirm = entry.confirm;
    let pv = ProcesVerbal {
        inscrits: entry.inscrits,
        votants: entry.votants,
        blancs: entry.blancs,
        nuls: entry.nuls,
        exprimes: entry.exprimes,
        voix: entry.voix,
        turnout: entry.turnout,
    };
    let topic = state
        .hub
        .get(&id)
        .ok_or_else(|| ApiError::not_found(format!("élection inconnue : {id}")))?;
    let _writer = topic.writer.lock().await;
    let (election, previous, current) = {
        let live = topic.read();
        (
            live.election.clone(),
            live.records.get(&code).cloned().unwrap_or_default(),
            live.meta(&code),
        )
    };
    let bureau = election
        .bureau(&code)
        .ok_or_else(|| ApiError::not_found(format!("bureau inconnu dans {id} : {code}")))?;
    check_version(expected, current)?;
    // Turnout readings already stored count too: the final votants must not
    // fall below a reading of the day.
    let turnout = merge_turnout(&previous.turnout, &pv.turnout);
    let checked = ProcesVerbal {
        turnout: turnout.clone(),
        ..pv.clone()
    };
    let report = check_pv(&election, bureau, &checked, previous.pv.as_ref());
    if !report.accepts(confirm) {
        return Err(ApiError::Violations {
            errors: report.errors,
            warnings: report.warnings,
        });
    }
    let payload = serde_json::to_value(&pv)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("cannot serialise pv: {e}")))?;
    let record = BureauRecord {
        turnout,
        pv: Some(ProcesVerbal {
            turnout: Vec::new(),
            ..pv
        }),
    };
    commit_and_publish(
        &state,
        &topic,
        &code,
        current,
        BureauState::Entered,
        record,
        EntryKind::Pv,
        payload,
        author,
        report.warnings,
    )
    .await
}

pub async fn put_turnout(
    State(state): State<AppState>,
    Path((id, code)): Path<(String, String)>,
    headers: HeaderMap,
    ApiJson(entry): ApiJson<TurnoutEntry>,
) -> Result<Response, ApiError> {
    let author = authorize(&state, &headers)?;
    let expected = if_match(&headers)?.or(entry.version);
    let topic = state
        .hub
        .get(&id)
        .ok_or_else(|| ApiError::not_found(format!("élection inconnue : {id}")))?;
    let _writer = topic.writer.lock().await;
    let (election, previous, current) = {
        let live = topic.read();
        (
            live.election.clone(),
            live.records.get(&code).cloned().unwrap_or_default(),
            live.meta(&code),
        )
    };
    let bureau = election
        .bureau(&code)
        .ok_or_else(|| ApiError::not_found(format!("bureau inconnu dans {id} : {code}")))?;
    check_version(expected, current)?;
    let merged = merge_turnout(&previous.turnout, &entry.turnout);
    let report = check_turnout(&election, bureau, &merged, previous.pv.as_ref());
    if report.is_blocking() {
        return Err(ApiError::Violations {
            errors: report.errors,
            warnings: report.warnings,
        });
    }
    let payload = json!({ "turnout": entry.turnout });
    let new_state = current.state;
    let record = BureauRecord {
        pv: previous.pv,
        turnout: merged,
    };
    commit_and_publish(
        &state,
        &topic,
        &code,
        current,
        new_state,
        record,
        EntryKind::Turnout,
        payload,
        author,
        report.warnings,
    )
    .await
}
