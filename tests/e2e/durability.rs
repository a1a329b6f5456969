//! Acknowledged means durable: kill -9 the real `urne` process right after
//! its 200s, restart it on the same database, and find every entry.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::both_backends;
use crate::helpers::{Backend, TOKEN, fresh_database, sample_pv_json};

struct Server {
    child: Child,
    base: String,
}

fn start(database_url: &str) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_urne"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--database-url",
            database_url,
        ])
        .env("URNE_API_TOKEN", TOKEN)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start urne");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let base = loop {
        let line = lines
            .next()
            .expect("urne printed its address")
            .expect("read line");
        if let Some(url) = line.strip_prefix("Urne: ") {
            break url.trim_end_matches('/').to_string();
        }
    };
    Server { child, base }
}

async fn acknowledged_entries_survive_kill_9(backend: Backend) {
    let Some(url) = fresh_database(backend, "acknowledged_entries_survive_kill_9").await else {
        return;
    };
    let http = reqwest::Client::new();
    let mut server = start(&url);
    let e = election_data::fixtures::sample_commune();
    let r = http
        .post(format!("{}/api/elections", server.base))
        .bearer_auth(TOKEN)
        .json(&e)
        .send()
        .await
        .expect("define");
    assert_eq!(r.status().as_u16(), 201);

    // Acknowledge 12 PVs, firing them concurrently, then kill at once.
    let mut acked = Vec::new();
    let mut pending = Vec::new();
    for i in 0..12 {
        let (code, pv, body) = sample_pv_json(i, 100 + i as u64);
        let req = http
            .put(format!(
                "{}/api/elections/{}/bureaux/{code}/pv",
                server.base, e.id
            ))
            .bearer_auth(TOKEN)
            .json(&body)
            .send();
        pending.push(async move { (code, pv, req.await) });
    }
    for (code, pv, resp) in futures_util::future::join_all(pending).await {
        let resp = resp.expect("response");
        if resp.status().as_u16() == 200 {
            acked.push((code, pv));
        }
    }
    server.child.kill().expect("kill -9"); // SIGKILL on Unix
    server.child.wait().expect("reap");
    assert_eq!(acked.len(), 12);

    let mut server = start(&url);
    let results: Value = http
        .get(format!(
            "{}/api/elections/{}/results?view=desk",
            server.base, e.id
        ))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("results")
        .json()
        .await
        .expect("json");
    assert_eq!(results["seq"], 12);
    assert_eq!(results["perimeters"]["COMMUNE"]["arrived"], 12);
    for (code, pv) in &acked {
        let b = &results["bureaux"][code];
        assert_eq!(b["state"], "entered", "{code}");
        assert_eq!(b["version"], 1, "{code}");
        assert_eq!(b["tally"]["counts"]["votants"], pv.votants, "{code}");
        assert_eq!(b["tally"]["counts"]["exprimes"], pv.exprimes, "{code}");
    }
    let total: i64 = acked.iter().map(|(_, pv)| pv.votants).sum();
    assert_eq!(results["perimeters"]["COMMUNE"]["counts"]["votants"], total);
    server.child.kill().expect("kill");
    server.child.wait().expect("reap");
    tokio::time::sleep(Duration::from_millis(10)).await;
}
both_backends!(acknowledged_entries_survive_kill_9);

#[test]
fn demo_plays_a_whole_night() {
    let tmp = crate::helpers::temp_dir("demo");
    let dir = tmp.path();
    let out = Command::new(env!("CARGO_BIN_EXE_urne"))
        .args([
            "demo",
            "--listen",
            "127.0.0.1:0",
            "--duration",
            "3",
            "--exit-when-done",
            "--database-url",
            &format!("sqlite://{}", dir.join("demo.db").display()),
        ])
        .output()
        .expect("run demo");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("procès-verbal REFUSÉ (422)"), "{stdout}");
    assert!(stdout.contains("voix_sum_exprimes"), "{stdout}");
    assert!(
        stdout.contains("34 procès-verbaux acceptés, 1 refusé puis corrigé"),
        "{stdout}"
    );
    // The municipal election and the circonscription of four communes
    // play beside it without a refusal.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stdout.contains("/elections/legislatives-2027-29-02-t1"),
        "{stdout}"
    );
    assert!(
        !stderr.contains("circonscription:") && !stderr.contains("municipales:"),
        "{stderr}"
    );
}
