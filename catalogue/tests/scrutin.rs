//! openScrutin through the engine and on whole data sets: the declaration
//! is sound, each per-record rule gives its field error on a JSON body,
//! and the board, presidency, conflicts and hours behave on small towns.

use catalogue::scrutin::{
    self, Assignment, Clock, Fonction, IssueRule, Nature, Person, Qualite, Rate, Slot, board,
    conflicts, default_presidents, hours, hours_total, presidency_issues, presidency_order,
};
use module_engine::validate::check_json;
use module_engine::{Entity, Module, Value};
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

#[test]
fn the_declaration_has_no_problem() {
    assert_eq!(scrutin::module().check(), Vec::<String>::new());
    assert!(module_engine::Catalog::new(catalogue::all()).is_ok());
}

#[test]
fn rights_let_presidents_read_their_affectations_and_slots_only() {
    use module_engine::Right;
    let m = scrutin::module();
    for e in &m.entities {
        let president_reads = matches!(e.name, "affectation" | "creneau");
        assert_eq!(
            e.rights.allows(Right::Read, "president"),
            president_reads,
            "{}",
            e.name
        );
        for r in [Right::Create, Right::Update, Right::Delete] {
            assert!(!e.rights.allows(r, "president"), "{}", e.name);
            assert!(e.rights.allows(r, "admin") && e.rights.allows(r, "desk"));
        }
    }
}

#[test]
fn a_paid_poste_needs_a_rate_and_an_unpaid_one_has_none() {
    let m = scrutin::module();
    let base = |extra: Json| {
        let mut b = json!({"code": "SECR", "libelle": "Secrétaire", "nature": "secretaire"});
        if let (Some(o), Some(x)) = (b.as_object_mut(), extra.as_object()) {
            o.extend(x.clone());
        }
        b
    };
    assert_eq!(errors(&m, "poste", base(json!({}))), vec![]);
    assert_eq!(
        errors(
            &m,
            "poste",
            base(json!({"remunere": true, "taux_horaire": "12,50"}))
        ),
        vec![]
    );
    assert_eq!(
        errors(&m, "poste", base(json!({"remunere": true}))),
        one("taux_horaire", "taux_si_remunere")
    );
    assert_eq!(
        errors(
            &m,
            "poste",
            base(json!({"remunere": false, "taux_horaire": "12.50"}))
        ),
        one("taux_horaire", "taux_si_remunere")
    );
    assert_eq!(
        errors(
            &m,
            "poste",
            base(json!({"remunere": true, "taux_horaire": "-1"}))
        ),
        one("taux_horaire", "range")
    );
    assert_eq!(
        errors(&m, "poste", base(json!({"nature": "scrutateur"}))),
        one("nature", "choice")
    );
}

#[test]
fn an_elu_has_an_office_and_a_rank_and_an_agent_a_service() {
    let m = scrutin::module();
    let p = |extra: Json| {
        let mut b = json!({"nom": "Durand", "prenom": "Marie"});
        if let (Some(o), Some(x)) = (b.as_object_mut(), extra.as_object()) {
            o.extend(x.clone());
        }
        errors(&m, "personne", b)
    };
    assert_eq!(
        p(json!({"qualite": "elu", "fonction_elu": "adjoint", "rang_tableau": 2})),
        vec![]
    );
    assert_eq!(p(json!({"qualite": "electeur"})), vec![]);
    assert_eq!(
        p(json!({"qualite": "agent", "service": "État civil"})),
        vec![]
    );
    assert_eq!(
        p(json!({"qualite": "elu", "rang_tableau": 4})),
        one("fonction_elu", "fonction_si_elu")
    );
    assert_eq!(
        p(json!({"qualite": "elu", "fonction_elu": "conseiller"})),
        one("rang_tableau", "rang_si_elu")
    );
    assert_eq!(
        p(json!({"qualite": "electeur", "fonction_elu": "maire"})),
        one("fonction_elu", "fonction_si_elu")
    );
    assert_eq!(
        p(json!({"qualite": "agent", "rang_tableau": 3, "service": "Accueil"})),
        one("rang_tableau", "rang_si_elu")
    );
    assert_eq!(
        p(json!({"qualite": "agent"})),
        one("service", "service_si_agent")
    );
    assert_eq!(
        p(json!({"qualite": "electeur", "service": "Voirie"})),
        one("service", "service_si_agent")
    );
    assert_eq!(
        p(json!({"qualite": "elu", "fonction_elu": "maire", "rang_tableau": 2})),
        one("rang_tableau", "maire_au_rang_1")
    );
    assert_eq!(
        p(json!({"qualite": "elu", "fonction_elu": "adjoint", "rang_tableau": 1})),
        one("rang_tableau", "maire_au_rang_1")
    );
    assert_eq!(
        p(json!({"qualite": "elu", "fonction_elu": "conseiller", "rang_tableau": 0})),
        one("rang_tableau", "range")
    );
    assert_eq!(
        p(json!({"qualite": "electeur", "courriel": "marie@", "telephone": "123"})),
        vec![
            ("courriel".to_string(), "email"),
            ("telephone".to_string(), "phone")
        ]
    );
    // Required first: the rules run once the required fields are there.
    assert_eq!(p(json!({})), one("qualite", "required"));
}

