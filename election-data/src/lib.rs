//! # election-data — the domain of Urne
//!
//! Everything here is pure: no IO, no async, no database or HTTP types. The
//! server wires storage and networking around these functions, so the rules
//! that decide whether a procès-verbal is acceptable, and the arithmetic that
//! turns counts into published percentages, can be read and tested in one place.
//!
//! - [`bureau`]: a bureau's dossier for the night, every transition with its
//!   rules, and who may take each (roles, actions, the workflow table).
//! - [`model`]: elections, bureaux, the perimeter tree, candidates, procès-verbaux.
//! - [`validate`]: the blocking rules and warnings of a procès-verbal.
//! - [`percent`]: exact percentages, rounded half-up to two decimals.
//! - [`tally`]: participation, percentages and aggregation over the perimeter tree.
//! - [`tally_delta`]: the integers of a tally that changed, as the live wire carries them.
//! - [`council`]: the sizes the law fixes: municipal council from the population
//!   (L.2121-2 CGCT), community lists (L.273-9), the 1,000-inhabitant line.
//! - [`seats`]: seat allocation, with one entry point per election ([`seats::for_election`]),
//!   both councils of a municipal ballot ([`seats::Councils`]).
//! - [`formats`]: the files Urne reads and writes (one module per format).
//! - [`map`]: the bureaux' shapes (GeoJSON contours, or a tile grid) and how a map shades them.
//! - [`fixtures`]: the embedded sample commune used by the demo and the tests.

pub mod bureau;
pub mod council;
pub mod fixtures;
pub mod formats;
pub mod map;
pub mod model;
pub mod percent;
pub mod seats;
pub mod tally;
pub mod tally_delta;
pub mod validate;

pub use model::{
    Bureau, Candidate, CandidateVoix, Election, ElectionKind, Perimeter, PerimeterKind,
    ProcesVerbal, TurnoutReading,
};
pub use percent::Percent;
pub use tally::{BureauState, ElectionResults, Tally};
pub use validate::{Report, Rule, Severity, Violation};
