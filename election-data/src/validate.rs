//! The rules a procès-verbal must satisfy before it is stored.
//!
//! Blocking errors mean the PV cannot be right as typed (the sums do not add
//! up, a candidate is missing…); it is refused and nothing is stored.
//! Warnings mean it is possible but unusual (inscrits differ from the roll,
//! many nuls, a large correction); it is stored only once the desk confirms.
//! Every violation names the field (`votants`, `voix[3]`, `turnout[17:00]`),
//! a stable rule code for programs, and a French message for people. All the
//! violations are reported at once so a president fixes the sheet in one go.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::{Bureau, Election, ProcesVerbal};

/// Whether a violation blocks the entry or asks for confirmation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// The rules, with stable snake_case codes used in the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// Every count is an integer ≥ 0.
    NonNegative,
    /// votants ≤ inscrits.
    VotantsAtMostInscrits,
    /// blancs + nuls + exprimés = votants.
    VotantsBreakdown,
    /// Σ voix = exprimés.
    VoixSumExprimes,
    /// A candidate of the election has no voix line.
    CandidateMissing,
    /// A voix line names a candidate that is not on the ballot.
    CandidateUnknown,
    /// A candidate appears twice.
    CandidateDuplicate,
    /// Turnout at an hour ≤ inscrits.
    TurnoutAtMostInscrits,
    /// Turnout never decreases across hours, nor exceeds the final votants.
    TurnoutNonDecreasing,
    /// Turnout given for an hour the election does not report.
    TurnoutUnknownHour,
    /// A centaine (running tally) is not a positive multiple of 100, not in
    /// increasing order, or beyond the votants.
    CentaineStep,
    /// blancs + nuls + Σ voix of a centaine = the number of ballots it counts.
    CentaineSum,
    /// A count of a centaine exceeds the next centaine's or the final count.
    CentaineAboveFinal,
    /// Warning: inscrits differ from the electoral roll.
    InscritsDifferFromRoll,
    /// Warning: blancs above a plausible share of votants.
    BlancsImplausible,
    /// Warning: nuls above a plausible share of votants.
    NulsImplausible,
    /// Warning: a correction changes a count by a large amount.
    LargeCorrection,
}

impl Rule {
    pub fn severity(self) -> Severity {
        match self {
            Rule::InscritsDifferFromRoll
            | Rule::BlancsImplausible
            | Rule::NulsImplausible
            | Rule::LargeCorrection => Severity::Warning,
            _ => Severity::Error,
        }
    }

    /// The stable code, as serialised.
    pub fn code(self) -> &'static str {
        match self {
            Rule::NonNegative => "non_negative",
            Rule::VotantsAtMostInscrits => "votants_at_most_inscrits",
            Rule::VotantsBreakdown => "votants_breakdown",
            Rule::VoixSumExprimes => "voix_sum_exprimes",
            Rule::CandidateMissing => "candidate_missing",
            Rule::CandidateUnknown => "candidate_unknown",
            Rule::CandidateDuplicate => "candidate_duplicate",
            Rule::TurnoutAtMostInscrits => "turnout_at_most_inscrits",
            Rule::TurnoutNonDecreasing => "turnout_non_decreasing",
            Rule::TurnoutUnknownHour => "turnout_unknown_hour",
            Rule::CentaineStep => "centaine_step",
            Rule::CentaineSum => "centaine_sum",
            Rule::CentaineAboveFinal => "centaine_above_final",
            Rule::InscritsDifferFromRoll => "inscrits_differ_from_roll",
            Rule::BlancsImplausible => "blancs_implausible",
            Rule::NulsImplausible => "nuls_implausible",
            Rule::LargeCorrection => "large_correction",
        }
    }
}

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    pub field: String,
    pub rule: Rule,
    pub severity: Severity,
    pub message: String,
}

/// The outcome of checking a PV: blocking errors and warnings, kept apart.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    pub errors: Vec<Violation>,
    pub warnings: Vec<Violation>,
}

