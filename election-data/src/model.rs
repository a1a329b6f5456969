//! The shape of an election: what is being voted on, where, and by whom.
//!
//! An [`Election`] is defined once, before the night, and then only read: the
//! bureaux with their inscrits from the roll, the perimeter tree they are
//! grouped in, and the candidates or lists on the ballot. [`Election::check`]
//! refuses a definition that the tally could not work with (dangling parents,
//! duplicate codes, cycles), so every other module may assume a sound tree.
//!
//! A [`ProcesVerbal`] is what a bureau sends: its counts as signed integers,
//! exactly as typed, so that a negative number reaches the validation rules
//! (and gets a message naming the field) instead of failing in a parser.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde::{Deserialize, Serialize};

/// The kinds of French elections Urne knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ElectionKind {
    Presidentielle,
    Legislatives,
    Europeennes,
    Regionales,
    Departementales,
    Municipales,
    Communautaires,
    Referendum,
}

impl ElectionKind {
    /// The French label shown on public pages.
    pub fn label_fr(self) -> &'static str {
        match self {
            ElectionKind::Presidentielle => "Élection présidentielle",
            ElectionKind::Legislatives => "Élections législatives",
            ElectionKind::Europeennes => "Élections européennes",
            ElectionKind::Regionales => "Élections régionales",
            ElectionKind::Departementales => "Élections départementales",
            ElectionKind::Municipales => "Élections municipales",
            ElectionKind::Communautaires => "Élections communautaires",
            ElectionKind::Referendum => "Référendum",
        }
    }

    /// Voted on lists (municipales, communautaires, européennes, régionales)
    /// rather than on candidates: the pages say "liste", the files carry
    /// lists, and seats may be allocated.
    pub fn is_list(self) -> bool {
        matches!(
            self,
            ElectionKind::Municipales
                | ElectionKind::Communautaires
                | ElectionKind::Europeennes
                | ElectionKind::Regionales
        )
    }

    /// National elections are under embargo until the last polls close.
    pub fn is_national(self) -> bool {
        matches!(
            self,
            ElectionKind::Presidentielle | ElectionKind::Europeennes | ElectionKind::Referendum
        )
    }
}

/// The kinds of grouping a bureau can belong to.
///
/// The first five are the perimeters of one commune's night (and the
/// circonscription or canton a commune is split between); the last three
/// are territories larger than a commune, which an election may cover as a
/// whole: an intercommunalité, a département, or any other grouping of
/// communes (a prefecture's selection).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PerimeterKind {
    Commune,
    Circonscription,
    Canton,
    Quartier,
    Village,
    /// Établissement public de coopération intercommunale (communauté de
    /// communes, d'agglomération, urbaine, métropole).
    Epci,
    Departement,
    /// Any other grouping of communes.
    Territoire,
}

impl PerimeterKind {
    pub fn label_fr(self) -> &'static str {
        match self {
            PerimeterKind::Commune => "Commune",
            PerimeterKind::Circonscription => "Circonscription",
            PerimeterKind::Canton => "Canton",
            PerimeterKind::Quartier => "Quartier",
            PerimeterKind::Village => "Village",
            PerimeterKind::Epci => "Intercommunalité",
            PerimeterKind::Departement => "Département",
            PerimeterKind::Territoire => "Territoire",
        }
    }

    /// Whether a perimeter of this kind can hold communes: the kinds that
    /// are grouped of whole communes (a circonscription and a canton may
    /// also be parts of one commune).
    pub fn groups_communes(self) -> bool {
        !matches!(
            self,
            PerimeterKind::Commune | PerimeterKind::Quartier | PerimeterKind::Village
        )
    }
}

/// A node of the perimeter tree. Exactly one perimeter has no parent: it is
/// the root and contains every bureau. The root is the commune of a
/// one-commune night (the simplest case, nothing more to define); for a
/// territory (a circonscription, a canton, an EPCI, a département, any
/// grouping) it is that territory, and its communes are perimeters of kind
/// `commune` whose code is their INSEE code, each with its own perimeters
/// below (quartiers, villages) and every bureau in exactly one commune.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Perimeter {
    pub code: String,
    pub name: String,
    pub kind: PerimeterKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// A commune's population as authenticated by INSEE (the *population
    /// municipale* of the last authenticated census, R.25-1 and L.2121-2
    /// CGCT): it sets the size of the municipal council (L.2121-2) and
    /// whether the under-1,000 rules apply. Only on perimeters of kind
    /// `commune`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub population: Option<u32>,
    /// A commune's seats at the community council, in municipales over a
    /// territory (the election's `cc_seats` is the one commune's otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cc_seats: Option<u32>,
}

/// A polling station.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bureau {
    /// Unique within the election. A bureau is numbered within its commune
    /// (the ministry's `Code BV` repeats across communes): in a territory
    /// of several communes its code is `INSEE-NUMBER` (`29019-0001`), and
    /// [`Election::bureau_number`] gives the number back.
    pub code: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// Inscrits according to the electoral roll.
    pub inscrits: u32,
    /// The perimeters the bureau sits in directly (a quartier, a canton…).
    /// Their ancestors, up to the commune, are implied.
    #[serde(default)]
    pub perimeters: Vec<String>,
}

/// A candidate (uninominal ballot) or a list (list ballot).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candidate {
    /// Ballot-panel number; identifies the candidate within the election.
    pub number: u32,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nuance: Option<String>,
    /// Display colour, `#rrggbb`.
    pub colour: String,
    /// Candidates on the list for the municipal council (list ballots);
    /// None when the list is complete (as many candidates as seats).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list_size: Option<u32>,
    /// Candidates on the list's community list (L.273-9), when the
    /// election has `cc_seats`; None when complete: the community seats plus
    /// one under five seats, plus two otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cc_list_size: Option<u32>,
    /// The commune (INSEE code of a perimeter of kind `commune`) where the
    /// list stands, for municipales over a territory of several communes:
    /// each commune elects its own council on its own lists. None: on the
    /// ballot of every bureau.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commune: Option<String>,
    /// The number on the commune's panels, when it is not `number`: each
    /// commune numbers its lists from 1, while `number` identifies the
    /// list within the election.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub panel: Option<u32>,
    /// The candidate's (or the head of list's) sex as the ministry's files
    /// print it (`M`, `F`), kept so that they are written back as read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sexe: Option<String>,
}

