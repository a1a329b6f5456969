//! The administrators' upload form (`/desk/import`): a bad row is reported
//! with its line and nothing is stored; a good set of files creates the
//! election, which the public home then lists.

use crate::both_backends;
use crate::formats::{CANDIDATES, bureaux_csv};
use crate::helpers::{Backend, Session, TestApp, add_user, login, spawn_app};

pub(crate) const BOUNDARY: &str = "----urne-test-boundary-7f3a";

/// A multipart/form-data body: text fields, then files `(field, file name, bytes)`.
pub(crate) fn multipart(fields: &[(&str, &str)], files: &[(&str, &str, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    for (name, file, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file}\"\r\nContent-Type: text/csv\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// The commune's administrator, logged in.
async fn admin_session(app: &TestApp) -> Session {
    add_user(app, "mairie", "admin", &[]).await;
    login(app, "mairie").await
}

pub(crate) async fn upload(
    app: &TestApp,
    cookie: Option<&str>,
    body: Vec<u8>,
) -> (u16, String, String) {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let mut req = client
        .post(format!("{}/desk/import", app.base))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(body);
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    let r = req.send().await.expect("upload");
    let status = r.status().as_u16();
    let location = r
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    (status, location, r.text().await.unwrap_or_default())
}

async fn upload_form_imports_all_or_nothing(backend: Backend) {
    let Some(app) = spawn_app(backend, "upload_form_imports_all_or_nothing").await else {
        return;
    };
    app.define_sample().await;
    let admin = admin_session(&app).await;

    // The form, for an admin.
    let r = app
        .http
        .get(format!("{}/desk/import", app.base))
        .header("cookie", &admin.cookie)
        .send()
        .await
        .expect("form");
    assert_eq!(r.status(), 200);
    let html = r.text().await.expect("html");
    assert!(html.contains("enctype=\"multipart/form-data\""), "{html}");
    assert!(
        html.contains(&admin.csrf),
        "the form carries the CSRF token"
    );

    let fields = |csrf: &str| -> Vec<(String, String)> {
        [
            ("csrf", csrf),
            ("id", "municipales-2026-t1"),
            ("label", "Municipales 2026 — 1er tour"),
            ("kind", "municipales"),
            ("round", "1"),
            ("date", "2026-03-15"),
            ("seats", "33"),
            ("commune_code", "13004"),
            ("commune_name", "Valbonne-sur-Rhône"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    };
    let body = |csrf: &str, bad: bool| {
        let f = fields(csrf);
        let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let bureaux = bureaux_csv(bad);
        multipart(
            &f,
            &[
                ("bureaux", "bureaux.csv", &bureaux),
                ("candidates", "candidats.csv", CANDIDATES.as_bytes()),
            ],
        )
    };
    let before = app.store.load_all().await.expect("load");

    // Windows-1252 bureaux with the letter O for a zero on line 9.
    let (status, _, html) = upload(&app, Some(&admin.cookie), body(&admin.csrf, true)).await;
    assert_eq!(status, 422, "{html}");
    assert!(
        html.contains("Rien n'a été importé") || html.contains("Rien n&#39;a été importé"),
        "{html}"
    );
    assert!(html.contains("bureaux.csv"), "{html}");
    assert!(
        html.contains("ligne 9, colonne « Inscrits » : « 1O45 »"),
        "the bad row is named: {html}"
    );
    assert!(
        html.contains("value=\"municipales-2026-t1\""),
        "fields kept: {html}"
    );
    let after = app.store.load_all().await.expect("load");
    assert_eq!(after.len(), before.len(), "nothing stored");
    assert!(app.running.state.hub.get("municipales-2026-t1").is_none());

    // Without the CSRF token, or without a session: refused, nothing stored.
    let (status, _, _) = upload(&app, Some(&admin.cookie), body("not-the-token", false)).await;
    assert_eq!(status, 403);
    let (status, location, _) = upload(&app, None, body("", false)).await;
    assert!(status == 303 && location == "/login", "{status} {location}");
    assert_eq!(
        app.store.load_all().await.expect("load").len(),
        before.len()
    );

    // The corrected files go in whole.
    let (status, location, html) =
        upload(&app, Some(&admin.cookie), body(&admin.csrf, false)).await;
    assert_eq!(status, 303, "{html}");
    assert_eq!(location, "/desk/elections/municipales-2026-t1");
    let all = app.store.load_all().await.expect("load");
    assert_eq!(all.len(), before.len() + 1);
    let e = &all
        .iter()
        .find(|s| s.election.id == "municipales-2026-t1")
        .expect("stored")
        .election;
    assert_eq!(e.bureaux.len(), 12);
    assert_eq!(e.bureaux[7].inscrits, 1045);
    assert_eq!(e.bureaux[0].name, "Hôtel de ville — salle d'honneur");
    assert_eq!(e.seats, Some(33));
    assert_eq!(e.candidates.len(), 3);

    // Live at once: the public home lists it, its page answers.
    let (s, home) = app.get_text("/").await;
    assert_eq!(s, 200);
    assert!(home.contains("/elections/municipales-2026-t1"), "{home}");
    let (s, _) = app.get_text("/elections/municipales-2026-t1").await;
    assert_eq!(s, 200);

    // The same id again is refused with a message, nothing changes.
    let (status, _, html) = upload(&app, Some(&admin.cookie), body(&admin.csrf, false)).await;
    assert_eq!(status, 422);
    assert!(html.contains("existe déjà"), "{html}");
    app.running.shutdown().await;
}
both_backends!(upload_form_imports_all_or_nothing);