impl Report {
    fn push(&mut self, field: impl Into<String>, rule: Rule, message: impl Into<String>) {
        let v = Violation {
            field: field.into(),
            rule,
            severity: rule.severity(),
            message: message.into(),
        };
        match v.severity {
            Severity::Error => self.errors.push(v),
            Severity::Warning => self.warnings.push(v),
        }
    }

    pub fn is_blocking(&self) -> bool {
        !self.errors.is_empty()
    }

    /// True when the PV may be stored: no error, and warnings confirmed if any.
    pub fn accepts(&self, confirmed: bool) -> bool {
        self.errors.is_empty() && (confirmed || self.warnings.is_empty())
    }
}

/// Share of votants above which blancs are flagged (in percent).
pub const BLANCS_PLAUSIBLE_PCT: i64 = 15;
/// Share of votants above which nuls are flagged (in percent).
pub const NULS_PLAUSIBLE_PCT: i64 = 10;
/// A correction that moves a count by more than this share (in percent) and
/// by more than [`LARGE_CORRECTION_MIN`] is flagged.
pub const LARGE_CORRECTION_PCT: i64 = 10;
pub const LARGE_CORRECTION_MIN: i64 = 10;

/// Checks a bureau's PV against the election. `previous` is the stored PV
/// when this entry is a correction (for the large-change warning).
/// Whether no two candidates share a number (numbers in increasing order,
/// as a ballot's are, tell it at once).
fn is_each_once(candidates: &[&crate::model::Candidate]) -> bool {
    candidates.windows(2).all(|w| w[0].number < w[1].number) || {
        let mut numbers: Vec<u32> = candidates.iter().map(|c| c.number).collect();
        numbers.sort_unstable();
        numbers.windows(2).all(|w| w[0] != w[1])
    }
}

pub fn check_pv(
    election: &Election,
    bureau: &Bureau,
    pv: &ProcesVerbal,
    previous: Option<&ProcesVerbal>,
) -> Report {
    check_pv_on(election, bureau, &election.ballot(bureau), pv, previous)
}