#[test]
fn a_slot_ends_after_it_starts_and_a_second_tour_follows_the_first() {
    let m = scrutin::module();
    let slot = |debut: &str, fin: &str| {
        errors(
            &m,
            "creneau",
            json!({"scrutin": 1, "tour": "1", "libelle": "Matin", "debut": debut, "fin": fin}),
        )
    };
    assert_eq!(slot("8h", "13h30"), vec![]);
    assert_eq!(slot("13:30", "13:30"), one("fin", "fin_apres_debut"));
    assert_eq!(slot("20:00", "00:30"), one("fin", "fin_apres_debut"));
    assert_eq!(
        errors(
            &m,
            "creneau",
            json!({"scrutin": 1, "tour": "3", "libelle": "Matin", "debut": "8h", "fin": "9h"})
        ),
        one("tour", "choice")
    );
    let tours = |t2: &str| {
        errors(
            &m,
            "scrutin",
            json!({"libelle": "Municipales 2026", "date_tour1": "15/03/2026", "date_tour2": t2}),
        )
    };
    assert_eq!(tours("22/03/2026"), vec![]);
    assert_eq!(tours("2026-03-15"), one("date_tour2", "tour2_apres_tour1"));
}

#[test]
fn a_candidature_starts_deposee_and_moves_only_by_its_actions() {
    let m = scrutin::module();
    let e = entity(&m, "candidature");
    let ok =
        check_json(e, &json!({"personne": 4, "poste": 2, "bureau": "3"}), None).expect("accepted");
    let etat = e.field_index("etat").expect("etat");
    assert_eq!(ok[etat], Value::Text("deposee".into()));
    assert_eq!(
        errors(
            &m,
            "candidature",
            json!({"personne": 4, "poste": 2, "etat": "retenue"})
        ),
        one("etat", "read_only")
    );
    let actions = &e.states.as_ref().expect("states").actions;
    let moves: Vec<(&str, Vec<&str>, &str)> = actions
        .iter()
        .map(|a| (a.name, a.from.clone(), a.to))
        .collect();
    assert_eq!(
        moves,
        [
            ("retenir", vec!["deposee"], "retenue"),
            ("refuser", vec!["deposee"], "refusee"),
            ("rouvrir", vec!["retenue", "refusee"], "deposee"),
        ]
    );
}

#[test]
fn an_affectation_needs_its_bureau_poste_and_slot() {
    let m = scrutin::module();
    let full = json!({"scrutin": 1, "personne": 7, "bureau": "2", "poste": 3, "creneau": 5});
    assert_eq!(errors(&m, "affectation", full), vec![]);
    let got = errors(&m, "affectation", json!({"scrutin": 1, "personne": 7}));
    assert_eq!(
        got,
        vec![
            ("bureau".to_string(), "required"),
            ("poste".to_string(), "required"),
            ("creneau".to_string(), "required")
        ]
    );
    let e = entity(&m, "affectation");
    let u = &e.unique[0];
    assert_eq!(u.fields, ["personne", "creneau"]);
    assert!(u.message.contains("un seul bureau à la fois"));
}

// ---------------------------------------------------------------------------
// Whole data sets.

fn clock(s: &str) -> Clock {
    Clock::parse(s).expect("time")
}

