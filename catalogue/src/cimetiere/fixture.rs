//! A realistic set of cemeteries, generated deterministically from a
//! seed, for tests, load measurements and the demo: three cemeteries of
//! the commune, their zones on the plan, the places of each zone, the
//! concessions granted since the end of the nineteenth century with their
//! renewals, the défunts and their inhumations, and the reprises.
//!
//! What it guarantees (and the tests check, with the module's own rules):
//! - every row is accepted by the engine's per-record checks (through
//!   `module_engine::import`) and unique on the declared unique sets;
//! - zones lie within their cemetery's plan and places within their
//!   zone's grid ([`super::plan::zone_problems`], [`super::plan::place_problems`]);
//! - every renewal starts on the expiry of the previous period and was
//!   asked in the window of [`super::term::check_renewal`];
//! - every inhumation passes [`super::burial::check_burials`]: after the
//!   death (one to six days, as R2213-33 wants), within the capacity of
//!   its place per concession, under a concession of that place in force
//!   on its date and not pronounced taken back, urns only in columbarium
//!   niches and cavurnes, and in the terrain commun one grave every five
//!   years at least, without concession;
//! - every procedure of reprise passes [`super::reprise::check_reprises`]:
//!   steps in order with their delays, abandon only after thirty years and
//!   ten years after the last inhumation, the arrêté of a concession échue
//!   two years after its expiry; its state is the one its steps reach.
//!
//! The mix, for the default scale ([`PLACES`] places, [`BURIALS`]
//! inhumations): three cemeteries, about forty zones (a cinerary space and
//! a terrain commun in each cemetery, the rest « carrés » of graves and
//! vaults); about 70 % of the places conceded (perpétuelles granted before
//! 1986, cinquantenaires, trentenaires and temporaires), many expired
//! ones renewed, some left expired; about 1 % of the places in a reprise
//! under way (for abandon or non-renewal), some taken back in the past
//! and conceded again, a few procedures dropped. When the places cannot
//! hold `burials` inhumations within the rules, the fixture has fewer.
//!
//! Ids run from 1 in each table in the order of the vectors (renewals in
//! the order of the concessions, steps in the order of the procedures),
//! as a loader inserting them in order into empty tables gets them; the
//! défunts and inhumations are in the order of their dates, the défunt of
//! the n-th inhumation being the n-th défunt. Pure: SplitMix64, no IO.
//! The dates are as on [`TODAY`].

use super::plan::{CELL_HEIGHT, CELL_WIDTH};
use super::records::{
    Burial, Cemetery, Concession, ConcessionHistory, Defunt, Place, Renewal, Reprise, Step, Zone,
};
use super::reprise::{
    ABANDON_AFTER_YEARS, AFTER_LAST_BURIAL_YEARS, NON_RENEWAL_AFTER_YEARS, REMOVAL_AFTER_DAYS,
    SECOND_PV_AFTER_YEARS, reached,
};
use super::term::{EARLIEST_RENEWAL_YEARS, RENEWAL_GRACE_YEARS};
use super::{
    Date, Etape, EtatReprise, Motif, Nature, NatureInhumation, TypePlace, burial::ROTATION_YEARS,
};
use crate::elec::fixture::COMMUNE;
use crate::elec::fixture::names::{BIRTHPLACES, FEMALE, MALE, STREET_NAMES, SURNAMES};
use crate::elec::fixture::{Rng, field, opt, table};

/// The day the fixture is made for: nothing is dated after it.
pub const TODAY: Date = match Date::new(2026, 9, 1) {
    Some(d) => d,
    None => panic!("a valid date"),
};

/// The default number of places.
pub const PLACES: usize = 20_000;
/// The default number of inhumations.
pub const BURIALS: usize = 40_000;

/// A generated data set: plain rows of the module's tables.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fixture {
    pub cemeteries: Vec<Cemetery>,
    pub zones: Vec<Zone>,
    pub places: Vec<Place>,
    /// With their renewals.
    pub concessions: Vec<ConcessionHistory>,
    pub defunts: Vec<Defunt>,
    pub burials: Vec<Burial>,
    /// With their steps.
    pub reprises: Vec<Reprise>,
}

/// Days drawn with the catalogue's shared SplitMix64 (`elec::fixture::Rng`).
trait Days {
    /// A day in `from..until` (`from` when the span is empty).
    fn day(&mut self, from: Date, until: Date) -> Date;
    /// A day in `from..=to`.
    fn day_to(&mut self, from: Date, to: Date) -> Date;
}

impl Days for Rng {
    fn day(&mut self, from: Date, until: Date) -> Date {
        let span = until.days() - from.days();
        if span <= 0 {
            from
        } else {
            from.add_days(self.below(span as u64) as i64)
        }
    }

    fn day_to(&mut self, from: Date, to: Date) -> Date {
        self.day(from, to.add_days(1))
    }
}

