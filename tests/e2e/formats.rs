//! Imports and exports end to end: the `urne import` / `urne export` commands
//! against a real database, and the HTTP downloads with their SHA-256.

use std::path::Path;
use std::process::Output;

use election_data::formats::to_windows_1252;
use sha2::{Digest, Sha256};
use urne::store::Store;

use crate::both_backends;
use crate::helpers::{Backend, TOKEN, fresh_database, sample_pv_json, spawn_app, start};

pub(crate) fn temp_dir() -> tempfile::TempDir {
    crate::helpers::temp_dir("formats")
}

pub(crate) fn urne(args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_urne"))
        .args(args)
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "warn")
        .output()
        .expect("run urne")
}

fn hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Twelve bureaux as a town hall's spreadsheet exports them: Windows-1252,
/// `;`, accents, a canton and a quartier per bureau, CRLF line ends.
/// Line 9 (bureau 0008) has the letter O for a zero in its inscrits.
pub(crate) fn bureaux_csv(bad: bool) -> Vec<u8> {
    let rows = [
        (
            "0001",
            "Hôtel de ville — salle d'honneur",
            "1 place de la Mairie",
            "1 005",
            "Valbonne-1",
            "Centre historique",
        ),
        (
            "0002",
            "École Frédéric-Mistral",
            "21 route de la Crau",
            "956",
            "Valbonne-1",
            "Centre historique",
        ),
        (
            "0003",
            "École Frédéric-Mistral (réfectoire)",
            "21 route de la Crau",
            "1 270",
            "Valbonne-1",
            "Centre historique",
        ),
        (
            "0004",
            "Salle des fêtes",
            "23 avenue de la Libération",
            "1 042",
            "Valbonne-1",
            "Les Tanneurs",
        ),
        (
            "0005",
            "Bibliothèque municipale",
            "18 rue Émile-Zola",
            "1 041",
            "Valbonne-1",
            "Les Tanneurs",
        ),
        (
            "0006",
            "Gymnase Léo-Lagrange",
            "4 chemin des Écoliers",
            "1 301",
            "Valbonne-2",
            "La Gare",
        ),
        (
            "0007",
            "Maison des associations",
            "9 quai de l'Écluse",
            "1 277",
            "Valbonne-2",
            "La Gare",
        ),
        (
            "0008",
            "École du Mas-Neuf",
            "Hameau du Mas-Neuf",
            if bad { "1O45" } else { "1045" },
            "Valbonne-2",
            "Mas-Neuf",
        ),
        (
            "0009",
            "Foyer rural de Saint-Roch",
            "Place de l'Église",
            "712",
            "Valbonne-2",
            "Saint-Roch",
        ),
        (
            "0010",
            "Mairie annexe des Salins",
            "2 rue des Sauniers",
            "689",
            "Valbonne-2",
            "Les Salins",
        ),
        (
            "0011",
            "Centre social Mont-Clair",
            "14 allée des Cèdres",
            "1 133",
            "Valbonne-1",
            "Mont-Clair",
        ),
        (
            "0012",
            "Salle polyvalente du Pont-Vieux",
            "Route du Pont-Vieux",
            "654",
            "Valbonne-2",
            "Pont-Vieux",
        ),
    ];
    let mut text = String::from("Code;Nom du bureau;Adresse;Inscrits;Canton;Quartier\r\n");
    for r in rows {
        text.push_str(&format!(
            "{};{};{};{};{};{}\r\n",
            r.0, r.1, r.2, r.3, r.4, r.5
        ));
    }
    to_windows_1252(&text).expect("Windows-1252")
}

pub(crate) const CANDIDATES: &str = "\u{feff}N° Panneau;Nom;Prénom;Sexe;Nuance;Couleur\n\
    1;ARNAUD;Nathalie;F;DVG;\n\
    2;BERTRAND;Julien;M;DVD;#1f4e9c\n\
    3;CHEVALIER;Sophie;F;DIV;\n";

fn setup_args<'a>(url: &'a str, bureaux: &'a str, candidates: &'a str) -> Vec<&'a str> {
    vec![
        "import",
        "setup",
        "--id",
        "municipales-2026-t1",
        "--label",
        "Municipales 2026 — 1er tour",
        "--kind",
        "municipales",
        "--date",
        "2026-03-15",
        "--commune-code",
        "13004",
        "--commune-name",
        "Valbonne-sur-Rhône",
        "--bureaux",
        bureaux,
        "--candidates",
        candidates,
        "--database-url",
        url,
    ]
}

