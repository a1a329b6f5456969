//! Turning counts into published figures.
//!
//! A perimeter's result is the sum of the counts of its bureaux that have
//! arrived, and its percentages are computed from those summed counts; a
//! percentage is never averaged. Everything is integer arithmetic until
//! [`Percent`] rounds half-up to two decimals. "N bureaux sur M" travels with
//! every tally so no page can show partial results as if they were final.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::{Election, ProcesVerbal, TurnoutReading};
use crate::percent::Percent;

/// Where a bureau stands in the night's workflow.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum BureauState {
    #[default]
    NotArrived,
    Entered,
    Validated,
    Published,
}

impl BureauState {
    pub fn label_fr(self) -> &'static str {
        match self {
            BureauState::NotArrived => "non parvenu",
            BureauState::Entered => "saisi",
            BureauState::Validated => "validé",
            BureauState::Published => "publié",
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            BureauState::NotArrived => "not_arrived",
            BureauState::Entered => "entered",
            BureauState::Validated => "validated",
            BureauState::Published => "published",
        }
    }

    pub fn parse(s: &str) -> Option<BureauState> {
        match s {
            "not_arrived" => Some(BureauState::NotArrived),
            "entered" => Some(BureauState::Entered),
            "validated" => Some(BureauState::Validated),
            "published" => Some(BureauState::Published),
            _ => None,
        }
    }
}

/// What is known of one bureau: its turnout readings during the day and,
/// once counted, its procès-verbal (already validated).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BureauRecord {
    pub pv: Option<ProcesVerbal>,
    pub turnout: Vec<TurnoutReading>,
}

/// Summed counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub inscrits: u64,
    pub votants: u64,
    pub abstentions: u64,
    pub blancs: u64,
    pub nuls: u64,
    pub exprimes: u64,
}

/// The ratios published for a set of counts; `None` when the denominator is 0.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rates {
    pub participation: Option<Percent>,
    pub abstention: Option<Percent>,
    pub blancs_inscrits: Option<Percent>,
    pub blancs_votants: Option<Percent>,
    pub nuls_inscrits: Option<Percent>,
    pub nuls_votants: Option<Percent>,
    pub exprimes_inscrits: Option<Percent>,
    pub exprimes_votants: Option<Percent>,
}

impl Rates {
    pub fn of(c: &Counts) -> Rates {
        Rates {
            participation: Percent::of(c.votants, c.inscrits),
            abstention: Percent::of(c.abstentions, c.inscrits),
            blancs_inscrits: Percent::of(c.blancs, c.inscrits),
            blancs_votants: Percent::of(c.blancs, c.votants),
            nuls_inscrits: Percent::of(c.nuls, c.inscrits),
            nuls_votants: Percent::of(c.nuls, c.votants),
            exprimes_inscrits: Percent::of(c.exprimes, c.inscrits),
            exprimes_votants: Percent::of(c.exprimes, c.votants),
        }
    }
}

/// One candidate's score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Score {
    pub candidate: u32,
    pub voix: u64,
    pub pct_exprimes: Option<Percent>,
    pub pct_inscrits: Option<Percent>,
}

/// Turnout at one set hour, over the bureaux that reported it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TurnoutPoint {
    pub hour: String,
    pub votants: u64,
    /// Inscrits of the bureaux that reported this hour.
    pub inscrits: u64,
    pub bureaux: usize,
    pub rate: Option<Percent>,
}

/// The result of a perimeter or of a bureau.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    /// Bureaux whose PV is counted.
    pub arrived: usize,
    /// Bureaux in the perimeter.
    pub total: usize,
    /// Inscrits on the roll for the whole perimeter (arrived or not).
    pub inscrits_roll: u64,
    pub counts: Counts,
    pub rates: Rates,
    /// In ballot-panel order.
    pub scores: Vec<Score>,
    pub turnout: Vec<TurnoutPoint>,
}

impl Tally {
    pub fn is_complete(&self) -> bool {
        self.arrived == self.total
    }

