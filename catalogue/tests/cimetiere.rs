//! openCimetière through the engine and on whole data sets: the
//! declaration is sound, complete in English and joins the catalogue; the
//! rights of the conservateur, the agents and the others; each per-record
//! rule and the derived end date on a JSON body; the letter; and the
//! fixture, read back table by table through the engine's import and
//! checked by every whole-data-set rule of the module, on a small data set
//! and at full scale.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Instant;

use catalogue::cimetiere::fixture::{self, TODAY};
use catalogue::cimetiere::plan::{place_problems, zone_problems};
use catalogue::cimetiere::{
    self, Date, EtatReprise, Fixture, Motif, Nature, PlaceState, check_burials, check_renewal,
    check_reprises, expiring, free_places_by_zone, layout, may_act, place_states,
};
use module_engine::import::{columns, duplicates, read_row};
use module_engine::validate::{check_json, is_editable};
use module_engine::{Entity, Lang, Module, Right, Value};
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

// ---------------------------------------------------------------------------
// The declaration.

#[test]
fn the_declaration_has_no_problem_and_joins_the_catalogue() {
    assert_eq!(cimetiere::module().check(), Vec::<String>::new());
    let catalog = module_engine::Catalog::new(catalogue::all()).expect("accepted");
    let m = catalog.module("cimetiere").expect("in the catalogue");
    assert_eq!(m.label, "openCimetière — concessions et sépultures");
    let names: Vec<&str> = m.entities.iter().map(|e| e.name).collect();
    assert_eq!(
        names,
        [
            "cimetiere",
            "zone",
            "emplacement",
            "concession",
            "renouvellement",
            "defunt",
            "inhumation",
            "reprise",
            "etape_reprise"
        ]
    );
    let roles: Vec<&str> = m.roles.iter().map(|r| r.code).collect();
    assert_eq!(roles, ["conservateur", "agent_cimetiere"]);
}

#[test]
fn every_text_reads_in_english() {
    let m = cimetiere::module();
    assert!(!m.en.is_empty());
    for t in m.texts() {
        assert_ne!(m.tr(Lang::En, t), "", "{t:?}");
    }
    assert_eq!(
        m.tr(Lang::En, m.label),
        "openCemetery — grave plots and burials"
    );
    assert_eq!(m.tr(Lang::En, "Emplacements"), "Grave plots");
    assert_eq!(m.tr(Lang::Fr, "Emplacements"), "Emplacements");
    assert_eq!(PlaceState::InReprise.label_in(Lang::En), "Being taken back");
}

#[test]
fn the_conservateur_does_everything_agents_record_burials_the_public_nothing() {
    let m = cimetiere::module();
    let all = [Right::Read, Right::Create, Right::Update, Right::Delete];
    for e in &m.entities {
        for r in all {
            for role in ["admin", "desk", "conservateur"] {
                assert!(e.rights.allows(r, role), "{} {role} {r:?}", e.name);
            }
            for role in ["president", "public", ""] {
                assert!(!e.rights.allows(r, role), "{} {role} {r:?}", e.name);
            }
        }
        assert!(
            e.rights.allows(Right::Read, "agent_cimetiere"),
            "{}",
            e.name
        );
        let creates = matches!(e.name, "defunt" | "inhumation");
        assert_eq!(
            e.rights.allows(Right::Create, "agent_cimetiere"),
            creates,
            "{}",
            e.name
        );
        assert!(!e.rights.allows(Right::Update, "agent_cimetiere"));
        assert!(!e.rights.allows(Right::Delete, "agent_cimetiere"));
    }
    let states = entity(&m, "reprise").states.as_ref().expect("states");
    for a in &states.actions {
        assert_eq!(a.roles, ["admin", "desk", "conservateur"], "{}", a.name);
        assert!(a.stamp.is_none());
    }
    for q in &m.queries {
        assert!(q.roles.contains(&"agent_cimetiere"), "{}", q.name);
        assert!(!q.roles.contains(&"public"), "{}", q.name);
    }
    for l in &m.letters {
        assert_eq!(l.roles, ["admin", "desk", "conservateur"], "{}", l.name);
    }
}