impl Candidate {
    /// A candidate with nothing but its number, name and colour.
    pub fn new(number: u32, name: impl Into<String>, colour: impl Into<String>) -> Candidate {
        Candidate {
            number,
            name: name.into(),
            nuance: None,
            colour: colour.into(),
            list_size: None,
            cc_list_size: None,
            commune: None,
            panel: None,
            sexe: None,
        }
    }

    /// The number printed on the panels of its commune.
    pub fn panel_number(&self) -> u32 {
        self.panel.unwrap_or(self.number)
    }
}

/// An election (one round) and everything that is fixed before the night.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Election {
    /// URL-safe identifier: lowercase letters, digits and dashes.
    pub id: String,
    pub label: String,
    pub kind: ElectionKind,
    pub round: u8,
    /// Polling day, `YYYY-MM-DD`.
    pub date: String,
    /// The hours at which turnout is reported, `HH:MM`, in order.
    #[serde(default)]
    pub turnout_hours: Vec<String>,
    /// Before this instant (RFC 3339, e.g. `2027-04-11T20:00:00+02:00`) the
    /// public sees participation only. Set it for national elections: no
    /// result may be public before the last polls close.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub embargo: Option<String>,
    /// When true, two independent entries of a PV must agree before the
    /// bureau can be validated.
    #[serde(default)]
    pub double_entry: bool,
    /// Seats to fill (list elections).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seats: Option<u32>,
    /// The commune's seats at the community council (conseil communautaire
    /// of its EPCI), from the prefectural order: municipales of a commune of
    /// 1,000 inhabitants and more elect them on the same ballot (L.273-6,
    /// L.273-8 code électoral).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cc_seats: Option<u32>,
    /// The previous election of the same kind (or the other round), whose
    /// turnout the participation page shows alongside, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<PreviousElection>,
    pub perimeters: Vec<Perimeter>,
    pub bureaux: Vec<Bureau>,
    pub candidates: Vec<Candidate>,
}

/// Turnout of an earlier election in the same commune, for comparison.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviousElection {
    pub label: String,
    pub inscrits: u64,
    /// Final votants.
    pub votants: u64,
    /// Votants at the set hours of that day.
    #[serde(default)]
    pub turnout: Vec<TurnoutReading>,
}

/// Voix of one candidate in a procès-verbal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CandidateVoix {
    pub candidate: u32,
    pub voix: i64,
}

/// Votants at a set hour of the day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TurnoutReading {
    pub hour: String,
    pub votants: i64,
}

/// The counts of one bureau, as entered. Validate with
/// [`crate::validate::check_pv`] before trusting any of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcesVerbal {
    pub inscrits: i64,
    pub votants: i64,
    pub blancs: i64,
    pub nuls: i64,
    pub exprimes: i64,
    pub voix: Vec<CandidateVoix>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub turnout: Vec<TurnoutReading>,
}

impl ProcesVerbal {
    /// Voix of a candidate, 0 when absent.
    pub fn voix_of(&self, candidate: u32) -> i64 {
        self.voix
            .iter()
            .filter(|v| v.candidate == candidate)
            .map(|v| v.voix)
            .sum()
    }
}

/// Why an election definition cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[error("{field}: {message}")]
pub struct DefinitionError {
    pub field: String,
    pub message: String,
}

fn def_err(field: impl Into<String>, message: impl Into<String>) -> DefinitionError {
    DefinitionError {
        field: field.into(),
        message: message.into(),
    }
}

fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn is_code(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 32
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn is_hour(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 5
        && b[2] == b':'
        && b[..2].iter().chain(&b[3..]).all(u8::is_ascii_digit)
        && s[..2].parse::<u8>().is_ok_and(|h| h < 24)
        && s[3..].parse::<u8>().is_ok_and(|m| m < 60)
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
        && s[5..7].parse::<u8>().is_ok_and(|m| (1..=12).contains(&m))
        && s[8..10].parse::<u8>().is_ok_and(|d| (1..=31).contains(&d))
}

/// `YYYY-MM-DDTHH:MM:SS` followed by `Z` or `±HH:MM` (fractions not accepted).
fn is_rfc3339(s: &str) -> bool {
    if s.len() < 20 || !s.is_char_boundary(10) || !s.is_char_boundary(19) {
        return false;
    }
    let (date, rest) = s.split_at(10);
    let (time, zone) = rest.split_at(9);
    let t = time.as_bytes();
    is_date(date)
        && (t[0] == b'T' || t[0] == b't')
        && is_hour(&time[1..6])
        && t[6] == b':'
        && time[7..9].parse::<u8>().is_ok_and(|x| x < 60)
        && (zone == "Z"
            || (zone.len() == 6
                && (zone.starts_with('+') || zone.starts_with('-'))
                && is_hour(&zone[1..])))
}

fn is_colour(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 7 && b[0] == b'#' && b[1..].iter().all(u8::is_ascii_hexdigit)
}

impl Election {
    /// Checks the definition; returns every problem found, not just the first.
    pub fn check(&self) -> Result<(), Vec<DefinitionError>> {
        let mut errs = Vec::new();
        if !is_slug(&self.id) {
            errs.push(def_err(
                "id",
                "l'identifiant doit faire 1 à 64 caractères parmi a-z, 0-9 et -",
            ));
        }
        if self.label.trim().is_empty() {
            errs.push(def_err("label", "le libellé est obligatoire"));
        }
        if !(1..=2).contains(&self.round) {
            errs.push(def_err("round", "le tour doit être 1 ou 2"));
        }
        if !is_date(&self.date) {
            errs.push(def_err("date", "la date doit être au format AAAA-MM-JJ"));
        }
        for (i, h) in self.turnout_hours.iter().enumerate() {
            if !is_hour(h) {
                errs.push(def_err(
                    format!("turnout_hours[{i}]"),
                    "l'heure doit être au format HH:MM",
                ));
            }
        }
        if let Some(e) = &self.embargo
            && !is_rfc3339(e)
        {
            errs.push(def_err(
                "embargo",
                "l'embargo doit être une date et heure RFC 3339, par exemple 2027-04-11T20:00:00+02:00",
            ));
        }
        if let Some(p) = &self.previous {
            if p.votants > p.inscrits {
                errs.push(def_err(
                    "previous.votants",
                    "les votants du scrutin précédent ne peuvent dépasser ses inscrits",
                ));
            }
            for (i, t) in p.turnout.iter().enumerate() {
                if !is_hour(&t.hour) || t.votants < 0 || t.votants.unsigned_abs() > p.votants {
                    errs.push(def_err(
                        format!("previous.turnout[{i}]"),
                        "heure HH:MM et votants entre 0 et les votants de la clôture",
                    ));
                }
            }
        }
        if !self.turnout_hours.windows(2).all(|w| w[0] < w[1]) {
            errs.push(def_err(
                "turnout_hours",
                "les heures de participation doivent être distinctes et dans l'ordre",
            ));
        }

        // Perimeters: unique codes, known parents, a single commune root, no cycle.
        let mut codes = HashSet::with_capacity(self.perimeters.len());
        for (i, p) in self.perimeters.iter().enumerate() {
            if !is_code(&p.code) {
                errs.push(def_err(
                    format!("perimeters[{i}].code"),
                    "code invalide (1 à 32 caractères parmi A-Z, a-z, 0-9, - et _)",
                ));
            }
            if !codes.insert(p.code.as_str()) {
                errs.push(def_err(
                    format!("perimeters[{i}].code"),
                    format!("le périmètre {} est défini deux fois", p.code),
                ));
            }
        }
        let roots: Vec<_> = self
            .perimeters
            .iter()
            .filter(|p| p.parent.is_none())
            .collect();
        let root_kind = match roots.as_slice() {
            [root] => Some(root.kind),
            _ => {
                errs.push(def_err(
                    "perimeters",
                    "il faut exactement un périmètre racine (sans parent) : la commune ou le territoire",
                ));
                None
            }
        };
        if root_kind.is_some_and(|k| !k.groups_communes() && k != PerimeterKind::Commune) {
            errs.push(def_err(
                "perimeters",
                "le périmètre racine doit être une commune ou un territoire (circonscription, canton, intercommunalité, département, territoire)",
            ));
        }
        for (i, p) in self.perimeters.iter().enumerate() {
            if let Some(parent) = &p.parent
                && !codes.contains(parent.as_str())
            {
                errs.push(def_err(
                    format!("perimeters[{i}].parent"),
                    format!("périmètre parent inconnu : {parent}"),
                ));
            }
        }
        let index = PerimeterIndex::new(&self.perimeters);
        if errs.is_empty() {
            for p in &self.perimeters {
                if index.ancestors(&p.code).is_none() {
                    errs.push(def_err(
                        "perimeters",
                        format!("le périmètre {} fait partie d'un cycle", p.code),
                    ));
                    break;
                }
            }
        }

        let territory = root_kind.is_some_and(|k| k != PerimeterKind::Commune);
        if errs.is_empty() {
            self.check_communes(&index, territory, &mut errs);
        }

        if self.bureaux.is_empty() {
            errs.push(def_err("bureaux", "il faut au moins un bureau"));
        }
        let mut bcodes: HashSet<&str, Fx> =
            HashSet::with_capacity_and_hasher(self.bureaux.len(), Fx::default());
        for (i, b) in self.bureaux.iter().enumerate() {
            if !is_code(&b.code) {
                errs.push(def_err(
                    format!("bureaux[{i}].code"),
                    "code invalide (1 à 32 caractères parmi A-Z, a-z, 0-9, - et _)",
                ));
            }
            if !bcodes.insert(b.code.as_str()) {
                errs.push(def_err(
                    format!("bureaux[{i}].code"),
                    format!("le bureau {} est défini deux fois", b.code),
                ));
            }
            if b.name.trim().is_empty() {
                errs.push(def_err(
                    format!("bureaux[{i}].name"),
                    "le nom est obligatoire",
                ));
            }
            for (j, p) in b.perimeters.iter().enumerate() {
                if !codes.contains(p.as_str()) {
                    errs.push(def_err(
                        format!("bureaux[{i}].perimeters[{j}]"),
                        format!("périmètre inconnu : {p}"),
                    ));
                }
            }
        }

        if self.candidates.is_empty() {
            errs.push(def_err(
                "candidates",
                "il faut au moins un candidat ou une liste",
            ));
        }
        let mut numbers = HashSet::with_capacity(self.candidates.len());
        for (i, c) in self.candidates.iter().enumerate() {
            if c.number == 0 {
                errs.push(def_err(
                    format!("candidates[{i}].number"),
                    "le numéro de panneau commence à 1",
                ));
            }
            if !numbers.insert(c.number) {
                errs.push(def_err(
                    format!("candidates[{i}].number"),
                    format!("le panneau {} est attribué deux fois", c.number),
                ));
            }
            if c.name.trim().is_empty() {
                errs.push(def_err(
                    format!("candidates[{i}].name"),
                    "le nom est obligatoire",
                ));
            }
            if !is_colour(&c.colour) {
                errs.push(def_err(
                    format!("candidates[{i}].colour"),
                    "la couleur doit être au format #rrggbb",
                ));
            }
        }
        self.check_councils(&mut errs);
        if errs.is_empty() { Ok(()) } else { Err(errs) }
    }

    /// The population, the community seats and the lists' lengths: each
    /// problem names its field and the rule.
    fn check_councils(&self, errs: &mut Vec<DefinitionError>) {
        use crate::council;
        let municipal = self.kind == ElectionKind::Municipales;
        let territory = self.is_territory();
        for (i, p) in self.perimeters.iter().enumerate() {
            match p.population {
                Some(_) if p.kind != PerimeterKind::Commune => errs.push(def_err(
                    format!("perimeters[{i}].population"),
                    "seule une commune a une population légale (périmètre de type commune)",
                )),
                Some(0) => errs.push(def_err(
                    format!("perimeters[{i}].population"),
                    "la population légale compte au moins un habitant : une commune sans habitant n'élit pas de conseil municipal",
                )),
                _ => {}
            }
            if let Some(cc) = p.cc_seats {
                let field = format!("perimeters[{i}].cc_seats");
                if p.kind != PerimeterKind::Commune || !territory {
                    errs.push(def_err(
                        field,
                        "les sièges communautaires d'une commune se donnent sur la commune d'un territoire (pour une seule commune : cc_seats de l'élection)",
                    ));
                } else {
                    check_cc_seats(errs, field, cc, municipal, p.population);
                }
            }
        }
        let population = self.root().and_then(|r| r.population);
        if let Some(cc) = self.cc_seats {
            if municipal && territory {
                errs.push(def_err(
                    "cc_seats",
                    "dans un territoire, chaque commune a ses sièges communautaires : donnez-les sur la commune (perimeters[…].cc_seats)",
                ));
            } else {
                check_cc_seats(errs, "cc_seats".to_string(), cc, municipal, population);
            }
        }
        if let Some(s) = self.seats
            && s > council::MAX_SEATS
        {
            errs.push(def_err(
                "seats",
                format!(
                    "au-delà de {} sièges, la répartition est refusée",
                    council::MAX_SEATS
                ),
            ));
        }
        let index = PerimeterIndex::new(&self.perimeters);
        self.check_commune_lists(&index, errs);
        let seats = if municipal {
            council::municipal_seats(self.seats, population)
        } else {
            self.seats.filter(|s| *s > 0)
        };
        for (i, c) in self.candidates.iter().enumerate() {
            // A commune's list is measured against that commune's council.
            let commune = c.commune.as_deref().and_then(|code| index.get(code));
            let (seats, cc_seats) = match commune {
                Some(m) => (council::municipal_seats(None, m.population), m.cc_seats),
                None => (seats, self.cc_seats),
            };
            if let Some(n) = c.list_size {
                if !self.kind.is_list() {
                    errs.push(def_err(
                        format!("candidates[{i}].list_size"),
                        "la longueur de liste ne vaut que pour un scrutin de liste",
                    ));
                } else if n == 0 {
                    errs.push(def_err(
                        format!("candidates[{i}].list_size"),
                        "une liste compte au moins un candidat",
                    ));
                } else if let Some(s) = seats.filter(|_| municipal)
                    && n > council::max_municipal_list(s)
                {
                    errs.push(def_err(
                        format!("candidates[{i}].list_size"),
                        format!(
                            "{n} candidats pour {s} sièges : une liste en compte au plus deux de plus que de sièges (L.260, L.252)"
                        ),
                    ));
                }
            }
            if let Some(n) = c.cc_list_size {
                let field = format!("candidates[{i}].cc_list_size");
                let Some(cc) = cc_seats.filter(|_| municipal) else {
                    errs.push(def_err(
                        field,
                        "une liste communautaire suppose des sièges communautaires (cc_seats) à des municipales",
                    ));
                    continue;
                };
                let most = council::community_list_size(cc);
                if n == 0 {
                    errs.push(def_err(
                        field,
                        "une liste communautaire compte au moins un candidat",
                    ));
                } else if n > most {
                    errs.push(def_err(
                        field,
                        format!(
                            "{n} candidats pour {cc} sièges communautaires : la liste en compte {most} (L.273-9 : un de plus sous cinq sièges, deux sinon)"
                        ),
                    ));
                } else if let Some(m) = c.list_size.or(seats)
                    && n > m
                {
                    errs.push(def_err(
                        field,
                        format!(
                            "{n} candidats communautaires pour {m} candidats au conseil municipal : les candidats communautaires figurent sur la liste municipale (L.273-9)"
                        ),
                    ));
                }
            }
        }
    }

    /// Lists standing commune by commune: only at municipales over a
    /// territory, every list in one of its communes, every commune with a
    /// list, panels numbered once per commune.
    fn check_commune_lists(&self, index: &PerimeterIndex<'_>, errs: &mut Vec<DefinitionError>) {
        if !self.has_commune_lists() {
            if self.kind == ElectionKind::Municipales
                && self.is_territory()
                && self.communes().len() > 1
            {
                errs.push(def_err(
                    "candidates",
                    "des municipales sur plusieurs communes : chaque commune élit son conseil sur ses propres listes, donnez sa commune (code INSEE) à chaque liste",
                ));
            }
            return;
        }
        if self.kind != ElectionKind::Municipales || !self.is_territory() {
            errs.push(def_err(
                "candidates",
                "des listes commune par commune ne se présentent qu'aux municipales d'un territoire de plusieurs communes",
            ));
            return;
        }
        let mut panels: HashSet<(&str, u32)> = HashSet::with_capacity(self.candidates.len());
        for (i, c) in self.candidates.iter().enumerate() {
            let Some(code) = c.commune.as_deref() else {
                errs.push(def_err(
                    format!("candidates[{i}].commune"),
                    format!(
                        "la liste {} n'a pas de commune : aux municipales d'un territoire, chaque liste se présente dans une commune",
                        c.number
                    ),
                ));
                continue;
            };
            if !index
                .get(code)
                .is_some_and(|p| p.kind == PerimeterKind::Commune)
            {
                errs.push(def_err(
                    format!("candidates[{i}].commune"),
                    format!("commune inconnue du territoire : {code}"),
                ));
            }
            if c.panel == Some(0) {
                errs.push(def_err(
                    format!("candidates[{i}].panel"),
                    "le numéro de panneau commence à 1",
                ));
            } else if !panels.insert((code, c.panel_number())) {
                errs.push(def_err(
                    format!("candidates[{i}].panel"),
                    format!(
                        "le panneau {} de la commune {code} est attribué deux fois",
                        c.panel_number()
                    ),
                ));
            }
        }
        let with_lists: HashSet<&str, Fx> = self
            .candidates
            .iter()
            .filter_map(|c| c.commune.as_deref())
            .collect();
        for m in self.communes() {
            if !with_lists.contains(m.code.as_str()) {
                errs.push(def_err(
                    "candidates",
                    format!(
                        "aucune liste ne se présente dans la commune {} ({})",
                        m.name, m.code
                    ),
                ));
            }
        }
    }

    /// The territory's rules on communes (the tree is sound when called):
    /// no commune inside a commune, a commune's parent a grouping of
    /// communes, and in a territory every bureau in exactly one commune.
    fn check_communes(
        &self,
        index: &PerimeterIndex<'_>,
        territory: bool,
        errs: &mut Vec<DefinitionError>,
    ) {
        for (i, p) in self.perimeters.iter().enumerate() {
            if p.kind != PerimeterKind::Commune {
                continue;
            }
            let Some(parent) = p.parent.as_deref().and_then(|c| index.get(c)) else {
                continue;
            };
            if !parent.kind.groups_communes() || !territory {
                errs.push(def_err(
                    format!("perimeters[{i}].parent"),
                    format!(
                        "la commune {} ne peut être dans « {} » ({}) : une commune appartient à un territoire (circonscription, canton, intercommunalité, département, territoire) placé à la racine",
                        p.code,
                        parent.name,
                        parent.kind.label_fr()
                    ),
                ));
            }
        }
        if !territory {
            return;
        }
        let root = self.root();
        for (i, b) in self.bureaux.iter().enumerate() {
            let communes = communes_in(index, root, b);
            match communes.as_slice() {
                [_] => {}
                [] => errs.push(def_err(
                    format!("bureaux[{i}].perimeters"),
                    format!(
                        "le bureau {} n'est dans aucune commune du territoire : donnez-lui sa commune (code INSEE)",
                        b.code
                    ),
                )),
                several => errs.push(def_err(
                    format!("bureaux[{i}].perimeters"),
                    format!(
                        "le bureau {} est dans plusieurs communes ({})",
                        b.code,
                        several
                            .iter()
                            .map(|p| p.code.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )),
            }
        }
    }

    /// The communes among a bureau's perimeters and their ancestors.
    fn communes_of(&self, bureau: &Bureau) -> Vec<&Perimeter> {
        let mut out: Vec<&Perimeter> = Vec::new();
        for p in &bureau.perimeters {
            for a in self.ancestors(p).unwrap_or_default() {
                if let Some(per) = self.perimeter(a)
                    && per.kind == PerimeterKind::Commune
                    && !out.iter().any(|o| o.code == per.code)
                {
                    out.push(per);
                }
            }
        }
        if out.is_empty()
            && let Some(root) = self.root().filter(|r| r.kind == PerimeterKind::Commune)
        {
            out.push(root);
        }
        out
    }

    /// Whether the election covers a territory of several communes rather
    /// than one commune (its root is not a commune).
    pub fn is_territory(&self) -> bool {
        self.root()
            .is_some_and(|r| r.kind != PerimeterKind::Commune)
    }

    /// The commune a bureau votes in: the root of a one-commune election,
    /// the bureau's commune in a territory.
    pub fn commune_of(&self, bureau: &Bureau) -> Option<&Perimeter> {
        self.communes_of(bureau).into_iter().next()
    }

    /// The election's communes, in definition order: the root alone for a
    /// one-commune election.
    pub fn communes(&self) -> Vec<&Perimeter> {
        if !self.is_territory() {
            return self.root().into_iter().collect();
        }
        self.perimeters
            .iter()
            .filter(|p| p.kind == PerimeterKind::Commune)
            .collect()
    }

    /// A bureau's number within its commune: its code without the
    /// `INSEE-` prefix a territory's bureaux carry.
    pub fn bureau_number<'b>(&self, bureau: &'b Bureau) -> &'b str {
        self.commune_of(bureau)
            .and_then(|c| {
                bureau
                    .code
                    .strip_prefix(c.code.as_str())
                    .and_then(|r| r.strip_prefix('-'))
            })
            .filter(|n| !n.is_empty())
            .unwrap_or(&bureau.code)
    }

    pub fn bureau(&self, code: &str) -> Option<&Bureau> {
        self.bureaux.iter().find(|b| b.code == code)
    }

    pub fn perimeter(&self, code: &str) -> Option<&Perimeter> {
        self.perimeters.iter().find(|p| p.code == code)
    }

    pub fn candidate(&self, number: u32) -> Option<&Candidate> {
        self.candidates.iter().find(|c| c.number == number)
    }

    /// Whether the lists stand commune by commune (municipales over a
    /// territory) rather than on every bureau's ballot.
    pub fn has_commune_lists(&self) -> bool {
        self.candidates.iter().any(|c| c.commune.is_some())
    }

    /// Whether `candidate` is on the ballot of the commune coded `commune`
    /// (`None`: a perimeter spanning several communes, where only the
    /// election-wide candidates stand everywhere).
    pub fn stands_in(candidate: &Candidate, commune: Option<&str>) -> bool {
        match &candidate.commune {
            None => true,
            Some(c) => commune == Some(c.as_str()),
        }
    }

    /// The ballot of a bureau: the candidates its procès-verbal counts, in
    /// panel order.
    pub fn ballot(&self, bureau: &Bureau) -> Vec<&Candidate> {
        if !self.has_commune_lists() {
            return self.candidates.iter().collect();
        }
        let commune = self.commune_of(bureau).map(|c| c.code.as_str());
        self.candidates
            .iter()
            .filter(|c| Election::stands_in(c, commune))
            .collect()
    }

    /// The commune a perimeter lies in (itself for a commune), or `None`
    /// for one spanning several communes (a territory's root).
    pub fn commune_of_perimeter(&self, code: &str) -> Option<&Perimeter> {
        let ancestors = self.ancestors(code)?;
        ancestors
            .iter()
            .filter_map(|a| self.perimeter(a))
            .find(|p| p.kind == PerimeterKind::Commune)
    }

    /// The candidates standing in the whole of a perimeter: everyone, but
    /// with lists commune by commune only the lists of the perimeter's
    /// commune (none beyond one commune).
    pub fn candidates_in(&self, perimeter: &str) -> Vec<&Candidate> {
        if !self.has_commune_lists() {
            return self.candidates.iter().collect();
        }
        let commune = self
            .commune_of_perimeter(perimeter)
            .map(|c| c.code.as_str());
        self.candidates
            .iter()
            .filter(|c| Election::stands_in(c, commune))
            .collect()
    }

    /// One commune of a territory as an election of its own: the commune at
    /// the root with its perimeters below, its bureaux (codes kept), the
    /// candidates on its ballot (numbers kept) and, at municipales, its
    /// community seats as the election's. What a commune's printed records
    /// (its results, its proclamation) are made from. `None` when `code` is
    /// not one of the territory's communes; the election itself for a
    /// one-commune night.
    pub fn commune_election(&self, code: &str) -> Option<Election> {
        if !self.is_territory() {
            return self.root().filter(|r| r.code == code).map(|_| self.clone());
        }
        let commune = self
            .perimeter(code)
            .filter(|p| p.kind == PerimeterKind::Commune)?;
        let within = |p: &Perimeter| {
            self.ancestors(&p.code)
                .is_some_and(|a| a.contains(&commune.code.as_str()))
        };
        let perimeters = self
            .perimeters
            .iter()
            .filter(|p| within(p))
            .map(|p| {
                let mut p = p.clone();
                if p.code == commune.code {
                    p.parent = None;
                    p.cc_seats = None;
                }
                p
            })
            .collect();
        let bureaux = self
            .bureaux
            .iter()
            .filter(|b| self.commune_of(b).is_some_and(|m| m.code == commune.code))
            .map(|b| {
                let mut b = b.clone();
                // Perimeters outside the commune (a canton across communes) go.
                b.perimeters
                    .retain(|p| self.perimeter(p).is_some_and(&within));
                b
            })
            .collect();
        let candidates = self
            .candidates
            .iter()
            .filter(|c| Election::stands_in(c, Some(&commune.code)))
            .map(|c| Candidate {
                commune: None,
                ..c.clone()
            })
            .collect();
        Some(Election {
            id: self.id.clone(),
            label: format!("{} — {}", self.label, commune.name),
            seats: None,
            cc_seats: self.cc_seats_of(commune),
            perimeters,
            bureaux,
            candidates,
            ..self.clone()
        })
    }

    /// The community seats of a commune: the election's for a one-commune
    /// night, the commune's own in a territory.
    pub fn cc_seats_of(&self, commune: &Perimeter) -> Option<u32> {
        if self.is_territory() {
            commune.cc_seats
        } else {
            self.cc_seats
        }
    }

    /// The root perimeter (the commune). Present once [`Election::check`] passed.
    pub fn root(&self) -> Option<&Perimeter> {
        self.perimeters.iter().find(|p| p.parent.is_none())
    }

    /// `code` and its ancestors up to the root, or `None` on an unknown code or a cycle.
    pub fn ancestors(&self, code: &str) -> Option<Vec<&str>> {
        let mut out = Vec::new();
        let mut cur = self.perimeter(code)?;
        loop {
            if out.contains(&cur.code.as_str()) {
                return None;
            }
            out.push(cur.code.as_str());
            match &cur.parent {
                None => return Some(out),
                Some(p) => cur = self.perimeter(p)?,
            }
        }
    }

    /// Every perimeter a bureau counts towards: the root, its direct
    /// perimeters and all their ancestors, without repetition.
    pub fn perimeters_of(&self, bureau: &Bureau) -> BTreeSet<String> {
        let mut set = BTreeSet::new();
        if let Some(root) = self.root() {
            set.insert(root.code.clone());
        }
        for p in &bureau.perimeters {
            for a in self.ancestors(p).unwrap_or_default() {
                set.insert(a.to_string());
            }
        }
        set
    }

    /// For each perimeter, the codes of the bureaux it contains, in definition order.
    pub fn bureaux_by_perimeter(&self) -> BTreeMap<String, Vec<String>> {
        let mut map: BTreeMap<String, Vec<String>> = self
            .perimeters
            .iter()
            .map(|p| (p.code.clone(), Vec::new()))
            .collect();
        for (b, within) in self.bureaux.iter().zip(self.each_bureau_perimeters()) {
            for p in within {
                map.entry(p).or_default().push(b.code.clone());
            }
        }
        map
    }

    /// [`Election::perimeters_of`] of every bureau, in definition order,
    /// through one index of the perimeters (a territory of thousands of
    /// communes would otherwise search them for every bureau).
    pub fn each_bureau_perimeters(&self) -> Vec<BTreeSet<String>> {
        let index = PerimeterIndex::new(&self.perimeters);
        let root = self.root().map(|r| r.code.clone());
        self.bureaux
            .iter()
            .map(|b| {
                let mut set: BTreeSet<String> = root.iter().cloned().collect();
                for p in &b.perimeters {
                    for a in index.ancestors(p).unwrap_or_default() {
                        set.insert(a.to_string());
                    }
                }
                set
            })
            .collect()
    }

    /// The commune of every bureau ([`Election::commune_of`]), in
    /// definition order, through one index of the perimeters.
    pub fn each_bureau_commune(&self) -> Vec<Option<&Perimeter>> {
        let index = PerimeterIndex::new(&self.perimeters);
        let root = self.root().filter(|r| r.kind == PerimeterKind::Commune);
        self.bureaux
            .iter()
            .map(|b| {
                b.perimeters
                    .iter()
                    .flat_map(|p| index.ancestors(p).unwrap_or_default())
                    .filter_map(|a| index.get(a))
                    .find(|p| p.kind == PerimeterKind::Commune)
                    .or(root)
            })
            .collect()
    }

    /// Children of a perimeter, in definition order.
    pub fn children(&self, code: &str) -> Vec<&Perimeter> {
        self.perimeters
            .iter()
            .filter(|p| p.parent.as_deref() == Some(code))
            .collect()
    }

    pub fn total_inscrits(&self) -> u64 {
        self.bureaux.iter().map(|b| u64::from(b.inscrits)).sum()
    }
}

/// A small multiplicative hasher for maps keyed by an election's codes
/// (short strings and numbers from one's own definition or file: no
/// denial of service to fear), several times faster than the default one on
/// the 191,045 bureaux of a national file.
#[derive(Default, Clone, Copy)]
pub(crate) struct FxHasher(u64);

impl std::hash::Hasher for FxHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for w in &mut words {
            let word = <[u8; 8]>::try_from(w).map_or(0, u64::from_le_bytes);
            self.add(word);
        }
        let mut last = [0u8; 8];
        for (l, b) in last.iter_mut().zip(words.remainder()) {
            *l = *b;
        }
        self.add(u64::from_le_bytes(last) ^ (bytes.len() as u64) << 56);
    }
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
}