    /// What may be shown during an embargo: bureaux counts, the roll and the
    /// turnout readings of the day; every count of the ballot is zeroed.
    pub fn participation_only(&self) -> Tally {
        Tally {
            arrived: self.arrived,
            total: self.total,
            inscrits_roll: self.inscrits_roll,
            counts: Counts::default(),
            rates: Rates::default(),
            scores: self
                .scores
                .iter()
                .map(|s| Score {
                    candidate: s.candidate,
                    voix: 0,
                    pct_exprimes: None,
                    pct_inscrits: None,
                })
                .collect(),
            turnout: self.turnout.clone(),
        }
    }

    /// Candidates ordered by voix, most first; ties in panel order.
    pub fn ranking(&self) -> Vec<Score> {
        let mut s = self.scores.clone();
        s.sort_by(|a, b| b.voix.cmp(&a.voix).then(a.candidate.cmp(&b.candidate)));
        s
    }
}

fn nn(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

/// Tallies the given bureaux (by code). Bureaux without a PV count in
/// `total` and `inscrits_roll` only; their turnout readings still count.
pub fn tally_bureaux<'a>(
    election: &Election,
    codes: impl IntoIterator<Item = &'a str>,
    records: &BTreeMap<String, BureauRecord>,
) -> Tally {
    let lists = election.has_commune_lists();
    tally_in(
        election,
        codes,
        records,
        |code| election.bureau(code),
        |b| {
            if lists {
                election.commune_of(b).map(|c| c.code.as_str())
            } else {
                None
            }
        },
        |commune| {
            election
                .candidates
                .iter()
                .filter(|c| !lists || Election::stands_in(c, commune))
                .collect()
        },
    )
}

/// [`tally_bureaux`], finding each bureau and its commune through
/// `bureau_of` and `commune_of` (the [`Aggregator`]'s indexes).
fn tally_in<'a, 'e>(
    election: &'e Election,
    codes: impl IntoIterator<Item = &'a str>,
    records: &BTreeMap<String, BureauRecord>,
    bureau_of: impl Fn(&str) -> Option<&'e crate::model::Bureau>,
    commune_of: impl Fn(&crate::model::Bureau) -> Option<&'e str>,
    ballot_of: impl Fn(Option<&str>) -> Vec<&'e crate::model::Candidate>,
) -> Tally {
    let mut counts = Counts::default();
    // Summed as they come; only the tally's own ballot is read out below.
    let mut voix: std::collections::HashMap<u32, u64, crate::model::Fx> =
        std::collections::HashMap::default();
    // With lists commune by commune, a tally scores the lists of its one
    // commune (none for bureaux of several communes).
    let lists = election.has_commune_lists();
    let mut commune: Option<Option<&str>> = None;
    let mut turnout: BTreeMap<&str, (u64, u64, usize)> = election
        .turnout_hours
        .iter()
        .map(|h| (h.as_str(), (0, 0, 0)))
        .collect();
    let mut arrived = 0;
    let mut total = 0;
    let mut roll = 0u64;
    for code in codes {
        let Some(bureau) = bureau_of(code) else {
            continue;
        };
        total += 1;
        roll += u64::from(bureau.inscrits);
        if lists {
            let here = commune_of(bureau);
            commune = match commune {
                None => Some(here),
                Some(seen) if seen == here => Some(seen),
                Some(_) => Some(None),
            };
        }
        let Some(rec) = records.get(code) else {
            continue;
        };
        let inscrits = rec
            .pv
            .as_ref()
            .map_or(u64::from(bureau.inscrits), |pv| nn(pv.inscrits));
        for t in &rec.turnout {
            if let Some(point) = turnout.get_mut(t.hour.as_str()) {
                point.0 += nn(t.votants);
                point.1 += inscrits;
                point.2 += 1;
            }
        }
        if let Some(pv) = &rec.pv {
            arrived += 1;
            counts.inscrits += nn(pv.inscrits);
            counts.votants += nn(pv.votants);
            counts.blancs += nn(pv.blancs);
            counts.nuls += nn(pv.nuls);
            counts.exprimes += nn(pv.exprimes);
            for v in &pv.voix {
                *voix.entry(v.candidate).or_default() += nn(v.voix);
            }
        }
    }
    counts.abstentions = counts.inscrits.saturating_sub(counts.votants);
    let commune = commune.flatten();
    let scores = ballot_of(commune)
        .into_iter()
        .map(|c| {
            let v = voix.get(&c.number).copied().unwrap_or(0);
            Score {
                candidate: c.number,
                voix: v,
                pct_exprimes: Percent::of(v, counts.exprimes),
                pct_inscrits: Percent::of(v, counts.inscrits),
            }
        })
        .collect();
    let turnout = election
        .turnout_hours
        .iter()
        .map(|h| {
            let (votants, inscrits, bureaux) = turnout.get(h.as_str()).copied().unwrap_or_default();
            TurnoutPoint {
                hour: h.clone(),
                votants,
                inscrits,
                bureaux,
                rate: Percent::of(votants, inscrits),
            }
        })
        .collect();
    Tally {
        arrived,
        total,
        inscrits_roll: roll,
        rates: Rates::of(&counts),
        counts,
        scores,
        turnout,
    }
}

