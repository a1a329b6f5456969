//! openScrutin end to end (issue 16), on both backends: the 34 bureaux of
//! the sample commune staffed for two slots (and the dépouillement) from
//! applications and élus through the module's API; the completeness board
//! is green; a removed assesseur turns exactly its bureau and slot red; the
//! composition and convocation PDFs render; the hours table adds up to the
//! cent; the président's one-time code enters that bureau's PV and no other;
//! the desk's PV page shows who staffs the bureau.

use serde_json::{Value, json};
use urne::store::records;

use crate::both_backends;
use crate::helpers::{
    Backend, Session, TOKEN, TestApp, add_user, login, sample_pv_json, session_from, spawn_app,
};

async fn get(app: &TestApp, path: &str) -> (u16, String) {
    let r = app
        .http
        .get(format!("{}{path}", app.base))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("get");
    (r.status().as_u16(), r.text().await.unwrap_or_default())
}

async fn get_bytes(app: &TestApp, path: &str) -> (u16, Vec<u8>) {
    let r = app
        .http
        .get(format!("{}{path}", app.base))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("get");
    (
        r.status().as_u16(),
        r.bytes().await.map(|b| b.to_vec()).unwrap_or_default(),
    )
}

/// The cell of bureau `code` and slot `slot` on the board's HTML.
fn cell<'a>(html: &'a str, code: &str, slot: i64) -> &'a str {
    let key = format!("data-bureau=\"{code}\" data-slot=\"{slot}\"");
    let at = html.find(&key).unwrap_or_else(|| panic!("no cell {key}"));
    let start = html[..at].rfind("<td").unwrap_or(at);
    let end = html[at..].find("</td>").map_or(html.len(), |e| at + e);
    &html[start..end]
}

