//! A realistic electoral roll, generated deterministically from a seed,
//! for tests, load measurements and the demo: the streets of a commune,
//! their découpage into the bureaux given, the electors in households
//! along them, and some procurations.
//!
//! What it guarantees (and its tests check):
//! - the découpage covers both sides of every street, from its start to
//!   its end, without gap or overlap ([`super::decoupage_check`] finds
//!   nothing), in ranges that follow the streets in order, so each bureau
//!   is a run of neighbouring streets of about the same number of electors;
//! - every elector's bureau is the one [`super::bureau_of`] gives his address;
//! - the procurations (about 2 % of the electors, 9 in 10 established in
//!   France, all in force on [`ELECTION_DAY`]) respect L73: no mandataire
//!   holds more than two, nor more than one established in France; mandants
//!   and mandataires are distinct people of the liste générale, and no
//!   mandant is a mandataire;
//! - ages on [`ELECTION_DAY`] from 18 to 100, in the proportions of the
//!   French adult population; households of one to four adults sharing a
//!   name, married people with a nom d'usage, compound given names,
//!   accents and particles; buildings with several households;
//! - about 2.5 % of the households are citizens of another member state of
//!   the EU, on the liste complémentaire municipale and, half of them, on
//!   the européenne too (two records with the same INE);
//! - records unique on the engine's unique sets (identity and list; INE
//!   and list).
//!
//! Ids run from 1 in each table in the order of the vectors, as a loader
//! inserting them in order into empty tables gets them. Pure: SplitMix64,
//! no IO, no `rand`; 33,000 electors take a few tens of milliseconds.

pub mod names;

use std::collections::{HashMap, HashSet};

use super::decoupage::{Range, Voie};
use super::procuration::Procuration;
use super::roll::Elector;
use super::{Cote, Date, ElectorId, EtablieA, Liste, Sexe, VoieId};
use names::{
    AUTHORITIES_ABROAD, AUTHORITIES_FRANCE, BIRTHPLACES, BIRTHPLACES_ABROAD, Country, EU, FEMALE,
    MALE, STREET_NAMES, STREET_TYPES, SURNAMES,
};

/// The commune of the fixture (the sample commune of `election-data`).
pub const COMMUNE: &str = "Valbonne-sur-Rhône";

/// The day the fixture's ages and procurations are computed for: the first
/// tour of the sample commune's présidentielle; the second is 14 days later.
pub const ELECTION_DAY: Date = match Date::new(2027, 4, 11) {
    Some(d) => d,
    None => panic!("a valid date"),
};

/// A generated roll: plain rows of the module's tables.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fixture {
    pub voies: Vec<Voie>,
    pub ranges: Vec<Range>,
    pub electors: Vec<Elector>,
    pub procurations: Vec<Procuration>,
}

/// SplitMix64 (shared by the catalogue's fixtures).
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }

    /// A number in `lo..=hi`.
    pub(crate) fn between(&mut self, lo: u32, hi: u32) -> u32 {
        lo + self.below(u64::from(hi.saturating_sub(lo)) + 1) as u32
    }

    /// True `per_mille` times in a thousand.
    pub(crate) fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }

    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    pub(crate) fn weighted<T: Copy>(&mut self, items: &[(T, u64)]) -> T {
        let total: u64 = items.iter().map(|(_, w)| w).sum();
        let mut x = self.below(total);
        for (item, w) in items {
            if x < *w {
                return *item;
            }
            x -= w;
        }
        items[items.len() - 1].0
    }
}

/// A range of one side being built: first and last number (None: the
/// start, the end of the street), index of the bureau.
type Piece = (Option<u32>, Option<u32>, usize);

/// An address of the commune (some have a « bis »).
struct Address {
    voie: usize,
    numero: u32,
    complement: Option<&'static str>,
    building: bool,
}

/// Weights of the age bands of couples…
const COUPLE_AGES: &[((u32, u32), u64)] = &[
    ((18, 24), 5),
    ((25, 34), 15),
    ((35, 49), 24),
    ((50, 64), 27),
    ((65, 79), 21),
    ((80, 100), 8),
];

/// …and of people living alone (students, widows and widowers), so that
/// with the families' the roll has about the French proportions of 18 and
/// over: 10 % of 18–24, 14 % of 25–34, 23 % of 35–49, 24 % of 50–64, 20 %
/// of 65–79, 8 % of 80 and over.
const SINGLE_AGES: &[((u32, u32), u64)] = &[
    ((18, 24), 12),
    ((25, 34), 13),
    ((35, 49), 15),
    ((50, 64), 20),
    ((65, 79), 22),
    ((80, 100), 18),
];

