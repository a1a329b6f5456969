//! openScrutin's rules over a whole tour's staffing: the board of what
//! each bureau has and lacks on each time slot (R42), the presidency
//! order of the élus and the departures from it (R43), and the conflicts
//! between affectations (R42 al. 4, R44, R45, R47, L67).
//!
//! They look at many records at once, which the engine's per-record rules
//! cannot, so they are pure functions over plain structs ([`Person`],
//! [`Slot`], [`Assignment`]) that the server fills from the module's
//! tables (joining each affectation's poste for its [`Nature`]) for one
//! scrutin and one tour, then shows or exports. What they find is a
//! report ([`Board`], [`Issue`]), never a refusal: the desk decides. The
//! articles and the simplifications are listed in the parent module.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

use serde::Serialize;
use serde::ser::SerializeMap;

use super::{AssignmentId, Fonction, Nature, PersonId, PosteId, Qualite, SlotId};

/// A person who may be affected (a row of `personne`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub id: PersonId,
    pub nom: String,
    pub prenom: String,
    pub qualite: Qualite,
    /// An élu's office (None for others).
    pub fonction: Option<Fonction>,
    /// An élu's rank in the tableau du conseil municipal (from 1).
    pub rang: Option<i64>,
}

impl Person {
    /// « Prénom Nom ».
    pub fn name(&self) -> String {
        format!("{} {}", self.prenom, self.nom)
    }
}

/// A time of day, in minutes from midnight (0 to 1439).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Clock(u16);

impl Clock {
    pub fn new(hour: u8, minute: u8) -> Option<Clock> {
        (hour < 24 && minute < 60).then(|| Clock(u16::from(hour) * 60 + u16::from(minute)))
    }

    /// A time as stored by the engine (`HH:MM`) or typed (`8h30`).
    pub fn parse(s: &str) -> Option<Clock> {
        let t = module_engine::value::parse_time(s)?;
        let (h, m) = t.split_once(':')?;
        Clock::new(h.parse().ok()?, m.parse().ok()?)
    }

    pub fn minutes(self) -> u16 {
        self.0
    }

    /// Minutes from `self` to `end`; an end before the start is the next
    /// day (a count past midnight), an end equal to the start is nothing.
    pub fn minutes_until(self, end: Clock) -> i64 {
        let (start, end) = (i64::from(self.0), i64::from(end.0));
        if end >= start {
            end - start
        } else {
            end + 24 * 60 - start
        }
    }
}

impl fmt::Display for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.0 / 60, self.0 % 60)
    }
}

impl Serialize for Clock {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A time slot of one tour (a row of `creneau`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    pub id: SlotId,
    pub libelle: String,
    pub depouillement: bool,
    pub debut: Clock,
    pub fin: Clock,
}

/// An affectation, with its poste's nature joined in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub id: AssignmentId,
    pub person: PersonId,
    /// The bureau's code.
    pub bureau: String,
    pub poste: PosteId,
    pub nature: Nature,
    pub slot: SlotId,
    /// The candidate or list represented (assesseurs, délégués).
    pub candidat: Option<String>,
    /// Why the R43 presidency order is not followed.
    pub motif_derogation: Option<String>,
}

fn filled(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

// ---------------------------------------------------------------------------
// The board (R42).

/// Assesseurs titulaires a bureau needs at least (R42).
pub const MIN_ASSESSEURS: usize = 2;

/// How many affectations of each nature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts([usize; Nature::ALL.len()]);

impl Counts {
    pub fn get(&self, n: Nature) -> usize {
        self.0[n as usize]
    }

    fn add(&mut self, n: Nature) {
        self.0[n as usize] += 1;
    }

    fn absorb(&mut self, other: &Counts) {
        for (a, b) in self.0.iter_mut().zip(other.0) {
            *a += b;
        }
    }

    pub fn total(&self) -> usize {
        self.0.iter().sum()
    }
}

/// As an object `{ "president": 1, "assesseur": 2, … }` (every nature).
impl Serialize for Counts {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(Nature::ALL.len()))?;
        for n in Nature::ALL {
            m.serialize_entry(n.code(), &self.get(*n))?;
        }
        m.end()
    }
}

