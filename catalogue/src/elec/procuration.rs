//! openElec's procurations over the whole roll: the limits of L73 on each
//! mandataire, and that mandant and mandataire are electors of the roll and
//! two different people (L71, L72), with one procuration per mandant at a
//! time (L75).
//!
//! # L73, as counted here
//!
//! « Chaque mandataire ne peut disposer de plus de deux procurations, dont
//! une seule établie en France. Si ces limites ne sont pas respectées, la
//! ou les procurations qui ont été dressées les premières sont seules
//! valables ; la ou les autres sont nulles de plein droit. »
//!
//! A procuration is in force from `debut` to `fin` included (`fin` empty:
//! the day of `debut` only, a procuration for one scrutin). The limits
//! hold on every day: on any date, the procurations in force of one
//! mandataire are at most two, of which at most one established in France
//! ([`EtablieA::France`]); two procurations count together when their
//! periods of validity share a day. When a day breaks the limits, the
//! procurations recorded first stand and the later ones are void: they
//! are taken in the order of their record ids, and each is kept if the
//! mandataire, with the ones kept before it, still has fewer than two and,
//! for one established in France, none established in France. The roll
//! does not keep the date a procuration was drawn up (« dressées les
//! premières »); the order of recording, which follows the order the town
//! hall receives them (R76-1's register), stands for it.
//!
//! Simplifications: since 2022 a mandataire may be an elector of another
//! commune; here he is an elector of the roll (`mandataire` refers to an
//! `electeur`), and one who is not is reported. The higher limit for a
//! mandataire of electors of a consular list, the maximum duration of a
//! procuration (R74) and the scrutins a procuration is restricted to
//! (`elections`, free text) are not checked. A procuration the mandant
//! gives to himself does not count towards the limits (it is void anyway).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;

use super::roll::Elector;
use super::{Date, ElectorId, EtablieA, Problem, ProblemRule, ProcurationId, french_list};

/// A procuration (a row of `procuration`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Procuration {
    pub id: ProcurationId,
    pub mandant: ElectorId,
    pub mandataire: ElectorId,
    /// First day of validity.
    pub debut: Date,
    /// Last day of validity, included (None: `debut` only).
    pub fin: Option<Date>,
    /// The scrutins concerned, as written.
    pub elections: Option<String>,
    pub etablie_a: EtablieA,
    /// The authority and place it was drawn up.
    pub lieu: Option<String>,
}

impl Procuration {
    /// The last day it is in force.
    pub fn last_day(&self) -> Date {
        self.fin.unwrap_or(self.debut)
    }

    pub fn valid_on(&self, d: Date) -> bool {
        self.debut <= d && d <= self.last_day()
    }

    /// Whether the two are in force on a common day.
    pub fn overlaps(&self, other: &Procuration) -> bool {
        self.debut <= other.last_day() && other.debut <= self.last_day()
    }

    fn in_france(&self) -> bool {
        self.etablie_a == EtablieA::France
    }

    fn counts(&self) -> bool {
        self.mandant != self.mandataire
    }
}

/// A procuration void under L73 on a day, and why: the rule broken and the
/// ones kept before it.
struct Void<'a> {
    procuration: &'a Procuration,
    rule: ProblemRule,
    kept: Vec<&'a Procuration>,
}

/// L73 on one day for one mandataire: `ordered` are his procurations in
/// force that day, in the order recorded.
fn l73<'a>(ordered: &[&'a Procuration]) -> Vec<Void<'a>> {
    let mut kept: Vec<&Procuration> = Vec::new();
    let mut void = Vec::new();
    for p in ordered {
        let rule = if kept.len() >= 2 {
            Some(ProblemRule::MoreThanTwo)
        } else if p.in_france() && kept.iter().any(|k| k.in_france()) {
            Some(ProblemRule::SecondInFrance)
        } else {
            None
        };
        match rule {
            Some(rule) => void.push(Void {
                procuration: p,
                rule,
                kept: kept.clone(),
            }),
            None => kept.push(p),
        }
    }
    void
}

/// The procurations in force on `on` that count, by mandataire, each in
/// the order recorded.
fn by_mandataire(procurations: &[Procuration], on: Date) -> BTreeMap<ElectorId, Vec<&Procuration>> {
    let mut by: BTreeMap<ElectorId, Vec<&Procuration>> = BTreeMap::new();
    for p in procurations.iter().filter(|p| p.valid_on(on) && p.counts()) {
        by.entry(p.mandataire).or_default().push(p);
    }
    for v in by.values_mut() {
        v.sort_by_key(|p| p.id);
    }
    by
}

