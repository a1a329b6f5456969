//! Files attached to module records (the engine's attachments), end to
//! end on both backends: a file is checked by its content and size, stored
//! with its SHA-256 and audited; a role that may read the record but not
//! download gets 403; the bytes come back identical, from another instance
//! of the cluster too; removing the file or its record removes the bytes.

use reqwest::Method;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::both_backends;
use crate::helpers::{Backend, TOKEN, TestApp, add_user, login, start_with};
use crate::modules::{app_with_library, call, enable};

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n";
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0";

async fn upload(app: &TestApp, path: &str, name: &str, bytes: &[u8]) -> (u16, Value) {
    let r = app
        .http
        .post(format!("{}{path}?nom={name}", app.base))
        .bearer_auth(TOKEN)
        .header("content-type", "application/octet-stream")
        .body(bytes.to_vec())
        .send()
        .await
        .expect("upload");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn rules(body: &Value) -> Vec<String> {
    body["violations"]
        .as_array()
        .map(|v| {
            v.iter()
                .map(|e| {
                    format!(
                        "{} {}",
                        e["rule"].as_str().unwrap_or(""),
                        e["message"].as_str().unwrap_or("")
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

pub(crate) async fn audit_actions(app: &TestApp) -> Vec<String> {
    let r = app
        .http
        .get(format!("{}/api/audit?limit=5000", app.base))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("audit");
    let rows: Vec<Value> = r.json().await.expect("rows");
    rows.iter()
        .filter_map(|r| r["action"].as_str().map(str::to_string))
        .collect()
}

async fn files_are_checked_stored_and_served(backend: Backend) {
    let Some(app) = app_with_library(backend, "attachments").await else {
        return;
    };
    enable(&app).await;
    let (s, book) = call(
        &app,
        Method::POST,
        "/api/m/biblio/livre",
        Some(json!({"titre": "Les Misérables"})),
        None,
    )
    .await;
    assert_eq!(s, 201, "{book}");
    let id = book["id"].as_i64().expect("id");
    let files = format!("/api/m/biblio/livre/{id}/files");

    // Refused, each with its rule, nothing stored.
    let (s, b) = upload(&app, &files, "scan.pdf", PNG).await;
    assert_eq!(s, 422, "{b}");
    assert!(
        rules(&b).iter().any(|r| r.starts_with("file_type ")
            && r.contains("« .pdf » mais le contenu est de type image/png")),
        "{b}"
    );
    let (s, b) = upload(&app, &files, "gros.txt", &vec![b'a'; 4097]).await;
    assert_eq!(s, 422, "{b}");
    assert!(
        rules(&b)
            .iter()
            .any(|r| r.contains("5 Ko, au-delà de la limite de 4 Ko")),
        "{b}"
    );
    let (s, b) = upload(&app, &files, "vide.txt", b"").await;
    assert_eq!(s, 422, "{b}");
    assert!(rules(&b).iter().any(|r| r.starts_with("empty ")), "{b}");
    let (s, b) = upload(&app, &files, "x.bin", b"\x00\x01\x02binary").await;
    assert_eq!(s, 422, "{b}");
    let (s, listed) = call(&app, Method::GET, &files, None, None).await;
    assert_eq!(s, 200);
    assert_eq!(listed, json!([]), "nothing stored");

    // A PDF: stored with its SHA-256, audited.
    let (s, file) = upload(&app, &files, "acte%20d%27achat.pdf", PDF).await;
    assert_eq!(s, 201, "{file}");
    let sha = Sha256::digest(PDF)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>();
    assert_eq!(file["sha256"], sha.as_str());
    assert_eq!(file["media_type"], "application/pdf");
    assert_eq!(file["file_name"], "acte d'achat.pdf");
    assert_eq!(file["size"], PDF.len());
    let file_id = file["id"].as_i64().expect("file id");
    let (_, listed) = call(&app, Method::GET, &files, None, None).await;
    assert_eq!(listed.as_array().map(Vec::len), Some(1));
    assert!(
        audit_actions(&app)
            .await
            .iter()
            .any(|a| a == "module.biblio.livre.file_add")
    );

    // The desk may read the book, not download its file.
    add_user(&app, "guichet", "desk", &[]).await;
    let desk = login(&app, "guichet").await;
    let one = format!("{files}/{file_id}");
    let r = app
        .http
        .get(format!("{}{one}", app.base))
        .header("cookie", &desk.cookie)
        .send()
        .await
        .expect("download");
    assert_eq!(r.status(), 403);
    let r = app
        .http
        .get(format!("{}/api/m/biblio/livre/{id}", app.base))
        .header("cookie", &desk.cookie)
        .send()
        .await
        .expect("read");
    assert_eq!(r.status(), 200);

    // The administrator downloads the same bytes, from any instance.
    let download = |base: String| async move {
        let r = reqwest::Client::new()
            .get(format!("{base}{}", one_path(id, file_id)))
            .bearer_auth(TOKEN)
            .send()
            .await
            .expect("download");
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], "application/pdf");
        assert_eq!(
            r.headers()["x-content-sha256"].to_str().unwrap_or(""),
            format!(
                "sha-256={}",
                Sha256::digest(PDF)
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect::<String>()
            )
        );
        assert!(
            r.headers()["content-disposition"]
                .to_str()
                .unwrap_or("")
                .starts_with("attachment;")
        );
        r.bytes().await.expect("bytes").to_vec()
    };
    assert_eq!(download(app.base.clone()).await, PDF);
    if backend == Backend::Postgres {
        let other = start_with(&app.database_url, app_config()).await;
        assert_eq!(download(other.base.clone()).await, PDF);
        other.running.shutdown().await;
    }
    assert!(
        audit_actions(&app)
            .await
            .iter()
            .any(|a| a == "module.biblio.livre.export")
    );

    // The desk's screens: the administrator joins a file from the record's
    // screen and downloads it from there; the desk sees its name only.
    add_user(&app, "archives", "admin", &[]).await;
    let admin = login(&app, "archives").await;
    let screen = format!("/desk/m/biblio/livre/{id}");
    let body = crate::imports_form::multipart(
        &[("csrf", admin.csrf.as_str())],
        &[("file", "plan.png", PNG)],
    );
    let r = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .post(format!("{}{screen}/files", app.base))
        .header("cookie", &admin.cookie)
        .header(
            "content-type",
            format!(
                "multipart/form-data; boundary={}",
                crate::imports_form::BOUNDARY
            ),
        )
        .body(body)
        .send()
        .await
        .expect("desk upload");
    assert_eq!(r.status(), 303);
    let page = |cookie: String| {
        let (http, url) = (app.http.clone(), format!("{}{screen}?joint=1", app.base));
        async move {
            http.get(url)
                .header("cookie", cookie)
                .send()
                .await
                .expect("screen")
                .text()
                .await
                .unwrap_or_default()
        }
    };
    let html = page(admin.cookie.clone()).await;
    assert!(
        html.contains("Fichier joint.") && html.contains("plan.png"),
        "{html}"
    );
    let link = format!("{screen}/files/");
    assert!(html.contains(&format!("href=\"{link}")), "{html}");
    let html = page(desk.cookie.clone()).await;
    assert!(
        html.contains("plan.png") && !html.contains(&format!("href=\"{link}")),
        "{html}"
    );
    let (_, listed) = call(&app, Method::GET, &files, None, None).await;
    let png_id = listed[1]["id"].as_i64().expect("second file");
    let r = app
        .http
        .get(format!("{}{screen}/files/{png_id}", app.base))
        .header("cookie", &admin.cookie)
        .send()
        .await
        .expect("desk download");
    assert_eq!(r.headers()["content-type"], "image/png");
    assert_eq!(r.bytes().await.expect("bytes").as_ref(), PNG);
    let (s, _) = call(
        &app,
        Method::DELETE,
        &format!("{files}/{png_id}"),
        None,
        None,
    )
    .await;
    assert_eq!(s, 204);

    // Removed: the file, then (with a second one) its record.
    let (s, _) = call(&app, Method::DELETE, &one, None, None).await;
    assert_eq!(s, 204);
    let (_, listed) = call(&app, Method::GET, &files, None, None).await;
    assert_eq!(listed, json!([]));
    let (s, _) = call(&app, Method::DELETE, &one, None, None).await;
    assert_eq!(s, 404);
    let (s, again) = upload(&app, &files, "note.txt", b"une note\n").await;
    assert_eq!(s, 201, "{again}");
    let (s, _) = call(
        &app,
        Method::DELETE,
        &format!("/api/m/biblio/livre/{id}"),
        None,
        book["version"].as_i64(),
    )
    .await;
    assert_eq!(s, 204);
    let table = "m_biblio_livre_files";
    let mut conn = app.store.acquire().await.expect("conn");
    let left: i64 = sqlx::Row::get(
        &sqlx::query(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&mut *conn)
            .await
            .expect("count"),
        0,
    );
    assert_eq!(left, 0, "the record's files went with it");
    drop(conn);
    app.running.shutdown().await;
}
both_backends!(files_are_checked_stored_and_served);

fn one_path(id: i64, file_id: i64) -> String {
    format!("/api/m/biblio/livre/{id}/files/{file_id}")
}

fn app_config() -> urne::app::Config {
    urne::app::Config {
        modules: std::sync::Arc::new(
            module_engine::Catalog::new(vec![crate::modules::library()]).expect("sound module"),
        ),
        ..urne::app::Config::default()
    }
}
