//! The plain rows the whole-data-set rules take, one struct per table of
//! the module, which the server fills from the stored records (and the
//! [`super::fixture`] generates): typed, with choices as enums and dates as
//! [`Date`]. Derived fields (`date_fin`) are not stored here but computed
//! again ([`Concession::end`], [`Renewal::end`]), so a rule never trusts a
//! stale column.
//!
//! [`ConcessionHistory`] joins a concession and its renewals: the terms
//! one after the other, which say whether it is in force on a day.

use serde::Serialize;

use super::{
    BurialId, CemeteryId, ConcessionId, Date, DefuntId, Etape, EtatReprise, Motif, Nature,
    NatureInhumation, PlaceId, RenewalId, RepriseId, StepId, TypePlace, ZoneId, term,
};

/// A cemetery (a row of `cimetiere`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cemetery {
    pub id: CemeteryId,
    pub nom: String,
    pub adresse: Option<String>,
    pub commune: Option<String>,
    /// The plan's size, in plan units (None: as large as its zones).
    pub plan_largeur: Option<i64>,
    pub plan_hauteur: Option<i64>,
}

/// A zone (« carré ») of a cemetery and its rectangle on the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Zone {
    pub id: ZoneId,
    pub cimetiere: CemeteryId,
    pub code: String,
    pub nom: Option<String>,
    pub x: i64,
    pub y: i64,
    pub largeur: i64,
    pub hauteur: i64,
}

/// A place (a row of `emplacement`): its cell `x`, `y` in its zone's grid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Place {
    pub id: PlaceId,
    pub zone: ZoneId,
    pub allee: Option<String>,
    pub numero: String,
    pub kind: TypePlace,
    /// Coffins and urns it may hold, each counting for one.
    pub capacite: u32,
    /// A grave of the terrain commun, never conceded.
    pub terrain_commun: bool,
    pub x: i64,
    pub y: i64,
    pub observations: Option<String>,
}

/// A concession (a row of `concession`), without its renewals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Concession {
    pub id: ConcessionId,
    pub numero_acte: String,
    pub emplacement: PlaceId,
    pub nature: Nature,
    /// Years, for a temporaire.
    pub duree: Option<u32>,
    pub date_debut: Date,
    /// In cents.
    pub prix: Option<i64>,
    pub titulaire_nom: String,
    pub titulaire_prenom: Option<String>,
    pub titulaire_adresse: Option<String>,
    pub titulaire_code_postal: Option<String>,
    pub titulaire_ville: Option<String>,
    pub ayants_droit: Option<String>,
}

impl Concession {
    /// The end of its first period (None: perpétuelle, or a temporaire
    /// without a duration).
    pub fn end(&self) -> Option<Date> {
        term::end_date(self.nature, self.duree, self.date_debut)
    }
}

/// A renewal (a row of `renouvellement`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Renewal {
    pub id: RenewalId,
    pub concession: ConcessionId,
    /// The day it was asked (or decided).
    pub date: Date,
    pub nature: Nature,
    pub duree: Option<u32>,
    /// The expiry of the previous period (L2223-15).
    pub date_debut: Date,
    /// In cents.
    pub prix: Option<i64>,
}

impl Renewal {
    /// The end of the period it opens.
    pub fn end(&self) -> Option<Date> {
        term::end_date(self.nature, self.duree, self.date_debut)
    }
}

/// One period of a concession: its act or a renewal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Period {
    pub nature: Nature,
    pub start: Date,
    /// The expiry, the first day it is no longer in force (None: never).
    pub end: Option<Date>,
}

impl Period {
    /// In force on `day`: from its start, until the day before its end.
    pub fn covers(&self, day: Date) -> bool {
        self.start <= day && self.end.is_none_or(|e| day < e)
    }
}

/// A concession with its renewals: its whole history of periods.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConcessionHistory {
    pub concession: Concession,
    /// Its renewals, in any order.
    pub renewals: Vec<Renewal>,
}

impl ConcessionHistory {
    /// A concession with no renewal.
    pub fn new(concession: Concession) -> ConcessionHistory {
        ConcessionHistory {
            concession,
            renewals: Vec::new(),
        }
    }

    pub fn id(&self) -> ConcessionId {
        self.concession.id
    }

    pub fn place(&self) -> PlaceId {
        self.concession.emplacement
    }

