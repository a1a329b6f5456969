//! openCimetière end to end, on both backends: a cemetery, a zone and its
//! places through the API; a concession's end date derived from its kind;
//! burials refused past the place's capacity, without a concession in
//! force, before the death, and in the terrain commun within its five
//! years; a renewal refused unless it starts at the expiry, then moving
//! the end date (the concession leaves the expiring list); a reprise's
//! steps refused before their legal delays; the plan coloured by state
//! with each place a link, in French and in English; the expiring list
//! and its letters, the burials' register and the free places by zone;
//! every document audited.

use reqwest::Method;
use serde_json::{Value, json};

use crate::attachments::audit_actions;
use crate::both_backends;
use crate::helpers::{Backend, TOKEN, TestApp, spawn_app};
use crate::modules::call;

pub(crate) async fn enable(app: &TestApp) {
    crate::modules::enable_builtin(app, "cimetiere").await;
}

async fn post(app: &TestApp, entity: &str, body: Value) -> Value {
    let (s, b) = call(
        app,
        Method::POST,
        &format!("/api/m/cimetiere/{entity}"),
        Some(body),
        None,
    )
    .await;
    assert_eq!(s, 201, "{entity}: {b}");
    let mut out = b["fields"].clone();
    out["id"] = b["id"].clone();
    out
}

