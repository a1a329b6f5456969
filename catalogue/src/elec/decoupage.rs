//! openElec's découpage: which bureau each address of the commune belongs
//! to (R40), as ranges of house numbers of each side of each street, and
//! the check that it places every known address in exactly one bureau.
//!
//! A range ([`Range`], a row of `decoupage`) covers the even numbers, the
//! odd numbers or both of one street, from `numero_debut` to `numero_fin`
//! included, either bound left empty meaning the start or the end of the
//! street. The two sides of a street are independent (the odd side may be
//! in bureau 3 and the even side in bureau 4), so everything is computed
//! side by side. How far a street goes is not in the tables: the check
//! covers the numbers up to the highest one known on each side, taken from
//! the electors' addresses ([`streets`]); beyond it a gap would be a guess,
//! an overlap is still a fault (a future house would be in two bureaux).

use std::collections::{BTreeSet, HashMap};

use serde::Serialize;

use super::roll::Elector;
use super::{Cote, Problem, ProblemRule, RangeId, VoieId, french_list};

/// A street (a row of `voie`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Voie {
    pub id: VoieId,
    pub libelle: String,
    /// FANTOIR / RIVOLI code.
    pub code: Option<String>,
    pub commune: Option<String>,
}

/// A range of house numbers of one street in one bureau (a row of
/// `decoupage`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Range {
    pub id: RangeId,
    pub voie: VoieId,
    pub cote: Cote,
    /// The first number (None: from the start of the street).
    pub numero_debut: Option<u32>,
    /// The last number, included (None: to the end of the street).
    pub numero_fin: Option<u32>,
    pub bureau: String,
}

impl Range {
    /// Whether the house number `numero` of the range's street is in it.
    pub fn contains(&self, numero: u32) -> bool {
        self.cote.has(numero)
            && self.numero_debut.is_none_or(|d| numero >= d)
            && self.numero_fin.is_none_or(|f| numero <= f)
    }
}

/// A street as the check sees it: the highest house number known on each
/// side (None: no house known on that side) and whether some address of it
/// has no number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Street {
    pub voie: VoieId,
    pub libelle: String,
    pub highest_impair: Option<u32>,
    pub highest_pair: Option<u32>,
    pub unnumbered: bool,
}

impl Street {
    fn highest(&self, side: Cote) -> Option<u32> {
        match side {
            Cote::Impair => self.highest_impair,
            Cote::Pair => self.highest_pair,
            Cote::Tous => self.highest_impair.max(self.highest_pair),
        }
    }
}

/// The streets of `voies`, each with the highest number on each side among
/// the addresses of `electors` (electors of a street not given are left out).
pub fn streets(voies: &[Voie], electors: &[Elector]) -> Vec<Street> {
    let mut out: Vec<Street> = voies
        .iter()
        .map(|v| Street {
            voie: v.id,
            libelle: v.libelle.clone(),
            highest_impair: None,
            highest_pair: None,
            unnumbered: false,
        })
        .collect();
    let index: HashMap<VoieId, usize> = out.iter().enumerate().map(|(i, s)| (s.voie, i)).collect();
    for e in electors {
        let Some(&i) = index.get(&e.voie) else {
            continue;
        };
        let s = &mut out[i];
        match e.adresse_numero {
            None => s.unnumbered = true,
            Some(n) if n % 2 == 1 => s.highest_impair = s.highest_impair.max(Some(n)),
            Some(n) => s.highest_pair = s.highest_pair.max(Some(n)),
        }
    }
    out
}

/// The one bureau the matching ranges name, None when they name none or
/// several.
fn single_bureau<'a>(
    ranges: impl IntoIterator<Item = &'a Range>,
    numero: Option<u32>,
) -> Option<&'a str> {
    let mut found: Option<&str> = None;
    for r in ranges {
        if numero.is_some_and(|n| !r.contains(n)) {
            continue;
        }
        match found {
            None => found = Some(&r.bureau),
            Some(b) if b == r.bureau => {}
            Some(_) => return None,
        }
    }
    found
}