/// An age on the election day.
fn adult_age(rng: &mut Rng, bands: &[((u32, u32), u64)]) -> u32 {
    let (lo, hi) = rng.weighted(bands);
    if lo == 80 {
        // Fewer at 100 than at 80.
        rng.between(lo, hi).min(rng.between(lo, hi))
    } else {
        rng.between(lo, hi)
    }
}

/// A date of birth for someone `age` years old on [`ELECTION_DAY`].
fn birth_date(rng: &mut Rng, age: u32) -> Date {
    let age = i32::try_from(age).unwrap_or(18);
    let latest = ELECTION_DAY.years_before(age).days();
    let earliest = ELECTION_DAY.years_before(age + 1).days() + 1;
    Date::from_days(earliest + rng.below((latest - earliest + 1) as u64) as i64)
}

/// One to three given names, the first of the sex's list.
fn given_names(rng: &mut Rng, list: &[&str]) -> String {
    let mut names: Vec<&str> = vec![*rng.pick(list)];
    for per_mille in [550, 150] {
        if !rng.chance(per_mille) {
            break;
        }
        let more = *rng.pick(list);
        if !names.contains(&more) {
            names.push(more);
        }
    }
    names.join(" ")
}

/// A surname; a few double ones (« Martin-Dupont »).
fn surname(rng: &mut Rng, list: &[&str]) -> String {
    let first = *rng.pick(list);
    if rng.chance(30) {
        let second = *rng.pick(list);
        if second != first {
            return format!("{first}-{second}");
        }
    }
    first.to_string()
}

/// Who a household's members are, before they are placed.
#[derive(Clone)]
struct Person {
    nom_naissance: String,
    nom_usage: Option<String>,
    prenoms: String,
    sexe: Sexe,
    age: u32,
    lieu: String,
    /// Index in the fixture's persons (several records share it).
    person: usize,
    eu: bool,
}

struct Generator<'a> {
    rng: Rng,
    persons: usize,
    country: Option<&'a Country>,
}