/// The ids of the procurations void under L73 on `on`.
pub fn void_procurations(procurations: &[Procuration], on: Date) -> BTreeSet<ProcurationId> {
    by_mandataire(procurations, on)
        .values()
        .flat_map(|v| l73(v))
        .map(|v| v.procuration.id)
        .collect()
}

/// The procurations that let a mandataire vote on `on`: in force that day,
/// not given by the mandant to himself, not void under L73, and for a
/// mandant who gave several, the one recorded last (he « peut donner une
/// nouvelle procuration », L75). At most one per mandant, by id.
pub fn in_force(procurations: &[Procuration], on: Date) -> Vec<&Procuration> {
    let void = void_procurations(procurations, on);
    let mut latest: BTreeMap<ElectorId, &Procuration> = BTreeMap::new();
    for p in procurations
        .iter()
        .filter(|p| p.valid_on(on) && p.counts() && !void.contains(&p.id))
    {
        match latest.get(&p.mandant) {
            Some(q) if q.id > p.id => {}
            _ => {
                latest.insert(p.mandant, p);
            }
        }
    }
    let mut out: Vec<&Procuration> = latest.into_values().collect();
    out.sort_by_key(|p| p.id);
    out
}

fn who(names: &HashMap<ElectorId, &Elector>, id: ElectorId) -> String {
    names
        .get(&id)
        .map_or_else(|| format!("l'électeur n° {id}"), |e| e.name())
}

fn numbers(ps: &[&Procuration]) -> String {
    let ids: Vec<String> = ps.iter().map(|p| p.id.to_string()).collect();
    format!("n° {}", french_list(&ids))
}

const L73_RULE: &str = "un mandataire ne peut disposer de plus de deux procurations, dont une \
                        seule établie en France ; les dernières dressées sont nulles (art. L73)";

fn l73_problem(names: &HashMap<ElectorId, &Elector>, v: &Void<'_>, on: Date) -> Problem {
    let p = v.procuration;
    let mandataire = who(names, p.mandataire);
    let held = match v.rule {
        ProblemRule::MoreThanTwo => format!(
            "dispose déjà de deux procurations en cours le {} ({})",
            on.fr(),
            numbers(&v.kept)
        ),
        _ => {
            let france: Vec<&Procuration> =
                v.kept.iter().copied().filter(|k| k.in_france()).collect();
            format!(
                "dispose déjà d'une procuration établie en France en cours le {} ({})",
                on.fr(),
                numbers(&france)
            )
        }
    };
    let this = if p.in_france() {
        "établie en France"
    } else {
        "établie à l'étranger"
    };
    let mut problem = Problem::new(
        v.rule,
        format!(
            "le mandataire {mandataire} {held} : la procuration n° {} ({this}) de {} est nulle ; \
             {L73_RULE}",
            p.id,
            who(names, p.mandant)
        ),
    );
    problem.electors = vec![p.mandataire];
    problem.procurations = std::iter::once(p.id)
        .chain(v.kept.iter().map(|k| k.id))
        .collect();
    problem
}

/// What is wrong with `p` alone against the roll: a mandant or a
/// mandataire not on it, the same person on both sides.
fn roll_problems(names: &HashMap<ElectorId, &Elector>, p: &Procuration) -> Vec<Problem> {
    let mut out = Vec::new();
    if !names.contains_key(&p.mandant) {
        let mut x = Problem::new(
            ProblemRule::MandantNotOnRoll,
            format!(
                "procuration n° {} : le mandant (électeur n° {}) n'est pas inscrit sur la liste ; \
                 seul un électeur peut voter par procuration (art. L71)",
                p.id, p.mandant
            ),
        );
        x.electors = vec![p.mandant];
        x.procurations = vec![p.id];
        out.push(x);
    }
    if !names.contains_key(&p.mandataire) {
        let mut x = Problem::new(
            ProblemRule::MandataireNotOnRoll,
            format!(
                "procuration n° {} : le mandataire (électeur n° {}) n'est pas inscrit sur la \
                 liste ; le mandataire doit jouir de ses droits électoraux (art. L72)",
                p.id, p.mandataire
            ),
        );
        x.electors = vec![p.mandataire];
        x.procurations = vec![p.id];
        out.push(x);
    }
    if p.mandant == p.mandataire {
        let mut x = Problem::new(
            ProblemRule::SelfMandate,
            format!(
                "procuration n° {} : {} est à la fois mandant et mandataire ; la procuration est \
                 donnée à un autre électeur (art. L72)",
                p.id,
                who(names, p.mandant)
            ),
        );
        x.electors = vec![p.mandant];
        x.procurations = vec![p.id];
        out.push(x);
    }
    out
}

