//! openCourrier through the engine: the declaration is sound, numbered and
//! guarded by its roles; each per-record rule gives its field error on a
//! JSON body; and every row of the generated registry is read back by the
//! engine's import as a form would be.

use catalogue::courrier::{self, fixture};
use module_engine::import::{columns, read_row};
use module_engine::validate::check_json;
use module_engine::{Entity, Module, Right};
use serde_json::{Value as Json, json};

fn entity<'a>(m: &'a Module, name: &str) -> &'a Entity {
    m.entity(name).expect("declared entity")
}

fn errors(m: &Module, e: &str, body: Json) -> Vec<(String, &'static str)> {
    match check_json(entity(m, e), &body, None) {
        Ok(_) => vec![],
        Err(errs) => errs.into_iter().map(|e| (e.field, e.rule)).collect(),
    }
}

fn arrived() -> Json {
    json!({
        "sens": "arrivee", "nature": "lettre", "contact": 1,
        "objet": "Demande de subvention", "date_courrier": "2026-11-02",
        "date_arrivee": "2026-11-04", "date_enregistrement": "2026-11-04"
    })
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

#[test]
fn the_declaration_is_sound_numbered_and_guarded_by_its_roles() {
    let m = courrier::module();
    assert_eq!(m.check(), Vec::<String>::new());
    let c = entity(&m, "courrier");
    let n = c.numbering.as_ref().expect("numbered");
    assert_eq!(
        (n.year, n.rank, n.number, n.scope.clone()),
        ("annee", "rang", "numero", vec!["sens"])
    );
    assert!(c.is_computed("numero") && c.is_computed("rang") && !c.is_computed("objet"));
    // The registry's office creates; a service's agent does not, but treats.
    assert!(c.rights.allows(Right::Create, courrier::AGENT_COURRIER));
    assert!(!c.rights.allows(Right::Create, courrier::AGENT_SERVICE));
    assert!(c.rights.allows(Right::Update, courrier::AGENT_SERVICE));
    assert!(!c.rights.allows(Right::Read, "public"));
    let actions = &c.states.as_ref().expect("a workflow").actions;
    let by = |name: &str| actions.iter().find(|a| a.name == name).expect("action");
    assert!(by("affecter").roles.contains(&courrier::AGENT_COURRIER));
    assert!(!by("affecter").roles.contains(&courrier::AGENT_SERVICE));
    assert!(by("repondre").roles.contains(&courrier::AGENT_SERVICE));
    assert_eq!(by("repondre").stamp, Some("date_reponse"));
    assert!(c.attachments.is_some());
}

#[test]
fn each_rule_names_its_field() {
    let m = courrier::module();
    assert_eq!(errors(&m, "courrier", arrived()), vec![]);
    assert_eq!(
        errors(
            &m,
            "courrier",
            with(arrived(), json!({"date_arrivee": null}))
        ),
        vec![("date_arrivee".into(), "date_arrivee_obligatoire")]
    );
    assert_eq!(
        errors(
            &m,
            "courrier",
            with(arrived(), json!({"date_arrivee": "2026-11-01"}))
        ),
        vec![("date_arrivee".into(), "arrivee_apres_courrier")]
    );
    assert_eq!(
        errors(
            &m,
            "courrier",
            with(arrived(), json!({"echeance": "2026-11-03"}))
        ),
        vec![("echeance".into(), "echeance_apres_enregistrement")]
    );
    assert_eq!(
        errors(&m, "courrier", with(arrived(), json!({"reponse_a": 4}))),
        vec![("reponse_a".into(), "reponse_depart")]
    );
    assert_eq!(
        errors(
            &m,
            "courrier",
            with(arrived(), json!({"service": 2, "relais": 2}))
        ),
        vec![("relais".into(), "relais_distinct")]
    );
    // The number is the registry's, never typed.
    assert_eq!(
        errors(&m, "courrier", with(arrived(), json!({"numero": "2026-1"}))),
        vec![("numero".into(), "read_only")]
    );
    assert_eq!(
        errors(
            &m,
            "contact",
            json!({"nom": "Martin", "code_postal": "69001"})
        ),
        vec![("ville".into(), "ville_avec_code_postal")]
    );
}

#[test]
fn every_row_of_the_generated_registry_reads_back_through_the_engine() {
    let m = courrier::module();
    let f = fixture::registry(11, 4_000, 8_000);
    for (name, text) in f.csv() {
        let e = entity(&m, name);
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(b';')
            .from_reader(text.as_bytes());
        let header: Vec<String> = reader
            .headers()
            .expect("header")
            .iter()
            .map(str::to_string)
            .collect();
        let cols = columns(e, &header).expect("every required column");
        let mut n = 0;
        for (i, row) in reader.records().enumerate() {
            let row: Vec<String> = row.expect("row").iter().map(str::to_string).collect();
            let ok = |_: &module_engine::Field, t: &str| Ok(t.to_string());
            if let Err(errs) = read_row(e, &cols, i as u64 + 2, &row, &ok) {
                panic!("{name} line {}: {errs:?}", i + 2);
            }
            n += 1;
        }
        assert!(n > 0, "{name} has rows");
    }
}