#[test]
fn every_action_of_the_declaration_is_known_to_may_act() {
    let m = cimetiere::module();
    let states = entity(&m, "reprise").states.as_ref().expect("states");
    let names: Vec<&str> = states.actions.iter().map(|a| a.name).collect();
    assert_eq!(
        names,
        [
            "constater",
            "reconstater",
            "deliberer",
            "prononcer",
            "executer",
            "abandonner"
        ]
    );
    for a in &states.actions {
        let found = may_act(a.name, Motif::Abandon, &[]);
        assert!(
            found.iter().all(|p| p.rule != "action_inconnue"),
            "{}",
            a.name
        );
    }
    let prononcer = states
        .actions
        .iter()
        .find(|a| a.name == "prononcer")
        .expect("prononcer");
    // Directly from engagée, for a concession échue.
    assert_eq!(prononcer.from, ["engagee", "deliberee"]);
    let abandonner = states
        .actions
        .iter()
        .find(|a| a.name == "abandonner")
        .expect("abandonner");
    assert_eq!(abandonner.to, EtatReprise::Close.code());
}

#[test]
fn saved_queries_and_the_letter_name_real_fields() {
    let m = cimetiere::module();
    let q = m.query("reprises_engagees").expect("declared");
    let etat = entity(&m, "reprise").field_named("etat").expect("etat");
    assert_eq!(etat.kind.choice_label(q.fixed[0].1), Some("Engagée"));
    assert_eq!(
        m.query("inhumations_emplacement").expect("declared").params,
        ["emplacement"]
    );
    assert_eq!(
        m.query("concessions_par_nature").expect("declared").params,
        ["nature"]
    );
    let l = m.letter("avis_echeance").expect("declared");
    assert_eq!(l.entity, "concession");
    assert_eq!(l.signature, "Le maire");
    let shown = |f: &str| match f {
        "numero_acte" => "2001-0042".to_string(),
        "titulaire_prenom" => "Paul".to_string(),
        "titulaire_nom" => "Durand".to_string(),
        "titulaire_adresse" => "3 rue Pasteur".to_string(),
        "titulaire_code_postal" => "26140".to_string(),
        "titulaire_ville" => "Valbonne-sur-Rhône".to_string(),
        "emplacement" => "B-127 Allée 3".to_string(),
        "date_fin" => "01/06/2027".to_string(),
        other => panic!("unexpected placeholder {other}"),
    };
    let (heading, body) = l.fill(shown);
    assert_eq!(heading, "Votre concession n° 2001-0042 arrive à échéance");
    assert_eq!(
        body[0],
        "Paul Durand, 3 rue Pasteur, 26140 Valbonne-sur-Rhône"
    );
    assert!(body[2].contains("B-127 Allée 3") && body[2].contains("01/06/2027"));
    assert!(body.iter().any(|p| p.contains("L2223-15")));
    assert!(body.iter().any(|p| p.contains("deux ans après l'échéance")));
    let (en_heading, en_body) = l.fill_in(|t| m.tr(Lang::En, t), shown);
    assert_eq!(
        en_heading,
        "Your concession no. 2001-0042 is coming to its end"
    );
    assert!(
        en_body[2].contains("expires on 01/06/2027"),
        "{}",
        en_body[2]
    );
}

// ---------------------------------------------------------------------------
// Per-record rules.

fn concession() -> Json {
    json!({
        "numero_acte": "2024-0137", "emplacement": 12, "nature": "temporaire", "duree": 15,
        "date_debut": "15/03/2024", "prix": "450,00", "titulaire_nom": "Durand",
        "titulaire_code_postal": "26140"
    })
}

