//! A module declared here (a small library lending books) goes through the
//! engine: declaration checks, form and JSON reading, rules, list queries.

use module_engine::schema::{Action, Entity, Field, Module, Rights, States};
use module_engine::sql::{Dialect, ListQuery, Param, create_table};
use module_engine::validate::{check_form, check_json};
use module_engine::{Catalog, FieldError, Record, Value};

fn due_after_loan(r: &Record<'_>) -> Vec<FieldError> {
    match (r.text("prete_le"), r.text("rendu_le")) {
        (Some(a), Some(b)) if b < a => {
            vec![r.error("rendu_le", "after_loan", "doit suivre la date du prêt")]
        }
        _ => vec![],
    }
}

fn library() -> Module {
    Module {
        name: "biblio",
        label: "Bibliothèque",
        description: "Prêts de livres",
        entities: vec![
            Entity::new("livre", "Livres", "un livre")
                .field(Field::text("titre", "Titre", 120).required())
                .field(
                    Field::text("isbn", "ISBN", 17).pattern(r"[0-9-]{10,17}", "chiffres et tirets"),
                )
                .field(Field::integer("pages", "Pages").range(Some(1), Some(5000)))
                .field(Field::decimal("prix", "Prix", 2).range(Some(0), None))
                .title(&["titre"])
                .columns(&["titre", "isbn"])
                .sort("titre", false)
                .search(&["titre", "isbn"])
                .unique(&["isbn"], "un autre livre a cet ISBN"),
            Entity::new("pret", "Prêts", "un prêt")
                .field(Field::reference("livre", "Livre", "livre").required())
                .field(Field::email("courriel", "Courriel de l'emprunteur"))
                .field(Field::date("prete_le", "Prêté le").required())
                .field(Field::date("rendu_le", "Rendu le"))
                .field(Field::choice(
                    "etat",
                    "État",
                    &[("sorti", "Sorti"), ("rendu", "Rendu")],
                ))
                .title(&["livre", "prete_le"])
                .columns(&["livre", "prete_le", "etat"])
                .sort("prete_le", true)
                .filters(&["etat"])
                .rule("after_loan", due_after_loan)
                .rights(Rights {
                    read: vec!["admin", "desk", "president"],
                    ..Rights::desk()
                })
                .states(States {
                    field: "etat",
                    actions: vec![Action {
                        name: "rendre",
                        label: "Retour du livre",
                        from: vec!["sorti"],
                        to: "rendu",
                        roles: vec!["admin", "desk"],
                        stamp: None,
                    }],
                }),
        ],
        queries: vec![],
        letters: vec![],
        roles: Vec::new(),
        en: &[],
    }
}

fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
    p.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn a_sound_declaration_is_accepted_and_a_broken_one_is_explained() {
    assert!(Catalog::new(vec![library()]).is_ok());
    let mut broken = library();
    broken.entities[0].list.columns.push("auteur");
    broken.entities[1].fields[0].kind = module_engine::Kind::Ref("lecteur");
    let problems = Catalog::new(vec![broken]).expect_err("refused");
    assert!(
        problems.iter().any(|p| p.contains("unknown field auteur")),
        "{problems:?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.contains("unknown entity lecteur")),
        "{problems:?}"
    );
}

#[test]
fn every_field_error_names_its_field_and_rule() {
    let m = library();
    let livre = &m.entities[0];
    let (_, errors) = check_form(
        livre,
        &pairs(&[
            ("titre", ""),
            ("isbn", "ab"),
            ("pages", "0"),
            ("prix", "1,234"),
        ]),
        None,
    )
    .expect_err("refused");
    let got: Vec<(&str, &str)> = errors.iter().map(|e| (e.field.as_str(), e.rule)).collect();
    // Every problem at once, in the form's order, the empty title included.
    assert_eq!(
        got,
        [
            ("titre", "required"),
            ("isbn", "pattern"),
            ("pages", "range"),
            ("prix", "decimal")
        ]
    );
    let (_, errors) = check_form(livre, &pairs(&[("titre", " ")]), None).expect_err("refused");
    assert_eq!(errors[0].field, "titre");
    assert_eq!(errors[0].rule, "required");
}