/// The bureau of the address `numero` of `voie`: the bureau of the ranges
/// that contain it, if they name exactly one (None for an address in no
/// range or in ranges of two bureaux). An address without a number has a
/// bureau only when every range of the street names the same one.
pub fn bureau_of(ranges: &[Range], voie: VoieId, numero: Option<u32>) -> Option<&str> {
    single_bureau(ranges.iter().filter(|r| r.voie == voie), numero)
}

/// The ranges indexed by street, for placing many addresses
/// ([`bureau_of`] scans them all).
#[derive(Debug, Clone, Default)]
pub struct Decoupage<'a> {
    by_voie: HashMap<VoieId, Vec<&'a Range>>,
}

impl<'a> Decoupage<'a> {
    pub fn new(ranges: &'a [Range]) -> Decoupage<'a> {
        let mut by_voie: HashMap<VoieId, Vec<&'a Range>> = HashMap::new();
        for r in ranges {
            by_voie.entry(r.voie).or_default().push(r);
        }
        Decoupage { by_voie }
    }

    /// [`bureau_of`], on the index.
    pub fn bureau_of(&self, voie: VoieId, numero: Option<u32>) -> Option<&'a str> {
        single_bureau(self.ranges_of(voie).iter().copied(), numero)
    }

    /// The ranges of a street, in the order given.
    pub fn ranges_of(&self, voie: VoieId) -> &[&'a Range] {
        self.by_voie.get(&voie).map_or(&[], Vec::as_slice)
    }
}

// ---------------------------------------------------------------------------
// The check.

/// No end: a range open towards the end of the street.
const INF: u64 = u64::MAX;

/// One side of a street counted in steps of two: the k-th number of the
/// side is `2k + parity` (k from 0: 1 on the odd side, 0 on the even side).
#[derive(Debug, Clone, Copy)]
struct Side {
    cote: Cote,
    parity: u64,
}

impl Side {
    const BOTH: [Side; 2] = [
        Side {
            cote: Cote::Impair,
            parity: 1,
        },
        Side {
            cote: Cote::Pair,
            parity: 0,
        },
    ];

    /// The first step a house can have: 1 on the odd side, 2 on the even
    /// side (0 is no house number).
    fn first(self) -> u64 {
        1 - self.parity
    }

    /// The steps of the side a range covers, if any.
    fn steps(self, r: &Range) -> Option<(u64, u64)> {
        if !(r.cote == Cote::Tous || r.cote == self.cote) {
            return None;
        }
        let p = self.parity;
        let lo = u64::from(r.numero_debut.unwrap_or(0));
        let lo = if lo <= p { 0 } else { (lo - p).div_ceil(2) };
        let hi = match r.numero_fin {
            None => INF,
            Some(f) if u64::from(f) < p => return None,
            Some(f) => (u64::from(f) - p) / 2,
        };
        (lo <= hi).then_some((lo, hi))
    }

    fn number(self, step: u64) -> u32 {
        u32::try_from(2 * step + self.parity).unwrap_or(u32::MAX)
    }

    fn step_of(self, numero: u32) -> u64 {
        (u64::from(numero) - self.parity) / 2
    }
}

/// « du 31 au 45 », « au 7 », « à partir du 52 ».
fn span(from: u32, to: Option<u32>) -> String {
    match to {
        None => format!("à partir du {from}"),
        Some(t) if t == from => format!("au {from}"),
        Some(t) => format!("du {from} au {t}"),
    }
}

/// A run of steps of one side with the same status.
struct Run<'a> {
    from: u64,
    to: u64,
    /// Empty for a gap.
    bureaux: BTreeSet<&'a str>,
    ranges: BTreeSet<RangeId>,
}

