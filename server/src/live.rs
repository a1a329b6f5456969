//! The in-memory state of one election: what the pages and the hub read.
//!
//! It is rebuilt from the store at startup and then updated only after a
//! write has committed, so it never shows a figure the database does not hold.
//! Reads (pages, snapshots) never touch the database.
//!
//! Two views are kept side by side. The desk view counts every entered PV;
//! the public view counts only the last *published* PV of each bureau (a
//! correction does not withdraw the published figures until the desk
//! publishes again) and, during an embargo, shows participation only.
//! Both are kept up to date incrementally by election-data's [`Aggregator`].

use std::collections::BTreeMap;
use std::sync::Arc;

use election_data::model::Election;
use election_data::tally::{Aggregator, BureauRecord, BureauState, ElectionResults, Tally};
use serde::Serialize;

/// A bureau's dossier: the domain type the store loads and writes.
pub use election_data::bureau::{BureauMeta, Dossier as BureauLive};

/// The changed part of one view.
#[derive(Debug, Clone, Serialize)]
pub struct Delta {
    pub bureau: String,
    pub state: BureauState,
    pub version: i64,
    pub tally: Tally,
    pub perimeters: BTreeMap<String, Tally>,
}

/// What one committed change altered, per view.
#[derive(Debug, Clone)]
pub struct ChangeSet {
    pub desk: Delta,
    /// `None` when the public view did not change.
    pub public: Option<Delta>,
}

#[derive(Debug, Clone)]
pub struct LiveElection {
    pub election: Arc<Election>,
    pub aggregator: Arc<Aggregator>,
    pub bureaux: BTreeMap<String, BureauLive>,
    desk_records: BTreeMap<String, BureauRecord>,
    public_records: BTreeMap<String, BureauRecord>,
    /// Desk view: every entered PV.
    pub results: ElectionResults,
    /// Public view: published PVs only (before any embargo filtering).
    pub public: ElectionResults,
    pub seq: i64,
    /// Embargo end, milliseconds since the epoch.
    pub embargo_until: Option<i64>,
}

impl LiveElection {
    pub fn new(election: Election) -> LiveElection {
        let aggregator = Aggregator::new(&election);
        let results = aggregator.all(&election, &BTreeMap::new());
        let embargo_until = election.embargo.as_deref().and_then(parse_rfc3339_millis);
        LiveElection {
            public: results.clone(),
            results,
            election: Arc::new(election),
            aggregator: Arc::new(aggregator),
            bureaux: BTreeMap::new(),
            desk_records: BTreeMap::new(),
            public_records: BTreeMap::new(),
            seq: 0,
            embargo_until,
        }
    }

    /// Rebuilds from stored rows.
    pub fn restore(
        election: Election,
        seq: i64,
        rows: impl IntoIterator<Item = (String, BureauLive)>,
    ) -> LiveElection {
        let mut live = LiveElection::new(election);
        for (code, b) in rows {
            live.desk_records.insert(code.clone(), b.record.clone());
            live.public_records.insert(code.clone(), b.public_record());
            live.bureaux.insert(code, b);
        }
        live.results = live.aggregator.all(&live.election, &live.desk_records);
        live.public = live.aggregator.all(&live.election, &live.public_records);
        live.seq = seq;
        live
    }

    pub fn bureau(&self, code: &str) -> BureauLive {
        self.bureaux.get(code).cloned().unwrap_or_default()
    }

    pub fn meta(&self, code: &str) -> BureauMeta {
        self.bureaux.get(code).map(|b| b.meta).unwrap_or_default()
    }

    /// True while the public may see participation only.
    pub fn embargoed(&self, now_millis: i64) -> bool {
        self.embargo_until.is_some_and(|t| now_millis < t)
    }

