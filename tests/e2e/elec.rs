//! openElec end to end (issue 17), on both backends: a roll of the sample
//! commune's size (33,000 electors from the fixture program) imported
//! through the module's API; the découpage checked; an election defined
//! from the roll's tableau (inscrits equal to the roll) through the desk's
//! setup import; a PV whose inscrits differ gets the warning; a street
//! range moved to another bureau shows the electors who move, then
//! applied, with the new inscrits; the émargement list of a bureau (A4 and
//! A3) with every elector once; the L73 limits on procurations; 403 for a
//! role without the roll's right; every export in the audit log.

use std::time::Instant;

use catalogue::elec::fixture;
use serde_json::{Value, json};
use urne::store::records;

use crate::both_backends;
use crate::helpers::{Backend, TOKEN, TestApp, add_user, login, spawn_app};
use crate::imports_form::{multipart, upload};

async fn get(app: &TestApp, cookie: Option<&str>, path: &str) -> (u16, Vec<u8>) {
    let mut r = app.http.get(format!("{}{path}", app.base));
    r = match cookie {
        Some(c) => r.header("cookie", c),
        None => r.bearer_auth(TOKEN),
    };
    let r = r.send().await.expect("get");
    (
        r.status().as_u16(),
        r.bytes().await.map(|b| b.to_vec()).unwrap_or_default(),
    )
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

async fn import(app: &TestApp, entity: &str, csv: &str) -> Value {
    let r = app
        .http
        .post(format!("{}/api/m/elec/{entity}/import", app.base))
        .bearer_auth(TOKEN)
        .body(csv.to_string())
        .send()
        .await
        .expect("import");
    let status = r.status().as_u16();
    let body: Value = r.json().await.unwrap_or(Value::Null);
    assert_eq!(
        status,
        200,
        "{entity}: {}",
        body.to_string().chars().take(2000).collect::<String>()
    );
    body
}

async fn electoral_roll_of_the_sample_commune(backend: Backend) {
    let Some(app) = spawn_app(backend, "electoral_roll_of_the_sample_commune").await else {
        return;
    };
    let catalog = urne::modules::builtin();
    let m = catalog.module("elec").expect("openElec is built in");
    {
        let (_g, mut tx) = app.store.begin_write().await.expect("tx");
        records::set_enabled(&mut tx, app.store.backend(), m, true, "test")
            .await
            .expect("enable");
        tx.commit().await.expect("commit");
    }
    app.define_sample().await;
    let sample = election_data::fixtures::sample_commune();
    let codes: Vec<String> = sample.bureaux.iter().map(|b| b.code.clone()).collect();

    // The roll: 33,000 electors, their streets, the découpage, procurations.
    let f = fixture::roll(2027, &codes, 33_000);
    let files = f.csv();
    let started = Instant::now();
    for (entity, name) in [
        ("voie", "voies.csv"),
        ("decoupage", "decoupage.csv"),
        ("electeur", "electeurs.csv"),
        ("procuration", "procurations.csv"),
    ] {
        let csv = &files.iter().find(|(n, _)| *n == name).expect(name).1;
        let done = import(&app, entity, csv).await;
        assert!(
            done["rows"].as_u64().is_some_and(|n| n > 0),
            "{entity}: {done}"
        );
    }
    eprintln!(
        "elec: roll of {} electors imported in {:?} ({backend:?})",
        f.electors.len(),
        started.elapsed()
    );
    let (_, b) = get(&app, None, "/api/m/elec/electeur?per_page=1").await;
    let b: Value = serde_json::from_slice(&b).expect("json");
    assert_eq!(b["total"], 33_000);

    // The découpage covers every address, once; the tableau counts the roll.
    let (s, html) = get(&app, None, "/desk/m/elec/controle?date=2027-04-11").await;
    let html = text(&html);
    assert_eq!(s, 200, "{}", html.chars().take(500).collect::<String>());
    assert!(
        html.contains("id=\"decoupage-status\"") && html.contains("Aucun trou ni chevauchement"),
        "découpage"
    );
    let (s, csv) = get(&app, None, "/desk/m/elec/tableau.csv?date=2027-04-11").await;
    assert_eq!(s, 200);
    let csv = text(&csv);
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().skip(1).collect();
    assert_eq!(lines.len(), 34);
    let counted: usize = lines
        .iter()
        .filter_map(|l| l.split(';').nth(1)?.parse::<usize>().ok())
        .sum();
    assert_eq!(counted, 33_000);

    // An election defined from the roll: the setup import reads the tableau.
    add_user(&app, "mairie", "admin", &[]).await;
    let admin = login(&app, "mairie").await;
    let mut bureaux = String::from("Code;Nom;Adresse;Inscrits\n");
    for b in &sample.bureaux {
        bureaux.push_str(&format!(
            "{};{};{};0\n",
            b.code,
            b.name,
            b.address.clone().unwrap_or_default()
        ));
    }
    let candidates = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../election-data/fixtures/setup/candidats.csv"
    ))
    .expect("candidates");
    let body = multipart(
        &[
            ("csrf", &admin.csrf),
            ("id", "europeennes-roll"),
            ("label", "Élection de la liste"),
            ("kind", "presidentielle"),
            ("round", "1"),
            ("date", "2027-04-11"),
            ("commune_code", "13004"),
            ("commune_name", "Valbonne-sur-Rhône"),
        ],
        &[
            ("bureaux", "bureaux.csv", bureaux.as_bytes()),
            ("candidates", "candidats.csv", &candidates),
            ("roll", "inscrits.csv", csv.as_bytes()),
        ],
    );
    let (s, _, page) = upload(&app, Some(&admin.cookie), body).await;
    assert!(
        s == 303 || s == 200,
        "{s}: {}",
        page.chars().take(1500).collect::<String>()
    );
    let topic = app
        .running
        .state
        .hub
        .get("europeennes-roll")
        .expect("election defined from the roll");
    let (first, first_count) = {
        let live = topic.read();
        for l in &lines {
            let mut parts = l.split(';');
            let (code, n) = (
                parts.next().unwrap_or_default(),
                parts.next().unwrap_or_default(),
            );
            let b = live.election.bureau(code).expect("bureau");
            assert_eq!(
                b.inscrits.to_string(),
                n,
                "bureau {code}: inscrits from the roll"
            );
        }
        let b = &live.election.bureaux[0];
        (b.code.clone(), b.inscrits)
    };

    // A PV whose inscrits differ from the roll gets the warning.
    let (_, _, mut pv) = crate::helpers::sample_pv_json(0, 3);
    pv["inscrits"] = json!(first_count + 5);
    let (s, b) = app
        .put(
            &format!("/api/elections/europeennes-roll/bureaux/{first}/pv"),
            &pv,
        )
        .await;
    assert_eq!(s, 422, "{b}");
    assert!(b.to_string().contains("inscrits_differ_from_roll"), "{b}");

    // A street range moved to another bureau: preview, then apply.
    let range = f
        .ranges
        .iter()
        .find(|r| {
            f.electors
                .iter()
                .filter(|e| {
                    e.voie == r.voie
                        && e.adresse_numero.is_some_and(|n| r.contains(n))
                        && e.bureau == r.bureau
                })
                .count()
                > 5
        })
        .expect("a populated range");
    let to = codes
        .iter()
        .find(|c| **c != range.bureau)
        .expect("another bureau")
        .clone();
    let moving = f
        .electors
        .iter()
        .filter(|e| {
            e.voie == range.voie
                && e.adresse_numero.is_some_and(|n| range.contains(n))
                && e.bureau == range.bureau
        })
        .count();
    let path = format!("/desk/m/elec/redecoupage?range={}&bureau={to}", range.id);
    let (s, html) = get(&app, Some(&admin.cookie), &path).await;
    let html = text(&html);
    assert_eq!(s, 200);
    assert!(
        html.contains(&format!("{moving} électeur")),
        "preview names {moving} electors: {}",
        html.chars().take(800).collect::<String>()
    );
    let r = app
        .http
        .post(format!("{}{path}", app.base))
        .header("cookie", &admin.cookie)
        .form(&[("csrf", admin.csrf.as_str()), ("version", "1")])
        .send()
        .await
        .expect("apply");
    assert!(r.status().is_success(), "{}", r.status());
    let (_, csv2) = get(&app, None, "/desk/m/elec/tableau.csv").await;
    let count_of = |csv: &str, code: &str| -> usize {
        csv.lines()
            .find(|l| l.starts_with(&format!("{code};")))
            .and_then(|l| l.split(';').nth(1)?.parse().ok())
            .unwrap_or(0)
    };
    let csv2 = text(&csv2);
    assert_eq!(
        count_of(&csv2, &range.bureau) + moving,
        count_of(&csv, &range.bureau)
    );
    assert_eq!(count_of(&csv2, &to), count_of(&csv, &to) + moving);
    let (_, b) = get(&app, None, "/api/m/elec/mouvement?per_page=1").await;
    let b: Value = serde_json::from_slice(&b).expect("json");
    assert_eq!(
        b["total"].as_u64(),
        Some(moving as u64),
        "a mouvement per elector moved"
    );

    // The émargement list of a bureau, both papers.
    for paper in ["a4", "a3"] {
        let (s, pdf) = get(
            &app,
            None,
            &format!(
                "/desk/m/elec/emargement/{}?paper={paper}&date=2027-04-11",
                codes[1]
            ),
        )
        .await;
        assert_eq!(s, 200);
        assert!(pdf.starts_with(b"%PDF-") && pdf.len() > 20_000, "{paper}");
        if let Some(dir) = std::env::var_os("URNE_SCREENSHOTS") {
            let _ = std::fs::write(
                std::path::Path::new(&dir).join(format!("emargement-{paper}.pdf")),
                &pdf,
            );
        }
    }

    // L73: a third procuration to the same mandataire is refused.
    let holder = f.electors[100].id;
    let mut made = 0;
    for (i, mandant) in f.electors[200..204].iter().enumerate() {
        let body = json!({"mandant": mandant.id, "mandataire": holder, "debut": "2027-04-01", "fin": "2027-04-30", "etablie_a": if i == 0 { "france" } else { "etranger" }});
        let (s, b) = app.post("/api/m/elec/procuration", &body).await;
        if s == 201 {
            made += 1;
        } else {
            assert_eq!(s, 422, "{b}");
            assert!(
                b.to_string().contains("L73") || b.to_string().contains("L. 73"),
                "{b}"
            );
        }
    }
    assert_eq!(made, 2, "at most two procurations per mandataire");

    // Personal data: a president reads nothing of the roll.
    add_user(&app, "pres", "president", &[&codes[0]]).await;
    let pres = login(&app, "pres").await;
    for path in [
        "/api/m/elec/electeur",
        "/desk/m/elec/controle",
        "/desk/m/elec/tableau.csv",
        &format!("/desk/m/elec/emargement/{}", codes[0]),
        "/api/m/elec/electeur/export.csv",
        "/desk/m/elec/electeur",
    ] {
        let (s, _) = get(&app, Some(&pres.cookie), path).await;
        assert_eq!(s, 403, "{path}");
    }
    let someone = &f.electors[0].nom_naissance;
    let (_, found) = get(
        &app,
        Some(&pres.cookie),
        &format!("/api/search?q={someone}"),
    )
    .await;
    assert!(
        !text(&found).contains("\"elec\""),
        "no elector in a president's search"
    );
    let (_, found) = get(&app, None, &format!("/api/search?q={someone}")).await;
    assert!(
        text(&found).contains("\"electeur\""),
        "the admin finds the elector"
    );
    let (_, page) = get(&app, None, "/elections/europeennes-roll").await;
    assert!(
        !text(&page).contains(&f.electors[0].prenoms),
        "no elector on the public page"
    );

    // Every export and printed list is in the audit log.
    let (_, b) = get(&app, None, "/api/audit?limit=1000").await;
    let audit = text(&b);
    assert!(
        audit.contains("module.elec.electeur.export") && audit.contains("emargement.pdf"),
        "exports audited"
    );
    let report = app.store.verify_audit().await.expect("verify");
    assert!(report.is_intact(), "{:?}", report.problems);
}

both_backends!(electoral_roll_of_the_sample_commune);