fn slot(id: i64, libelle: &str, debut: &str, fin: &str, depouillement: bool) -> Slot {
    Slot {
        id,
        libelle: libelle.into(),
        depouillement,
        debut: clock(debut),
        fin: clock(fin),
    }
}

fn assign(id: i64, person: i64, bureau: &str, nature: Nature, slot: i64) -> Assignment {
    Assignment {
        id,
        person,
        bureau: bureau.into(),
        poste: nature as i64 + 1,
        nature,
        slot,
        candidat: None,
        motif_derogation: None,
    }
}

fn bureaux(n: usize) -> Vec<String> {
    (1..=n).map(|i| i.to_string()).collect()
}

/// Every bureau × slot staffed: président, two assesseurs, secrétaire.
fn full_staff(bureaux: &[String], slots: &[Slot]) -> Vec<Assignment> {
    let mut out = Vec::new();
    let mut person = 100;
    for b in bureaux {
        for s in slots {
            for n in [
                Nature::President,
                Nature::Assesseur,
                Nature::Assesseur,
                Nature::Secretaire,
            ] {
                person += 1;
                out.push(assign(out.len() as i64 + 1, person, b, n, s.id));
            }
        }
    }
    out
}

#[test]
fn a_fully_staffed_board_is_complete_and_one_missing_assesseur_shows_in_its_cell() {
    let b = bureaux(3);
    let slots = [
        slot(10, "Matin", "08:00", "13:30", false),
        slot(11, "Après-midi et dépouillement", "13:30", "21:00", true),
    ];
    let mut staff = full_staff(&b, &slots);
    let full = board(&b, &slots, &staff);
    assert_eq!(full.cells.len(), 6);
    assert!(
        full.is_complete(),
        "{:?}",
        full.incomplete().collect::<Vec<_>>()
    );
    assert_eq!(full.totals.complete, 6);
    assert_eq!(full.totals.counts.get(Nature::Assesseur), 12);
    assert!(full.unplaced.is_empty());

    let gone = staff
        .iter()
        .position(|a| a.bureau == "2" && a.slot == 11 && a.nature == Nature::Assesseur)
        .expect("an assesseur");
    staff.remove(gone);
    let short = board(&b, &slots, &staff);
    assert!(!short.is_complete());
    let incomplete: Vec<(&str, i64, &[String])> = short
        .incomplete()
        .map(|c| (c.bureau.as_str(), c.slot, c.missing.as_slice()))
        .collect();
    assert_eq!(incomplete, [("2", 11, &["1 assesseur".to_string()][..])]);
    assert_eq!(short.totals.complete, 5);
    assert_eq!(short.totals.missing_assesseurs, 1);
    assert_eq!(short.totals.missing_presidents, 0);
}

#[test]
fn a_suppleant_stands_for_the_president_but_not_for_an_assesseur() {
    let b = bureaux(1);
    let slots = [slot(1, "Journée", "08:00", "20:00", false)];
    let staff = [
        assign(1, 1, "1", Nature::Suppleant, 1),
        assign(2, 2, "1", Nature::Assesseur, 1),
        assign(3, 3, "1", Nature::AssesseurSuppleant, 1),
        assign(4, 4, "1", Nature::Delegue, 1),
        assign(5, 5, "9", Nature::Secretaire, 1),
    ];
    let bd = board(&b, &slots, &staff);
    let c = bd.cell("1", 1).expect("cell");
    assert_eq!(c.missing, ["1 assesseur", "secrétaire"]);
    assert_eq!(bd.unplaced, [5]);
    let empty = board(&b, &slots, &[]);
    assert_eq!(
        empty.cells[0].missing,
        ["président", "2 assesseurs", "secrétaire"]
    );
    let json = serde_json::to_value(&bd).expect("serialises");
    assert_eq!(json["cells"][0]["counts"]["assesseur_suppleant"], 1);
}

fn elu(id: i64, nom: &str, fonction: Fonction, rang: i64) -> Person {
    Person {
        id,
        nom: nom.into(),
        prenom: "Camille".into(),
        qualite: Qualite::Elu,
        fonction: Some(fonction),
        rang: Some(rang),
    }
}

fn other(id: i64, nom: &str, qualite: Qualite) -> Person {
    Person {
        id,
        nom: nom.into(),
        prenom: "Dominique".into(),
        qualite,
        fonction: None,
        rang: None,
    }
}