impl Generator<'_> {
    fn sexed_names(&self, sexe: Sexe) -> &'static [&'static str] {
        match (self.country, sexe) {
            (Some(c), Sexe::F) => c.3,
            (Some(c), Sexe::M) => c.4,
            (None, Sexe::F) => FEMALE,
            (None, Sexe::M) => MALE,
        }
    }

    fn family_name(&mut self) -> String {
        match self.country {
            Some(c) => self.rng.pick(c.2).to_string(),
            None => surname(&mut self.rng, SURNAMES),
        }
    }

    fn birthplace(&mut self, age: u32) -> String {
        match self.country {
            Some(c) if age > 22 || self.rng.chance(300) => {
                format!("{} ({})", self.rng.pick(c.1), c.0)
            }
            _ if self.rng.chance(if age < 30 { 450 } else { 250 }) => COMMUNE.to_string(),
            None if age > 40 && self.rng.chance(80) => {
                self.rng.pick(BIRTHPLACES_ABROAD).to_string()
            }
            _ => self.rng.pick(BIRTHPLACES).to_string(),
        }
    }

    fn person(&mut self, sexe: Sexe, age: u32, nom: String) -> Person {
        self.persons += 1;
        let list = self.sexed_names(sexe);
        let prenoms = given_names(&mut self.rng, list);
        Person {
            nom_naissance: nom,
            nom_usage: None,
            prenoms,
            sexe,
            age,
            lieu: self.birthplace(age),
            person: self.persons,
            eu: self.country.is_some(),
        }
    }

    fn sex(&mut self) -> Sexe {
        if self.rng.chance(520) {
            Sexe::F
        } else {
            Sexe::M
        }
    }

    /// The adults of one household.
    fn household(&mut self) -> Vec<Person> {
        let kind = self.rng.weighted(&[
            ("seul", 35),
            ("couple", 40),
            ("famille", 15),
            ("parent", 5),
            ("colocation", 5),
        ]);
        let mut out = Vec::new();
        match kind {
            "seul" => {
                let (sexe, age) = (self.sex(), adult_age(&mut self.rng, SINGLE_AGES));
                let nom = self.family_name();
                out.push(self.person(sexe, age, nom));
            }
            "colocation" => {
                for _ in 0..2 {
                    let sexe = self.sex();
                    let age = self.rng.between(19, 32);
                    let nom = self.family_name();
                    out.push(self.person(sexe, age, nom));
                }
            }
            "parent" => {
                let sexe = self.sex();
                let age = self.rng.between(42, 70);
                let nom = self.family_name();
                let parent = self.person(sexe, age, nom.clone());
                let child_age = age - self.rng.between(22, 36);
                out.push(parent);
                if child_age >= 18 {
                    let s = self.sex();
                    out.push(self.person(s, child_age, nom));
                }
            }
            _ => {
                let family = kind == "famille";
                let age = if family {
                    self.rng.between(42, 78)
                } else {
                    adult_age(&mut self.rng, COUPLE_AGES).max(20)
                };
                let other_age = (age + self.rng.between(0, 10))
                    .saturating_sub(5)
                    .clamp(18, 100);
                let same_sex = self.rng.chance(40);
                let (s1, s2) = if same_sex {
                    let s = self.sex();
                    (s, s)
                } else {
                    (Sexe::M, Sexe::F)
                };
                let nom1 = self.family_name();
                let nom2 = self.family_name();
                let a = self.person(s1, age, nom1.clone());
                let mut b = self.person(s2, other_age, nom2.clone());
                let married = age >= 25 && self.rng.chance(if family { 800 } else { 600 });
                if married && !same_sex && nom1 != nom2 {
                    let x = self.rng.below(100);
                    if x < 80 {
                        b.nom_usage = Some(nom1.clone());
                    } else if x < 90 {
                        b.nom_usage = Some(format!("{nom1}-{nom2}"));
                    }
                }
                let younger = age.min(other_age);
                out.push(a);
                out.push(b);
                if family {
                    for _ in 0..self.rng.between(1, 2) {
                        let gap = self.rng.between(22, 38);
                        if younger < gap + 18 {
                            break;
                        }
                        let child_age = younger - gap;
                        // A double name, possible since 2005, for a few.
                        let nom = if child_age <= 21 && self.rng.chance(120) && nom1 != nom2 {
                            format!("{nom1} {nom2}")
                        } else {
                            nom1.clone()
                        };
                        let s = self.sex();
                        out.push(self.person(s, child_age, nom));
                    }
                }
            }
        }
        out
    }
}

/// The streets of the commune, unique libellés.
fn make_streets(rng: &mut Rng, count: usize) -> Vec<(Voie, u32)> {
    let types: Vec<((&str, u32, u32), u64)> = STREET_TYPES
        .iter()
        .map(|(t, w, lo, hi)| ((*t, *lo, *hi), *w))
        .collect();
    let mut seen: HashSet<String> = HashSet::new();
    let mut out = Vec::with_capacity(count);
    let mut round = 0usize;
    while out.len() < count {
        let (kind, lo, hi) = rng.weighted(&types);
        let name = rng.pick(STREET_NAMES);
        let suffix = match round / (4 * STREET_NAMES.len()) {
            0 => String::new(),
            1 => " prolongée".to_string(),
            n => format!(" ({n})"),
        };
        round += 1;
        let libelle = format!("{kind} {name}{suffix}");
        if !seen.insert(libelle.clone()) {
            continue;
        }
        let i = out.len();
        out.push((
            Voie {
                id: i as VoieId + 1,
                libelle,
                code: Some(format!("{:04}", 10 + 5 * i)),
                commune: Some(COMMUNE.to_string()),
            },
            rng.between(lo, hi),
        ));
    }
    out
}