fn ymd(y: i32, m: u8, d: u8) -> Date {
    Date::new(y, m, d).unwrap_or(TODAY)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ZoneKind {
    /// Graves and vaults.
    Carre,
    /// Columbarium niches and cavurnes.
    Cineraire,
    /// The terrain commun.
    Commun,
}

const TREES: &[&str] = &[
    "Tilleuls",
    "Cyprès",
    "Ifs",
    "Marronniers",
    "Platanes",
    "Chênes",
    "Érables",
    "Buis",
    "Acacias",
    "Saules",
    "Charmes",
    "Peupliers",
    "Ormes",
    "Frênes",
    "Bouleaux",
    "Lauriers",
    "Oliviers",
    "Pins",
];

const CEMETERIES: &[(&str, &str)] = &[
    ("Cimetière du Centre", "Rue du Vieux-Cimetière"),
    ("Cimetière Saint-Roch", "Chemin de Saint-Roch"),
    ("Cimetière paysager des Garrigues", "Route des Garrigues"),
];

const OBSERVATIONS: &[&str] = &[
    "Monument en granit gris",
    "Croix en fer forgé",
    "Stèle à restaurer",
    "Sépulture d'un ancien combattant",
    "Entourage en pierre ; plaque émaillée",
    "Inscription \"Regrets éternels\" sur la dalle",
    "Jardinière scellée",
];

/// Postal codes and towns of holders living elsewhere.
const TOWNS: &[(&str, &str)] = &[
    ("26000", "Valence"),
    ("84000", "Avignon"),
    ("69003", "Lyon"),
    ("13008", "Marseille"),
    ("75015", "Paris"),
    ("38000", "Grenoble"),
    ("07200", "Aubenas"),
    ("30000", "Nîmes"),
];
/// The commune's own postal code.
const POSTCODE: &str = "26140";

/// A span of days a concession may receive inhumations in.
struct Window {
    /// Index in the fixture's concessions.
    concession: usize,
    start: Date,
    /// Excluded.
    end: Date,
    capacity: u32,
    urns_only: bool,
}

struct Generator {
    rng: Rng,
    out: Fixture,
    windows: Vec<Window>,
    /// Per year of act, the last number given.
    acts: Vec<(i32, u32)>,
    renewals: i64,
    steps: i64,
}

/// `A`…`Z`, `AA`, `AB`…
fn zone_code(i: usize) -> String {
    let letter = |n: usize| char::from(b'A' + (n % 26) as u8);
    if i < 26 {
        letter(i).to_string()
    } else {
        format!("{}{}", letter(i / 26 - 1), letter(i))
    }
}

/// Euros to cents, at the tariffs of the 2000s (none before the euro).
fn price(nature: Nature, duree: Option<u32>, kind: TypePlace, on: Date) -> Option<i64> {
    if on.year() < 2002 {
        return None;
    }
    let base = match nature {
        Nature::Temporaire => 20 * i64::from(duree.unwrap_or(15)),
        Nature::Trentenaire => 600,
        Nature::Cinquantenaire => 1_100,
        Nature::Perpetuelle => 2_500,
    };
    let factor = match kind {
        TypePlace::Caveau => 16,
        TypePlace::CaseColumbarium => 14,
        _ => 10,
    };
    Some(base * factor * 10)
}

impl Generator {
    fn surname(&mut self) -> String {
        let first = *self.rng.pick(SURNAMES);
        if self.rng.chance(25) {
            let second = *self.rng.pick(SURNAMES);
            if second != first {
                return format!("{first}-{second}");
            }
        }
        first.to_string()
    }

    fn given(&mut self, female: bool) -> String {
        let list = if female { FEMALE } else { MALE };
        let first = *self.rng.pick(list);
        if self.rng.chance(250) {
            let second = *self.rng.pick(list);
            if second != first {
                return format!("{first} {second}");
            }
        }
        first.to_string()
    }

    fn act_number(&mut self, on: Date) -> String {
        let year = on.year();
        let n = match self.acts.iter_mut().find(|(y, _)| *y == year) {
            Some((_, n)) => {
                *n += 1;
                *n
            }
            None => {
                self.acts.push((year, 1));
                1
            }
        };
        format!("{year}-{n:04}")
    }

    /// A new concession of `place` (index), without renewals; its index.
    fn grant(&mut self, place: usize, nature: Nature, duree: Option<u32>, start: Date) -> usize {
        let p = &self.out.places[place];
        let (place_id, kind) = (p.id, p.kind);
        let nom = self.surname();
        let female = self.rng.chance(500);
        let prenom = self.given(female);
        let (code_postal, ville) = if self.rng.chance(750) {
            (POSTCODE, COMMUNE)
        } else {
            *self.rng.pick(TOWNS)
        };
        let adresse = format!(
            "{} rue {}",
            1 + self.rng.below(120),
            self.rng.pick(STREET_NAMES)
        );
        let ayants_droit = match self.rng.below(10) {
            0..=3 => None,
            4..=7 => Some(format!(
                "{prenom} {nom}\n{} {nom}\nLeurs descendants",
                self.given(!female)
            )),
            8 => Some(format!(
                "Famille {nom} ; conjoints et descendants de « {prenom} {nom} »"
            )),
            _ => Some(format!("Les enfants de {prenom} {nom}")),
        };
        let numero_acte = self.act_number(start);
        let id = self.out.concessions.len() as i64 + 1;
        self.out
            .concessions
            .push(ConcessionHistory::new(Concession {
                id,
                numero_acte,
                emplacement: place_id,
                nature,
                duree,
                date_debut: start,
                prix: price(nature, duree, kind, start),
                titulaire_nom: nom,
                titulaire_prenom: Some(prenom),
                titulaire_adresse: Some(adresse),
                titulaire_code_postal: Some(code_postal.to_string()),
                titulaire_ville: Some(ville.to_string()),
                ayants_droit,
            }));
        self.out.concessions.len() - 1
    }

    /// Renews concession `c` (index) period after period, as families do:
    /// most expired ones within the two years of L2223-15, a few ahead of
    /// their expiry; `until` is the last day a request may be dated.
    fn renew(&mut self, c: usize, until: Date) {
        let (kind, id) = {
            let h = &self.out.concessions[c];
            let place = h.place();
            let kind = self
                .out
                .places
                .get((place - 1) as usize)
                .map_or(TypePlace::PleineTerre, |p| p.kind);
            (kind, h.id())
        };
        loop {
            let h = &self.out.concessions[c];
            let Some(end) = h.current_end() else { return };
            let Some(nature) = h.periods().last().map(|p| p.nature) else {
                return;
            };
            let earliest = end.add_years(-EARLIEST_RENEWAL_YEARS);
            let latest = end.add_years(RENEWAL_GRACE_YEARS).add_days(-1);
            let asked = if end <= until {
                if !self.rng.chance(650) {
                    return;
                }
                self.rng.day_to(end.add_years(-1), latest.min(until))
            } else if earliest <= until && self.rng.chance(80) {
                let soon = end.add_years(-2);
                self.rng
                    .day_to(if soon <= until { soon } else { earliest }, until)
            } else {
                return;
            };
            let (nature, duree) = match nature {
                Nature::Temporaire if self.rng.chance(200) => (Nature::Trentenaire, None),
                Nature::Temporaire => (
                    Nature::Temporaire,
                    self.out.concessions[c]
                        .renewals
                        .last()
                        .map_or(self.out.concessions[c].concession.duree, |r| r.duree),
                ),
                other => (other, None),
            };
            self.renewals += 1;
            let r = Renewal {
                id: self.renewals,
                concession: id,
                date: asked,
                nature,
                duree,
                date_debut: end,
                prix: price(nature, duree, kind, asked),
            };
            self.out.concessions[c].renewals.push(r);
        }
    }

    fn window(&mut self, concession: usize, start: Date, end: Date) {
        let h = &self.out.concessions[concession];
        let Some(p) = self.out.places.get((h.place() - 1) as usize) else {
            return;
        };
        if start < end {
            self.windows.push(Window {
                concession,
                start,
                end,
                capacity: p.capacite,
                urns_only: p.kind.urns_only(),
            });
        }
    }

    /// The window of a concession with no reprise: from its act to its
    /// current expiry, or to the fixture's day.
    fn whole_window(&mut self, c: usize) {
        let h = &self.out.concessions[c];
        let start = h.concession.date_debut;
        let end = h
            .current_end()
            .map_or(TODAY.add_days(1), |e| e.min(TODAY.add_days(1)));
        self.window(c, start, end);
    }

    fn push_reprise(
        &mut self,
        c: usize,
        motif: Motif,
        opened: Date,
        steps: &[(Etape, Date)],
        etat: Option<EtatReprise>,
    ) {
        let id = self.out.reprises.len() as i64 + 1;
        let mut recorded = Vec::with_capacity(steps.len());
        for (etape, date) in steps {
            self.steps += 1;
            let observations = match etape {
                Etape::AvisFamille if self.rng.chance(300) => Some(
                    "Descendants inconnus : avis affiché à la mairie et à la porte du cimetière"
                        .to_string(),
                ),
                Etape::Deliberation => Some(format!(
                    "Délibération n° {}-{:03}",
                    date.year(),
                    1 + self.rng.below(150)
                )),
                Etape::Arrete => Some(format!(
                    "Arrêté n° {}-{:03}",
                    date.year(),
                    1 + self.rng.below(400)
                )),
                _ => None,
            };
            recorded.push(Step {
                id: self.steps,
                reprise: id,
                etape: *etape,
                date: *date,
                observations,
            });
        }
        let etat = etat.unwrap_or_else(|| reached(motif, &recorded));
        let concession = self.out.concessions[c].id();
        self.out.reprises.push(Reprise {
            id,
            concession,
            motif,
            date_ouverture: opened,
            etat,
            observations: None,
            steps: recorded,
        });
    }

    /// The full chain of an abandon opened (the avis) on `avis`.
    fn abandon_chain(&mut self, avis: Date) -> Vec<(Etape, Date)> {
        let pv = avis.add_months(1).add_days(self.rng.below(90) as i64);
        let notif = pv.add_days(1 + self.rng.below(8) as i64);
        let second = notif
            .add_years(SECOND_PV_AFTER_YEARS)
            .add_days(self.rng.below(120) as i64);
        let delib = second.add_months(1).add_days(self.rng.below(150) as i64);
        let arrete = delib.add_days(1 + self.rng.below(60) as i64);
        let removal = arrete
            .add_days(REMOVAL_AFTER_DAYS)
            .add_days(self.rng.below(180) as i64);
        vec![
            (Etape::AvisFamille, avis),
            (Etape::PvConstat, pv),
            (Etape::NotificationPv, notif),
            (Etape::SecondPv, second),
            (Etape::Deliberation, delib),
            (Etape::Arrete, arrete),
            (Etape::Enlevement, removal),
        ]
    }

    /// The chain of a concession échue at `end` taken back: an avis (most
    /// often), the arrêté two years after, the removal.
    fn non_renewal_chain(&mut self, end: Date) -> (Date, Vec<(Etape, Date)>) {
        let opened = end.add_days(self.rng.below(365) as i64);
        let mut chain = Vec::new();
        let mut after = opened;
        if self.rng.chance(700) {
            after = opened.add_days(self.rng.below(30) as i64);
            chain.push((Etape::AvisFamille, after));
        }
        let arrete = end
            .add_years(NON_RENEWAL_AFTER_YEARS)
            .max(after)
            .add_days(self.rng.below(365) as i64);
        let removal = arrete
            .add_days(REMOVAL_AFTER_DAYS)
            .add_days(self.rng.below(120) as i64);
        chain.push((Etape::Arrete, arrete));
        chain.push((Etape::Enlevement, removal));
        (opened, chain)
    }

    /// A nature and a start for a concession of a place of `kind` granted
    /// from `from` (the fixture's day at the latest).
    fn nature_and_start(&mut self, kind: TypePlace, from: Date) -> (Nature, Option<u32>, Date) {
        let nature = if kind.urns_only() {
            self.rng
                .weighted(&[(Nature::Temporaire, 60), (Nature::Trentenaire, 40)])
        } else {
            self.rng.weighted(&[
                (Nature::Perpetuelle, 18),
                (Nature::Cinquantenaire, 20),
                (Nature::Trentenaire, 37),
                (Nature::Temporaire, 25),
            ])
        };
        let duree = (nature == Nature::Temporaire)
            .then(|| self.rng.weighted(&[(15, 60), (10, 30), (5, 10)]));
        let (lo, hi) = match nature {
            Nature::Perpetuelle => (ymd(1890, 1, 1), ymd(1985, 12, 31)),
            Nature::Cinquantenaire => (ymd(1960, 1, 1), TODAY),
            Nature::Trentenaire => (ymd(1965, 1, 1), TODAY),
            Nature::Temporaire if kind.urns_only() => (ymd(1995, 1, 1), TODAY),
            Nature::Temporaire => (ymd(1985, 1, 1), TODAY),
        };
        let lo = lo.max(from);
        // A perpétuelle granted again after a reprise is a trentenaire.
        let (nature, duree) = if nature == Nature::Perpetuelle && lo > hi {
            (Nature::Trentenaire, None)
        } else {
            (nature, duree)
        };
        let hi = if lo > hi { TODAY } else { hi };
        (nature, duree, self.rng.day_to(lo, hi))
    }

    /// One concession, renewed or not, receiving inhumations to its expiry;
    /// now and then a perpétuelle with a procedure of abandon dropped.
    fn single(&mut self, place: usize, from: Date) {
        let kind = self.out.places[place].kind;
        let (nature, duree, start) = self.nature_and_start(kind, from);
        let c = self.grant(place, nature, duree, start);
        if nature == Nature::Perpetuelle && self.rng.chance(20) {
            let earliest = start
                .add_years(ABANDON_AFTER_YEARS)
                .add_days(1)
                .max(ymd(2000, 1, 1));
            let avis = self.rng.day_to(earliest, ymd(2018, 12, 31));
            let chain = self.abandon_chain(avis);
            let kept = 3 + self.rng.below(2) as usize;
            self.push_reprise(
                c,
                Motif::Abandon,
                avis,
                &chain[..kept],
                Some(EtatReprise::Close),
            );
            self.window(c, start, avis.add_years(-AFTER_LAST_BURIAL_YEARS));
            return;
        }
        self.renew(c, TODAY);
        self.whole_window(c);
    }

    /// A concession taken back in the past (for abandon or non-renewal),
    /// the place then conceded again or left free.
    fn taken_back(&mut self, place: usize, again: bool) {
        let kind = self.out.places[place].kind;
        let abandon = !kind.urns_only() && self.rng.chance(500);
        let removal = if abandon {
            let start = self.rng.day_to(ymd(1880, 1, 1), ymd(1950, 12, 31));
            let c = self.grant(place, Nature::Perpetuelle, None, start);
            let earliest = start
                .add_years(ABANDON_AFTER_YEARS)
                .add_days(1)
                .max(ymd(1990, 1, 1));
            let avis = self.rng.day_to(earliest, ymd(2016, 1, 1));
            let chain = self.abandon_chain(avis);
            let removal = chain[6].1;
            self.push_reprise(c, Motif::Abandon, avis, &chain, None);
            self.window(c, start, avis.add_years(-AFTER_LAST_BURIAL_YEARS));
            removal
        } else {
            let (nature, duree, start) = if self.rng.chance(500) {
                (
                    Nature::Temporaire,
                    Some(15),
                    self.rng.day_to(ymd(1960, 1, 1), ymd(2003, 12, 31)),
                )
            } else {
                (
                    Nature::Trentenaire,
                    None,
                    self.rng.day_to(ymd(1950, 1, 1), ymd(1988, 12, 31)),
                )
            };
            let c = self.grant(place, nature, duree, start);
            let end = self.out.concessions[c].current_end().unwrap_or(TODAY);
            let (opened, chain) = self.non_renewal_chain(end);
            let removal = chain.last().map_or(end, |s| s.1);
            self.push_reprise(c, Motif::NonRenouvellement, opened, &chain, None);
            self.window(c, start, end);
            removal
        };
        let from = removal.add_days(30);
        if again && from < TODAY {
            let kind = self.out.places[place].kind;
            let (nature, duree, start) = self.nature_and_start(kind, from);
            let start = start.min(self.rng.day_to(from, TODAY.min(from.add_years(3))));
            let c = self.grant(place, nature, duree, start);
            self.renew(c, TODAY);
            self.whole_window(c);
        }
    }

    /// A procedure of reprise under way today.
    fn open_reprise(&mut self, place: usize) {
        let kind = self.out.places[place].kind;
        if !kind.urns_only() && self.rng.chance(500) {
            let start = self.rng.day_to(ymd(1900, 1, 1), ymd(1985, 12, 31));
            let c = self.grant(place, Nature::Perpetuelle, None, start);
            let avis = self.rng.day(ymd(2020, 1, 1), TODAY.add_days(-10));
            let chain = self.abandon_chain(avis);
            let kept: Vec<(Etape, Date)> = chain
                .into_iter()
                .filter(|(e, d)| *d <= TODAY && *e != Etape::Enlevement)
                .collect();
            self.push_reprise(c, Motif::Abandon, avis, &kept, None);
            self.window(c, start, avis.add_years(-AFTER_LAST_BURIAL_YEARS));
        } else {
            let (nature, duree) = if self.rng.chance(600) {
                (
                    Nature::Temporaire,
                    Some(if kind.urns_only() { 10 } else { 15 }),
                )
            } else {
                (Nature::Trentenaire, None)
            };
            let years = i32::try_from(nature.years(duree).unwrap_or(30)).unwrap_or(30);
            let start = self.rng.day(
                TODAY.add_years(-6 - years),
                TODAY.add_days(-30).add_years(-years),
            );
            let c = self.grant(place, nature, duree, start);
            let end = self.out.concessions[c].current_end().unwrap_or(TODAY);
            let opened = self.rng.day_to(end, TODAY);
            let mut chain = Vec::new();
            let mut after = opened;
            if self.rng.chance(700) {
                after = self.rng.day_to(opened, TODAY);
                chain.push((Etape::AvisFamille, after));
            }
            let due = end.add_years(NON_RENEWAL_AFTER_YEARS).max(after);
            if due <= TODAY && self.rng.chance(700) {
                chain.push((Etape::Arrete, self.rng.day_to(due, TODAY)));
            }
            self.push_reprise(c, Motif::NonRenouvellement, opened, &chain, None);
            self.window(c, start, end);
        }
    }
}

/// What a place is about to become.
#[derive(Clone, Copy)]
enum Fate {
    Free,
    Single,
    Reconceded,
    TakenBack,
    InReprise,
}

/// A data set of `places` places and (up to) `burials` inhumations, from
/// `seed`.
pub fn generate(seed: u64, places: usize, burials: usize) -> Fixture {
    let mut g = Generator {
        rng: Rng(seed ^ 0xC1E7_1E2E_0000_0001),
        out: Fixture::default(),
        windows: Vec::new(),
        acts: Vec::new(),
        renewals: 0,
        steps: 0,
    };
    let cemeteries = places.div_ceil(200).clamp(1, 3);
    let zone_count = if places == 0 {
        0
    } else {
        ((places + 250) / 500).max(cemeteries).min(places)
    };
    let extra = |share: usize| {
        if zone_count >= 2 {
            ((zone_count * share + 20) / 40).max(1)
        } else {
            0
        }
    };
    let (communs, cineraires) = (extra(3), extra(3));
    let kinds: Vec<ZoneKind> = (0..zone_count)
        .map(|i| {
            let from_end = zone_count - 1 - i;
            if from_end < communs {
                ZoneKind::Commun
            } else if from_end < communs + cineraires {
                ZoneKind::Cineraire
            } else {
                ZoneKind::Carre
            }
        })
        .collect();
    let weight = |k: ZoneKind| match k {
        ZoneKind::Carre => 10,
        ZoneKind::Cineraire => 6,
        ZoneKind::Commun => 4,
    };
    let total: usize = kinds.iter().map(|k| weight(*k)).sum();
    let mut sizes: Vec<usize> = kinds
        .iter()
        .map(|k| (places * weight(*k) / total.max(1)).max(1))
        .collect();
    // The rounding's remainder (or excess) on the carrés, in turn.
    let mut i = 0;
    while sizes.iter().sum::<usize>() != places && zone_count > 0 {
        let j = i % zone_count;
        if sizes.iter().sum::<usize>() < places {
            sizes[j] += 1;
        } else if sizes[j] > 1 {
            sizes[j] -= 1;
        }
        i += 1;
    }

    // The cemeteries and their zones, laid out four abreast.
    const MARGIN: i64 = 4;
    const GAP: i64 = 5;
    for (c, (nom, voie)) in CEMETERIES.iter().enumerate().take(cemeteries) {
        g.out.cemeteries.push(Cemetery {
            id: c as i64 + 1,
            nom: nom.to_string(),
            adresse: Some(voie.to_string()),
            commune: Some(COMMUNE.to_string()),
            plan_largeur: None,
            plan_hauteur: None,
        });
        let mine: Vec<usize> = (0..zone_count).filter(|z| z % cemeteries == c).collect();
        let (mut x, mut y, mut row_height, mut width) = (MARGIN, MARGIN, 0i64, 0i64);
        for (k, z) in mine.iter().enumerate() {
            let n = sizes[*z] as f64;
            let cols = ((n * 1.5).sqrt().ceil() as i64).max(1);
            let rows = (sizes[*z] as i64 + cols - 1) / cols;
            let (w, h) = (cols * CELL_WIDTH, rows.max(1) * CELL_HEIGHT);
            if k > 0 && k % 4 == 0 {
                x = MARGIN;
                y += row_height + GAP;
                row_height = 0;
            }
            let nom = match kinds[*z] {
                ZoneKind::Carre => format!("Carré des {}", TREES[(z / cemeteries) % TREES.len()]),
                ZoneKind::Cineraire => "Espace cinéraire".to_string(),
                ZoneKind::Commun => "Terrain commun".to_string(),
            };
            g.out.zones.push(Zone {
                id: *z as i64 + 1,
                cimetiere: c as i64 + 1,
                code: zone_code(k),
                nom: Some(nom),
                x,
                y,
                largeur: w,
                hauteur: h,
            });
            x += w + GAP;
            width = width.max(x);
            row_height = row_height.max(h);
        }
        let cem = &mut g.out.cemeteries[c];
        cem.plan_largeur = Some((width - GAP + MARGIN).max(1));
        cem.plan_hauteur = Some((y + row_height + MARGIN).max(1));
    }
    g.out.zones.sort_by_key(|z| z.id);

    // The places of each zone, row by row.
    for (z, zone) in g.out.zones.clone().iter().enumerate() {
        let cols = zone.largeur / CELL_WIDTH;
        for i in 0..sizes[z] {
            let (x, y) = (i as i64 % cols, i as i64 / cols);
            let (kind, capacite, commun) = match kinds[z] {
                ZoneKind::Commun => (TypePlace::PleineTerre, 1, true),
                ZoneKind::Cineraire => {
                    let kind = g
                        .rng
                        .weighted(&[(TypePlace::CaseColumbarium, 75), (TypePlace::Cavurne, 25)]);
                    (kind, 2 + g.rng.below(3) as u32, false)
                }
                ZoneKind::Carre if g.rng.chance(450) => (
                    TypePlace::PleineTerre,
                    g.rng.weighted(&[(1, 20), (2, 45), (3, 35)]),
                    false,
                ),
                ZoneKind::Carre => (
                    TypePlace::Caveau,
                    g.rng
                        .weighted(&[(2, 10), (3, 20), (4, 30), (6, 28), (8, 12)]),
                    false,
                ),
            };
            let observations = g
                .rng
                .chance(30)
                .then(|| g.rng.pick(OBSERVATIONS).to_string());
            let id = g.out.places.len() as i64 + 1;
            g.out.places.push(Place {
                id,
                zone: zone.id,
                allee: Some(format!("Allée {}", y + 1)),
                numero: format!("{}-{}", zone.code, i + 1),
                kind,
                capacite,
                terrain_commun: commun,
                x,
                y,
                observations,
            });
        }
    }

    // Their concessions and reprises.
    let mut common = Vec::new();
    for p in 0..g.out.places.len() {
        if g.out.places[p].terrain_commun {
            common.push(p);
            continue;
        }
        let fate = g.rng.weighted(&[
            (Fate::Free, 225),
            (Fate::Single, 730),
            (Fate::Reconceded, 25),
            (Fate::TakenBack, 8),
            (Fate::InReprise, 12),
        ]);
        match fate {
            Fate::Free => {}
            Fate::Single => g.single(p, ymd(1800, 1, 1)),
            Fate::Reconceded => g.taken_back(p, true),
            Fate::TakenBack => g.taken_back(p, false),
            Fate::InReprise => g.open_reprise(p),
        }
    }

    // The terrain commun: a grave reopened every five years or more,
    // a fifth of the inhumations at most.
    let mut graves: Vec<(usize, Date)> = Vec::new();
    for p in common {
        let mut day = g.rng.day(ymd(1985, 1, 1), ymd(1992, 1, 1));
        while day <= TODAY {
            graves.push((p, day));
            day = day
                .add_years(ROTATION_YEARS)
                .add_days(g.rng.below(8 * 365) as i64);
        }
    }
    shuffle(&mut g.rng, &mut graves);
    graves.truncate(burials / 5);

    // The concessions' inhumations: `capacity` seats per window, the
    // wanted number drawn among them.
    let mut seats: Vec<usize> = g
        .windows
        .iter()
        .enumerate()
        .flat_map(|(w, win)| std::iter::repeat_n(w, win.capacity as usize))
        .collect();
    shuffle(&mut g.rng, &mut seats);
    seats.truncate(burials.saturating_sub(graves.len()));
    let mut per_window = vec![0usize; g.windows.len()];
    for w in seats {
        per_window[w] += 1;
    }
    // (date, place index, concession index, urns only)
    let mut planned: Vec<(Date, usize, Option<usize>, bool)> = Vec::with_capacity(burials);
    for (w, n) in per_window.iter().enumerate() {
        let win = &g.windows[w];
        let (start, end, c, urns) = (win.start, win.end, win.concession, win.urns_only);
        let place = (g.out.concessions[c].place() - 1) as usize;
        for k in 0..*n {
            // A family grave is bought for a death: the first one soon after.
            let day = if k == 0 && g.rng.chance(700) {
                g.rng.day(start, end.min(start.add_days(10)))
            } else {
                g.rng.day(start, end)
            };
            planned.push((day, place, Some(c), urns));
        }
    }
    planned.extend(graves.into_iter().map(|(p, d)| (d, p, None, false)));
    planned.sort_by_key(|(d, p, c, _)| (*d, *p, *c));

    // The défunts, in the order of their inhumations.
    for (date, place, concession, urns) in planned {
        let id = g.out.burials.len() as i64 + 1;
        let family = concession.map(|c| g.out.concessions[c].concession.titulaire_nom.clone());
        let nom = match family {
            Some(f) if g.rng.chance(750) => f,
            _ => g.surname(),
        };
        let female = g.rng.chance(500);
        let prenoms = g.given(female);
        let died = date.add_days(-(1 + g.rng.below(6) as i64));
        let (lo, hi): (i32, i32) = g.rng.weighted(&[
            ((0, 1), 5),
            ((1, 30), 20),
            ((30, 60), 120),
            ((60, 80), 350),
            ((80, 100), 500),
            ((100, 106), 5),
        ]);
        let years = lo + g.rng.below(u64::try_from(hi - lo).unwrap_or(1)) as i32;
        let born = died
            .add_years(-years)
            .add_days(-(g.rng.below(365) as i64))
            .min(died);
        // Old registers miss some; the engine's dates start in 1800.
        let date_naissance =
            ((died.year() >= 1950 || g.rng.chance(900)) && born.year() >= 1800).then_some(born);
        let lieu_deces = if g.rng.chance(600) {
            COMMUNE.to_string()
        } else {
            g.rng.pick(BIRTHPLACES).to_string()
        };
        g.out.defunts.push(Defunt {
            id,
            nom,
            prenoms: Some(prenoms),
            date_naissance,
            date_deces: died,
            lieu_deces: Some(lieu_deces),
        });
        let cremated = urns || (date.year() >= 1980 && g.rng.chance(180));
        g.out.burials.push(Burial {
            id,
            defunt: id,
            emplacement: g.out.places[place].id,
            concession: concession.map(|c| g.out.concessions[c].id()),
            date,
            nature: if cremated {
                NatureInhumation::Urne
            } else {
                NatureInhumation::Cercueil
            },
            observations: g.rng.chance(20).then(|| {
                "Inhumation en présence de la famille ; pompes funèbres municipales".to_string()
            }),
        });
    }
    g.out
}

/// Fisher–Yates.
fn shuffle<T>(rng: &mut Rng, items: &mut [T]) {
    for i in (1..items.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        items.swap(i, j);
    }
}

// ---------------------------------------------------------------------------
// CSV.

/// A field for a `;`-separated file, quoted when it must be.
fn money(v: Option<i64>) -> String {
    v.map_or_else(String::new, |c| module_engine::value::format_decimal(c, 2))
}

impl Fixture {
    /// Every renewal, in the order of the concessions.
    pub fn renewals(&self) -> impl Iterator<Item = &Renewal> {
        self.concessions.iter().flat_map(|c| &c.renewals)
    }

    /// Every step of a reprise, in the order of the procedures.
    pub fn steps(&self) -> impl Iterator<Item = &Step> {
        self.reprises.iter().flat_map(|r| &r.steps)
    }

    /// The fixture as one `;`-separated UTF-8 table per entity, (entity
    /// name, content), in the order of their references: `cimetiere`,
    /// `zone`, `emplacement`, `concession`, `renouvellement`, `defunt`,
    /// `inhumation`, `reprise`, `etape_reprise`. Each has an `id` column,
    /// then one per field the forms type, named as the field (the derived
    /// `date_fin` and the state `etat` are left to the server): codes for
    /// choices, `YYYY-MM-DD` dates, `oui`/`non` for booleans, euros with a
    /// decimal comma, references by id; a field holding `;`, `"` or a
    /// line break is quoted.
    pub fn csv(&self) -> Vec<(&'static str, String)> {
        let cimetiere = table(
            &[
                "id",
                "nom",
                "adresse",
                "commune",
                "plan_largeur",
                "plan_hauteur",
            ],
            self.cemeteries.iter().map(|c| {
                vec![
                    c.id.to_string(),
                    field(&c.nom),
                    opt(&c.adresse),
                    opt(&c.commune),
                    opt(&c.plan_largeur),
                    opt(&c.plan_hauteur),
                ]
            }),
        );
        let zone = table(
            &[
                "id",
                "cimetiere",
                "code",
                "nom",
                "x",
                "y",
                "largeur",
                "hauteur",
            ],
            self.zones.iter().map(|z| {
                vec![
                    z.id.to_string(),
                    z.cimetiere.to_string(),
                    field(&z.code),
                    opt(&z.nom),
                    z.x.to_string(),
                    z.y.to_string(),
                    z.largeur.to_string(),
                    z.hauteur.to_string(),
                ]
            }),
        );
        let emplacement = table(
            &[
                "id",
                "zone",
                "allee",
                "numero",
                "type",
                "capacite",
                "terrain_commun",
                "x",
                "y",
                "observations",
            ],
            self.places.iter().map(|p| {
                vec![
                    p.id.to_string(),
                    p.zone.to_string(),
                    opt(&p.allee),
                    field(&p.numero),
                    p.kind.code().to_string(),
                    p.capacite.to_string(),
                    if p.terrain_commun { "oui" } else { "non" }.to_string(),
                    p.x.to_string(),
                    p.y.to_string(),
                    opt(&p.observations),
                ]
            }),
        );
        let concession = table(
            &[
                "id",
                "numero_acte",
                "emplacement",
                "nature",
                "duree",
                "date_debut",
                "prix",
                "titulaire_nom",
                "titulaire_prenom",
                "titulaire_adresse",
                "titulaire_code_postal",
                "titulaire_ville",
                "ayants_droit",
            ],
            self.concessions.iter().map(|h| {
                let c = &h.concession;
                vec![
                    c.id.to_string(),
                    field(&c.numero_acte),
                    c.emplacement.to_string(),
                    c.nature.code().to_string(),
                    opt(&c.duree),
                    c.date_debut.to_string(),
                    money(c.prix),
                    field(&c.titulaire_nom),
                    opt(&c.titulaire_prenom),
                    opt(&c.titulaire_adresse),
                    opt(&c.titulaire_code_postal),
                    opt(&c.titulaire_ville),
                    opt(&c.ayants_droit),
                ]
            }),
        );
        let renouvellement = table(
            &[
                "id",
                "concession",
                "date",
                "nature",
                "duree",
                "date_debut",
                "prix",
            ],
            self.renewals().map(|r| {
                vec![
                    r.id.to_string(),
                    r.concession.to_string(),
                    r.date.to_string(),
                    r.nature.code().to_string(),
                    opt(&r.duree),
                    r.date_debut.to_string(),
                    money(r.prix),
                ]
            }),
        );
        let defunt = table(
            &[
                "id",
                "nom",
                "prenoms",
                "date_naissance",
                "date_deces",
                "lieu_deces",
            ],
            self.defunts.iter().map(|d| {
                vec![
                    d.id.to_string(),
                    field(&d.nom),
                    opt(&d.prenoms),
                    opt(&d.date_naissance),
                    d.date_deces.to_string(),
                    opt(&d.lieu_deces),
                ]
            }),
        );
        let inhumation = table(
            &[
                "id",
                "defunt",
                "emplacement",
                "concession",
                "date",
                "nature",
                "observations",
            ],
            self.burials.iter().map(|b| {
                vec![
                    b.id.to_string(),
                    b.defunt.to_string(),
                    b.emplacement.to_string(),
                    opt(&b.concession),
                    b.date.to_string(),
                    b.nature.code().to_string(),
                    opt(&b.observations),
                ]
            }),
        );
        let reprise = table(
            &[
                "id",
                "concession",
                "motif",
                "date_ouverture",
                "observations",
            ],
            self.reprises.iter().map(|r| {
                vec![
                    r.id.to_string(),
                    r.concession.to_string(),
                    r.motif.code().to_string(),
                    r.date_ouverture.to_string(),
                    opt(&r.observations),
                ]
            }),
        );
        let etape = table(
            &["id", "reprise", "etape", "date", "observations"],
            self.steps().map(|s| {
                vec![
                    s.id.to_string(),
                    s.reprise.to_string(),
                    s.etape.code().to_string(),
                    s.date.to_string(),
                    opt(&s.observations),
                ]
            }),
        );
        vec![
            ("cimetiere", cimetiere),
            ("zone", zone),
            ("emplacement", emplacement),
            ("concession", concession),
            ("renouvellement", renouvellement),
            ("defunt", defunt),
            ("inhumation", inhumation),
            ("reprise", reprise),
            ("etape_reprise", etape),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_data_and_another_seed_other_data() {
        let a = generate(7, 600, 1_200);
        assert_eq!(a, generate(7, 600, 1_200));
        assert_ne!(a.burials, generate(8, 600, 1_200).burials);
        assert_eq!(a.places.len(), 600);
        assert_eq!(a.burials.len(), 1_200);
        assert_eq!(a.defunts.len(), a.burials.len());
    }

    #[test]
    fn small_and_empty_sizes_work() {
        let none = generate(1, 0, 0);
        assert!(none.places.is_empty() && none.burials.is_empty());
        let one = generate(1, 1, 3);
        assert_eq!(one.places.len(), 1);
        assert!(one.burials.len() <= 3);
        assert_eq!(zone_code(0), "A");
        assert_eq!(zone_code(27), "AB");
    }

    #[test]
    fn csv_fields_are_quoted_when_they_must_be() {
        assert_eq!(field("a;b"), "\"a;b\"");
        assert_eq!(field("dit \"Jo\""), "\"dit \"\"Jo\"\"\"");
        assert_eq!(field("simple"), "simple");
        assert_eq!(money(Some(45_000)), "450,00");
    }
}