/// A council given out of order, with non-élus among them.
fn council() -> Vec<Person> {
    vec![
        elu(5, "Conseiller-six", Fonction::Conseiller, 6),
        other(9, "Agent", Qualite::Agent),
        elu(3, "Adjoint-trois", Fonction::Adjoint, 3),
        elu(4, "Conseiller-quatre", Fonction::Conseiller, 4),
        elu(1, "Maire", Fonction::Maire, 1),
        other(8, "Electeur", Qualite::Electeur),
        elu(2, "Adjoint-deux", Fonction::Adjoint, 2),
        elu(6, "Conseiller-cinq", Fonction::Conseiller, 5),
    ]
}

#[test]
fn the_presidency_goes_maire_adjoints_conseillers_in_the_order_of_the_tableau() {
    let people = council();
    assert_eq!(presidency_order(&people), [1, 2, 3, 4, 6, 5]);
    assert_eq!(
        default_presidents(&bureaux(3), &people),
        [("1".into(), 1), ("2".into(), 2), ("3".into(), 3)]
    );
    // Fewer élus than bureaux: the last bureaux get none.
    let few = &people[2..5]; // adjoint 3, conseiller 4, maire
    let d = default_presidents(&bureaux(4), few);
    assert_eq!(d, [("1".into(), 1), ("2".into(), 3), ("3".into(), 4)]);
}

#[test]
fn a_departure_from_the_presidency_order_needs_a_motif() {
    let people = council();
    let b = bureaux(3);
    // Maire, adjoint 2, then conseiller rank 4 while adjoint 3 presides nowhere.
    let mut staff = vec![
        assign(1, 1, "1", Nature::President, 10),
        assign(2, 2, "2", Nature::President, 10),
        assign(3, 4, "3", Nature::President, 10),
        assign(4, 3, "3", Nature::Assesseur, 10),
    ];
    let issues = presidency_issues(&b, &people, &staff);
    assert_eq!(issues.len(), 1, "{issues:?}");
    let i = &issues[0];
    assert_eq!(
        (i.rule, i.article, i.bureau.as_deref(), i.person, i.slot),
        (
            IssueRule::PresidencyOrder,
            "R43",
            Some("3"),
            Some(4),
            Some(10)
        )
    );
    assert!(
        i.message.contains("Camille Conseiller-quatre"),
        "{}",
        i.message
    );
    assert!(i.message.contains("Camille Adjoint-trois"), "{}", i.message);
    assert!(i.message.contains("R43"), "{}", i.message);

    staff[2].motif_derogation = Some("  ".into());
    assert_eq!(presidency_issues(&b, &people, &staff).len(), 1);
    staff[2].motif_derogation = Some("M. Adjoint-trois est empêché (hospitalisé).".into());
    assert!(presidency_issues(&b, &people, &staff).is_empty());

    // The élus in order, on another slot each bureau swapped: no issue.
    let in_order = [
        assign(5, 3, "1", Nature::President, 11),
        assign(6, 1, "2", Nature::President, 11),
        assign(7, 2, "3", Nature::President, 11),
    ];
    assert!(presidency_issues(&b, &people, &in_order).is_empty());

    // A non-élu presiding while an élu does not.
    let outsider = [
        assign(8, 1, "1", Nature::President, 12),
        assign(9, 8, "2", Nature::President, 12),
    ];
    let issues = presidency_issues(&b, &people, &outsider);
    assert_eq!(issues.len(), 1);
    assert!(
        issues[0].message.contains("qui n'est pas élu"),
        "{}",
        issues[0].message
    );
    // With only as many élus presiding as there are: fine.
    let council_of_two = &people[4..5]; // the maire alone
    assert!(presidency_issues(&b, council_of_two, &outsider).is_empty());
}

