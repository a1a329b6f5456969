//! A module's own roles, granted per account (the engine's `roles`): an
//! account whose role reads nothing of the library gets the library's
//! `bibliothecaire` role and may then list, create and download what that
//! role may, and nothing more; taken back, it is refused again. Unknown
//! accounts, modules and roles are named; grants are audited.

use reqwest::Method;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Backend, Session, TOKEN, TestApp, add_user, login};
use crate::modules::{app_with_library, call, enable};

pub(crate) async fn as_session(
    app: &TestApp,
    s: &Session,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut r = app
        .http
        .request(method, format!("{}{path}", app.base))
        .header("cookie", &s.cookie)
        .header("x-csrf-token", &s.csrf);
    if let Some(b) = body {
        r = r.json(&b);
    }
    let resp = r.send().await.expect("request");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn a_module_role_grants_what_it_names(backend: Backend) {
    let Some(app) = app_with_library(backend, "module_roles").await else {
        return;
    };
    enable(&app).await;
    let (s, book) = call(
        &app,
        Method::POST,
        "/api/m/biblio/livre",
        Some(json!({"titre": "Germinal"})),
        None,
    )
    .await;
    assert_eq!(s, 201, "{book}");
    let id = book["id"].as_i64().expect("id");
    let r = app
        .http
        .post(format!(
            "{}/api/m/biblio/livre/{id}/files?nom=note.txt",
            app.base
        ))
        .bearer_auth(TOKEN)
        .body("une note\n")
        .send()
        .await
        .expect("upload");
    assert_eq!(r.status(), 201);
    let file: Value = r.json().await.expect("file");
    let download = format!("/api/m/biblio/livre/{id}/files/{}", file["id"]);

    add_user(&app, "lea", "president", &["0001"]).await;
    let lea = login(&app, "lea").await;
    let (s, _) = as_session(&app, &lea, Method::GET, "/api/m/biblio/livre", None).await;
    assert_eq!(s, 403, "a president reads nothing of the library");

    // Unknown account, module or role: named, nothing granted.
    for (path, what) in [
        (
            "/api/users/personne/grants/biblio/bibliothecaire",
            "personne",
        ),
        (
            "/api/users/lea/grants/cantine/bibliothecaire",
            "module inconnu : cantine",
        ),
        (
            "/api/users/lea/grants/biblio/directeur",
            "(rôles : bibliothecaire)",
        ),
    ] {
        let (s, b) = call(&app, Method::PUT, path, None, None).await;
        assert_eq!(s, 404, "{path}: {b}");
        assert!(
            b["message"].as_str().is_some_and(|m| m.contains(what)),
            "{b}"
        );
    }

    // Granted: the role's rights, at the next request.
    let (s, g) = call(
        &app,
        Method::PUT,
        "/api/users/lea/grants/biblio/bibliothecaire",
        None,
        None,
    )
    .await;
    assert_eq!(s, 200, "{g}");
    assert_eq!(g["label"], "Bibliothécaire");
    let (s, list) = call(&app, Method::GET, "/api/users/lea/grants", None, None).await;
    assert_eq!(s, 200);
    assert_eq!(
        list,
        json!([{"module": "biblio", "role": "bibliothecaire", "label": "Bibliothécaire"}])
    );
    let (s, page) = as_session(&app, &lea, Method::GET, "/api/m/biblio/livre", None).await;
    assert_eq!(s, 200, "{page}");
    assert_eq!(page["total"], 1);
    let (s, b) = as_session(
        &app,
        &lea,
        Method::POST,
        "/api/m/biblio/livre",
        Some(json!({"titre": "Nana"})),
    )
    .await;
    assert_eq!(s, 201, "{b}");
    let r = app
        .http
        .get(format!("{}{download}", app.base))
        .header("cookie", &lea.cookie)
        .send()
        .await
        .expect("download");
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await.unwrap_or_default(), "une note\n");
    // What the role does not name stays refused: lending, deleting.
    let (s, _) = as_session(
        &app,
        &lea,
        Method::POST,
        "/api/m/biblio/pret",
        Some(json!({"livre": id, "prete_le": "2026-12-01"})),
    )
    .await;
    assert_eq!(s, 403);
    let r = app
        .http
        .delete(format!("{}/api/m/biblio/livre/{id}", app.base))
        .header("cookie", &lea.cookie)
        .header("x-csrf-token", &lea.csrf)
        .header("if-match", "\"1\"")
        .send()
        .await
        .expect("delete");
    assert_eq!(r.status(), 403);
    // The desk's screens follow the same rights.
    let r = app
        .http
        .get(format!("{}/desk/m/biblio/livre/{id}", app.base))
        .header("cookie", &lea.cookie)
        .send()
        .await
        .expect("screen");
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap_or_default();
    assert!(
        html.contains("Modifier") && !html.contains(">Supprimer<"),
        "{html}"
    );

    // Taken back: refused again; both audited.
    let (s, _) = call(
        &app,
        Method::DELETE,
        "/api/users/lea/grants/biblio/bibliothecaire",
        None,
        None,
    )
    .await;
    assert_eq!(s, 204);
    let (s, _) = call(
        &app,
        Method::DELETE,
        "/api/users/lea/grants/biblio/bibliothecaire",
        None,
        None,
    )
    .await;
    assert_eq!(s, 404);
    let (s, _) = as_session(&app, &lea, Method::GET, "/api/m/biblio/livre", None).await;
    assert_eq!(s, 403);
    let (_, audit) = call(&app, Method::GET, "/api/audit?limit=5000", None, None).await;
    let actions: Vec<&str> = audit
        .as_array()
        .map(|a| a.iter().filter_map(|r| r["action"].as_str()).collect())
        .unwrap_or_default();
    assert!(actions.contains(&"module.grant") && actions.contains(&"module.revoke"));
    app.running.shutdown().await;
}
both_backends!(a_module_role_grants_what_it_names);
