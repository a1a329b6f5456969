//! `GET /api/health`: liveness, and the live fan-out's state.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

use crate::hub::Hub;

/// Liveness and the fan-out's connections.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// Always `ok` when the server answers.
    pub status: String,
    pub fanout: Fanout,
}

/// The public WebSocket connections held, and each fan-out worker's
/// process, state and connections (empty when this process holds them).
#[derive(Debug, Serialize, ToSchema)]
pub struct Fanout {
    pub connections: usize,
    /// `--max-subscribers` (0: no limit).
    pub capacity: usize,
    #[schema(value_type = Vec<Object>)]
    pub workers: serde_json::Value,
}

/// Liveness, and the live fan-out's state.
#[utoipa::path(get, path = "/health", tag = "health",
    responses((status = 200, description = "The server is up", body = Health)))]
pub async fn health(State(hub): State<Arc<Hub>>) -> Json<Health> {
    let fanout = match hub.all_workers() {
        Some(workers) => {
            let workers = workers.status();
            let connections: usize = workers.iter().map(|w| w.connections).sum();
            Fanout {
                connections,
                capacity: hub.capacity.max(),
                workers: serde_json::to_value(&workers).unwrap_or_default(),
            }
        }
        None => Fanout {
            connections: hub
                .list()
                .iter()
                .map(|t| t.subscribers(crate::hub::View::Public))
                .sum(),
            capacity: hub.capacity.max(),
            workers: serde_json::Value::Array(Vec::new()),
        },
    };
    Json(Health {
        status: "ok".into(),
        fanout,
    })
}
