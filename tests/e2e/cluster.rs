//! Several instances on one PostgreSQL database: each follows the change
//! log, so that what is written on one is served, live, by all; any accepts
//! writes, and the database's version check decides between them.

use std::time::Duration;

use futures_util::StreamExt;
use serde_json::{Value, json};

use crate::helpers::{
    Backend, PASSWORD, TOKEN, TestApp, Ws, add_user, fresh_database, sample_pv_json, start,
};

/// The next frame's text (not a bare `seq` frame is not skipped: every
/// frame counts), within 20 s.
async fn next_text(ws: &mut Ws) -> String {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(20), ws.next())
            .await
            .expect("a frame within 20 s")
            .expect("stream open")
            .expect("frame");
        if let tokio_tungstenite::tungstenite::Message::Text(t) = msg {
            return t.as_str().to_string();
        }
    }
}

fn seq_of(text: &str) -> i64 {
    let v: Value = serde_json::from_str(text).expect("JSON frame");
    v["seq"].as_i64().expect("seq")
}

/// Polls `path` on `app` until `ready` holds for its JSON (20 s at most).
async fn until_json(app: &TestApp, path: &str, ready: impl Fn(u16, &Value) -> bool) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let (s, v) = app.get_json(path).await;
        if ready(s, &v) {
            return v;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{}{path} never got there: {s} {v}",
            app.base
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn put_pv_if_match(
    app: &TestApp,
    id: &str,
    code: &str,
    pv: &Value,
    version: i64,
) -> (u16, Value) {
    let r = app
        .http
        .put(format!("{}/api/elections/{id}/bureaux/{code}/pv", app.base))
        .bearer_auth(TOKEN)
        .header("If-Match", format!("\"{version}\""))
        .json(pv)
        .send()
        .await
        .expect("request");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_instances_on_one_database_serve_the_same_night() {
    let Some(db) = fresh_database(Backend::Postgres, "three_instances_on_one_database").await
    else {
        return;
    };
    let (a, b, c) = (start(&db).await, start(&db).await, start(&db).await);

    // Defined through A, served by B and C.
    let id = a.define_sample().await;
    let results = format!("/api/elections/{id}/results");
    for other in [&b, &c] {
        until_json(other, &results, |s, _| s == 200).await;
    }

    // Subscribers on A and C; a PV entered on B reaches both, same seq,
    // same bytes.
    let mut on_a = a.ws(&id, None).await;
    let mut on_c = c.ws(&id, None).await;
    assert_eq!(seq_of(&next_text(&mut on_a).await), 0);
    assert_eq!(seq_of(&next_text(&mut on_c).await), 0);
    let (code, _, pv) = sample_pv_json(0, 11);
    b.enter_and_publish(&id, &code, &pv).await;
    // Frames cover `from..=seq` (coalesced when a queue held several): the
    // same range is the same bytes on both instances.
    let mut by_range = std::collections::HashMap::<(i64, i64), String>::new();
    for ws in [&mut on_a, &mut on_c] {
        let mut seen = 0;
        while seen < 3 {
            let f = next_text(ws).await;
            let v: Value = serde_json::from_str(&f).expect("JSON frame");
            let from = v["from"].as_i64().unwrap_or(seen + 1);
            seen = crate::helpers::advance(seen, &v);
            let known = by_range.entry((from, seen)).or_insert_with(|| f.clone());
            assert_eq!(*known, f, "the same frame on every instance");
        }
    }
    // The results, public and desk, are the same on all three.
    let mine = until_json(&b, &results, |s, v| s == 200 && v["seq"] == 3).await;
    for other in [&a, &c] {
        let theirs = until_json(other, &results, |s, v| s == 200 && v["seq"] == 3).await;
        assert_eq!(theirs, mine);
    }
    let (_, page) = c.get_text(&format!("/elections/{id}")).await;
    let (_, page_b) = b.get_text(&format!("/elections/{id}")).await;
    assert_eq!(page, page_b, "the same public page");

    // Two desks correct the same bureau at once, through A and C, from the
    // same version: exactly one wins, the other is told the real version
    // and saves once it has reloaded.
    let (_, pv_a, mut json_a) = sample_pv_json(0, 12);
    let (_, _, mut json_c) = sample_pv_json(0, 13);
    json_a["confirm"] = json!(true);
    json_c["confirm"] = json!(true);
    let (ra, rc) = tokio::join!(
        put_pv_if_match(&a, &id, &code, &json_a, 3),
        put_pv_if_match(&c, &id, &code, &json_c, 3)
    );
    let statuses = [ra.0, rc.0];
    assert!(
        statuses.contains(&200) && statuses.contains(&409),
        "one wins, one is refused: {ra:?} {rc:?}"
    );
    let (winner, loser, loser_json) = if ra.0 == 200 {
        (&ra, &rc, &json_c)
    } else {
        (&rc, &ra, &json_a)
    };
    let won = winner.1["version"].as_i64().expect("version");
    assert_eq!(loser.1["current_version"], won, "{}", loser.1);
    let loser_app = if ra.0 == 200 { &c } else { &a };
    let (s, retried) = put_pv_if_match(loser_app, &id, &code, loser_json, won).await;
    assert_eq!(s, 200, "{retried}");
    let _ = pv_a;

    // Accounts and sessions are the database's: made on A, used on B and C.
    add_user(&a, "centrale", "desk", &[]).await;
    let r = b
        .http
        .post(format!("{}/api/login", b.base))
        .json(&json!({ "username": "centrale", "password": PASSWORD }))
        .send()
        .await
        .expect("login");
    assert_eq!(r.status(), 200);
    let session = crate::helpers::session_from(&r, "");
    let r = c
        .http
        .get(format!("{}/api/audit", c.base))
        .header("cookie", &session.cookie)
        .send()
        .await
        .expect("audit");
    assert_eq!(r.status(), 200, "a session opened on B is known to C");

    for app in [a, b, c] {
        app.running.shutdown().await;
    }
}

#[test]
fn a_second_server_on_the_same_sqlite_file_is_refused() {
    use std::io::BufRead;
    use std::process::{Command, Stdio};
    let dir = crate::helpers::temp_dir("sqlite-twice");
    let db = format!("sqlite://{}", dir.path().join("urne.db").display());
    let serve = |port: u16| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_urne"));
        cmd.args(["serve", "--database-url", &db])
            .arg("--listen")
            .arg(format!("127.0.0.1:{port}"))
            .env("URNE_API_TOKEN", TOKEN)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd
    };
    let mut first = serve(0).spawn().expect("first server");
    let out = first.stdout.take().expect("stdout");
    let mut lines = std::io::BufReader::new(out).lines();
    assert!(
        lines
            .next()
            .and_then(Result::ok)
            .is_some_and(|l| l.starts_with("Urne: http://")),
        "the first server starts"
    );
    let second = serve(0).output().expect("second server");
    let _ = first.kill();
    let _ = first.wait();
    assert!(
        !second.status.success(),
        "a second server on the same file must not start"
    );
    let err = String::from_utf8_lossy(&second.stderr);
    assert!(
        err.contains("already uses the SQLite file") && err.contains("PostgreSQL"),
        "{err}"
    );
}