/// [`check_pv`] with the bureau's ballot ([`Election::ballot`]) already at
/// hand: an import checking a whole territory's bureaux finds each ballot
/// once per commune rather than once per bureau.
pub fn check_pv_on(
    election: &Election,
    bureau: &Bureau,
    ballot: &[&crate::model::Candidate],
    pv: &ProcesVerbal,
    previous: Option<&ProcesVerbal>,
) -> Report {
    let mut r = Report::default();

    let counts = [
        ("inscrits", pv.inscrits),
        ("votants", pv.votants),
        ("blancs", pv.blancs),
        ("nuls", pv.nuls),
        ("exprimes", pv.exprimes),
    ];
    let mut negative = false;
    for (field, value) in counts {
        if value < 0 {
            negative = true;
            r.push(
                field,
                Rule::NonNegative,
                format!("{field} doit être un entier positif ou nul (reçu {value})"),
            );
        }
    }
    for v in &pv.voix {
        if v.voix < 0 {
            negative = true;
            r.push(
                format!("voix[{}]", v.candidate),
                Rule::NonNegative,
                format!(
                    "les voix du candidat n° {} doivent être un entier positif ou nul (reçu {})",
                    v.candidate, v.voix
                ),
            );
        }
    }
    for t in &pv.turnout {
        if t.votants < 0 {
            negative = true;
            r.push(
                format!("turnout[{}]", t.hour),
                Rule::NonNegative,
                format!(
                    "les votants de {} doivent être un entier positif ou nul (reçu {})",
                    t.hour, t.votants
                ),
            );
        }
    }

    // Candidates: each exactly once, none unknown. Nothing to say when the
    // procès-verbal gives the ballot's numbers in its order, each once (an
    // import's every bureau).
    // The bureau's ballot: with lists commune by commune, its commune's.
    let ballot_order = pv.voix.len() == ballot.len()
        && pv
            .voix
            .iter()
            .zip(ballot)
            .all(|(v, c)| v.candidate == c.number)
        && is_each_once(ballot);
    let mut seen: BTreeMap<u32, usize> = BTreeMap::new();
    if !ballot_order {
        for v in &pv.voix {
            *seen.entry(v.candidate).or_default() += 1;
        }
    }
    for (&number, &count) in &seen {
        if election.candidate(number).is_none() {
            r.push(
                format!("voix[{number}]"),
                Rule::CandidateUnknown,
                format!("le candidat n° {number} ne figure pas sur le panneau de cette élection"),
            );
        } else if !ballot.iter().any(|c| c.number == number) {
            r.push(
                format!("voix[{number}]"),
                Rule::CandidateUnknown,
                format!(
                    "la liste n° {number} ne se présente pas dans la commune du bureau {}",
                    bureau.code
                ),
            );
        } else if count > 1 {
            r.push(
                format!("voix[{number}]"),
                Rule::CandidateDuplicate,
                format!("le candidat n° {number} apparaît {count} fois"),
            );
        }
    }
    for c in ballot {
        if !ballot_order && !seen.contains_key(&c.number) {
            r.push(
                format!("voix[{}]", c.number),
                Rule::CandidateMissing,
                format!("les voix de {} (n° {}) manquent", c.name, c.number),
            );
        }
    }

    // Sums. Skipped when a count is negative: the sum message would only confuse.
    if !negative {
        if pv.votants > pv.inscrits {
            r.push(
                "votants",
                Rule::VotantsAtMostInscrits,
                format!(
                    "votants ({}) ne peut dépasser inscrits ({})",
                    pv.votants, pv.inscrits
                ),
            );
        }
        let breakdown = i128::from(pv.blancs) + i128::from(pv.nuls) + i128::from(pv.exprimes);
        if breakdown != i128::from(pv.votants) {
            r.push(
                "votants",
                Rule::VotantsBreakdown,
                format!(
                    "blancs + nuls + exprimés = {} + {} + {} = {breakdown}, mais votants = {}",
                    pv.blancs, pv.nuls, pv.exprimes, pv.votants
                ),
            );
        }
        let sum: i128 = pv.voix.iter().map(|v| i128::from(v.voix)).sum();
        if sum != i128::from(pv.exprimes) {
            r.push(
                "exprimes",
                Rule::VoixSumExprimes,
                format!(
                    "la somme des voix ({sum}) doit être égale aux exprimés ({})",
                    pv.exprimes
                ),
            );
        }
    }

    check_turnout_into(&mut r, election, pv.inscrits, Some(pv.votants), &pv.turnout);

    // Warnings.
    if pv.inscrits >= 0 && pv.inscrits != i64::from(bureau.inscrits) {
        r.push(
            "inscrits",
            Rule::InscritsDifferFromRoll,
            format!(
                "inscrits ({}) diffère de la liste électorale ({})",
                pv.inscrits, bureau.inscrits
            ),
        );
    }
    if !negative && pv.votants > 0 {
        if pv.blancs * 100 > pv.votants * BLANCS_PLAUSIBLE_PCT {
            r.push(
                "blancs",
                Rule::BlancsImplausible,
                format!(
                    "blancs ({}) dépasse {BLANCS_PLAUSIBLE_PCT} % des votants : à vérifier",
                    pv.blancs
                ),
            );
        }
        if pv.nuls * 100 > pv.votants * NULS_PLAUSIBLE_PCT {
            r.push(
                "nuls",
                Rule::NulsImplausible,
                format!(
                    "nuls ({}) dépasse {NULS_PLAUSIBLE_PCT} % des votants : à vérifier",
                    pv.nuls
                ),
            );
        }
    }
    if let Some(prev) = previous {
        let pairs = [
            ("inscrits", prev.inscrits, pv.inscrits),
            ("votants", prev.votants, pv.votants),
            ("exprimes", prev.exprimes, pv.exprimes),
        ];
        let voix = ballot
            .iter()
            .map(|c| (c.number, prev.voix_of(c.number), pv.voix_of(c.number)));
        for (field, old, new) in pairs {
            if is_large_change(old, new) {
                r.push(
                    field,
                    Rule::LargeCorrection,
                    format!("la correction fait passer {field} de {old} à {new}"),
                );
            }
        }
        for (number, old, new) in voix {
            if is_large_change(old, new) {
                r.push(
                    format!("voix[{number}]"),
                    Rule::LargeCorrection,
                    format!("la correction fait passer les voix du n° {number} de {old} à {new}"),
                );
            }
        }
    }
    r
}

