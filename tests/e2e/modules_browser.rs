//! A module's desk screens in a real (headless) browser: a desk account
//! logs in through the login form, reaches the library module from the
//! desk's home, pages through sixty books, types a book with two slips and
//! sees each error next to its field (nothing stored), corrects it, finds
//! it with the search box, sorts by a column, and deletes a record after
//! confirming. axe-core finds no serious violation on the list, the form
//! with its errors and the record; the list and the form are photographed
//! at 1366×768 and at a phone's 390×844, into `$URNE_SCREENSHOTS` when set
//! (as `pages_browser` does), and the page never scrolls sideways on the
//! phone.
//!
//! A second test does the same for openScrutin's own screens: the sample
//! commune staffed, one assesseur removed, the desk agent sees the red
//! cell on the completeness board, fills the gap from the bureau's page
//! through the engine's prefilled form, sees the board green again and a
//! président's three slots on their planning (board and bureau page
//! photographed; on the phone the board scrolls inside its box).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use fantoccini::Locator;
use module_engine::Catalog;
use serde_json::{Value, json};
use urne::app::Config;
use urne::auth::throttle::ThrottlePolicy;
use urne::store::records;

use crate::browser::{Browser, browser};
use crate::helpers::{Backend, PASSWORD, TOKEN, TestApp, add_user, fresh_database, start_with};
use crate::modules::library;

const SECS: Duration = Duration::from_secs(10);

/// Books seeded through the API: more than one page (50 a page).
const SEEDED: usize = 60;

/// Seeded titles with this word in them (accented: the search folds it).
const MYSTERIES: [usize; 3] = [7, 23, 41];

async fn fill(b: &Browser, css: &str, value: &str) {
    let el = b
        .client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("field {css}: {e}"));
    el.clear().await.expect("clear");
    el.send_keys(value).await.expect("type");
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
    b.client
        .find(Locator::LinkText(text))
        .await
        .unwrap_or_else(|e| panic!("link {text:?}: {e}"))
        .click()
        .await
        .expect("click");
}