#[test]
fn a_concessions_end_is_derived_from_its_nature_l2223_14() {
    let m = cimetiere::module();
    let e = entity(&m, "concession");
    let end = |extra: Json| {
        let values = check_json(e, &with(concession(), extra), None).expect("accepted");
        values[e.field_index("date_fin").expect("date_fin")].clone()
    };
    assert_eq!(end(json!({})), Value::Text("2039-03-15".into()));
    assert_eq!(
        end(json!({"nature": "trentenaire", "duree": null})),
        Value::Text("2054-03-15".into())
    );
    assert_eq!(
        end(json!({"nature": "cinquantenaire", "duree": null})),
        Value::Text("2074-03-15".into())
    );
    assert_eq!(
        end(json!({"nature": "perpetuelle", "duree": null})),
        Value::Null
    );
    // Computed: not typed.
    assert_eq!(
        errors(
            &m,
            "concession",
            with(concession(), json!({"date_fin": "2040-01-01"}))
        ),
        one("date_fin", "read_only")
    );
}

#[test]
fn a_temporaire_has_five_to_fifteen_years_the_others_none_l2223_14() {
    let m = cimetiere::module();
    let e = |extra: Json| errors(&m, "concession", with(concession(), extra));
    assert_eq!(e(json!({})), vec![]);
    assert_eq!(
        e(json!({"duree": null})),
        one("duree", "duree_selon_nature")
    );
    assert_eq!(
        e(json!({"nature": "trentenaire"})),
        one("duree", "duree_selon_nature")
    );
    assert_eq!(e(json!({"duree": 16})), one("duree", "range"));
    assert_eq!(e(json!({"duree": 4})), one("duree", "range"));
    assert_eq!(
        e(json!({"titulaire_code_postal": "2614"})),
        one("titulaire_code_postal", "pattern")
    );
    assert_eq!(
        e(json!({"titulaire_nom": null})),
        one("titulaire_nom", "required")
    );
}

#[test]
fn a_renewal_is_asked_within_two_years_of_the_expiry_l2223_15() {
    let m = cimetiere::module();
    let base = json!({
        "concession": 4, "date": "2026-05-02", "nature": "trentenaire",
        "date_debut": "2025-06-01", "prix": "600"
    });
    let e = |extra: Json| errors(&m, "renouvellement", with(base.clone(), extra));
    assert_eq!(e(json!({})), vec![]);
    assert_eq!(
        e(json!({"date": "2027-06-01"})),
        one("date", "renouvellement_hors_delai")
    );
    assert_eq!(e(json!({"date": "2027-05-31"})), vec![]);
    // The commune's earliest date, five years ahead.
    assert_eq!(
        e(json!({"date": "2020-05-31"})),
        one("date", "renouvellement_anticipe")
    );
    assert_eq!(e(json!({"nature": "perpetuelle"})), one("nature", "choice"));
    assert_eq!(
        e(json!({"nature": "temporaire"})),
        one("duree", "duree_selon_nature")
    );
    let r = entity(&m, "renouvellement");
    let values = check_json(r, &with(base.clone(), json!({})), None).expect("accepted");
    assert_eq!(
        values[r.field_index("date_fin").expect("date_fin")],
        Value::Text("2055-06-01".into())
    );
}

#[test]
fn a_place_of_the_terrain_commun_is_one_grave_in_the_ground_r2223_3() {
    let m = cimetiere::module();
    let base = json!({
        "zone": 1, "numero": "T-4", "type": "pleine_terre", "capacite": 1,
        "terrain_commun": true, "x": 3, "y": 0
    });
    let e = |extra: Json| errors(&m, "emplacement", with(base.clone(), extra));
    assert_eq!(e(json!({})), vec![]);
    assert_eq!(
        e(json!({"type": "caveau", "capacite": 3})),
        vec![
            ("type".to_string(), "terrain_commun_une_fosse"),
            ("capacite".to_string(), "terrain_commun_une_fosse")
        ]
    );
    assert_eq!(
        e(json!({"type": "caveau", "capacite": 3, "terrain_commun": false})),
        vec![]
    );
    assert_eq!(e(json!({"capacite": 13})), one("capacite", "range"));
    assert_eq!(e(json!({"x": -1})), one("x", "range"));
}

