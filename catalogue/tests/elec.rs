//! openElec through the engine and on whole data sets: the declaration is
//! sound and private to the desk, each per-record rule gives its field
//! error on a JSON body, and the découpage, L73, the roll at a date, the
//! redistricting, the liste d'émargement, the statistics and the fixture
//! behave on small and commune-sized rolls.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use catalogue::elec::{
    self, Cote, Date, Decoupage, Elector, EtablieA, Fixture, Liste, Mouvement, NatureMouvement,
    Problem, ProblemRule, Procuration, Range, Sexe, Street, Voie, bureau_of, check_new_procuration,
    decoupage_check, emargement_order, fixture, in_force, procuration_limits, redistricting,
    roll_at, statistics, streets, tableau,
};
use module_engine::validate::check_json;
use module_engine::{Entity, Module, Right};
use serde_json::{Value as Json, json};

fn entity<'a>(m: &'a Module, name: &str) -> &'a Entity {
    m.entity(name).expect("declared entity")
}

/// The (field, rule) pairs a body is refused with (empty when accepted).
fn errors(m: &Module, e: &str, body: Json) -> Vec<(String, &'static str)> {
    match check_json(entity(m, e), &body, None) {
        Ok(_) => vec![],
        Err(errs) => errs.into_iter().map(|e| (e.field, e.rule)).collect(),
    }
}

fn one(field: &str, rule: &'static str) -> Vec<(String, &'static str)> {
    vec![(field.to_string(), rule)]
}

fn with(mut base: Json, extra: Json) -> Json {
    if let (Some(o), Some(x)) = (base.as_object_mut(), extra.as_object()) {
        for (k, v) in x {
            if v.is_null() {
                o.remove(k);
            } else {
                o.insert(k.clone(), v.clone());
            }
        }
    }
    base
}

fn d(s: &str) -> Date {
    Date::parse(s).expect("a date")
}

fn bureaux(n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("{i:04}")).collect()
}

// ---------------------------------------------------------------------------
// The declaration.

#[test]
fn the_declaration_has_no_problem_and_joins_the_catalogue() {
    assert_eq!(elec::module().check(), Vec::<String>::new());
    let catalog = module_engine::Catalog::new(catalogue::all()).expect("accepted");
    let m = catalog.module("elec").expect("in the catalogue");
    assert_eq!(m.label, "openElec — liste électorale");
    let names: Vec<&str> = m.entities.iter().map(|e| e.name).collect();
    assert_eq!(
        names,
        ["electeur", "voie", "decoupage", "procuration", "mouvement"]
    );
}

#[test]
fn only_the_desk_and_the_administrator_see_the_roll() {
    let m = elec::module();
    for e in &m.entities {
        for r in [Right::Read, Right::Create, Right::Update, Right::Delete] {
            assert!(e.rights.allows(r, "admin") && e.rights.allows(r, "desk"));
            for other in ["president", "public", ""] {
                assert!(!e.rights.allows(r, other), "{} {other}", e.name);
            }
        }
    }
    for q in &m.queries {
        assert_eq!(q.roles, ["admin", "desk"], "{}", q.name);
    }
    for l in &m.letters {
        assert_eq!(l.roles, ["admin", "desk"], "{}", l.name);
    }
}

#[test]
fn the_electeur_declares_its_searches_filters_and_unique_sets() {
    let m = elec::module();
    let e = entity(&m, "electeur");
    assert_eq!(e.title, ["nom_naissance", "prenoms"]);
    assert_eq!(e.search, ["nom_naissance", "nom_usage", "prenoms"]);
    assert_eq!(e.list.filters, ["bureau", "liste", "sexe", "voie"]);
    let sets: Vec<&[&str]> = e.unique.iter().map(|u| u.fields.as_slice()).collect();
    assert!(sets.contains(&["ine", "liste"].as_slice()));
    assert!(
        sets.contains(
            &[
                "nom_naissance",
                "prenoms",
                "date_naissance",
                "lieu_naissance",
                "liste"
            ]
            .as_slice()
        )
    );
    assert!(
        e.unique
            .iter()
            .any(|u| u.message.contains("un seul bureau d'une liste"))
    );
    assert_eq!(
        entity(&m, "voie").unique[0].fields,
        ["libelle"],
        "one street per name"
    );
}

// ---------------------------------------------------------------------------
// Per-record rules.

fn electeur() -> Json {
    json!({
        "nom_naissance": "Dupont", "prenoms": "Marie Claire", "sexe": "F",
        "date_naissance": "12/05/1980", "lieu_naissance": "Avignon",
        "adresse_numero": 12, "voie": 3, "bureau": "0004", "liste": "generale",
        "ine": "123456789"
    })
}

#[test]
fn an_electeur_is_checked_field_by_field_and_by_its_rule() {
    let m = elec::module();
    let e = |extra: Json| errors(&m, "electeur", with(electeur(), extra));
    assert_eq!(e(json!({})), vec![]);
    assert_eq!(
        e(json!({"nom_usage": "Martin", "adresse_complement": "bis"})),
        vec![]
    );
    assert_eq!(
        e(json!({"adresse_numero": null, "adresse_complement": "bis"})),
        one("adresse_complement", "complement_avec_numero")
    );
    assert_eq!(e(json!({"adresse_numero": null})), vec![]);
    assert_eq!(e(json!({"ine": "12A45"})), one("ine", "pattern"));
    assert_eq!(e(json!({"ine": null})), vec![]);
    assert_eq!(e(json!({"sexe": "X"})), one("sexe", "choice"));
    assert_eq!(e(json!({"liste": "consulaire"})), one("liste", "choice"));
    assert_eq!(
        e(json!({"adresse_numero": -1})),
        one("adresse_numero", "range")
    );
    assert_eq!(
        e(json!({"date_naissance": "31/02/1980"})),
        one("date_naissance", "date")
    );
    assert_eq!(
        e(json!({"nom_naissance": null, "voie": null})),
        vec![
            ("nom_naissance".to_string(), "required"),
            ("voie".to_string(), "required")
        ]
    );
}