#[test]
fn conflicts_find_double_bookings_other_bureaux_and_delegues_without_candidate() {
    let mut staff = vec![
        // Person 1 twice on slot 10.
        assign(1, 1, "1", Nature::Assesseur, 10),
        assign(2, 1, "2", Nature::Assesseur, 10),
        // Person 2: secrétaire of 1 in the morning, assesseur suppléant of 3 later.
        assign(3, 2, "1", Nature::Secretaire, 10),
        assign(4, 2, "3", Nature::AssesseurSuppleant, 11),
        // Person 3: assesseur suppléant of two bureaux, allowed.
        assign(5, 3, "1", Nature::AssesseurSuppleant, 10),
        assign(6, 3, "2", Nature::AssesseurSuppleant, 11),
        // A délégué without candidate.
        assign(7, 4, "2", Nature::Delegue, 10),
        // Two assesseurs for the same list in bureau 3.
        assign(8, 5, "3", Nature::Assesseur, 10),
        assign(9, 6, "3", Nature::Assesseur, 10),
        // Two présidents in bureau 2.
        assign(10, 7, "2", Nature::President, 11),
        assign(11, 8, "2", Nature::President, 11),
    ];
    staff[7].candidat = Some("Liste « Vivre ensemble »".into());
    staff[8].candidat = Some(" liste « vivre  ENSEMBLE » ".into());
    let issues = conflicts(&staff);
    let got: Vec<(IssueRule, Vec<i64>)> = issues
        .iter()
        .map(|i| (i.rule, i.assignments.clone()))
        .collect();
    assert_eq!(
        got,
        [
            (IssueRule::DoubleBooking, vec![1, 2]),
            (IssueRule::OtherBureau, vec![1, 2]),
            (IssueRule::OtherBureau, vec![3, 4]),
            (IssueRule::SeveralInOnePost, vec![10, 11]),
            (IssueRule::DelegueWithoutCandidat, vec![7]),
            (IssueRule::OnePerCandidat, vec![8, 9]),
        ],
        "{issues:#?}"
    );
    assert!(issues[2].message.contains("R42"));
    assert!(issues[4].message.contains("L67"));
    // With a candidate and distinct lists, only the bookings remain.
    staff[6].candidat = Some("2".into());
    staff[8].candidat = Some("Liste « Agir »".into());
    staff.truncate(9);
    let rules: Vec<IssueRule> = conflicts(&staff).iter().map(|i| i.rule).collect();
    assert_eq!(
        rules,
        [
            IssueRule::DoubleBooking,
            IssueRule::OtherBureau,
            IssueRule::OtherBureau
        ]
    );
}