/// The gaps and overlaps of one side of one street.
fn check_side(street: &Street, side: Side, ranges: &[&Range], out: &mut Vec<Problem>) {
    let covered: Vec<(u64, u64, &Range)> = ranges
        .iter()
        .filter_map(|r| side.steps(r).map(|(lo, hi)| (lo, hi, *r)))
        .collect();
    let last = street
        .highest(side.cote)
        .filter(|&h| side.cote.has(h))
        .map(|h| side.step_of(h))
        .filter(|&k| k >= side.first());
    let mut points: BTreeSet<u64> = BTreeSet::new();
    points.insert(0);
    for (lo, hi, _) in &covered {
        points.insert(*lo);
        if *hi != INF {
            points.insert(hi + 1);
        }
    }
    if let Some(k) = last {
        points.insert(side.first());
        points.insert(k + 1);
    }
    let points: Vec<u64> = points.into_iter().collect();
    let mut runs: Vec<Run> = Vec::new();
    for (i, &start) in points.iter().enumerate() {
        let end = points.get(i + 1).map_or(INF, |n| n - 1);
        let active: Vec<&Range> = covered
            .iter()
            .filter(|(lo, hi, _)| *lo <= start && start <= *hi)
            .map(|(_, _, r)| *r)
            .collect();
        let bureaux: BTreeSet<&str> = active.iter().map(|r| r.bureau.as_str()).collect();
        let (from, to) = if bureaux.is_empty() {
            // A gap only counts among the houses known.
            match last {
                Some(k) => (start.max(side.first()), end.min(k)),
                None => continue,
            }
        } else if bureaux.len() >= 2 {
            (start, end)
        } else {
            continue;
        };
        if from > to {
            continue;
        }
        let ids: BTreeSet<RangeId> = active.iter().map(|r| r.id).collect();
        match runs.last_mut() {
            Some(prev) if prev.to.checked_add(1) == Some(from) && prev.bureaux == bureaux => {
                prev.to = to;
                prev.ranges.extend(ids);
            }
            _ => runs.push(Run {
                from,
                to,
                bureaux,
                ranges: ids,
            }),
        }
    }
    for run in runs {
        let from = side.number(run.from);
        let to = (run.to != INF).then(|| side.number(run.to));
        let at = format!(
            "voie {}, {}, {}",
            street.libelle,
            side.cote.phrase(),
            span(from, to)
        );
        let gap = run.bureaux.is_empty();
        let bureaux: Vec<String> = run.bureaux.iter().map(|b| (*b).to_string()).collect();
        let mut p = if gap {
            Problem::new(ProblemRule::Gap, format!("{at} : aucun bureau (art. R40)"))
        } else {
            Problem::new(
                ProblemRule::Overlap,
                format!("{at} : bureaux {} (art. R40)", french_list(&bureaux)),
            )
        };
        p.voie = Some(street.voie);
        p.cote = Some(side.cote);
        p.numeros = Some((from, to));
        p.bureaux = bureaux;
        p.ranges = run.ranges.into_iter().collect();
        out.push(p);
    }
}

