//! Seat allocation: turning the voix of lists into seats.
//!
//! This module owns every rule that decides how many seats each list wins, so
//! that the arithmetic of a council can be read, tested and fuzzed in one
//! place. All of it is exact: averages and remainders are fractions compared
//! by cross-multiplication in `u128`, never floats, and a list "at" a
//! threshold is decided by an integer comparison.
//!
//! Whatever the input, [`allocate`] returns an [`Allocation`] and never
//! panics: an input the law cannot turn into seats (no exprimés, no list over
//! the threshold, a round 1 without absolute majority, a tie that needs ages
//! nobody gave) is a typed [`Outcome`] with a French [`Outcome::message`].
//! In every allocation `Σ seats + vacant + undecided = total`.
//!
//! # Methods
//!
//! - [`Method::HighestAverage`]: D'Hondt (plus forte moyenne) among the lists
//!   reaching a [`Threshold`] of the exprimés.
//! - [`Method::LargestRemainder`]: Hare quota (plus fort reste) among the
//!   same. The quota is the voix of the *eligible* lists divided by the seats.
//! - [`Method::Municipal`]: communes of 1,000 inhabitants and more, Code
//!   électoral art. L.262. Lists under 5 % of the exprimés take no seat
//!   (exactly 5 % qualifies: `voix × 100 ≥ exprimés × 5`). In round 1 only a
//!   list with the absolute majority of the exprimés (`voix × 2 > exprimés`)
//!   wins; otherwise the outcome is [`Outcome::SecondRoundNeeded`]. In round 2
//!   the list with the most voix wins, a tie going to the list whose
//!   candidates have the higher average age. The winner gets the majority
//!   bonus ([`majority_bonus`]): half the seats, rounded up when there are more
//!   than four seats, down when there are fewer than four, and 2 for four.
//!   The other seats go by highest average to every eligible list, the winner
//!   included; the averages count only those proportional seats, not the
//!   bonus (Conseil d'État, 30 janvier 2015, n° 382627). If several lists have
//!   the same average for the last seat, it goes to the list with more voix,
//!   then to the list whose candidate who would be elected is the older.
//!   Lists must be complete (L.260: from the number of seats to two more).
//! - [`Method::MunicipalUnder1000`]: communes under 1,000 inhabitants from the
//!   March 2026 renewal. Art. L.252 as rewritten by the loi n° 2025-444 du 21
//!   mai 2025 applies L.260 and L.262 to them, a list being "réputée
//!   complète" with up to two candidates fewer than the council's size (art.
//!   L.2121-2 CGCT). So the allocation is the L.262 one, except that an
//!   incomplete list takes no more seats than it has candidates.
//! - [`Method::Communautaire`]: conseillers communautaires of a commune of
//!   1,000 inhabitants and more, art. L.273-8: the L.262 rules applied to the
//!   same voix for the commune's number of community seats, each list capped
//!   at the candidates of its community list (L.273-9 asks for the number of
//!   seats plus one when under five seats, plus two otherwise).
//!
//! # One procès-verbal, two councils
//!
//! [`plan`] is the one place that decides what a ballot fills. For the
//! municipales the council's seats are the definition's `seats`, or else
//! those of the commune's `population` by the L.2121-2 CGCT table
//! ([`crate::council`], whose doc cites the sources); the population also
//! chooses the method: [`Method::MunicipalUnder1000`] under 1,000
//! inhabitants, [`Method::Municipal`] from 1,000 or when no population is
//! given. A commune of 1,000 and more with `cc_seats` elects its community
//! councillors on the same ballot (L.273-6): [`for_election`] (the election's
//! root commune) and [`for_commune`] (one commune of a multi-commune night)
//! return [`Councils`], the municipal allocation and the
//! [`Method::Communautaire`] one, from the same exprimés and voix. Lists are
//! capped at their `list_size` (municipal) and `cc_list_size` (community),
//! taken as complete when not given.
//!
//! `ElectionKind::Communautaires` is kept for the definitions and files
//! that already use it (setup form, ministry type code `MUN`, older
//! definitions): no French election since 2014 needs it for a commune of
//! 1,000 and more, whose community seats come with the municipal ballot.
//! It allocates its `seats` with [`Method::Communautaire`] alone.
//!
//! # Capped lists and vacant seats
//!
//! Every method caps a list at its `candidates`. A seat that a full list
//! would have won goes to the next highest average (or remainder) among the
//! lists that still have candidates; when no eligible list has one left, the
//! seat stays vacant and is reported in [`Allocation::vacant`]. A list with 0
//! voix never takes a seat.
//!
//! # Where the law was unclear to us
//!
//! - Neither L.262 nor the rewritten L.252 that we could read says what
//!   happens when an incomplete list (under 1,000 inhabitants) wins more seats
//!   than it has candidates. We give those seats to the other eligible lists
//!   by continuing the highest average, and leave them vacant only when no
//!   eligible list has a candidate left (a single incomplete list, the common
//!   case in small communes, leaves its missing candidates' seats vacant). A
//!   reading where they stay vacant at once would differ: check it against
//!   the ministry's circular before relying on it.
//! - L.273-8 has no rule of its own for a community list shorter than its
//!   seats (a list of L.273-9 size never is); the same continuation applies.
//!   It is the reading the Conseil constitutionnel gave for the community
//!   councillors a municipal council elects between renewals (L.5211-6-2:
//!   "si le nombre de candidats figurant sur une liste est inférieur au nombre
//!   de sièges qui lui reviennent, les sièges non pourvus sont attribués aux
//!   plus fortes moyennes suivantes", as quoted by the APVF on 28 June 2017);
//!   we found no text saying the same of L.273-8 itself.
//! - A winner whose list is shorter than the bonus (impossible for a list the
//!   prefecture accepted) takes the bonus up to its candidates, and the rest
//!   of the bonus joins the proportional seats.
//! - L.262 speaks of "the last seat". When more lists tie on the average
//!   than seats remain, the same order (more voix, then the older candidate
//!   who would be elected) chooses the lists for all the remaining seats.
//! - Ages are in days on polling day; two candidates born the same day, or
//!   two lists with exactly the same average age, are not separated by any
//!   rule we know of: that is [`Outcome::Unbreakable`], for the commission de
//!   recensement to settle, never an arbitrary choice.
//! - Under 1,000 inhabitants the community councillors are, as we read
//!   L.273-11, designated in the order of the tableau, not elected by list:
//!   [`Method::Communautaire`] is meant for communes of 1,000 and more.
//! - The largest-remainder method gives each list at most one remainder seat;
//!   when capped lists leave seats over, further passes in the same remainder
//!   order hand them out. The generic methods break ties like L.262.

use std::cmp::Ordering;
use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::model::{Election, ElectionKind, Perimeter, PerimeterKind};

pub use crate::council::MAX_SEATS;

/// The 5 % of the exprimés a list needs for the municipal distribution (L.262).
pub const MUNICIPAL_THRESHOLD: Threshold = Threshold { num: 5, den: 100 };

/// A share of the exprimés, as the exact fraction `num / den`.
///
/// A list reaches it when `voix / exprimés ≥ num / den`, compared as
/// `voix × den ≥ exprimés × num`: a list exactly at the threshold qualifies, a
/// list strictly under it takes no seat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Threshold {
    pub num: u64,
    pub den: u64,
}

impl Threshold {
    /// No threshold: every list with voix takes part.
    pub const NONE: Threshold = Threshold { num: 0, den: 1 };

    /// `p` percent of the exprimés.
    pub const fn percent(p: u64) -> Threshold {
        Threshold { num: p, den: 100 }
    }

    /// Whether `voix` out of `exprimes` reaches the threshold.
    pub fn reached(self, voix: u64, exprimes: u64) -> bool {
        u128::from(voix) * u128::from(self.den) >= u128::from(exprimes) * u128::from(self.num)
    }

    /// French notation: `5 %`, `3,5 %`, or `1/3` when not a round percentage.
    pub fn fr(self) -> String {
        let (num, den) = (u128::from(self.num), u128::from(self.den));
        if den == 0 {
            return format!("{}/{}", self.num, self.den);
        }
        if (num * 100) % den == 0 {
            return format!("{} %", num * 100 / den);
        }
        if (num * 10_000) % den == 0 {
            let h = num * 10_000 / den;
            let decimals = format!("{:02}", h % 100);
            return format!("{},{} %", h / 100, decimals.trim_end_matches('0'));
        }
        format!("{}/{}", self.num, self.den)
    }
}

/// How the seats are allocated. The municipal methods carry the round, which
/// decides how the majority bonus is won.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum Method {
    /// D'Hondt among the lists reaching the threshold.
    HighestAverage { threshold: Threshold },
    /// Hare quota and largest remainders among the lists reaching the threshold.
    LargestRemainder { threshold: Threshold },
    /// Municipal council, communes of 1,000 inhabitants and more (L.262).
    Municipal { round: u8 },
    /// Municipal council, communes under 1,000 inhabitants, from 2026 (L.252, L.262).
    MunicipalUnder1000 { round: u8 },
    /// Community seats of a commune of 1,000 inhabitants and more (L.273-8).
    Communautaire { round: u8 },
}

impl Method {
    /// The share of the exprimés a list needs to take part.
    pub fn threshold(self) -> Threshold {
        match self {
            Method::HighestAverage { threshold } | Method::LargestRemainder { threshold } => {
                threshold
            }
            Method::Municipal { .. }
            | Method::MunicipalUnder1000 { .. }
            | Method::Communautaire { .. } => MUNICIPAL_THRESHOLD,
        }
    }

    /// The round, for the methods with a majority bonus.
    fn bonus_round(self) -> Option<u8> {
        match self {
            Method::Municipal { round }
            | Method::MunicipalUnder1000 { round }
            | Method::Communautaire { round } => Some(round),
            Method::HighestAverage { .. } | Method::LargestRemainder { .. } => None,
        }
    }
}

