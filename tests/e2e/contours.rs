//! The bureaux' contours end to end: every broken file is refused with its
//! feature and reason by each way in (`PUT /api/elections/{id}/contours`,
//! the administrators' form, `urne import contours`) and nothing is
//! stored; a valid one is stored, audited, drawn on the pages at once,
//! served to the kiosks, and (on PostgreSQL) reaches an instance that did
//! not import it.

use serde_json::Value;

use crate::both_backends;
use crate::helpers::{Backend, TOKEN, TestApp, add_user, eventually, login, spawn_app, start};
use crate::imports_form::{BOUNDARY, multipart};

fn sample() -> Value {
    serde_json::from_str(election_data::fixtures::SAMPLE_CONTOURS).expect("fixture is JSON")
}

/// The broken files, each with a piece of the message it must get.
fn broken() -> Vec<(&'static str, Vec<u8>, &'static str)> {
    let mut unclosed = sample();
    let ring = &mut unclosed["features"][2]["geometry"]["coordinates"][0];
    ring.as_array_mut().expect("ring").pop();

    let mut unknown = sample();
    let mut extra = unknown["features"][0].clone();
    extra["properties"]["codeBureauVote"] = "0099".into();
    unknown["features"]
        .as_array_mut()
        .expect("features")
        .push(extra);

    let mut missing = sample();
    missing["features"]
        .as_array_mut()
        .expect("features")
        .remove(6);

    let mut lambert = sample();
    lambert["features"][0]["geometry"]["coordinates"][0][1] =
        serde_json::json!([845000.0, 6520000.0]);

    // A valid file padded to 50 MB, as the whole national file would be.
    let mut big = sample().to_string().into_bytes();
    big.resize(50 * 1024 * 1024, b' ');

    vec![
        (
            "unclosed ring",
            unclosed.to_string().into_bytes(),
            "objet n° 3 (bureau 0003) : l'anneau extérieur n'est pas fermé",
        ),
        (
            "unknown bureau",
            unknown.to_string().into_bytes(),
            "objet n° 35 (bureau 0099) : bureau « 0099 » inconnu de l'élection presidentielle-2027-t1",
        ),
        (
            "missing bureau",
            missing.to_string().into_bytes(),
            "bureau 0007 : « Bureau 7 — École des Arènes » n'a aucun contour dans le fichier",
        ),
        (
            "bad coordinates",
            lambert.to_string().into_bytes(),
            "objet n° 1 (bureau 0001) : point n° 2 de l'anneau extérieur : coordonnées [845000, 6520000] hors de WGS 84",
        ),
        (
            "50 MB",
            big,
            "fichier : 50,0 Mo, au-delà de la limite de 40 Mo",
        ),
    ]
}

