//! openCourrier end to end, on both backends: courriers numbered per year
//! and register by the store (`2026-1`, `2026-2`, the leaving register
//! apart, an old date in its own year); bad entries refused naming the
//! field and the rule; the workflow taken step by step by the roles that
//! may (the registry's agent assigns, a service's agent takes in charge
//! and answers, with the date stamped), refused to the others and from
//! the wrong state, every step in the audit log; a service's inbox with
//! its overdue courrier and task and what was distributed to it; the
//! search by number, correspondent, subject and dates; the day's registry
//! and the transmission slip as PDF (audited, bad parameters named); and
//! a generated registry imported through the API numbered as generated.

use catalogue::courrier::fixture;
use reqwest::Method;
use serde_json::{Value, json};

use crate::attachments::audit_actions;
use crate::both_backends;
use crate::helpers::{Backend, TOKEN, TestApp, add_user, login, spawn_app};
use crate::module_roles::as_session;
use crate::modules::call;

pub(crate) async fn enable(app: &TestApp) {
    crate::modules::enable_builtin(app, "courrier").await;
}

async fn post(app: &TestApp, entity: &str, body: Value) -> Value {
    let (s, b) = call(
        app,
        Method::POST,
        &format!("/api/m/courrier/{entity}"),
        Some(body),
        None,
    )
    .await;
    assert_eq!(s, 201, "{entity}: {b}");
    flat(&b)
}

/// A record's answer as one object: its fields, its id and version.
fn flat(b: &Value) -> Value {
    let mut out = b["fields"].clone();
    out["id"] = b["id"].clone();
    out["version"] = b["version"].clone();
    out
}