#[test]
fn a_range_of_the_decoupage_ends_at_or_after_its_start() {
    let m = elec::module();
    let base = json!({"voie": 1, "cote": "impair", "bureau": "0001"});
    let r = |extra: Json| errors(&m, "decoupage", with(base.clone(), extra));
    assert_eq!(r(json!({})), vec![]);
    assert_eq!(r(json!({"numero_debut": 1, "numero_fin": 45})), vec![]);
    assert_eq!(r(json!({"numero_debut": 45, "numero_fin": 45})), vec![]);
    assert_eq!(
        r(json!({"numero_debut": 45, "numero_fin": 31})),
        one("numero_fin", "fin_apres_debut")
    );
    assert_eq!(r(json!({"numero_debut": 31})), vec![]);
    assert_eq!(r(json!({"numero_debut": -2})), one("numero_debut", "range"));
    assert_eq!(r(json!({"cote": "gauche"})), one("cote", "choice"));
}

#[test]
fn a_procuration_goes_to_someone_else_and_ends_after_it_starts() {
    let m = elec::module();
    let base = json!({"mandant": 1, "mandataire": 2, "debut": "2027-04-11", "etablie_a": "france"});
    let p = |extra: Json| errors(&m, "procuration", with(base.clone(), extra));
    assert_eq!(p(json!({})), vec![]);
    assert_eq!(p(json!({"fin": "2027-04-25"})), vec![]);
    assert_eq!(p(json!({"fin": "2027-04-11"})), vec![]);
    assert_eq!(
        p(json!({"mandataire": 1})),
        one("mandataire", "mandataire_autre")
    );
    assert_eq!(
        p(json!({"fin": "2027-04-10"})),
        one("fin", "fin_apres_debut")
    );
    assert_eq!(p(json!({"etablie_a": null})), one("etablie_a", "required"));
}

#[test]
fn a_modification_says_what_changes_and_a_radiation_changes_nothing_else() {
    let m = elec::module();
    let base = json!({"electeur": 7, "date": "2027-03-01", "motif": "Changement d'adresse"});
    let mv = |extra: Json| errors(&m, "mouvement", with(base.clone(), extra));
    assert_eq!(mv(json!({"nature": "inscription"})), vec![]);
    assert_eq!(
        mv(json!({"nature": "inscription", "bureau": "0002"})),
        vec![]
    );
    assert_eq!(mv(json!({"nature": "radiation"})), vec![]);
    assert_eq!(
        mv(json!({"nature": "modification"})),
        one("bureau", "modification_precisee")
    );
    assert_eq!(
        mv(json!({"nature": "modification", "bureau": "0003"})),
        vec![]
    );
    assert_eq!(
        mv(json!({"nature": "modification", "liste": "complementaire_municipale"})),
        vec![]
    );
    assert_eq!(
        mv(json!({"nature": "radiation", "bureau": "0003"})),
        one("bureau", "modification_precisee")
    );
    assert_eq!(
        mv(json!({"nature": "radiation", "liste": "generale"})),
        one("liste", "modification_precisee")
    );
    assert_eq!(
        mv(json!({"nature": "inscription", "motif": null})),
        one("motif", "required")
    );
}

// ---------------------------------------------------------------------------
// The découpage.

fn range(id: i64, voie: i64, cote: Cote, from: Option<u32>, to: Option<u32>, b: &str) -> Range {
    Range {
        id,
        voie,
        cote,
        numero_debut: from,
        numero_fin: to,
        bureau: b.to_string(),
    }
}

fn lilas(highest_impair: u32, highest_pair: u32) -> Street {
    Street {
        voie: 1,
        libelle: "Rue des Lilas".into(),
        highest_impair: Some(highest_impair),
        highest_pair: Some(highest_pair),
        unnumbered: false,
    }
}

/// What a problem is about: rule, side, numbers, bureaux.
type Brief = (
    ProblemRule,
    Option<Cote>,
    Option<(u32, Option<u32>)>,
    Vec<String>,
);

fn brief(p: &Problem) -> Brief {
    (p.rule, p.cote, p.numeros, p.bureaux.clone())
}

#[test]
fn gaps_and_overlaps_are_found_and_named() {
    let ranges = vec![
        range(1, 1, Cote::Impair, None, Some(29), "0001"),
        range(2, 1, Cote::Impair, Some(47), None, "0002"),
        range(3, 1, Cote::Pair, None, Some(20), "0003"),
        range(4, 1, Cote::Pair, Some(10), None, "0004"),
    ];
    let problems = decoupage_check(&[lilas(61, 40)], &ranges);
    let messages: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "voie Rue des Lilas, côté impair, du 31 au 45 : aucun bureau (art. R40)",
            "voie Rue des Lilas, côté pair, du 10 au 20 : bureaux 0003 et 0004 (art. R40)",
        ]
    );
    assert_eq!(
        brief(&problems[0]),
        (
            ProblemRule::Gap,
            Some(Cote::Impair),
            Some((31, Some(45))),
            vec![]
        )
    );
    assert_eq!(problems[0].article, "R40");
    assert_eq!(
        brief(&problems[1]),
        (
            ProblemRule::Overlap,
            Some(Cote::Pair),
            Some((10, Some(20))),
            vec!["0003".to_string(), "0004".to_string()]
        )
    );
    assert_eq!(problems[1].ranges, [3, 4]);

    // Addresses to bureaux: none in the gap, none in the overlap.
    assert_eq!(bureau_of(&ranges, 1, Some(5)), Some("0001"));
    assert_eq!(bureau_of(&ranges, 1, Some(29)), Some("0001"));
    assert_eq!(bureau_of(&ranges, 1, Some(31)), None);
    assert_eq!(bureau_of(&ranges, 1, Some(47)), Some("0002"));
    assert_eq!(bureau_of(&ranges, 1, Some(8)), Some("0003"));
    assert_eq!(bureau_of(&ranges, 1, Some(12)), None);
    assert_eq!(bureau_of(&ranges, 1, Some(22)), Some("0004"));
    assert_eq!(bureau_of(&ranges, 2, Some(1)), None);
    assert_eq!(
        bureau_of(&ranges, 1, None),
        None,
        "four bureaux on the street"
    );
    let index = Decoupage::new(&ranges);
    for n in 0..100 {
        assert_eq!(index.bureau_of(1, Some(n)), bureau_of(&ranges, 1, Some(n)));
    }
}

