//! `urne backup` and `urne restore` end to end: a copy taken while the
//! server runs, restored into a fresh path, verifies its audit chain and
//! serves the same results; the refusals (existing FILE, non-empty target,
//! PostgreSQL) write nothing.

use std::path::Path;
use std::process::Output;

use crate::helpers::{Backend, fresh_database, sample_pv_json, start, temp_dir};

async fn urne(args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_urne"))
            .args(&args)
            .env_remove("DATABASE_URL")
            .env("RUST_LOG", "warn")
            .output()
            .expect("run urne")
    })
    .await
    .expect("join urne")
}

fn text(out: &Output) -> String {
    format!(
        "status {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// `urne COMMAND FILE --database-url URL [EXTRA…]`, the shape of every
/// backup and restore call below.
async fn urne_on(command: &str, file: &Path, url: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        command.to_string(),
        path_str(file),
        "--database-url".to_string(),
        url.to_string(),
    ];
    args.extend(extra.iter().map(|a| a.to_string()));
    urne(args).await
}

fn path_str(p: &Path) -> String {
    p.to_str().expect("utf-8 path").to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_while_serving_restores_the_same_results() {
    let Some(db) = fresh_database(Backend::Sqlite, "backup_restore").await else {
        return;
    };
    let app = start(&db).await;
    let id = app.define_sample().await;
    for i in 0..5 {
        let (code, _, pv) = sample_pv_json(i, 11 + i as u64);
        app.enter_and_publish(&id, &code, &pv).await;
    }
    let results = format!("/api/elections/{id}/results");
    let (status, before) = app.get_text(&results).await;
    assert_eq!(status, 200, "{before}");

    let dir = temp_dir("backup");
    let file = dir.path().join("urne-backup.db");
    // The server is running and keeps its connections open.
    let out = urne_on("backup", &file, &db, &[]).await;
    assert!(out.status.success(), "{}", text(&out));
    assert!(file.is_file(), "{}", text(&out));

    // FILE exists: refused, and left as it was.
    let size = std::fs::metadata(&file).expect("backup").len();
    let out = urne_on("backup", &file, &db, &[]).await;
    assert!(!out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("existe déjà"), "{}", text(&out));
    assert_eq!(std::fs::metadata(&file).expect("backup").len(), size);

    let restored = dir.path().join("restored").join("urne.db");
    std::fs::create_dir_all(restored.parent().expect("parent")).expect("mkdir");
    let restored_url = format!("sqlite://{}", restored.display());
    let out = urne_on("restore", &file, &restored_url, &[]).await;
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("1 élection"), "{}", text(&out));

    let out = urne(vec![
        "audit".into(),
        "verify".into(),
        "--database-url".into(),
        restored_url.clone(),
    ])
    .await;
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("intact"), "{}", text(&out));

    // A non-empty target is refused without --force, accepted with it.
    let out = urne_on("restore", &file, &restored_url, &[]).await;
    assert!(!out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("--force"), "{}", text(&out));
    let out = urne_on("restore", &file, &restored_url, &["--force"]).await;
    assert!(out.status.success(), "{}", text(&out));

    let second = start(&restored_url).await;
    let (status, after) = second.get_text(&results).await;
    assert_eq!(status, 200, "{after}");
    assert_eq!(before, after, "the restored server serves the same results");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restore_refuses_a_file_that_is_not_an_urne_database() {
    let dir = temp_dir("backup-bad");
    let file = dir.path().join("notes.txt");
    std::fs::write(&file, "pas une base").expect("write");
    let target = dir.path().join("urne.db");
    let out = urne_on(
        "restore",
        &file,
        &format!("sqlite://{}", target.display()),
        &[],
    )
    .await;
    assert!(!out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("n'est pas une base SQLite"),
        "{}",
        text(&out)
    );
    assert!(!target.exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_backup_points_to_pg_dump() {
    let Some(db) = fresh_database(Backend::Postgres, "backup_postgres").await else {
        return;
    };
    let dir = temp_dir("backup-pg");
    let file = dir.path().join("urne.dump");
    let out = urne_on("backup", &file, &db, &[]).await;
    assert!(!out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("pg_dump --format=custom"),
        "{}",
        text(&out)
    );
    assert!(!file.exists(), "no half-done file");
}