/// The results of every perimeter and every bureau of an election.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ElectionResults {
    pub perimeters: BTreeMap<String, Tally>,
    pub bureaux: BTreeMap<String, Tally>,
}

/// Precomputed membership, so that a change to one bureau recomputes only the
/// perimeters that contain it.
#[derive(Debug, Clone)]
pub struct Aggregator {
    members: BTreeMap<String, Vec<String>>,
    parents: BTreeMap<String, Vec<String>>,
    /// Each bureau's place in the definition, and its commune's code when
    /// the lists stand commune by commune: found once, not per tally.
    at: std::collections::HashMap<String, (usize, Option<String>), crate::model::Fx>,
    /// With lists commune by commune, each commune's candidates (by place
    /// in the definition), and those of every ballot.
    ballots: std::collections::HashMap<String, Vec<usize>, crate::model::Fx>,
    everywhere: Vec<usize>,
}

impl Aggregator {
    pub fn new(election: &Election) -> Aggregator {
        let within = election.each_bureau_perimeters();
        let mut members: BTreeMap<String, Vec<String>> = election
            .perimeters
            .iter()
            .map(|p| (p.code.clone(), Vec::new()))
            .collect();
        for (b, set) in election.bureaux.iter().zip(&within) {
            for p in set {
                members.entry(p.clone()).or_default().push(b.code.clone());
            }
        }
        let parents = election
            .bureaux
            .iter()
            .zip(within)
            .map(|(b, set)| (b.code.clone(), set.into_iter().collect()))
            .collect();
        let lists = election.has_commune_lists();
        let communes = if lists {
            election.each_bureau_commune()
        } else {
            Vec::new()
        };
        let at = election
            .bureaux
            .iter()
            .enumerate()
            .map(|(i, b)| {
                let commune = communes.get(i).copied().flatten().map(|m| m.code.clone());
                (b.code.clone(), (i, commune))
            })
            .collect();
        let mut ballots: std::collections::HashMap<String, Vec<usize>, crate::model::Fx> =
            Default::default();
        let mut everywhere = Vec::new();
        for (i, c) in election.candidates.iter().enumerate() {
            match c.commune.as_ref().filter(|_| lists) {
                Some(m) => ballots.entry(m.clone()).or_default().push(i),
                None => everywhere.push(i),
            }
        }
        Aggregator {
            members,
            parents,
            at,
            ballots,
            everywhere,
        }
    }

