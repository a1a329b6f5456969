//! openElec's liste d'émargement: the electors of a bureau in alphabetical
//! order with their numéro d'ordre (L62-1), and, next to a mandant's name,
//! the mandataire who signs for him (L74).
//!
//! # The order
//!
//! By nom de naissance (the nom d'usage is printed, not sorted on), then
//! prénoms, then date of birth, then record id (so the order is total and
//! stable). Names are compared on a key ([`name_key`]):
//! - case and accents folded by the engine's `module_engine::value::fold`
//!   (« Émile » = « emile », « Œ » = « oe »);
//! - letter by letter: spaces, hyphens and apostrophes do not count
//!   (« Le Gall » sorts as « legall », after « Lefèvre », before « Leroy »);
//! - a leading particle « de » or « d' » does not count, an article does
//!   (« d'Artagnan » sorts under A, « de Gaulle » under G, « de La
//!   Fontaine » under L, while « Le Pen », « La Fontaine », « Du Bellay »
//!   and « Des Cars » sort under L and D), the usage of French indexes and
//!   catalogues; a name that is only the particle (« De ») keeps it.
//!
//! Names are printed as written: only the key is folded.

use std::cmp::Ordering;
use std::collections::HashMap;

use serde::Serialize;

use super::procuration::{Procuration, in_force};
use super::roll::Elector;
use super::{Date, ElectorId, Liste, ProcurationId};

/// The sort key of a name: folded, letters and digits only, without a
/// leading « de » or « d' » (see the module's documentation).
pub fn name_key(name: &str) -> String {
    let folded = module_engine::value::fold(name);
    let words: Vec<&str> = folded.split_whitespace().collect();
    let skip = match words.as_slice() {
        ["de" | "d", _, ..] => 1,
        _ => 0,
    };
    words[skip..]
        .iter()
        .flat_map(|w| w.chars())
        .filter(|c| c.is_alphanumeric())
        .collect()
}

/// The key of the liste d'émargement's order.
pub(crate) fn order_key(e: &Elector) -> (String, String, Date, ElectorId) {
    (
        name_key(&e.nom_naissance),
        name_key(&e.prenoms),
        e.date_naissance,
        e.id,
    )
}

/// Compares two electors in the liste d'émargement's order.
pub fn emargement_cmp(a: &Elector, b: &Elector) -> Ordering {
    order_key(a).cmp(&order_key(b))
}

/// Who signs for a mandant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mandataire {
    pub procuration: ProcurationId,
    pub elector: ElectorId,
    /// « Prénoms Nom » ([`Elector::name`]).
    pub name: String,
    /// « Nom P. » (the name used, the first given name's initial): what
    /// fits in a signature cell of an A4 list.
    pub short: String,
}

/// One line of the liste d'émargement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EmargementLine {
    /// The numéro d'ordre, from 1 (L62-1).
    pub numero: usize,
    pub elector: ElectorId,
    pub bureau: String,
    pub liste: Liste,
    pub nom_naissance: String,
    pub nom_usage: Option<String>,
    pub prenoms: String,
    pub date_naissance: Date,
    pub lieu_naissance: String,
    /// The mandataire of a procuration in force on the election day.
    pub mandataire: Option<Mandataire>,
}

/// The liste d'émargement of `electors` (the electors of one bureau and
/// one list, or whatever the caller prints together) for the election of
/// `on`: in alphabetical order (see the module's documentation), numbered
/// from 1, each mandant with the mandataire of his procuration in force
/// that day ([`in_force`]: valid on `on`, not void under L73, the latest
/// one when a mandant gave several, L75). `roll` is where mandataires are
/// looked up by id (they may vote in another bureau; pass the whole roll).
pub fn emargement_order(
    electors: &[Elector],
    roll: &[Elector],
    procurations: &[Procuration],
    on: Date,
) -> Vec<EmargementLine> {
    let names: HashMap<ElectorId, &Elector> = roll.iter().map(|e| (e.id, e)).collect();
    let by_mandant: HashMap<ElectorId, &Procuration> = in_force(procurations, on)
        .into_iter()
        .map(|p| (p.mandant, p))
        .collect();
    let mut sorted: Vec<(_, &Elector)> = electors.iter().map(|e| (order_key(e), e)).collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    sorted
        .into_iter()
        .enumerate()
        .map(|(i, (_, e))| EmargementLine {
            numero: i + 1,
            elector: e.id,
            bureau: e.bureau.clone(),
            liste: e.liste,
            nom_naissance: e.nom_naissance.clone(),
            nom_usage: e.nom_usage.clone(),
            prenoms: e.prenoms.clone(),
            date_naissance: e.date_naissance,
            lieu_naissance: e.lieu_naissance.clone(),
            mandataire: by_mandant.get(&e.id).map(|p| Mandataire {
                procuration: p.id,
                elector: p.mandataire,
                name: names
                    .get(&p.mandataire)
                    .map_or_else(|| format!("électeur n° {}", p.mandataire), |m| m.name()),
                short: names.get(&p.mandataire).map_or_else(
                    || format!("n° {}", p.mandataire),
                    |m| {
                        let nom = m
                            .nom_usage
                            .as_deref()
                            .map(str::trim)
                            .filter(|u| !u.is_empty())
                            .unwrap_or(&m.nom_naissance);
                        match m.prenoms.chars().next() {
                            Some(c) => format!("{nom} {c}."),
                            None => nom.to_string(),
                        }
                    },
                ),
            }),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_fold_case_accents_spaces_and_the_particle() {
        assert_eq!(name_key("d'Artagnan"), "artagnan");
        assert_eq!(name_key("D’ARTAGNAN"), "artagnan");
        assert_eq!(name_key("de Gaulle"), "gaulle");
        assert_eq!(name_key("De La Fontaine"), "lafontaine");
        assert_eq!(name_key("Le Gall"), "legall");
        assert_eq!(name_key("Du Bellay"), "dubellay");
        assert_eq!(name_key("Lefèvre-Dupré"), "lefevredupre");
        assert_eq!(name_key("ŒUVRARD"), "oeuvrard");
        assert_eq!(name_key("De"), "de");
        assert_eq!(name_key("Dessaint"), "dessaint");
    }
}
