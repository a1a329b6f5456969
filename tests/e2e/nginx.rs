//! Three real `urne serve` processes on one PostgreSQL database behind a real
//! nginx (Debian's package), started on random ports with the deploy files
//! (`deploy/nginx/urne-http.conf`, `urne-locations.conf`) included as they
//! are, only their paths replaced. Without nginx the test is skipped, saying
//! so, except in CI (`.ci/run` installs it).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use futures_util::StreamExt;
use serde_json::Value;
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::{Backend, TOKEN, fresh_database, sample_pv_json, skipped, temp_dir};

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn nginx_exe(test: &str) -> Option<PathBuf> {
    for p in ["/usr/sbin/nginx", "/usr/bin/nginx"] {
        if Path::new(p).is_file() {
            return Some(PathBuf::from(p));
        }
    }
    let in_ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    assert!(
        !in_ci,
        "{test}: nginx is required in CI (apt-get install nginx)"
    );
    skipped(
        test,
        "nginx is not installed; apt-get install nginx to run it",
    );
    None
}

/// One `urne serve` process, killed (SIGKILL) on drop.
struct Instance {
    child: Child,
    base: String,
}

impl Instance {
    fn start(db: &str, static_dir: Option<&Path>) -> Instance {
        let port = free_port();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_urne"));
        // Three live connections each: the test fills them up.
        cmd.args(["serve", "--tls", "off", "--trusted-proxy", "127.0.0.1"])
            .args(["--max-subscribers", "3"])
            .arg("--listen")
            .arg(format!("127.0.0.1:{port}"))
            .arg("--database-url")
            .arg(db)
            .env("URNE_API_TOKEN", TOKEN)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        if let Some(dir) = static_dir {
            cmd.arg("--static-dir").arg(dir);
        }
        let mut child = cmd.spawn().expect("urne serve");
        let out = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(out).lines();
        for line in lines.by_ref() {
            if line.expect("server output").starts_with("Urne: http://") {
                break;
            }
        }
        std::thread::spawn(move || lines.for_each(drop));
        Instance {
            child,
            base: format!("http://127.0.0.1:{port}"),
        }
    }

    fn port(&self) -> &str {
        self.base.rsplit(':').next().unwrap_or_default()
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.kill();
    }
}

/// nginx on a random port in front of `instances`, with the deploy files.
struct Nginx {
    child: Child,
    base: String,
    _dir: tempfile::TempDir,
}