/// The method the law sets for a kind of list election when one commune's
/// (or one territory's) figures decide the seats, or None:
///
/// - municipales: [`Method::Municipal`] with the election's round (L.262,
///   communes of 1,000 inhabitants and more). [`plan`] refines it with the
///   commune's population: [`Method::MunicipalUnder1000`] under 1,000;
/// - communautaires: [`Method::Communautaire`] with the round (L.273-8);
/// - européennes: [`Method::HighestAverage`] at 5 % of the exprimés (loi
///   n° 77-729, art. 3);
/// - régionales: none. L.338 gives a quarter of the seats to the winning list
///   and distributes the rest by section départementale over the whole
///   region: one commune's figures cannot decide them;
/// - the uninominal ballots (présidentielle, législatives, départementales,
///   référendum) have no seats.
pub fn method_for(kind: ElectionKind, round: u8) -> Option<Method> {
    match kind {
        ElectionKind::Municipales => Some(Method::Municipal { round }),
        ElectionKind::Communautaires => Some(Method::Communautaire { round }),
        ElectionKind::Europeennes => Some(Method::HighestAverage {
            threshold: Threshold::percent(5),
        }),
        ElectionKind::Regionales
        | ElectionKind::Presidentielle
        | ElectionKind::Legislatives
        | ElectionKind::Departementales
        | ElectionKind::Referendum => None,
    }
}

/// The candidates of a complete list of an election allocated by `method`
/// for `seats` seats, when the definition gives no length: a council list
/// has as many candidates as seats; a community list (L.273-9) the seats
/// plus one under five seats, plus two from five.
pub fn assumed_list_size(method: Method, seats: u32) -> u32 {
    match method {
        Method::Communautaire { .. } => crate::council::community_list_size(seats),
        _ => seats,
    }
}

/// The assembly an allocation fills, for its label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Body {
    /// Conseil municipal (municipales).
    MunicipalCouncil,
    /// Conseil communautaire: the commune's seats in its EPCI.
    CommunityCouncil,
    /// Any other assembly elected by list (européennes).
    Assembly,
}

impl Body {
    /// The French label, as pages, records and files show it.
    pub fn label_fr(self) -> &'static str {
        match self {
            Body::MunicipalCouncil => "Conseil municipal",
            Body::CommunityCouncil => "Conseil communautaire",
            Body::Assembly => "Sièges",
        }
    }
}

impl Method {
    /// The assembly the method fills.
    pub fn body(self) -> Body {
        match self {
            Method::Municipal { .. } | Method::MunicipalUnder1000 { .. } => Body::MunicipalCouncil,
            Method::Communautaire { .. } => Body::CommunityCouncil,
            Method::HighestAverage { .. } | Method::LargestRemainder { .. } => Body::Assembly,
        }
    }
}

/// What one procès-verbal elects: the method and seats of the election's
/// council and, for the municipales of a commune of 1,000 and more with
/// community seats, of the community council too. [`plan`] decides it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Plan {
    pub method: Method,
    pub seats: u32,
    /// The commune's community seats (L.273-8), allocated by
    /// [`Method::Communautaire`] from the same voix.
    pub community_seats: Option<u32>,
}

/// **The** rule that decides which seats a ballot fills, for `commune` (a
/// perimeter of kind commune; None for an election that is not per commune):
///
/// - municipales: the council's seats are the definition's `seats` when
///   `commune` is the root (a single-commune election), otherwise those of
///   the commune's population by the L.2121-2 table
///   ([`crate::council::municipal_council_size`]). Under 1,000 inhabitants
///   the method is [`Method::MunicipalUnder1000`], from 1,000 (or with no
///   population given) [`Method::Municipal`]. The community seats are the
///   definition's `cc_seats` for a single commune, each commune's own
///   `cc_seats` in a territory, for communes of 1,000 and more only: under
///   1,000 they are not elected (L.273-11). No commune, or neither
///   seats nor population: None;
/// - every other kind: [`method_for`] with the definition's `seats`.
///
/// `ElectionKind::Communautaires` stays for the definitions and files that
/// use it: since 2014 a commune of 1,000 and more elects its community
/// councillors on the municipal ballot (L.273-6), so no separate French
/// election needs it; it allocates the `seats` it is given by L.273-8,
/// the lists taken as community lists.
pub fn plan(election: &Election, commune: Option<&Perimeter>) -> Option<Plan> {
    let round = election.round;
    if election.kind != ElectionKind::Municipales {
        let method = method_for(election.kind, round)?;
        let seats = election.seats.filter(|s| *s > 0)?;
        return Some(Plan {
            method,
            seats,
            community_seats: None,
        });
    }
    let commune = commune.filter(|c| c.kind == PerimeterKind::Commune)?;
    let root = commune.parent.is_none();
    let given = if root { election.seats } else { None };
    let seats = crate::council::municipal_seats(given, commune.population)?;
    let under = crate::council::under_1000(commune.population);
    let method = if under {
        Method::MunicipalUnder1000 { round }
    } else {
        Method::Municipal { round }
    };
    let community_seats = if under {
        None
    } else {
        election.cc_seats_of(commune).filter(|s| *s > 0)
    };
    Some(Plan {
        method,
        seats,
        community_seats,
    })
}

/// The seats one procès-verbal decides: the election's council and, for
/// the municipales of a commune of 1,000 and more with community seats, the
/// community council, both from the same voix (L.273-8).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Councils {
    /// The council the election fills: the municipal council (municipales),
    /// the community council (the `communautaires` kind) or the assembly
    /// (européennes); its [`Allocation::method`] says which ([`Method::body`]).
    pub council: Allocation,
    /// The community council's seats, allocated from the same voix.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub community: Option<Allocation>,
}

impl Councils {
    /// The council, then the community council when there is one.
    pub fn all(&self) -> impl Iterator<Item = &Allocation> {
        std::iter::once(&self.council).chain(self.community.as_ref())
    }

    /// Whether every allocation is the result.
    pub fn is_final(&self) -> bool {
        self.all().all(Allocation::is_final)
    }
}

/// **The** seat allocation of an election from its counted figures: the one
/// entry point the live pages, the big screen, the feed, the API, the
/// prefecture file, the ministry export, the printed records and the EML and
/// NIST files all call, so that they cannot disagree. It is [`for_commune`]
/// on the root perimeter when that is a commune; for an election whose root
/// is not a commune, the municipales have no single council (each commune's
/// is [`for_commune`]'s) and the other kinds follow [`plan`] without commune.
///
/// `exprimes` and `voix_of` (panel number → voix) are the totals of the
/// counted bureaux. `None` when the election has no seats to fill ([`plan`]).
/// Candidates' ages are not in the model, so a tie the law settles by age
/// ends as [`Outcome::NeedsAges`], never a guess. Whether the figures may be
/// shown (embargo, nothing counted yet) is the caller's business.
pub fn for_election(
    election: &Election,
    exprimes: u64,
    voix_of: impl Fn(u32) -> u64,
) -> Option<Councils> {
    let root = election.root().filter(|r| r.kind == PerimeterKind::Commune);
    allocate_plan(election, plan(election, root)?, None, exprimes, voix_of)
}

/// The seats of one commune of the election, from that commune's totals:
/// a multi-commune municipal night allocates each commune's councils from
/// its own bureaux. `commune` is a perimeter of the election, of kind
/// commune; see [`plan`] for where its seats come from.
pub fn for_commune(
    election: &Election,
    commune: &Perimeter,
    exprimes: u64,
    voix_of: impl Fn(u32) -> u64,
) -> Option<Councils> {
    allocate_plan(
        election,
        plan(election, Some(commune))?,
        Some(commune),
        exprimes,
        voix_of,
    )
}

fn allocate_plan(
    election: &Election,
    plan: Plan,
    commune: Option<&Perimeter>,
    exprimes: u64,
    voix_of: impl Fn(u32) -> u64,
) -> Option<Councils> {
    // With lists commune by commune, a commune's seats go to its own lists.
    let code = commune.map(|c| c.code.as_str());
    let candidates: Vec<&crate::model::Candidate> = election
        .candidates
        .iter()
        .filter(|c| Election::stands_in(c, code))
        .collect();
    let voix: Vec<u64> = candidates.iter().map(|c| voix_of(c.number)).collect();
    let lists: Vec<ListInput> = candidates
        .iter()
        .zip(&voix)
        .map(|(c, &v)| {
            let size = c
                .list_size
                .unwrap_or_else(|| assumed_list_size(plan.method, plan.seats));
            ListInput::new(c.number, v, size)
        })
        .collect();
    let council = allocate(plan.method, plan.seats, exprimes, &lists);
    let community = plan.community_seats.map(|cc| {
        let lists: Vec<ListInput> = candidates
            .iter()
            .zip(&voix)
            .map(|(c, &v)| {
                let size = c
                    .cc_list_size
                    .unwrap_or_else(|| crate::council::community_list_size(cc));
                ListInput::new(c.number, v, size)
            })
            .collect();
        allocate(
            Method::Communautaire {
                round: election.round,
            },
            cc,
            exprimes,
            &lists,
        )
    });
    Some(Councils { council, community })
}

/// An exact average age: the sum of the candidates' ages in days over their
/// number. Compared by cross-multiplication, so no rounding can make two
/// different averages look equal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AverageAge {
    pub total_days: u64,
    pub candidates: u32,
}

impl AverageAge {
    /// An average already computed, in whole days.
    pub const fn days(days: u64) -> AverageAge {
        AverageAge {
            total_days: days,
            candidates: 1,
        }
    }

    /// The exact average of these ages in days; `None` for no age (or a sum
    /// that does not fit in a `u64`).
    pub fn of(ages_days: &[u32]) -> Option<AverageAge> {
        let candidates = u32::try_from(ages_days.len()).ok().filter(|&n| n > 0)?;
        let total_days = ages_days
            .iter()
            .try_fold(0u64, |acc, &a| acc.checked_add(u64::from(a)))?;
        Some(AverageAge {
            total_days,
            candidates,
        })
    }

    /// Compares two averages exactly; `None` when either has no candidate.
    fn compare(self, other: AverageAge) -> Option<Ordering> {
        if self.candidates == 0 || other.candidates == 0 {
            return None;
        }
        let a = u128::from(self.total_days) * u128::from(other.candidates);
        let b = u128::from(other.total_days) * u128::from(self.candidates);
        Some(a.cmp(&b))
    }
}

/// One list on the ballot, as the allocation needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListInput {
    /// Identifies the list (its ballot-panel number).
    pub id: u32,
    pub voix: u64,
    /// Candidates on the list: the most seats it can take. For
    /// [`Method::Communautaire`], the candidates of its community list.
    pub candidates: u32,
    /// Average age of the list's candidates, only needed when two lists tie
    /// for the most voix in round 2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub average_age: Option<AverageAge>,
    /// Age in days on polling day of each candidate, in list order (for
    /// [`Method::Communautaire`], community-list order); `None` or a short
    /// vector when unknown. Only read when a last-seat tie between lists with
    /// equal voix must go to the older candidate who would be elected.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub candidate_ages_days: Vec<Option<u32>>,
}