async fn setup_import_reports_the_bad_row_and_writes_nothing(backend: Backend) {
    let test = "setup_import_reports_the_bad_row_and_writes_nothing";
    let Some(url) = fresh_database(backend, test).await else {
        return;
    };
    // A database that already holds an election.
    let store = Store::connect(&url).await.expect("connect");
    store
        .create_election(&election_data::fixtures::sample_commune(), "test")
        .await
        .expect("create");
    let before = store.load_all().await.expect("load");
    store.close().await;

    let tmp = temp_dir();
    let dir = tmp.path();
    let bureaux = dir.join("bureaux.csv");
    let candidates = dir.join("candidats.csv");
    std::fs::write(&bureaux, bureaux_csv(true)).expect("write");
    std::fs::write(&candidates, CANDIDATES).expect("write");
    let (b, c) = (
        bureaux.display().to_string(),
        candidates.display().to_string(),
    );

    let out = urne(&setup_args(&url, &b, &c));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "the import must fail: {stderr}");
    let expected = format!(
        "{b}: ligne 9, colonne « Inscrits » : « 1O45 » n'est pas un nombre d'inscrits (entier positif)"
    );
    let reported: Vec<&str> = stderr.lines().filter(|l| l.starts_with(&b)).collect();
    assert_eq!(reported, vec![expected.as_str()], "{stderr}");
    assert!(stderr.contains("rien n'a été importé"), "{stderr}");

    // The database is unchanged.
    let store = Store::connect(&url).await.expect("connect");
    let after = store.load_all().await.expect("load");
    assert_eq!(after.len(), before.len());
    assert_eq!(after[0].election, before[0].election);
    assert_eq!(after[0].seq, before[0].seq);
    store.close().await;

    // Corrected, the same file goes in whole.
    std::fs::write(&bureaux, bureaux_csv(false)).expect("write");
    let out = urne(&setup_args(&url, &b, &c));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let store = Store::connect(&url).await.expect("connect");
    let all = store.load_all().await.expect("load");
    let e = &all
        .iter()
        .find(|s| s.election.id == "municipales-2026-t1")
        .expect("imported")
        .election;
    assert_eq!(e.bureaux.len(), 12);
    assert_eq!(e.bureaux[7].inscrits, 1045);
    assert_eq!(e.bureaux[0].name, "Hôtel de ville — salle d'honneur");
    assert_eq!(e.bureaux[0].inscrits, 1005);
    assert_eq!(e.candidates[1].colour, "#1f4e9c");
    assert_eq!(e.candidates[0].name, "Nathalie ARNAUD");
    assert!(e.perimeters.iter().any(|p| p.code == "Q-CENTRE-HISTORIQUE"));
    store.close().await;
}
both_backends!(setup_import_reports_the_bad_row_and_writes_nothing);

/// GET an export; checks its two digest headers and returns the bytes.
pub(crate) async fn download(base: &str, path: &str, token: Option<&str>) -> (u16, Vec<u8>) {
    let client = reqwest::Client::new();
    let mut req = client.get(format!("{base}{path}"));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let r = req.send().await.expect("request");
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let bytes = r.bytes().await.expect("body").to_vec();
    if status == 200 {
        let h = hex(&bytes);
        assert_eq!(
            headers
                .get("x-content-sha256")
                .and_then(|v| v.to_str().ok()),
            Some(h.as_str())
        );
        let b64 = {
            use base64::Engine;
            base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&bytes))
        };
        assert_eq!(
            headers.get("digest").and_then(|v| v.to_str().ok()),
            Some(format!("sha-256={b64}").as_str())
        );
    }
    (status, bytes)
}

pub(crate) fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let p = dir.join(name);
    std::fs::write(&p, bytes).expect("write");
    p.display().to_string()
}