/// Every problem of the procurations in force on `on` (the election day):
/// mandants and mandataires not among `electors` (the roll) or the same
/// person, each procuration void under L73 (naming its mandataire and the
/// ones that stand), and mandants with several in force (L75). Problems
/// come by kind in that order: the roll's by procuration id, L73's by
/// mandataire, L75's by mandant.
pub fn procuration_limits(
    electors: &[Elector],
    procurations: &[Procuration],
    on: Date,
) -> Vec<Problem> {
    let names: HashMap<ElectorId, &Elector> = electors.iter().map(|e| (e.id, e)).collect();
    let mut current: Vec<&Procuration> = procurations.iter().filter(|p| p.valid_on(on)).collect();
    current.sort_by_key(|p| p.id);
    let mut out: Vec<Problem> = current
        .iter()
        .flat_map(|p| roll_problems(&names, p))
        .collect();
    for v in by_mandataire(procurations, on)
        .values()
        .flat_map(|v| l73(v))
    {
        out.push(l73_problem(&names, &v, on));
    }
    let mut by_mandant: BTreeMap<ElectorId, Vec<&Procuration>> = BTreeMap::new();
    for p in current.iter().filter(|p| p.counts()) {
        by_mandant.entry(p.mandant).or_default().push(p);
    }
    for (mandant, ps) in by_mandant {
        if ps.len() < 2 {
            continue;
        }
        let mut x = Problem::new(
            ProblemRule::SeveralForOneMandant,
            format!(
                "{} a donné plusieurs procurations en cours le {} ({}) : seule la dernière vaut ; \
                 résilier les précédentes (art. L75)",
                who(&names, mandant),
                on.fr(),
                numbers(&ps)
            ),
        );
        x.electors = vec![mandant];
        x.procurations = ps.iter().map(|p| p.id).collect();
        out.push(x);
    }
    out
}

/// The problems of `new`, about to be recorded, against `existing` (the
/// procurations already recorded; `new` comes after them in L73's order,
/// whatever its id, and one of them with its id is ignored, so an edited
/// procuration can be checked against the others):
/// - its mandant or mandataire not among `electors`, or the same person;
/// - L73: on some day of its validity, the mandataire would hold it with
///   two others in force, or, for one established in France, with another
///   established in France still standing (the first such day is named);
/// - its mandant already has a procuration in force on a common day (L75:
///   to be cancelled first).
///
/// Empty when it can be recorded.
pub fn check_new_procuration(
    electors: &[Elector],
    existing: &[Procuration],
    new: &Procuration,
) -> Vec<Problem> {
    let names: HashMap<ElectorId, &Elector> = electors.iter().map(|e| (e.id, e)).collect();
    let mut out = roll_problems(&names, new);
    let others: Vec<&Procuration> = existing.iter().filter(|p| p.id != new.id).collect();
    if new.counts() {
        let mut same: Vec<&Procuration> = others
            .iter()
            .copied()
            .filter(|p| p.mandataire == new.mandataire && p.counts() && p.overlaps(new))
            .collect();
        same.sort_by_key(|p| p.id);
        // The set in force only grows at a start: checking the new one's
        // first day and every start within its period covers every day
        // (and being void only gets likelier as the set grows).
        let mut days: BTreeSet<Date> = same
            .iter()
            .map(|p| p.debut)
            .filter(|d| new.valid_on(*d))
            .collect();
        days.insert(new.debut);
        for day in days {
            let mut ordered: Vec<&Procuration> =
                same.iter().copied().filter(|p| p.valid_on(day)).collect();
            ordered.push(new);
            if let Some(v) = l73(&ordered)
                .into_iter()
                .find(|v| std::ptr::eq(v.procuration, new))
            {
                out.push(l73_problem(&names, &v, day));
                break;
            }
        }
    }
    let mut given: Vec<&Procuration> = others
        .iter()
        .copied()
        .filter(|p| p.mandant == new.mandant && p.counts() && p.overlaps(new))
        .collect();
    if new.counts() && !given.is_empty() {
        given.sort_by_key(|p| p.id);
        let periods: Vec<String> = given
            .iter()
            .map(|p| match p.fin {
                Some(f) if f != p.debut => {
                    format!("n° {}, du {} au {}", p.id, p.debut.fr(), f.fr())
                }
                _ => format!("n° {}, le {}", p.id, p.debut.fr()),
            })
            .collect();
        let mut x = Problem::new(
            ProblemRule::SeveralForOneMandant,
            format!(
                "{} a déjà donné une procuration en cours sur cette période ({}) : la résilier \
                 avant d'en donner une nouvelle (art. L75)",
                who(&names, new.mandant),
                periods.join(" ; ")
            ),
        );
        x.electors = vec![new.mandant];
        x.procurations = given.iter().map(|p| p.id).collect();
        out.push(x);
    }
    out
}