async fn put_contours(app: &TestApp, id: &str, bytes: Vec<u8>) -> (u16, Value) {
    let r = app
        .http
        .put(format!("{}/api/elections/{id}/contours", app.base))
        .bearer_auth(TOKEN)
        .header("content-type", "application/geo+json")
        .body(bytes)
        .send()
        .await
        .expect("put contours");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn audited(app: &TestApp, id: &str) -> usize {
    let r = app
        .http
        .get(format!("{}/api/audit?election={id}&limit=5000", app.base))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("audit");
    let rows: Vec<Value> = r.json().await.expect("audit rows");
    rows.iter()
        .filter(|r| r["action"] == "election.contours")
        .count()
}

/// Runs `urne import contours` against the test's database.
fn cli(app: &TestApp, file: &std::path::Path, id: &str) -> (bool, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_urne"))
        .args(["import", "contours"])
        .arg(file)
        .args(["--election", id, "--database-url", &app.database_url])
        .env_remove("DATABASE_URL")
        .output()
        .expect("run urne import contours");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

async fn contours_are_checked_whole_then_stored_and_drawn(backend: Backend) {
    let Some(app) = spawn_app(backend, "contours_import").await else {
        return;
    };
    let id = app.define_sample().await;

    // Without contours: no map in the API, a tile grid on the pages.
    let (s, body) = app.get_json(&format!("/api/elections/{id}/contours")).await;
    assert_eq!(s, 404, "{body}");
    let (_, page) = app.get_text(&format!("/elections/{id}")).await;
    assert!(page.contains("class=\"map map-grid\""), "{page}");
    assert_eq!(page.matches("data-map-bureau=").count(), 34);

    let dir = crate::helpers::temp_dir("contours");
    for (what, bytes, message) in broken() {
        // The API.
        let (s, body) = put_contours(&app, &id, bytes.clone()).await;
        assert_eq!(s, 422, "{what}: {body}");
        assert_eq!(body["error"], "invalid_contours", "{what}: {body}");
        let listed: Vec<String> = body["violations"]
            .as_array()
            .expect("violations")
            .iter()
            .map(|v| {
                format!(
                    "{} : {}",
                    v["place"].as_str().unwrap_or(""),
                    v["reason"].as_str().unwrap_or("")
                )
            })
            .collect();
        assert!(
            listed.iter().any(|l| l.starts_with(message)),
            "{what}: {listed:?}"
        );
        assert!(
            body["message"]
                .as_str()
                .is_some_and(|m| m.contains("rien n'a été enregistré")),
            "{what}: {body}"
        );
        // The command line: every problem on stderr, a failure, nothing written.
        if what != "50 MB" || backend == Backend::Sqlite {
            let file = dir.path().join("contours.geojson");
            std::fs::write(&file, &bytes).expect("write file");
            let (ok, _, stderr) = cli(&app, &file, &id);
            assert!(!ok, "{what}: the command failed");
            assert!(stderr.contains(message), "{what}: {stderr}");
            assert!(stderr.contains("rien n'a été importé"), "{what}: {stderr}");
        }
        // Nothing stored, nothing live.
        assert_eq!(app.store.contours(&id).await.expect("read"), None, "{what}");
        assert!(
            app.running
                .state
                .hub
                .get(&id)
                .expect("topic")
                .read()
                .map
                .is_none()
        );
    }
    assert_eq!(audited(&app, &id).await, 0);

    // The administrators' form: the same refusal, in the page.
    add_user(&app, "sig", "admin", &[]).await;
    let admin = login(&app, "sig").await;
    let form = |csrf: &str, bytes: &[u8]| {
        multipart(
            &[("csrf", csrf), ("election", id.as_str())],
            &[("file", "bureaux.geojson", bytes)],
        )
    };
    let post = |body: Vec<u8>| {
        let (http, base, cookie) = (app.http.clone(), app.base.clone(), admin.cookie.clone());
        async move {
            let r = http
                .post(format!("{base}/desk/import/contours"))
                .header("cookie", cookie)
                .header(
                    "content-type",
                    format!("multipart/form-data; boundary={BOUNDARY}"),
                )
                .body(body)
                .send()
                .await
                .expect("form");
            (r.status().as_u16(), r.text().await.unwrap_or_default())
        }
    };
    let (_, missing, message) = broken().swap_remove(2);
    let (s, html) = post(form(&admin.csrf, &missing)).await;
    assert_eq!(s, 422, "{html}");
    let unescaped = html.replace("&#39;", "'");
    assert!(unescaped.contains("Rien n'a été importé"), "{html}");
    assert!(unescaped.contains(message), "{html}");
    let (s, _) = post(form(
        "not-the-token",
        election_data::fixtures::SAMPLE_CONTOURS.as_bytes(),
    ))
    .await;
    assert_eq!(s, 403);
    assert_eq!(app.store.contours(&id).await.expect("read"), None);

    // A valid file through the form: stored, audited, drawn at once.
    let (s, html) = post(form(
        &admin.csrf,
        election_data::fixtures::SAMPLE_CONTOURS.as_bytes(),
    ))
    .await;
    assert_eq!(s, 200, "{html}");
    assert!(
        html.contains("Contours de 34 bureaux enregistrés"),
        "{html}"
    );
    let stored = app
        .store
        .contours(&id)
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(stored.shapes.len(), 34);
    assert_eq!(audited(&app, &id).await, 1);
    let (s, map) = app.get_json(&format!("/api/elections/{id}/contours")).await;
    assert_eq!(s, 200);
    assert_eq!(map["shapes"].as_object().map(|o| o.len()), Some(34));
    let (_, page) = app.get_text(&format!("/elections/{id}")).await;
    assert!(page.contains("class=\"map map-contours\""), "{page}");
    assert_eq!(page.matches("data-map-bureau=").count(), 34);

    // The API and the command line store the same map again.
    let (s, summary) = put_contours(
        &app,
        &id,
        election_data::fixtures::SAMPLE_CONTOURS.as_bytes().to_vec(),
    )
    .await;
    assert_eq!(s, 200, "{summary}");
    assert_eq!(summary["bureaux"], 34);
    let file = dir.path().join("contours.geojson");
    std::fs::write(&file, election_data::fixtures::SAMPLE_CONTOURS).expect("write");
    let (ok, stdout, stderr) = cli(&app, &file, &id);
    assert!(ok, "{stdout}{stderr}");
    assert!(
        stdout.contains("contours de 34 bureaux enregistrés"),
        "{stdout}"
    );
    assert_eq!(audited(&app, &id).await, 3);
    assert_eq!(
        app.store.contours(&id).await.expect("read").as_ref(),
        Some(&stored),
        "the same file gives the same map"
    );

    // On PostgreSQL, a second instance on the same database hears of a new
    // import and draws it without a restart.
    if backend == Backend::Postgres {
        let other = start(&app.database_url).await;
        let (_, page) = other.get_text(&format!("/elections/{id}")).await;
        assert!(page.contains("map-contours"));
        // Remove a point of a bureau's shape: a new, different map.
        let mut changed = sample();
        let ring = changed["features"][0]["geometry"]["coordinates"][0]
            .as_array_mut()
            .expect("ring");
        let n = ring.len();
        ring.remove(n / 2);
        let (s, body) = put_contours(&app, &id, changed.to_string().into_bytes()).await;
        assert_eq!(s, 200, "{body}");
        let want = app.store.contours(&id).await.expect("read");
        assert_ne!(want.as_ref(), Some(&stored));
        let topic = other.running.state.hub.get(&id).expect("topic");
        eventually(
            std::time::Duration::from_secs(20),
            || "the other instance reloads the contours".into(),
            || topic.read().map.as_deref() == want.as_ref(),
        )
        .await;
        other.running.shutdown().await;
    }
    app.running.shutdown().await;
}
both_backends!(contours_are_checked_whole_then_stored_and_drawn);

/// A kiosk mirrors the contours with the definition and keeps them on disk.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_kiosk_draws_the_servers_contours() {
    let app = spawn_app(Backend::Sqlite, "contours_kiosk")
        .await
        .expect("sqlite");
    let id = app.define_sample().await;
    let (s, body) = put_contours(
        &app,
        &id,
        election_data::fixtures::SAMPLE_CONTOURS.as_bytes().to_vec(),
    )
    .await;
    assert_eq!(s, 200, "{body}");
    let state_dir = crate::helpers::temp_dir("contours-kiosk");
    let k = kiosk::start(kiosk::Config {
        server: app.base.clone(),
        elections: vec![id.clone()],
        listen: "127.0.0.1:0".into(),
        state_dir: state_dir.path().to_path_buf(),
        rotation_seconds: 10,
        idle_seconds: 60,
        lang: "fr".into(),
    })
    .await
    .expect("kiosk");
    let url = format!("http://{}/elections/{id}/carte", k.addr);
    // A limit for a broken kiosk only (nothing is timed): on a loaded CI
    // machine its first connection and fetch can take a while.
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(90);
    loop {
        let page = reqwest::get(&url)
            .await
            .expect("kiosk page")
            .text()
            .await
            .unwrap_or_default();
        if page.contains("map-contours") {
            assert_eq!(page.matches("data-map-bureau=").count(), 2 * 34, "two maps");
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the kiosk draws the contours: {page}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let mirror = kiosk::mirror::Mirror::load(state_dir.path(), &id).expect("mirror on disk");
    assert_eq!(mirror.map.map(|m| m.shapes.len()), Some(34));
    let home = reqwest::get(format!("http://{}/", k.addr))
        .await
        .expect("home")
        .text()
        .await
        .unwrap_or_default();
    assert!(home.contains("Carte des bureaux"), "{home}");
    app.running.shutdown().await;
}
