//! openCourrier's inbox and openCimetière's plan in a real (headless)
//! browser. A desk agent logs in through the form, opens a service's
//! inbox from the module's home (a generated registry imported through
//! the API), sees the overdue tasks and courriers first, opens a courrier
//! and takes it in charge with the workflow's button, and finds it « En
//! traitement » in the inbox. On a generated cemetery, the plan draws
//! every place coloured by its state; a click on a place opens its
//! record; the language switch gives the English plan and legend. axe-core
//! finds no serious violation on either screen; both are photographed at
//! 1366×768 and 390×844 into `$URNE_SCREENSHOTS` when set.

use std::path::PathBuf;
use std::time::Duration;

use fantoccini::Locator;
use serde_json::Value;

use crate::browser::{Browser, browser};
use crate::helpers::{Backend, PASSWORD, TOKEN, TestApp, add_user, spawn_app};

const SECS: Duration = Duration::from_secs(10);

async fn import(app: &TestApp, module: &str, files: Vec<(&'static str, String)>) {
    for (entity, csv) in files {
        let r = app
            .http
            .post(format!("{}/api/m/{module}/{entity}/import", app.base))
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
            "{module}.{entity}: {}",
            body.to_string().chars().take(800).collect::<String>()
        );
    }
}

async fn log_in(b: &Browser, app: &TestApp) {
    add_user(app, "guichet", "desk", &[]).await;
    b.resize(1366, 768).await;
    b.goto(&format!("{}/login", app.base)).await;
    for (css, v) in [("#username", "guichet"), ("#password", PASSWORD)] {
        let el = b.client.find(Locator::Css(css)).await.expect(css);
        el.send_keys(v).await.expect("type");
    }
    click(b, "form[action='/login'] button").await;
    b.wait_for_text("h1", "Saisie des résultats", SECS).await;
}

async fn click(b: &Browser, css: &str) {
    b.client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .expect("click");
}

async fn click_link(b: &Browser, text: &str) {
    let xpath = format!("//a[contains(., \"{text}\")]");
    b.client
        .find(Locator::XPath(&xpath))
        .await
        .unwrap_or_else(|e| panic!("link {text:?}: {e}"))
        .click()
        .await
        .expect("click");
}

fn shots_dir() -> PathBuf {
    std::env::var_os("URNE_SCREENSHOTS").map_or_else(
        || std::env::temp_dir().join(format!("urne-shots-{}", uuid::Uuid::new_v4().simple())),
        PathBuf::from,
    )
}

async fn shots(b: &Browser, dir: &std::path::Path, name: &str) {
    std::fs::create_dir_all(dir).expect("dir");
    for (w, h) in [(390u32, 844u32), (1366, 768)] {
        b.resize(w, h).await;
        let file = dir.join(format!("{name}-{w}x{h}.png"));
        b.screenshot(&file).await;
        let png = std::fs::read(&file).expect("png");
        assert!(
            png.starts_with(b"\x89PNG") && png.len() > 5_000,
            "{}",
            file.display()
        );
    }
}

