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
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::app::AppState;
use crate::auth::{CSRF_HEADER, Principal};
use crate::error::ApiError;
use crate::live::LiveElection;
use crate::write::{self, IdemKey, PvInput};
use election_data::workflow::Action;

/// `axum::Json` with our error messages.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

const OPENAPI: &str = include_str!("openapi.json");

pub async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

/// Liveness, and the live fan-out's state: the public WebSocket connections
/// held, and each fan-out worker's process, state and connections.
pub async fn health(State(state): State<AppState>) -> Json<serde_json::Value> {
    let fanout = match state.hub.all_workers() {
        Some(workers) => {
            let workers = workers.status();
            let connections: usize = workers.iter().map(|w| w.connections).sum();
            json!({ "connections": connections, "workers": workers })
        }
        None => {
            let connections: usize = state
                .hub
                .list()
                .iter()
                .map(|t| t.subscribers(crate::hub::View::Public))
                .sum();
            json!({ "connections": connections, "workers": [] })
        }
    };
    Json(json!({ "status": "ok", "fanout": fanout }))
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
    principal: Principal,
    headers: HeaderMap,
    ApiJson(election): ApiJson<Election>,
) -> Result<Response, ApiError> {
    principal.require_admin()?;
    principal.check_csrf(csrf_header(&headers))?;
    election.check().map_err(ApiError::Definition)?;
    state
        .store
        .create_election(&election, &principal.name)
        .await?;
    let id = election.id.clone();
    crate::app::watch_embargo(state.hub.insert(LiveElection::new(election)));
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

#[derive(Debug, Deserialize)]
pub struct ResultsQuery {
    /// `desk` for every entered figure (desk only); public by default.
    pub view: Option<String>,
}

/// The full current results: the same bytes as the WebSocket snapshot.
pub async fn results(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<ResultsQuery>,
) -> Result<Response, ApiError> {
    let view = match q.view.as_deref() {
        None | Some("public") => crate::hub::View::Public,
        Some("desk") => {
            principal.require_desk()?;
            crate::hub::View::Desk
        }
        Some(other) => {
            return Err(ApiError::bad_request(
                "invalid_field",
                format!("view : public ou desk attendu (reçu {other})"),
            ));
        }
    };
    let topic = state
        .hub
        .get(&id)
        .ok_or_else(|| ApiError::not_found(format!("élection inconnue : {id}")))?;
    let frame = topic.snapshot(view);
    Ok((
        [(header::CONTENT_TYPE, "application/json")],
        frame.text.as_str().to_owned(),
    )
        .into_response())
}

/// Body of `PUT …/pv`: the procès-verbal's fields plus `confirm`,
/// `version` and `entry`. Spelled out rather than `#[serde(flatten)]`ed, so
/// that a type error names its field.
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
    /// 2 for the second entry of a double entry.
    #[serde(default = "first_entry")]
    pub entry: u8,
    /// Running tallies after 100, 200… ballots (optional).
    #[serde(default)]
    pub centaines: Vec<election_data::validate::Centaine>,
}

fn first_entry() -> u8 {
    1
}

/// Body of `PUT …/turnout`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TurnoutEntry {
    pub turnout: Vec<TurnoutReading>,
    #[serde(default)]
    pub version: Option<i64>,
}

/// Body of the workflow actions (validate, publish, unpublish).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransitionBody {
    #[serde(default)]
    pub version: Option<i64>,
}

fn csrf_header(headers: &HeaderMap) -> Option<&str> {
    headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok())
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

/// The `Idempotency-Key` header with a hash of what it came with.
fn idempotency(
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
        .filter(|k| !k.is_empty() && k.len() <= 200)
        .ok_or_else(|| {
            ApiError::bad_request(
                "invalid_idempotency_key",
                "Idempotency-Key : 1 à 200 caractères ASCII",
            )
        })?;
    let request = serde_json::to_string(body).unwrap_or_default();
    Ok(Some(IdemKey {
        key: format!("{scope}:{key}"),
        request_hash: crate::auth::sha256_hex(format!("{scope}\n{request}").as_bytes()),
    }))
}

fn json_body(body: String) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

