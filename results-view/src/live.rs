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
//!
//! A bureau's early trend (the centaine the desk published before the
//! result) is beside the tallies, never in them: no perimeter total counts
//! it. It is part of the public view (a change of it is a public change),
//! hidden during an embargo like every ballot figure.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

use election_data::map::BureauMap;
use election_data::model::{Election, ProcesVerbal};
use election_data::tally::{Aggregator, BureauRecord, BureauState, ElectionResults, Tally};
use election_data::validate::Centaine;
use serde::{Deserialize, Serialize};

pub use crate::time::parse_rfc3339_millis;

/// A bureau's dossier: the domain type the store loads and writes.
pub use election_data::bureau::{BureauMeta, Dossier as BureauLive};

/// The changed part of one view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Delta {
    pub bureau: String,
    pub state: BureauState,
    pub version: i64,
    pub tally: Tally,
    pub perimeters: BTreeMap<String, Tally>,
    /// The bureau's public trend, when it changed (`Some(None)`: withdrawn).
    #[serde(default)]
    pub trend: Option<Option<Centaine>>,
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
    /// The bureaux' contours, when imported (the pages draw a tile grid
    /// otherwise).
    pub map: Option<Arc<BureauMap>>,
    /// Bumped when the map changes, so cached pages are drawn again.
    pub map_generation: u64,
}