#[test]
fn hours_are_paid_per_person_and_add_up_to_the_cent() {
    let slots = [
        slot(10, "Matin", "08:00", "13:30", false),
        slot(11, "Après-midi", "13:30", "18:00", false),
        slot(12, "Dépouillement", "20:00", "00:15", true),
    ];
    let rates = [
        Rate {
            poste: 1,
            remunere: true,
            taux_horaire: Some(1250),
        },
        Rate {
            poste: 2,
            remunere: true,
            taux_horaire: Some(1111),
        },
        Rate {
            poste: 3,
            remunere: false,
            taux_horaire: None,
        },
    ];
    let a = |id, person, poste, slot| Assignment {
        poste,
        ..assign(id, person, "1", Nature::Agent, slot)
    };
    let staff = [
        a(1, 7, 1, 10),
        a(2, 7, 2, 12),
        a(3, 8, 3, 10),
        a(4, 8, 2, 11),
        // Person 9 twice on slot 11: paid once, at the better rate.
        a(5, 9, 2, 11),
        a(6, 9, 1, 11),
        // Unknown slot: ignored.
        a(7, 9, 1, 99),
    ];
    let rows = hours(&slots, &staff, &rates);
    /// Person, slots, minutes, paid minutes, cents, not counted.
    type Summary = (i64, Vec<i64>, i64, i64, i64, Vec<i64>);
    let summary: Vec<Summary> = rows
        .iter()
        .map(|r| {
            (
                r.person,
                r.slots.clone(),
                r.minutes,
                r.paid_minutes,
                r.amount,
                r.not_counted.clone(),
            )
        })
        .collect();
    // 7: 330 min × 12,50 = 68,75 € + 255 min × 11,11 = 47,2175 € → 115,9675 → 115,97 €.
    // 8: 330 min unpaid + 270 min × 11,11 = 49,995 € → 50,00 €.
    // 9: 270 min × 12,50 = 56,25 €.
    assert_eq!(
        summary,
        [
            (7, vec![10, 12], 585, 585, 11597, vec![]),
            (8, vec![10, 11], 600, 270, 5000, vec![]),
            (9, vec![11], 270, 270, 5625, vec![5]),
        ]
    );
    let t = hours_total(&rows);
    assert_eq!((t.people, t.minutes, t.paid_minutes), (3, 1455, 1125));
    assert_eq!(t.amount, 11597 + 5000 + 5625);
    assert_eq!(t.amount, rows.iter().map(|r| r.amount).sum::<i64>());
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn arb_slots() -> impl Strategy<Value = Vec<Slot>> {
        prop::collection::vec((0u8..24, 0u8..60, 0u8..24, 0u8..60, any::<bool>()), 1..5).prop_map(
            |v| {
                v.into_iter()
                    .enumerate()
                    .map(|(i, (h1, m1, h2, m2, d))| Slot {
                        id: i as i64 + 1,
                        libelle: format!("C{i}"),
                        depouillement: d,
                        debut: Clock::new(h1, m1).expect("valid"),
                        fin: Clock::new(h2, m2).expect("valid"),
                    })
                    .collect()
            },
        )
    }

    fn arb_rates() -> impl Strategy<Value = Vec<Rate>> {
        prop::collection::vec((any::<bool>(), prop::option::of(0i64..100_000)), 1..5).prop_map(
            |v| {
                v.into_iter()
                    .enumerate()
                    .map(|(i, (remunere, taux_horaire))| Rate {
                        poste: i as i64 + 1,
                        remunere,
                        taux_horaire,
                    })
                    .collect()
            },
        )
    }

    proptest! {
        #[test]
        fn the_total_is_the_sum_of_the_rows_and_each_amount_rounds_the_exact_value(
            slots in arb_slots(),
            rates in arb_rates(),
            raw in prop::collection::vec((1i64..8, 1i64..6, 1i64..6), 0..40),
        ) {
            let staff: Vec<Assignment> = raw
                .iter()
                .enumerate()
                .map(|(i, (person, slot, poste))| Assignment {
                    poste: *poste,
                    ..assign(i as i64 + 1, *person, "1", Nature::Agent, *slot)
                })
                .collect();
            let rows = hours(&slots, &staff, &rates);
            let total = hours_total(&rows);
            prop_assert_eq!(total.amount, rows.iter().map(|r| r.amount).sum::<i64>());
            prop_assert_eq!(total.minutes, rows.iter().map(|r| r.minutes).sum::<i64>());
            prop_assert_eq!(total.people, rows.len());
            for r in &rows {
                // Each line's minutes are its slot's, its rate its poste's.
                let mut exact: i128 = 0;
                for l in &r.lines {
                    let s = slots.iter().find(|s| s.id == l.slot).expect("known slot");
                    let (a, b) = (i64::from(s.debut.minutes()), i64::from(s.fin.minutes()));
                    prop_assert_eq!(l.minutes, if b >= a { b - a } else { b + 1440 - a });
                    let rate = rates
                        .iter()
                        .find(|x| x.poste == l.poste)
                        .and_then(|x| x.taux_horaire.filter(|_| x.remunere));
                    prop_assert_eq!(l.paid, rate.is_some());
                    prop_assert_eq!(l.rate, rate.unwrap_or(0));
                    if l.paid {
                        exact += i128::from(l.minutes) * i128::from(l.rate);
                    }
                }
                // amount = round_half_up(exact / 60): 60·amount − 30 ≤ exact < 60·amount + 30.
                let cents = i128::from(r.amount);
                prop_assert!(60 * cents - 30 <= exact && exact < 60 * cents + 30,
                    "amount {} for exact {}/60", r.amount, exact);
                prop_assert_eq!(r.minutes, r.lines.iter().map(|l| l.minutes).sum::<i64>());
                // A slot is counted once per person.
                let mut seen = r.slots.clone();
                seen.sort_unstable();
                seen.dedup();
                prop_assert_eq!(seen.len(), r.slots.len());
            }
            // Every affectation on a known slot is a line or not counted.
            let known = staff.iter().filter(|a| slots.iter().any(|s| s.id == a.slot)).count();
            let accounted: usize = rows.iter().map(|r| r.lines.len() + r.not_counted.len()).sum();
            prop_assert_eq!(known, accounted);
        }
    }
}
