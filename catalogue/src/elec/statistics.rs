//! openElec's statistics of the roll: per bureau, the inscrits by list, by
//! sex and by age band on a date, and the commune's total, for the
//! prefecture's returns, the choice of bureaux sizes and the night's
//! context pages.
//!
//! Every breakdown of a bureau adds up to its inscrits and every bureau
//! to the total. Ages are years accomplished on the date; L2 makes electors
//! of those « âgés de dix-huit ans accomplis », and a record below that age
//! (registered ahead of a birthday before the scrutin) is counted in its
//! own band rather than dropped, so the sums still hold.

use std::collections::BTreeMap;

use serde::Serialize;
use serde::ser::SerializeMap;

use super::roll::{Elector, PerListe};
use super::{Date, Sexe};

/// The age bands of the statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AgeBand {
    Under18,
    From18To24,
    From25To34,
    From35To49,
    From50To64,
    From65To79,
    From80,
}

impl AgeBand {
    pub const ALL: [AgeBand; 7] = [
        AgeBand::Under18,
        AgeBand::From18To24,
        AgeBand::From25To34,
        AgeBand::From35To49,
        AgeBand::From50To64,
        AgeBand::From65To79,
        AgeBand::From80,
    ];

    /// The band of an age in years.
    pub fn of(age: u32) -> AgeBand {
        match age {
            0..=17 => AgeBand::Under18,
            18..=24 => AgeBand::From18To24,
            25..=34 => AgeBand::From25To34,
            35..=49 => AgeBand::From35To49,
            50..=64 => AgeBand::From50To64,
            65..=79 => AgeBand::From65To79,
            _ => AgeBand::From80,
        }
    }

    /// A stable code for the API and exports.
    pub fn code(self) -> &'static str {
        match self {
            AgeBand::Under18 => "moins_18",
            AgeBand::From18To24 => "18_24",
            AgeBand::From25To34 => "25_34",
            AgeBand::From35To49 => "35_49",
            AgeBand::From50To64 => "50_64",
            AgeBand::From65To79 => "65_79",
            AgeBand::From80 => "80_plus",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            AgeBand::Under18 => "Moins de 18 ans",
            AgeBand::From18To24 => "18 à 24 ans",
            AgeBand::From25To34 => "25 à 34 ans",
            AgeBand::From35To49 => "35 à 49 ans",
            AgeBand::From50To64 => "50 à 64 ans",
            AgeBand::From65To79 => "65 à 79 ans",
            AgeBand::From80 => "80 ans et plus",
        }
    }
}

/// Counts per age band.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PerAge([usize; AgeBand::ALL.len()]);

impl PerAge {
    pub fn get(&self, band: AgeBand) -> usize {
        self.0[band as usize]
    }

    pub fn total(&self) -> usize {
        self.0.iter().sum()
    }
}

/// As an object `{ "moins_18": 0, "18_24": 95, … }`.
impl Serialize for PerAge {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(AgeBand::ALL.len()))?;
        for b in AgeBand::ALL {
            m.serialize_entry(b.code(), &self.get(b))?;
        }
        m.end()
    }
}

/// The counts of a set of records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Breakdown {
    pub inscrits: usize,
    pub par_liste: PerListe,
    pub femmes: usize,
    pub hommes: usize,
    pub par_age: PerAge,
}

impl Breakdown {
    fn add(&mut self, e: &Elector, on: Date) {
        self.inscrits += 1;
        self.par_liste.add(e.liste);
        match e.sexe {
            Sexe::F => self.femmes += 1,
            Sexe::M => self.hommes += 1,
        }
        self.par_age.0[AgeBand::of(e.date_naissance.age_on(on)) as usize] += 1;
    }

    fn absorb(&mut self, other: &Breakdown) {
        self.inscrits += other.inscrits;
        self.par_liste.absorb(&other.par_liste);
        self.femmes += other.femmes;
        self.hommes += other.hommes;
        for (a, b) in self.par_age.0.iter_mut().zip(other.par_age.0) {
            *a += b;
        }
    }
}

/// One bureau's counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BureauStatistics {
    pub bureau: String,
    pub counts: Breakdown,
}

/// The statistics of a roll on a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Statistics {
    pub date: Date,
    /// By bureau code.
    pub bureaux: Vec<BureauStatistics>,
    pub total: Breakdown,
}

/// The statistics of `electors` (a roll, e.g. [`super::roll_at`]'s) on
/// `date`: every record counts (a person on two lists twice).
pub fn statistics(electors: &[Elector], date: Date) -> Statistics {
    let mut by: BTreeMap<&str, Breakdown> = BTreeMap::new();
    for e in electors {
        by.entry(&e.bureau).or_default().add(e, date);
    }
    let mut total = Breakdown::default();
    for b in by.values() {
        total.absorb(b);
    }
    Statistics {
        date,
        bureaux: by
            .into_iter()
            .map(|(b, counts)| BureauStatistics {
                bureau: b.to_string(),
                counts,
            })
            .collect(),
        total,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_start_at_their_lower_age() {
        let bands: Vec<AgeBand> = [17, 18, 24, 25, 34, 35, 49, 50, 64, 65, 79, 80, 104]
            .into_iter()
            .map(AgeBand::of)
            .collect();
        use AgeBand::*;
        assert_eq!(
            bands,
            [
                Under18, From18To24, From18To24, From25To34, From25To34, From35To49, From35To49,
                From50To64, From50To64, From65To79, From65To79, From80, From80
            ]
        );
        for (i, b) in AgeBand::ALL.iter().enumerate() {
            assert_eq!(*b as usize, i);
        }
    }
}