#[test]
fn gaps_stop_at_the_highest_known_number_and_overlaps_do_not() {
    let ranges = vec![
        range(1, 1, Cote::Tous, None, Some(10), "0001"),
        range(2, 1, Cote::Impair, Some(51), None, "0002"),
        range(3, 1, Cote::Impair, Some(61), None, "0003"),
        // The same bureau twice places nobody twice.
        range(4, 1, Cote::Pair, Some(12), None, "0001"),
        range(5, 1, Cote::Pair, Some(20), Some(30), "0001"),
    ];
    let problems = decoupage_check(&[lilas(25, 40)], &ranges);
    let got: Vec<_> = problems.iter().map(brief).collect();
    assert_eq!(
        got,
        [
            (
                ProblemRule::Gap,
                Some(Cote::Impair),
                Some((11, Some(25))),
                vec![]
            ),
            (
                ProblemRule::Overlap,
                Some(Cote::Impair),
                Some((61, None)),
                vec!["0002".to_string(), "0003".to_string()]
            ),
        ]
    );
    assert!(
        problems[1]
            .message
            .contains("côté impair, à partir du 61 : bureaux 0002 et 0003")
    );
    // A street nobody lives on has nothing to cover.
    let empty = Street {
        highest_impair: None,
        highest_pair: None,
        ..lilas(0, 0)
    };
    assert_eq!(decoupage_check(&[empty], &[]), vec![]);
    // A street without a range, and houses on one side only.
    let one_side = Street {
        highest_pair: None,
        ..lilas(7, 0)
    };
    let p = decoupage_check(&[one_side], &[]);
    assert_eq!(p.len(), 1);
    assert_eq!(
        p[0].message,
        "voie Rue des Lilas, côté impair, du 1 au 7 : aucun bureau (art. R40)"
    );
}

#[test]
fn faulty_ranges_and_unnumbered_addresses_are_reported() {
    let ranges = vec![
        range(1, 1, Cote::Tous, None, None, "0001"),
        range(2, 9, Cote::Tous, None, None, "0002"),
        range(3, 1, Cote::Pair, Some(30), Some(20), "0001"),
        range(4, 1, Cote::Pair, Some(3), Some(3), "0001"),
    ];
    let street = Street {
        unnumbered: true,
        ..lilas(9, 8)
    };
    let rules: Vec<ProblemRule> = decoupage_check(std::slice::from_ref(&street), &ranges)
        .iter()
        .map(|p| p.rule)
        .collect();
    assert_eq!(
        rules,
        [
            ProblemRule::UnknownVoie,
            ProblemRule::EmptyRange,
            ProblemRule::EmptyRange
        ]
    );
    let p = decoupage_check(std::slice::from_ref(&street), &ranges);
    assert!(
        p[1].message
            .contains("le numéro de fin (20) précède celui de début (30)")
    );
    // Unnumbered addresses are placed while the street has one bureau…
    assert_eq!(bureau_of(&ranges, 1, None), Some("0001"));
    // …and reported when it has two.
    let split = vec![
        range(1, 1, Cote::Impair, None, None, "0001"),
        range(2, 1, Cote::Pair, None, None, "0002"),
    ];
    let p = decoupage_check(&[street], &split);
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].rule, ProblemRule::Unnumbered);
    assert!(
        p[0].message
            .contains("partagée entre les bureaux 0001 et 0002")
    );
}

#[test]
fn streets_take_the_highest_numbers_of_each_side_from_the_electors() {
    let voies = vec![Voie {
        id: 1,
        libelle: "Rue des Lilas".into(),
        code: None,
        commune: None,
    }];
    let mut people = vec![
        elector(1, "Petit", "Jean", "0001"),
        elector(2, "Petit", "Anne", "0001"),
        elector(3, "Roux", "Paul", "0001"),
        elector(4, "Roux", "Lina", "0001"),
    ];
    people[0].adresse_numero = Some(45);
    people[1].adresse_numero = Some(12);
    people[2].adresse_numero = None;
    people[3].voie = 2;
    let s = streets(&voies, &people);
    assert_eq!(
        s,
        [Street {
            voie: 1,
            libelle: "Rue des Lilas".into(),
            highest_impair: Some(45),
            highest_pair: Some(12),
            unnumbered: true,
        }]
    );
}

// ---------------------------------------------------------------------------
// Procurations (L73).

fn elector(id: i64, nom: &str, prenoms: &str, bureau: &str) -> Elector {
    Elector {
        id,
        nom_naissance: nom.to_string(),
        nom_usage: None,
        prenoms: prenoms.to_string(),
        sexe: Sexe::F,
        date_naissance: d("1970-06-15"),
        lieu_naissance: "Avignon".into(),
        adresse_numero: Some(1),
        adresse_complement: None,
        voie: 1,
        bureau: bureau.to_string(),
        ine: None,
        liste: Liste::Generale,
    }
}

fn proc(
    id: i64,
    mandant: i64,
    mandataire: i64,
    where_: EtablieA,
    from: &str,
    to: Option<&str>,
) -> Procuration {
    Procuration {
        id,
        mandant,
        mandataire,
        debut: d(from),
        fin: to.map(d),
        elections: None,
        etablie_a: where_,
        lieu: None,
    }
}

fn roll_of(n: i64) -> Vec<Elector> {
    (1..=n)
        .map(|i| elector(i, &format!("Nom{i}"), "Prénom", "0001"))
        .collect()
}

const DAY: &str = "2027-04-11";