/// A roll of `electors` records over `bureaux` (codes, in the order the
/// découpage gives them streets), from `seed`. Empty without bureaux.
pub fn roll(seed: u64, bureaux: &[String], electors: usize) -> Fixture {
    if bureaux.is_empty() {
        return Fixture::default();
    }
    let mut rng = Rng(seed ^ 0x0E1E_C000_0000_0001);
    let streets = make_streets(&mut rng, (electors / 100).max(1));

    // Addresses: most numbers of each side up to the street's last.
    let mut addresses: Vec<Address> = Vec::new();
    for (i, (_, highest)) in streets.iter().enumerate() {
        for numero in 1..=*highest {
            if !rng.chance(850) {
                continue;
            }
            addresses.push(Address {
                voie: i,
                numero,
                complement: None,
                building: rng.chance(150),
            });
            if rng.chance(30) {
                addresses.push(Address {
                    voie: i,
                    numero,
                    complement: Some(if rng.chance(800) { "bis" } else { "ter" }),
                    building: false,
                });
            }
        }
    }
    if addresses.is_empty() {
        addresses.push(Address {
            voie: 0,
            numero: 1,
            complement: None,
            building: false,
        });
    }
    // Visit them in a shuffled order, so the streets fill evenly.
    let mut order: Vec<usize> = (0..addresses.len()).collect();
    for i in (1..order.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        order.swap(i, j);
    }

    // People, household by household, address by address.
    struct Placed {
        person: Person,
        address: usize,
        household: usize,
        liste: Liste,
    }
    let mut people = Generator {
        rng: Rng(rng.next()),
        persons: 0,
        country: None,
    };
    let mut placed: Vec<Placed> = Vec::with_capacity(electors);
    let mut households = 0usize;
    let mut cursor = 0usize;
    while placed.len() < electors && !order.is_empty() {
        let address = order[cursor % order.len()];
        cursor += 1;
        let count = if addresses[address].building {
            people.rng.between(3, 12)
        } else {
            1
        };
        for _ in 0..count {
            people.country = if people.rng.chance(25) {
                Some(people.rng.pick(EU))
            } else {
                None
            };
            households += 1;
            let both = people.country.is_some() && people.rng.chance(500);
            for person in people.household() {
                if placed.len() >= electors {
                    break;
                }
                let lists: &[Liste] = match (person.eu, both) {
                    (false, _) => &[Liste::Generale],
                    (true, false) => &[Liste::ComplementaireMunicipale],
                    (true, true) => &[
                        Liste::ComplementaireMunicipale,
                        Liste::ComplementaireEuropeenne,
                    ],
                };
                for liste in lists {
                    if placed.len() >= electors {
                        break;
                    }
                    placed.push(Placed {
                        person: person.clone(),
                        address,
                        household: households,
                        liste: *liste,
                    });
                }
            }
        }
    }

    // The découpage: streets in order, each side from its start, the
    // bureaux taking the electors in turn up to their share; first the
    // electors per house number, street by street.
    let mut per_number: Vec<Vec<usize>> = streets
        .iter()
        .map(|(_, highest)| vec![0; *highest as usize + 1])
        .collect();
    for p in &placed {
        let a = &addresses[p.address];
        per_number[a.voie][a.numero as usize] += 1;
    }
    let total = placed.len();
    let share = |b: usize| (b + 1) * total / bureaux.len();
    let mut b = 0usize;
    let mut assigned = 0usize;
    let mut ranges: Vec<Range> = Vec::new();
    let mut bureau_at: Vec<Vec<usize>> = per_number.iter().map(|v| vec![0; v.len()]).collect();
    for (i, (voie, _)) in streets.iter().enumerate() {
        let mut sides: Vec<Vec<Piece>> = Vec::new();
        for s in 0..2 {
            let mut side = Vec::new();
            let mut start: Option<u32> = None;
            let mut previous: Option<u32> = None;
            let numbers = (0..per_number[i].len() as u32)
                .filter(|n| n % 2 == (1 - s as u32) && per_number[i][*n as usize] > 0);
            for numero in numbers {
                if assigned >= share(b) && b + 1 < bureaux.len() {
                    if let Some(prev) = previous {
                        side.push((start, Some(prev), b));
                        start = Some(prev + 2);
                    }
                    b += 1;
                }
                assigned += per_number[i][numero as usize];
                bureau_at[i][numero as usize] = b;
                previous = Some(numero);
            }
            side.push((start, None, b));
            sides.push(side);
        }
        let whole = |side: &Vec<Piece>| match side.as_slice() {
            [(None, None, b)] => Some(*b),
            _ => None,
        };
        match (whole(&sides[0]), whole(&sides[1])) {
            (Some(x), Some(y)) if x == y => ranges.push(Range {
                id: ranges.len() as i64 + 1,
                voie: voie.id,
                cote: Cote::Tous,
                numero_debut: None,
                numero_fin: None,
                bureau: bureaux[x].clone(),
            }),
            _ => {
                for (side, cote) in sides.into_iter().zip([Cote::Impair, Cote::Pair]) {
                    for (debut, fin, b) in side {
                        ranges.push(Range {
                            id: ranges.len() as i64 + 1,
                            voie: voie.id,
                            cote,
                            numero_debut: debut,
                            numero_fin: fin,
                            bureau: bureaux[b].clone(),
                        });
                    }
                }
            }
        }
    }

    // The records, unique on identity and list.
    let ine_offset = seed % 900_000_000;
    // A hash of each identity: two equal ones hash the same, and two
    // different ones that collide only shift a date of birth by a day.
    let mut identities: HashSet<u64> = HashSet::new();
    let mut birth: HashMap<usize, Date> = HashMap::new();
    let mut records: Vec<Elector> = Vec::with_capacity(placed.len());
    let mut household_of: Vec<usize> = Vec::with_capacity(placed.len());
    for p in &placed {
        let a = &addresses[p.address];
        let mut date = *birth
            .entry(p.person.person)
            .or_insert_with(|| birth_date(&mut people.rng, p.person.age));
        while !identities.insert(identity_hash(&p.person, date, p.liste)) {
            date = date.add_days(-1);
        }
        let ine = 100_000_000 + (p.person.person as u64 * 7_919 + ine_offset) % 900_000_000;
        records.push(Elector {
            id: records.len() as ElectorId + 1,
            nom_naissance: p.person.nom_naissance.clone(),
            nom_usage: p.person.nom_usage.clone(),
            prenoms: p.person.prenoms.clone(),
            sexe: p.person.sexe,
            date_naissance: date,
            lieu_naissance: p.person.lieu.clone(),
            adresse_numero: Some(a.numero),
            adresse_complement: a.complement.map(str::to_string),
            voie: streets[a.voie].0.id,
            bureau: bureaux[bureau_at[a.voie][a.numero as usize]].clone(),
            ine: Some(ine.to_string()),
            liste: p.liste,
        });
        household_of.push(p.household);
    }

    let procurations = make_procurations(&mut people.rng, &records, &household_of);
    Fixture {
        voies: streets.into_iter().map(|(v, _)| v).collect(),
        ranges,
        electors: records,
        procurations,
    }
}