async fn staffing_the_sample_commune(backend: Backend) {
    let Some(app) = spawn_app(backend, "staffing_the_sample_commune").await else {
        return;
    };
    let catalog = urne::modules::builtin();
    let m = catalog.module("scrutin").expect("openScrutin is built in");
    {
        let (_g, mut tx) = app.store.begin_write().await.expect("tx");
        records::set_enabled(&mut tx, app.store.backend(), m, true, "test")
            .await
            .expect("enable");
        tx.commit().await.expect("commit");
    }
    let election = app.define_sample().await;
    let e = election_data::fixtures::sample_commune();
    let codes: Vec<String> = e.bureaux.iter().map(|b| b.code.clone()).collect();
    assert_eq!(codes.len(), 34);
    let staffed = urne::cli::demo_staffing::staff(&app.base, TOKEN, &election, &codes)
        .await
        .expect("staffing through the API");
    assert_eq!(staffed.applications, 68);
    // 34 bureaux × 3 slots × (président, secrétaire, 2 assesseurs).
    assert_eq!(staffed.affectations, 34 * 3 * 4);
    let q = format!("scrutin={}&tour=1", staffed.scrutin);

    // The board is green.
    let (s, html) = get(&app, &format!("/desk/m/scrutin/tableau?{q}")).await;
    assert_eq!(s, 200, "{html}");
    assert!(
        html.contains("id=\"board-status\" role=\"status\" class=\"form-ok\""),
        "board not green"
    );
    assert!(!html.contains("class=\"missing\""), "no red cell");
    // The 34th bureau is presided by a designated elector, with the reason: not flagged.
    assert!(
        !html.contains("À vérifier"),
        "R43 order respected, no conflict"
    );

    // Remove one assesseur of the first bureau, morning: exactly that cell turns red.
    let (morning, afternoon) = (staffed.slots[0], staffed.slots[1]);
    let (_, postes) = get(&app, "/api/m/scrutin/poste").await;
    let postes: Value = serde_json::from_str(&postes).expect("json");
    let poste = |code: &str| {
        postes["items"]
            .as_array()
            .and_then(|v| v.iter().find(|p| p["fields"]["code"] == code))
            .and_then(|p| p["id"].as_i64())
            .unwrap_or_else(|| panic!("poste {code} in {postes}"))
    };
    let (ass, pres_poste) = (poste("ASS"), poste("PRES"));
    let (_, list) = get(
        &app,
        &format!(
            "/api/m/scrutin/affectation?bureau={}&creneau={morning}&poste={ass}",
            codes[0]
        ),
    )
    .await;
    let list: Value = serde_json::from_str(&list).expect("json");
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
    let (_, html) = get(&app, &format!("/desk/m/scrutin/tableau?{q}")).await;
    let red = cell(&html, &codes[0], morning);
    assert!(
        red.contains("class=\"missing\"") && red.contains("1 assesseur"),
        "{red}"
    );
    assert!(cell(&html, &codes[0], afternoon).contains("class=\"complete\""));
    assert!(cell(&html, &codes[1], morning).contains("class=\"complete\""));
    assert_eq!(
        html.matches("class=\"missing\"").count(),
        1,
        "only that cell"
    );

    // A président removed: the R43 default gives the bureau back its élu.
    let (_, list) = get(
        &app,
        &format!(
            "/api/m/scrutin/affectation?bureau={}&creneau={afternoon}&poste={pres_poste}",
            codes[2]
        ),
    )
    .await;
    let list: Value = serde_json::from_str(&list).expect("json");
    let removed = &list["items"][0];
    let chair = removed["fields"]["personne"].clone();
    let r = app
        .http
        .delete(format!(
            "{}/api/m/scrutin/affectation/{}",
            app.base, removed["id"]
        ))
        .bearer_auth(TOKEN)
        .header("if-match", "\"1\"")
        .send()
        .await
        .expect("delete");
    assert_eq!(r.status(), 204);
    let (_, html) = get(&app, &format!("/desk/m/scrutin/tableau?{q}")).await;
    assert!(cell(&html, &codes[2], afternoon).contains("président"));
    add_user(&app, "centrale", "desk", &[]).await;
    let desk = login(&app, "centrale").await;
    let r = app
        .http
        .post(format!("{}/desk/m/scrutin/presidents?{q}", app.base))
        .header("cookie", &desk.cookie)
        .form(&[("csrf", desk.csrf.as_str())])
        .send()
        .await
        .expect("defaults");
    assert!(r.status().is_success(), "{}", r.status());
    let (_, list) = get(
        &app,
        &format!(
            "/api/m/scrutin/affectation?bureau={}&creneau={afternoon}&poste={pres_poste}",
            codes[2]
        ),
    )
    .await;
    let list: Value = serde_json::from_str(&list).expect("json");
    assert_eq!(list["total"], 1, "{list}");
    assert_eq!(
        list["items"][0]["fields"]["personne"], chair,
        "the élu of the tableau's order"
    );
    let (_, html) = get(&app, &format!("/desk/m/scrutin/tableau?{q}")).await;
    assert_eq!(
        html.matches("class=\"missing\"").count(),
        1,
        "only the assesseur's cell again"
    );

    // A délégué must represent a candidate of the linked election.
    let delegue = {
        let (s, b) = app
            .post(
                "/api/m/scrutin/poste",
                &json!({"code": "DEL", "libelle": "Délégué", "nature": "delegue"}),
            )
            .await;
        assert_eq!(s, 201, "{b}");
        b["id"].as_i64().expect("id")
    };
    let (s, b) = app
        .post(
            "/api/m/scrutin/personne",
            &json!({"nom": "Délégué", "prenom": "Paul", "qualite": "electeur"}),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    let paul = b["id"].as_i64().expect("id");
    let (s, b) = app
        .post("/api/m/scrutin/affectation", &json!({"scrutin": staffed.scrutin, "personne": paul, "bureau": codes[3], "poste": delegue, "creneau": morning, "candidat": "Parti imaginaire"}))
        .await;
    assert_eq!(s, 201, "{b}");
    let (_, html) = get(&app, &format!("/desk/m/scrutin/tableau?{q}")).await;
    assert!(
        html.contains("Délégués à vérifier") && html.contains("Parti imaginaire"),
        "unknown candidate flagged"
    );
    let number = e.candidates[0].number.to_string();
    let r = app
        .http
        .put(format!("{}/api/m/scrutin/affectation/{}", app.base, b["id"]))
        .bearer_auth(TOKEN)
        .header("if-match", "\"1\"")
        .json(&json!({"scrutin": staffed.scrutin, "personne": paul, "bureau": codes[3], "poste": delegue, "creneau": morning, "candidat": number}))
        .send()
        .await
        .expect("put");
    assert_eq!(r.status(), 200);
    let (_, html) = get(&app, &format!("/desk/m/scrutin/tableau?{q}")).await;
    assert!(
        !html.contains("Délégués à vérifier"),
        "a panel number of the election is a candidate"
    );

    // Documents render.
    let dir = std::env::var_os("URNE_SCREENSHOTS").map(std::path::PathBuf::from);
    for doc in [
        format!("composition.pdf?{q}&bureau={}", codes[0]),
        format!("composition.pdf?{q}"),
        format!("convocations.pdf?{q}"),
        format!("heures.pdf?{q}"),
    ] {
        let (s, bytes) = get_bytes(&app, &format!("/desk/m/scrutin/documents/{doc}")).await;
        assert_eq!(s, 200, "{doc}");
        assert!(bytes.starts_with(b"%PDF-") && bytes.len() > 5_000, "{doc}");
        if let Some(dir) = &dir {
            let name = doc.split('?').next().unwrap_or("doc").replace('.', "-");
            let _ = std::fs::write(
                dir.join(format!("scrutin-{name}-{}.pdf", doc.len())),
                &bytes,
            );
        }
    }
    let (s, bytes) = get_bytes(&app, &format!("/desk/m/scrutin/documents/heures.xlsx?{q}")).await;
    assert_eq!(s, 200);
    assert_eq!(&bytes[..2], b"PK");

    // The hours table adds up: 34 secrétaires × (5 h + 6 h + 2 h 30) × 16,50 €.
    let (s, csv) = get(&app, &format!("/desk/m/scrutin/documents/heures.csv?{q}")).await;
    assert_eq!(s, 200);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(csv.trim_start_matches('\u{feff}').as_bytes());
    let cents = |s: &str| -> i64 { s.replace(',', "").parse().expect("amount") };
    let mut sum = 0;
    let mut total = None;
    for row in reader.records() {
        let row = row.expect("csv row");
        if &row[0] == "Total" {
            total = Some(cents(&row[6]));
        } else {
            sum += cents(&row[6]);
        }
    }
    let total = total.expect("total row");
    assert_eq!(sum, total, "rows add up to the total");
    assert_eq!(total, 34 * 22_275, "34 × 13 h 30 × 16,50 € = 34 × 222,75 €");

    // The président's one-time code enters that bureau's PV, and no other.
    let (_, list) = get(
        &app,
        &format!(
            "/api/m/scrutin/affectation?bureau={}&creneau={morning}",
            codes[0]
        ),
    )
    .await;
    let list: Value = serde_json::from_str(&list).expect("json");
    let president = list["items"]
        .as_array()
        .and_then(|v| v.iter().find(|a| a["fields"]["poste"] == pres_poste))
        .and_then(|a| a["id"].as_i64())
        .expect("président of the first bureau");
    let r = app
        .http
        .post(format!("{}/desk/m/scrutin/code/{president}", app.base))
        .header("cookie", &desk.cookie)
        .form(&[("csrf", desk.csrf.as_str())])
        .send()
        .await
        .expect("code");
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap_or_default();
    let code = page
        .split("id=\"access-code\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .expect("code shown")
        .trim()
        .to_string();
    let r = app
        .http
        .post(format!("{}/api/login/code", app.base))
        .json(&json!({ "code": code }))
        .send()
        .await
        .expect("login with code");
    assert_eq!(r.status(), 200);
    let s = session_from(&r, "");
    let body: Value = r.json().await.expect("json");
    let pres = Session {
        csrf: body["csrf"].as_str().expect("csrf").to_string(),
        ..s
    };
    for (index, want) in [(0usize, 200u16), (1, 403)] {
        let (code, _, pv) = sample_pv_json(index, 7);
        let r = app
            .http
            .put(format!(
                "{}/api/elections/{election}/bureaux/{code}/pv",
                app.base
            ))
            .header("cookie", &pres.cookie)
            .header("x-csrf-token", &pres.csrf)
            .json(&pv)
            .send()
            .await
            .expect("pv");
        assert_eq!(r.status().as_u16(), want, "bureau {code}");
    }

    // The desk's PV page shows who staffs the bureau.
    let r = app
        .http
        .get(format!(
            "{}/desk/elections/{election}/bureaux/{}",
            app.base, codes[0]
        ))
        .header("cookie", &desk.cookie)
        .send()
        .await
        .expect("pv page");
    let html = r.text().await.unwrap_or_default();
    assert!(
        html.contains("Composition du bureau (openScrutin)") && html.contains("Secrétaire (agent)"),
        "{html}"
    );

    let report = app.store.verify_audit().await.expect("verify");
    assert!(report.is_intact(), "{:?}", report.problems);
}

both_backends!(staffing_the_sample_commune);
