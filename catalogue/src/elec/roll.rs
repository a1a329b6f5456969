//! openElec's roll as a whole: the elector's record ([`Elector`]), the roll
//! at a date rebuilt from the mouvements ([`roll_at`]), the count of
//! inscrits per bureau and list ([`tableau`]) and the electors a new
//! découpage moves from one bureau to another ([`redistricting`], R40).
//!
//! # The roll at a date
//!
//! The records (`electeur`) are the base: the roll as it stood before the
//! mouvements given (the last tableau, an import), each record with the
//! bureau and list it had then. Mouvements are applied in the order of
//! their date of effect (then of their id) up to the date asked:
//! an inscription puts the elector on the roll (in the mouvement's bureau
//! and list when it gives them), a radiation takes him off, a modification
//! changes his bureau, his list or both. An elector whose first mouvement
//! is an inscription is not on the roll before it (the desk records the
//! person, then the inscription); one without mouvements is on it. A
//! mouvement of an elector not among the records is ignored.
//!
//! This is openElec's model, in which the mouvements are pending until the
//! « traitement » applies them to the records: replaying the mouvements
//! already applied changes nothing for a date after them, so the server
//! may pass every mouvement. For a date before a modification already
//! applied to a record, the record's new bureau is shown (the former one is
//! not kept).

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use serde::ser::SerializeMap;

use super::decoupage::{Decoupage, Range};
use super::emargement::order_key;
use super::{Date, ElectorId, Liste, MouvementId, NatureMouvement, Sexe, VoieId};

/// An elector's record on one list (a row of `electeur`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Elector {
    pub id: ElectorId,
    pub nom_naissance: String,
    pub nom_usage: Option<String>,
    /// All the given names, separated by spaces.
    pub prenoms: String,
    pub sexe: Sexe,
    pub date_naissance: Date,
    pub lieu_naissance: String,
    pub adresse_numero: Option<u32>,
    /// « bis », « ter »…
    pub adresse_complement: Option<String>,
    pub voie: VoieId,
    /// The bureau's code.
    pub bureau: String,
    /// The identifiant national d'électeur of the répertoire électoral unique.
    pub ine: Option<String>,
    pub liste: Liste,
}

impl Elector {
    /// « Marie Claire Martin née Dupont », « Jean Petit ».
    pub fn name(&self) -> String {
        match self.nom_usage.as_deref().map(str::trim) {
            Some(usage) if !usage.is_empty() && usage != self.nom_naissance => {
                let nee = match self.sexe {
                    Sexe::F => "née",
                    Sexe::M => "né",
                };
                format!("{} {usage} {nee} {}", self.prenoms, self.nom_naissance)
            }
            _ => format!("{} {}", self.prenoms, self.nom_naissance),
        }
    }
}

/// A change of the roll (a row of `mouvement`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mouvement {
    pub id: MouvementId,
    pub electeur: ElectorId,
    pub nature: NatureMouvement,
    /// The date of effect.
    pub date: Date,
    /// The new bureau (a modification; an inscription elsewhere than the
    /// record's bureau).
    pub bureau: Option<String>,
    /// The new list.
    pub liste: Option<Liste>,
}

/// The roll on `date`: the records of `base` on the roll that day, with
/// the bureau and list they have then (see the module's documentation),
/// sorted by bureau, list, then in the order of the liste d'émargement.
pub fn roll_at(base: &[Elector], mouvements: &[Mouvement], date: Date) -> Vec<Elector> {
    let mut ordered: Vec<&Mouvement> = mouvements.iter().collect();
    ordered.sort_by_key(|m| (m.date, m.id));
    let mut first: HashMap<ElectorId, NatureMouvement> = HashMap::new();
    for m in &ordered {
        first.entry(m.electeur).or_insert(m.nature);
    }
    struct State {
        on: bool,
        bureau: Option<String>,
        liste: Option<Liste>,
    }
    let mut state: HashMap<ElectorId, State> = base
        .iter()
        .map(|e| {
            let on = first.get(&e.id) != Some(&NatureMouvement::Inscription);
            (
                e.id,
                State {
                    on,
                    bureau: None,
                    liste: None,
                },
            )
        })
        .collect();
    for m in ordered.into_iter().take_while(|m| m.date <= date) {
        let Some(s) = state.get_mut(&m.electeur) else {
            continue;
        };
        match m.nature {
            NatureMouvement::Radiation => s.on = false,
            NatureMouvement::Inscription | NatureMouvement::Modification => {
                if m.nature == NatureMouvement::Inscription {
                    s.on = true;
                }
                if let Some(b) = &m.bureau {
                    s.bureau = Some(b.clone());
                }
                if let Some(l) = m.liste {
                    s.liste = Some(l);
                }
            }
        }
    }
    let mut roll: Vec<Elector> = base
        .iter()
        .filter_map(|e| {
            let s = state.get_mut(&e.id)?;
            if !s.on {
                return None;
            }
            let mut e = e.clone();
            if let Some(b) = s.bureau.take() {
                e.bureau = b;
            }
            if let Some(l) = s.liste.take() {
                e.liste = l;
            }
            // A record given twice counts once.
            s.on = false;
            Some(e)
        })
        .collect();
    roll.sort_by_cached_key(|e| (e.bureau.clone(), e.liste, order_key(e)));
    roll
}