fn done(dir: &std::path::Path) {
    if std::env::var_os("URNE_SCREENSHOTS").is_none() {
        let _ = std::fs::remove_dir_all(dir);
    } else {
        eprintln!("screenshots written to {}", dir.display());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_s_inbox_in_the_browser() {
    let test = "a_service_s_inbox_in_the_browser";
    let Some(b) = browser(test).await else {
        return;
    };
    let Some(app) = spawn_app(Backend::Sqlite, test).await else {
        return;
    };
    crate::courrier::enable(&app).await;
    let f = catalogue::courrier::fixture::registry(8, 400, 800);
    import(&app, "courrier", f.csv()).await;
    let dir = shots_dir();
    log_in(&b, &app).await;
    click_link(&b, "openCourrier").await;
    b.wait_for_text("h1", "openCourrier", SECS).await;
    click_link(&b, "Corbeille d'un service").await;
    b.wait_for_text("h1", "Corbeille du service", SECS).await;
    // Choose Urbanisme (fourth service of the fixture) and show it.
    let urba = f
        .services
        .iter()
        .find(|s| s.code == "URBA")
        .expect("URBA")
        .id;
    b.execute(
        "document.getElementById('service').value = arguments[0];",
        vec![Value::from(urba.to_string())],
    )
    .await;
    click(&b, "form.filters button").await;
    b.wait_for_text("h1", "Urbanisme", SECS).await;
    let status = b.wait_for_text("#inbox-status", "en retard", SECS).await;
    assert!(status.contains("à traiter"), "{status}");
    // Overdue lines first.
    let first_late = b
        .execute(
            "var rows = Array.from(document.querySelectorAll('#inbox tbody tr'));\
             var late = rows.map(function (r) { return r.classList.contains('late'); });\
             return [rows.length, late.indexOf(false) === -1 || late.slice(late.indexOf(false)).indexOf(true) === -1];",
            vec![],
        )
        .await;
    assert!(
        first_late[0].as_u64().is_some_and(|n| n > 0),
        "{first_late}"
    );
    assert_eq!(
        first_late[1],
        Value::Bool(true),
        "overdue courriers come first"
    );
    assert!(
        b.text("#overdue").await.is_some(),
        "the overdue tasks' table"
    );
    let violations = b.serious_accessibility_violations().await;
    assert!(violations.is_empty(), "inbox: {violations:?}");
    shots(&b, &dir, "courrier-inbox").await;

    // Open the first courrier; it is « Enregistré » (imported): assign it.
    let id = b
        .execute(
            "return document.querySelector('#inbox tbody tr').dataset.id;",
            vec![],
        )
        .await
        .as_str()
        .expect("an id")
        .to_string();
    click(&b, &format!("#inbox tr[data-id='{id}'] td a")).await;
    b.wait_for_text("p.meta", &format!("Fiche n° {id},"), SECS)
        .await;
    click(&b, "form[action$='/action/affecter'] button").await;
    b.wait_for_text("main", "Affecté", SECS).await;
    click(&b, "form[action$='/action/prendre_en_charge'] button").await;
    b.wait_for_text("main", "En traitement", SECS).await;
    b.goto(&format!(
        "{}/desk/m/courrier/corbeille?service={urba}",
        app.base
    ))
    .await;
    let row = b
        .wait_for_text(&format!("#inbox tr[data-id='{id}']"), "En traitement", SECS)
        .await;
    assert!(row.contains("Pour traitement"), "{row}");
    done(&dir);
    b.close().await;
    app.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cemetery_plan_in_the_browser() {
    let test = "a_cemetery_plan_in_the_browser";
    let Some(b) = browser(test).await else {
        return;
    };
    let Some(app) = spawn_app(Backend::Sqlite, test).await else {
        return;
    };
    crate::cimetiere::enable(&app).await;
    let f = catalogue::cimetiere::fixture::generate(4, 900, 1_600);
    import(&app, "cimetiere", f.csv()).await;
    let dir = shots_dir();
    log_in(&b, &app).await;
    click_link(&b, "openCimetière").await;
    click_link(&b, "Plan des cimetières").await;
    b.wait_for_text("#plan-status", "emplacements", SECS).await;
    // The cemetery shown first (the list's order), and its places.
    let cem: i64 = b
        .execute("return document.getElementById('cimetiere').value;", vec![])
        .await
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("the cemetery shown");
    let in_it: Vec<i64> = f
        .zones
        .iter()
        .filter(|z| z.cimetiere == cem)
        .map(|z| z.id)
        .collect();
    let places = f.places.iter().filter(|p| in_it.contains(&p.zone)).count();
    let counts = b
        .execute(
            "var s = {}; document.querySelectorAll('#plan a[data-place]').forEach(function (a) { s[a.dataset.state] = (s[a.dataset.state] || 0) + 1; });\
             return [document.querySelectorAll('#plan a[data-place]').length, s];",
            vec![],
        )
        .await;
    assert_eq!(
        counts[0].as_u64(),
        Some(places as u64),
        "every place of the cemetery drawn: {counts}"
    );
    for state in ["libre", "en_cours"] {
        assert!(
            counts[1][state].as_u64().is_some_and(|n| n > 0),
            "{state} in {counts}"
        );
    }
    let violations = b.serious_accessibility_violations().await;
    assert!(violations.is_empty(), "plan: {violations:?}");
    shots(&b, &dir, "cimetiere-plan").await;
    // A click on a place opens its record.
    let place = b
        .execute("var a = document.querySelector('#plan a[data-state=\"en_cours\"]'); a.dispatchEvent(new MouseEvent('click', {bubbles: true, cancelable: true})); return a.dataset.place;", vec![])
        .await
        .as_str()
        .expect("a place")
        .to_string();
    b.wait_for_text("p.meta", &format!("Fiche n° {place},"), SECS)
        .await;
    // English.
    b.goto(&format!(
        "{}/desk/m/cimetiere/plan?cimetiere={cem}",
        app.base
    ))
    .await;
    click(&b, "a.lang-switch").await;
    b.wait_for_text("h1", "Plan", SECS).await;
    let legend = b
        .wait_for_text("#plan-legend", "Being taken back", SECS)
        .await;
    assert!(
        legend.contains("Free") && legend.contains("Expired concession"),
        "{legend}"
    );
    let lang = b
        .execute("return document.documentElement.lang;", vec![])
        .await;
    assert_eq!(lang, Value::from("en"));
    shots(&b, &dir, "cimetiere-plan-en").await;
    // The choice is kept: the module's home is English too.
    b.goto(&format!("{}/desk/m/cimetiere", app.base)).await;
    b.wait_for_text("main", "Cemetery plans", SECS).await;
    done(&dir);
    b.close().await;
    app.running.shutdown().await;
}