#[test]
fn other_per_record_rules_and_bounds() {
    let m = cimetiere::module();
    let defunt =
        json!({"nom": "Martin", "date_naissance": "1931-02-03", "date_deces": "2024-01-05"});
    assert_eq!(errors(&m, "defunt", defunt.clone()), vec![]);
    assert_eq!(
        errors(
            &m,
            "defunt",
            with(defunt, json!({"date_naissance": "2024-01-06"}))
        ),
        one("date_naissance", "naissance_avant_deces")
    );
    let zone = json!({"cimetiere": 1, "code": "A", "x": 0, "y": 0, "largeur": 10, "hauteur": 6});
    assert_eq!(errors(&m, "zone", zone.clone()), vec![]);
    assert_eq!(
        errors(&m, "zone", with(zone.clone(), json!({"largeur": 0}))),
        one("largeur", "range")
    );
    assert_eq!(
        errors(&m, "zone", with(zone, json!({"code": "A 1"}))),
        one("code", "pattern")
    );
    // A new procedure starts « engagée ».
    let r = entity(&m, "reprise");
    let values = check_json(
        r,
        &json!({"concession": 3, "motif": "abandon", "date_ouverture": "2025-01-10"}),
        None,
    )
    .expect("accepted");
    assert_eq!(
        values[r.field_index("etat").expect("etat")],
        Value::Text("engagee".into())
    );
    let inhumation = json!({"defunt": 1, "emplacement": 2, "date": "2024-01-08", "nature": "urne"});
    assert_eq!(errors(&m, "inhumation", inhumation), vec![]);
}

// ---------------------------------------------------------------------------
// The fixture, through the engine's import and the module's rules.

/// A `;`-separated file: quoted fields with doubled quotes and line breaks.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') if cell.is_empty() => quoted = true,
            (false, ';') => row.push(std::mem::take(&mut cell)),
            (false, '\n') => {
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => cell.push(c),
        }
    }
    if !cell.is_empty() || !row.is_empty() {
        row.push(cell);
        rows.push(row);
    }
    rows
}

/// Every table of the fixture read back through `module_engine::import`
/// as the server's import would: the columns found by name, each row
/// accepted by the per-record checks, no duplicates on the unique sets,
/// every reference to a row of an earlier table. Returns the values read,
/// per entity, by id.
fn import_all(m: &Module, f: &Fixture) -> HashMap<&'static str, BTreeMap<i64, Vec<Value>>> {
    let mut read: HashMap<&'static str, BTreeMap<i64, Vec<Value>>> = HashMap::new();
    let csv = f.csv();
    let order: Vec<&str> = csv.iter().map(|(n, _)| *n).collect();
    let declared: Vec<&str> = m.entities.iter().map(|e| e.name).collect();
    assert_eq!(order, declared, "tables in the order of their references");
    for (name, text) in &csv {
        let e = entity(m, name);
        let rows = parse_csv(text);
        let (header, body) = rows.split_first().expect("a header");
        let expected: Vec<&str> = std::iter::once("id")
            .chain(
                e.fields
                    .iter()
                    .filter(|f| is_editable(e, f))
                    .map(|f| f.name),
            )
            .collect();
        assert_eq!(header, &expected, "{name}: header");
        let cols = columns(e, header).unwrap_or_else(|errs| panic!("{name}: {errs:?}"));
        assert_eq!(cols.ignored, ["id"], "{name}");
        let resolve = |field: &module_engine::Field, text: &str| {
            let module_engine::Kind::Ref(target) = field.kind else {
                return Err(format!("not a reference: {}", field.name));
            };
            let id: i64 = text.parse().map_err(|_| format!("not an id: {text}"))?;
            match read.get(target) {
                Some(ids) if ids.contains_key(&id) => Ok(id.to_string()),
                _ => Err(format!("{target} n° {id} unknown (from {name})")),
            }
        };
        let mut lines = Vec::with_capacity(body.len());
        let mut values = BTreeMap::new();
        for (i, row) in body.iter().enumerate() {
            let line = i as u64 + 2;
            assert_eq!(row.len(), header.len(), "{name}, line {line}: {row:?}");
            let v = read_row(e, &cols, line, row, &resolve)
                .unwrap_or_else(|errs| panic!("{name}, line {line}: {errs:?} in {row:?}"));
            let id: i64 = row[0].parse().expect("an id");
            assert_eq!(id, i as i64 + 1, "{name}: ids run from 1");
            values.insert(id, v.clone());
            lines.push((line, v));
        }
        assert_eq!(duplicates(e, &lines), vec![], "{name}");
        read.insert(name, values);
    }
    read
}