#[test]
fn rules_and_states_apply_to_forms_and_json_alike() {
    let m = library();
    let pret = &m.entities[1];
    let body = serde_json::json!({"livre": 3, "prete_le": "2026-03-10", "rendu_le": "01/03/2026"});
    let errors = check_json(pret, &body, None).expect_err("refused");
    assert_eq!(
        (errors[0].field.as_str(), errors[0].rule),
        ("rendu_le", "after_loan")
    );
    let ok = check_json(
        pret,
        &serde_json::json!({"livre": 3, "prete_le": "10/03/2026"}),
        None,
    )
    .expect("accepted");
    // A new record starts in the first state, which the body may not set.
    assert_eq!(ok[4], Value::Text("sorti".into()));
    let errors = check_json(
        pret,
        &serde_json::json!({"livre": 3, "prete_le": "2026-03-10", "etat": "rendu", "x": 1}),
        None,
    )
    .expect_err("refused");
    let got: Vec<(&str, &str)> = errors.iter().map(|e| (e.field.as_str(), e.rule)).collect();
    assert!(
        got.contains(&("etat", "read_only")) && got.contains(&("x", "unknown")),
        "{got:?}"
    );
}

#[test]
fn list_queries_take_only_declared_names_and_bind_every_value() {
    let m = library();
    let pret = &m.entities[1];
    let q = ListQuery::from_pairs(
        pret,
        &pairs(&[
            ("etat", "rendu"),
            ("q", "Élise 100%"),
            ("sort", "-livre"),
            ("page", "3"),
        ]),
    )
    .expect("query");
    let (rows, count) = q.statements(&m, pret);
    assert!(
        rows.text.contains(
            "WHERE f_etat = $1 AND search_text LIKE $2 ESCAPE '\\' AND search_text LIKE $3"
        ),
        "{}",
        rows.text
    );
    assert!(
        rows.text
            .contains("ORDER BY f_livre DESC, id DESC LIMIT $4 OFFSET $5"),
        "{}",
        rows.text
    );
    assert_eq!(rows.params[2], Param::Text(Some("%100\\%%".into())));
    assert_eq!(rows.params[4], Param::Int(Some(100)));
    assert_eq!(count.params.len(), 3);
    let errors = ListQuery::from_pairs(
        pret,
        &pairs(&[
            ("sort", "id; DROP TABLE x"),
            ("courriel", "a@b.fr"),
            ("per_page", "9999"),
        ]),
    )
    .expect_err("refused");
    let got: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(got, ["sort", "courriel", "per_page"]);
}

#[test]
fn tables_differ_by_dialect_only_in_their_key() {
    let m = library();
    let lite = create_table(&m, &m.entities[0], Dialect::Sqlite);
    let pg = create_table(&m, &m.entities[0], Dialect::Postgres);
    assert!(lite[0].contains("id INTEGER PRIMARY KEY AUTOINCREMENT"));
    assert!(pg[0].contains("GENERATED BY DEFAULT AS IDENTITY"));
    assert_eq!(lite[1..], pg[1..]);
    assert!(
        lite.iter()
            .any(|s| s.starts_with("CREATE UNIQUE INDEX IF NOT EXISTS ux_m_biblio_livre_0"))
    );
}

#[test]
fn roles_named_by_rights_must_be_declared() {
    let mut m = library();
    m.entities[0].rights.read.push("bibliothecaire");
    let problems = Catalog::new(vec![m.clone()]).err().unwrap_or_default();
    assert!(
        problems
            .iter()
            .any(|p| p.contains("biblio.livre: rights names unknown role bibliothecaire")),
        "{problems:?}"
    );
    m.roles.push(module_engine::schema::ModuleRole {
        code: "bibliothecaire",
        label: "Bibliothécaire",
    });
    assert!(Catalog::new(vec![m.clone()]).is_ok());
    m.roles.push(module_engine::schema::ModuleRole {
        code: "desk",
        label: "Guichet",
    });
    let problems = Catalog::new(vec![m]).err().unwrap_or_default();
    assert!(
        problems
            .iter()
            .any(|p| p.contains("\"desk\": not an identifier, or an account's role")),
        "{problems:?}"
    );
}