async fn api(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut r = app
        .http
        .request(method, format!("{}{path}", app.base))
        .bearer_auth(TOKEN);
    if let Some(b) = body {
        r = r.json(&b);
    }
    let resp = r.send().await.expect("request");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn books(app: &TestApp, query: &str) -> Value {
    let (s, b) = api(
        app,
        reqwest::Method::GET,
        &format!("/api/m/biblio/livre{query}"),
        None,
    )
    .await;
    assert_eq!(s, 200, "{b}");
    b
}

fn seeded_title(i: usize) -> String {
    if MYSTERIES.contains(&i) {
        format!("Tome {i:02} — Le Mystère n° {i}")
    } else {
        format!("Tome {i:02} — Chronique")
    }
}

/// The list's rows as shown: (number, first column).
async fn rows(b: &Browser) -> Vec<(String, String)> {
    let v = b
        .execute(
            "return Array.prototype.map.call(document.querySelectorAll('table.mlist tbody tr'),\
               function (tr) { return [tr.cells[0].textContent.trim(), tr.cells[1].textContent.trim()]; });",
            vec![],
        )
        .await;
    v.as_array()
        .map(|rows| {
            rows.iter()
                .map(|r| {
                    (
                        r[0].as_str().unwrap_or_default().to_string(),
                        r[1].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Fails when the page is wider than the viewport (sideways scrolling),
/// naming the elements sticking out.
async fn no_sideways_scroll(b: &Browser, what: &str) {
    let (w, wide) = (
        b.execute("return window.innerWidth;", vec![]).await,
        b.execute("return document.documentElement.scrollWidth;", vec![])
            .await,
    );
    let (w, wide) = (w.as_u64().unwrap_or(0), wide.as_u64().unwrap_or(u64::MAX));
    if wide > w {
        let culprits = b
            .execute(
                "var w = window.innerWidth;\
                 return Array.prototype.slice.call(document.querySelectorAll('body *'))\
                   .filter(function (e) { return e.getBoundingClientRect().right > w + 1; })\
                   .slice(-6).map(function (e) { return e.tagName + '.' + e.className + ' ' + \
                     Math.round(e.getBoundingClientRect().right) + ': ' + e.textContent.slice(0, 40); });",
                vec![],
            )
            .await;
        panic!("{what} is {wide} px wide at {w}: {culprits}");
    }
}

/// Screenshots of the current page at a desktop and a phone size (the
/// window is left at the desktop size).
async fn shots(b: &Browser, dir: &std::path::Path, name: &str) {
    for (w, h) in [(390u32, 844u32), (1366, 768)] {
        b.resize(w, h).await;
        if w < 500 {
            no_sideways_scroll(b, name).await;
        }
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

/// The error shown for `field` when it is beside its input (same
/// `.mfield`, the input marked invalid and described by it), or None.
async fn beside(b: &Browser, field: &str) -> Option<String> {
    b.execute(
        "var m = document.getElementById('e-' + arguments[0]);\
         var input = document.getElementById('f-' + arguments[0]);\
         return m && input && m.closest('.mfield') === input.closest('.mfield')\
           && input.getAttribute('aria-invalid') === 'true'\
           && (input.getAttribute('aria-describedby') || '').split(' ').indexOf(m.id) >= 0\
           ? m.textContent : null;",
        vec![json!(field)],
    )
    .await
    .as_str()
    .map(str::to_string)
}

/// What the form's title, ISBN and pages inputs hold.
async fn typed(b: &Browser) -> Value {
    b.execute(
        "return ['titre', 'isbn', 'pages'].map(function (f) { return document.getElementById('f-' + f).value; });",
        vec![],
    )
    .await
}

async fn axe(b: &Browser, what: &str, problems: &mut Vec<String>) {
    for v in b.serious_accessibility_violations().await {
        problems.push(format!("{what}: {v}"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_desk_agent_manages_books_in_the_browser() {
    let test = "a_desk_agent_manages_books_in_the_browser";
    let Some(b) = browser(test).await else {
        return;
    };
    let dir = std::env::var_os("URNE_SCREENSHOTS").map_or_else(
        || std::env::temp_dir().join(format!("urne-shots-{}", uuid::Uuid::new_v4().simple())),
        PathBuf::from,
    );
    let db = fresh_database(Backend::Sqlite, test).await.expect("sqlite");
    let config = Config {
        body_limit: 256 * 1024,
        throttle: ThrottlePolicy::without_delay(),
        modules: Arc::new(Catalog::new(vec![library()]).expect("sound module")),
        ..Config::default()
    };
    let mut app = start_with(&db, config).await;
    app.db = Some(db);
    {
        let (_g, mut tx) = app.store.begin_write().await.expect("tx");
        records::set_enabled(&mut tx, app.store.backend(), &library(), true, "test")
            .await
            .expect("enable");
        tx.commit().await.expect("commit");
    }
    use reqwest::Method as M;
    for i in 1..=SEEDED {
        // Pages in an order other than the titles'.
        let pages = (i * 37) % 900 + 10;
        let (s, r) = api(
            &app,
            M::POST,
            "/api/m/biblio/livre",
            Some(json!({"titre": seeded_title(i), "pages": pages, "isbn": format!("978-2-07-{i:06}")})),
        )
        .await;
        assert_eq!(s, 201, "{r}");
    }
    add_user(&app, "guichet", "desk", &[]).await;
    let mut problems = Vec::new();
    b.resize(1366, 768).await;

    // Log in through the form, then from the desk's home to the books.
    b.goto(&format!("{}/login", app.base)).await;
    fill(&b, "#username", "guichet").await;
    fill(&b, "#password", PASSWORD).await;
    click(&b, "form[action='/login'] button").await;
    b.wait_for_text("h1", "Saisie des résultats", SECS).await;
    click_link(&b, "Bibliothèque municipale").await;
    b.wait_for_text("h1", "Bibliothèque municipale", SECS).await;
    click_link(&b, "Livres").await;
    b.wait_for_text("p.count", "60 fiches — page 1 sur 2", SECS)
        .await;
    let first_page = rows(&b).await;
    assert_eq!(first_page.len(), 50, "{first_page:?}");
    assert_eq!(first_page[0].1, seeded_title(1), "sorted by title");
    axe(&b, "list", &mut problems).await;
    shots(&b, &dir, "livres-list").await;

    // The next page, and back.
    click_link(&b, "suivante →").await;
    b.wait_for_text("p.count", "page 2 sur 2", SECS).await;
    let second_page = rows(&b).await;
    assert_eq!(second_page.len(), SEEDED - 50, "{second_page:?}");
    assert_eq!(second_page[0].1, seeded_title(51));
    assert!(
        b.client
            .find(Locator::LinkText("suivante →"))
            .await
            .is_err(),
        "no next page after the last"
    );
    click_link(&b, "← précédente").await;
    b.wait_for_text("p.count", "page 1 sur 2", SECS).await;

    // A book typed with two slips (no title, 0 pages): refused with both
    // errors at once, each next to its field, what was typed kept, nothing
    // stored. Then only the pages corrected: the title's error remains.
    click_link(&b, "Ajouter un livre").await;
    b.wait_for_text("h1", "Ajouter un livre", SECS).await;
    fill(&b, "#f-isbn", "978-2-07-999999").await;
    fill(&b, "#f-pages", "0").await;
    click(&b, "form.mform button[type='submit']").await;
    let summary = b
        .wait_for_text("#form-errors", "La fiche n'a pas été enregistrée", SECS)
        .await;
    assert!(summary.contains("Pages : entre 1 et 5000"), "{summary}");
    assert!(summary.contains("Titre : obligatoire"), "{summary}");
    let pages_error = beside(&b, "pages").await;
    assert!(
        pages_error
            .as_deref()
            .is_some_and(|t| t.contains("entre 1 et 5000")),
        "pages' error beside it: {pages_error:?}"
    );
    assert_eq!(
        typed(&b).await,
        json!(["", "978-2-07-999999", "0"]),
        "what was typed is kept"
    );
    assert_eq!(books(&app, "").await["total"], SEEDED, "nothing stored");
    axe(&b, "form with errors", &mut problems).await;
    shots(&b, &dir, "livres-form-errors").await;

    fill(&b, "#f-pages", "320").await;
    click(&b, "form.mform button[type='submit']").await;
    let summary = b.wait_for_text("#form-errors", "1 erreur.", SECS).await;
    assert!(summary.contains("Titre : obligatoire"), "{summary}");
    assert!(!summary.contains("Pages"), "{summary}");
    let title_error = beside(&b, "titre").await;
    assert!(
        title_error
            .as_deref()
            .is_some_and(|t| t.contains("obligatoire")),
        "title's error beside it: {title_error:?}"
    );
    assert_eq!(beside(&b, "pages").await, None, "pages now accepted");
    assert_eq!(
        typed(&b).await,
        json!(["", "978-2-07-999999", "320"]),
        "what was typed is kept"
    );
    assert_eq!(books(&app, "").await["total"], SEEDED, "nothing stored");

    // Corrected: stored, and the record says so.
    fill(&b, "#f-titre", "Le Mystère de la chambre jaune").await;
    click(&b, "form.mform button[type='submit']").await;
    b.wait_for_text(".form-ok", "Fiche enregistrée", SECS).await;
    b.wait_for_text("h1", "Le Mystère de la chambre jaune", SECS)
        .await;
    let stored = books(&app, "?q=chambre").await;
    assert_eq!(stored["total"], 1, "{stored}");
    assert_eq!(stored["items"][0]["fields"]["pages"], 320, "{stored}");
    axe(&b, "record", &mut problems).await;

    // Back to the list; the search box finds only the mysteries.
    click(&b, "nav[aria-label=\"Fil d'Ariane\"] a:last-child").await;
    b.wait_for_text("p.count", "61 fiches", SECS).await;
    fill(&b, "#q", "mystere").await;
    click(&b, "form.filters button[type='submit']").await;
    b.wait_for_text("p.count", "4 fiches", SECS).await;
    let found = rows(&b).await;
    assert_eq!(found.len(), MYSTERIES.len() + 1, "{found:?}");
    assert!(
        found.iter().all(|(_, t)| t.contains("Mystère")),
        "only matching rows: {found:?}"
    );
    assert!(
        b.text("table.mlist")
            .await
            .is_some_and(|t| !t.contains("Chronique")),
        "no other row"
    );

    // Sorting by a column header changes the order (and keeps the search).
    let before: Vec<String> = found.iter().map(|(_, t)| t.clone()).collect();
    // (By its address: the headers' visible text is in capitals.)
    click(&b, "table.mlist th a[href*='sort=pages']").await;
    b.wait_until(
        "var a = document.querySelector('th[aria-sort=\"ascending\"] a');\
         return !!a && a.textContent.indexOf('Pages') === 0;",
        "sorted by pages",
        SECS,
    )
    .await;
    b.wait_for_text("p.count", "4 fiches", SECS).await;
    let after: Vec<String> = rows(&b).await.into_iter().map(|(_, t)| t).collect();
    let all = books(&app, "?per_page=100").await;
    let pages_of = |t: &str| {
        all["items"]
            .as_array()
            .and_then(|items| items.iter().find(|x| x["fields"]["titre"] == json!(t)))
            .and_then(|x| x["fields"]["pages"].as_i64())
            .unwrap_or_else(|| panic!("{t} in {all}"))
    };
    let mut want: Vec<(i64, String)> = before.iter().map(|t| (pages_of(t), t.clone())).collect();
    want.sort();
    let want: Vec<String> = want.into_iter().map(|(_, t)| t).collect();
    assert_eq!(after, want, "by pages, ascending");
    assert_ne!(after, before, "the order changed");

    // Open a record, delete it after confirming: gone from the list.
    let (victim_id, victim) = rows(&b).await.remove(0);
    click_link(&b, &victim).await;
    b.wait_for_text("p.meta", &format!("Fiche n° {victim_id},"), SECS)
        .await;
    click_link(&b, "Supprimer").await;
    b.wait_for_text("h1", &format!("Supprimer « {victim} »"), SECS)
        .await;
    click(&b, "button.danger[type='submit']").await;
    b.wait_for_text("p.count", "60 fiches", SECS).await;
    fill(&b, "#q", "mystere").await;
    click(&b, "form.filters button[type='submit']").await;
    b.wait_for_text("p.count", "3 fiches", SECS).await;
    let left = rows(&b).await;
    assert!(
        left.iter().all(|(id, t)| *id != victim_id && *t != victim),
        "{victim} deleted: {left:?}"
    );
    let (s, _) = api(
        &app,
        M::GET,
        &format!("/api/m/biblio/livre/{victim_id}"),
        None,
    )
    .await;
    assert_eq!(s, 404, "deleted in the store too");

    assert!(
        problems.is_empty(),
        "accessibility:\n{}",
        problems.join("\n")
    );
    if std::env::var_os("URNE_SCREENSHOTS").is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    } else {
        let _ = std::io::Write::write_all(
            &mut std::io::stderr(),
            format!("screenshots written to {}\n", dir.display()).as_bytes(),
        );
    }
    b.close().await;
    app.running.shutdown().await;
}

/// The `[scrutin, bureau, creneau]` values the affectation form holds.
async fn preselected(b: &Browser) -> Value {
    b.execute(
        "return ['scrutin', 'bureau', 'creneau'].map(function (f) { return document.getElementById('f-' + f).value; });",
        vec![],
    )
    .await
}

/// Chooses, in the select `css`, the option whose text contains `text`.
async fn choose(b: &Browser, css: &str, text: &str) {
    let value = b
        .execute(
            "var s = document.querySelector(arguments[0]), t = arguments[1];\
             var hits = Array.prototype.filter.call(s ? s.options : [], function (o) { return o.text.indexOf(t) >= 0; });\
             return hits.length === 1 ? hits[0].value : hits.length;",
            vec![json!(css), json!(text)],
        )
        .await;
    let value = value
        .as_str()
        .unwrap_or_else(|| panic!("one option {text:?} in {css}: {value}"))
        .to_string();
    b.client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .select_by_value(&value)
        .await
        .expect("select");
}

/// The red cells of the board: (bureau, slot, text).
async fn red_cells(b: &Browser) -> Vec<(String, String, String)> {
    let v = b
        .execute(
            "return Array.prototype.map.call(document.querySelectorAll('table.board td.missing'),\
               function (td) { return [td.dataset.bureau, td.dataset.slot, td.textContent.trim()]; });",
            vec![],
        )
        .await;
    v.as_array()
        .map(|cells| {
            cells
                .iter()
                .map(|c| {
                    let s = |i: usize| c[i].as_str().unwrap_or_default().to_string();
                    (s(0), s(1), s(2))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// At a phone's width the board is wider than the screen: it scrolls
/// inside its `div.scroll`, and the page itself does not.
async fn board_scrolls_inside(b: &Browser) {
    b.resize(390, 844).await;
    let v = b
        .execute(
            "var d = document.querySelector('div.scroll');\
             return [d.scrollWidth, d.clientWidth, getComputedStyle(d).overflowX];",
            vec![],
        )
        .await;
    assert!(
        v[0].as_u64() > v[1].as_u64() && v[2] == json!("auto"),
        "the board scrolls inside its box: {v}"
    );
    no_sideways_scroll(b, "board").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_desk_agent_completes_a_bureau_in_the_browser() {
    let test = "a_desk_agent_completes_a_bureau_in_the_browser";
    let Some(b) = browser(test).await else {
        return;
    };
    let dir = std::env::var_os("URNE_SCREENSHOTS").map_or_else(
        || std::env::temp_dir().join(format!("urne-shots-{}", uuid::Uuid::new_v4().simple())),
        PathBuf::from,
    );
    let db = fresh_database(Backend::Sqlite, test).await.expect("sqlite");
    let config = Config {
        body_limit: 256 * 1024,
        throttle: ThrottlePolicy::without_delay(),
        ..Config::default()
    };
    let mut app = start_with(&db, config).await;
    app.db = Some(db);
    let catalog = urne::modules::builtin();
    let scrutin = catalog.module("scrutin").expect("openScrutin is built in");
    {
        let (_g, mut tx) = app.store.begin_write().await.expect("tx");
        records::set_enabled(&mut tx, app.store.backend(), scrutin, true, "test")
            .await
            .expect("enable");
        tx.commit().await.expect("commit");
    }
    let election = app.define_sample().await;
    let codes: Vec<String> = election_data::fixtures::sample_commune()
        .bureaux
        .iter()
        .map(|b| b.code.clone())
        .collect();
    let staffed = urne::cli::demo_staffing::staff(&app.base, TOKEN, &election, &codes)
        .await
        .expect("staffing through the API");
    let (morning, first) = (staffed.slots[0], &codes[0]);
    let q = format!("scrutin={}&tour=1", staffed.scrutin);
    use reqwest::Method as M;

    // One assesseur of the first bureau's morning removed (as `scrutin` does).
    let (_, postes) = api(&app, M::GET, "/api/m/scrutin/poste", None).await;
    let ass = postes["items"]
        .as_array()
        .and_then(|v| v.iter().find(|p| p["fields"]["code"] == "ASS"))
        .and_then(|p| p["id"].as_i64())
        .unwrap_or_else(|| panic!("poste ASS in {postes}"));
    let (_, list) = api(
        &app,
        M::GET,
        &format!("/api/m/scrutin/affectation?bureau={first}&creneau={morning}&poste={ass}"),
        None,
    )
    .await;
    assert_eq!(list["total"], 2, "{list}");
    let victim = list["items"][0]["id"].as_i64().expect("id");
    let r = app
        .http
        .delete(format!("{}/api/m/scrutin/affectation/{victim}", app.base))
        .bearer_auth(TOKEN)
        .header("if-match", "\"1\"")
        .send()
        .await
        .expect("delete");
    assert_eq!(r.status(), 204);
    // The elector who will take the place, not yet in that slot.
    let (s, r) = api(
        &app,
        M::POST,
        "/api/m/scrutin/personne",
        Some(json!({"nom": "Vasseur", "prenom": "Héloïse", "qualite": "electeur"})),
    )
    .await;
    assert_eq!(s, 201, "{r}");
    let newcomer = r["id"].as_i64().expect("id");

    add_user(&app, "guichet", "desk", &[]).await;
    let mut problems = Vec::new();
    b.resize(1366, 768).await;

    // Log in through the form; from the desk's home to the board.
    b.goto(&format!("{}/login", app.base)).await;
    fill(&b, "#username", "guichet").await;
    fill(&b, "#password", PASSWORD).await;
    click(&b, "form[action='/login'] button").await;
    b.wait_for_text("h1", "Saisie des résultats", SECS).await;
    click_link(&b, scrutin.label).await;
    b.wait_for_text("h1", scrutin.label, SECS).await;
    click_link(
        &b,
        "Tableau de complétude des bureaux (R42), documents et heures",
    )
    .await;
    b.wait_for_text("h1", "tableau de complétude", SECS).await;
    let status = b
        .wait_for_text("#board-status", "1 case incomplète sur 102", SECS)
        .await;
    assert_eq!(
        b.execute(
            "return document.getElementById('board-status').className;",
            vec![]
        )
        .await,
        json!("form-error"),
        "{status}"
    );
    let red = red_cells(&b).await;
    assert_eq!(red.len(), 1, "{red:?}");
    assert_eq!((&red[0].0, &red[0].1), (first, &morning.to_string()));
    assert!(red[0].2.contains("1 assesseur"), "{red:?}");
    axe(&b, "board", &mut problems).await;
    board_scrolls_inside(&b).await;
    shots(&b, &dir, "scrutin-board").await;

    // The bureau's composition: the morning lacks one assesseur.
    click(
        &b,
        &format!("table.board th a[href^='/desk/m/scrutin/bureau/{first}?']"),
    )
    .await;
    b.wait_for_text("h1", &format!("Bureau {first}"), SECS)
        .await;
    let lack = b
        .execute(
            "return Array.prototype.map.call(document.querySelectorAll('main section'),\
               function (s) { var p = s.querySelector('p.form-error, p.form-ok');\
                 return [s.querySelector('h2').textContent, p ? p.textContent : null]; });",
            vec![],
        )
        .await;
    let sections = lack.as_array().cloned().unwrap_or_default();
    assert_eq!(sections.len(), 3, "{lack}");
    assert!(
        sections[0][0]
            .as_str()
            .is_some_and(|t| t.starts_with("Matin")),
        "{lack}"
    );
    assert_eq!(sections[0][1], json!("Manque : 1 assesseur."), "{lack}");
    assert!(
        sections[1..].iter().all(|s| s[1] == json!("Complet.")),
        "{lack}"
    );
    axe(&b, "bureau", &mut problems).await;
    shots(&b, &dir, "scrutin-bureau").await;
    let president_href = b
        .execute(
            "var rows = document.querySelector('main section').querySelectorAll('tbody tr');\
             var row = Array.prototype.find.call(rows, function (r) { return r.cells[0].textContent.trim() === 'Président'; });\
             return row ? row.cells[1].querySelector('a').getAttribute('href') : null;",
            vec![],
        )
        .await;
    let president_href = president_href
        .as_str()
        .expect("the morning's président links to their planning")
        .to_string();

    // Someone added to that slot through the engine's form, preselected.
    click(&b, &format!("a.button[href$='&creneau={morning}']")).await;
    b.wait_for_text("h1", "Ajouter une affectation", SECS).await;
    assert_eq!(
        preselected(&b).await,
        json!([staffed.scrutin.to_string(), first, morning.to_string()]),
        "scrutin, bureau and créneau preselected"
    );
    choose(&b, "#f-personne", "Vasseur Héloïse").await;
    choose(&b, "#f-poste", "Assesseur").await;
    click(&b, "form.mform button[type='submit']").await;
    b.wait_for_text(".form-ok", "Fiche enregistrée", SECS).await;
    let (_, list) = api(
        &app,
        M::GET,
        &format!("/api/m/scrutin/affectation?bureau={first}&creneau={morning}&poste={ass}"),
        None,
    )
    .await;
    assert_eq!(list["total"], 2, "{list}");
    assert!(
        list["items"]
            .as_array()
            .is_some_and(|v| v.iter().any(|a| a["fields"]["personne"] == newcomer)),
        "{list}"
    );

    // The board is complete again.
    b.goto(&format!("{}/desk/m/scrutin/tableau?{q}", app.base))
        .await;
    b.wait_for_text("#board-status", "Complet", SECS).await;
    assert_eq!(
        b.execute(
            "return document.getElementById('board-status').className;",
            vec![]
        )
        .await,
        json!("form-ok")
    );
    assert_eq!(red_cells(&b).await, vec![], "no red cell");

    // The président's planning: their three slots, in that bureau.
    b.goto(&format!("{}/desk/m/scrutin/bureau/{first}?{q}", app.base))
        .await;
    b.wait_for_text("h1", &format!("Bureau {first}"), SECS)
        .await;
    click(&b, &format!("section tbody a[href='{president_href}']")).await;
    b.wait_for_text("h1", "Planning de ", SECS).await;
    let slots = b
        .execute(
            "return Array.prototype.map.call(document.querySelectorAll('table.mlist tbody tr'),\
               function (tr) { return [tr.cells[1].textContent, tr.cells[2].textContent, tr.cells[3].textContent]; });",
            vec![],
        )
        .await;
    let slots = slots.as_array().cloned().unwrap_or_default();
    assert_eq!(slots.len(), 3, "{slots:?}");
    for (row, want) in slots.iter().zip(["Matin", "Après-midi", "Dépouillement"]) {
        assert!(
            row[0].as_str().is_some_and(|t| t.starts_with(want))
                && row[1]
                    .as_str()
                    .is_some_and(|t| t.starts_with(first.as_str()))
                && row[2] == json!("Président"),
            "{slots:?}"
        );
    }
    axe(&b, "planning", &mut problems).await;

    assert!(
        problems.is_empty(),
        "accessibility:\n{}",
        problems.join("\n")
    );
    if std::env::var_os("URNE_SCREENSHOTS").is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    } else {
        let _ = std::io::Write::write_all(
            &mut std::io::stderr(),
            format!("screenshots written to {}\n", dir.display()).as_bytes(),
        );
    }
    b.close().await;
    app.running.shutdown().await;
}