#[test]
fn a_third_procuration_is_refused() {
    let roll = roll_of(10);
    let existing = vec![
        proc(1, 2, 1, EtablieA::France, DAY, None),
        proc(2, 3, 1, EtablieA::Etranger, DAY, None),
    ];
    assert_eq!(procuration_limits(&roll, &existing, d(DAY)), vec![]);
    let third = proc(
        3,
        4,
        1,
        EtablieA::Etranger,
        "2027-04-01",
        Some("2027-06-30"),
    );
    let p = check_new_procuration(&roll, &existing, &third);
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].rule, ProblemRule::MoreThanTwo);
    assert_eq!(p[0].article, "L73");
    assert_eq!(p[0].electors, [1]);
    assert_eq!(p[0].procurations, [3, 1, 2]);
    assert!(
        p[0].message.starts_with(
            "le mandataire Prénom Nom1 dispose déjà de deux procurations en cours le 11/04/2027 \
             (n° 1 et 2) : la procuration n° 3 (établie à l'étranger) de Prénom Nom4 est nulle"
        ),
        "{}",
        p[0].message
    );
    assert!(p[0].message.ends_with("(art. L73)"));
    // Over the whole roll, the third recorded is the void one.
    let mut all = existing.clone();
    all.push(third);
    let p = procuration_limits(&roll, &all, d(DAY));
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].procurations[0], 3);
    assert_eq!(elec::void_procurations(&all, d(DAY)), BTreeSet::from([3]));
    assert_eq!(in_force(&all, d(DAY)).len(), 2);
    // Before the two others start, the third would stand.
    assert_eq!(procuration_limits(&roll, &all, d("2027-04-05")), vec![]);
}

#[test]
fn a_second_procuration_established_in_france_is_refused() {
    let roll = roll_of(10);
    let existing = vec![proc(
        1,
        2,
        1,
        EtablieA::France,
        "2027-01-01",
        Some("2027-12-31"),
    )];
    let second = proc(2, 3, 1, EtablieA::France, DAY, Some("2027-04-25"));
    let p = check_new_procuration(&roll, &existing, &second);
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].rule, ProblemRule::SecondInFrance);
    assert!(
        p[0].message.contains(
            "dispose déjà d'une procuration établie en France en cours le 11/04/2027 (n° 1)"
        ),
        "{}",
        p[0].message
    );
    // One established abroad is accepted next to it.
    let abroad = Procuration {
        etablie_a: EtablieA::Etranger,
        ..second.clone()
    };
    assert_eq!(check_new_procuration(&roll, &existing, &abroad), vec![]);
    // The first recorded stands, whatever their dates.
    let all = vec![existing[0].clone(), second];
    let p = procuration_limits(&roll, &all, d("2027-04-20"));
    assert_eq!(p.len(), 1);
    assert_eq!(
        (p[0].rule, p[0].procurations[0]),
        (ProblemRule::SecondInFrance, 2)
    );
}

#[test]
fn an_expired_procuration_is_not_counted() {
    let roll = roll_of(10);
    let existing = vec![
        proc(1, 2, 1, EtablieA::France, "2026-01-01", Some("2026-12-31")),
        proc(2, 3, 1, EtablieA::Etranger, "2026-06-01", None),
    ];
    let new = proc(3, 4, 1, EtablieA::France, DAY, None);
    assert_eq!(check_new_procuration(&roll, &existing, &new), vec![]);
    let mut all = existing;
    all.push(new);
    assert_eq!(procuration_limits(&roll, &all, d(DAY)), vec![]);
    // On a day they overlapped, the limits held too (1 + 1).
    assert_eq!(procuration_limits(&roll, &all, d("2026-06-01")), vec![]);
}

#[test]
fn overlapping_periods_are_checked_on_every_day_of_the_new_one() {
    let roll = roll_of(10);
    // Two procurations one after the other, each alone on its days.
    let existing = vec![
        proc(
            1,
            2,
            1,
            EtablieA::Etranger,
            "2027-01-01",
            Some("2027-03-31"),
        ),
        proc(
            2,
            3,
            1,
            EtablieA::Etranger,
            "2027-05-01",
            Some("2027-06-30"),
        ),
    ];
    // Spanning both, it is never with two others: accepted.
    let long = proc(
        3,
        4,
        1,
        EtablieA::Etranger,
        "2027-02-01",
        Some("2027-06-01"),
    );
    assert_eq!(check_new_procuration(&roll, &existing, &long), vec![]);
    // A third existing one that overlaps the second: from 1 May, three.
    let mut more = existing.clone();
    more.push(proc(
        4,
        5,
        1,
        EtablieA::Etranger,
        "2027-04-20",
        Some("2027-05-15"),
    ));
    let p = check_new_procuration(&roll, &more, &long);
    assert_eq!(p.len(), 1);
    assert!(
        p[0].message.contains("le 01/05/2027 (n° 2 et 4)"),
        "{}",
        p[0].message
    );
}

#[test]
fn mandants_and_mandataires_are_electors_of_the_roll_and_distinct() {
    let roll = roll_of(3);
    let all = vec![
        proc(1, 99, 1, EtablieA::France, DAY, None),
        proc(2, 2, 98, EtablieA::France, DAY, None),
        proc(3, 3, 3, EtablieA::France, DAY, None),
        proc(4, 2, 1, EtablieA::Etranger, DAY, None),
    ];
    let rules: Vec<ProblemRule> = procuration_limits(&roll, &all, d(DAY))
        .iter()
        .map(|p| p.rule)
        .collect();
    assert_eq!(
        rules,
        [
            ProblemRule::MandantNotOnRoll,
            ProblemRule::MandataireNotOnRoll,
            ProblemRule::SelfMandate,
            ProblemRule::SeveralForOneMandant,
        ]
    );
    let new = proc(5, 2, 3, EtablieA::France, DAY, None);
    let p = check_new_procuration(&roll, &all, &new);
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].rule, ProblemRule::SeveralForOneMandant);
    assert!(
        p[0].message
            .contains("(n° 2, le 11/04/2027 ; n° 4, le 11/04/2027)")
    );
    // The self-mandate does not count, and the mandant's latest stands.
    let in_force: Vec<i64> = in_force(&all, d(DAY)).iter().map(|p| p.id).collect();
    assert_eq!(in_force, [1, 4]);
}

// ---------------------------------------------------------------------------
// The roll at a date.

fn mouvement(id: i64, electeur: i64, nature: NatureMouvement, date: &str) -> Mouvement {
    Mouvement {
        id,
        electeur,
        nature,
        date: d(date),
        bureau: None,
        liste: None,
    }
}

