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
    // Whether a range places an elector in its bureau.
    let places = |r: &catalogue::elec::Range, e: &catalogue::elec::Elector| {
        e.voie == r.voie && e.adresse_numero.is_some_and(|n| r.contains(n)) && e.bureau == r.bureau
    };
    let range = f
        .ranges
        .iter()
        .find(|r| f.electors.iter().filter(|e| places(r, e)).count() > 5)
        .expect("a populated range");
    let to = codes
        .iter()
        .find(|c| **c != range.bureau)
        .expect("another bureau")
        .clone();
    // The electors the moved range takes to `to`.
    let moved_ids: std::collections::HashSet<i64> = f
        .electors
        .iter()
        .filter(|e| places(range, e))
        .map(|e| e.id)
        .collect();
    let moving = moved_ids.len();
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

    // An update import: a new extraction of the roll, compared then
    // applied as mouvements. Against the records: three electors gone,
    // two new ones, one who moved house, the rest as they are now (the
    // redistricting above included).
    let mut extraction = f.clone();
    for e in &mut extraction.electors {
        if moved_ids.contains(&e.id) {
            e.bureau = to.clone();
        }
    }
    let gone: Vec<i64> = extraction.electors[1000..1003]
        .iter()
        .map(|e| e.id)
        .collect();
    extraction.electors.retain(|e| !gone.contains(&e.id));
    let mut newcomers = Vec::new();
    for (i, given) in ["Capucine", "Anatole"].into_iter().enumerate() {
        let mut n = extraction.electors[i * 7].clone();
        n.id = 900_000 + i as i64;
        n.nom_naissance = "Arrivant-Nouveau".into();
        n.nom_usage = None;
        n.prenoms = given.into();
        n.ine = None;
        newcomers.push(n);
    }
    extraction.electors.extend(newcomers);
    let house = extraction.electors[5].id;
    let new_number = extraction.electors[5].adresse_numero.map_or(1, |n| n + 2);
    extraction.electors[5].adresse_numero = Some(new_number);
    let electors_csv = extraction
        .csv()
        .into_iter()
        .find(|(n, _)| *n == "electeurs.csv")
        .expect("electeurs.csv")
        .1;
    let update_form = |confirm: &str| {
        multipart(
            &[("csrf", &admin.csrf), ("date", ""), ("confirm", confirm)],
            &[("file", "extraction.csv", electors_csv.as_bytes())],
        )
    };
    let post_update = |body: Vec<u8>| {
        let req = app
            .http
            .post(format!("{}/desk/m/elec/mise-a-jour", app.base))
            .header("cookie", &admin.cookie)
            .header(
                "content-type",
                format!(
                    "multipart/form-data; boundary={}",
                    crate::imports_form::BOUNDARY
                ),
            )
            .body(body);
        async move {
            let r = req.send().await.expect("update");
            (r.status().as_u16(), r.text().await.unwrap_or_default())
        }
    };
    let (s, page) = post_update(update_form("")).await;
    assert_eq!(s, 200, "{}", page.chars().take(1500).collect::<String>());
    let count = |page: &str, kind: &str| -> Option<usize> {
        let at = page.find(&format!("data-kind=\"{kind}\">"))?;
        let rest = &page[at..];
        let start = rest.find('>')? + 1;
        let end = rest[start..].find('<')?;
        rest[start..start + end].trim().parse().ok()
    };
    assert_eq!(
        [
            count(&page, "inscriptions"),
            count(&page, "reinscriptions"),
            count(&page, "modifications"),
            count(&page, "radiations"),
            count(&page, "unchanged"),
        ],
        [Some(2), Some(0), Some(1), Some(3), Some(33_000 - 3 - 1)],
        "the comparison"
    );
    assert!(page.contains("Arrivant-Nouveau") && page.contains("adresse_numero"));
    let (_, b) = get(&app, None, "/api/m/elec/mouvement?per_page=1").await;
    let b: Value = serde_json::from_slice(&b).expect("json");
    assert_eq!(
        b["total"].as_u64(),
        Some(moving as u64),
        "nothing stored yet"
    );
    // Applying needs the file compared.
    let sha = {
        let marker = "name=\"confirm\" value=\"";
        let at = page.find(marker).expect("confirm field") + marker.len();
        page[at..at + 64].to_string()
    };
    let (s, _) = post_update(update_form(&"0".repeat(64))).await;
    assert_eq!(s, 422, "another file's fingerprint");
    let (s, page) = post_update(update_form(&sha)).await;
    assert_eq!(s, 200, "{}", page.chars().take(1500).collect::<String>());
    assert!(
        page.contains("6 mouvements enregistrés"),
        "{}",
        page.chars().take(1500).collect::<String>()
    );
    let (_, b) = get(&app, None, "/api/m/elec/mouvement?per_page=1").await;
    let b: Value = serde_json::from_slice(&b).expect("json");
    assert_eq!(b["total"].as_u64(), Some(moving as u64 + 6));
    let (_, b) = get(&app, None, "/api/m/elec/mouvement?nature=radiation").await;
    let b: Value = serde_json::from_slice(&b).expect("json");
    let mut radiated: Vec<i64> = b["items"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x["fields"]["electeur"].as_i64())
                .collect()
        })
        .unwrap_or_default();
    radiated.sort_unstable();
    assert_eq!(radiated, gone);
    let (_, b) = get(&app, None, &format!("/api/m/elec/electeur/{house}")).await;
    let b: Value = serde_json::from_slice(&b).expect("json");
    assert_eq!(b["fields"]["adresse_numero"], new_number, "{b}");
    let (_, csv3) = get(&app, None, "/desk/m/elec/tableau.csv").await;
    let total3: usize = text(&csv3)
        .trim_start_matches('\u{feff}')
        .lines()
        .skip(1)
        .filter_map(|l| l.split(';').nth(1)?.parse::<usize>().ok())
        .sum();
    assert_eq!(total3, 33_000 - 3 + 2, "the roll after the update");
    // The same file again: nothing left to do.
    let (s, page) = post_update(update_form("")).await;
    assert_eq!(s, 200);
    assert!(
        page.contains("0 mouvement à enregistrer"),
        "{}",
        page.chars().take(1500).collect::<String>()
    );

    // The statistics per bureau and the procurations per bureau.
    let (s, html) = get(&app, None, "/desk/m/elec/statistiques").await;
    let html = text(&html);
    assert_eq!(s, 200);
    assert!(html.contains("id=\"statistiques\""));
    let (s, csv) = get(&app, None, "/desk/m/elec/documents/statistiques.csv").await;
    assert_eq!(s, 200);
    let csv = text(&csv);
    let total_line = csv.lines().last().expect("total line");
    assert!(
        total_line.starts_with(&format!("Total;{}", 33_000 - 3 + 2)),
        "{total_line}"
    );
    for doc in ["statistiques.xlsx", "statistiques.pdf", "procurations.xlsx"] {
        let (s, bytes) = get(&app, None, &format!("/desk/m/elec/documents/{doc}")).await;
        assert_eq!(s, 200, "{doc}");
        assert!(bytes.len() > 1000, "{doc}");
    }
    let date = catalogue::elec::Date::parse("2027-04-11").expect("date");
    let on_roll: std::collections::HashSet<i64> = f
        .electors
        .iter()
        .map(|e| e.id)
        .filter(|id| !gone.contains(id))
        .collect();
    let bureau_of = |id: i64| -> String {
        f.elector(id)
            .map(|e| {
                if moved_ids.contains(&id) {
                    to.clone()
                } else {
                    e.bureau.clone()
                }
            })
            .unwrap_or_default()
    };
    let expected: Vec<i64> = catalogue::elec::in_force(&f.procurations, date)
        .into_iter()
        .filter(|p| on_roll.contains(&p.mandant) && on_roll.contains(&p.mandataire))
        .filter(|p| bureau_of(p.mandant) == codes[1])
        .map(|p| p.id)
        .collect();
    assert!(!expected.is_empty(), "bureau {} has procurations", codes[1]);
    let (s, csv) = get(
        &app,
        None,
        &format!(
            "/desk/m/elec/documents/procurations.csv?bureau={}&date=2027-04-11",
            codes[1]
        ),
    )
    .await;
    assert_eq!(s, 200);
    let csv = text(&csv);
    let rows: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().skip(1).collect();
    assert_eq!(rows.len(), expected.len(), "{csv}");
    assert!(
        rows.iter()
            .all(|r| r.starts_with(&format!("{};", codes[1])))
    );
    let (s, pdf) = get(
        &app,
        None,
        &format!(
            "/desk/m/elec/documents/procurations.pdf?bureau={}&date=2027-04-11",
            codes[1]
        ),
    )
    .await;
    assert_eq!(s, 200);
    assert!(pdf.starts_with(b"%PDF-"));
    if let Some(dir) = std::env::var_os("URNE_SCREENSHOTS") {
        let _ = std::fs::write(std::path::Path::new(&dir).join("procurations.pdf"), &pdf);
    }

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
        "/desk/m/elec/statistiques",
        "/desk/m/elec/documents/statistiques.csv",
        "/desk/m/elec/documents/procurations.pdf",
        "/desk/m/elec/mise-a-jour",
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