    /// Applies a committed write and returns what changed in each view.
    pub fn apply(&mut self, code: &str, new: BureauLive, seq: i64) -> ChangeSet {
        let old_public = self
            .bureaux
            .get(code)
            .map(BureauLive::public_record)
            .unwrap_or_default();
        let public_record = new.public_record();
        let public_changed = old_public != public_record;
        self.desk_records
            .insert(code.to_string(), new.record.clone());
        self.public_records.insert(code.to_string(), public_record);
        let meta = new.meta;
        let public_state = new.public_state();
        self.bureaux.insert(code.to_string(), new);
        self.seq = seq;
        let (tally, perimeters) =
            self.aggregator
                .update(&self.election, &self.desk_records, &mut self.results, code);
        let desk = Delta {
            bureau: code.to_string(),
            state: meta.state,
            version: meta.version,
            tally,
            perimeters,
        };
        let public = public_changed.then(|| {
            let (tally, perimeters) = self.aggregator.update(
                &self.election,
                &self.public_records,
                &mut self.public,
                code,
            );
            Delta {
                bureau: code.to_string(),
                state: public_state,
                version: meta.version,
                tally,
                perimeters,
            }
        });
        ChangeSet { desk, public }
    }

    /// Provisional seats from the published figures, through the one seat
    /// entry point ([`election_data::seats::for_election`]); None for an
    /// election without seats, before any published bureau or during an
    /// embargo.
    pub fn provisional_seats(&self, now_millis: i64) -> Option<election_data::seats::Allocation> {
        if self.embargoed(now_millis) {
            return None;
        }
        let t = self.public_root_tally()?;
        if t.arrived == 0 {
            return None;
        }
        election_data::seats::for_election(&self.election, t.counts.exprimes, |n| {
            t.scores
                .iter()
                .find(|s| s.candidate == n)
                .map_or(0, |s| s.voix)
        })
    }

    /// The desk tally of the whole commune.
    pub fn root_tally(&self) -> Option<&Tally> {
        let root = self.election.root()?;
        self.results.perimeters.get(&root.code)
    }

    /// The public tally of the whole commune.
    pub fn public_root_tally(&self) -> Option<&Tally> {
        let root = self.election.root()?;
        self.public.perimeters.get(&root.code)
    }
}

/// Parses `YYYY-MM-DDTHH:MM:SS(Z|±HH:MM)` (checked by `Election::check`) into
/// milliseconds since the epoch.
pub fn parse_rfc3339_millis(s: &str) -> Option<i64> {
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, se) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let zone = s.get(19..)?;
    let offset_min = if zone.eq_ignore_ascii_case("z") {
        0
    } else {
        let sign = if zone.starts_with('-') { -1 } else { 1 };
        sign * (zone.get(1..3)?.parse::<i64>().ok()? * 60 + zone.get(4..6)?.parse::<i64>().ok()?)
    };
    // Days from civil (Howard Hinnant's algorithm).
    let y2 = if mo <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let mp = (mo + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + h * 3600 + mi * 60 + se - offset_min * 60;
    Some(secs * 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provisional_seats_follow_published_figures() {
        let e = election_data::fixtures::sample_municipales();
        let rows: Vec<_> = e
            .bureaux
            .iter()
            .enumerate()
            .map(|(i, b)| {
                let pv = election_data::fixtures::sample_pv(&e, b, i as u64);
                let mut live = BureauLive::default();
                live.meta.state = BureauState::Published;
                live.record.pv = Some(pv.clone());
                live.published = Some(pv);
                (b.code.clone(), live)
            })
            .collect();
        let live = LiveElection::restore(e, 1, rows);
        let a = live.provisional_seats(0).expect("seats");
        assert_eq!(a.attributed() + a.vacant + a.undecided, 39);
        // Nobody has half the votes in round 1: no bonus, a second round is needed.
        assert!(!a.is_final() || a.winner.is_some());
        let presidential = LiveElection::new(election_data::fixtures::sample_commune());
        assert!(presidential.provisional_seats(0).is_none());
    }

    #[test]
    fn parses_embargo_instants() {
        assert_eq!(parse_rfc3339_millis("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_rfc3339_millis("2027-04-11T20:00:00+02:00"),
            Some(1_807_466_400_000)
        );
        assert_eq!(
            parse_rfc3339_millis("2027-04-11T18:00:00Z"),
            parse_rfc3339_millis("2027-04-11T20:00:00+02:00")
        );
    }
}
