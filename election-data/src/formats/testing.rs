//! Test support for the formats: random results files in canonical form.
//!
//! "Canonical" means what a decoder of the richest format can give back:
//! every bureau has a procès-verbal whose inscrits are the roll's, bureaux
//! are named `Bureau <code>`, colours are the nuance defaults, the perimeters
//! are the commune and the circonscriptions in order of first use. Strings
//! include separators, quotes and accents to exercise quoting.

use std::collections::BTreeMap;

use proptest::prelude::*;

use super::{CommuneMeta, ElectionHeader, Person, ResultsFile, Sexe, default_colour};
use crate::fixtures::SplitMix;
use crate::model::{
    Bureau, Candidate, CandidateVoix, Election, ElectionKind, Perimeter, PerimeterKind,
    ProcesVerbal,
};

pub fn header_of(e: &Election) -> ElectionHeader {
    ElectionHeader {
        id: e.id.clone(),
        label: e.label.clone(),
        kind: e.kind,
        round: e.round,
        date: e.date.clone(),
    }
}

const KINDS: [ElectionKind; 8] = [
    ElectionKind::Presidentielle,
    ElectionKind::Legislatives,
    ElectionKind::Europeennes,
    ElectionKind::Regionales,
    ElectionKind::Departementales,
    ElectionKind::Municipales,
    ElectionKind::Communautaires,
    ElectionKind::Referendum,
];

fn label() -> impl Strategy<Value = String> {
    "[A-Za-zÉé][A-Za-zéèàç0-9' ;,\"&<>-]{0,18}[a-z]"
}

fn nom() -> impl Strategy<Value = String> {
    "[A-ZÉ][A-Z' -]{0,8}[A-Z]"
}

fn prenom() -> impl Strategy<Value = String> {
    prop_oneof![Just(String::new()), "[A-Z][a-zé]{1,8}(-[A-Z][a-z]{1,5})?"]
}

/// Splits `total` into `n` parts at random.
fn split(rng: &mut SplitMix, total: i64, n: usize) -> Vec<i64> {
    let mut parts = vec![0i64; n];
    if n == 0 {
        return parts;
    }
    let mut left = total;
    for p in parts.iter_mut().take(n - 1) {
        let take = i64::try_from(rng.between(0, u64::try_from(left).unwrap_or(0))).unwrap_or(0);
        *p = take;
        left -= take;
    }
    parts[n - 1] = left;
    parts
}

prop_compose! {
    /// A results file in canonical form.
    pub fn arb_results()(
        seed in any::<u64>(),
        dep in prop_oneof![Just(("13", "004")), Just(("2A", "041")), Just(("974", "11")), Just(("75", "056"))],
        commune_label in label(),
        circ_labels in proptest::collection::vec(label(), 0..3),
        nuances in prop_oneof![Just(false), Just(true)],
        people in proptest::collection::vec((nom(), prenom(), proptest::option::of(prop_oneof![Just(Sexe::M), Just(Sexe::F)]), proptest::option::of("[A-Z]{2,4}")), 1..6),
        codes in proptest::collection::btree_set("[0-9A-Z]{1,5}", 1..6),
        label in label(),
    ) -> ResultsFile {
        let mut rng = SplitMix::new(seed);
        let kind = KINDS[usize::try_from(rng.between(0, 7)).unwrap_or(0)];
        let root = format!("{}{}", dep.0, dep.1);
        // Panel numbers: distinct, in a shuffled ballot order.
        let mut numbers: Vec<u32> = (1..=20).collect();
        for i in (1..numbers.len()).rev() {
            let j = usize::try_from(rng.between(0, i as u64)).unwrap_or(0);
            numbers.swap(i, j);
        }
        let mut candidates = Vec::new();
        let mut persons = BTreeMap::new();
        for (i, (nom, prenom, sexe, nuance)) in people.into_iter().enumerate() {
            let number = numbers[i];
            let nuance = if nuances { nuance } else { None };
            let person = Person { nom, prenom, sexe };
            candidates.push(Candidate {
                number,
                name: person.display_name(),
                colour: default_colour(nuance.as_deref()).to_string(),
                nuance,
                list_size: None,
                cc_list_size: None,
                commune: None,
                panel: None,
                sexe: None,
            });
            persons.insert(number, person);
        }
        let circ_codes: Vec<String> = (0..circ_labels.len()).map(|i| format!("{:02}", i + 1)).collect();
        let mut perimeters = vec![Perimeter {
            code: root.clone(),
            name: commune_label.clone(),
            kind: PerimeterKind::Commune,
            parent: None,
            population: None,
            cc_seats: None,
        }];
        let mut bureaux = Vec::new();
        let mut pvs = BTreeMap::new();
        for code in codes {
            let mut own = Vec::new();
            if !circ_labels.is_empty() {
                let k = usize::try_from(rng.between(0, circ_labels.len() as u64)).unwrap_or(0);
                if let (Some(c), Some(l)) = (circ_codes.get(k), circ_labels.get(k)) {
                    let pcode = format!("CIRC-{c}");
                    if !perimeters.iter().any(|p| p.code == pcode) {
                        perimeters.push(Perimeter {
                            code: pcode.clone(),
                            name: l.clone(),
                            kind: PerimeterKind::Circonscription,
                            parent: Some(root.clone()),
                            population: None,
                            cc_seats: None,
                        });
                    }
                    own.push(pcode);
                }
            }
            let inscrits = i64::try_from(rng.between(0, 3000)).unwrap_or(0);
            let votants = i64::try_from(rng.between(0, u64::try_from(inscrits).unwrap_or(0))).unwrap_or(0);
            let parts = split(&mut rng, votants, 3);
            let voix = split(&mut rng, parts[2], candidates.len());
            pvs.insert(code.clone(), ProcesVerbal {
                inscrits,
                votants,
                blancs: parts[0],
                nuls: parts[1],
                exprimes: parts[2],
                voix: candidates.iter().zip(voix).map(|(c, v)| CandidateVoix { candidate: c.number, voix: v }).collect(),
                turnout: Vec::new(),
            });
            bureaux.push(Bureau {
                name: format!("Bureau {code}"),
                code,
                address: None,
                inscrits: u32::try_from(inscrits).unwrap_or(0),
                perimeters: own,
            });
        }
        let header = ElectionHeader {
            id: "test-election".into(),
            label,
            kind,
            round: if rng.between(0, 1) == 0 { 1 } else { 2 },
            date: "2027-04-11".into(),
        };
        let election = super::assemble_election(&header, Vec::new(), perimeters, bureaux, candidates)
            .expect("valid parts");
        ResultsFile {
            meta: CommuneMeta {
                departement_code: dep.0.to_string(),
                departement_label: super::departement_label(dep.0).unwrap_or_default().to_string(),
                commune_code: dep.1.to_string(),
                commune_label,
            },
            election,
            pvs,
            people: persons,
            printed: BTreeMap::new(),
            departements: BTreeMap::new(),
        }
    }
}
