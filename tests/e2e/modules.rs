//! The module engine served (issue 16): a module declared here, not one of
//! Urne's (a small library: books and loans), gets its tables on both
//! backends, its JSON API, its desk screens, its search and its exports.
//! Each constraint answers its field error on the form and in the API and
//! stores nothing; a role without a right gets 403 on the screens, the
//! API, the search and the exports; every write is in the audit chain.

use std::sync::Arc;

use module_engine::export::Cell;
use module_engine::schema::{Action, Entity, Field, Module, Rights, States};
use module_engine::{Catalog, FieldError, Record};
use serde_json::{Value, json};
use urne::app::Config;
use urne::auth::throttle::ThrottlePolicy;
use urne::store::records;

use crate::both_backends;
use crate::helpers::{
    Backend, Session, TOKEN, TestApp, add_user, fresh_database, login, start_with,
};

fn returned_after_loan(r: &Record<'_>) -> Vec<FieldError> {
    match (r.text("prete_le"), r.text("rendu_le")) {
        (Some(a), Some(b)) if b < a => {
            vec![r.error("rendu_le", "after_loan", "doit suivre la date du prêt")]
        }
        _ => vec![],
    }
}

pub fn library() -> Module {
    Module {
        name: "biblio",
        label: "Bibliothèque municipale",
        description: "Livres et prêts",
        entities: vec![
            Entity::new("livre", "Livres", "un livre")
                .field(Field::text("titre", "Titre", 120).required())
                .field(
                    Field::text("isbn", "ISBN", 17)
                        .pattern(r"[0-9-]{10,17}", "chiffres et tirets")
                        .help("10 ou 13 chiffres"),
                )
                .field(Field::integer("pages", "Pages").range(Some(1), Some(5000)))
                .field(
                    Field::decimal("prix", "Prix (€)", 2)
                        .range(Some(0), None)
                        .section("Achat"),
                )
                .field(Field::boolean("reserve", "Réservé").section("Achat"))
                .title(&["titre"])
                .columns(&["titre", "isbn", "pages"])
                .sort("titre", false)
                .search(&["titre", "isbn"])
                .unique(&["isbn"], "un autre livre a cet ISBN")
                .rights(Rights {
                    read: vec!["admin", "desk", "bibliothecaire"],
                    create: vec!["admin", "desk", "bibliothecaire"],
                    update: vec!["admin", "desk", "bibliothecaire"],
                    delete: vec!["admin", "desk"],
                })
                .attachments(module_engine::Attachments {
                    max_bytes: 4096,
                    types: vec!["application/pdf", "image/png", "text/plain"],
                    download: vec!["admin", "bibliothecaire"],
                }),
            Entity::new("pret", "Prêts", "un prêt")
                .field(Field::reference("livre", "Livre", "livre").required())
                .field(Field::email("courriel", "Courriel de l'emprunteur"))
                .field(Field::bureau("bureau", "Retiré au bureau"))
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
                .filters(&["etat", "livre"])
                .search(&["courriel"])
                .rule("after_loan", returned_after_loan)
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
        queries: vec![module_engine::SavedQuery {
            name: "prets_sortis",
            label: "Prêts en cours",
            entity: "pret",
            fixed: vec![("etat", "sorti")],
            params: vec![],
            roles: vec!["admin", "desk"],
        }],
        letters: vec![module_engine::Letter {
            name: "rappel",
            label: "Rappel de retour",
            entity: "pret",
            heading: "Rappel : {livre}",
            body: "Madame, Monsieur,\n\nLe livre « {livre} » vous a été prêté le {prete_le}. Merci de le rapporter.",
            signature: "La bibliothécaire",
            roles: vec!["admin", "desk"],
        }],
        roles: vec![module_engine::schema::ModuleRole {
            code: "bibliothecaire",
            label: "Bibliothécaire",
        }],
        en: &[],
    }
}

pub(crate) async fn app_with_library(backend: Backend, test: &str) -> Option<TestApp> {
    let db = fresh_database(backend, test).await?;
    let config = Config {
        body_limit: 256 * 1024,
        throttle: ThrottlePolicy::without_delay(),
        modules: Arc::new(Catalog::new(vec![library()]).expect("sound module")),
        ..Config::default()
    };
    let mut app = start_with(&db, config).await;
    app.db = Some(db);
    Some(app)
}

pub(crate) async fn enable(app: &TestApp) {
    let (_g, mut tx) = app.store.begin_write().await.expect("tx");
    records::set_enabled(&mut tx, app.store.backend(), &library(), true, "test")
        .await
        .expect("enable");
    tx.commit().await.expect("commit");
}

/// Switches on the built-in module `name` (openCourrier, openCimetière…).
pub(crate) async fn enable_builtin(app: &TestApp, name: &str) {
    let catalog = urne::modules::builtin();
    let m = catalog
        .module(name)
        .unwrap_or_else(|| panic!("{name} is built in"));
    let (_g, mut tx) = app.store.begin_write().await.expect("tx");
    records::set_enabled(&mut tx, app.store.backend(), m, true, "test")
        .await
        .expect("enable");
    tx.commit().await.expect("commit");
}

pub(crate) async fn call(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
    version: Option<i64>,
) -> (u16, Value) {
    let mut r = app
        .http
        .request(method, format!("{}{path}", app.base))
        .bearer_auth(TOKEN);
    if let Some(b) = body {
        r = r.json(&b);
    }
    if let Some(v) = version {
        r = r.header("if-match", format!("\"{v}\""));
    }
    let resp = r.send().await.expect("request");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

fn fields_of(body: &Value) -> Vec<(String, String)> {
    body["violations"]
        .as_array()
        .map(|v| {
            v.iter()
                .map(|e| {
                    (
                        e["field"].as_str().unwrap_or_default().to_string(),
                        e["rule"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

async fn total(app: &TestApp, entity: &str) -> i64 {
    let (s, b) = call(
        app,
        reqwest::Method::GET,
        &format!("/api/m/biblio/{entity}"),
        None,
        None,
    )
    .await;
    assert_eq!(s, 200, "{b}");
    b["total"].as_i64().expect("total")
}

async fn session_get(app: &TestApp, s: &Session, path: &str) -> (u16, String) {
    let r = app
        .http
        .get(format!("{}{path}", app.base))
        .header("cookie", &s.cookie)
        .send()
        .await
        .expect("get");
    (r.status().as_u16(), r.text().await.unwrap_or_default())
}

async fn session_post(
    app: &TestApp,
    s: &Session,
    path: &str,
    form: &[(&str, &str)],
) -> (u16, String, Option<String>) {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let r = client
        .post(format!("{}{path}", app.base))
        .header("cookie", &s.cookie)
        .form(form)
        .send()
        .await
        .expect("post");
    let location = r
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    (
        r.status().as_u16(),
        r.text().await.unwrap_or_default(),
        location,
    )
}

async fn a_declared_module_is_served(backend: Backend) {
    let Some(app) = app_with_library(backend, "a_declared_module_is_served").await else {
        return;
    };
    use reqwest::Method as M;
    let election = app.define_sample().await;

    // Switched off, the module is not there.
    let (s, b) = call(&app, M::GET, "/api/m/biblio/livre", None, None).await;
    assert_eq!(s, 404, "{b}");
    assert!(
        b["message"]
            .as_str()
            .unwrap_or_default()
            .contains("urne module enable biblio"),
        "{b}"
    );
    enable(&app).await;
    // Enabling again is harmless (tables and indexes already there).
    enable(&app).await;

    // Create, and every constraint refused with its field.
    let (s, b) = call(&app, M::POST, "/api/m/biblio/livre", Some(json!({"titre": "Les Misérables", "isbn": "978-2-07-040850-4", "pages": 1900, "prix": "12,50"})), None).await;
    assert_eq!(s, 201, "{b}");
    let hugo = b["id"].as_i64().expect("id");
    assert_eq!(b["fields"]["prix"], "12.50");
    assert_eq!(b["fields"]["reserve"], false);
    let (s, _) = call(
        &app,
        M::POST,
        "/api/m/biblio/livre",
        Some(json!({"titre": "Germinal", "isbn": "978-2-253-00422-1"})),
        None,
    )
    .await;
    assert_eq!(s, 201);
    let refused: [(Value, &[(&str, &str)]); 6] = [
        (
            json!({"titre": "", "pages": 0, "isbn": "x"}),
            &[
                ("titre", "required"),
                ("isbn", "pattern"),
                ("pages", "range"),
            ],
        ),
        (
            json!({"isbn": "978-2-253-00422-9"}),
            &[("titre", "required")],
        ),
        (
            json!({"titre": "Doublon", "isbn": "978-2-253-00422-1"}),
            &[("isbn", "unique")],
        ),
        (json!({"titre": "X", "prix": "-1"}), &[("prix", "range")]),
        (
            json!({"titre": "X", "auteur": "Zola"}),
            &[("auteur", "unknown")],
        ),
        (
            json!({"titre": "X", "pages": "beaucoup"}),
            &[("pages", "integer")],
        ),
    ];
    for (body, want) in &refused {
        let (s, b) = call(
            &app,
            M::POST,
            "/api/m/biblio/livre",
            Some(body.clone()),
            None,
        )
        .await;
        assert_eq!(s, 422, "{body}: {b}");
        assert_eq!(b["error"], "invalid_record");
        let got = fields_of(&b);
        let want: Vec<(String, String)> = want
            .iter()
            .map(|(f, r)| (f.to_string(), r.to_string()))
            .collect();
        assert_eq!(got, want, "{body}: {b}");
    }
    assert_eq!(total(&app, "livre").await, 2, "nothing stored by a refusal");

    // References: to a record, to a bureau of the night.
    let (s, b) = call(
        &app,
        M::POST,
        "/api/m/biblio/pret",
        Some(json!({"livre": 9999, "prete_le": "2026-03-01", "bureau": "ZZZ"})),
        None,
    )
    .await;
    assert_eq!(s, 422, "{b}");
    assert_eq!(
        fields_of(&b),
        [
            ("livre".to_string(), "reference".to_string()),
            ("bureau".into(), "reference".into())
        ]
    );
    let (s, b) = call(
        &app,
        M::POST,
        "/api/m/biblio/pret",
        Some(json!({"livre": hugo, "prete_le": "2026-03-10", "rendu_le": "2026-03-01"})),
        None,
    )
    .await;
    assert_eq!(s, 422, "{b}");
    assert_eq!(
        fields_of(&b),
        [("rendu_le".to_string(), "after_loan".to_string())]
    );
    let bureau = election_data::fixtures::sample_commune().bureaux[0]
        .code
        .clone();
    let (s, b) = call(&app, M::POST, "/api/m/biblio/pret", Some(json!({"livre": hugo, "prete_le": "10/03/2026", "bureau": bureau, "courriel": "lecteur@exemple.fr"})), None).await;
    assert_eq!(s, 201, "{b}");
    let loan = b["id"].as_i64().expect("id");
    assert_eq!(b["fields"]["etat"], "sorti");
    assert_eq!(b["fields"]["prete_le"], "2026-03-10");

    // Search folds accents and case; sort and filters.
    let (_, b) = call(&app, M::GET, "/api/m/biblio/livre?q=MISERABLES", None, None).await;
    assert_eq!(b["total"], 1, "{b}");
    let (_, b) = call(&app, M::GET, "/api/m/biblio/livre?sort=-titre", None, None).await;
    assert_eq!(b["items"][0]["fields"]["titre"], "Les Misérables");
    let (_, b) = call(
        &app,
        M::GET,
        &format!("/api/m/biblio/pret?etat=sorti&livre={hugo}"),
        None,
        None,
    )
    .await;
    assert_eq!(b["total"], 1, "{b}");
    let (s, b) = call(&app, M::GET, "/api/m/biblio/pret?sort=nope", None, None).await;
    assert_eq!(
        (s, fields_of(&b)),
        (422, vec![("sort".to_string(), "unknown".to_string())])
    );

    // Replace with the version read; stale and missing versions refused.
    let (s, b) = call(
        &app,
        M::PUT,
        &format!("/api/m/biblio/livre/{hugo}"),
        Some(json!({"titre": "Les Misérables (poche)", "isbn": "978-2-07-040850-4"})),
        None,
    )
    .await;
    assert_eq!(s, 428, "{b}");
    let (s, b) = call(
        &app,
        M::PUT,
        &format!("/api/m/biblio/livre/{hugo}"),
        Some(json!({"titre": "Les Misérables (poche)", "isbn": "978-2-07-040850-4"})),
        Some(1),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["version"], 2);
    // The search index follows the change: a word only in the new text
    // is found (on SQLite an FTS5 table kept by triggers).
    let (_, b) = call(&app, M::GET, "/api/m/biblio/livre?q=poche", None, None).await;
    assert_eq!(b["total"], 1, "{b}");
    let (_, b) = call(&app, M::GET, "/api/m/biblio/livre?q=040850", None, None).await;
    assert_eq!(b["total"], 1, "{b}");
    let (s, b) = call(
        &app,
        M::PUT,
        &format!("/api/m/biblio/livre/{hugo}"),
        Some(json!({"titre": "Écrasé"})),
        Some(1),
    )
    .await;
    assert_eq!(s, 409, "{b}");
    assert_eq!(b["current_version"], 2);

    // State actions: once, then refused from the new state.
    let (s, b) = call(
        &app,
        M::POST,
        &format!("/api/m/biblio/pret/{loan}/actions/rendre"),
        None,
        Some(1),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["fields"]["etat"], "rendu");
    let (s, _) = call(
        &app,
        M::POST,
        &format!("/api/m/biblio/pret/{loan}/actions/rendre"),
        None,
        Some(2),
    )
    .await;
    assert_eq!(s, 409);

    // A referenced record cannot be deleted; an unreferenced one can.
    let (s, b) = call(
        &app,
        M::DELETE,
        &format!("/api/m/biblio/livre/{hugo}"),
        None,
        Some(2),
    )
    .await;
    assert_eq!(s, 409, "{b}");
    assert!(
        b["message"].as_str().unwrap_or_default().contains("Prêts"),
        "{b}"
    );

    // Exports, with the list's filters.
    let r = app
        .http
        .get(format!("{}/api/m/biblio/pret/export.csv", app.base))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("csv");
    assert_eq!(r.status(), 200);
    let csv = r.text().await.unwrap_or_default();
    assert!(
        csv.starts_with('\u{feff}')
            && csv.contains("Livre;")
            && csv.contains("Les Misérables (poche)"),
        "{csv}"
    );
    let r = app
        .http
        .get(format!("{}/api/m/biblio/livre/export.xlsx", app.base))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("xlsx");
    assert_eq!(r.status(), 200);
    assert_eq!(&r.bytes().await.unwrap_or_default()[..2], b"PK");

    // The list as a PDF report, and the mail-merge letter (one page per loan).
    for path in [
        "/api/m/biblio/livre/export.pdf",
        "/desk/m/biblio/lettre/rappel",
    ] {
        let r = app
            .http
            .get(format!("{}{path}", app.base))
            .bearer_auth(TOKEN)
            .send()
            .await
            .expect("pdf");
        assert_eq!(r.status(), 200, "{path}");
        let bytes = r.bytes().await.unwrap_or_default();
        assert!(bytes.starts_with(b"%PDF-") && bytes.len() > 3_000, "{path}");
    }
    // Every entity is in the OpenAPI document, with its body schema.
    let (_, doc) = call(&app, M::GET, "/api/openapi.json", None, None).await;
    let post = &doc["paths"]["/api/m/biblio/livre"]["post"];
    assert_eq!(
        post["requestBody"]["content"]["application/json"]["schema"]["required"],
        json!(["titre"]),
        "{post}"
    );
    assert!(doc["paths"]["/api/m/biblio/pret/{record_id}"]["put"].is_object());

    // The multi-module search.
    let (s, b) = call(&app, M::GET, "/api/search?q=germinal", None, None).await;
    assert_eq!(s, 200);
    assert_eq!(b["results"][0]["entity"], "livre", "{b}");

    // A president may read loans only: 403 everywhere else.
    add_user(&app, "pres", "president", &[&bureau]).await;
    let pres = login(&app, "pres").await;
    for path in [
        "/api/m/biblio/livre",
        "/api/m/biblio/livre/export.csv",
        "/desk/m/biblio/livre",
        "/desk/m/biblio/livre/new",
        "/desk/m/biblio/pret/export.xlsx",
    ] {
        let (s, _) = session_get(&app, &pres, path).await;
        let want = if path.contains("pret") { 200 } else { 403 };
        assert_eq!(s, want, "{path}");
    }
    let (s, _) = session_get(&app, &pres, "/api/m/biblio/pret").await;
    assert_eq!(s, 200);
    let r = app
        .http
        .post(format!("{}/api/m/biblio/pret", app.base))
        .header("cookie", &pres.cookie)
        .header("x-csrf-token", &pres.csrf)
        .json(&json!({"livre": hugo, "prete_le": "2026-03-12"}))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 403);
    let (_, body) = session_get(&app, &pres, "/api/search?q=germinal").await;
    assert!(!body.contains("livre"), "{body}");
    let (s, _, _) = session_post(
        &app,
        &pres,
        &format!("/desk/m/biblio/pret/{loan}/delete"),
        &[("csrf", &pres.csrf), ("version", "2")],
    )
    .await;
    assert_eq!(s, 403);

    // The desk's screens: list, form errors next to their fields, create, delete.
    add_user(&app, "guichet", "desk", &[]).await;
    let desk = login(&app, "guichet").await;
    let (s, html) = session_get(&app, &desk, "/desk/m/biblio/livre?q=germinal").await;
    assert_eq!(s, 200);
    assert!(
        html.contains("Germinal") && !html.contains("poche"),
        "{html}"
    );
    let (s, html, _) = session_post(
        &app,
        &desk,
        "/desk/m/biblio/livre/new",
        &[
            ("csrf", &desk.csrf),
            ("titre", "Nana"),
            ("pages", "0"),
            ("prix", "abc"),
        ],
    )
    .await;
    assert_eq!(s, 422);
    assert!(
        html.contains("id=\"e-pages\"")
            && html.contains("entre 1 et 5000")
            && html.contains("id=\"e-prix\""),
        "{html}"
    );
    assert!(html.contains("value=\"Nana\""), "what was typed is kept");
    assert_eq!(total(&app, "livre").await, 2);
    let (s, _, _) = session_post(
        &app,
        &desk,
        "/desk/m/biblio/livre/new",
        &[("titre", "Nana")],
    )
    .await;
    assert_eq!(s, 403, "no CSRF token");
    let (s, _, location) = session_post(
        &app,
        &desk,
        "/desk/m/biblio/livre/new",
        &[
            ("csrf", &desk.csrf),
            ("titre", "Nana"),
            ("reserve", "1"),
            ("prix", "7,5"),
        ],
    )
    .await;
    assert_eq!(s, 303);
    let location = location.expect("redirect");
    let (_, html) = session_get(&app, &desk, &location).await;
    assert!(
        html.contains("Fiche enregistrée") && html.contains("7,50") && html.contains("oui"),
        "{html}"
    );
    let id = location
        .trim_start_matches("/desk/m/biblio/livre/")
        .trim_end_matches("?saved=1")
        .to_string();
    let (s, html) = session_get(&app, &desk, &format!("/desk/m/biblio/livre/{id}/delete")).await;
    assert_eq!(s, 200);
    assert!(html.contains("Supprimer définitivement"));
    let (s, _, _) = session_post(
        &app,
        &desk,
        &format!("/desk/m/biblio/livre/{id}/delete"),
        &[("csrf", &desk.csrf), ("version", "1")],
    )
    .await;
    assert_eq!(s, 303);
    assert_eq!(total(&app, "livre").await, 2);
    let (s, html) = session_get(&app, &desk, "/desk/m/biblio/q/prets_sortis").await;
    assert_eq!(s, 200);
    assert!(
        html.contains("0 fiche"),
        "the only loan was returned: {html}"
    );
    let (s, html) = session_get(&app, &desk, "/desk/search?q=nana").await;
    assert_eq!(s, 200);
    assert!(html.contains("Aucune fiche"), "deleted: {html}");

    // Every write is in the audit chain, which still verifies.
    let report = app.store.verify_audit().await.expect("verify");
    assert!(report.is_intact(), "{:?}", report.problems);
    let (_, b) = call(&app, M::GET, "/api/audit?limit=500", None, None).await;
    let actions: Vec<&str> = b["rows"]
        .as_array()
        .or(b.as_array())
        .map(|r| r.iter().filter_map(|x| x["action"].as_str()).collect())
        .unwrap_or_default();
    for a in [
        "module.enable",
        "module.biblio.livre.create",
        "module.biblio.livre.update",
        "module.biblio.pret.rendre",
        "module.biblio.livre.delete",
    ] {
        assert!(actions.contains(&a), "{a} in {actions:?}");
    }
    let _ = election;

    // Imports: a spreadsheet of books, then loans naming their book by its
    // title; a file with one bad row stores nothing and names each line.
    let sheet = module_engine::export::to_xlsx(&module_engine::export::Table {
        title: "Livres".into(),
        header: vec![
            "Titre".into(),
            "ISBN".into(),
            "pages".into(),
            "Remarque".into(),
        ],
        rows: vec![
            vec![
                Cell::Text("Bel-Ami".into()),
                Cell::Text("978-2-07-036918-8".into()),
                Cell::Int(420),
                Cell::Text("don".into()),
            ],
            vec![
                Cell::Text("La Curée".into()),
                Cell::Text("978-2-253-00552-5".into()),
                Cell::Int(380),
                Cell::Text(String::new()),
            ],
        ],
    })
    .expect("xlsx");
    let import = |path: &'static str, body: Vec<u8>| {
        let http = app.http.clone();
        let url = format!("{}{path}", app.base);
        async move {
            let r = http
                .post(url)
                .bearer_auth(TOKEN)
                .body(body)
                .send()
                .await
                .expect("import");
            let status = r.status().as_u16();
            (status, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (s, b) = import("/api/m/biblio/livre/import", sheet).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        (b["rows"].as_i64(), b["ignored_columns"].clone()),
        (Some(2), json!(["Remarque"]))
    );
    let before = total(&app, "pret").await;
    let bad = "Livre;Prêté le;Courriel de l'emprunteur\nBel-Ami;01/04/2026;a@exemple.fr\nLe Horla;02/04/2026;\nLa Curée;31/02/2026;b@exemple\n";
    let (s, b) = import("/api/m/biblio/pret/import", bad.as_bytes().to_vec()).await;
    assert_eq!(s, 422, "{b}");
    let text = b.to_string();
    assert!(
        text.contains("ligne 3 : livre") && text.contains("Le Horla"),
        "{text}"
    );
    assert!(
        text.contains("ligne 4 : prete_le") && text.contains("ligne 4 : courriel"),
        "{text}"
    );
    assert_eq!(total(&app, "pret").await, before, "nothing stored");
    let good = "Livre;Prêté le\nBel-Ami;01/04/2026\nla curée;02/04/2026\n";
    let (s, b) = import("/api/m/biblio/pret/import", good.as_bytes().to_vec()).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(total(&app, "pret").await, before + 2);

    // A field added to the declaration: enabling again adds its column to
    // the filled table; the stored rows read it as empty.
    let mut v2 = library();
    v2.entities[0]
        .fields
        .push(module_engine::Field::text("auteur", "Auteur", 80));
    {
        let (_g, mut tx) = app.store.begin_write().await.expect("tx");
        records::set_enabled(&mut tx, app.store.backend(), &v2, true, "test")
            .await
            .expect("migrate");
        tx.commit().await.expect("commit");
    }
    let mut conn = app.store.pool().acquire().await.expect("conn");
    let rows = records::all(&mut conn, &v2, &v2.entities[0])
        .await
        .expect("rows with the new column");
    assert_eq!(rows.len(), 4);
    assert!(
        rows.iter()
            .all(|r| r.values.last() == Some(&module_engine::Value::Null))
    );
}

both_backends!(a_declared_module_is_served);

/// `urne module list|enable|disable` on a database file.
#[test]
fn the_module_command_switches_openscrutin() {
    let dir = crate::helpers::temp_dir("module-cli");
    let url = format!("sqlite://{}", dir.path().join("urne.db").display());
    let urne = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_urne"))
            .args(args)
            .args(["--database-url", &url])
            .output()
            .expect("urne runs");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr),
        )
    };
    let (ok, out) = urne(&["module", "list"]);
    assert!(
        ok && out.contains("scrutin") && out.contains("désactivé"),
        "{out}"
    );
    let (ok, out) = urne(&["module", "enable", "scrutin"]);
    assert!(ok && out.contains("activé"), "{out}");
    let (ok, out) = urne(&["module", "list"]);
    assert!(
        ok && out.contains("scrutin") && out.contains(" activé "),
        "{out}"
    );
    let (ok, out) = urne(&["module", "enable", "cantine"]);
    assert!(!ok && out.contains("module inconnu : cantine"), "{out}");
    let (ok, out) = urne(&["module", "disable", "scrutin"]);
    assert!(ok && out.contains("données conservées"), "{out}");
}
