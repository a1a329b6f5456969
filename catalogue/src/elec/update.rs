//! openElec's update import: a new extraction of the roll (the REU's, or
//! the roll software's) compared with the records, as the mouvements that
//! turn one into the other ([`compare`]).
//!
//! Since 2019 the répertoire électoral unique is the roll of record; the
//! commune receives extractions and keeps its own copy for the découpage,
//! the listes d'émargement and the procurations. Importing a new
//! extraction over the records would lose the history; instead each
//! difference becomes a mouvement, so the roll at any earlier date can
//! still be rebuilt ([`super::roll_at`]):
//!
//! - a person of the file without a record on that list: an
//!   **inscription** (a new record);
//! - a person of the file whose record is off the roll (radiated before):
//!   an **inscription** of that record, with what changed;
//! - a record on the roll absent from the file: a **radiation** (the
//!   record stays, for the history and the procurations' past);
//! - a record whose fields differ (bureau, address, nom d'usage…): a
//!   **modification** naming the fields that changed.
//!
//! A person is matched by INE and list when the file and the record both
//! have an INE, otherwise by birth name, given names, date and place of
//! birth and list (folded: case, accents and spacing aside), as the roll's
//! unique sets are. Each record is matched at most once.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use super::emargement::name_key;
use super::roll::Elector;
use super::{Date, ElectorId, Liste};

/// A person of the file, matched or not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Incoming {
    /// The file's line, for the messages.
    pub line: u64,
    /// The person as the file gives them (`id` unused).
    pub elector: Elector,
}

/// A record whose fields the file changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Modification {
    pub line: u64,
    pub id: ElectorId,
    /// The record as the file gives it, with the record's id.
    pub elector: Elector,
    /// The fields that differ, by their names in the declaration.
    pub changed: Vec<&'static str>,
    /// The record was off the roll: this is a new inscription of it.
    pub reinscription: bool,
}

/// What an extraction changes.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Update {
    /// New records, each with an inscription.
    pub inscriptions: Vec<Incoming>,
    /// Records to modify (or inscribe again), each with a mouvement.
    pub modifications: Vec<Modification>,
    /// Records on the roll the file no longer has.
    pub radiations: Vec<ElectorId>,
    /// Records the file gives unchanged.
    pub unchanged: usize,
}

impl Update {
    /// How many mouvements it makes.
    pub fn mouvements(&self) -> usize {
        self.inscriptions.len() + self.modifications.len() + self.radiations.len()
    }
}

fn fold_opt(s: &Option<String>) -> Option<String> {
    s.as_deref().map(name_key).filter(|k| !k.is_empty())
}

fn identity(e: &Elector) -> (String, String, Date, String, Liste) {
    (
        name_key(&e.nom_naissance),
        name_key(&e.prenoms),
        e.date_naissance,
        name_key(&e.lieu_naissance),
        e.liste,
    )
}

fn ine(e: &Elector) -> Option<(String, Liste)> {
    let ine = e.ine.as_deref()?.trim();
    (!ine.is_empty()).then(|| (ine.to_uppercase(), e.liste))
}

/// The fields of `old` that `new` gives otherwise.
fn changes(old: &Elector, new: &Elector) -> Vec<&'static str> {
    let mut out = Vec::new();
    let mut differ = |name, d: bool| {
        if d {
            out.push(name);
        }
    };
    differ(
        "nom_naissance",
        old.nom_naissance.trim() != new.nom_naissance.trim(),
    );
    differ(
        "nom_usage",
        fold_opt(&old.nom_usage) != fold_opt(&new.nom_usage),
    );
    differ("prenoms", old.prenoms.trim() != new.prenoms.trim());
    differ("sexe", old.sexe != new.sexe);
    differ("date_naissance", old.date_naissance != new.date_naissance);
    differ(
        "lieu_naissance",
        old.lieu_naissance.trim() != new.lieu_naissance.trim(),
    );
    differ("adresse_numero", old.adresse_numero != new.adresse_numero);
    differ(
        "adresse_complement",
        fold_opt(&old.adresse_complement) != fold_opt(&new.adresse_complement),
    );
    differ("voie", old.voie != new.voie);
    differ("bureau", old.bureau != new.bureau);
    // A file without the INE keeps the record's.
    differ("ine", ine(new).is_some() && ine(old) != ine(new));
    out
}