/// FNV-1a over what the engine's identity set holds.
fn identity_hash(p: &Person, date: Date, liste: Liste) -> u64 {
    let mut h: u64 = 0xCBF2_9CE4_8422_2325;
    let parts = [
        p.nom_naissance.as_bytes(),
        p.prenoms.as_bytes(),
        p.lieu.as_bytes(),
        &date.days().to_le_bytes(),
        &[liste as u8],
    ];
    for part in parts {
        for b in part.iter().chain([&0xFF]) {
            h = (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01B3);
        }
    }
    h
}

/// About 2 % of the electors give a procuration, within L73.
fn make_procurations(
    rng: &mut Rng,
    records: &[Elector],
    household_of: &[usize],
) -> Vec<Procuration> {
    let generale: Vec<usize> = (0..records.len())
        .filter(|&i| records[i].liste == Liste::Generale)
        .collect();
    let mut by_household: HashMap<usize, Vec<usize>> = HashMap::new();
    for &i in &generale {
        by_household.entry(household_of[i]).or_default().push(i);
    }
    let wanted = (records.len() * 2).div_ceil(100);
    let mut mandants: HashSet<usize> = HashSet::new();
    // Per mandataire: (procurations held, of which established in France).
    let mut held: HashMap<usize, (u8, u8)> = HashMap::new();
    let mut out: Vec<Procuration> = Vec::new();
    let mut attempts = 0usize;
    while out.len() < wanted && attempts < wanted * 20 && generale.len() >= 2 {
        attempts += 1;
        let mandant = *rng.pick(&generale);
        if mandants.contains(&mandant) || held.contains_key(&mandant) {
            continue;
        }
        let family = &by_household[&household_of[mandant]];
        let mandataire = if family.len() > 1 && rng.chance(500) {
            *rng.pick(family)
        } else {
            *rng.pick(&generale)
        };
        let france = rng.chance(900);
        let (total, in_france) = held.get(&mandataire).copied().unwrap_or((0, 0));
        if mandataire == mandant
            || mandants.contains(&mandataire)
            || total >= 2
            || (france && in_france >= 1)
        {
            continue;
        }
        mandants.insert(mandant);
        held.insert(mandataire, (total + 1, in_france + u8::from(france)));
        let second = ELECTION_DAY.add_days(14);
        let (debut, fin, elections) = match rng.below(100) {
            0..=34 => (ELECTION_DAY, None, Some("Présidentielle 2027, 1er tour")),
            35..=64 => (
                ELECTION_DAY,
                Some(second),
                Some("Présidentielle 2027, 1er et 2d tours"),
            ),
            _ => {
                let debut = ELECTION_DAY.add_days(-(rng.below(200) as i64) - 5);
                let fin = debut.add_days(180 + rng.below(186) as i64).max(second);
                (debut, Some(fin), None)
            }
        };
        let (etablie_a, lieu) = if france {
            (EtablieA::France, *rng.pick(AUTHORITIES_FRANCE))
        } else {
            (EtablieA::Etranger, *rng.pick(AUTHORITIES_ABROAD))
        };
        out.push(Procuration {
            id: out.len() as i64 + 1,
            mandant: records[mandant].id,
            mandataire: records[mandataire].id,
            debut,
            fin,
            elections: elections.map(str::to_string),
            etablie_a,
            lieu: Some(lieu.to_string()),
        });
    }
    out
}