fn is_large_change(old: i64, new: i64) -> bool {
    let diff = (i128::from(new) - i128::from(old)).abs();
    diff > i128::from(LARGE_CORRECTION_MIN)
        && diff * 100 > i128::from(old.max(0)) * i128::from(LARGE_CORRECTION_PCT)
}

/// A running tally: the counts after the first `at` ballots were opened
/// (100, 200…), which some communes report early on election night.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Centaine {
    pub at: i64,
    pub blancs: i64,
    pub nuls: i64,
    pub voix: Vec<crate::model::CandidateVoix>,
}

impl Centaine {
    fn voix_of(&self, candidate: u32) -> i64 {
        self.voix
            .iter()
            .filter(|v| v.candidate == candidate)
            .map(|v| v.voix)
            .sum()
    }
}

/// Checks the centaines of a PV: each counts a positive multiple of 100
/// ballots, in increasing order, no more than the votants; its blancs, nuls
/// and voix add up to that number; and no count ever goes down from one
/// centaine to the next or to the final PV.
pub fn check_centaines(election: &Election, pv: &ProcesVerbal, centaines: &[Centaine]) -> Report {
    check_running(election, Ceiling::Pv(pv), centaines)
}

/// Checks centaines entered before the procès-verbal (the count is still
/// going on): the same rules as [`check_centaines`], with the bureau's
/// roll bounding the ballots counted instead of the votants; the final PV,
/// when it comes, is checked against them again.
pub fn check_centaines_before_pv(
    election: &Election,
    bureau: &Bureau,
    centaines: &[Centaine],
) -> Report {
    check_running(
        election,
        Ceiling::Roll(i64::from(bureau.inscrits)),
        centaines,
    )
}

/// What bounds the centaines: the final PV, or (before it) the roll.
#[derive(Clone, Copy)]
enum Ceiling<'a> {
    Pv(&'a ProcesVerbal),
    Roll(i64),
}

fn check_running(election: &Election, ceiling: Ceiling<'_>, centaines: &[Centaine]) -> Report {
    let mut r = Report::default();
    let mut previous: Option<&Centaine> = None;
    let (bound, bound_name) = match ceiling {
        Ceiling::Pv(pv) => (pv.votants, "aux votants"),
        Ceiling::Roll(n) => (n, "aux inscrits de la liste"),
    };
    // The final count of a figure, when the PV is known.
    let last = |f: &dyn Fn(&ProcesVerbal) -> i64| match ceiling {
        Ceiling::Pv(pv) => Some(f(pv)),
        Ceiling::Roll(_) => None,
    };
    for c in centaines {
        let field = format!("centaines[{}]", c.at);
        if c.at <= 0 || c.at % 100 != 0 || previous.is_some_and(|p| c.at <= p.at) || c.at > bound {
            r.push(
                &field,
                Rule::CentaineStep,
                format!(
                    "la centaine {} doit être un multiple de 100, croissant, au plus égal {bound_name} ({bound})",
                    c.at
                ),
            );
        }
        let mut counts = vec![(
            "blancs".to_string(),
            c.blancs,
            last(&|pv| pv.blancs),
            previous.map(|p| p.blancs),
        )];
        counts.push((
            "nuls".to_string(),
            c.nuls,
            last(&|pv| pv.nuls),
            previous.map(|p| p.nuls),
        ));
        for v in &c.voix {
            if election.candidate(v.candidate).is_none() {
                r.push(
                    format!("{field}.voix[{}]", v.candidate),
                    Rule::CandidateUnknown,
                    format!(
                        "le candidat n° {} ne figure pas sur le panneau",
                        v.candidate
                    ),
                );
            }
        }
        for cand in &election.candidates {
            counts.push((
                format!("voix[{}]", cand.number),
                c.voix_of(cand.number),
                last(&|pv| pv.voix_of(cand.number)),
                previous.map(|p| p.voix_of(cand.number)),
            ));
        }
        let mut negative = false;
        for (name, value, last, before) in &counts {
            if *value < 0 {
                negative = true;
                r.push(
                    format!("{field}.{name}"),
                    Rule::NonNegative,
                    format!("{name} de la centaine {} doit être positif ou nul", c.at),
                );
            } else if last.is_some_and(|l| *value > l) || before.is_some_and(|b| *value < b) {
                let message = match last {
                    Some(l) => format!(
                        "{name} à la centaine {} ({value}) doit être entre la centaine précédente et le résultat final ({l})",
                        c.at
                    ),
                    None => format!(
                        "{name} à la centaine {} ({value}) ne peut pas être inférieur à la centaine précédente",
                        c.at
                    ),
                };
                r.push(format!("{field}.{name}"), Rule::CentaineAboveFinal, message);
            }
        }
        let sum: i128 = counts.iter().map(|(_, v, _, _)| i128::from(*v)).sum();
        if !negative && sum != i128::from(c.at) {
            r.push(
                &field,
                Rule::CentaineSum,
                format!(
                    "blancs + nuls + voix de la centaine {} = {sum}, au lieu de {}",
                    c.at, c.at
                ),
            );
        }
        previous = Some(c);
    }
    r
}