/// The version of an election's public state: its sequence number and
/// whether the embargo is on (the page cache's key version, with the map's
/// generation for the pages: [`LiveElection::page_stamp`]).
pub fn stamp(seq: i64, embargo: bool) -> u64 {
    (u64::try_from(seq).unwrap_or(0) << 1) | u64::from(embargo)
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
            map: None,
            map_generation: 0,
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

    /// Sets (or removes) the bureaux' contours.
    pub fn set_map(&mut self, map: Option<BureauMap>) {
        self.map = map.map(Arc::new);
        self.map_generation += 1;
    }

    /// The version of what the public pages show: the sequence number, the
    /// embargo and the map's generation (the page cache's stamp).
    pub fn page_stamp(&self, now_millis: i64) -> u64 {
        stamp(self.seq, self.embargoed(now_millis)) ^ (self.map_generation << 48)
    }

    pub fn bureau(&self, code: &str) -> BureauLive {
        self.bureaux.get(code).cloned().unwrap_or_default()
    }

    pub fn meta(&self, code: &str) -> BureauMeta {
        self.bureaux.get(code).map(|b| b.meta).unwrap_or_default()
    }

    /// True while the public may see participation only. Readers of the
    /// public figures go through [`LiveElection::public_view`] instead.
    pub fn embargoed(&self, now_millis: i64) -> bool {
        self.embargo_until.is_some_and(|t| now_millis < t)
    }

    /// What the public may see at `now`: the one embargo filter that the
    /// frames, snapshots, pages, feed, exports and seats all go through.
    pub fn public_view(&self, now_millis: i64) -> PublicView<'_> {
        PublicView {
            live: self,
            embargo: self.embargoed(now_millis),
        }
    }

    /// Applies a committed write and returns what changed in each view.
    pub fn apply(&mut self, code: &str, new: BureauLive, seq: i64) -> ChangeSet {
        let old_public = self
            .bureaux
            .get(code)
            .map(BureauLive::public_record)
            .unwrap_or_default();
        let public_record = new.public_record();
        let old_trend = self
            .bureaux
            .get(code)
            .and_then(|b| b.public_trend().cloned());
        let new_trend = new.public_trend().cloned();
        let trend = (old_trend != new_trend).then_some(new_trend);
        let public_changed = old_public != public_record || trend.is_some();
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
            trend: trend.clone(),
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
                trend,
            }
        });
        ChangeSet { desk, public }
    }

    /// Provisional seats from the published figures, through the one seat
    /// entry point ([`election_data::seats::for_election`]): the council's
    /// and, for a municipal ballot with community seats, the community
    /// council's; None for an election without seats, before any published
    /// bureau or during an embargo. Pages, the big screen, the feed and the
    /// API's seats all read this.
    pub fn provisional_seats(&self, now_millis: i64) -> Option<election_data::seats::Councils> {
        let view = self.public_view(now_millis);
        if !view.results_visible() {
            return None;
        }
        let t = view.root()?;
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

    /// [`LiveElection::provisional_seats`] of one perimeter: the election's
    /// at the root; for a commune of a municipal territory, its own
    /// councils from its own published bureaux
    /// ([`election_data::seats::for_commune`]); None elsewhere.
    pub fn provisional_seats_of(
        &self,
        code: &str,
        now_millis: i64,
    ) -> Option<election_data::seats::Councils> {
        let p = self.election.perimeter(code)?;
        if p.parent.is_none() {
            return self.provisional_seats(now_millis);
        }
        if !self.election.is_territory() || p.kind != election_data::PerimeterKind::Commune {
            return None;
        }
        let view = self.public_view(now_millis);
        if !view.results_visible() {
            return None;
        }
        let t = self.public.perimeters.get(code)?;
        if t.arrived == 0 {
            return None;
        }
        election_data::seats::for_commune(&self.election, p, t.counts.exprimes, |n| {
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

/// The public's view of an election at one instant: published figures only
/// and, during an embargo, participation only (every count of the ballot
/// zeroed, see [`Tally::participation_only`]).
#[derive(Debug, Clone, Copy)]
pub struct PublicView<'a> {
    pub live: &'a LiveElection,
    /// True while the embargo holds.
    pub embargo: bool,
}

impl<'a> PublicView<'a> {
    /// Whether the ballot's figures (voix, seats, exports) may be shown.
    pub fn results_visible(&self) -> bool {
        !self.embargo
    }

    /// A published tally as the public may see it now.
    pub fn tally<'t>(&self, t: &'t Tally) -> Cow<'t, Tally> {
        if self.embargo {
            Cow::Owned(t.participation_only())
        } else {
            Cow::Borrowed(t)
        }
    }

    /// A change of the public view as the public may see it now.
    pub fn delta(&self, d: &'a Delta) -> Cow<'a, Delta> {
        if self.embargo {
            Cow::Owned(Delta {
                tally: d.tally.participation_only(),
                perimeters: d
                    .perimeters
                    .iter()
                    .map(|(k, t)| (k.clone(), t.participation_only()))
                    .collect(),
                ..d.clone()
            })
        } else {
            Cow::Borrowed(d)
        }
    }

    /// A bureau's early trend as the public may see it now: the centaine
    /// the desk published, until its result is; none during an embargo.
    pub fn trend(&self, code: &str) -> Option<&'a Centaine> {
        if self.embargo {
            return None;
        }
        self.live.bureaux.get(code)?.public_trend()
    }

    /// The public tally of a bureau.
    pub fn bureau(&self, code: &str) -> Option<Cow<'a, Tally>> {
        self.live.public.bureaux.get(code).map(|t| self.tally(t))
    }

    /// The public tally of a perimeter.
    pub fn perimeter(&self, code: &str) -> Option<Cow<'a, Tally>> {
        self.live.public.perimeters.get(code).map(|t| self.tally(t))
    }

    /// The public tally of the whole commune.
    pub fn root(&self) -> Option<Cow<'a, Tally>> {
        self.live.public_root_tally().map(|t| self.tally(t))
    }

    /// The published procès-verbaux by bureau, for the public exports;
    /// `None` during the embargo.
    pub fn published_pvs(&self) -> Option<BTreeMap<String, ProcesVerbal>> {
        self.results_visible().then(|| {
            self.live
                .bureaux
                .iter()
                .filter_map(|(code, b)| Some((code.clone(), b.published.clone()?)))
                .collect()
        })
    }
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
        let a = live.provisional_seats(0).expect("seats").council;
        assert_eq!(a.attributed() + a.vacant + a.undecided, 39);
        // Nobody has half the votes in round 1: no bonus, a second round is needed.
        assert!(!a.is_final() || a.winner.is_some());
        let presidential = LiveElection::new(election_data::fixtures::sample_commune());
        assert!(presidential.provisional_seats(0).is_none());
    }

    #[test]
    fn the_public_view_hides_the_ballot_during_the_embargo() {
        let mut e = election_data::fixtures::sample_commune();
        e.embargo = Some("2027-04-11T20:00:00+02:00".into());
        let live = LiveElection::new(e);
        let until = live.embargo_until.unwrap_or(0);
        assert!(!live.public_view(until - 1).results_visible());
        assert!(live.public_view(until - 1).published_pvs().is_none());
        assert!(live.public_view(until).results_visible());
        assert_eq!(
            live.public_view(until).published_pvs(),
            Some(BTreeMap::new())
        );
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