/// The fields a refused body names (empty when it was stored).
async fn refused(app: &TestApp, entity: &str, body: Value) -> Vec<String> {
    let (s, b) = call(
        app,
        Method::POST,
        &format!("/api/m/cimetiere/{entity}"),
        Some(body),
        None,
    )
    .await;
    assert_eq!(s, 422, "{entity} should be refused: {b}");
    b["violations"]
        .as_array()
        .map(|v| {
            v.iter()
                .map(|e| {
                    format!(
                        "{}:{}",
                        e["field"].as_str().unwrap_or(""),
                        e["rule"].as_str().unwrap_or("")
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

pub(crate) async fn page(app: &TestApp, path: &str) -> (u16, String) {
    let r = app
        .http
        .get(format!("{}{path}", app.base))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("get");
    (r.status().as_u16(), r.text().await.unwrap_or_default())
}

/// A small cemetery: (cemetery, zone, caveau of 2, terrain commun grave,
/// a third place) ids.
pub(crate) async fn small_cemetery(app: &TestApp) -> (i64, i64, i64, i64, i64) {
    let cem = post(
        app,
        "cimetiere",
        json!({"nom": "Cimetière du Château", "plan_largeur": 60, "plan_hauteur": 40}),
    )
    .await;
    let zone = post(app, "zone", json!({"cimetiere": cem["id"], "code": "A", "nom": "Carré A", "x": 2, "y": 4, "largeur": 30, "hauteur": 20})).await;
    let place = |n: &str, x: i64, kind: &str, cap: i64, tc: bool| json!({"zone": zone["id"], "numero": n, "type": kind, "capacite": cap, "terrain_commun": tc, "x": x, "y": 0});
    let p1 = post(app, "emplacement", place("A-1", 0, "caveau", 2, false)).await;
    let p2 = post(app, "emplacement", place("A-2", 1, "pleine_terre", 1, true)).await;
    let p3 = post(app, "emplacement", place("A-3", 2, "caveau", 4, false)).await;
    let id = |v: &Value| v["id"].as_i64().expect("id");
    (id(&cem), id(&zone), id(&p1), id(&p2), id(&p3))
}

async fn concessions_burials_renewals_and_reprises(backend: Backend) {
    let Some(app) = spawn_app(backend, "cimetiere_rules").await else {
        return;
    };
    enable(&app).await;
    let (cem, _zone, p1, p2, p3) = small_cemetery(&app).await;

    // The end date is derived from the kind; the duration goes with a temporaire.
    let c1 = post(
        &app,
        "concession",
        json!({"numero_acte": "2000-12", "emplacement": p1, "nature": "trentenaire",
        "date_debut": "2000-06-01", "titulaire_nom": "Martin", "titulaire_prenom": "Paul"}),
    )
    .await;
    assert_eq!(c1["date_fin"], "2030-06-01", "{c1}");
    let bad = refused(&app, "concession", json!({"numero_acte": "x1", "emplacement": p3, "nature": "temporaire", "date_debut": "2011-01-01", "titulaire_nom": "X"})).await;
    assert!(bad.iter().any(|f| f.starts_with("duree:")), "{bad:?}");
    let bad = refused(&app, "concession", json!({"numero_acte": "x2", "emplacement": p3, "nature": "temporaire", "duree": 20, "date_debut": "2011-01-01", "titulaire_nom": "X"})).await;
    assert!(
        bad.iter().any(|f| f.starts_with("duree:")),
        "fifteen years at most (L2223-14): {bad:?}"
    );
    let (s, b) = call(&app, Method::POST, "/api/m/cimetiere/concession", Some(json!({"numero_acte": "x3", "emplacement": p3, "nature": "trentenaire", "date_debut": "2011-01-01", "date_fin": "2099-01-01", "titulaire_nom": "X"})), None).await;
    assert_eq!(s, 422, "a derived field is not typed: {b}");

    // Burials.
    let defunt = |nom: &str, deces: &str| json!({"nom": nom, "prenoms": "Jean", "date_naissance": "1930-01-01", "date_deces": deces});
    let d1 = post(&app, "defunt", defunt("Martin", "2010-03-01")).await["id"].clone();
    let d2 = post(&app, "defunt", defunt("Martin", "2015-05-01")).await["id"].clone();
    let d3 = post(&app, "defunt", defunt("Martin", "2020-07-01")).await["id"].clone();
    let d4 = post(&app, "defunt", defunt("Durand", "2021-02-01")).await["id"].clone();
    let burial = |d: &Value, p: i64, c: Option<&Value>, date: &str| json!({"defunt": d, "emplacement": p, "concession": c, "date": date, "nature": "cercueil"});
    post(
        &app,
        "inhumation",
        burial(&d1, p1, Some(&c1["id"]), "2010-03-04"),
    )
    .await;
    let bad = refused(
        &app,
        "inhumation",
        burial(&d2, p1, Some(&c1["id"]), "2015-04-20"),
    )
    .await;
    assert!(!bad.is_empty(), "before the death: {bad:?}");
    post(
        &app,
        "inhumation",
        burial(&d2, p1, Some(&c1["id"]), "2015-05-04"),
    )
    .await;
    let bad = refused(
        &app,
        "inhumation",
        burial(&d3, p1, Some(&c1["id"]), "2020-07-03"),
    )
    .await;
    assert!(!bad.is_empty(), "the caveau holds two: {bad:?}");
    let bad = refused(&app, "inhumation", burial(&d3, p3, None, "2020-07-03")).await;
    assert!(!bad.is_empty(), "no concession on A-3: {bad:?}");
    post(&app, "inhumation", burial(&d3, p2, None, "2020-07-03")).await;
    let bad = refused(&app, "inhumation", burial(&d4, p2, None, "2021-02-04")).await;
    assert!(
        !bad.is_empty(),
        "terrain commun: five years between two (R2223-5): {bad:?}"
    );

    // A temporaire ending within the year, renewed from its expiry.
    let today = urne::time::today_paris();
    let start = catalogue::date::Date::parse(&today)
        .expect("today")
        .add_years(-15)
        .add_months(1)
        .to_string();
    let c3 = post(&app, "concession", json!({"numero_acte": "T-1", "emplacement": p3, "nature": "temporaire", "duree": 15,
        "date_debut": start, "titulaire_nom": "Durand", "titulaire_prenom": "Léa", "titulaire_adresse": "3 rue des Lilas",
        "titulaire_code_postal": "69001", "titulaire_ville": "Lyon"})).await;
    let end = c3["date_fin"].as_str().expect("end").to_string();
    let (_, html) = page(&app, "/desk/m/cimetiere/echeances?mois=3").await;
    assert!(
        html.contains(&format!("data-id=\"{}\"", c3["id"])),
        "expiring within three months"
    );
    let r = app
        .http
        .get(format!(
            "{}/desk/m/cimetiere/documents/avis-echeance.pdf?mois=3",
            app.base
        ))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("letters");
    assert_eq!(r.status(), 200);
    let pdf = r.bytes().await.expect("pdf");
    assert!(pdf.starts_with(b"%PDF"));
    crate::courrier::keep(&format!("cimetiere-lettres-{backend:?}.pdf"), &pdf);
    let bad = refused(&app, "renouvellement", json!({"concession": c3["id"], "date": today, "nature": "temporaire", "duree": 15, "date_debut": today})).await;
    assert!(
        !bad.is_empty(),
        "a renewal starts at the expiry (L2223-15): {bad:?}"
    );
    let renewal = post(&app, "renouvellement", json!({"concession": c3["id"], "date": today, "nature": "temporaire", "duree": 15, "date_debut": end})).await;
    let renewed_end = catalogue::date::Date::parse(&end)
        .expect("end")
        .add_years(15)
        .to_string();
    assert_eq!(
        renewal["date_fin"],
        renewed_end.as_str(),
        "the new term runs from the expiry"
    );
    let (_, html) = page(&app, "/desk/m/cimetiere/echeances?mois=3").await;
    assert!(
        !html.contains(&format!("data-id=\"{}\"", c3["id"])),
        "renewed: no longer expiring"
    );

    // A reprise for abandon: not before thirty years of the act.
    let rp = post(
        &app,
        "reprise",
        json!({"concession": c1["id"], "motif": "abandon", "date_ouverture": "2024-01-10"}),
    )
    .await;
    let bad = refused(
        &app,
        "etape_reprise",
        json!({"reprise": rp["id"], "etape": "avis_famille", "date": "2024-01-10"}),
    )
    .await;
    assert!(!bad.is_empty(), "thirty years (L2223-17): {bad:?}");
    let old = post(
        &app,
        "emplacement",
        json!({"zone": _zone, "numero": "A-4", "type": "caveau", "capacite": 3, "x": 3, "y": 0}),
    )
    .await;
    let c4 = post(&app, "concession", json!({"numero_acte": "1950-1", "emplacement": old["id"], "nature": "perpetuelle", "date_debut": "1950-04-02", "titulaire_nom": "Lefèvre"})).await;
    let rp = post(
        &app,
        "reprise",
        json!({"concession": c4["id"], "motif": "abandon", "date_ouverture": "2020-01-02"}),
    )
    .await;
    post(
        &app,
        "etape_reprise",
        json!({"reprise": rp["id"], "etape": "avis_famille", "date": "2020-01-10"}),
    )
    .await;
    let bad = refused(
        &app,
        "etape_reprise",
        json!({"reprise": rp["id"], "etape": "pv_constat", "date": "2020-01-20"}),
    )
    .await;
    assert!(
        !bad.is_empty(),
        "a month after the notice (R2223-13): {bad:?}"
    );
    post(
        &app,
        "etape_reprise",
        json!({"reprise": rp["id"], "etape": "pv_constat", "date": "2020-02-20"}),
    )
    .await;
    post(
        &app,
        "etape_reprise",
        json!({"reprise": rp["id"], "etape": "notification_pv", "date": "2020-02-25"}),
    )
    .await;
    let bad = refused(
        &app,
        "etape_reprise",
        json!({"reprise": rp["id"], "etape": "second_pv", "date": "2021-03-01"}),
    )
    .await;
    assert!(
        !bad.is_empty(),
        "three years after the first (L2223-17): {bad:?}"
    );
    post(
        &app,
        "etape_reprise",
        json!({"reprise": rp["id"], "etape": "second_pv", "date": "2023-03-01"}),
    )
    .await;

    // The plan: every place, coloured by its state, a link to its record.
    let (s, html) = page(&app, &format!("/desk/m/cimetiere/plan?cimetiere={cem}")).await;
    assert_eq!(s, 200, "{}", &html[..html.len().min(300)]);
    for (place, state) in [
        (p1, "en_reprise"),
        (p2, "libre"),
        (p3, "en_cours"),
        (old["id"].as_i64().expect("id"), "en_reprise"),
    ] {
        assert!(html.contains(&format!("href=\"/desk/m/cimetiere/emplacement/{place}\" data-place=\"{place}\" data-state=\"{state}\"")), "place {place} {state}");
    }
    assert!(html.contains("<html lang=\"fr\"") && html.contains("En reprise"));
    let (_, en) = page(
        &app,
        &format!("/desk/m/cimetiere/plan?cimetiere={cem}&lang=en"),
    )
    .await;
    assert!(
        en.contains("<html lang=\"en\"")
            && en.contains("Being taken back")
            && en.contains("Cemetery plan"),
        "the English plan"
    );
    let (_, en) = page(
        &app,
        &format!("/desk/m/cimetiere/concession/{}?lang=en", c1["id"]),
    )
    .await;
    assert!(
        en.contains("Deed number") && !en.contains("Numéro de l'acte"),
        "a record in English"
    );
    let (s, _) = page(&app, "/desk/m/cimetiere/plan?cimetiere=999").await;
    assert_eq!(s, 422);

    // The register, the free places.
    let (_, html) = page(&app, "/desk/m/cimetiere/registre?annee=2015").await;
    assert!(html.contains("1 inhumation"), "one burial in 2015");
    let r = app
        .http
        .get(format!(
            "{}/desk/m/cimetiere/documents/registre.pdf?annee=2015&lang=en",
            app.base
        ))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("register");
    assert_eq!(r.status(), 200);
    let pdf = r.bytes().await.expect("pdf");
    assert!(pdf.starts_with(b"%PDF"));
    crate::courrier::keep(&format!("cimetiere-registre-en-{backend:?}.pdf"), &pdf);
    let (_, html) = page(&app, "/desk/m/cimetiere/places-libres").await;
    assert!(html.contains("id=\"free-places\""));
    let (s, _) = page(&app, "/desk/m/cimetiere/registre?annee=abc").await;
    assert_eq!(s, 422);
    let actions = audit_actions(&app).await;
    assert!(
        actions
            .iter()
            .any(|a| a == "module.cimetiere.inhumation.export")
    );
    assert!(
        actions
            .iter()
            .any(|a| a == "module.cimetiere.concession.export")
    );
}

both_backends!(concessions_burials_renewals_and_reprises);