/// One bureau on one slot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cell {
    pub bureau: String,
    pub slot: SlotId,
    pub depouillement: bool,
    pub counts: Counts,
    /// The affectations of the cell, in the order given.
    pub assignments: Vec<AssignmentId>,
    /// What R42 still requires, in French: « président », « 1 assesseur »,
    /// « 2 assesseurs », « secrétaire ».
    pub missing: Vec<String>,
    /// Persons still needed: the président, the assesseurs, the secrétaire.
    pub missing_president: usize,
    pub missing_assesseurs: usize,
    pub missing_secretaire: usize,
}

impl Cell {
    pub fn is_complete(&self) -> bool {
        self.missing.is_empty()
    }
}

/// The sums over the board.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Totals {
    pub cells: usize,
    pub complete: usize,
    /// Affectations placed on the board, per nature.
    pub counts: Counts,
    pub missing_presidents: usize,
    pub missing_assesseurs: usize,
    pub missing_secretaires: usize,
}

/// Every bureau × slot of a tour, bureau by bureau, slots in their order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Board {
    pub cells: Vec<Cell>,
    pub totals: Totals,
    /// Affectations whose bureau or slot is not among those given.
    pub unplaced: Vec<AssignmentId>,
}

impl Board {
    pub fn is_complete(&self) -> bool {
        self.cells.iter().all(Cell::is_complete)
    }

    pub fn cell(&self, bureau: &str, slot: SlotId) -> Option<&Cell> {
        self.cells
            .iter()
            .find(|c| c.bureau == bureau && c.slot == slot)
    }

    pub fn incomplete(&self) -> impl Iterator<Item = &Cell> {
        self.cells.iter().filter(|c| !c.is_complete())
    }
}

/// The board of `bureaux` × `slots` (R42): the président (or the président
/// suppléant), at least [`MIN_ASSESSEURS`] assesseurs titulaires and the
/// secrétaire, on every slot including the dépouillement's.
pub fn board(bureaux: &[String], slots: &[Slot], assignments: &[Assignment]) -> Board {
    let mut cells: Vec<Cell> = bureaux
        .iter()
        .flat_map(|b| {
            slots.iter().map(move |s| Cell {
                bureau: b.clone(),
                slot: s.id,
                depouillement: s.depouillement,
                counts: Counts::default(),
                assignments: Vec::new(),
                missing: Vec::new(),
                missing_president: 0,
                missing_assesseurs: 0,
                missing_secretaire: 0,
            })
        })
        .collect();
    let index: HashMap<(&str, SlotId), usize> = cells
        .iter()
        .enumerate()
        .map(|(i, c)| ((c.bureau.as_str(), c.slot), i))
        .collect();
    let mut placed: Vec<Option<usize>> = Vec::with_capacity(assignments.len());
    for a in assignments {
        placed.push(index.get(&(a.bureau.as_str(), a.slot)).copied());
    }
    let mut unplaced = Vec::new();
    for (a, at) in assignments.iter().zip(placed) {
        match at {
            Some(i) => {
                cells[i].counts.add(a.nature);
                cells[i].assignments.push(a.id);
            }
            None => unplaced.push(a.id),
        }
    }
    let mut totals = Totals::default();
    for c in &mut cells {
        let k = &c.counts;
        c.missing_president = usize::from(k.get(Nature::President) + k.get(Nature::Suppleant) == 0);
        c.missing_assesseurs = MIN_ASSESSEURS.saturating_sub(k.get(Nature::Assesseur));
        c.missing_secretaire = usize::from(k.get(Nature::Secretaire) == 0);
        if c.missing_president > 0 {
            c.missing.push("président".into());
        }
        match c.missing_assesseurs {
            0 => {}
            1 => c.missing.push("1 assesseur".into()),
            n => c.missing.push(format!("{n} assesseurs")),
        }
        if c.missing_secretaire > 0 {
            c.missing.push("secrétaire".into());
        }
        totals.cells += 1;
        totals.complete += usize::from(c.is_complete());
        totals.counts.absorb(&c.counts);
        totals.missing_presidents += c.missing_president;
        totals.missing_assesseurs += c.missing_assesseurs;
        totals.missing_secretaires += c.missing_secretaire;
    }
    Board {
        cells,
        totals,
        unplaced,
    }
}

// ---------------------------------------------------------------------------
// The presidency (R43).