impl ListInput {
    /// A list with no age information.
    pub fn new(id: u32, voix: u64, candidates: u32) -> ListInput {
        ListInput {
            id,
            voix,
            candidates,
            average_age: None,
            candidate_ages_days: Vec::new(),
        }
    }
}

/// The seats of one list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ListSeats {
    pub id: u32,
    /// Reached the threshold and had voix: admitted to the distribution.
    pub eligible: bool,
    /// `bonus + proportional`.
    pub seats: u32,
    /// Majority bonus seats (municipal methods, winner only).
    pub bonus: u32,
    /// Seats won by highest average or by quota and remainder.
    pub proportional: u32,
}

/// Which tie the law asks to settle by age.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TieStage {
    /// Round 2, lists level on voix for the majority bonus: higher average age.
    Bonus,
    /// Lists level on average and voix for the last seat(s): older candidate.
    LastSeat,
}

/// An input that cannot be allocated at all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum InputError {
    InvalidRound { round: u8 },
    InvalidThreshold { threshold: Threshold },
    TooManySeats { seats: u32 },
    DuplicateList { id: u32 },
    VoixExceedExprimes,
}

impl InputError {
    /// French text for pages.
    pub fn message(&self) -> String {
        match self {
            InputError::InvalidRound { round } => {
                format!("Le tour {round} n'existe pas : le tour doit être 1 ou 2.")
            }
            InputError::InvalidThreshold { threshold } => format!(
                "Le seuil {}/{} n'est pas une fraction des suffrages exprimés comprise entre 0 et 1.",
                threshold.num, threshold.den
            ),
            InputError::TooManySeats { seats } => format!(
                "{seats} sièges à pourvoir : au-delà de {MAX_SEATS} sièges, la répartition est refusée."
            ),
            InputError::DuplicateList { id } => {
                format!("La liste n° {id} figure deux fois.")
            }
            InputError::VoixExceedExprimes => {
                "La somme des voix des listes dépasse le nombre de suffrages exprimés.".to_string()
            }
        }
    }
}

/// How the allocation ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Outcome {
    /// Every seat went to a list.
    Allocated,
    /// Every seat was decided, but the eligible lists ran out of candidates.
    Vacancies { vacant: u32 },
    /// Municipal round 1 without a list at the absolute majority: nobody is
    /// elected, a second round is needed.
    SecondRoundNeeded,
    /// No exprimés: nothing to allocate.
    NoExprimes,
    /// No list reaches the threshold.
    NoListQualified { threshold: Threshold },
    /// A tie the law settles by age, and some ages are missing.
    NeedsAges {
        stage: TieStage,
        /// The tied lists.
        tied: Vec<u32>,
        /// The tied lists whose ages are not known.
        missing: Vec<u32>,
    },
    /// A tie that even the ages do not settle (same age in days).
    Unbreakable { stage: TieStage, tied: Vec<u32> },
    /// The input cannot be allocated.
    Invalid(InputError),
}

impl Outcome {
    /// Whether the allocation is the result: every seat attributed or vacant.
    pub fn is_final(&self) -> bool {
        matches!(self, Outcome::Allocated | Outcome::Vacancies { .. })
    }

    /// French text for pages.
    pub fn message(&self) -> String {
        match self {
            Outcome::Allocated => "Tous les sièges sont attribués.".to_string(),
            Outcome::Vacancies { vacant: 1 } => {
                "1 siège reste vacant : les listes admises n'ont plus de candidat à proclamer."
                    .to_string()
            }
            Outcome::Vacancies { vacant } => format!(
                "{vacant} sièges restent vacants : les listes admises n'ont plus de candidat à proclamer."
            ),
            Outcome::SecondRoundNeeded => "Aucune liste n'a obtenu la majorité absolue des suffrages exprimés : un second tour est nécessaire.".to_string(),
            Outcome::NoExprimes => {
                "Aucun suffrage exprimé : les sièges ne peuvent pas être répartis.".to_string()
            }
            Outcome::NoListQualified { threshold } => format!(
                "Aucune liste n'a obtenu au moins {} des suffrages exprimés : aucune n'est admise à la répartition des sièges.",
                threshold.fr()
            ),
            Outcome::NeedsAges {
                stage: TieStage::Bonus,
                tied,
                missing,
            } => format!(
                "Les listes {} arrivent en tête à égalité de voix : la prime majoritaire revient à celle dont les candidats ont la moyenne d'âge la plus élevée. Renseignez l'âge des candidats des listes {}.",
                list_names(tied),
                list_names(missing)
            ),
            Outcome::NeedsAges {
                stage: TieStage::LastSeat,
                tied,
                missing,
            } => format!(
                "Les listes {} sont à égalité de moyenne et de voix pour le dernier siège : il revient au plus âgé des candidats susceptibles d'être proclamés élus. Renseignez l'âge du prochain candidat des listes {}.",
                list_names(tied),
                list_names(missing)
            ),
            Outcome::Unbreakable {
                stage: TieStage::Bonus,
                tied,
            } => format!(
                "Les listes {} sont à égalité de voix et de moyenne d'âge pour la prime majoritaire : aucune règle ne les départage, la commission de recensement doit trancher.",
                list_names(tied)
            ),
            Outcome::Unbreakable {
                stage: TieStage::LastSeat,
                tied,
            } => format!(
                "Les listes {} sont à égalité de moyenne, de voix et d'âge du candidat pour le dernier siège : aucune règle ne les départage, la commission de recensement doit trancher.",
                list_names(tied)
            ),
            Outcome::Invalid(e) => e.message(),
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

/// `n° 1`, `n° 1 et n° 2`, `n° 1, n° 2 et n° 3`.
fn list_names(ids: &[u32]) -> String {
    let names: Vec<String> = ids.iter().map(|id| format!("n° {id}")).collect();
    match names.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} et {last}", rest.join(", ")),
    }
}

/// Something unusual in the input that does not stop the allocation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Warning {
    /// The list's candidates are outside what L.260, L.252 or L.273-9 allow.
    ListSize {
        list: u32,
        candidates: u32,
        min: u32,
        max: u32,
    },
}

impl Warning {
    /// French text for pages.
    pub fn message(&self) -> String {
        match self {
            Warning::ListSize {
                list,
                candidates,
                min,
                max,
            } if min == max => format!(
                "La liste n° {list} compte {candidates} candidat(s) ; la loi en demande {min}."
            ),
            Warning::ListSize {
                list,
                candidates,
                min,
                max,
            } => format!(
                "La liste n° {list} compte {candidates} candidat(s) ; la loi en demande entre {min} et {max}."
            ),
        }
    }
}

/// The result of [`allocate`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Allocation {
    pub method: Method,
    /// Seats to fill.
    pub total: u32,
    /// One entry per input list, in input order.
    pub lists: Vec<ListSeats>,
    /// The list that won the majority bonus, for the municipal methods.
    pub winner: Option<u32>,
    /// Seats decided but left without a candidate.
    pub vacant: u32,
    /// Seats not decided, because of the [`Outcome`].
    pub undecided: u32,
    pub outcome: Outcome,
    pub warnings: Vec<Warning>,
}

impl Allocation {
    /// The entry of a list.
    pub fn list(&self, id: u32) -> Option<&ListSeats> {
        self.lists.iter().find(|l| l.id == id)
    }

    /// Seats of a list, 0 for an unknown id.
    pub fn seats_of(&self, id: u32) -> u32 {
        self.list(id).map_or(0, |l| l.seats)
    }

    /// Seats attributed to lists.
    pub fn attributed(&self) -> u32 {
        self.lists.iter().map(|l| l.seats).sum()
    }

    pub fn is_final(&self) -> bool {
        self.outcome.is_final()
    }
}

/// The majority bonus of L.262 for a council of `seats`: half, rounded up
/// above four seats, down under four, and 2 for four.
pub fn majority_bonus(seats: u32) -> u32 {
    match seats.cmp(&4) {
        Ordering::Greater => seats.div_ceil(2),
        Ordering::Equal => 2,
        Ordering::Less => seats / 2,
    }
}

/// Allocates `seats` among `lists`, with `exprimes` the suffrages exprimés the
/// thresholds and the absolute majority are measured against.
pub fn allocate(method: Method, seats: u32, exprimes: u64, lists: &[ListInput]) -> Allocation {
    let mut alloc = Allocation {
        method,
        total: seats,
        lists: lists
            .iter()
            .map(|l| ListSeats {
                id: l.id,
                eligible: false,
                seats: 0,
                bonus: 0,
                proportional: 0,
            })
            .collect(),
        winner: None,
        vacant: 0,
        undecided: seats,
        outcome: Outcome::Allocated,
        warnings: Vec::new(),
    };
    if let Err(e) = check_input(method, seats, exprimes, lists) {
        alloc.outcome = Outcome::Invalid(e);
        return alloc;
    }
    alloc.warnings = list_size_warnings(method, seats, lists);
    if exprimes == 0 {
        alloc.outcome = Outcome::NoExprimes;
        return alloc;
    }

    let threshold = method.threshold();
    let eligible: Vec<bool> = lists
        .iter()
        .map(|l| l.voix > 0 && threshold.reached(l.voix, exprimes))
        .collect();
    for (out, &e) in alloc.lists.iter_mut().zip(&eligible) {
        out.eligible = e;
    }
    if seats == 0 {
        // Nothing to allocate: no round, threshold or tie can matter.
        return alloc;
    }
    if !eligible.contains(&true) {
        alloc.outcome = Outcome::NoListQualified { threshold };
        return alloc;
    }

    let mut bonus = vec![0u32; lists.len()];
    if let Some(round) = method.bonus_round() {
        match majority_winner(round, exprimes, lists, &eligible) {
            Ok(w) => {
                bonus[w] = majority_bonus(seats).min(lists[w].candidates);
                alloc.winner = Some(lists[w].id);
            }
            Err(outcome) => {
                alloc.outcome = outcome;
                return alloc;
            }
        }
    }

    let pool = seats - bonus.iter().sum::<u32>();
    let room: Vec<u32> = lists
        .iter()
        .zip(&eligible)
        .zip(&bonus)
        .map(|((l, &e), &b)| if e { l.candidates - b } else { 0 })
        .collect();
    let ctx = Ctx {
        lists,
        bonus: &bonus,
        room: &room,
    };
    let dist = match method {
        Method::LargestRemainder { .. } => ctx.largest_remainder(pool, &eligible),
        _ => ctx.highest_average(pool),
    };

    for ((out, &b), &p) in alloc.lists.iter_mut().zip(&bonus).zip(&dist.seats) {
        out.bonus = b;
        out.proportional = p;
        out.seats = b + p;
    }
    match dist.end {
        End::Complete { vacant } => {
            alloc.vacant = vacant;
            alloc.undecided = 0;
            alloc.outcome = if vacant > 0 {
                Outcome::Vacancies { vacant }
            } else {
                Outcome::Allocated
            };
        }
        End::Tie { undecided, outcome } => {
            alloc.undecided = undecided;
            alloc.outcome = outcome;
        }
    }
    alloc
}

