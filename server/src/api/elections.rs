//! Elections: list, define (admin), read a definition, read the results,
//! read the seats (both councils of a municipal ballot).

use std::sync::Arc;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use election_data::model::Election;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::schemas::{self, ErrorBody};
use super::{ApiJson, ApiQuery, ElectionPath};
use crate::auth::Principal;
use crate::error::ApiError;
use crate::hub::{Hub, View};
use crate::live::LiveElection;
use crate::state::AppState;

/// An election in the list.
#[derive(Debug, Serialize, ToSchema)]
pub struct ElectionSummary {
    id: String,
    label: String,
    /// presidentielle, legislatives, europeennes, regionales,
    /// departementales, municipales, communautaires or referendum.
    #[schema(value_type = String)]
    kind: election_data::model::ElectionKind,
    round: u8,
    date: String,
    /// Bureaux in the definition.
    bureaux: usize,
    /// Bureaux whose figures have arrived.
    arrived: usize,
    /// The election's sequence number (one per committed write).
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

/// The answer to a definition.
#[derive(Debug, Serialize, ToSchema)]
pub struct Created {
    pub id: String,
    /// The public results page.
    pub page: String,
}

/// Every election, with how many bureaux have arrived.
#[utoipa::path(get, path = "/elections", tag = "elections",
    responses((status = 200, body = Vec<ElectionSummary>)))]
pub async fn list_elections(State(hub): State<Arc<Hub>>) -> Json<Vec<ElectionSummary>> {
    Json(hub.list().iter().map(|t| summary(&t.read())).collect())
}

/// Defines an election (admin).
#[utoipa::path(post, path = "/elections", tag = "elections",
    request_body = schemas::Election,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Defined", body = Created,
            headers(("Location" = String, description = "The election's API address"))),
        (status = 400, description = "Malformed JSON or a field of the wrong type", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, description = "An election with this id exists", body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, description = "Invalid definition: every problem named (`DefinitionError`s)", body = ErrorBody),
    ))]
pub async fn create_election(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    ApiJson(election): ApiJson<Election>,
) -> Result<Response, ApiError> {
    election.check().map_err(ApiError::Definition)?;
    state
        .store
        .create_election(&election, &principal.name)
        .await?;
    let id = election.id.clone();
    crate::state::watch_embargo(state.hub.insert(LiveElection::new(election)));
    tracing::info!(election = %id, "election created");
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, format!("/api/elections/{id}"))],
        Json(Created {
            page: format!("/elections/{id}"),
            id,
        }),
    )
        .into_response())
}

/// An election's definition.
#[utoipa::path(get, path = "/elections/{id}", tag = "elections",
    params(("id" = String, Path, description = "The election's id")),
    responses((status = 200, body = schemas::Election), (status = 404, body = ErrorBody)))]
pub async fn get_election(ElectionPath(topic): ElectionPath) -> Json<Election> {
    let election = topic.read().election.as_ref().clone();
    Json(election)
}

/// Which figures to read.
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ViewName {
    /// Published figures only (and nothing but participation under embargo).
    #[default]
    Public,
    /// Every entered figure (desk only).
    Desk,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ResultsQuery {
    /// `desk` for every entered figure (desk only); public by default.
    #[param(inline)]
    pub view: Option<ViewName>,
}

/// The full current results: the same bytes as the WebSocket snapshot.
#[utoipa::path(get, path = "/elections/{id}/results", tag = "elections",
    params(("id" = String, Path, description = "The election's id"), ResultsQuery),
    security((), ("bearer" = [])),
    responses(
        (status = 200, body = schemas::Snapshot),
        (status = 400, description = "Unknown view", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    ))]
pub async fn results(
    principal: Principal,
    ElectionPath(topic): ElectionPath,
    ApiQuery(q): ApiQuery<ResultsQuery>,
) -> Result<Response, ApiError> {
    let view = match q.view.unwrap_or_default() {
        ViewName::Public => View::Public,
        ViewName::Desk => {
            principal.require_desk()?;
            View::Desk
        }
    };
    let frame = topic.snapshot(view);
    Ok((
        [(header::CONTENT_TYPE, "application/json")],
        frame.text.as_str().to_owned(),
    )
        .into_response())
}

/// The seats of the published figures: what the pages, the big screen and
/// the feed show.
#[derive(Debug, Serialize, ToSchema)]
pub struct SeatsAnswer {
    election: String,
    /// The election's sequence number the seats were computed at.
    seq: i64,
    /// Published bureaux, and bureaux in the definition: the seats are
    /// final once they are equal and every allocation's outcome is final.
    arrived: usize,
    total: usize,
    /// `council` (the municipal council, or the election's assembly) and,
    /// for the municipales of a commune of 1,000 and more with `cc_seats`,
    /// `community` (the community council), allocated from the same voix;
    /// absent for an election without seats, before any published bureau
    /// and during an embargo.
    #[schema(value_type = Option<schemas::Councils>)]
    councils: Option<election_data::seats::Councils>,
    /// At the municipales of a territory of several communes, each commune's
    /// own councils from its own published bureaux, in definition order
    /// (communes without a published bureau are left out); empty otherwise.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    communes: Vec<CommuneSeats>,
}

/// One commune's councils in a municipal territory.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommuneSeats {
    /// The commune's INSEE code (its perimeter's code).
    commune: String,
    name: String,
    /// The commune's published bureaux, and all its bureaux.
    arrived: usize,
    total: usize,
    #[schema(value_type = schemas::Councils)]
    councils: election_data::seats::Councils,
}

/// The provisional (once every bureau is published, final) seats of the
/// published figures, through the one seat entry point.
#[utoipa::path(get, path = "/elections/{id}/seats", tag = "elections",
    params(("id" = String, Path, description = "The election's id")),
    responses((status = 200, body = SeatsAnswer), (status = 404, body = ErrorBody)))]
pub async fn seats(ElectionPath(topic): ElectionPath) -> Json<SeatsAnswer> {
    let live = topic.read();
    let root = live.public_root_tally();
    let now = crate::store::now_millis();
    let e = &live.election;
    let communes = if e.is_territory() {
        e.communes()
            .into_iter()
            .filter_map(|m| {
                let councils = live.provisional_seats_of(&m.code, now)?;
                let t = live.public.perimeters.get(&m.code)?;
                Some(CommuneSeats {
                    commune: m.code.clone(),
                    name: m.name.clone(),
                    arrived: t.arrived,
                    total: t.total,
                    councils,
                })
            })
            .collect()
    } else {
        Vec::new()
    };
    Json(SeatsAnswer {
        election: e.id.clone(),
        seq: live.seq,
        arrived: root.map_or(0, |t| t.arrived),
        total: root.map_or(e.bureaux.len(), |t| t.total),
        councils: live.provisional_seats(now),
        communes,
    })
}