// ---------------------------------------------------------------------------
// CSV.

/// A field for a `;`-separated file, quoted when it must be.
pub(crate) fn field(s: &str) -> String {
    if s.contains([';', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

pub(crate) fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref()
        .map_or_else(String::new, |x| field(&x.to_string()))
}

pub(crate) fn table(header: &[&str], rows: impl Iterator<Item = Vec<String>>) -> String {
    let mut out = header.join(";");
    out.push('\n');
    for row in rows {
        out.push_str(&row.join(";"));
        out.push('\n');
    }
    out
}

impl Fixture {
    /// The fixture as four `;`-separated UTF-8 files, (file name, content):
    /// `voies.csv`, `decoupage.csv`, `electeurs.csv`, `procurations.csv`,
    /// one column per field of the module's entity (named as the field,
    /// codes for choices, `YYYY-MM-DD` dates) after `id`. `electeurs.csv`
    /// has a `bureau` column, so the night's setup reads it as a roll (one
    /// row per elector; keep the liste générale's rows for an election of
    /// it alone).
    pub fn csv(&self) -> Vec<(&'static str, String)> {
        let voies = table(
            &["id", "libelle", "code", "commune"],
            self.voies.iter().map(|v| {
                vec![
                    v.id.to_string(),
                    field(&v.libelle),
                    opt(&v.code),
                    opt(&v.commune),
                ]
            }),
        );
        let ranges = table(
            &["id", "voie", "cote", "numero_debut", "numero_fin", "bureau"],
            self.ranges.iter().map(|r| {
                vec![
                    r.id.to_string(),
                    r.voie.to_string(),
                    r.cote.code().to_string(),
                    opt(&r.numero_debut),
                    opt(&r.numero_fin),
                    field(&r.bureau),
                ]
            }),
        );
        let electors = table(
            &[
                "id",
                "nom_naissance",
                "nom_usage",
                "prenoms",
                "sexe",
                "date_naissance",
                "lieu_naissance",
                "adresse_numero",
                "adresse_complement",
                "voie",
                "bureau",
                "liste",
                "ine",
            ],
            self.electors.iter().map(|e| {
                vec![
                    e.id.to_string(),
                    field(&e.nom_naissance),
                    opt(&e.nom_usage),
                    field(&e.prenoms),
                    e.sexe.code().to_string(),
                    e.date_naissance.to_string(),
                    field(&e.lieu_naissance),
                    opt(&e.adresse_numero),
                    opt(&e.adresse_complement),
                    e.voie.to_string(),
                    field(&e.bureau),
                    e.liste.code().to_string(),
                    opt(&e.ine),
                ]
            }),
        );
        let procurations = table(
            &[
                "id",
                "mandant",
                "mandataire",
                "debut",
                "fin",
                "elections",
                "etablie_a",
                "lieu",
            ],
            self.procurations.iter().map(|p| {
                vec![
                    p.id.to_string(),
                    p.mandant.to_string(),
                    p.mandataire.to_string(),
                    p.debut.to_string(),
                    opt(&p.fin),
                    opt(&p.elections),
                    p.etablie_a.code().to_string(),
                    opt(&p.lieu),
                ]
            }),
        );
        vec![
            ("voies.csv", voies),
            ("decoupage.csv", ranges),
            ("electeurs.csv", electors),
            ("procurations.csv", procurations),
        ]
    }

    /// The elector of an id (ids run from 1 in order).
    pub fn elector(&self, id: ElectorId) -> Option<&Elector> {
        usize::try_from(id - 1)
            .ok()
            .and_then(|i| self.electors.get(i))
            .filter(|e| e.id == id)
    }
}