fn check_input(
    method: Method,
    seats: u32,
    exprimes: u64,
    lists: &[ListInput],
) -> Result<(), InputError> {
    if let Some(round) = method.bonus_round()
        && !(1..=2).contains(&round)
    {
        return Err(InputError::InvalidRound { round });
    }
    let threshold = method.threshold();
    if threshold.den == 0 || threshold.num > threshold.den {
        return Err(InputError::InvalidThreshold { threshold });
    }
    if seats > MAX_SEATS {
        return Err(InputError::TooManySeats { seats });
    }
    let mut ids = BTreeSet::new();
    for l in lists {
        if !ids.insert(l.id) {
            return Err(InputError::DuplicateList { id: l.id });
        }
    }
    let voix: u128 = lists.iter().map(|l| u128::from(l.voix)).sum();
    if voix > u128::from(exprimes) {
        return Err(InputError::VoixExceedExprimes);
    }
    Ok(())
}

/// Candidates a list may have under the method, as `(min, max)`.
fn list_size_bounds(method: Method, seats: u32) -> Option<(u32, u32)> {
    match method {
        // L.260: at least as many candidates as seats, at most two more.
        Method::Municipal { .. } => Some((seats, seats.saturating_add(2))),
        // L.252 (2025): "réputée complète" with up to two candidates fewer.
        Method::MunicipalUnder1000 { .. } => {
            Some((seats.saturating_sub(2), seats.saturating_add(2)))
        }
        // L.273-9: seats plus one under five seats, plus two otherwise.
        Method::Communautaire { .. } => {
            let n = seats.saturating_add(if seats < 5 { 1 } else { 2 });
            Some((n, n))
        }
        Method::HighestAverage { .. } | Method::LargestRemainder { .. } => None,
    }
}

fn list_size_warnings(method: Method, seats: u32, lists: &[ListInput]) -> Vec<Warning> {
    let Some((min, max)) = list_size_bounds(method, seats) else {
        return Vec::new();
    };
    lists
        .iter()
        .filter(|l| l.candidates < min || l.candidates > max)
        .map(|l| Warning::ListSize {
            list: l.id,
            candidates: l.candidates,
            min,
            max,
        })
        .collect()
}

/// The index of the list that wins the majority bonus, or why there is none.
fn majority_winner(
    round: u8,
    exprimes: u64,
    lists: &[ListInput],
    eligible: &[bool],
) -> Result<usize, Outcome> {
    if round == 1 {
        // Absolute majority of the exprimés: strictly more than half.
        return lists
            .iter()
            .position(|l| u128::from(l.voix) * 2 > u128::from(exprimes))
            .ok_or(Outcome::SecondRoundNeeded);
    }
    // Round 2: the most voix. Some list is eligible, so the first is too.
    let contenders: Vec<usize> = (0..lists.len()).filter(|&i| eligible[i]).collect();
    let most = contenders.iter().map(|&i| lists[i].voix).max().unwrap_or(0);
    let top: Vec<usize> = contenders
        .into_iter()
        .filter(|&i| lists[i].voix == most)
        .collect();
    if let [w] = top.as_slice() {
        return Ok(*w);
    }
    // A tie on voix goes to the higher average age of the candidates.
    let tied = sorted_ids(lists, &top);
    let missing: Vec<usize> = top
        .iter()
        .copied()
        .filter(|&i| lists[i].average_age.is_none_or(|a| a.candidates == 0))
        .collect();
    if !missing.is_empty() {
        return Err(Outcome::NeedsAges {
            stage: TieStage::Bonus,
            tied,
            missing: sorted_ids(lists, &missing),
        });
    }
    let age = |i: usize| lists[i].average_age.unwrap_or(AverageAge::days(0));
    let mut oldest = vec![top[0]];
    for &i in &top[1..] {
        match age(i).compare(age(oldest[0])) {
            Some(Ordering::Greater) => oldest = vec![i],
            Some(Ordering::Equal) => oldest.push(i),
            _ => {}
        }
    }
    match oldest.as_slice() {
        [w] => Ok(*w),
        _ => Err(Outcome::Unbreakable {
            stage: TieStage::Bonus,
            tied: sorted_ids(lists, &oldest),
        }),
    }
}

fn sorted_ids(lists: &[ListInput], indices: &[usize]) -> Vec<u32> {
    let mut ids: Vec<u32> = indices.iter().map(|&i| lists[i].id).collect();
    ids.sort_unstable();
    ids
}

/// Proportional seats per list, and how the distribution ended.
struct Distribution {
    seats: Vec<u32>,
    end: End,
}

enum End {
    Complete { vacant: u32 },
    Tie { undecided: u32, outcome: Outcome },
}

/// The result of breaking a tie among more lists than seats.
enum TieBreak {
    Chosen(Vec<usize>),
    /// `sure` take a seat whatever the missing information says.
    Blocked {
        sure: Vec<usize>,
        undecided: u32,
        outcome: Outcome,
    },
}

struct Ctx<'a> {
    lists: &'a [ListInput],
    bonus: &'a [u32],
    /// Proportional seats each list can still take (0 when not eligible).
    room: &'a [u32],
}