/// The élus in the order R43 calls them to preside: the maire, then the
/// adjoints, then the conseillers municipaux, each by rank in the tableau.
/// An élu without an office comes last, one without a rank after those
/// ranked; ties (bad data) go by name, then id, so the order is stable.
pub fn presidency_order(people: &[Person]) -> Vec<PersonId> {
    let mut elus: Vec<&Person> = people
        .iter()
        .filter(|p| p.qualite == Qualite::Elu)
        .collect();
    elus.sort_by(|a, b| {
        let key = |p: &Person| {
            (
                p.fonction.map_or(usize::MAX, |f| f as usize),
                p.rang.unwrap_or(i64::MAX),
            )
        };
        key(a)
            .cmp(&key(b))
            .then_with(|| a.nom.cmp(&b.nom))
            .then_with(|| a.prenom.cmp(&b.prenom))
            .then_with(|| a.id.cmp(&b.id))
    });
    elus.into_iter().map(|p| p.id).collect()
}

/// The presidents R43 gives by default: the bureaux, in the order given,
/// to the élus in [`presidency_order`]; with fewer élus than bureaux the
/// last bureaux get none (the maire then designates electors).
pub fn default_presidents(bureaux: &[String], people: &[Person]) -> Vec<(String, PersonId)> {
    bureaux
        .iter()
        .cloned()
        .zip(presidency_order(people))
        .collect()
}

/// The rule an [`Issue`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum IssueRule {
    /// A président out of the tableau's order without a motif (R43).
    PresidencyOrder,
    /// A person affected twice on one slot.
    DoubleBooking,
    /// A titulaire of a bureau who is also a member of another (R42 al. 4).
    OtherBureau,
    /// Two présidents or two secrétaires in one bureau on one slot (R42).
    SeveralInOnePost,
    /// A délégué who represents no candidate (L67, R47).
    DelegueWithoutCandidat,
    /// Two assesseurs (or suppléants, or délégués) of one candidate in a
    /// bureau (R44, R45, R47).
    OnePerCandidat,
}

impl IssueRule {
    /// A stable code for the API and exports.
    pub fn code(self) -> &'static str {
        match self {
            IssueRule::PresidencyOrder => "ordre_presidence",
            IssueRule::DoubleBooking => "double_affectation",
            IssueRule::OtherBureau => "autre_bureau",
            IssueRule::SeveralInOnePost => "poste_en_double",
            IssueRule::DelegueWithoutCandidat => "delegue_sans_candidat",
            IssueRule::OnePerCandidat => "un_par_candidat",
        }
    }

    /// The articles of the Code électoral behind the rule.
    pub fn article(self) -> &'static str {
        match self {
            IssueRule::PresidencyOrder => "R43",
            IssueRule::DoubleBooking => "",
            IssueRule::OtherBureau | IssueRule::SeveralInOnePost => "R42",
            IssueRule::DelegueWithoutCandidat => "L67, R47",
            IssueRule::OnePerCandidat => "R44, R45, R47",
        }
    }
}

impl Serialize for IssueRule {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

/// Something the desk should look at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Issue {
    pub rule: IssueRule,
    /// The articles, e.g. « R43 » (empty when no article is concerned).
    pub article: &'static str,
    pub bureau: Option<String>,
    pub slot: Option<SlotId>,
    pub person: Option<PersonId>,
    /// The affectations concerned, in the order given.
    pub assignments: Vec<AssignmentId>,
    /// What is wrong and what to do, in French.
    pub message: String,
}

impl Issue {
    fn new(rule: IssueRule, message: String) -> Issue {
        Issue {
            rule,
            article: rule.article(),
            bureau: None,
            slot: None,
            person: None,
            assignments: Vec::new(),
            message,
        }
    }
}

