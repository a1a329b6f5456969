//! Importing the bureaux' contours: the one path of `urne import contours`,
//! the administrators' form (`POST /desk/import/contours`) and
//! `PUT /api/elections/{id}/contours`.
//!
//! The file is checked whole by the domain
//! ([`election_data::map::contours::read`]: every problem listed with its
//! feature and reason); only then is the map stored, with its audit record,
//! in one transaction ([`Store::put_contours`], which also tells the other
//! instances). The caller with a live hub then sets the map on the topic
//! ([`set_live`]), and the next pages drawn carry it.

use election_data::map::BureauMap;
use election_data::map::contours::{self, ContourError};
use election_data::model::Election;
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::hub::Hub;
use crate::store::{Store, StoreError};

/// Largest body of the contours routes: above the reader's own limit
/// ([`contours::MAX_BYTES`]), so that a file too large is refused by it,
/// with its size and what to import instead, rather than cut off.
pub const BODY_LIMIT: usize = 64 * 1024 * 1024;

/// What an import stored.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Summary {
    /// Bureaux with a shape (every bureau of the election).
    pub bureaux: usize,
    /// Features read for the election's bureaux.
    pub features: usize,
    /// Features of other communes, skipped (a national or départemental file).
    pub skipped: usize,
    /// Points read, and kept after simplification.
    pub points_read: usize,
    pub points_kept: usize,
}

/// Why nothing was stored.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{} problème(s) dans le fichier", .0.len())]
    Invalid(Vec<ContourError>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<ImportError> for ApiError {
    fn from(e: ImportError) -> ApiError {
        match e {
            ImportError::Invalid(errors) => ApiError::Contours(errors),
            ImportError::Store(e) => ApiError::from(e),
        }
    }
}

/// Checks `bytes` against `election` and stores the map; nothing is
/// stored unless the whole file is valid.
pub async fn import(
    store: &Store,
    election: &Election,
    bytes: &[u8],
    actor: &str,
) -> Result<(BureauMap, Summary), ImportError> {
    let imported = contours::read(bytes, election).map_err(ImportError::Invalid)?;
    store
        .put_contours(&election.id, &imported.map, imported.features, actor)
        .await?;
    let summary = Summary {
        bureaux: imported.map.shapes.len(),
        features: imported.features,
        skipped: imported.skipped,
        points_read: imported.points_read,
        points_kept: imported.points_kept,
    };
    tracing::info!(election = %election.id, by = actor, bureaux = summary.bureaux, "contours imported");
    Ok((imported.map, summary))
}

/// Sets a stored map on the election's live topic.
pub fn set_live(hub: &Hub, election_id: &str, map: BureauMap) {
    if let Some(topic) = hub.get(election_id) {
        topic.set_map(Some(map));
    }
}