impl Ctx<'_> {
    fn voix(&self, i: usize) -> u64 {
        self.lists[i].voix
    }

    /// Age in days of the candidate of list `i` who would take its next seat.
    fn next_age(&self, i: usize, prop: &[u32]) -> Option<u32> {
        let index = usize::try_from(self.bonus[i] + prop[i]).ok()?;
        self.lists[i]
            .candidate_ages_days
            .get(index)
            .copied()
            .flatten()
    }

    /// Lists that can take one more proportional seat.
    fn open(&self, prop: &[u32]) -> Vec<usize> {
        (0..self.lists.len())
            .filter(|&i| prop[i] < self.room[i])
            .collect()
    }

    /// Compares the averages `voix / (proportional seats + 1)` of two lists.
    fn average_cmp(&self, i: usize, j: usize, prop: &[u32]) -> Ordering {
        let a = u128::from(self.voix(i)) * (u128::from(prop[j]) + 1);
        let b = u128::from(self.voix(j)) * (u128::from(prop[i]) + 1);
        a.cmp(&b)
    }

    /// D'Hondt, seat by seat: the seat goes to the highest average among the
    /// lists with room. Lists level on that average all take a seat while
    /// enough remain; otherwise the L.262 tie rule chooses among them.
    fn highest_average(&self, pool: u32) -> Distribution {
        let mut prop = vec![0u32; self.lists.len()];
        let mut left = pool;
        while left > 0 {
            let open = self.open(&prop);
            let Some(best) = open.iter().copied().reduce(|a, b| {
                if self.average_cmp(b, a, &prop) == Ordering::Greater {
                    b
                } else {
                    a
                }
            }) else {
                return Distribution {
                    seats: prop,
                    end: End::Complete { vacant: left },
                };
            };
            let tied: Vec<usize> = open
                .into_iter()
                .filter(|&i| self.average_cmp(i, best, &prop) == Ordering::Equal)
                .collect();
            // Each taken seat lowers that list's average below the others in
            // `tied`, which are still above every other list.
            if tied.len() <= left as usize {
                for &i in &tied {
                    prop[i] += 1;
                }
                left -= tied.len() as u32;
                continue;
            }
            return self.finish_tie(prop, tied, left);
        }
        Distribution {
            seats: prop,
            end: End::Complete { vacant: 0 },
        }
    }

    /// Hare quota `V / pool`, with `V` the voix of the eligible lists: each
    /// list takes the whole quotas its voix hold, then one seat per list by
    /// decreasing remainder (further passes only when caps leave seats over).
    fn largest_remainder(&self, pool: u32, eligible: &[bool]) -> Distribution {
        let n = self.lists.len();
        let total: u128 = (0..n)
            .filter(|&i| eligible[i])
            .map(|i| u128::from(self.voix(i)))
            .sum();
        let mut prop = vec![0u32; n];
        // remainder_i × total = voix_i × pool mod total, so the latter orders them.
        let mut remainder = vec![0u128; n];
        for i in (0..n).filter(|&i| eligible[i]) {
            let scaled = u128::from(self.voix(i)) * u128::from(pool);
            // `total` is 0 only when no list is eligible: nothing to do then.
            if let (Some(quotas), Some(rest)) =
                (scaled.checked_div(total), scaled.checked_rem(total))
            {
                prop[i] = u32::try_from(quotas).unwrap_or(u32::MAX).min(self.room[i]);
                remainder[i] = rest;
            }
        }
        let mut left = pool - prop.iter().sum::<u32>();
        while left > 0 {
            let mut open = self.open(&prop);
            if open.is_empty() {
                return Distribution {
                    seats: prop,
                    end: End::Complete { vacant: left },
                };
            }
            if open.len() <= left as usize {
                for &i in &open {
                    prop[i] += 1;
                }
                left -= open.len() as u32;
                continue;
            }
            open.sort_by_key(|&i| std::cmp::Reverse(remainder[i]));
            let cut = remainder[open[left as usize - 1]];
            let above: Vec<usize> = open
                .iter()
                .copied()
                .filter(|&i| remainder[i] > cut)
                .collect();
            let level: Vec<usize> = open
                .iter()
                .copied()
                .filter(|&i| remainder[i] == cut)
                .collect();
            for &i in &above {
                prop[i] += 1;
            }
            left -= above.len() as u32;
            if level.len() <= left as usize {
                for &i in &level {
                    prop[i] += 1;
                }
                left = 0;
            } else {
                return self.finish_tie(prop, level, left);
            }
        }
        Distribution {
            seats: prop,
            end: End::Complete { vacant: 0 },
        }
    }

    /// Gives the `left` last seats to some of `tied` (more lists than seats,
    /// all with room), by the tie rule, and ends the distribution.
    fn finish_tie(&self, mut prop: Vec<u32>, tied: Vec<usize>, left: u32) -> Distribution {
        match self.break_tie(tied, left, &prop) {
            TieBreak::Chosen(chosen) => {
                for i in chosen {
                    prop[i] += 1;
                }
                Distribution {
                    seats: prop,
                    end: End::Complete { vacant: 0 },
                }
            }
            TieBreak::Blocked {
                sure,
                undecided,
                outcome,
            } => {
                for i in sure {
                    prop[i] += 1;
                }
                Distribution {
                    seats: prop,
                    end: End::Tie { undecided, outcome },
                }
            }
        }
    }

    /// L.262: the seat goes to the list with more voix; with equal voix, to
    /// the list whose candidate who would be elected is the older. Chooses
    /// `take` of the `group` lists, `group.len() > take ≥ 1`.
    fn break_tie(&self, mut group: Vec<usize>, take: u32, prop: &[u32]) -> TieBreak {
        let take = take as usize;
        group.sort_by_key(|&i| std::cmp::Reverse(self.voix(i)));
        let cut = self.voix(group[take - 1]);
        let mut chosen: Vec<usize> = group
            .iter()
            .copied()
            .filter(|&i| self.voix(i) > cut)
            .collect();
        let level: Vec<usize> = group
            .iter()
            .copied()
            .filter(|&i| self.voix(i) == cut)
            .collect();
        let need = take - chosen.len();
        if level.len() == need {
            chosen.extend(level);
            return TieBreak::Chosen(chosen);
        }

        let lists = self.lists;
        let missing: Vec<usize> = level
            .iter()
            .copied()
            .filter(|&i| self.next_age(i, prop).is_none())
            .collect();
        if !missing.is_empty() {
            return TieBreak::Blocked {
                sure: chosen,
                undecided: need as u32,
                outcome: Outcome::NeedsAges {
                    stage: TieStage::LastSeat,
                    tied: sorted_ids(lists, &level),
                    missing: sorted_ids(lists, &missing),
                },
            };
        }
        let age = |i: usize| self.next_age(i, prop).unwrap_or(0);
        let mut level = level;
        level.sort_by_key(|&i| std::cmp::Reverse(age(i)));
        let cut_age = age(level[need - 1]);
        if age(level[need]) == cut_age {
            chosen.extend(level.iter().copied().filter(|&i| age(i) > cut_age));
            let same: Vec<usize> = level
                .iter()
                .copied()
                .filter(|&i| age(i) == cut_age)
                .collect();
            return TieBreak::Blocked {
                undecided: (take - chosen.len()) as u32,
                sure: chosen,
                outcome: Outcome::Unbreakable {
                    stage: TieStage::LastSeat,
                    tied: sorted_ids(lists, &same),
                },
            };
        }
        chosen.extend(&level[..need]);
        TieBreak::Chosen(chosen)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Ages in days, from whole years (only their order matters here).
    fn years(y: u32) -> u32 {
        y * 365
    }

    fn list(id: u32, voix: u64, candidates: u32) -> ListInput {
        ListInput::new(id, voix, candidates)
    }

    fn seats(a: &Allocation) -> Vec<(u32, u32)> {
        a.lists.iter().map(|l| (l.id, l.seats)).collect()
    }

    const NO_THRESHOLD: Method = Method::HighestAverage {
        threshold: Threshold::NONE,
    };

    #[test]
    fn dhondt_basic() {
        // 7 seats, A 1000, B 800, C 300.
        //        ÷1     ÷2     ÷3     ÷4
        //  A   1000    500  333.3    250
        //  B    800    400  266.7    200
        //  C    300    150    100     75
        // The 7 highest: 1000 A, 800 B, 500 A, 400 B, 333.3 A, 300 C,
        // 266.7 B. Next would be 250 A. → A 3, B 3, C 1.
        let a = allocate(
            NO_THRESHOLD,
            7,
            2100,
            &[list(1, 1000, 7), list(2, 800, 7), list(3, 300, 7)],
        );
        assert_eq!(a.outcome, Outcome::Allocated);
        assert_eq!(seats(&a), vec![(1, 3), (2, 3), (3, 1)]);
        assert_eq!(a.winner, None);
        assert_eq!((a.vacant, a.undecided), (0, 0));
        assert!(
            a.lists
                .iter()
                .all(|l| l.bonus == 0 && l.proportional == l.seats)
        );
    }

    #[test]
    fn largest_remainder_basic() {
        // 10 seats, 10 000 voix: Hare quota 10 000 / 10 = 1000.
        //        voix  quotas  remainder
        //  A     5300       5        300
        //  B     1600       1        600  → +1 (3rd)
        //  C     1500       1        500
        //  D      900       0        900  → +1 (1st)
        //  E      700       0        700  → +1 (2nd)
        // 7 seats by quota, the 3 left to the largest remainders D, E, B.
        let lists = [
            list(1, 5300, 10),
            list(2, 1600, 10),
            list(3, 1500, 10),
            list(4, 900, 10),
            list(5, 700, 10),
        ];
        let lr = Method::LargestRemainder {
            threshold: Threshold::NONE,
        };
        let a = allocate(lr, 10, 10_000, &lists);
        assert_eq!(a.outcome, Outcome::Allocated);
        assert_eq!(seats(&a), vec![(1, 5), (2, 2), (3, 1), (4, 1), (5, 1)]);

        // D'Hondt on the same voix favours the large list:
        //   ÷     A      B     C    D    E
        //   1  5300   1600  1500  900  700
        //   2  2650    800   750
        //   3  1766.7
        //   4  1325
        //   5  1060
        //   6   883.3
        //   7   757.1
        // The 10 highest: 5300, 2650, 1766.7, 1600, 1500, 1325, 1060, 900,
        // 883.3, 800 (B ÷2); next 757.1 A, 750 C, 700 E. → A 6, B 2, C 1, D 1, E 0.
        let d = allocate(NO_THRESHOLD, 10, 10_000, &lists);
        assert_eq!(seats(&d), vec![(1, 6), (2, 2), (3, 1), (4, 1), (5, 0)]);
    }

    #[test]
    fn municipal_round_1_absolute_majority_29_seats() {
        // 29 seats, 10 000 exprimés. A 5500 (55 %) has the absolute majority:
        // bonus ⌈29 / 2⌉ = 15. The 14 other seats by highest average among
        // A, B, C and D (D at exactly 5 % is admitted):
        //   ÷     A       B      C     D
        //   1  5500    3000   1000   500
        //   2  2750    1500    500   250
        //   3  1833.3  1000    333.3
        //   4  1375     750
        //   5  1100     600
        //   6   916.7
        //   7   785.7
        //   8   687.5
        //   9   611.1
        //  10   550
        // The 14 highest: 5500 A, 3000 B, 2750 A, 1833.3 A, 1500 B, 1375 A,
        // 1100 A, 1000 B, 1000 C (level, but not for the last seat: both
        // taken), 916.7 A, 785.7 A, 750 B, 687.5 A, 611.1 A. Next: 600 B.
        // → proportional A 9, B 4, C 1, D 0; with the bonus A 24.
        let a = allocate(
            Method::Municipal { round: 1 },
            29,
            10_000,
            &[
                list(1, 5500, 29),
                list(2, 3000, 29),
                list(3, 1000, 31),
                list(4, 500, 30),
            ],
        );
        assert_eq!(a.outcome, Outcome::Allocated);
        assert_eq!(a.winner, Some(1));
        assert_eq!(seats(&a), vec![(1, 24), (2, 4), (3, 1), (4, 0)]);
        let w = a.list(1).expect("list A is in the allocation");
        assert_eq!((w.bonus, w.proportional), (15, 9));
        assert!(a.lists.iter().all(|l| l.eligible));
        assert!(a.warnings.is_empty());
    }

    #[test]
    fn bonus_rounding() {
        assert_eq!(majority_bonus(0), 0);
        assert_eq!(majority_bonus(1), 0);
        assert_eq!(majority_bonus(2), 1);
        assert_eq!(majority_bonus(3), 1); // 1.5 rounded down: fewer than four seats
        assert_eq!(majority_bonus(4), 2); // exactly half
        assert_eq!(majority_bonus(5), 3); // 2.5 rounded up: more than four seats
        assert_eq!(majority_bonus(29), 15);

        // A 600, B 400 of 1000, round 1: A has the majority. The seats after
        // the bonus are always 2, and go A 600 then B 400 (A ÷2 = 300 < 400).
        let lists = [list(1, 600, 7), list(2, 400, 7)];
        for (n, bonus, a_seats, b_seats) in [(3, 1, 2, 1), (4, 2, 3, 1), (5, 3, 4, 1)] {
            let a = allocate(Method::Municipal { round: 1 }, n, 1000, &lists);
            assert_eq!(a.outcome, Outcome::Allocated, "{n} seats");
            assert_eq!(a.list(1).map(|l| l.bonus), Some(bonus), "{n} seats");
            assert_eq!(seats(&a), vec![(1, a_seats), (2, b_seats)], "{n} seats");
        }
    }

    #[test]
    fn threshold_exactly_reached_and_just_missed() {
        // 5 % threshold, 19 seats. A 1210, B 690, C 100 of 2000 exprimés:
        // C has exactly 5 % (100 × 100 = 2000 × 5) and is admitted.
        //   ÷     A       B     C
        //   1  1210     690   100
        //   …
        //   6   201.7   115
        //   7   172.9    98.6
        //  12   100.8
        //  13    93.1
        // 18 averages are above 100 (A ÷1…÷12, B ÷1…÷6); the 19th seat is
        // C's 100, ahead of B ÷7 = 98.6. → A 12, B 6, C 1.
        let m = Method::HighestAverage {
            threshold: Threshold::percent(5),
        };
        let lists = [list(1, 1210, 19), list(2, 690, 19), list(3, 100, 19)];
        let a = allocate(m, 19, 2000, &lists);
        assert_eq!(seats(&a), vec![(1, 12), (2, 6), (3, 1)]);
        assert!(a.list(3).is_some_and(|l| l.eligible));

        // One more exprimé (a list D with 1 voix): C has 100 / 2001 < 5 %
        // (10 000 < 10 005) and takes nothing; the 19th seat goes to B ÷7.
        let mut lists = lists.to_vec();
        lists.push(list(4, 1, 19));
        let a = allocate(m, 19, 2001, &lists);
        assert_eq!(seats(&a), vec![(1, 12), (2, 7), (3, 0), (4, 0)]);
        assert!(a.list(3).is_some_and(|l| !l.eligible));

        // Municipal: the same 5 %, fixed by L.262.
        let a = allocate(Method::Municipal { round: 2 }, 19, 2001, &lists);
        assert!(a.list(3).is_some_and(|l| !l.eligible && l.seats == 0));
        assert_eq!(a.attributed(), 19);
    }

    #[test]
    fn last_seat_tie_goes_to_more_voix() {
        // Municipal round 1, 3 seats, A 200, B 100 of 300. Bonus 1 to A.
        // 2 seats by average:   ÷1   ÷2
        //                  A   200  100
        //                  B   100
        // Seat 1: A 200. Seat 2, the last: A ÷2 = 100 = B ÷1 = 100, a tie;
        // A has more voix (200 > 100) and takes it. → A 1 + 2 = 3, B 0.
        let a = allocate(
            Method::Municipal { round: 1 },
            3,
            300,
            &[list(1, 200, 5), list(2, 100, 5)],
        );
        assert_eq!(a.outcome, Outcome::Allocated);
        assert_eq!(seats(&a), vec![(1, 3), (2, 0)]);
    }

    /// A 200, B 100, C 100 of 400, 3 seats, D'Hondt without threshold.
    ///      ÷1   ÷2
    ///  A  200  100
    ///  B  100
    ///  C  100
    /// Seat 1: A 200. Seats 2 and 3: A ÷2, B, C all at 100, three lists for
    /// two seats. A has more voix: its seat is sure. B and C have equal voix:
    /// the last seat goes to the older of their first candidates.
    fn equal_voix_lists(b_age: Option<u32>, c_age: Option<u32>) -> Vec<ListInput> {
        let mut b = list(2, 100, 3);
        b.candidate_ages_days = vec![b_age, Some(years(99))];
        let mut c = list(3, 100, 3);
        c.candidate_ages_days = vec![c_age];
        vec![list(1, 200, 3), b, c]
    }

    #[test]
    fn last_seat_tie_with_equal_voix_goes_to_older_candidate() {
        // C's first candidate is 70, B's 60 (B's second, 99, is not the one
        // who would be elected). → A 2, B 0, C 1.
        let lists = equal_voix_lists(Some(years(60)), Some(years(70)));
        let a = allocate(NO_THRESHOLD, 3, 400, &lists);
        assert_eq!(a.outcome, Outcome::Allocated);
        assert_eq!(seats(&a), vec![(1, 2), (2, 0), (3, 1)]);

        // The same rule in a municipal round 2, 5 seats, A 250, B 150, C 150:
        // bonus 3 to A; 2 seats by average: A 250, then A ÷2 = 125 against
        // B 150 and C 150: B and C tie for the last seat with equal voix.
        let mut lists = equal_voix_lists(Some(years(60)), Some(years(70)));
        lists[0].voix = 250;
        lists[0].candidates = 5;
        lists[1].voix = 150;
        lists[2].voix = 150;
        let a = allocate(Method::Municipal { round: 2 }, 5, 550, &lists);
        assert_eq!(a.outcome, Outcome::Allocated);
        assert_eq!(seats(&a), vec![(1, 4), (2, 0), (3, 1)]);
    }

    #[test]
    fn last_seat_tie_reads_the_candidate_after_the_bonus() {
        // Municipal round 2, 6 seats, A 300, B 300 of 600: a tie for the
        // bonus, B's candidates are older on average → B takes 3 bonus seats.
        // 3 seats by average:  ÷1   ÷2
        //                  A  300  150
        //                  B  300  150
        // Seats 1-2: A and B at 300 (two lists, two seats: both). Seat 3: A ÷2
        // and B ÷2 at 150 with equal voix: the older candidate who would be
        // elected, A's 2nd (index 1, 40 years) or B's 5th (index 3 + 1, 30
        // years; B's 2nd is 90 but already elected). → A 2, B 3 + 1 = 4.
        let mut a_list = list(1, 300, 8);
        a_list.average_age = AverageAge::of(&[years(40), years(40)]);
        a_list.candidate_ages_days = vec![Some(years(20)), Some(years(40))];
        let mut b_list = list(2, 300, 8);
        b_list.average_age = AverageAge::of(&[years(50), years(50)]);
        b_list.candidate_ages_days = vec![
            Some(years(60)),
            Some(years(90)),
            Some(years(60)),
            Some(years(60)),
            Some(years(30)),
        ];
        let a = allocate(Method::Municipal { round: 2 }, 6, 600, &[a_list, b_list]);
        assert_eq!(a.outcome, Outcome::Allocated);
        assert_eq!(a.winner, Some(2));
        assert_eq!(seats(&a), vec![(1, 2), (2, 4)]);
    }

    #[test]
    fn last_seat_tie_without_ages_needs_ages() {
        // The example above with C's age unknown: A's seat is sure (more
        // voix), the last one is undecided.
        let lists = equal_voix_lists(Some(years(60)), None);
        let a = allocate(NO_THRESHOLD, 3, 400, &lists);
        assert_eq!(
            a.outcome,
            Outcome::NeedsAges {
                stage: TieStage::LastSeat,
                tied: vec![2, 3],
                missing: vec![3],
            }
        );
        assert_eq!(seats(&a), vec![(1, 2), (2, 0), (3, 0)]);
        assert_eq!((a.undecided, a.vacant), (1, 0));
        assert!(!a.is_final());
        assert!(a.outcome.message().contains("n° 3"));

        // Same age in days: no rule left.
        let lists = equal_voix_lists(Some(years(60)), Some(years(60)));
        let a = allocate(NO_THRESHOLD, 3, 400, &lists);
        assert_eq!(
            a.outcome,
            Outcome::Unbreakable {
                stage: TieStage::LastSeat,
                tied: vec![2, 3],
            }
        );
        assert_eq!(a.undecided, 1);
    }

    #[test]
    fn round_2_tie_for_first_goes_to_higher_average_age() {
        // Round 2, 5 seats, A 400, B 400, C 200 of 1000. A and B tie for the
        // most voix. Average ages: A (3650 + 3651) / 2 = 3650.5 days,
        // B (3650 + 3650 + 3652) / 3 = 3650.67 days → B is older and takes
        // the bonus of 3. Rounded to whole days both would read 3651: they
        // are compared exactly, as fractions. 2 seats by average: A 400 and
        // B 400 tie, two lists for two seats → one each. → A 1, B 4, C 0.
        let mut a_list = list(1, 400, 5);
        a_list.average_age = AverageAge::of(&[3650, 3651]);
        let mut b_list = list(2, 400, 5);
        b_list.average_age = AverageAge::of(&[3650, 3650, 3652]);
        let lists = vec![a_list, b_list, list(3, 200, 5)];
        let a = allocate(Method::Municipal { round: 2 }, 5, 1000, &lists);
        assert_eq!(a.outcome, Outcome::Allocated);
        assert_eq!(a.winner, Some(2));
        assert_eq!(seats(&a), vec![(1, 1), (2, 4), (3, 0)]);

        // A's average age unknown.
        let mut unknown = lists.clone();
        unknown[0].average_age = None;
        let a = allocate(Method::Municipal { round: 2 }, 5, 1000, &unknown);
        assert_eq!(
            a.outcome,
            Outcome::NeedsAges {
                stage: TieStage::Bonus,
                tied: vec![1, 2],
                missing: vec![1],
            }
        );
        assert_eq!((a.attributed(), a.undecided, a.winner), (0, 5, None));

        // Exactly equal averages: 7301 / 2 = 14 602 / 4 = 3650.5.
        let mut equal = lists;
        equal[1].average_age = Some(AverageAge {
            total_days: 14_602,
            candidates: 4,
        });
        let a = allocate(Method::Municipal { round: 2 }, 5, 1000, &equal);
        assert_eq!(
            a.outcome,
            Outcome::Unbreakable {
                stage: TieStage::Bonus,
                tied: vec![1, 2],
            }
        );
    }

    #[test]
    fn round_1_without_absolute_majority() {
        // Exactly half is not the absolute majority.
        let lists = [list(1, 500, 7), list(2, 300, 7), list(3, 200, 7)];
        let a = allocate(Method::Municipal { round: 1 }, 7, 1000, &lists);
        assert_eq!(a.outcome, Outcome::SecondRoundNeeded);
        assert_eq!((a.attributed(), a.undecided), (0, 7));
        assert!(a.outcome.message().contains("second tour"));
        // Same voix in round 2: the list with the most voix wins.
        let a = allocate(Method::Municipal { round: 2 }, 7, 1000, &lists);
        assert_eq!(a.winner, Some(1));
        assert!(a.is_final());
        // One more voix (501 of 1001) is the absolute majority.
        let lists = [list(1, 501, 7), list(2, 300, 7), list(3, 200, 7)];
        let a = allocate(Method::Municipal { round: 1 }, 7, 1001, &lists);
        assert_eq!(a.winner, Some(1));
    }

    #[test]
    fn communautaire_capped_list() {
        // 6 community seats, A 700 (4 community candidates), B 300 (8).
        // Round 1: A has the majority, bonus 3; A can take only 1 more seat.
        // 3 seats by average:  ÷1   ÷2   ÷3
        //                  A  700  350  233.3
        //                  B  300  150
        // Uncapped: 700 A, 350 A, 300 B → A 3 + 2 = 5, B 1.
        // Capped: 700 A (A full), then B 300 and B 150. → A 4, B 2.
        let lists = [list(1, 700, 4), list(2, 300, 8)];
        let a = allocate(Method::Communautaire { round: 1 }, 6, 1000, &lists);
        assert_eq!(a.outcome, Outcome::Allocated);
        assert_eq!(seats(&a), vec![(1, 4), (2, 2)]);
        assert_eq!(a.list(1).map(|l| (l.bonus, l.proportional)), Some((3, 1)));
        // L.273-9 asks for 6 + 2 = 8 candidates: A is flagged.
        assert_eq!(
            a.warnings,
            vec![Warning::ListSize {
                list: 1,
                candidates: 4,
                min: 8,
                max: 8,
            }]
        );
        // If B has a single candidate too, one seat is left vacant.
        let lists = [list(1, 700, 4), list(2, 300, 1)];
        let a = allocate(Method::Communautaire { round: 1 }, 6, 1000, &lists);
        assert_eq!(a.outcome, Outcome::Vacancies { vacant: 1 });
        assert_eq!(seats(&a), vec![(1, 4), (2, 1)]);
        assert!(a.is_final());
        assert!(a.outcome.message().starts_with("1 siège reste vacant"));
    }

    #[test]
    fn under_1000_incomplete_list() {
        // 11 seats (a commune of 400), round 1. A 800 with 9 candidates
        // (11 − 2: a complete list under L.252), B 200 with 11.
        // Bonus 6 to A, which can take 3 more seats.
        // 5 seats by average:  ÷1   ÷2    ÷3    ÷4
        //                  A  800  400  266.7   200
        //                  B  200  100
        // Uncapped: 800, 400, 266.7 A, then A ÷4 and B ÷1 at 200 → A 10, B 1.
        // Capped: 800, 400, 266.7 A (A full), then B 200, B 100. → A 9, B 2.
        let lists = [list(1, 800, 9), list(2, 200, 11)];
        let a = allocate(Method::MunicipalUnder1000 { round: 1 }, 11, 1000, &lists);
        assert_eq!(a.outcome, Outcome::Allocated);
        assert_eq!(seats(&a), vec![(1, 9), (2, 2)]);
        assert!(a.warnings.is_empty());

        // A single incomplete list: its 9 candidates are elected, 2 seats
        // stay vacant.
        let a = allocate(
            Method::MunicipalUnder1000 { round: 1 },
            11,
            1000,
            &[list(1, 1000, 9)],
        );
        assert_eq!(a.outcome, Outcome::Vacancies { vacant: 2 });
        assert_eq!((a.attributed(), a.vacant), (9, 2));

        // The same list in a commune of 1,000 or more is not complete.
        let a = allocate(
            Method::Municipal { round: 1 },
            11,
            1000,
            &[list(1, 1000, 9)],
        );
        assert_eq!(a.warnings.len(), 1);
        assert!(a.warnings[0].message().contains("entre 11 et 13"));
    }

    #[test]
    fn inputs_that_cannot_be_allocated() {
        let lists = [list(1, 0, 5), list(2, 0, 5)];
        let a = allocate(Method::Municipal { round: 1 }, 5, 0, &lists);
        assert_eq!(a.outcome, Outcome::NoExprimes);
        assert_eq!(a.undecided, 5);

        // 50 % threshold, nobody reaches it; the message names it.
        let m = Method::HighestAverage {
            threshold: Threshold::percent(50),
        };
        let a = allocate(m, 5, 100, &[list(1, 40, 5), list(2, 35, 5)]);
        assert!(matches!(a.outcome, Outcome::NoListQualified { .. }));
        assert!(a.outcome.message().contains("50 %"));
        // Lists without voix are never admitted, even with no threshold.
        let a = allocate(NO_THRESHOLD, 5, 10, &[list(1, 0, 5)]);
        assert!(matches!(a.outcome, Outcome::NoListQualified { .. }));

        let invalid = |m: Method, seats: u32, exprimes: u64, lists: &[ListInput]| match allocate(
            m, seats, exprimes, lists,
        )
        .outcome
        {
            Outcome::Invalid(e) => Some(e),
            _ => None,
        };
        assert_eq!(
            invalid(Method::Municipal { round: 3 }, 5, 10, &[list(1, 10, 5)]),
            Some(InputError::InvalidRound { round: 3 })
        );
        assert_eq!(
            invalid(NO_THRESHOLD, 5, 10, &[list(1, 5, 5), list(1, 5, 5)]),
            Some(InputError::DuplicateList { id: 1 })
        );
        assert_eq!(
            invalid(NO_THRESHOLD, 5, 9, &[list(1, 5, 5), list(2, 5, 5)]),
            Some(InputError::VoixExceedExprimes)
        );
        assert_eq!(
            invalid(NO_THRESHOLD, MAX_SEATS + 1, 9, &[list(1, 5, 5)]),
            Some(InputError::TooManySeats {
                seats: MAX_SEATS + 1
            })
        );
        let bad = Method::LargestRemainder {
            threshold: Threshold { num: 1, den: 0 },
        };
        assert!(matches!(
            invalid(bad, 5, 9, &[list(1, 5, 5)]),
            Some(InputError::InvalidThreshold { .. })
        ));
    }

    #[test]
    fn french_notation() {
        assert_eq!(Threshold::percent(5).fr(), "5 %");
        assert_eq!(Threshold { num: 35, den: 1000 }.fr(), "3,5 %");
        assert_eq!(Threshold { num: 1, den: 400 }.fr(), "0,25 %");
        assert_eq!(Threshold { num: 1, den: 3 }.fr(), "1/3");
        assert_eq!(list_names(&[1, 2, 3]), "n° 1, n° 2 et n° 3");
        assert_eq!(
            Outcome::Vacancies { vacant: 2 }.to_string(),
            "2 sièges restent vacants : les listes admises n'ont plus de candidat à proclamer."
        );
        assert!(
            Outcome::NoListQualified {
                threshold: MUNICIPAL_THRESHOLD
            }
            .message()
            .contains("au moins 5 % des suffrages exprimés")
        );
    }

    /// A municipal election of one commune: lists with their voix and
    /// lengths (`(voix, list_size, cc_list_size)`), nobody else.
    fn commune_election(
        population: Option<u32>,
        seats: Option<u32>,
        cc_seats: Option<u32>,
        lists: &[(u64, Option<u32>, Option<u32>)],
    ) -> Election {
        let mut e = crate::fixtures::sample_municipales();
        e.round = 1;
        e.seats = seats;
        e.cc_seats = cc_seats;
        if let Some(root) = e.perimeters.iter_mut().find(|p| p.parent.is_none()) {
            root.population = population;
        }
        e.candidates.truncate(lists.len());
        for (c, (_, size, cc)) in e.candidates.iter_mut().zip(lists) {
            c.list_size = *size;
            c.cc_list_size = *cc;
        }
        e
    }

    fn voix_of(lists: &[(u64, Option<u32>, Option<u32>)]) -> impl Fn(u32) -> u64 + '_ {
        move |n| lists.get(n as usize - 1).map_or(0, |l| l.0)
    }

    #[test]
    fn both_councils_from_one_pv() {
        // A commune of 12 400 inhabitants: 33 seats (L.2121-2), 8 community
        // seats. A 5 600, B 3 000, C 1 000, D 400 of 10 000 exprimés; A has
        // the absolute majority in round 1.
        // Municipal: bonus 17 to A; 16 seats by average among A, B, C
        // (D, 4 %, is under 5 %):
        //   ÷     A       B      C
        //   1  5600    3000   1000
        //   2  2800    1500    500
        //   3  1866.7  1000
        //   4  1400     750
        //   5  1120     600
        //   6   933.3
        //   7   800
        //   8   700
        //   9   622.2
        //  10   560
        // The 16 highest: 5600, 3000, 2800, 1866.7, 1500, 1400, 1120,
        // 1000 B, 1000 C (both), 933.3, 800, 750, 700, 622.2, 600 B, 560 A.
        // → A 17 + 10 = 27, B 5, C 1, D 0.
        // Community: 8 seats, bonus 4 to A; 4 by average: 5600 A, 3000 B,
        // 2800 A, 1866.7 A → A 7, B 1. But A's community list has 6
        // candidates: its 4th proportional seat goes on to the next average,
        // 1500 B → A 6, B 2, C 0.
        let lists = [
            (5_600, None, Some(6)),
            (3_000, None, None),
            (1_000, None, None),
            (400, None, None),
        ];
        let e = commune_election(Some(12_400), None, Some(8), &lists);
        assert_eq!(e.check(), Ok(()));
        let c = for_election(&e, 10_000, voix_of(&lists)).expect("seats");
        assert_eq!(c.council.method, Method::Municipal { round: 1 });
        assert_eq!(c.council.method.body(), Body::MunicipalCouncil);
        assert_eq!(c.council.total, 33);
        assert_eq!(seats(&c.council), vec![(1, 27), (2, 5), (3, 1), (4, 0)]);
        assert_eq!(c.council.list(1).map(|l| l.bonus), Some(17));
        let cc = c.community.as_ref().expect("community seats");
        assert_eq!(cc.method, Method::Communautaire { round: 1 });
        assert_eq!(cc.method.body(), Body::CommunityCouncil);
        assert_eq!(seats(cc), vec![(1, 6), (2, 2), (3, 0), (4, 0)]);
        assert_eq!(cc.list(1).map(|l| (l.bonus, l.proportional)), Some((4, 2)));
        assert_eq!(cc.outcome, Outcome::Allocated);
        assert!(c.is_final());
        // A's short community list is flagged (L.273-9 asks 8 + 2).
        assert_eq!(cc.warnings.len(), 1);
        // The same through the commune perimeter.
        let root = e.root().expect("root").clone();
        assert_eq!(for_commune(&e, &root, 10_000, voix_of(&lists)), Some(c));
    }

    #[test]
    fn the_population_decides_seats_and_method() {
        let lists = [(300, None, None), (100, None, None)];
        // Under 1,000: L.2121-2 gives 15 seats to a commune of 999, the
        // under-1,000 method, and no community seats.
        let e = commune_election(Some(999), None, None, &lists);
        let c = for_election(&e, 400, voix_of(&lists)).expect("seats");
        assert_eq!(c.council.method, Method::MunicipalUnder1000 { round: 1 });
        assert_eq!((c.council.total, c.community.is_none()), (15, true));
        // cc_seats under 1,000 is refused by the definition, and never
        // allocated (L.273-11).
        let e = commune_election(Some(999), None, Some(3), &lists);
        assert!(
            e.check()
                .is_err_and(|errs| errs.iter().any(|e| e.field == "cc_seats"))
        );
        assert!(for_election(&e, 400, voix_of(&lists)).is_some_and(|c| c.community.is_none()));
        // 1,000: the L.262 method.
        let e = commune_election(Some(1_000), None, Some(3), &lists);
        let c = for_election(&e, 400, voix_of(&lists)).expect("seats");
        assert_eq!(c.council.method, Method::Municipal { round: 1 });
        assert_eq!(c.council.total, 15);
        assert_eq!(c.community.map(|a| a.total), Some(3));
        // Seats given win over the population; no population: as before.
        let e = commune_election(Some(1_000), Some(19), None, &lists);
        assert_eq!(
            for_election(&e, 400, voix_of(&lists)).map(|c| c.council.total),
            Some(19)
        );
        let e = commune_election(None, Some(19), None, &lists);
        let c = for_election(&e, 400, voix_of(&lists)).expect("seats");
        assert_eq!(
            (c.council.method, c.council.total),
            (Method::Municipal { round: 1 }, 19)
        );
        // Neither seats nor population: nothing to allocate.
        let e = commune_election(None, None, Some(5), &lists);
        assert_eq!(for_election(&e, 400, voix_of(&lists)), None);
        // A commune that is not the root takes its seats from its own
        // population, never the definition's seats or cc_seats.
        let mut e = commune_election(Some(2_000), Some(29), Some(5), &lists);
        let mut other = e.perimeters[0].clone();
        other.code = "OTHER".into();
        other.parent = Some(e.perimeters[0].code.clone());
        other.population = Some(600);
        e.perimeters.push(other.clone());
        let c = for_commune(&e, &other, 400, voix_of(&lists)).expect("seats");
        assert_eq!(
            (c.council.method, c.council.total),
            (Method::MunicipalUnder1000 { round: 1 }, 15)
        );
        assert!(c.community.is_none());
    }

    #[test]
    fn other_kinds_keep_one_allocation() {
        let lists = [(300, None, None), (100, None, None)];
        let mut e = commune_election(Some(12_000), Some(10), Some(4), &lists);
        e.kind = ElectionKind::Europeennes;
        e.cc_seats = None;
        let c = for_election(&e, 400, voix_of(&lists)).expect("seats");
        assert_eq!(c.council.method.body(), Body::Assembly);
        assert_eq!((c.council.total, c.community.is_none()), (10, true));
        e.kind = ElectionKind::Communautaires;
        let c = for_election(&e, 400, voix_of(&lists)).expect("seats");
        assert_eq!(c.council.method, Method::Communautaire { round: 1 });
        e.kind = ElectionKind::Regionales;
        assert_eq!(for_election(&e, 400, voix_of(&lists)), None);
    }

    #[test]
    fn list_lengths_are_checked_by_the_definition() {
        let fields = |e: &Election| -> Vec<String> {
            e.check()
                .err()
                .unwrap_or_default()
                .into_iter()
                .map(|e| e.field)
                .collect()
        };
        // 29 seats (5 000 inhabitants): 31 candidates at most.
        let ok = [(1, Some(31), Some(10)), (1, Some(27), None)];
        assert!(fields(&commune_election(Some(5_000), None, Some(8), &ok)).is_empty());
        let long = [(1, Some(32), None), (1, Some(0), None)];
        assert_eq!(
            fields(&commune_election(Some(5_000), None, None, &long)),
            vec!["candidates[0].list_size", "candidates[1].list_size"]
        );
        // 8 community seats: 10 community candidates at most, at least 1, and
        // never more than the municipal list; none without cc_seats.
        let cc = [
            (1, None, Some(11)),
            (1, None, Some(0)),
            (1, Some(9), Some(10)),
        ];
        assert_eq!(
            fields(&commune_election(Some(5_000), None, Some(8), &cc)),
            vec![
                "candidates[0].cc_list_size",
                "candidates[1].cc_list_size",
                "candidates[2].cc_list_size"
            ]
        );
        assert_eq!(
            fields(&commune_election(
                Some(5_000),
                None,
                None,
                &[(1, None, Some(3))]
            )),
            vec!["candidates[0].cc_list_size"]
        );
        let mut e = commune_election(Some(0), None, None, &[(1, None, None)]);
        e.perimeters[1].population = Some(10);
        assert_eq!(
            fields(&e),
            vec!["perimeters[0].population", "perimeters[1].population"]
        );
        let e = commune_election(Some(5_000), None, Some(0), &[(1, None, None)]);
        assert_eq!(fields(&e), vec!["cc_seats"]);
        let mut e = commune_election(Some(5_000), None, Some(4), &[(1, None, None)]);
        e.kind = ElectionKind::Europeennes;
        assert_eq!(fields(&e), vec!["cc_seats"]);
    }

    fn method_strategy() -> impl Strategy<Value = Method> {
        let threshold = prop_oneof![
            Just(Threshold::NONE),
            Just(Threshold::percent(5)),
            Just(Threshold { num: 1, den: 3 }),
            (0u64..=20).prop_map(Threshold::percent),
        ];
        prop_oneof![
            threshold
                .clone()
                .prop_map(|threshold| Method::HighestAverage { threshold }),
            threshold.prop_map(|threshold| Method::LargestRemainder { threshold }),
            (1u8..=2).prop_map(|round| Method::Municipal { round }),
            (1u8..=2).prop_map(|round| Method::MunicipalUnder1000 { round }),
            (1u8..=2).prop_map(|round| Method::Communautaire { round }),
        ]
    }

    fn lists_strategy(count: std::ops::Range<usize>) -> impl Strategy<Value = Vec<ListInput>> {
        // Few distinct ages so that age ties happen too.
        let age = proptest::option::weighted(0.8, 0u32..4);
        let one = (
            0u64..3000,
            0u32..45,
            proptest::option::of((0u64..8, 1u32..4)),
            proptest::collection::vec(age, 0..45),
        );
        proptest::collection::vec(one, count).prop_map(|ls| {
            ls.into_iter()
                .enumerate()
                .map(|(i, (voix, candidates, avg, ages))| ListInput {
                    id: i as u32 + 1,
                    voix,
                    candidates,
                    average_age: avg.map(|(total_days, candidates)| AverageAge {
                        total_days,
                        candidates,
                    }),
                    candidate_ages_days: ages,
                })
                .collect()
        })
    }

    fn check_invariants(a: &Allocation, lists: &[ListInput]) -> Result<(), TestCaseError> {
        prop_assert_eq!(a.attributed() + a.vacant + a.undecided, a.total);
        prop_assert_eq!(a.lists.len(), lists.len());
        for (out, l) in a.lists.iter().zip(lists) {
            prop_assert_eq!(out.seats, out.bonus + out.proportional);
            prop_assert!(out.seats <= l.candidates);
            if !out.eligible {
                prop_assert_eq!(out.seats, 0);
            }
        }
        if a.is_final() {
            prop_assert_eq!(a.undecided, 0);
        }
        if a.vacant > 0 {
            // Seats stay vacant only when every admitted list is full.
            prop_assert!(a.outcome.is_final());
            for (out, l) in a.lists.iter().zip(lists) {
                prop_assert!(!out.eligible || out.seats == l.candidates);
            }
        }
        if let Some(w) = a.winner {
            prop_assert!(a.list(w).is_some_and(|l| l.eligible));
        }
        Ok(())
    }

    proptest! {
        #[test]
        fn seats_add_up(
            method in method_strategy(),
            seats in 0u32..40,
            lists in lists_strategy(0..7),
            extra in 0u64..300,
        ) {
            let exprimes = lists.iter().map(|l| l.voix).sum::<u64>() + extra;
            let a = allocate(method, seats, exprimes, &lists);
            prop_assert!(!matches!(a.outcome, Outcome::Invalid(_)));
            check_invariants(&a, &lists)?;
            if a.outcome == Outcome::Allocated {
                prop_assert_eq!(a.attributed(), seats);
            }
        }

        #[test]
        fn under_the_threshold_takes_nothing(
            method in method_strategy(),
            seats in 0u32..40,
            lists in lists_strategy(0..7),
            extra in 0u64..300,
        ) {
            let exprimes = lists.iter().map(|l| l.voix).sum::<u64>() + extra;
            let t = method.threshold();
            let a = allocate(method, seats, exprimes, &lists);
            for (out, l) in a.lists.iter().zip(&lists) {
                // voix / exprimés < num / den, strictly
                if u128::from(l.voix) * u128::from(t.den) < u128::from(exprimes) * u128::from(t.num) {
                    prop_assert!(!out.eligible);
                    prop_assert_eq!(out.seats, 0);
                }
            }
        }

        /// The community allocation of a municipal ballot never gives a list
        /// more seats than its community list has candidates, and its seats,
        /// vacant and undecided add up to the community seats.
        #[test]
        fn community_seats_respect_the_community_lists(
            population in prop_oneof![Just(None), (1_000u32..400_000).prop_map(Some)],
            round in 1u8..=2,
            cc_seats in 1u32..40,
            lists in proptest::collection::vec((0u64..3000, proptest::option::of(1u32..45)), 1..7),
            extra in 0u64..300,
        ) {
            let mut e = crate::fixtures::sample_municipales();
            e.round = round;
            e.seats = population.is_none().then_some(29);
            e.cc_seats = Some(cc_seats);
            if let Some(root) = e.perimeters.iter_mut().find(|p| p.parent.is_none()) {
                root.population = population;
            }
            e.candidates.truncate(lists.len());
            for (c, (_, cc)) in e.candidates.iter_mut().zip(&lists) {
                c.cc_list_size = *cc;
            }
            let exprimes = lists.iter().map(|l| l.0).sum::<u64>() + extra;
            let voix = |n: u32| lists.get(n as usize - 1).map_or(0, |l| l.0);
            let c = for_election(&e, exprimes, voix);
            let c = c.expect("a municipal ballot with seats");
            let cc = c.community.as_ref().expect("community seats");
            prop_assert_eq!(cc.total, cc_seats);
            prop_assert_eq!(cc.attributed() + cc.vacant + cc.undecided, cc_seats);
            for (out, (c, l)) in cc.lists.iter().zip(e.candidates.iter().zip(&lists)) {
                let most = l.1.unwrap_or(crate::council::community_list_size(cc_seats));
                prop_assert!(out.seats <= most, "list {} took {} of {}", c.number, out.seats, most);
            }
            // Same voix, same winner, same verdict on the round.
            prop_assert_eq!(c.council.winner.is_some(), cc.winner.is_some());
            prop_assert_eq!(
                c.council.outcome == Outcome::SecondRoundNeeded,
                cc.outcome == Outcome::SecondRoundNeeded
            );
            if cc.outcome == Outcome::Allocated {
                prop_assert_eq!(cc.attributed(), cc_seats);
            }
        }

        /// More voix for list i, the others unchanged (the exprimés grow by
        /// the same amount), never costs list i a seat. Other lists can lose
        /// seats, or fall under the threshold as the exprimés grow: only list
        /// i is asserted, and only when both allocations are final.
        #[test]
        fn more_voix_never_cost_a_seat(
            method in method_strategy(),
            seats in 0u32..40,
            lists in lists_strategy(1..7),
            extra in 0u64..300,
            pick in any::<prop::sample::Index>(),
            more in 1u64..2000,
        ) {
            let i = pick.index(lists.len());
            let exprimes = lists.iter().map(|l| l.voix).sum::<u64>() + extra;
            let before = allocate(method, seats, exprimes, &lists);
            let mut richer = lists.clone();
            richer[i].voix += more;
            let after = allocate(method, seats, exprimes + more, &richer);
            if before.is_final() && after.is_final() {
                prop_assert!(
                    after.lists[i].seats >= before.lists[i].seats,
                    "list {} went from {} to {} seats", lists[i].id,
                    before.lists[i].seats, after.lists[i].seats
                );
            }
        }
    }
}
