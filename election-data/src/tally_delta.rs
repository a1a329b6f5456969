//! The integer form of a tally and of its changes: what the live wire carries.
//!
//! A [`Tally`] holds counts and the percentages derived from them. On the
//! wire only the integers travel, and only those that changed: a
//! [`TallyDelta`] names the new value of each group of counts that differs
//! (bureaux arrived, the PV's counts, the candidates' voix, the turnout
//! readings); a reader applies it to the tally it holds with
//! [`TallyDelta::apply`], which recomputes every percentage from the
//! integers with the same half-up rounding as the server ([`Percent::of`],
//! through [`Rates::of`]). The server, the kiosk and the load tool share
//! this one implementation; `web/live.js` mirrors it and is tested against it.
//!
//! Values are absolute (the new count, never an increment), so deltas
//! compose: [`TallyDelta::merge`] of the deltas from state `a` to `b` and
//! from `b` to `c` is a delta from `a` to `c`, and applying a merged delta to
//! any state in between gives the same result.
//!
//! Voix are sent whole (`v`, in ballot-panel order) when at least half the
//! candidates changed, else as `[index, voix]` pairs (`s`) for the changed
//! ones only. The full form ([`TallyDelta::full`]) also carries the two
//! figures that never change during a night: the perimeter's number of
//! bureaux (`n`) and its roll (`r`).

use serde::{Deserialize, Serialize};

use crate::percent::Percent;
use crate::tally::{Counts, Rates, Tally};

/// One turnout reading as integers: votants, inscrits of the reporting
/// bureaux, number of reporting bureaux.
pub type TurnoutCounts = [u64; 3];

/// The changed integers of a tally (every field `None`: nothing changed).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TallyDelta {
    /// Bureaux arrived.
    #[serde(rename = "a", default, skip_serializing_if = "Option::is_none")]
    pub arrived: Option<u64>,
    /// Bureaux in the perimeter (full form only).
    #[serde(rename = "n", default, skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
    /// Inscrits on the roll (full form only).
    #[serde(rename = "r", default, skip_serializing_if = "Option::is_none")]
    pub roll: Option<u64>,
    /// `[inscrits, votants, blancs, nuls, exprimes]` (abstentions are
    /// inscrits − votants).
    #[serde(rename = "c", default, skip_serializing_if = "Option::is_none")]
    pub counts: Option<[u64; 5]>,
    /// Every candidate's voix, in ballot-panel order.
    #[serde(rename = "v", default, skip_serializing_if = "Option::is_none")]
    pub voix: Option<Vec<u64>>,
    /// Some candidates' voix: `[index in panel order, voix]`.
    #[serde(rename = "s", default, skip_serializing_if = "Option::is_none")]
    pub some_voix: Option<Vec<[u64; 2]>>,
    /// Every turnout reading, in the order of the set hours.
    #[serde(rename = "t", default, skip_serializing_if = "Option::is_none")]
    pub turnout: Option<Vec<TurnoutCounts>>,
}