pub async fn put_pv(
    State(state): State<AppState>,
    principal: Principal,
    Path((id, code)): Path<(String, String)>,
    headers: HeaderMap,
    ApiJson(entry): ApiJson<PvEntry>,
) -> Result<Response, ApiError> {
    principal.require_login()?;
    principal.check_csrf(csrf_header(&headers))?;
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

pub async fn put_turnout(
    State(state): State<AppState>,
    principal: Principal,
    Path((id, code)): Path<(String, String)>,
    headers: HeaderMap,
    ApiJson(entry): ApiJson<TurnoutEntry>,
) -> Result<Response, ApiError> {
    principal.require_login()?;
    principal.check_csrf(csrf_header(&headers))?;
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

async fn transition(
    state: AppState,
    principal: Principal,
    id: String,
    code: String,
    headers: HeaderMap,
    body: axum::body::Bytes,
    action: Action,
) -> Result<Response, ApiError> {
    principal.require_login()?;
    principal.check_csrf(csrf_header(&headers))?;
    // The body is optional: `{}` or `{"version": n}`, or nothing at all.
    let body: TransitionBody = if body.iter().all(u8::is_ascii_whitespace) {
        TransitionBody::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| {
            ApiError::bad_request("invalid_field", format!("corps JSON invalide : {e}"))
        })?
    };
    let version = if_match(&headers)?.or(body.version);
    write::transition(&state, &principal, &id, &code, action, version)
        .await
        .map(|a| json_body(a.into_body()))
}

pub async fn validate(
    State(state): State<AppState>,
    principal: Principal,
    Path((id, code)): Path<(String, String)>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    transition(state, principal, id, code, headers, body, Action::Validate).await
}

pub async fn publish(
    State(state): State<AppState>,
    principal: Principal,
    Path((id, code)): Path<(String, String)>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    transition(state, principal, id, code, headers, body, Action::Publish).await
}

pub async fn unpublish(
    State(state): State<AppState>,
    principal: Principal,
    Path((id, code)): Path<(String, String)>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    transition(state, principal, id, code, headers, body, Action::Unpublish).await
}

/// `POST …/bureaux/{code}/code`: a one-time login code for the bureau's president.
pub async fn access_code(
    State(state): State<AppState>,
    principal: Principal,
    Path((id, code)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    principal.require_desk()?;
    principal.check_csrf(csrf_header(&headers))?;
    let one_time = new_access_code(&state, &principal, &id, &code).await?;
    Ok(Json(json!({ "election": id, "bureau": code, "code": one_time })).into_response())
}

/// Creates and stores a one-time code; returns it (it is shown once, never stored in clear).
pub async fn new_access_code(
    state: &AppState,
    principal: &Principal,
    id: &str,
    code: &str,
) -> Result<String, ApiError> {
    let topic = state
        .hub
        .get(id)
        .ok_or_else(|| ApiError::not_found(format!("élection inconnue : {id}")))?;
    if topic.read().election.bureau(code).is_none() {
        return Err(ApiError::not_found(format!(
            "bureau inconnu dans {id} : {code}"
        )));
    }
    // 12 characters from an alphabet without look-alikes: ~60 bits.
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let raw: String = {
        use rand::Rng;
        let mut rng = rand::rng();
        (0..12)
            .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
            .collect()
    };
    state
        .store
        .create_access_code(
            &crate::auth::sha256_hex(raw.as_bytes()),
            id,
            code,
            &principal.name,
            crate::store::now_millis() + 24 * 3_600_000,
        )
        .await?;
    Ok(format!("{}-{}-{}", &raw[0..4], &raw[4..8], &raw[8..12]))
}

/// Body of `POST /api/users`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    pub username: String,
    pub password: String,
    pub role: election_data::workflow::Role,
    #[serde(default)]
    pub bureaux: Vec<String>,
}

/// Checks and hashes a new account.
pub async fn make_user(u: NewUser) -> Result<crate::store::accounts::User, ApiError> {
    if u.username.trim().is_empty() || u.username.len() > 64 {
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
    if u.role == election_data::workflow::Role::Public {
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
    })
}

pub async fn create_user(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    ApiJson(body): ApiJson<NewUser>,
) -> Result<Response, ApiError> {
    principal.require_admin()?;
    principal.check_csrf(csrf_header(&headers))?;
    let user = make_user(body).await?;
    state.store.put_user(&user, &principal.name).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "username": user.username, "role": user.role, "bureaux": user.bureaux })),
    )
        .into_response())
}

#[derive(Debug, Deserialize)]
pub struct AuditQuery {
    pub election: Option<String>,
    pub limit: Option<i64>,
}

/// `GET /api/audit`: the latest audit rows (desk only).
pub async fn audit(
    State(state): State<AppState>,
    principal: Principal,
    axum::extract::Query(q): axum::extract::Query<AuditQuery>,
) -> Result<Response, ApiError> {
    principal.require_desk()?;
    let rows = state
        .store
        .audit_rows(q.election.as_deref(), q.limit.unwrap_or(200).clamp(1, 5000))
        .await?;
    Ok(Json(rows).into_response())
}
