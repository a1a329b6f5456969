//! The in-memory state of one election: what the pages and the hub read.
//!
//! It is rebuilt from the store at startup and then updated only after a
//! write has committed, so it never shows a figure the database does not hold.
//! Reads (pages, snapshots) never touch the database. Aggregates are kept up
//! to date incrementally by election-data's [`Aggregator`]: a change to one
//! bureau recomputes that bureau and the perimeters containing it.

use std::collections::BTreeMap;
use std::sync::Arc;

use election_data::model::Election;
use election_data::tally::{Aggregator, BureauRecord, BureauState, ElectionResults, Tally};
use serde::Serialize;

/// Workflow data of a bureau beside its figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct BureauMeta {
    pub state: BureauState,
    pub version: i64,
    /// Milliseconds since the epoch of the last accepted write; 0 if none.
    pub updated_at: i64,
}

impl Default for BureauMeta {
    fn default() -> Self {
        BureauMeta {
            state: BureauState::NotArrived,
            version: 0,
            updated_at: 0,
        }
    }
}

#[derive(Debug, Clone)]
pub struct LiveElection {
    pub election: Arc<Election>,
    pub aggregator: Arc<Aggregator>,
    pub records: BTreeMap<String, BureauRecord>,
    pub meta: BTreeMap<String, BureauMeta>,
    pub results: ElectionResults,
    pub seq: i64,
}

/// What one committed change altered, ready to be sent.
#[derive(Debug, Clone, Serialize)]
pub struct ChangeSet {
    pub bureau: String,
    pub meta: BureauMeta,
    pub tally: Tally,
    pub perimeters: BTreeMap<String, Tally>,
}

impl LiveElection {
    pub fn new(election: Election) -> LiveElection {
        let aggregator = Aggregator::new(&election);
        let records = BTreeMap::new();
        let results = aggregator.all(&election, &records);
        LiveElection {
            election: Arc::new(election),
            aggregator: Arc::new(aggregator),
            records,
            meta: BTreeMap::new(),
            results,
            seq: 0,
        }
    }

    /// Rebuilds from stored rows.
    pub fn restore(
        election: Election,
        seq: i64,
        rows: impl IntoIterator<Item = (String, BureauMeta, BureauRecord)>,
    ) -> LiveElection {
        let mut live = LiveElection::new(election);
        for (code, meta, record) in rows {
            live.meta.insert(code.clone(), meta);
            live.records.insert(code, record);
        }
        live.results = live.aggregator.all(&live.election, &live.records);
        live.seq = seq;
        live
    }

    pub fn meta(&self, bureau: &str) -> BureauMeta {
        self.meta.get(bureau).copied().unwrap_or_default()
    }

    /// Applies a committed write and returns what changed.
    pub fn apply(
        &mut self,
        bureau: &str,
        meta: BureauMeta,
        record: BureauRecord,
        seq: i64,
    ) -> ChangeSet {
        self.records.insert(bureau.to_string(), record);
        self.meta.insert(bureau.to_string(), meta);
        self.seq = seq;
        let (tally, perimeters) =
            self.aggregator
                .update(&self.election, &self.records, &mut self.results, bureau);
        ChangeSet {
            bureau: bureau.to_string(),
            meta,
            tally,
            perimeters,
        }
    }

    /// The tally of the whole commune.
    pub fn root_tally(&self) -> Option<&Tally> {
        let root = self.election.root()?;
        self.results.perimeters.get(&root.code)
    }
}