impl FxHasher {
    fn add(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

/// Builds [`FxHasher`]s.
pub(crate) type Fx = std::hash::BuildHasherDefault<FxHasher>;

/// The rules on a number of community seats (the election's or a
/// commune's in a territory).
fn check_cc_seats(
    errs: &mut Vec<DefinitionError>,
    field: String,
    cc: u32,
    municipal: bool,
    population: Option<u32>,
) {
    use crate::council;
    if !municipal {
        errs.push(def_err(
            field.clone(),
            "les sièges au conseil communautaire ne s'élisent qu'avec les municipales (L.273-6 du code électoral)",
        ));
    } else if council::under_1000(population) {
        errs.push(def_err(
            field.clone(),
            "sous 1 000 habitants, les conseillers communautaires sont désignés dans l'ordre du tableau (L.273-11), pas élus sur les listes : retirez cc_seats",
        ));
    }
    if cc == 0 || cc > council::MAX_SEATS {
        errs.push(def_err(
            field,
            format!(
                "le nombre de sièges communautaires va de 1 à {}",
                council::MAX_SEATS
            ),
        ));
    }
}

/// The perimeters by code, for the checks of a definition that walk the
/// tree from each perimeter and each bureau: a lookup in a map instead of a
/// scan of every perimeter, so that a territory of thousands of communes and
/// a national file's bureaux are checked in near-linear time. The first
/// perimeter of a code is the one found, as [`Election::perimeter`] finds it.
struct PerimeterIndex<'a> {
    by_code: HashMap<&'a str, &'a Perimeter>,
}

impl<'a> PerimeterIndex<'a> {
    fn new(perimeters: &'a [Perimeter]) -> PerimeterIndex<'a> {
        let mut by_code = HashMap::with_capacity(perimeters.len());
        for p in perimeters {
            by_code.entry(p.code.as_str()).or_insert(p);
        }
        PerimeterIndex { by_code }
    }

    fn get(&self, code: &str) -> Option<&'a Perimeter> {
        self.by_code.get(code).copied()
    }