    /// [`tally_bureaux`] through the indexes.
    fn tally<'a>(
        &self,
        election: &Election,
        codes: impl IntoIterator<Item = &'a str>,
        records: &BTreeMap<String, BureauRecord>,
    ) -> Tally {
        tally_in(
            election,
            codes,
            records,
            |code| {
                self.at
                    .get(code)
                    .and_then(|(i, _)| election.bureaux.get(*i))
                    .filter(|b| b.code == code)
            },
            |b| self.at.get(&b.code).and_then(|(_, m)| m.as_deref()),
            |commune| {
                // In definition order: every ballot's, then the commune's.
                let mut own: Vec<usize> = self.everywhere.clone();
                if let Some(list) = commune.and_then(|m| self.ballots.get(m)) {
                    own.extend(list);
                    own.sort_unstable();
                }
                own.iter()
                    .filter_map(|&i| election.candidates.get(i))
                    .collect()
            },
        )
    }

    /// The perimeters a bureau counts towards.
    pub fn perimeters_of(&self, bureau: &str) -> &[String] {
        self.parents.get(bureau).map_or(&[], Vec::as_slice)
    }

    /// The bureaux of a perimeter.
    pub fn members(&self, perimeter: &str) -> &[String] {
        self.members.get(perimeter).map_or(&[], Vec::as_slice)
    }

    /// Everything, from scratch.
    pub fn all(
        &self,
        election: &Election,
        records: &BTreeMap<String, BureauRecord>,
    ) -> ElectionResults {
        let perimeters = self
            .members
            .iter()
            .map(|(p, codes)| {
                (
                    p.clone(),
                    self.tally(election, codes.iter().map(String::as_str), records),
                )
            })
            .collect();
        let bureaux = election
            .bureaux
            .iter()
            .map(|b| {
                (
                    b.code.clone(),
                    self.tally(election, [b.code.as_str()], records),
                )
            })
            .collect();
        ElectionResults {
            perimeters,
            bureaux,
        }
    }

    /// Recomputes what a change to `bureau` affects: the bureau itself and
    /// each perimeter containing it. Returns the new tallies of those perimeters.
    pub fn update(
        &self,
        election: &Election,
        records: &BTreeMap<String, BureauRecord>,
        results: &mut ElectionResults,
        bureau: &str,
    ) -> (Tally, BTreeMap<String, Tally>) {
        let b = self.tally(election, [bureau], records);
        results.bureaux.insert(bureau.to_string(), b.clone());
        let mut changed = BTreeMap::new();
        for p in self.perimeters_of(bureau) {
            let t = self.tally(
                election,
                self.members(p).iter().map(String::as_str),
                records,
            );
            results.perimeters.insert(p.clone(), t.clone());
            changed.insert(p.clone(), t);
        }
        (b, changed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{sample_commune, sample_pv};
    use crate::validate::check_pv;
    use proptest::prelude::*;

    fn records_for(e: &Election, arrived: &[bool], seed: u64) -> BTreeMap<String, BureauRecord> {
        e.bureaux
            .iter()
            .zip(arrived)
            .filter(|(_, a)| **a)
            .enumerate()
            .map(|(i, (b, _))| {
                (
                    b.code.clone(),
                    BureauRecord {
                        pv: Some(sample_pv(e, b, seed.wrapping_add(i as u64))),
                        turnout: Vec::new(),
                    },
                )
            })
            .collect()
    }

    #[test]
    fn percentages_are_from_summed_counts() {
        // Two bureaux: 100 inscrits / 50 votants and 300 inscrits / 60 votants.
        // Average of rates would be (50 % + 20 %) / 2 = 35 %; the right figure is
        // 110 / 400 = 27.50 %.
        let mut e = sample_commune();
        e.bureaux.truncate(2);
        e.bureaux[0].inscrits = 100;
        e.bureaux[1].inscrits = 300;
        let pv = |inscrits: i64, votants: i64| {
            let mut voix: Vec<_> = e
                .candidates
                .iter()
                .map(|c| crate::model::CandidateVoix {
                    candidate: c.number,
                    voix: 0,
                })
                .collect();
            voix[0].voix = votants;
            ProcesVerbal {
                inscrits,
                votants,
                blancs: 0,
                nuls: 0,
                exprimes: votants,
                voix,
                turnout: vec![],
            }
        };
        let mut records = BTreeMap::new();
        records.insert(
            e.bureaux[0].code.clone(),
            BureauRecord {
                pv: Some(pv(100, 50)),
                turnout: vec![],
            },
        );
        records.insert(
            e.bureaux[1].code.clone(),
            BureauRecord {
                pv: Some(pv(300, 60)),
                turnout: vec![],
            },
        );
        let t = tally_bureaux(&e, e.bureaux.iter().map(|b| b.code.as_str()), &records);
        assert_eq!(
            t.rates.participation.map(|p| p.to_string()),
            Some("27.50".into())
        );
        assert_eq!(
            t.rates.abstention.map(|p| p.to_string()),
            Some("72.50".into())
        );
        assert_eq!(t.counts.abstentions, 290);
        assert_eq!(t.arrived, 2);
    }

    #[test]
    fn partial_results_say_how_many_bureaux() {
        let e = sample_commune();
        let mut arrived = vec![false; e.bureaux.len()];
        arrived[0] = true;
        arrived[5] = true;
        let records = records_for(&e, &arrived, 1);
        let agg = Aggregator::new(&e);
        let r = agg.all(&e, &records);
        let root = e.root().map(|p| p.code.clone()).unwrap_or_default();
        let t = &r.perimeters[&root];
        assert_eq!((t.arrived, t.total), (2, e.bureaux.len()));
        assert!(!t.is_complete());
        assert_eq!(t.inscrits_roll, e.total_inscrits());
    }

    #[test]
    fn turnout_counts_reporting_bureaux_only() {
        let e = sample_commune();
        let mut records = BTreeMap::new();
        let b = &e.bureaux[0];
        records.insert(
            b.code.clone(),
            BureauRecord {
                pv: None,
                turnout: vec![TurnoutReading {
                    hour: "12:00".into(),
                    votants: i64::from(b.inscrits) / 4,
                }],
            },
        );
        let all = tally_bureaux(&e, e.bureaux.iter().map(|b| b.code.as_str()), &records);
        assert_eq!(all.turnout[0].bureaux, 1);
        assert_eq!(all.turnout[0].inscrits, u64::from(b.inscrits));
        assert_eq!(
            all.turnout[0].rate,
            Percent::of(u64::from(b.inscrits) / 4, u64::from(b.inscrits))
        );
        assert_eq!(all.turnout[1].rate, None);
        assert_eq!(all.arrived, 0);
    }

    proptest! {
        #[test]
        fn aggregates_equal_the_sum_of_bureaux(
            arrived in proptest::collection::vec(any::<bool>(), 34),
            seed in any::<u64>(),
        ) {
            let e = sample_commune();
            let records = records_for(&e, &arrived, seed);
            for (code, rec) in &records {
                let b = e.bureau(code).expect("bureau");
                let pv = rec.pv.as_ref().expect("pv");
                prop_assert!(check_pv(&e, b, pv, None).errors.is_empty());
            }
            let agg = Aggregator::new(&e);
            let results = agg.all(&e, &records);
            for (p, t) in &results.perimeters {
                let members = agg.members(p);
                let pvs: Vec<_> = members.iter().filter_map(|c| records.get(c)).filter_map(|r| r.pv.as_ref()).collect();
                prop_assert_eq!(t.arrived, pvs.len());
                prop_assert_eq!(t.total, members.len());
                prop_assert_eq!(t.counts.votants, pvs.iter().map(|p| p.votants as u64).sum::<u64>());
                prop_assert_eq!(t.counts.inscrits, pvs.iter().map(|p| p.inscrits as u64).sum::<u64>());
                prop_assert_eq!(t.counts.exprimes, t.scores.iter().map(|s| s.voix).sum::<u64>());
                prop_assert_eq!(t.counts.blancs + t.counts.nuls + t.counts.exprimes, t.counts.votants);
                prop_assert_eq!(t.rates.participation, Percent::of(t.counts.votants, t.counts.inscrits));
                for s in &t.scores {
                    prop_assert_eq!(s.voix, pvs.iter().map(|p| p.voix_of(s.candidate) as u64).sum::<u64>());
                    prop_assert_eq!(s.pct_exprimes, Percent::of(s.voix, t.counts.exprimes));
                }
            }
            // Children that partition the commune sum to it.
            let root = e.root().map(|p| p.code.clone()).unwrap_or_default();
            let kids: Vec<_> = e.children(&root).into_iter().filter(|p| p.kind != crate::model::PerimeterKind::Canton).collect();
            let sum: u64 = kids.iter().map(|k| results.perimeters[&k.code].counts.votants).sum();
            prop_assert_eq!(sum, results.perimeters[&root].counts.votants);
        }

        #[test]
        fn incremental_update_matches_full_recompute(
            order in Just((0..34usize).collect::<Vec<_>>()).prop_shuffle(),
            upto in 0usize..34,
            seed in any::<u64>(),
        ) {
            let e = sample_commune();
            let agg = Aggregator::new(&e);
            let mut records = BTreeMap::new();
            let mut live = agg.all(&e, &records);
            for (i, &k) in order.iter().take(upto).enumerate() {
                let b = &e.bureaux[k];
                records.insert(b.code.clone(), BureauRecord { pv: Some(sample_pv(&e, b, seed ^ i as u64)), turnout: vec![] });
                agg.update(&e, &records, &mut live, &b.code);
            }
            prop_assert_eq!(live, agg.all(&e, &records));
        }
    }
}