/// Every fault of the découpage of `streets` by `ranges` (R40: each
/// elector belongs to one bureau, which his address gives):
/// - a range on a street that is not among `streets`;
/// - a range that covers no number (its end before its start, or « pair,
///   du 3 au 3 »);
/// - on each side of each street, the numbers from the first (1 or 2) to
///   the highest known that no range covers, as runs (« voie Rue des
///   Lilas, côté impair, du 31 au 45 : aucun bureau »);
/// - on each side, the numbers (known or not) that ranges of two bureaux or
///   more cover (« … du 10 au 20 : bureaux 0003 et 0004 »); two ranges of
///   the same bureau may overlap, which places no address twice;
/// - a street with addresses without a number and several bureaux, or
///   none (such an address cannot be placed).
///
/// Problems come street by street in the order of `streets`, the odd side
/// first, then by number; the ranges' faults first.
pub fn decoupage_check(streets: &[Street], ranges: &[Range]) -> Vec<Problem> {
    let mut out = Vec::new();
    let known: HashMap<VoieId, &Street> = streets.iter().map(|s| (s.voie, s)).collect();
    for r in ranges {
        if !known.contains_key(&r.voie) {
            let mut p = Problem::new(
                ProblemRule::UnknownVoie,
                format!(
                    "tranche n° {} (bureau {}) : la voie n° {} n'est pas connue",
                    r.id, r.bureau, r.voie
                ),
            );
            p.voie = Some(r.voie);
            p.bureaux = vec![r.bureau.clone()];
            p.ranges = vec![r.id];
            out.push(p);
            continue;
        }
        if Side::BOTH.iter().all(|s| s.steps(r).is_none()) {
            let street = known.get(&r.voie).map_or("", |s| s.libelle.as_str());
            let what = match (r.numero_debut, r.numero_fin) {
                (Some(a), Some(b)) if b < a => {
                    format!("le numéro de fin ({b}) précède celui de début ({a})")
                }
                _ => format!("elle ne couvre aucun numéro du {}", r.cote.phrase()),
            };
            let mut p = Problem::new(
                ProblemRule::EmptyRange,
                format!(
                    "voie {street}, tranche n° {} (bureau {}) : {what}",
                    r.id, r.bureau
                ),
            );
            p.voie = Some(r.voie);
            p.cote = Some(r.cote);
            p.bureaux = vec![r.bureau.clone()];
            p.ranges = vec![r.id];
            out.push(p);
        }
    }
    let index = Decoupage::new(ranges);
    for street in streets {
        let mine = index.ranges_of(street.voie);
        for side in Side::BOTH {
            check_side(street, side, mine, &mut out);
        }
        if street.unnumbered {
            let bureaux: BTreeSet<&str> = mine.iter().map(|r| r.bureau.as_str()).collect();
            if bureaux.len() != 1 {
                let bureaux: Vec<String> = bureaux.into_iter().map(str::to_string).collect();
                let what = if bureaux.is_empty() {
                    "aucun bureau".to_string()
                } else {
                    format!(
                        "la voie est partagée entre les bureaux {}",
                        french_list(&bureaux)
                    )
                };
                let mut p = Problem::new(
                    ProblemRule::Unnumbered,
                    format!(
                        "voie {} : des adresses sans numéro, et {what} ; indiquer leur numéro \
                         (art. R40)",
                        street.libelle
                    ),
                );
                p.voie = Some(street.voie);
                p.bureaux = bureaux;
                p.ranges = mine.iter().map(|r| r.id).collect();
                out.push(p);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(id: RangeId, cote: Cote, from: Option<u32>, to: Option<u32>, b: &str) -> Range {
        Range {
            id,
            voie: 1,
            cote,
            numero_debut: from,
            numero_fin: to,
            bureau: b.to_string(),
        }
    }

    #[test]
    fn a_range_covers_the_numbers_of_its_side_between_its_bounds() {
        let r = range(1, Cote::Impair, Some(5), Some(11), "1");
        assert!(r.contains(5) && r.contains(11) && !r.contains(13) && !r.contains(6));
        let open = range(2, Cote::Tous, None, None, "1");
        assert!(open.contains(0) && open.contains(99_999));
        let odd = Side::BOTH[0];
        let even = Side::BOTH[1];
        assert_eq!(odd.steps(&r), Some((2, 5)));
        assert_eq!(even.steps(&r), None);
        assert_eq!(
            even.steps(&range(3, Cote::Pair, Some(3), Some(3), "1")),
            None
        );
        assert_eq!(
            even.steps(&range(4, Cote::Pair, Some(3), Some(9), "1")),
            Some((2, 4))
        );
        assert_eq!((odd.number(2), even.number(2)), (5, 4));
    }

    #[test]
    fn spans_read_in_french() {
        assert_eq!(span(31, Some(45)), "du 31 au 45");
        assert_eq!(span(7, Some(7)), "au 7");
        assert_eq!(span(52, None), "à partir du 52");
    }
}