/// Counts per list, for each of [`Liste::ALL`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PerListe([usize; Liste::ALL.len()]);

impl PerListe {
    pub fn get(&self, l: Liste) -> usize {
        self.0[l as usize]
    }

    pub fn total(&self) -> usize {
        self.0.iter().sum()
    }

    pub(crate) fn add(&mut self, l: Liste) {
        self.0[l as usize] += 1;
    }

    pub(crate) fn absorb(&mut self, other: &PerListe) {
        for (a, b) in self.0.iter_mut().zip(other.0) {
            *a += b;
        }
    }

    /// The inscrits of an election held on `lists`: the liste générale
    /// alone (présidentielle, législatives…), with the complémentaire
    /// municipale for the municipales (LO227-1), with the complémentaire
    /// européenne for the européennes.
    pub fn on(&self, lists: &[Liste]) -> usize {
        lists.iter().map(|l| self.get(*l)).sum()
    }
}

/// As an object `{ "generale": 950, "complementaire_europeenne": 8, … }`.
impl Serialize for PerListe {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(Liste::ALL.len()))?;
        for l in Liste::ALL {
            m.serialize_entry(l.code(), &self.get(*l))?;
        }
        m.end()
    }
}

/// One bureau of the tableau.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableauRow {
    pub bureau: String,
    /// Records on every list (a person on two lists counts twice).
    pub inscrits: usize,
    pub par_liste: PerListe,
}

/// The inscrits of `roll` per bureau and list, by bureau code.
pub fn tableau(roll: &[Elector]) -> Vec<TableauRow> {
    let mut by: BTreeMap<&str, PerListe> = BTreeMap::new();
    for e in roll {
        by.entry(&e.bureau).or_default().add(e.liste);
    }
    by.into_iter()
        .map(|(b, par_liste)| TableauRow {
            bureau: b.to_string(),
            inscrits: par_liste.total(),
            par_liste,
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Redistricting (R40).

/// An elector who changes bureau.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Move {
    pub elector: ElectorId,
    /// The bureau of his record.
    pub from: String,
    pub to: String,
}

/// A bureau's inscrits before and after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BureauChange {
    pub bureau: String,
    pub before: usize,
    pub after: usize,
}

/// What a new découpage does to the roll.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Redistricting {
    /// In the order of the electors given.
    pub moves: Vec<Move>,
    /// Electors whose address the new découpage places in no bureau (or
    /// in two) while the former placed it: they stay where they are until
    /// the découpage is fixed.
    pub unplaced: Vec<ElectorId>,
    /// Every bureau before or after, by code.
    pub inscrits: Vec<BureauChange>,
}

/// The electors whose bureau changes when the découpage `before` is
/// replaced by `after` (a range moved to another bureau, a street split…;
/// R40): those whose address the two place differently, each moved from
/// the bureau of his record to the one `after` gives. Electors the change
/// does not concern keep their bureau, even one their record has wrong
/// (that is [`super::decoupage_check`]'s and the desk's business). The
/// inscrits per bureau count the records as they are, then after the moves.
pub fn redistricting(electors: &[Elector], before: &[Range], after: &[Range]) -> Redistricting {
    let (old, new) = (Decoupage::new(before), Decoupage::new(after));
    let mut moves = Vec::new();
    let mut unplaced = Vec::new();
    let mut counts: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for e in electors {
        let was = old.bureau_of(e.voie, e.adresse_numero);
        let will = new.bureau_of(e.voie, e.adresse_numero);
        let mut now = e.bureau.as_str();
        if was != will {
            match will {
                None => unplaced.push(e.id),
                Some(to) if to != e.bureau => {
                    moves.push(Move {
                        elector: e.id,
                        from: e.bureau.clone(),
                        to: to.to_string(),
                    });
                    now = to;
                }
                Some(_) => {}
            }
        }
        counts.entry(&e.bureau).or_default().0 += 1;
        counts.entry(now).or_default().1 += 1;
    }
    Redistricting {
        moves,
        unplaced,
        inscrits: counts
            .into_iter()
            .map(|(b, (before, after))| BureauChange {
                bureau: b.to_string(),
                before,
                after,
            })
            .collect(),
    }
}