async fn ministry_export_round_trips_through_a_fresh_database(backend: Backend) {
    let test = "ministry_export_round_trips_through_a_fresh_database";
    let Some(app) = spawn_app(backend, test).await else {
        return;
    };
    let Some(fresh) = fresh_database(backend, test).await else {
        return;
    };
    let id = app.define_sample().await;
    for i in 0..6 {
        let (code, _, pv) = sample_pv_json(i, 7 + i as u64);
        app.enter_and_publish(&id, &code, &pv).await;
    }
    // Entered but not published: only the desk's export has it.
    let (code, _, pv) = sample_pv_json(6, 99);
    let (s, b) = app
        .put(&format!("/api/elections/{id}/bureaux/{code}/pv"), &pv)
        .await;
    assert_eq!(s, 200, "{b}");

    let path = format!("/api/elections/{id}/export/ministere?insee=13004");
    let (status, first) = download(&app.base, &path, None).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&first));
    let text = String::from_utf8(first.clone()).expect("UTF-8");
    assert_eq!(text.lines().count(), 1 + 6, "{text}");
    // A 2027 election: the layout the ministry publishes since 2024.
    assert!(
        text.starts_with("Code département;Libellé département;Code commune;"),
        "{text}"
    );
    assert!(
        text.lines()
            .nth(1)
            .is_some_and(|l| l.starts_with("13;Bouches-du-Rhône;13004;Valbonne-sur-Rhône;0001;")),
        "{text}"
    );
    let (status, _) = download(&app.base, &format!("{path}&source=desk"), None).await;
    assert!(
        status == 401 || status == 403,
        "desk export needs the desk: {status}"
    );
    let (status, desk) = download(&app.base, &format!("{path}&source=desk"), Some(TOKEN)).await;
    assert_eq!(status, 200);
    assert_eq!(String::from_utf8_lossy(&desk).lines().count(), 1 + 7);
    for format in ["prefecture", "opendata", "nist", "eml"] {
        let (status, bytes) = download(
            &app.base,
            &format!("/api/elections/{id}/export/{format}"),
            None,
        )
        .await;
        assert_eq!(status, 200, "{format}");
        assert!(!bytes.is_empty());
    }
    let (status, _) = download(&app.base, &format!("/api/elections/{id}/export/pdf"), None).await;
    assert_eq!(status, 404);

    // Re-import into a fresh database with the CLI, serve it, export again.
    let tmp = temp_dir();
    let dir = tmp.path();
    let file = write(dir, "ministere.csv", &first);
    let out = urne(&[
        "import",
        "ministry",
        &file,
        "--id",
        "copie",
        "--label",
        "Copie",
        "--kind",
        "presidentielle",
        "--date",
        "2027-04-11",
        "--database-url",
        &fresh,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let copy = start(&fresh).await;
    let (status, second) =
        download(&copy.base, "/api/elections/copie/export/ministere", None).await;
    assert_eq!(status, 200);
    assert_eq!(
        String::from_utf8_lossy(&second),
        text,
        "identical bytes after the round trip"
    );
    copy.running.shutdown().await;

    // The CLI's export is the same file, and prints its SHA-256.
    let output = dir.join("cli.csv");
    let out = urne(&[
        "export",
        "ministere",
        "--election",
        "copie",
        "--database-url",
        &fresh,
        "--output",
        &output.display().to_string(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(std::fs::read(&output).expect("read"), first);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with(&hex(&first)), "{stdout}");
    app.running.shutdown().await;
}
both_backends!(ministry_export_round_trips_through_a_fresh_database);

/// A list election to the end: the prefecture file carries the final seats,
/// the printable records download as PDF with their digests and are audited.
async fn seats_and_printable_records(backend: Backend) {
    let test = "seats_and_printable_records";
    let Some(app) = spawn_app(backend, test).await else {
        return;
    };
    let mut e = election_data::fixtures::sample_municipales();
    e.round = 2;
    let seats = e.seats.expect("the sample has seats");
    let id = e.id.clone();
    let (status, body) = app
        .post("/api/elections", &serde_json::to_value(&e).expect("json"))
        .await;
    assert_eq!(status, 201, "{body}");

    // Before every bureau is counted: no final seats in the file.
    let publish = |i: usize| {
        let b = &e.bureaux[i];
        let pv = election_data::fixtures::sample_pv(&e, b, 100 + i as u64);
        (b.code.clone(), serde_json::to_value(&pv).expect("json"))
    };
    let (code, pv) = publish(0);
    app.enter_and_publish(&id, &code, &pv).await;
    let prefecture = format!("/api/elections/{id}/export/prefecture?insee=13004");
    let (status, xml) = download(&app.base, &prefecture, None).await;
    assert_eq!(status, 200);
    assert!(!String::from_utf8_lossy(&xml).contains("<NbSieges>"));
    for i in 1..e.bureaux.len() {
        let (code, pv) = publish(i);
        app.enter_and_publish(&id, &code, &pv).await;
    }
    let (status, xml) = download(&app.base, &prefecture, None).await;
    assert_eq!(status, 200);
    let xml = String::from_utf8(xml).expect("utf-8");
    let written: u32 = xml
        .split("<NbSieges>")
        .skip(1)
        .filter_map(|s| s.split('<').next()?.parse::<u32>().ok())
        .sum();
    assert_eq!(written, seats, "{xml}");

    for (path, what) in [
        ("commune", "pdf-commune-a4"),
        ("proclamation?format=a3", "pdf-proclamation-a3"),
        ("bureau/0001?format=a4", "pdf-bureau-0001-a4"),
    ] {
        let r = reqwest::get(format!("{}/api/elections/{id}/print/{path}", app.base))
            .await
            .expect("print");
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(
            r.headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok()),
            Some("application/pdf")
        );
        let (status, pdf) = download(
            &app.base,
            &format!("/api/elections/{id}/print/{path}"),
            None,
        )
        .await;
        assert_eq!(status, 200);
        assert!(pdf.starts_with(b"%PDF-"), "{path}");
        let (s, audit) = {
            let r = app
                .http
                .get(format!("{}/api/audit?election={id}", app.base))
                .bearer_auth(TOKEN)
                .send()
                .await
                .expect("audit");
            (r.status().as_u16(), r.text().await.expect("text"))
        };
        assert_eq!(s, 200);
        assert!(audit.contains(what), "{what} audited: {audit}");
    }
    for (path, expected) in [
        ("bureau/9999", 404),
        ("ailleurs", 404),
        ("commune?format=a5", 400),
        ("commune?source=desk", 401),
    ] {
        let (status, _) = download(
            &app.base,
            &format!("/api/elections/{id}/print/{path}"),
            None,
        )
        .await;
        assert_eq!(status, expected, "{path}");
    }
    app.running.shutdown().await;
}
both_backends!(seats_and_printable_records);

/// A municipal election from the ministry's 2024 lists layout saved as
/// `.ods`, imported by the CLI, served and exported again in its layout.
async fn ministry_lists_from_a_spreadsheet(backend: Backend) {
    let test = "ministry_lists_from_a_spreadsheet";
    let Some(db) = fresh_database(backend, test).await else {
        return;
    };
    let tmp = temp_dir();
    let file = write(
        tmp.path(),
        "listes-2024.ods",
        include_bytes!("../../election-data/fixtures/ministry/listes-2024.ods"),
    );
    let out = urne(&[
        "import",
        "ministry",
        &file,
        "--id",
        "municipales-2026",
        "--label",
        "Municipales 2026",
        "--kind",
        "municipales",
        "--date",
        "2026-03-15",
        "--database-url",
        &db,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let app = start(&db).await;
    let (status, election) = app.get_text("/api/elections/municipales-2026").await;
    assert_eq!(status, 200, "{election}");
    assert!(
        election.contains("Valbonne en commun ; pour une ville solidaire"),
        "{election}"
    );
    let (status, results) = app
        .get_text("/api/elections/municipales-2026/results")
        .await;
    assert_eq!(status, 200, "{results}");
    assert!(
        results.contains(r#"{"candidate":1,"voix":205,"pct_exprimes":25.63,"pct_inscrits":17.08}"#),
        "{results}"
    );
    let (status, bytes) = download(
        &app.base,
        "/api/elections/municipales-2026/export/ministere",
        None,
    )
    .await;
    assert_eq!(status, 200);
    let text = String::from_utf8(bytes).expect("UTF-8");
    let csv = include_str!("../../election-data/fixtures/ministry/listes-2024.csv");
    assert_eq!(
        text.lines().next(),
        csv.lines().next(),
        "the 2024 lists header"
    );
    assert_eq!(text.lines().count(), 4, "{text}");
    // The counts and percentages of each bureau are the file's.
    for (got, want) in text.lines().zip(csv.lines()).skip(1) {
        let counts = |l: &str| l.split(';').take(19).collect::<Vec<_>>().join(";");
        assert_eq!(counts(got), counts(want));
    }
    assert!(text.contains(";205;17,08%;25,63%;"), "{text}");
    app.running.shutdown().await;
}
both_backends!(ministry_lists_from_a_spreadsheet);