/// The présidents who depart from R43's order without a motif: a less
/// senior élu, or a non-élu, presiding on a slot where a more senior élu
/// presides no bureau. A non-empty `motif_derogation` on the affectation
/// accepts the departure. Issues come in the order of `bureaux` (others
/// after), then by slot.
pub fn presidency_issues(
    bureaux: &[String],
    people: &[Person],
    assignments: &[Assignment],
) -> Vec<Issue> {
    let order = presidency_order(people);
    let rank: HashMap<PersonId, usize> = order.iter().enumerate().map(|(i, p)| (*p, i)).collect();
    let by_id: HashMap<PersonId, &Person> = people.iter().map(|p| (p.id, p)).collect();
    let name = |id: PersonId| {
        by_id
            .get(&id)
            .map_or_else(|| format!("la personne n° {id}"), |p| p.name())
    };
    let presidents: Vec<&Assignment> = assignments
        .iter()
        .filter(|a| a.nature == Nature::President)
        .collect();
    let mut presiding: HashMap<SlotId, BTreeSet<PersonId>> = HashMap::new();
    for a in &presidents {
        presiding.entry(a.slot).or_default().insert(a.person);
    }
    let mut issues = Vec::new();
    for a in presidents {
        if filled(&a.motif_derogation).is_some() {
            continue;
        }
        let mine = rank.get(&a.person).copied().unwrap_or(usize::MAX);
        let on_slot = &presiding[&a.slot];
        let Some(senior) = order
            .iter()
            .take(mine)
            .find(|p| !on_slot.contains(p))
            .copied()
        else {
            continue;
        };
        let who = match by_id.get(&a.person) {
            Some(p) if p.qualite == Qualite::Elu => name(a.person),
            _ => format!("{}, qui n'est pas élu,", name(a.person)),
        };
        let mut issue = Issue::new(
            IssueRule::PresidencyOrder,
            format!(
                "bureau {} : {who} préside alors que {} ({}), mieux placé au tableau, ne \
                 préside aucun bureau sur ce créneau ; indiquer le motif de la dérogation \
                 (art. R43)",
                a.bureau,
                name(senior),
                by_id
                    .get(&senior)
                    .map_or_else(String::new, |p| seniority(p)),
            ),
        );
        issue.bureau = Some(a.bureau.clone());
        issue.slot = Some(a.slot);
        issue.person = Some(a.person);
        issue.assignments = vec![a.id];
        issues.push(issue);
    }
    let position = |b: &Option<String>| {
        b.as_deref()
            .and_then(|b| bureaux.iter().position(|x| x == b))
            .unwrap_or(usize::MAX)
    };
    issues.sort_by(|x, y| {
        (position(&x.bureau), &x.bureau, x.slot, &x.assignments).cmp(&(
            position(&y.bureau),
            &y.bureau,
            y.slot,
            &y.assignments,
        ))
    });
    issues
}

/// « maire », « adjoint au maire, rang 2 »…
fn seniority(p: &Person) -> String {
    let office = p.fonction.map_or("élu", |f| f.label()).to_lowercase();
    match p.rang {
        Some(r) => format!("{office}, rang {r}"),
        None => office,
    }
}

// ---------------------------------------------------------------------------
// Conflicts (R42 al. 4, R44, R45, R47, L67).

fn describe(a: &Assignment) -> String {
    format!("bureau {} ({})", a.bureau, a.nature.label().to_lowercase())
}

fn list(parts: &[String]) -> String {
    match parts {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} et {last}", init.join(", ")),
    }
}