#[test]
fn the_roll_at_a_date_applies_the_mouvements_up_to_it() {
    let base = vec![
        elector(1, "Arnaud", "Alice", "0001"),
        elector(2, "Blanc", "Bruno", "0001"),
        elector(3, "Colin", "Chloé", "0001"),
        elector(4, "Duval", "Denis", "0002"),
    ];
    let mouvements = vec![
        Mouvement {
            bureau: Some("0002".into()),
            ..mouvement(1, 3, NatureMouvement::Inscription, "2027-02-01")
        },
        mouvement(2, 1, NatureMouvement::Radiation, "2027-03-01"),
        Mouvement {
            bureau: Some("0003".into()),
            ..mouvement(3, 2, NatureMouvement::Modification, "2027-02-15")
        },
        Mouvement {
            liste: Some(Liste::ComplementaireMunicipale),
            ..mouvement(4, 4, NatureMouvement::Modification, "2027-02-15")
        },
        // An elector not among the records: ignored.
        mouvement(5, 99, NatureMouvement::Inscription, "2027-01-01"),
    ];
    let at = |date: &str| -> Vec<(i64, String, Liste)> {
        roll_at(&base, &mouvements, d(date))
            .into_iter()
            .map(|e| (e.id, e.bureau, e.liste))
            .collect()
    };
    let g = Liste::Generale;
    assert_eq!(
        at("2027-01-15"),
        [
            (1, "0001".into(), g),
            (2, "0001".into(), g),
            (4, "0002".into(), g)
        ]
    );
    assert_eq!(
        at("2027-02-20"),
        [
            (1, "0001".into(), g),
            (3, "0002".into(), g),
            (4, "0002".into(), Liste::ComplementaireMunicipale),
            (2, "0003".into(), g),
        ]
    );
    assert_eq!(
        at("2027-03-01"),
        [
            (3, "0002".into(), g),
            (4, "0002".into(), Liste::ComplementaireMunicipale),
            (2, "0003".into(), g),
        ]
    );
    // Radiated then registered again.
    let mut again = mouvements.clone();
    again.push(mouvement(6, 1, NatureMouvement::Inscription, "2027-03-10"));
    let ids: Vec<i64> = roll_at(&base, &again, d("2027-03-10"))
        .iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(ids, [1, 3, 4, 2]);

    let t = tableau(&roll_at(&base, &mouvements, d("2027-02-20")));
    let rows: Vec<(&str, usize, usize, usize)> = t
        .iter()
        .map(|r| {
            (
                r.bureau.as_str(),
                r.inscrits,
                r.par_liste.get(Liste::Generale),
                r.par_liste.get(Liste::ComplementaireMunicipale),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [("0001", 1, 1, 0), ("0002", 2, 1, 1), ("0003", 1, 1, 0)]
    );
    assert_eq!(
        t[1].par_liste
            .on(&[Liste::Generale, Liste::ComplementaireMunicipale]),
        2
    );
    assert_eq!(t[1].par_liste.on(&[Liste::Generale]), 1);
}

// ---------------------------------------------------------------------------
// Redistricting.

#[test]
fn redistricting_moves_exactly_the_electors_of_the_moved_range() {
    let f = fixture::roll(7, &bureaux(4), 3_000);
    // Move a range with electors to another bureau.
    let index = Decoupage::new(&f.ranges);
    let moved = f
        .ranges
        .iter()
        .find(|r| {
            f.electors
                .iter()
                .filter(|e| e.voie == r.voie && e.adresse_numero.is_some_and(|n| r.contains(n)))
                .count()
                > 20
        })
        .expect("a populated range");
    let target = if moved.bureau == "0001" {
        "0002"
    } else {
        "0001"
    };
    let after: Vec<Range> = f
        .ranges
        .iter()
        .map(|r| {
            if r.id == moved.id {
                Range {
                    bureau: target.to_string(),
                    ..r.clone()
                }
            } else {
                r.clone()
            }
        })
        .collect();
    let change = redistricting(&f.electors, &f.ranges, &after);
    let expected: Vec<i64> = f
        .electors
        .iter()
        .filter(|e| e.voie == moved.voie && e.adresse_numero.is_some_and(|n| moved.contains(n)))
        .map(|e| e.id)
        .collect();
    let got: Vec<i64> = change.moves.iter().map(|m| m.elector).collect();
    assert_eq!(got, expected);
    assert!(change.unplaced.is_empty());
    for m in &change.moves {
        assert_eq!(
            (m.from.as_str(), m.to.as_str()),
            (moved.bureau.as_str(), target)
        );
        let e = f.elector(m.elector).expect("known");
        assert_eq!(
            index.bureau_of(e.voie, e.adresse_numero),
            Some(m.from.as_str())
        );
    }
    let by: BTreeMap<&str, (usize, usize)> = change
        .inscrits
        .iter()
        .map(|c| (c.bureau.as_str(), (c.before, c.after)))
        .collect();
    let n = expected.len();
    assert_eq!(by[moved.bureau.as_str()].1 + n, by[moved.bureau.as_str()].0);
    assert_eq!(by[target].0 + n, by[target].1);
    let (before, after): (usize, usize) = by.values().fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    assert_eq!((before, after), (3_000, 3_000));

    // The same découpage moves nobody; one without the range unplaces them.
    assert!(
        redistricting(&f.electors, &f.ranges, &f.ranges)
            .moves
            .is_empty()
    );
    let without: Vec<Range> = f
        .ranges
        .iter()
        .filter(|r| r.id != moved.id)
        .cloned()
        .collect();
    let change = redistricting(&f.electors, &f.ranges, &without);
    assert!(change.moves.is_empty());
    assert_eq!(change.unplaced, expected);
}

// ---------------------------------------------------------------------------
// The liste d'émargement.

#[test]
fn the_liste_demargement_is_alphabetical_with_accents_and_particles_folded() {
    let names = [
        ("Dupont", "Marie"),
        ("d'Artagnan", "Charles"),
        ("Émery", "Paul"),
        ("Eberhardt", "Luc"),
        ("Le Gall", "Yann"),
        ("Lefèvre", "Zoé"),
        ("LEFEBVRE", "Anne"),
        ("Leroy", "Noël"),
        ("de Gaulle", "Charles"),
        ("Du Bellay", "Joachim"),
        ("Dupont", "Élodie"),
        ("Dupont", "Élodie"),
        ("Œuvrard", "Jean"),
        ("Orsini", "Paul"),
    ];
    let mut electors: Vec<Elector> = names
        .iter()
        .enumerate()
        .map(|(i, (n, p))| elector(i as i64 + 1, n, p, "0001"))
        .collect();
    // Two Élodie Dupont: the elder first.
    electors[10].date_naissance = d("1990-01-01");
    electors[11].date_naissance = d("1960-01-01");
    electors[0].nom_usage = Some("Martin".into());
    let list = emargement_order(&electors, &electors, &[], d(DAY));
    let order: Vec<(String, String)> = list
        .iter()
        .map(|l| (l.nom_naissance.clone(), l.prenoms.clone()))
        .collect();
    let want: Vec<(String, String)> = [
        ("d'Artagnan", "Charles"),
        ("Du Bellay", "Joachim"),
        ("Dupont", "Élodie"),
        ("Dupont", "Élodie"),
        ("Dupont", "Marie"),
        ("Eberhardt", "Luc"),
        ("Émery", "Paul"),
        ("de Gaulle", "Charles"),
        ("LEFEBVRE", "Anne"),
        ("Lefèvre", "Zoé"),
        ("Le Gall", "Yann"),
        ("Leroy", "Noël"),
        ("Œuvrard", "Jean"),
        ("Orsini", "Paul"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(order, want);
    assert_eq!((list[2].elector, list[3].elector), (12, 11));
    let numbers: Vec<usize> = list.iter().map(|l| l.numero).collect();
    assert_eq!(numbers, (1..=14).collect::<Vec<_>>());
    assert_eq!(list[4].nom_usage.as_deref(), Some("Martin"));
}

#[test]
fn the_liste_demargement_names_the_mandataire_of_a_procuration_in_force() {
    let mut roll = vec![
        elector(1, "Arnaud", "Alice", "0001"),
        elector(2, "Blanc", "Bruno", "0001"),
        elector(3, "Colin", "Chloé", "0002"),
        elector(4, "Duval", "Denis", "0001"),
    ];
    roll[2].nom_usage = Some("Marchand".into());
    let procurations = vec![
        proc(1, 1, 3, EtablieA::France, "2027-01-01", Some("2027-12-31")),
        // Expired: Bruno votes himself.
        proc(2, 2, 4, EtablieA::France, "2026-01-01", Some("2026-12-31")),
        // A second in France for Chloé on the day: void (L73).
        proc(3, 4, 3, EtablieA::France, DAY, None),
    ];
    let bureau: Vec<Elector> = roll
        .iter()
        .filter(|e| e.bureau == "0001")
        .cloned()
        .collect();
    let list = emargement_order(&bureau, &roll, &procurations, d(DAY));
    let shown: Vec<(i64, Option<String>)> = list
        .iter()
        .map(|l| (l.elector, l.mandataire.as_ref().map(|m| m.name.clone())))
        .collect();
    assert_eq!(
        shown,
        [
            (1, Some("Chloé Marchand née Colin".to_string())),
            (2, None),
            (4, None)
        ]
    );
    assert_eq!(list[0].mandataire.as_ref().map(|m| m.procuration), Some(1));
}

// ---------------------------------------------------------------------------
// Statistics.

#[test]
fn statistics_add_up() {
    let f = fixture::roll(11, &bureaux(6), 5_000);
    let s = statistics(&f.electors, fixture::ELECTION_DAY);
    assert_eq!(s.bureaux.len(), 6);
    assert_eq!(s.total.inscrits, 5_000);
    let mut sum = 0;
    for b in &s.bureaux {
        let c = &b.counts;
        assert_eq!(c.par_liste.total(), c.inscrits);
        assert_eq!(c.femmes + c.hommes, c.inscrits);
        assert_eq!(c.par_age.total(), c.inscrits);
        assert_eq!(c.par_age.get(elec::AgeBand::Under18), 0);
        sum += c.inscrits;
    }
    assert_eq!(sum, s.total.inscrits);
    for band in elec::AgeBand::ALL {
        let by: usize = s.bureaux.iter().map(|b| b.counts.par_age.get(band)).sum();
        assert_eq!(by, s.total.par_age.get(band), "{}", band.label());
    }
    for l in Liste::ALL {
        let by: usize = s.bureaux.iter().map(|b| b.counts.par_liste.get(*l)).sum();
        assert_eq!(by, s.total.par_liste.get(*l));
    }
    assert_eq!(s.total.femmes + s.total.hommes, 5_000);
    // The bands follow the dates of birth.
    let young = Elector {
        date_naissance: d("2009-04-12"),
        ..elector(1, "Petit", "Léo", "0001")
    };
    let old = Elector {
        date_naissance: d("1947-04-11"),
        sexe: Sexe::M,
        ..elector(2, "Petit", "Louis", "0001")
    };
    let s = statistics(&[young, old], d(DAY));
    let c = &s.bureaux[0].counts;
    assert_eq!(c.par_age.get(elec::AgeBand::Under18), 1);
    assert_eq!(c.par_age.get(elec::AgeBand::From80), 1);
    assert_eq!((c.femmes, c.hommes), (1, 1));
    let json = serde_json::to_value(&s).expect("serialises");
    assert_eq!(json["total"]["par_age"]["80_plus"], 1);
    assert_eq!(json["total"]["par_liste"]["generale"], 2);
}

// ---------------------------------------------------------------------------
// The fixture.

#[test]
fn the_fixture_is_a_sound_commune_sized_roll() {
    let codes = bureaux(34);
    let started = std::time::Instant::now();
    let f = fixture::roll(2027, &codes, 33_000);
    let took = started.elapsed();
    eprintln!("fixture: 33,000 electors in {took:?}");
    assert!(took.as_secs() < 10, "{took:?}");
    assert_eq!(f.electors.len(), 33_000);

    // The découpage has no fault and places every elector in his bureau.
    let s = streets(&f.voies, &f.electors);
    assert_eq!(decoupage_check(&s, &f.ranges), vec![]);
    let index = Decoupage::new(&f.ranges);
    for e in &f.electors {
        assert_eq!(
            index.bureau_of(e.voie, e.adresse_numero),
            Some(e.bureau.as_str()),
            "{e:?}"
        );
    }
    assert!(f.ranges.iter().any(|r| r.cote == Cote::Tous));
    assert!(f.ranges.iter().any(|r| r.numero_fin.is_some()));

    // No L73 violation, on either tour.
    for day in [fixture::ELECTION_DAY, fixture::ELECTION_DAY.add_days(14)] {
        assert_eq!(
            procuration_limits(&f.electors, &f.procurations, day),
            vec![]
        );
    }
    let share = f.procurations.len() as f64 / 33_000.0;
    assert!((0.015..0.025).contains(&share), "{share}");
    assert!(
        f.procurations
            .iter()
            .any(|p| p.etablie_a == EtablieA::Etranger)
    );
    assert_eq!(
        in_force(&f.procurations, fixture::ELECTION_DAY).len(),
        f.procurations.len()
    );

    // About 970 per bureau, none empty, adding up to the total.
    let t = tableau(&f.electors);
    assert_eq!(t.len(), 34);
    assert_eq!(t.iter().map(|r| r.inscrits).sum::<usize>(), 33_000);
    for r in &t {
        assert!(
            (900..=1_050).contains(&r.inscrits),
            "{} {}",
            r.bureau,
            r.inscrits
        );
        assert_eq!(r.par_liste.total(), r.inscrits);
    }

    // What makes it realistic.
    let count = |p: &dyn Fn(&Elector) -> bool| f.electors.iter().filter(|e| p(e)).count();
    let complementaires = count(&|e| e.liste != Liste::Generale);
    assert!((300..2_500).contains(&complementaires), "{complementaires}");
    assert!(count(&|e| e.liste == Liste::ComplementaireEuropeenne) > 50);
    assert!(count(&|e| e.nom_usage.is_some()) > 2_000);
    assert!(count(&|e| e.prenoms.contains('-')) > 500);
    assert!(count(&|e| e.prenoms.contains(' ')) > 10_000);
    assert!(count(&|e| e.nom_naissance.contains(' ')) > 200);
    assert!(count(&|e| e.adresse_complement.is_some()) > 100);
    let women = count(&|e| e.sexe == Sexe::F);
    assert!((15_000..18_500).contains(&women), "{women}");
    for e in &f.electors {
        let age = e.date_naissance.age_on(fixture::ELECTION_DAY);
        assert!((18..=100).contains(&age), "{age}");
    }
    let stats = statistics(&f.electors, fixture::ELECTION_DAY);
    let over80 = stats.total.par_age.get(elec::AgeBand::From80);
    assert!((1_500..3_500).contains(&over80), "{over80}");

    // The engine's unique sets hold.
    let mut identities = HashSet::new();
    let mut ines = HashSet::new();
    for e in &f.electors {
        assert!(identities.insert((
            e.nom_naissance.clone(),
            e.prenoms.clone(),
            e.date_naissance,
            e.lieu_naissance.clone(),
            e.liste
        )));
        assert!(ines.insert((e.ine.clone().expect("an INE"), e.liste)));
    }
    let libelles: HashSet<&str> = f.voies.iter().map(|v| v.libelle.as_str()).collect();
    assert_eq!(libelles.len(), f.voies.len());
}

#[test]
fn the_fixture_is_deterministic_and_each_record_passes_the_engine() {
    let a = fixture::roll(5, &bureaux(3), 600);
    assert_eq!(a, fixture::roll(5, &bureaux(3), 600));
    assert_ne!(a.electors, fixture::roll(6, &bureaux(3), 600).electors);
    assert_eq!(fixture::roll(5, &[], 600), Fixture::default());
    let tiny = fixture::roll(5, &bureaux(2), 1);
    assert_eq!(tiny.electors.len(), 1);
    assert_eq!(
        decoupage_check(&streets(&tiny.voies, &tiny.electors), &tiny.ranges),
        vec![]
    );

    let m = elec::module();
    let opt = |v: &Option<String>| v.clone().map_or(Json::Null, Json::String);
    for e in a.electors.iter().take(200) {
        let body = json!({
            "nom_naissance": e.nom_naissance, "nom_usage": opt(&e.nom_usage),
            "prenoms": e.prenoms, "sexe": e.sexe.code(),
            "date_naissance": e.date_naissance.to_string(), "lieu_naissance": e.lieu_naissance,
            "adresse_numero": e.adresse_numero, "adresse_complement": opt(&e.adresse_complement),
            "voie": e.voie, "bureau": e.bureau, "ine": opt(&e.ine), "liste": e.liste.code(),
        });
        assert_eq!(errors(&m, "electeur", body), vec![], "{e:?}");
    }
    for v in &a.voies {
        let body = json!({"libelle": v.libelle, "code": opt(&v.code), "commune": opt(&v.commune)});
        assert_eq!(errors(&m, "voie", body), vec![], "{v:?}");
    }
    for r in &a.ranges {
        let body = json!({
            "voie": r.voie, "cote": r.cote.code(), "numero_debut": r.numero_debut,
            "numero_fin": r.numero_fin, "bureau": r.bureau,
        });
        assert_eq!(errors(&m, "decoupage", body), vec![], "{r:?}");
    }
    for p in &a.procurations {
        let body = json!({
            "mandant": p.mandant, "mandataire": p.mandataire, "debut": p.debut.to_string(),
            "fin": p.fin.map(|f| f.to_string()), "elections": opt(&p.elections),
            "etablie_a": p.etablie_a.code(), "lieu": opt(&p.lieu),
        });
        assert_eq!(errors(&m, "procuration", body), vec![], "{p:?}");
    }
}

#[test]
fn the_fixture_writes_as_csv() {
    let f = fixture::roll(3, &bureaux(5), 2_000);
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("elec-fixture");
    std::fs::create_dir_all(&dir).expect("a directory");
    let files = f.csv();
    let names: Vec<&str> = files.iter().map(|(n, _)| *n).collect();
    assert_eq!(
        names,
        [
            "voies.csv",
            "decoupage.csv",
            "electeurs.csv",
            "procurations.csv"
        ]
    );
    for (name, content) in &files {
        std::fs::write(dir.join(name), content).expect("written");
    }
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).expect("read back");
    let electeurs = read("electeurs.csv");
    let mut lines = electeurs.lines();
    let header: Vec<&str> = lines.next().expect("a header").split(';').collect();
    assert_eq!(header[0], "id");
    // One column per field of the entity, named as the field.
    let m = elec::module();
    let fields: Vec<&str> = entity(&m, "electeur")
        .fields
        .iter()
        .map(|f| f.name)
        .collect();
    assert_eq!(header[1..], fields[..]);
    assert_eq!(lines.count(), f.electors.len());
    let bureau = header
        .iter()
        .position(|h| *h == "bureau")
        .expect("a bureau column");
    let per_bureau: BTreeMap<String, usize> =
        electeurs.lines().skip(1).fold(BTreeMap::new(), |mut m, l| {
            let cols: Vec<&str> = l.split(';').collect();
            assert_eq!(cols.len(), header.len(), "{l}");
            *m.entry(cols[bureau].to_string()).or_default() += 1;
            m
        });
    let t: BTreeMap<String, usize> = tableau(&f.electors)
        .into_iter()
        .map(|r| (r.bureau, r.inscrits))
        .collect();
    assert_eq!(per_bureau, t);
    for (name, rows) in [
        ("voies.csv", f.voies.len()),
        ("decoupage.csv", f.ranges.len()),
        ("procurations.csv", f.procurations.len()),
    ] {
        assert_eq!(read(name).lines().count(), rows + 1, "{name}");
    }
    for (entity_name, file) in [
        ("decoupage", "decoupage.csv"),
        ("procuration", "procurations.csv"),
    ] {
        let content = read(file);
        let header: Vec<&str> = content.lines().next().expect("header").split(';').collect();
        let fields: Vec<&str> = entity(&m, entity_name)
            .fields
            .iter()
            .map(|f| f.name)
            .collect();
        assert_eq!(header[1..], fields[..], "{file}");
    }
}

// ---------------------------------------------------------------------------
// Property: découpages built from a partition of each street side.

mod partitions {
    use super::*;
    use proptest::prelude::*;

    /// One side: its highest number, its cut points (each ends a range at
    /// a number of the side, the next starting two further) and a bureau
    /// per piece.
    #[derive(Debug, Clone)]
    struct SidePlan {
        highest: u32,
        cuts: Vec<u32>,
        bureaux: Vec<usize>,
    }

    fn side(parity: u32) -> impl Strategy<Value = SidePlan> {
        (1u32..120).prop_flat_map(move |h| {
            let highest = if h % 2 == parity { h } else { h + 1 };
            let first = if parity == 1 { 1 } else { 2 };
            (
                Just(highest),
                // Cuts may fall past the highest known number.
                prop::collection::btree_set(0u32..(highest / 2 + 10), 0..5),
                prop::collection::vec(0usize..4, 6),
            )
                .prop_map(move |(highest, steps, bureaux)| SidePlan {
                    highest,
                    cuts: steps.into_iter().map(|k| first + 2 * k).collect(),
                    bureaux,
                })
        })
    }

    fn ranges_of(voie: i64, plans: [&SidePlan; 2], next_id: &mut i64) -> Vec<Range> {
        let mut out = Vec::new();
        // The same bureau for a whole street without cuts: one range « tous ».
        if plans[0].cuts.is_empty()
            && plans[1].cuts.is_empty()
            && plans[0].bureaux[0] == plans[1].bureaux[0]
        {
            *next_id += 1;
            out.push(range(
                *next_id,
                voie,
                Cote::Tous,
                None,
                None,
                &format!("{:04}", plans[0].bureaux[0] + 1),
            ));
            return out;
        }
        for (plan, cote) in plans.into_iter().zip([Cote::Impair, Cote::Pair]) {
            let mut start = None;
            for (i, cut) in plan.cuts.iter().chain([&u32::MAX]).enumerate() {
                let end = (*cut != u32::MAX).then_some(*cut);
                *next_id += 1;
                out.push(range(
                    *next_id,
                    voie,
                    cote,
                    start,
                    end,
                    &format!("{:04}", plan.bureaux[i] + 1),
                ));
                start = end.map(|e| e + 2);
            }
        }
        out
    }

    proptest! {
        #[test]
        fn partitions_have_no_fault_and_a_removed_range_is_exactly_its_gap(
            plans in prop::collection::vec((side(1), side(0)), 1..4),
            pick in any::<prop::sample::Index>(),
        ) {
            let mut next_id = 0;
            let mut streets = Vec::new();
            let mut ranges = Vec::new();
            for (i, (odd, even)) in plans.iter().enumerate() {
                let voie = i as i64 + 1;
                streets.push(Street {
                    voie,
                    libelle: format!("Rue {voie}"),
                    highest_impair: Some(odd.highest),
                    highest_pair: Some(even.highest),
                    unnumbered: false,
                });
                ranges.extend(ranges_of(voie, [odd, even], &mut next_id));
            }
            prop_assert_eq!(decoupage_check(&streets, &ranges), vec![]);
            // Total: every number of each side has its piece's bureau.
            for (street, (odd, even)) in streets.iter().zip(&plans) {
                for plan in [odd, even] {
                    let first = 2 - plan.highest % 2;
                    for n in (first..=plan.highest + 30).step_by(2) {
                        let piece = plan.cuts.iter().filter(|c| **c < n).count();
                        let want = format!("{:04}", plan.bureaux[piece] + 1);
                        prop_assert_eq!(bureau_of(&ranges, street.voie, Some(n)), Some(want.as_str()));
                    }
                }
            }
            // Removing one range leaves exactly its gap (within the known numbers).
            let removed = pick.get(&ranges).clone();
            let rest: Vec<Range> = ranges.iter().filter(|r| r.id != removed.id).cloned().collect();
            let street = &streets[(removed.voie - 1) as usize];
            let mut expected = Vec::new();
            for (cote, highest, first) in [
                (Cote::Impair, street.highest_impair, 1),
                (Cote::Pair, street.highest_pair, 2),
            ] {
                if removed.cote != Cote::Tous && removed.cote != cote {
                    continue;
                }
                let highest = highest.unwrap_or(0);
                let from = removed.numero_debut.unwrap_or(first).max(first);
                let to = removed.numero_fin.unwrap_or(highest).min(highest);
                if from <= to {
                    expected.push((ProblemRule::Gap, Some(removed.voie), Some(cote), Some((from, Some(to)))));
                }
            }
            let got: Vec<_> = decoupage_check(&streets, &rest)
                .iter()
                .map(|p| (p.rule, p.voie, p.cote, p.numeros))
                .collect();
            prop_assert_eq!(got, expected);
        }
    }
}