impl Nginx {
    fn start(exe: &Path, instances: &[&Instance], static_dir: &Path) -> Nginx {
        let dir = temp_dir("nginx");
        let d = dir.path();
        let deploy = Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/nginx");
        let read = |name: &str| std::fs::read_to_string(deploy.join(name)).expect("deploy file");
        let http = read("urne-http.conf").replace(
            "/var/cache/nginx/urne",
            &d.join("cache").display().to_string(),
        );
        let locations = read("urne-locations.conf")
            .replace("/var/lib/urne/static", &static_dir.display().to_string());
        std::fs::write(d.join("urne-http.conf"), http).expect("write");
        std::fs::write(d.join("urne-locations.conf"), locations).expect("write");
        let port = free_port();
        let upstream: String = instances
            .iter()
            .map(|i| {
                format!(
                    "        server 127.0.0.1:{} max_fails=1 fail_timeout=5s;\n",
                    i.port()
                )
            })
            .collect();
        let conf = format!(
            "daemon off;\nworker_processes 1;\npid {d}/nginx.pid;\nerror_log {d}/error.log warn;\n\
             events {{ worker_connections 1024; }}\n\
             http {{\n    access_log off;\n    client_body_temp_path {d}/body;\n    proxy_temp_path {d}/proxy;\n\
             fastcgi_temp_path {d}/fastcgi;\n    uwsgi_temp_path {d}/uwsgi;\n    scgi_temp_path {d}/scgi;\n\
             include {d}/urne-http.conf;\n    upstream urne {{\n{upstream}        keepalive 16;\n    }}\n\
             upstream urne_login {{\n        hash $remote_addr consistent;\n{upstream}    }}\n\
             server {{\n        listen 127.0.0.1:{port};\n        include {d}/urne-locations.conf;\n    }}\n}}\n",
            d = d.display()
        );
        std::fs::write(d.join("nginx.conf"), conf).expect("write nginx.conf");
        let child = Command::new(exe)
            .arg("-p")
            .arg(d)
            .arg("-c")
            .arg(d.join("nginx.conf"))
            .arg("-e")
            .arg(d.join("error.log"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start nginx");
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(std::time::Instant::now() < deadline, "nginx did not listen");
            std::thread::sleep(Duration::from_millis(20));
        }
        Nginx {
            child,
            base: format!("http://127.0.0.1:{port}"),
            _dir: dir,
        }
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The next text frame, or None when the connection ended.
async fn next_text(ws: &mut Ws) -> Option<String> {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(20), ws.next())
            .await
            .expect("a frame or the end within 20 s");
        match msg {
            Some(Ok(Message::Text(t))) => return Some(t.as_str().to_string()),
            Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return None,
            Some(Ok(_)) => {}
        }
    }
}

fn seq_of(text: &str) -> i64 {
    let v: Value = serde_json::from_str(text).expect("JSON frame");
    v["seq"].as_i64().expect("seq")
}

async fn until_ok(http: &reqwest::Client, url: &str) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(r) = http.get(url).send().await
            && r.status() == 200
        {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{url} never answered 200"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn enter_and_publish(http: &reqwest::Client, base: &str, id: &str, index: usize, seed: u64) {
    let (code, _, mut pv) = sample_pv_json(index, seed);
    pv["confirm"] = Value::Bool(true);
    let url = format!("{base}/api/elections/{id}/bureaux/{code}");
    let r = http
        .put(format!("{url}/pv"))
        .bearer_auth(TOKEN)
        .json(&pv)
        .send()
        .await
        .expect("pv");
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
    for action in ["validate", "publish"] {
        let r = http
            .post(format!("{url}/{action}"))
            .bearer_auth(TOKEN)
            .json(&serde_json::json!({}))
            .send()
            .await
            .expect("step");
        assert_eq!(r.status(), 200, "{action}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_instances_behind_nginx_one_killed_then_all() {
    let test = "three_instances_behind_nginx_one_killed_then_all";
    let Some(exe) = nginx_exe(test) else {
        return;
    };
    let Some(db) = fresh_database(Backend::Postgres, test).await else {
        return;
    };
    let statics = temp_dir("static");
    let mut a = Instance::start(&db, None);
    let mut b = Instance::start(&db, None);
    let mut c = Instance::start(&db, Some(statics.path()));
    let nginx = Nginx::start(&exe, &[&a, &b, &c], statics.path());
    let http = reqwest::Client::new();

    // Defined through nginx (one instance), served by every instance.
    let e = election_data::fixtures::sample_commune();
    let id = e.id.clone();
    let r = http
        .post(format!("{}/api/elections", nginx.base))
        .bearer_auth(TOKEN)
        .json(&e)
        .send()
        .await
        .expect("define");
    assert_eq!(r.status(), 201);
    for i in [&a, &b, &c] {
        until_ok(&http, &format!("{}/api/elections/{id}/results", i.base)).await;
    }

    // Six subscribers through nginx (spread over the instances); a PV
    // entered on B reaches them all with the same seqs and bytes.
    let ws_url = format!("{}/ws/elections/{id}", nginx.base.replace("http", "ws"));
    let mut subs = Vec::new();
    for _ in 0..6 {
        let (mut ws, _) = tokio_tungstenite::connect_async(&ws_url)
            .await
            .expect("ws through nginx");
        assert_eq!(seq_of(&next_text(&mut ws).await.expect("snapshot")), 0);
        subs.push(ws);
    }
    enter_and_publish(&http, &b.base, &id, 0, 21).await;
    // Each frame covers `from..=seq` (several changes when a subscriber's
    // queue held them): the same range is the same bytes on every instance.
    let mut by_range = std::collections::HashMap::<(i64, i64), String>::new();
    for ws in &mut subs {
        let mut seen = 0;
        while seen < 3 {
            let f = next_text(ws).await.expect("a change");
            let v: Value = serde_json::from_str(&f).expect("JSON frame");
            let from = v["from"].as_i64().unwrap_or(seen + 1);
            seen = crate::helpers::advance(seen, &v);
            let known = by_range.entry((from, seen)).or_insert_with(|| f.clone());
            assert_eq!(*known, f, "the same bytes everywhere");
        }
    }

    // A login through nginx (the logins' upstream, by client address), and
    // its session used through nginx on whichever instance.
    let r = http
        .post(format!("{}/api/users", nginx.base))
        .bearer_auth(TOKEN)
        .json(&serde_json::json!({ "username": "centrale", "password": crate::helpers::PASSWORD, "role": "desk", "bureaux": [] }))
        .send()
        .await
        .expect("user");
    assert_eq!(r.status(), 201);
    let r = http
        .post(format!("{}/api/login", nginx.base))
        .json(&serde_json::json!({ "username": "centrale", "password": crate::helpers::PASSWORD }))
        .send()
        .await
        .expect("login");
    assert_eq!(r.status(), 200);
    let session = crate::helpers::session_from(&r, "");
    for _ in 0..3 {
        let r = http
            .get(format!("{}/api/audit", nginx.base))
            .header("cookie", &session.cookie)
            .send()
            .await
            .expect("audit");
        assert_eq!(r.status(), 200, "the session on every instance");
    }

    // The page through nginx, revalidated with its ETag.
    let page_url = format!("{}/elections/{id}", nginx.base);
    let r = http.get(&page_url).send().await.expect("page");
    assert_eq!(r.status(), 200);
    let etag = r
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .expect("an ETag through nginx")
        .to_string();
    let r = http
        .get(&page_url)
        .header("if-none-match", &etag)
        .send()
        .await
        .expect("page");
    assert_eq!(r.status(), 304);

    // A is killed while a desk writes on it: each write it acknowledged is
    // on the other instances; its subscribers are cut, reconnect through
    // nginx and resume after their last seq, no gap.
    let writer = {
        let (http, base, id) = (http.clone(), a.base.clone(), id.clone());
        tokio::spawn(async move {
            let mut acked = Vec::new();
            for index in 2..34 {
                let (code, _, pv) = sample_pv_json(index, 21);
                let sent = http
                    .put(format!("{base}/api/elections/{id}/bureaux/{code}/pv"))
                    .bearer_auth(TOKEN)
                    .json(&pv)
                    .send()
                    .await;
                match sent {
                    Ok(r) if r.status() == 200 => acked.push(code),
                    _ => break,
                }
            }
            acked
        })
    };
    // The kill lands while the writes go on (once the first is in).
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let r = http
            .get(format!("{}/api/elections/{id}/results?view=desk", b.base))
            .bearer_auth(TOKEN)
            .send()
            .await
            .expect("results");
        let v: Value = r.json().await.unwrap_or(Value::Null);
        if v["seq"].as_i64().unwrap_or(0) > 5 {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "no write on A");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    a.kill();
    let acked = writer.await.expect("writer");
    assert!(acked.len() < 32, "the kill came mid-stream");
    // Each acknowledged write is in the database, and B, once at the
    // database's seq, holds every entry of the log.
    let store = urne::store::Store::connect(&db).await.expect("store");
    let rows = store.load_bureaux(&id).await.expect("bureaux");
    for code in &acked {
        assert!(
            rows.iter()
                .any(|r| &r.code == code && r.dossier.meta.version >= 1),
            "acknowledged write on bureau {code} not stored"
        );
    }
    let written = store.seq(&id).await.expect("seq");
    store.close().await;
    assert!(written >= 3 + acked.len() as i64);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let r = http
            .get(format!("{}/api/elections/{id}/results", b.base))
            .send()
            .await
            .expect("results");
        let v: Value = r.json().await.unwrap_or(Value::Null);
        if v["seq"].as_i64() == Some(written) {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "B never reached seq {written}: {}",
            v["seq"]
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    enter_and_publish(&http, &b.base, &id, 1, 21).await;
    let last = written + 3;
    let mut resumed = 0;
    for ws in &mut subs {
        let mut seq = 3;
        while seq < last {
            match next_text(ws).await {
                Some(f) => {
                    let v: Value = serde_json::from_str(&f).expect("JSON frame");
                    seq = crate::helpers::advance(seq, &v);
                }
                None => {
                    resumed += 1;
                    // As the page's script does: again until an instance
                    // with room takes it.
                    let url = format!("{ws_url}?since={seq}");
                    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
                    *ws = loop {
                        match tokio_tungstenite::connect_async(&url).await {
                            Ok((ws, _)) => break ws,
                            Err(e) => assert!(
                                tokio::time::Instant::now() < deadline,
                                "reconnect through nginx: {e}"
                            ),
                        }
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    };
                }
            }
        }
    }
    assert!(resumed > 0, "nginx spread the subscribers: some were on A");

    // B and C hold the six (three each, their capacity): one more is
    // refused with 503 and Retry-After through nginx, while the pages are
    // served and the desk writes, and the six receive the change.
    match tokio_tungstenite::connect_async(&ws_url).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(r)) => {
            assert_eq!(r.status(), 503);
            assert!(r.headers().get("retry-after").is_some());
        }
        other => panic!(
            "a connection beyond capacity through nginx: {:?}",
            other.map(|_| ())
        ),
    }
    let r = http.get(&page_url).send().await.expect("page");
    assert_eq!(r.status(), 200);
    enter_and_publish(&http, &b.base, &id, 2, 22).await;
    for ws in &mut subs {
        let mut seen = last;
        while seen < last + 3 {
            let f = next_text(ws).await.expect("a change");
            let v: Value = serde_json::from_str(&f).expect("JSON frame");
            seen = crate::helpers::advance(seen, &v);
        }
    }

    // Every instance down: a page nginx has cached is served from its cache
    // (stale past its second), any other from the static copy.
    let (bureau, _, _) = sample_pv_json(0, 21);
    let page = format!("elections/{id}/bureaux/{bureau}/index.html");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while !statics.path().join(&page).is_file() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no static copy written"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    b.kill();
    c.kill();
    let r = http.get(&page_url).send().await.expect("page");
    assert_eq!(r.status(), 200);
    let cached = r
        .headers()
        .get("x-cache")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let from_static = r.headers().get("x-urne-static").is_some();
    assert!(
        matches!(cached.as_deref(), Some("HIT" | "STALE")) || from_static,
        "the cached page or the static copy: {cached:?}"
    );
    let r = http
        .get(format!(
            "{}/{}",
            nginx.base,
            page.trim_end_matches("/index.html")
        ))
        .send()
        .await
        .expect("bureau page");
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()
            .get("x-urne-static")
            .and_then(|v| v.to_str().ok()),
        Some("1"),
        "served from the static copy"
    );
    let text = r.text().await.unwrap_or_default();
    assert!(text.contains(&e.label), "the election's page");
}