fn u(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

fn us(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

fn counts_of(t: &Tally) -> [u64; 5] {
    let c = &t.counts;
    [c.inscrits, c.votants, c.blancs, c.nuls, c.exprimes]
}

fn voix_of(t: &Tally) -> Vec<u64> {
    t.scores.iter().map(|s| s.voix).collect()
}

fn turnout_of(t: &Tally) -> Vec<TurnoutCounts> {
    t.turnout
        .iter()
        .map(|p| [p.votants, p.inscrits, u(p.bureaux)])
        .collect()
}

impl TallyDelta {
    /// Every integer of a tally: what a reader with nothing needs.
    pub fn full(t: &Tally) -> TallyDelta {
        TallyDelta {
            arrived: Some(u(t.arrived)),
            total: Some(u(t.total)),
            roll: Some(t.inscrits_roll),
            counts: Some(counts_of(t)),
            voix: Some(voix_of(t)),
            some_voix: None,
            turnout: Some(turnout_of(t)),
        }
    }

    /// What turns `old` into `new`. Both are tallies of the same perimeter
    /// (same candidates, same set hours).
    pub fn between(old: &Tally, new: &Tally) -> TallyDelta {
        let mut d = TallyDelta::default();
        if old.arrived != new.arrived {
            d.arrived = Some(u(new.arrived));
        }
        if old.total != new.total {
            d.total = Some(u(new.total));
        }
        if old.inscrits_roll != new.inscrits_roll {
            d.roll = Some(new.inscrits_roll);
        }
        let (oc, nc) = (counts_of(old), counts_of(new));
        if oc != nc {
            d.counts = Some(nc);
        }
        let (ov, nv) = (voix_of(old), voix_of(new));
        if ov.len() != nv.len() {
            d.voix = Some(nv);
        } else {
            let changed: Vec<[u64; 2]> = ov
                .iter()
                .zip(&nv)
                .enumerate()
                .filter(|(_, (a, b))| a != b)
                .map(|(i, (_, b))| [u(i), *b])
                .collect();
            if changed.len() * 2 >= nv.len() && !changed.is_empty() {
                d.voix = Some(nv);
            } else if !changed.is_empty() {
                d.some_voix = Some(changed);
            }
        }
        let (ot, nt) = (turnout_of(old), turnout_of(new));
        if ot != nt {
            d.turnout = Some(nt);
        }
        d
    }

    /// True when nothing changed.
    pub fn is_empty(&self) -> bool {
        *self == TallyDelta::default()
    }

    /// This delta followed by `later`, as one delta.
    pub fn merge(&mut self, later: &TallyDelta) {
        if later.arrived.is_some() {
            self.arrived = later.arrived;
        }
        if later.total.is_some() {
            self.total = later.total;
        }
        if later.roll.is_some() {
            self.roll = later.roll;
        }
        if later.counts.is_some() {
            self.counts = later.counts;
        }
        if let Some(v) = &later.voix {
            self.voix = Some(v.clone());
            self.some_voix = None;
        }
        if let Some(pairs) = &later.some_voix {
            if let Some(v) = self.voix.as_mut() {
                for [i, x] in pairs {
                    if let Some(slot) = v.get_mut(us(*i)) {
                        *slot = *x;
                    }
                }
            } else {
                let mine = self.some_voix.get_or_insert_with(Vec::new);
                for [i, x] in pairs {
                    match mine.iter_mut().find(|p| p[0] == *i) {
                        Some(p) => p[1] = *x,
                        None => mine.push([*i, *x]),
                    }
                }
                mine.sort_unstable();
            }
        }
        if later.turnout.is_some() {
            self.turnout = later.turnout.clone();
        }
    }

    /// Applies the delta to `t` and recomputes every percentage from the
    /// integers. Indexes and readings beyond what `t` holds are ignored (a
    /// reader never panics on a frame).
    pub fn apply(&self, t: &mut Tally) {
        if let Some(a) = self.arrived {
            t.arrived = us(a);
        }
        if let Some(n) = self.total {
            t.total = us(n);
        }
        if let Some(r) = self.roll {
            t.inscrits_roll = r;
        }
        if let Some([inscrits, votants, blancs, nuls, exprimes]) = self.counts {
            t.counts = Counts {
                inscrits,
                votants,
                abstentions: inscrits.saturating_sub(votants),
                blancs,
                nuls,
                exprimes,
            };
        }
        if let Some(v) = &self.voix {
            for (s, x) in t.scores.iter_mut().zip(v) {
                s.voix = *x;
            }
        }
        if let Some(pairs) = &self.some_voix {
            for [i, x] in pairs {
                if let Some(s) = t.scores.get_mut(us(*i)) {
                    s.voix = *x;
                }
            }
        }
        if let Some(readings) = &self.turnout {
            for (p, [votants, inscrits, bureaux]) in t.turnout.iter_mut().zip(readings) {
                p.votants = *votants;
                p.inscrits = *inscrits;
                p.bureaux = us(*bureaux);
            }
        }
        recompute(t);
    }
}

/// Recomputes a tally's percentages from its integers (half-up, two decimals).
pub fn recompute(t: &mut Tally) {
    t.rates = Rates::of(&t.counts);
    let (exprimes, inscrits) = (t.counts.exprimes, t.counts.inscrits);
    for s in &mut t.scores {
        s.pct_exprimes = Percent::of(s.voix, exprimes);
        s.pct_inscrits = Percent::of(s.voix, inscrits);
    }
    for p in &mut t.turnout {
        p.rate = Percent::of(p.votants, p.inscrits);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{sample_commune, sample_pv};
    use crate::model::TurnoutReading;
    use crate::tally::{BureauRecord, tally_bureaux};
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    fn commune(records: &BTreeMap<String, BureauRecord>) -> Tally {
        let e = sample_commune();
        tally_bureaux(&e, e.bureaux.iter().map(|b| b.code.as_str()), records)
    }

    /// A random night: each step gives a bureau a PV (seeded), removes it,
    /// or adds a turnout reading.
    fn step(records: &mut BTreeMap<String, BureauRecord>, bureau: usize, op: u8, seed: u64) {
        let e = sample_commune();
        let b = &e.bureaux[bureau % e.bureaux.len()];
        let rec = records.entry(b.code.clone()).or_default();
        match op % 3 {
            0 => rec.pv = Some(sample_pv(&e, b, seed)),
            1 => rec.pv = None,
            _ => {
                let hour = e.turnout_hours[usize::from(op) % e.turnout_hours.len()].clone();
                rec.turnout.retain(|t| t.hour != hour);
                rec.turnout.push(TurnoutReading {
                    hour,
                    votants: i64::try_from(seed % 500).unwrap_or(0),
                });
            }
        }
    }

    #[test]
    fn the_full_form_rebuilds_the_tally() {
        let e = sample_commune();
        let mut records = BTreeMap::new();
        for i in 0..5 {
            step(&mut records, i, 0, i as u64);
        }
        let t = commune(&records);
        let mut empty = commune(&BTreeMap::new());
        empty.total = 0;
        TallyDelta::full(&t).apply(&mut empty);
        assert_eq!(empty, t);
        assert_eq!(e.candidates.len(), t.scores.len());
    }

    #[test]
    fn few_changed_candidates_travel_as_pairs() {
        let mut records = BTreeMap::new();
        step(&mut records, 0, 0, 1);
        let old = commune(&records);
        let mut new = old.clone();
        new.scores[3].voix += 1;
        let d = TallyDelta::between(&old, &new);
        assert_eq!(d.some_voix, Some(vec![[3, new.scores[3].voix]]));
        assert_eq!(d.voix, None);
        assert_eq!(d.counts, None);
        assert!(TallyDelta::between(&new, &new).is_empty());
    }

    proptest! {
        /// Applying the deltas of a random sequence of changes, one by one
        /// or merged in any grouping, gives the tally computed from scratch.
        #[test]
        fn deltas_compose(
            steps in proptest::collection::vec((0usize..34, 0u8..6, 0u64..1000), 1..30),
            cuts in proptest::collection::vec(any::<bool>(), 30),
        ) {
            let mut records = BTreeMap::new();
            let start = commune(&records);
            let mut one_by_one = start.clone();
            let mut grouped = start.clone();
            let mut pending = TallyDelta::default();
            let mut prev = start;
            for (i, (b, op, seed)) in steps.iter().enumerate() {
                step(&mut records, *b, *op, *seed);
                let next = commune(&records);
                let d = TallyDelta::between(&prev, &next);
                d.apply(&mut one_by_one);
                prop_assert_eq!(&one_by_one, &next);
                pending.merge(&d);
                if cuts[i] || i + 1 == steps.len() {
                    pending.apply(&mut grouped);
                    prop_assert_eq!(&grouped, &next);
                    pending = TallyDelta::default();
                }
                prev = next;
            }
        }
    }
}