/// What the extraction `file` changes in `records` (every stored record,
/// on the roll or not), `on_roll` being the ids of those on the roll at
/// the update's date.
pub fn compare(records: &[Elector], on_roll: &HashSet<ElectorId>, file: &[Incoming]) -> Update {
    let mut by_ine: HashMap<(String, Liste), usize> = HashMap::new();
    let mut by_identity: HashMap<(String, String, Date, String, Liste), usize> = HashMap::new();
    for (i, r) in records.iter().enumerate() {
        if let Some(k) = ine(r) {
            by_ine.entry(k).or_insert(i);
        }
        by_identity.entry(identity(r)).or_insert(i);
    }
    let mut matched = vec![false; records.len()];
    let mut update = Update::default();
    for incoming in file {
        let new = &incoming.elector;
        let found = ine(new)
            .and_then(|k| by_ine.get(&k).copied())
            .filter(|&i| !matched[i])
            .or_else(|| {
                by_identity
                    .get(&identity(new))
                    .copied()
                    .filter(|&i| !matched[i])
                    // Both with an INE and they differ: two people.
                    .filter(|&i| ine(&records[i]).is_none() || ine(new).is_none())
            });
        let Some(i) = found else {
            update.inscriptions.push(incoming.clone());
            continue;
        };
        matched[i] = true;
        let old = &records[i];
        let changed = changes(old, new);
        let reinscription = !on_roll.contains(&old.id);
        if changed.is_empty() && !reinscription {
            update.unchanged += 1;
            continue;
        }
        let mut elector = new.clone();
        elector.id = old.id;
        if elector.ine.is_none() {
            elector.ine = old.ine.clone();
        }
        update.modifications.push(Modification {
            line: incoming.line,
            id: old.id,
            elector,
            changed,
            reinscription,
        });
    }
    update.radiations = records
        .iter()
        .zip(&matched)
        .filter(|(r, m)| !**m && on_roll.contains(&r.id))
        .map(|(r, _)| r.id)
        .collect();
    update
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::elec::Sexe;

    fn elector(id: i64, nom: &str, prenoms: &str, bureau: &str, ine: Option<&str>) -> Elector {
        Elector {
            id,
            nom_naissance: nom.into(),
            nom_usage: None,
            prenoms: prenoms.into(),
            sexe: Sexe::F,
            date_naissance: Date::parse("1980-05-17").expect("date"),
            lieu_naissance: "Lyon".into(),
            adresse_numero: Some(12),
            adresse_complement: None,
            voie: 1,
            bureau: bureau.into(),
            ine: ine.map(str::to_string),
            liste: Liste::Generale,
        }
    }

    fn incoming(line: u64, e: Elector) -> Incoming {
        Incoming {
            line,
            elector: Elector { id: 0, ..e },
        }
    }

    #[test]
    fn each_difference_is_one_mouvement() {
        let records = vec![
            elector(1, "Martin", "Anne", "0001", Some("123456789")),
            elector(2, "Petit", "Jean", "0001", None),
            elector(3, "Durand", "Luc", "0002", None),
            elector(4, "Roux", "Eve", "0002", None),
        ];
        // 4 was radiated before: off the roll.
        let on_roll: HashSet<i64> = [1, 2, 3].into();
        let mut moved = elector(0, "Martin", "Anne", "0002", Some("123456789"));
        moved.adresse_numero = Some(40);
        let file = vec![
            incoming(2, moved),
            // Matched with the case aside; the spelling of the file is kept.
            incoming(3, elector(0, "PETIT", "Jean", "0001", None)),
            incoming(4, elector(0, "Roux", "Eve", "0002", None)),
            incoming(5, elector(0, "Nouvel", "Léa", "0003", None)),
        ];
        let u = compare(&records, &on_roll, &file);
        assert_eq!(u.inscriptions.len(), 1);
        assert_eq!(u.inscriptions[0].line, 5);
        assert_eq!(u.radiations, vec![3]);
        assert_eq!(u.unchanged, 0);
        let ids: Vec<(i64, Vec<&str>, bool)> = u
            .modifications
            .iter()
            .map(|m| (m.id, m.changed.clone(), m.reinscription))
            .collect();
        assert_eq!(
            ids,
            vec![
                (1, vec!["adresse_numero", "bureau"], false),
                (2, vec!["nom_naissance"], false),
                (4, vec![], true),
            ]
        );
        assert_eq!(u.mouvements(), 5);
    }

    #[test]
    fn the_same_file_twice_changes_nothing() {
        let records = vec![
            elector(1, "Martin", "Anne", "0001", Some("123456789")),
            elector(2, "Petit", "Jean", "0001", None),
        ];
        let on_roll: HashSet<i64> = [1, 2].into();
        let file: Vec<Incoming> = records
            .iter()
            .enumerate()
            .map(|(i, e)| incoming(i as u64 + 2, e.clone()))
            .collect();
        let u = compare(&records, &on_roll, &file);
        assert_eq!((u.mouvements(), u.unchanged), (0, 2));
    }

    #[test]
    fn an_ine_matches_across_a_change_of_name_and_two_ines_are_two_people() {
        let records = vec![elector(1, "Martin", "Anne", "0001", Some("111"))];
        let on_roll: HashSet<i64> = [1].into();
        let mut married = elector(0, "Martin", "Anne", "0001", Some("111"));
        married.nom_usage = Some("Lefèvre".into());
        let u = compare(&records, &on_roll, &[incoming(2, married)]);
        assert_eq!(u.modifications.len(), 1);
        assert_eq!(u.modifications[0].changed, vec!["nom_usage"]);

        // A namesake born the same day in the same town, with another INE.
        let other = elector(0, "Martin", "Anne", "0001", Some("222"));
        let u = compare(&records, &on_roll, &[incoming(2, other)]);
        assert_eq!(u.inscriptions.len(), 1);
        assert_eq!(u.radiations, vec![1]);
    }

    #[test]
    fn a_record_is_matched_once() {
        let records = vec![elector(1, "Martin", "Anne", "0001", None)];
        let on_roll: HashSet<i64> = [1].into();
        let twice = [
            incoming(2, elector(0, "Martin", "Anne", "0001", None)),
            incoming(3, elector(0, "Martin", "Anne", "0001", None)),
        ];
        let u = compare(&records, &on_roll, &twice);
        assert_eq!((u.unchanged, u.inscriptions.len()), (1, 1));
    }
}