fn check_fixture(f: &Fixture) {
    // Geometry.
    let zones: HashMap<i64, &cimetiere::Zone> = f.zones.iter().map(|z| (z.id, z)).collect();
    for z in &f.zones {
        let c = &f.cemeteries[(z.cimetiere - 1) as usize];
        assert_eq!(zone_problems(c, z), vec![], "zone {}", z.id);
    }
    for p in &f.places {
        assert_eq!(place_problems(zones[&p.zone], p), vec![], "place {}", p.id);
    }
    // Renewals, replayed in order against the earlier ones.
    for h in &f.concessions {
        let mut rs = h.renewals.clone();
        rs.sort_by_key(|r| r.date_debut);
        for (i, r) in rs.iter().enumerate() {
            assert_eq!(
                check_renewal(&h.concession, &rs[..i], r),
                vec![],
                "concession {}",
                h.id()
            );
        }
    }
    // Inhumations and reprises.
    let problems = check_burials(
        &f.places,
        &f.concessions,
        &f.burials,
        &f.reprises,
        &f.defunts,
    );
    assert!(
        problems.is_empty(),
        "{} problems: {:?}",
        problems.len(),
        &problems[..problems.len().min(5)]
    );
    let problems = check_reprises(&f.reprises, &f.concessions, &f.burials);
    assert!(
        problems.is_empty(),
        "{} problems: {:?}",
        problems.len(),
        &problems[..problems.len().min(5)]
    );
    for r in &f.reprises {
        if r.etat != EtatReprise::Close {
            assert_eq!(
                r.etat,
                cimetiere::reached(r.motif, &r.steps),
                "reprise {}",
                r.id
            );
        }
    }
    // Nothing after the fixture's day.
    assert!(f.burials.iter().all(|b| b.date <= TODAY));
    assert!(f.renewals().all(|r| r.date <= TODAY));
    assert!(f.steps().all(|s| s.date <= TODAY));
    assert!(
        f.concessions
            .iter()
            .all(|c| c.concession.date_debut <= TODAY)
    );
}

#[test]
fn the_fixture_is_accepted_row_by_row_by_the_engine_and_by_every_rule() {
    let m = cimetiere::module();
    let f = fixture::generate(42, 2_000, 4_000);
    assert_eq!(f.places.len(), 2_000);
    assert_eq!(f.burials.len(), 4_000);
    assert_eq!(f.cemeteries.len(), 3);
    let read = import_all(&m, &f);
    assert_eq!(read["emplacement"].len(), 2_000);
    assert_eq!(read["inhumation"].len(), 4_000);
    assert_eq!(read["renouvellement"].len(), f.renewals().count());
    assert_eq!(read["etape_reprise"].len(), f.steps().count());
    // The engine derives the same end dates as the module's rules.
    let e = entity(&m, "concession");
    let at = e.field_index("date_fin").expect("date_fin");
    for h in &f.concessions {
        let derived = &read["concession"][&h.id()][at];
        let expected = h
            .concession
            .end()
            .map_or(Value::Null, |d| Value::Text(d.to_string()));
        assert_eq!(derived, &expected, "concession {}", h.id());
    }
    check_fixture(&f);
}