/// Checks turnout readings entered during the day. `pv` is the bureau's
/// stored PV if it was already counted (its inscrits and final votants bound
/// the readings); otherwise the roll's inscrits do.
pub fn check_turnout(
    election: &Election,
    bureau: &Bureau,
    readings: &[crate::model::TurnoutReading],
    pv: Option<&ProcesVerbal>,
) -> Report {
    let mut r = Report::default();
    for t in readings {
        if t.votants < 0 {
            r.push(
                format!("turnout[{}]", t.hour),
                Rule::NonNegative,
                format!(
                    "les votants de {} doivent être un entier positif ou nul (reçu {})",
                    t.hour, t.votants
                ),
            );
        }
    }
    let inscrits = pv.map_or(i64::from(bureau.inscrits), |pv| pv.inscrits);
    check_turnout_into(
        &mut r,
        election,
        inscrits,
        pv.map(|pv| pv.votants),
        readings,
    );
    r
}

fn check_turnout_into(
    r: &mut Report,
    election: &Election,
    inscrits: i64,
    final_votants: Option<i64>,
    readings: &[crate::model::TurnoutReading],
) {
    let mut by_hour: BTreeMap<&str, i64> = BTreeMap::new();
    for t in readings {
        if !election.turnout_hours.contains(&t.hour) {
            r.push(
                format!("turnout[{}]", t.hour),
                Rule::TurnoutUnknownHour,
                format!(
                    "{} n'est pas une heure de relevé de cette élection ({})",
                    t.hour,
                    election.turnout_hours.join(", ")
                ),
            );
        } else if by_hour.insert(t.hour.as_str(), t.votants).is_some() {
            r.push(
                format!("turnout[{}]", t.hour),
                Rule::TurnoutNonDecreasing,
                format!("l'heure {} est donnée deux fois", t.hour),
            );
        }
        if inscrits >= 0 && t.votants > inscrits {
            r.push(
                format!("turnout[{}]", t.hour),
                Rule::TurnoutAtMostInscrits,
                format!(
                    "votants à {} ({}) ne peut dépasser inscrits ({inscrits})",
                    t.hour, t.votants
                ),
            );
        }
    }
    // by_hour iterates in HH:MM order, which is chronological.
    let mut last: Option<(&str, i64)> = None;
    for (&hour, &votants) in &by_hour {
        if let Some((prev_hour, prev)) = last
            && votants < prev
        {
            r.push(
                format!("turnout[{hour}]"),
                Rule::TurnoutNonDecreasing,
                format!(
                    "votants à {hour} ({votants}) est inférieur à votants à {prev_hour} ({prev})"
                ),
            );
        }
        last = Some((hour, votants));
    }
    if let (Some((hour, votants)), Some(fin)) = (last, final_votants)
        && fin >= 0
        && votants > fin
    {
        r.push(
            format!("turnout[{hour}]"),
            Rule::TurnoutNonDecreasing,
            format!("votants à {hour} ({votants}) dépasse les votants de la clôture ({fin})"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{sample_commune, sample_pv};
    use crate::model::{CandidateVoix, TurnoutReading};

    fn rules(r: &[Violation]) -> Vec<Rule> {
        r.iter().map(|v| v.rule).collect()
    }

    #[test]
    fn a_consistent_pv_passes() {
        let e = sample_commune();
        let b = &e.bureaux[0];
        let pv = sample_pv(&e, b, 7);
        let r = check_pv(&e, b, &pv, None);
        assert!(r.errors.is_empty(), "{:?}", r.errors);
        assert!(r.warnings.is_empty(), "{:?}", r.warnings);
        assert!(r.accepts(false));
    }

    #[test]
    fn each_blocking_rule_is_named() {
        let e = sample_commune();
        let b = &e.bureaux[0];
        let good = sample_pv(&e, b, 3);

        let mut pv = good.clone();
        pv.nuls = -1;
        assert!(rules(&check_pv(&e, b, &pv, None).errors).contains(&Rule::NonNegative));

        let mut pv = good.clone();
        pv.votants = pv.inscrits + 1;
        pv.exprimes += pv.inscrits + 1 - good.votants;
        pv.voix[0].voix += pv.inscrits + 1 - good.votants;
        assert_eq!(
            rules(&check_pv(&e, b, &pv, None).errors),
            vec![Rule::VotantsAtMostInscrits]
        );

        let mut pv = good.clone();
        pv.blancs += 1;
        assert_eq!(
            rules(&check_pv(&e, b, &pv, None).errors),
            vec![Rule::VotantsBreakdown]
        );

        let mut pv = good.clone();
        pv.voix[2].voix += 1;
        assert_eq!(
            rules(&check_pv(&e, b, &pv, None).errors),
            vec![Rule::VoixSumExprimes]
        );

        let mut pv = good.clone();
        let gone = pv.voix.remove(1);
        pv.voix[0].voix += gone.voix;
        assert_eq!(
            rules(&check_pv(&e, b, &pv, None).errors),
            vec![Rule::CandidateMissing]
        );

        let mut pv = good.clone();
        pv.voix.push(CandidateVoix {
            candidate: 99,
            voix: 0,
        });
        assert_eq!(
            rules(&check_pv(&e, b, &pv, None).errors),
            vec![Rule::CandidateUnknown]
        );

        let mut pv = good.clone();
        pv.voix.push(CandidateVoix {
            candidate: 1,
            voix: 0,
        });
        assert_eq!(
            rules(&check_pv(&e, b, &pv, None).errors),
            vec![Rule::CandidateDuplicate]
        );

        let mut pv = good.clone();
        pv.turnout = vec![TurnoutReading {
            hour: "12:00".into(),
            votants: pv.inscrits + 1,
        }];
        let errs = rules(&check_pv(&e, b, &pv, None).errors);
        assert!(errs.contains(&Rule::TurnoutAtMostInscrits), "{errs:?}");

        let mut pv = good.clone();
        pv.turnout = vec![
            TurnoutReading {
                hour: "12:00".into(),
                votants: 100,
            },
            TurnoutReading {
                hour: "17:00".into(),
                votants: 90,
            },
        ];
        assert_eq!(
            rules(&check_pv(&e, b, &pv, None).errors),
            vec![Rule::TurnoutNonDecreasing]
        );

        let mut pv = good;
        pv.turnout = vec![TurnoutReading {
            hour: "13:30".into(),
            votants: 1,
        }];
        assert_eq!(
            rules(&check_pv(&e, b, &pv, None).errors),
            vec![Rule::TurnoutUnknownHour]
        );
    }

    #[test]
    fn warnings_are_separate() {
        let e = sample_commune();
        let b = &e.bureaux[0];
        let good = sample_pv(&e, b, 3);
        let mut pv = good.clone();
        pv.inscrits += 3;
        let r = check_pv(&e, b, &pv, None);
        assert!(r.errors.is_empty());
        assert_eq!(rules(&r.warnings), vec![Rule::InscritsDifferFromRoll]);
        assert!(!r.accepts(false));
        assert!(r.accepts(true));

        let mut pv = good.clone();
        let moved = pv.exprimes / 4;
        pv.exprimes -= moved;
        pv.nuls += moved;
        // take the moved voix off the candidates, largest first
        let mut left = moved;
        for v in pv.voix.iter_mut() {
            let take = left.min(v.voix);
            v.voix -= take;
            left -= take;
        }
        let r = check_pv(&e, b, &pv, None);
        assert!(r.errors.is_empty(), "{:?}", r.errors);
        assert!(rules(&r.warnings).contains(&Rule::NulsImplausible));

        let r = check_pv(&e, b, &pv, Some(&good));
        assert!(rules(&r.warnings).contains(&Rule::LargeCorrection));
    }

    #[test]
    fn centaines_add_up_and_grow() {
        let e = sample_commune();
        let b = &e.bureaux[0];
        let pv = sample_pv(&e, b, 3);
        // The first 100 ballots: 2 blancs, 1 nul, 97 voix spread like the final result.
        let mut left = 97;
        let voix: Vec<_> = pv
            .voix
            .iter()
            .map(|v| {
                let n = (v.voix * 97 / pv.exprimes).min(left);
                left -= n;
                CandidateVoix {
                    candidate: v.candidate,
                    voix: n,
                }
            })
            .collect();
        let mut c100 = Centaine {
            at: 100,
            blancs: 2,
            nuls: 1,
            voix,
        };
        let top = (0..c100.voix.len())
            .max_by_key(|&i| pv.voix[i].voix)
            .unwrap_or(0);
        c100.voix[top].voix += left;
        assert!(
            check_centaines(&e, &pv, std::slice::from_ref(&c100))
                .errors
                .is_empty()
        );

        let mut bad = c100.clone();
        bad.blancs += 1;
        assert_eq!(
            rules(&check_centaines(&e, &pv, &[bad]).errors),
            vec![Rule::CentaineSum]
        );

        let mut c200 = c100.clone();
        c200.at = 200;
        c200.nuls = 0; // fewer nuls at 200 than at 100: impossible
        c200.voix[top].voix += 101;
        let errs = rules(&check_centaines(&e, &pv, &[c100.clone(), c200]).errors);
        assert!(errs.contains(&Rule::CentaineAboveFinal), "{errs:?}");

        let mut odd = c100;
        odd.at = 150;
        let errs = rules(&check_centaines(&e, &pv, &[odd]).errors);
        assert!(errs.contains(&Rule::CentaineStep), "{errs:?}");
    }

    #[test]
    fn turnout_alone() {
        let e = sample_commune();
        let b = &e.bureaux[0];
        let ok = [TurnoutReading {
            hour: "12:00".into(),
            votants: 10,
        }];
        assert_eq!(check_turnout(&e, b, &ok, None), Report::default());
        let bad = [TurnoutReading {
            hour: "12:00".into(),
            votants: i64::from(b.inscrits) + 1,
        }];
        assert_eq!(
            rules(&check_turnout(&e, b, &bad, None).errors),
            vec![Rule::TurnoutAtMostInscrits]
        );
    }

    #[test]
    fn a_bureau_counts_its_own_commune_s_lists_only() {
        let e = crate::fixtures::sample_municipal_territory();
        let b = e.bureau("29075-0001").expect("bureau");
        let mut pv = crate::fixtures::sample_pv(&e, b, 3);
        // Brest's first list is not on Guipavas's panels.
        pv.voix.push(CandidateVoix {
            candidate: 1,
            voix: 0,
        });
        let r = check_pv(&e, b, &pv, None);
        let err = r.errors.first().expect("an error");
        assert_eq!(err.field, "voix[1]");
        assert_eq!(
            err.message,
            "la liste n° 1 ne se présente pas dans la commune du bureau 29075-0001"
        );
        pv.voix.truncate(1);
        let r = check_pv(&e, b, &pv, None);
        assert!(
            r.errors
                .iter()
                .any(|e| e.field == "voix[6]" && e.message.contains("manquent")),
            "{r:?}"
        );
    }
}