    /// [`Election::ancestors`], through the map.
    fn ancestors(&self, code: &str) -> Option<Vec<&'a str>> {
        let mut out = Vec::new();
        let mut cur = self.get(code)?;
        loop {
            if out.contains(&cur.code.as_str()) {
                return None;
            }
            out.push(cur.code.as_str());
            match &cur.parent {
                None => return Some(out),
                Some(p) => cur = self.get(p)?,
            }
        }
    }
}

/// [`Election::communes_of`], through the map (`root` is the election's).
fn communes_in<'a>(
    index: &PerimeterIndex<'a>,
    root: Option<&'a Perimeter>,
    bureau: &Bureau,
) -> Vec<&'a Perimeter> {
    let mut out: Vec<&Perimeter> = Vec::new();
    for p in &bureau.perimeters {
        for a in index.ancestors(p).unwrap_or_default() {
            if let Some(per) = index.get(a)
                && per.kind == PerimeterKind::Commune
                && !out.iter().any(|o| o.code == per.code)
            {
                out.push(per);
            }
        }
    }
    if out.is_empty()
        && let Some(root) = root.filter(|r| r.kind == PerimeterKind::Commune)
    {
        out.push(root);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_commune_is_sound() {
        let e = crate::fixtures::sample_commune();
        assert_eq!(e.check(), Ok(()));
        assert!(e.bureaux.len() >= 30);
        assert!(e.candidates.len() >= 12);
        let by = e.bureaux_by_perimeter();
        let root = e.root().map(|r| r.code.clone()).unwrap_or_default();
        assert_eq!(by[&root].len(), e.bureaux.len());
    }

    #[test]
    fn a_territory_of_communes_is_sound_and_its_rules_are_checked() {
        let e = crate::fixtures::sample_circonscription();
        assert_eq!(e.check(), Ok(()));
        assert!(e.is_territory());
        assert_eq!(e.communes().len(), 4);
        let b = e.bureau("29075-0002").expect("bureau");
        assert_eq!(e.commune_of(b).map(|c| c.name.as_str()), Some("Guipavas"));
        assert_eq!(e.bureau_number(b), "0002");
        let by = e.bureaux_by_perimeter();
        assert_eq!(by["29019"].len(), 9);
        assert_eq!(by["CIRC-29-02"].len(), 20);
        // A bureau outside every commune, a commune inside a commune.
        let mut bad = e.clone();
        bad.bureaux[0].perimeters = vec!["CIRC-29-02".into()];
        bad.perimeters[5].parent = Some("29019".into());
        let errs = bad.check().expect_err("refused");
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        assert!(fields.contains(&"bureaux[0].perimeters"), "{errs:?}");
        assert!(fields.contains(&"perimeters[5].parent"), "{errs:?}");
        // A one-commune election has its commune at the root only.
        let one = crate::fixtures::sample_commune();
        assert!(!one.is_territory());
        assert_eq!(one.communes().len(), 1);
    }

    #[test]
    fn definition_errors_name_the_field() {
        let mut e = crate::fixtures::sample_commune();
        e.id = "Bad Id".into();
        e.bureaux[1].code = e.bureaux[0].code.clone();
        e.candidates[0].colour = "red".into();
        e.perimeters[1].parent = Some("nowhere".into());
        let errs = e.check().expect_err("must be refused");
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        assert!(fields.contains(&"id"));
        assert!(fields.contains(&"bureaux[1].code"));
        assert!(fields.contains(&"candidates[0].colour"));
        assert!(fields.contains(&"perimeters[1].parent"));
    }

    #[test]
    fn cycles_are_refused() {
        let mut e = crate::fixtures::sample_commune();
        let a = e.perimeters[1].code.clone();
        let b = e.perimeters[2].code.clone();
        e.perimeters[1].parent = Some(b);
        e.perimeters[2].parent = Some(a);
        assert!(e.check().is_err());
    }

    #[test]
    fn hours_and_dates() {
        assert!(is_hour("08:00") && is_hour("23:59") && !is_hour("24:00") && !is_hour("8:00"));
        assert!(is_date("2027-04-11") && !is_date("2027-13-01") && !is_date("11/04/2027"));
        assert!(is_rfc3339("2027-04-11T20:00:00+02:00") && is_rfc3339("2027-04-11T18:00:00Z"));
        assert!(
            !is_rfc3339("2027-04-11 20:00")
                && !is_rfc3339("2027-04-11T20:00:00")
                && !is_rfc3339("2027-04-11T25:00:00Z")
        );
    }

    #[test]
    fn municipales_of_a_territory_stand_commune_by_commune() {
        use crate::fixtures::{sample_municipal_territory, sample_pv};
        use crate::tally::{Aggregator, BureauRecord};
        let e = sample_municipal_territory();
        assert_eq!(e.check(), Ok(()));
        assert!(e.has_commune_lists());
        let guipavas = e.bureau("29075-0001").expect("bureau");
        let ballot: Vec<_> = e
            .ballot(guipavas)
            .iter()
            .map(|c| c.panel_number())
            .collect();
        assert_eq!(ballot, [1, 2]);
        assert_eq!(e.candidates_in("Q-29019-BELLEVUE").len(), 4);
        assert!(e.candidates_in("EPCI-BMO").is_empty());

        // Each tally scores its commune's lists; the territory none.
        let records = e
            .bureaux
            .iter()
            .enumerate()
            .map(|(i, b)| {
                (
                    b.code.clone(),
                    BureauRecord {
                        pv: Some(sample_pv(&e, b, i as u64)),
                        turnout: Vec::new(),
                    },
                )
            })
            .collect();
        let all = Aggregator::new(&e).all(&e, &records);
        let lists = |code: &str| all.perimeters[code].scores.len();
        assert_eq!(
            [
                lists("29019"),
                lists("29075"),
                lists("29189"),
                lists("29235")
            ],
            [4, 2, 3, 1]
        );
        assert_eq!(lists("EPCI-BMO"), 0);
        assert_eq!(all.bureaux["29075-0001"].scores.len(), 2);
        let pv = sample_pv(&e, guipavas, 1);
        assert!(!crate::validate::check_pv(&e, guipavas, &pv, None).is_blocking());

        let refused = |f: &dyn Fn(&mut Election)| {
            let mut bad = e.clone();
            f(&mut bad);
            bad.check().expect_err("refused")
        };
        let errs = refused(&|x| x.candidates[3].commune = None);
        assert_eq!(errs[0].field, "candidates[3].commune");
        let errs = refused(&|x| x.candidates[3].commune = Some("29999".into()));
        assert!(errs[0].message.contains("commune inconnue"), "{errs:?}");
        let errs = refused(&|x| x.candidates[9].commune = Some("29019".into()));
        assert!(
            errs.iter()
                .any(|e| e.message.contains("aucune liste") && e.message.contains("29235")),
            "{errs:?}"
        );
        let errs = refused(&|x| x.candidates[5].panel = Some(1));
        assert!(errs[0].message.contains("attribué deux fois"), "{errs:?}");
        let errs = refused(&|x| {
            for c in &mut x.candidates {
                c.commune = None;
            }
        });
        assert!(errs[0].message.contains("ses propres listes"), "{errs:?}");
        let errs = refused(&|x| x.cc_seats = Some(10));
        assert_eq!(errs[0].field, "cc_seats");
        // Le Relecq-Kerhuon (600 inhabitants) elects no community councillor.
        let errs = refused(&|x| {
            if let Some(p) = x.perimeters.iter_mut().find(|p| p.code == "29235") {
                p.cc_seats = Some(1);
            }
        });
        assert!(errs[0].message.contains("L.273-11"), "{errs:?}");
        let errs = refused(&|x| x.kind = ElectionKind::Legislatives);
        assert!(
            errs.iter()
                .any(|e| e.message.contains("commune par commune")),
            "{errs:?}"
        );
    }
}