    /// Its periods in order: the act, then the renewals by start.
    pub fn periods(&self) -> Vec<Period> {
        let c = &self.concession;
        let mut out = vec![Period {
            nature: c.nature,
            start: c.date_debut,
            end: c.end(),
        }];
        let mut renewals: Vec<&Renewal> = self.renewals.iter().collect();
        renewals.sort_by_key(|r| (r.date_debut, r.id));
        out.extend(renewals.into_iter().map(|r| Period {
            nature: r.nature,
            start: r.date_debut,
            end: r.end(),
        }));
        out
    }

    /// The expiry of its last period (None: perpétuelle).
    pub fn current_end(&self) -> Option<Date> {
        term::current_end(&self.concession, &self.renewals)
    }

    /// Whether one of its periods covers `day`.
    pub fn in_force_on(&self, day: Date) -> bool {
        self.periods().iter().any(|p| p.covers(day))
    }
}

/// A défunt (a row of `defunt`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Defunt {
    pub id: DefuntId,
    pub nom: String,
    pub prenoms: Option<String>,
    pub date_naissance: Option<Date>,
    pub date_deces: Date,
    pub lieu_deces: Option<String>,
}

impl Defunt {
    /// « Jeanne Martin », as the messages name a défunt.
    pub fn name(&self) -> String {
        match &self.prenoms {
            Some(p) => format!("{p} {}", self.nom),
            None => self.nom.clone(),
        }
    }
}

/// An inhumation (a row of `inhumation`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Burial {
    pub id: BurialId,
    pub defunt: DefuntId,
    pub emplacement: PlaceId,
    /// None in the terrain commun.
    pub concession: Option<ConcessionId>,
    pub date: Date,
    pub nature: NatureInhumation,
    pub observations: Option<String>,
}

/// A dated step of a reprise (a row of `etape_reprise`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    pub id: StepId,
    pub reprise: RepriseId,
    pub etape: Etape,
    pub date: Date,
    pub observations: Option<String>,
}

/// A procedure of reprise (a row of `reprise`) with its steps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reprise {
    pub id: RepriseId,
    pub concession: ConcessionId,
    pub motif: Motif,
    pub date_ouverture: Date,
    pub etat: EtatReprise,
    pub observations: Option<String>,
    /// Its steps recorded, in any order.
    pub steps: Vec<Step>,
}

impl Reprise {
    /// The date of its step `etape`, if recorded.
    pub fn step(&self, etape: Etape) -> Option<Date> {
        self.steps
            .iter()
            .filter(|s| s.etape == etape)
            .map(|s| s.date)
            .min()
    }

    /// The day the reprise was pronounced (its arrêté), if it was and
    /// the procedure was not dropped: from then on the concession
    /// receives no one. A procedure in the state « prononcée » or
    /// « exécutée » without a dated arrêté counts from its opening.
    pub fn pronounced_on(&self) -> Option<Date> {
        if self.etat == EtatReprise::Close {
            return None;
        }
        self.step(Etape::Arrete).or(matches!(
            self.etat,
            EtatReprise::Prononcee | EtatReprise::Executee
        )
        .then_some(self.date_ouverture))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse(s).expect("a date")
    }

    fn concession(nature: Nature, duree: Option<u32>, start: &str) -> Concession {
        Concession {
            id: 1,
            numero_acte: "2000-0001".into(),
            emplacement: 1,
            nature,
            duree,
            date_debut: d(start),
            prix: None,
            titulaire_nom: "Martin".into(),
            titulaire_prenom: None,
            titulaire_adresse: None,
            titulaire_code_postal: None,
            titulaire_ville: None,
            ayants_droit: None,
        }
    }

    #[test]
    fn periods_follow_each_other_and_say_when_it_is_in_force() {
        let mut h = ConcessionHistory::new(concession(Nature::Temporaire, Some(15), "2000-03-01"));
        assert!(h.in_force_on(d("2000-03-01")) && h.in_force_on(d("2015-02-28")));
        assert!(!h.in_force_on(d("2015-03-01")) && !h.in_force_on(d("2000-02-29")));
        h.renewals.push(Renewal {
            id: 4,
            concession: 1,
            date: d("2016-01-10"),
            nature: Nature::Trentenaire,
            duree: None,
            date_debut: d("2015-03-01"),
            prix: Some(40_000),
        });
        assert_eq!(h.current_end(), Some(d("2045-03-01")));
        assert!(h.in_force_on(d("2015-03-01")) && h.in_force_on(d("2045-02-28")));
        assert_eq!(h.periods().len(), 2);
        let p = ConcessionHistory::new(concession(Nature::Perpetuelle, None, "1920-01-01"));
        assert!(p.in_force_on(d("2999-01-01")) && p.current_end().is_none());
    }
}