#[test]
fn the_fixture_has_the_mix_of_a_real_cemetery() {
    let f = fixture::generate(42, 2_000, 4_000);
    let states = place_states(&f.places, &f.concessions, &f.burials, &f.reprises, TODAY);
    let count = |s: PlaceState| states.values().filter(|x| **x == s).count();
    let common = f.places.iter().filter(|p| p.terrain_commun).count();
    let conceded = f
        .places
        .iter()
        .filter(|p| !p.terrain_commun && states[&p.id] != PlaceState::Free)
        .count();
    let share = |n: usize| n * 1000 / f.places.len();
    eprintln!(
        "conceded {conceded}, common {common}, in reprise {}, expired {}, free {}",
        count(PlaceState::InReprise),
        count(PlaceState::Expired),
        count(PlaceState::Free)
    );
    assert!(
        (620..=760).contains(&share(conceded)),
        "conceded {conceded}"
    );
    assert!(
        (5..=25).contains(&share(count(PlaceState::InReprise))),
        "{}",
        count(PlaceState::InReprise)
    );
    assert!(
        count(PlaceState::Expired) > 20,
        "{}",
        count(PlaceState::Expired)
    );
    assert!(count(PlaceState::Free) > 200);
    // Four zones at this size, one of them the terrain commun.
    assert!(
        (20..=150).contains(&share(common)),
        "terrain commun {common}"
    );
    let natures: HashSet<Nature> = f.concessions.iter().map(|c| c.concession.nature).collect();
    assert_eq!(natures.len(), 4);
    assert!(
        f.concessions
            .iter()
            .filter(|c| !c.renewals.is_empty())
            .count()
            > 100
    );
    let motives: HashSet<Motif> = f.reprises.iter().map(|r| r.motif).collect();
    assert_eq!(motives.len(), 2);
    let etats: HashSet<EtatReprise> = f.reprises.iter().map(|r| r.etat).collect();
    for e in [
        EtatReprise::Engagee,
        EtatReprise::Prononcee,
        EtatReprise::Executee,
        EtatReprise::Close,
    ] {
        assert!(etats.contains(&e), "{e:?}");
    }
    // Places taken back and conceded again.
    let mut per_place: HashMap<i64, usize> = HashMap::new();
    for c in &f.concessions {
        *per_place.entry(c.place()).or_default() += 1;
    }
    assert!(per_place.values().any(|n| *n > 1));
    // Coffins and urns, in the terrain commun too.
    assert!(f.burials.iter().any(|b| b.concession.is_none()));
    assert!(
        f.burials
            .iter()
            .any(|b| b.nature == cimetiere::NatureInhumation::Urne)
    );
    // The défunts die one to six days before their inhumation.
    for (b, df) in f.burials.iter().zip(&f.defunts) {
        assert_eq!(b.defunt, df.id);
        let days = b.date.days() - df.date_deces.days();
        assert!((1..=6).contains(&days), "{days}");
    }
    // The CSV quotes what it must.
    let csv = f.csv();
    let concessions = &csv[3].1;
    assert!(
        concessions.contains("\";") || concessions.contains("\"\n"),
        "some quoted field"
    );
}

#[test]
fn the_plan_and_the_reports_cover_every_place() {
    let f = fixture::generate(3, 2_000, 4_000);
    let states = place_states(&f.places, &f.concessions, &f.burials, &f.reprises, TODAY);
    let mut drawn = 0;
    for c in &f.cemeteries {
        let plan = layout(c, &f.zones, &f.places, &states);
        assert_eq!(
            Some(plan.width),
            c.plan_largeur,
            "no zone stretches the plan"
        );
        assert_eq!(Some(plan.height), c.plan_hauteur);
        for cell in &plan.places {
            let z = plan
                .zones
                .iter()
                .find(|z| z.id == cell.zone)
                .expect("its zone");
            assert!(z.x <= cell.x && cell.x + cell.w <= z.x + z.w);
            assert!(z.y <= cell.y && cell.y + cell.h <= z.y + z.h);
            assert!(z.x + z.w <= plan.width && z.y + z.h <= plan.height);
            assert_eq!(cell.state, states[&cell.id]);
        }
        drawn += plan.places.len();
    }
    assert_eq!(drawn, f.places.len());
    let rows = free_places_by_zone(
        &f.zones,
        &f.places,
        &f.concessions,
        &f.burials,
        &f.reprises,
        TODAY,
    );
    assert_eq!(rows.len(), f.zones.len());
    assert_eq!(rows.iter().map(|r| r.places).sum::<usize>(), f.places.len());
    let free = states.values().filter(|s| **s == PlaceState::Free).count();
    assert_eq!(rows.iter().map(|r| r.free).sum::<usize>(), free);
    assert!(rows.iter().all(|r| r.remaining <= r.capacity));
    let soon = expiring(&f.concessions, TODAY, 12);
    assert!(!soon.is_empty());
    assert!(soon.windows(2).all(|w| w[0].1 <= w[1].1));
    let until = TODAY.add_months(12);
    assert!(soon.iter().all(|(_, e)| TODAY <= *e && *e < until));
    assert!(d("2026-09-01") == TODAY);
}