fn violations(b: &Value) -> Vec<(String, String)> {
    b["violations"]
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

async fn page(app: &TestApp, path: &str) -> (u16, String) {
    let r = app
        .http
        .get(format!("{}{path}", app.base))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("get");
    (r.status().as_u16(), r.text().await.unwrap_or_default())
}

async fn bytes(app: &TestApp, path: &str) -> (u16, String, Vec<u8>) {
    let r = app
        .http
        .get(format!("{}{path}", app.base))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("get");
    let status = r.status().as_u16();
    let kind = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    (
        status,
        kind,
        r.bytes().await.map(|b| b.to_vec()).unwrap_or_default(),
    )
}

/// Keeps a document in `$URNE_SCREENSHOTS`, to be looked at.
pub(crate) fn keep(name: &str, bytes: &[u8]) {
    if let Some(dir) = std::env::var_os("URNE_SCREENSHOTS") {
        let _ = std::fs::create_dir_all(&dir);
        let _ = std::fs::write(std::path::Path::new(&dir).join(name), bytes);
    }
}

fn today() -> String {
    urne::time::today_paris()
}

async fn the_mail_registry_end_to_end(backend: Backend) {
    let Some(app) = spawn_app(backend, "the_mail_registry_end_to_end").await else {
        return;
    };
    enable(&app).await;
    let year = &today()[..4];
    let urba = post(
        &app,
        "service",
        json!({"code": "URBA", "libelle": "Urbanisme"}),
    )
    .await;
    let tech = post(
        &app,
        "service",
        json!({"code": "TECH", "libelle": "Services techniques"}),
    )
    .await;
    let (urba, tech) = (urba["id"].clone(), tech["id"].clone());
    let dupont = post(
        &app,
        "contact",
        json!({"nom": "Dupont", "prenom": "Jeanne", "ville": "Vienne", "code_postal": "38200"}),
    )
    .await["id"]
        .clone();
    let asso = post(
        &app,
        "contact",
        json!({"nom": "Comité des fêtes", "civilite": "org"}),
    )
    .await["id"]
        .clone();

    // Numbers: per year and register, given by the store.
    let arrived = |objet: &str, contact: &Value| {
        json!({"sens": "arrivee", "nature": "lettre", "contact": contact, "objet": objet,
               "date_courrier": today(), "date_arrivee": today()})
    };
    let first = post(
        &app,
        "courrier",
        arrived("Demande de permis de construire", &dupont),
    )
    .await;
    let second = post(
        &app,
        "courrier",
        arrived("Invitation à la fête du village", &asso),
    )
    .await;
    let leaving = post(
        &app,
        "courrier",
        json!({"sens": "depart", "nature": "courriel", "contact": dupont, "objet": "Accusé de réception",
               "reponse_a": first["id"]}),
    )
    .await;
    let old = post(
        &app,
        "courrier",
        json!({"sens": "arrivee", "nature": "lettre", "contact": asso, "objet": "Ancien courrier",
               "date_courrier": "2009-03-01", "date_arrivee": "2009-03-02", "date_enregistrement": "2009-03-02"}),
    )
    .await;
    assert_eq!(first["numero"], format!("{year}-1"), "{first}");
    assert_eq!(second["numero"], format!("{year}-2"));
    assert_eq!(
        leaving["numero"],
        format!("{year}-1"),
        "the leaving register counts apart"
    );
    assert_eq!(old["numero"], "2009-1");
    assert_eq!(
        first["date_enregistrement"],
        today(),
        "today when left empty"
    );
    assert_eq!(first["etat"], "enregistre");

    // Bad entries: the field and the rule, nothing stored.
    let (s, b) = call(
        &app,
        Method::POST,
        "/api/m/courrier/courrier",
        Some(json!({"sens": "arrivee", "nature": "lettre", "contact": dupont, "objet": "x", "numero": "2026-9"})),
        None,
    )
    .await;
    assert_eq!(s, 422, "{b}");
    assert_eq!(violations(&b), vec![("numero".into(), "read_only".into())]);
    let (s, b) = call(
        &app,
        Method::POST,
        "/api/m/courrier/courrier",
        Some(
            json!({"sens": "arrivee", "nature": "lettre", "contact": dupont, "objet": "Sans date"}),
        ),
        None,
    )
    .await;
    assert_eq!(s, 422);
    assert_eq!(
        violations(&b),
        vec![("date_arrivee".into(), "date_arrivee_obligatoire".into())]
    );
    let (s, b) = call(
        &app,
        Method::POST,
        "/api/m/courrier/courrier",
        Some(json!({"sens": "arrivee", "nature": "lettre", "contact": 999, "objet": "Inconnu", "date_arrivee": today()})),
        None,
    )
    .await;
    assert_eq!(s, 422);
    assert_eq!(violations(&b)[0].0, "contact");
    let (_, b) = call(
        &app,
        Method::GET,
        "/api/m/courrier/courrier?per_page=1",
        None,
        None,
    )
    .await;
    assert_eq!(b["total"], 4, "nothing stored by the refusals");

    // The workflow, by the roles that may take each step.
    let id = first["id"].as_i64().expect("id");
    let act = |action: &'static str, version: i64| {
        let app = &app;
        async move {
            call(
                app,
                Method::POST,
                &format!("/api/m/courrier/courrier/{id}/actions/{action}"),
                None,
                Some(version),
            )
            .await
        }
    };
    let (s, b) = act("prendre_en_charge", 1).await;
    assert_eq!(s, 409, "not from « enregistré »: {b}");
    let (s, b) = act("affecter", 1).await;
    assert_eq!(s, 422, "{b}");
    assert_eq!(
        violations(&b),
        vec![("service".into(), "service_pour_affecter".into())]
    );
    let mut body = first.clone();
    for k in ["id", "version", "numero", "annee", "rang", "etat"] {
        body.as_object_mut().expect("object").remove(k);
    }
    body["service"] = urba.clone();
    body["echeance"] = json!("2020-01-01");
    let (s, b) = call(
        &app,
        Method::PUT,
        &format!("/api/m/courrier/courrier/{id}"),
        Some(body.clone()),
        Some(1),
    )
    .await;
    assert_eq!(s, 422, "a deadline before the registration: {b}");
    assert_eq!(
        violations(&b),
        vec![("echeance".into(), "echeance_apres_enregistrement".into())]
    );
    body["echeance"] = json!(today());
    let (s, b) = call(
        &app,
        Method::PUT,
        &format!("/api/m/courrier/courrier/{id}"),
        Some(body),
        Some(1),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        flat(&b)["numero"],
        format!("{year}-1"),
        "an edit keeps the number"
    );

    add_user(&app, "agent", "president", &["0001"]).await;
    let agent = login(&app, "agent").await;
    let r = app
        .http
        .put(format!(
            "{}/api/users/agent/grants/courrier/agent_service",
            app.base
        ))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("grant");
    assert_eq!(r.status().as_u16(), 200, "the agent's module role");
    let as_agent = |action: &'static str, version: i64| {
        let (app, agent) = (&app, &agent);
        async move {
            let (s, b) = {
                let r = app
                    .http
                    .post(format!(
                        "{}/api/m/courrier/courrier/{id}/actions/{action}",
                        app.base
                    ))
                    .header("cookie", &agent.cookie)
                    .header("x-csrf-token", &agent.csrf)
                    .header("if-match", format!("\"{version}\""))
                    .send()
                    .await
                    .expect("action");
                (
                    r.status().as_u16(),
                    r.json::<Value>().await.unwrap_or(Value::Null),
                )
            };
            (s, b)
        }
    };
    let (s, b) = as_agent("affecter", 2).await;
    assert_eq!(s, 403, "a service's agent does not assign: {b}");
    let (s, b) = act("affecter", 2).await;
    assert_eq!(
        (s, flat(&b)["etat"].as_str()),
        (200, Some("affecte")),
        "{b}"
    );
    let (s, b) = as_agent("prendre_en_charge", 3).await;
    assert_eq!(
        (s, flat(&b)["etat"].as_str()),
        (200, Some("en_traitement")),
        "{b}"
    );
    let (s, b) = as_agent("repondre", 4).await;
    assert_eq!(
        (s, flat(&b)["etat"].as_str()),
        (200, Some("repondu")),
        "{b}"
    );
    assert_eq!(
        flat(&b)["date_reponse"],
        today(),
        "the answer's date is stamped"
    );
    let (s, _) = as_session(
        &app,
        &agent,
        Method::POST,
        "/api/m/courrier/courrier",
        Some(arrived("x", &dupont)),
    )
    .await;
    assert_eq!(s, 403, "a service's agent does not register");
    let actions = audit_actions(&app).await;
    for a in [
        "module.courrier.courrier.create",
        "module.courrier.courrier.update",
        "module.courrier.courrier.affecter",
        "module.courrier.courrier.prendre_en_charge",
        "module.courrier.courrier.repondre",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a} audited");
    }

    // The inbox: the second courrier, assigned to Urbanisme with a past
    // deadline, an overdue task for Urbanisme, distributed to Tech.
    let id2 = second["id"].as_i64().expect("id");
    let mut body = second.clone();
    for k in ["id", "version", "numero", "annee", "rang", "etat"] {
        body.as_object_mut().expect("object").remove(k);
    }
    body["service"] = urba.clone();
    body["echeance"] = json!(today());
    let (s, b) = call(
        &app,
        Method::PUT,
        &format!("/api/m/courrier/courrier/{id2}"),
        Some(body),
        Some(1),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let (s, _) = call(
        &app,
        Method::POST,
        &format!("/api/m/courrier/courrier/{id2}/actions/affecter"),
        None,
        Some(2),
    )
    .await;
    assert_eq!(s, 200);
    post(&app, "tache", json!({"courrier": id2, "service": urba, "libelle": "Réserver la salle", "echeance": "2020-05-04"})).await;
    post(
        &app,
        "diffusion",
        json!({"courrier": id2, "service": tech, "ordre": 1, "pour_avis": true}),
    )
    .await;
    let (s, b) = call(
        &app,
        Method::POST,
        "/api/m/courrier/diffusion",
        Some(json!({"courrier": id2, "service": tech, "ordre": 2})),
        None,
    )
    .await;
    assert_eq!(s, 422, "one diffusion per service: {b}");
    let tomorrow_after = "2099-01-01";
    let (s, html) = page(
        &app,
        &format!("/desk/m/courrier/corbeille?service={urba}&date={tomorrow_after}"),
    )
    .await;
    assert_eq!(s, 200, "{}", &html[..html.len().min(400)]);
    assert!(
        html.contains(&format!("data-id=\"{id2}\"")),
        "the assigned courrier is in the inbox"
    );
    assert!(
        !html.contains(&format!("data-id=\"{id}\"")),
        "an answered one is not"
    );
    assert!(
        html.contains("id=\"overdue\"") && html.contains("Réserver la salle"),
        "the late task"
    );
    assert!(html.contains("en retard"), "the late courrier");
    let (_, html) = page(&app, &format!("/desk/m/courrier/corbeille?service={tech}")).await;
    assert!(
        html.contains(&format!("data-id=\"{id2}\"")) && html.contains("Pour avis"),
        "distributed to Tech"
    );
    let (s, _) = page(&app, "/desk/m/courrier/corbeille?service=999").await;
    assert_eq!(s, 422, "an unknown service is named");

    // Search: number, correspondent, subject, dates.
    for (q, want, not) in [
        (format!("numero={year}-2"), id2, id),
        ("contact=dupont".to_string(), id, id2),
        ("objet=fete+village".to_string(), id2, id),
        (
            format!("du={}&au={}&objet=permis", today(), today()),
            id,
            id2,
        ),
    ] {
        let (s, html) = page(&app, &format!("/desk/m/courrier/recherche?{q}")).await;
        assert_eq!(s, 200, "{q}");
        assert!(
            html.contains(&format!("data-id=\"{want}\"")),
            "{q} finds {want}"
        );
        assert!(
            !html.contains(&format!("data-id=\"{not}\"")),
            "{q} does not find {not}"
        );
    }
    let (_, html) = page(
        &app,
        "/desk/m/courrier/recherche?du=2009-01-01&au=2009-12-31",
    )
    .await;
    assert!(html.contains(&format!("data-id=\"{}\"", old["id"])) && html.contains("1 courrier"));
    let (s, _) = page(&app, "/desk/m/courrier/recherche?numero=abc").await;
    assert_eq!(s, 422);
    let (_, html) = page(&app, "/desk/m/courrier/recherche?contact=personne").await;
    assert!(html.contains("0 courrier"));
    // The same bounds on the JSON list.
    let (s, b) = call(
        &app,
        Method::GET,
        "/api/m/courrier/courrier?date_enregistrement.to=2010-01-01",
        None,
        None,
    )
    .await;
    assert_eq!((s, b["total"].as_i64()), (200, Some(1)), "{b}");
    let (s, b) = call(
        &app,
        Method::GET,
        &format!("/api/m/courrier/courrier?contact={dupont}&contact={asso}&sens=arrivee"),
        None,
        None,
    )
    .await;
    assert_eq!((s, b["total"].as_i64()), (200, Some(3)), "{b}");

    // Documents.
    let (s, kind, pdf) = bytes(
        &app,
        &format!(
            "/desk/m/courrier/documents/registre.pdf?date={}&sens=arrivee",
            today()
        ),
    )
    .await;
    assert_eq!((s, kind.as_str()), (200, "application/pdf"));
    assert!(pdf.starts_with(b"%PDF"));
    keep(&format!("courrier-registre-{backend:?}.pdf"), &pdf);
    let (s, kind, pdf) = bytes(
        &app,
        &format!("/desk/m/courrier/documents/bordereau.pdf?service={tech}"),
    )
    .await;
    assert_eq!((s, kind.as_str()), (200, "application/pdf"));
    assert!(pdf.starts_with(b"%PDF"));
    keep(&format!("courrier-bordereau-{backend:?}.pdf"), &pdf);
    for bad in [
        "registre.pdf?sens=lateral",
        "registre.pdf?date=demain",
        "bordereau.pdf?service=abc",
        "bordereau.pdf?service=1&du=2026-02-02&au=2026-01-01",
        "inconnu.pdf",
    ] {
        let (s, _, _) = bytes(&app, &format!("/desk/m/courrier/documents/{bad}")).await;
        assert!(s == 422 || s == 404, "{bad}: {s}");
    }
    let actions = audit_actions(&app).await;
    assert!(
        actions
            .iter()
            .filter(|a| *a == "module.courrier.courrier.export")
            .count()
            >= 2
    );
}