/// Lower case without accents or extra spaces, to compare candidates.
fn candidat_key(s: &str) -> String {
    module_engine::value::fold(s)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The conflicts between the affectations of one tour (give one tour at a
/// time: R42's bar on sitting in two bureaux is per scrutin):
/// - a person affected twice on the same slot (the unique index forbids
///   it, but imports and the other tour's data may not have gone through it);
/// - a président, an assesseur titulaire or a secrétaire of one bureau who
///   is also a member, titulaire or suppléant, of another bureau (R42);
/// - two présidents or two secrétaires in one bureau on one slot (R42);
/// - a délégué or délégué suppléant whose `candidat` is empty (L67, R47);
/// - two assesseurs, assesseurs suppléants, délégués or délégués
///   suppléants of the same candidate in one bureau on one slot (R44,
///   R45, R47).
pub fn conflicts(assignments: &[Assignment]) -> Vec<Issue> {
    let mut issues = Vec::new();

    let mut by_person_slot: BTreeMap<(PersonId, SlotId), Vec<&Assignment>> = BTreeMap::new();
    let mut by_person: BTreeMap<PersonId, Vec<&Assignment>> = BTreeMap::new();
    let mut by_cell_nature: BTreeMap<(&str, SlotId, Nature), Vec<&Assignment>> = BTreeMap::new();
    let mut by_candidat: BTreeMap<(&str, SlotId, Nature, String), Vec<&Assignment>> =
        BTreeMap::new();
    for a in assignments {
        by_person_slot
            .entry((a.person, a.slot))
            .or_default()
            .push(a);
        by_person.entry(a.person).or_default().push(a);
        by_cell_nature
            .entry((a.bureau.as_str(), a.slot, a.nature))
            .or_default()
            .push(a);
        if a.nature.is_designated_by_candidate()
            && let Some(c) = filled(&a.candidat)
        {
            by_candidat
                .entry((a.bureau.as_str(), a.slot, a.nature, candidat_key(c)))
                .or_default()
                .push(a);
        }
    }

    for ((person, slot), group) in &by_person_slot {
        if group.len() < 2 {
            continue;
        }
        let places: Vec<String> = group.iter().map(|a| describe(a)).collect();
        let mut issue = Issue::new(
            IssueRule::DoubleBooking,
            format!(
                "personne affectée plusieurs fois sur ce créneau : {} ; une personne ne tient qu'un \
                 poste à la fois",
                list(&places)
            ),
        );
        issue.slot = Some(*slot);
        issue.person = Some(*person);
        issue.assignments = group.iter().map(|a| a.id).collect();
        issues.push(issue);
    }

    for (person, group) in &by_person {
        let members: Vec<&&Assignment> = group.iter().filter(|a| a.nature.is_member()).collect();
        let bureaux: BTreeSet<&str> = members.iter().map(|a| a.bureau.as_str()).collect();
        // A titulaire somewhere and a member of two bureaux: the titulaire
        // of one is a member of another.
        if bureaux.len() < 2 || !members.iter().any(|a| a.nature.is_titulaire()) {
            continue;
        }
        let mut places: Vec<String> = members.iter().map(|a| describe(a)).collect();
        places.dedup();
        let mut issue = Issue::new(
            IssueRule::OtherBureau,
            format!(
                "personne membre de plusieurs bureaux : {} ; le président, un assesseur titulaire ou le \
                 secrétaire d'un bureau ne peut être membre, titulaire ou suppléant, d'un autre \
                 bureau (art. R42)",
                list(&places)
            ),
        );
        issue.person = Some(*person);
        issue.assignments = members.iter().map(|a| a.id).collect();
        issues.push(issue);
    }

    for ((bureau, slot, nature), group) in &by_cell_nature {
        if group.len() < 2 || !matches!(nature, Nature::President | Nature::Secretaire) {
            continue;
        }
        let mut issue = Issue::new(
            IssueRule::SeveralInOnePost,
            format!(
                "bureau {bureau} : {} {}s sur ce créneau ; un bureau a un seul président et un \
                 seul secrétaire (art. R42)",
                group.len(),
                nature.label().to_lowercase()
            ),
        );
        issue.bureau = Some((*bureau).to_string());
        issue.slot = Some(*slot);
        issue.assignments = group.iter().map(|a| a.id).collect();
        issues.push(issue);
    }

    for a in assignments {
        if a.nature.is_delegue() && filled(&a.candidat).is_none() {
            let mut issue = Issue::new(
                IssueRule::DelegueWithoutCandidat,
                format!(
                    "bureau {} : {} sans candidat ni liste ; un délégué représente un candidat \
                     ou une liste, à indiquer (art. L67 et R47)",
                    a.bureau,
                    a.nature.label().to_lowercase()
                ),
            );
            issue.bureau = Some(a.bureau.clone());
            issue.slot = Some(a.slot);
            issue.person = Some(a.person);
            issue.assignments = vec![a.id];
            issues.push(issue);
        }
    }

    for ((bureau, slot, nature, _), group) in &by_candidat {
        if group.len() < 2 {
            continue;
        }
        let shown = filled(&group[0].candidat).unwrap_or_default();
        let mut issue = Issue::new(
            IssueRule::OnePerCandidat,
            format!(
                "bureau {bureau} : « {shown} » a {} affectations comme {} sur ce créneau ; \
                 chaque candidat ou liste en désigne un seul par bureau (art. R44, R45 et R47)",
                group.len(),
                nature.label().to_lowercase()
            ),
        );
        issue.bureau = Some((*bureau).to_string());
        issue.slot = Some(*slot);
        issue.assignments = group.iter().map(|a| a.id).collect();
        issues.push(issue);
    }

    issues
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clocks_read_the_engines_times_and_cross_midnight() {
        let c = |s| Clock::parse(s).expect("time");
        assert_eq!(c("08:00").minutes(), 480);
        assert_eq!(c("8h30").to_string(), "08:30");
        assert_eq!(Clock::parse("24:00"), None);
        assert_eq!(c("08:00").minutes_until(c("13:30")), 330);
        assert_eq!(c("20:00").minutes_until(c("00:30")), 270);
        assert_eq!(c("20:00").minutes_until(c("20:00")), 0);
    }

    #[test]
    fn french_lists_join_with_et() {
        let s = |v: &[&str]| list(&v.iter().map(|x| x.to_string()).collect::<Vec<_>>());
        assert_eq!(s(&["a"]), "a");
        assert_eq!(s(&["a", "b", "c"]), "a, b et c");
    }
}