#[test]
fn the_fixture_at_full_scale_passes_every_rule() {
    let started = Instant::now();
    let f = fixture::generate(2026, fixture::PLACES, fixture::BURIALS);
    let generated = started.elapsed();
    let read = import_all(&cimetiere::module(), &f);
    assert_eq!(read["inhumation"].len(), 40_000);
    let imported = started.elapsed() - generated;
    assert_eq!(f.places.len(), 20_000);
    assert_eq!(f.burials.len(), 40_000);
    assert!(
        (35..=45).contains(&f.zones.len()),
        "{} zones",
        f.zones.len()
    );
    check_fixture(&f);
    let in_reprise = place_states(&f.places, &f.concessions, &f.burials, &f.reprises, TODAY)
        .values()
        .filter(|s| **s == PlaceState::InReprise)
        .count();
    assert!((100..=400).contains(&in_reprise), "{in_reprise}");
    let common = f.places.iter().filter(|p| p.terrain_commun).count();
    assert!((400..=1_200).contains(&common), "terrain commun {common}");
    let states = place_states(&f.places, &f.concessions, &f.burials, &f.reprises, TODAY);
    let count = |s: PlaceState| states.values().filter(|x| **x == s).count();
    eprintln!(
        "full-scale fixture: generated in {generated:?}, imported in {imported:?}, checked in \
         {:?}; {} zones, {} concessions, {} renewals, {} reprises ({} steps); places free {}, \
         in force {}, expired {}, in reprise {}, terrain commun {common}",
        started.elapsed() - generated - imported,
        f.zones.len(),
        f.concessions.len(),
        f.renewals().count(),
        f.reprises.len(),
        f.steps().count(),
        count(PlaceState::Free),
        count(PlaceState::InForce),
        count(PlaceState::Expired),
        count(PlaceState::InReprise),
    );
}

#[test]
fn the_whole_data_set_checks_find_a_broken_fixture() {
    let f = fixture::generate(5, 600, 1_200);
    // An inhumation more in a full place of a concession.
    let full = f
        .places
        .iter()
        .find_map(|p| {
            let held: Vec<&cimetiere::Burial> = f
                .burials
                .iter()
                .filter(|b| b.emplacement == p.id && b.concession.is_some())
                .collect();
            (held.len() == p.capacite as usize).then(|| held[held.len() - 1].clone())
        })
        .expect("a full place");
    let mut broken = f.clone();
    let mut extra = full.clone();
    extra.id = broken.burials.len() as i64 + 1;
    broken.burials.push(extra);
    let problems = check_burials(
        &broken.places,
        &broken.concessions,
        &broken.burials,
        &broken.reprises,
        &broken.defunts,
    );
    assert!(
        problems.iter().any(|p| p.rule == "capacite_depassee"),
        "{problems:?}"
    );
    // A step moved before the one it follows.
    let mut broken = f.clone();
    let r = broken
        .reprises
        .iter_mut()
        .find(|r| r.steps.len() >= 2)
        .expect("a procedure with two steps");
    let first = r.steps[0].date;
    r.steps[1].date = first.add_days(-1);
    let problems = check_reprises(&broken.reprises, &broken.concessions, &broken.burials);
    assert!(!problems.is_empty());
}