both_backends!(the_mail_registry_end_to_end);

async fn a_generated_registry_imports_with_its_numbers(backend: Backend) {
    let Some(app) = spawn_app(backend, "a_generated_registry_imports").await else {
        return;
    };
    enable(&app).await;
    let f = fixture::registry(5, 1_500, 3_000);
    for (entity, csv) in f.csv() {
        let r = app
            .http
            .post(format!("{}/api/m/courrier/{entity}/import", app.base))
            .bearer_auth(TOKEN)
            .body(csv)
            .send()
            .await
            .expect("import");
        let status = r.status().as_u16();
        let body: Value = r.json().await.unwrap_or(Value::Null);
        assert_eq!(
            status,
            200,
            "{entity}: {}",
            body.to_string().chars().take(1500).collect::<String>()
        );
    }
    let (_, b) = call(
        &app,
        Method::GET,
        "/api/m/courrier/courrier?per_page=1",
        None,
        None,
    )
    .await;
    assert_eq!(b["total"], 1_500);
    for c in [&f.courriers[0], &f.courriers[700], &f.courriers[1_499]] {
        let (s, b) = call(
            &app,
            Method::GET,
            &format!("/api/m/courrier/courrier/{}", c.id),
            None,
            None,
        )
        .await;
        assert_eq!(s, 200);
        assert_eq!(flat(&b)["numero"], format!("{}-{}", c.annee, c.rang), "{b}");
    }
}

both_backends!(a_generated_registry_imports_with_its_numbers);
