//! Login throttling without lockout (issue 19): an attacker who fails
//! 1,000 times on one account from 10 addresses gets those 10 addresses
//! refused, not the account; its owner, from an 11th address, logs in. The
//! addresses come through the trusted proxy's `X-Forwarded-For` (the
//! server trusts 127.0.0.1, where the test connects from). The slowdown is
//! set to zero (refusals still happen), so nothing here waits.

use serde_json::{Value, json};
use urne::app::Config;
use urne::auth::throttle::ThrottlePolicy;

use crate::both_backends;
use crate::helpers::{Backend, PASSWORD, TOKEN, TestApp, add_user, fresh_database, start_with};

async fn login_from(app: &TestApp, addr: &str, password: &str) -> reqwest::Response {
    app.http
        .post(format!("{}/api/login", app.base))
        .header("x-forwarded-for", addr)
        .json(&json!({ "username": "alice", "password": password }))
        .send()
        .await
        .expect("login")
}

async fn audit_rows(app: &TestApp) -> Vec<Value> {
    let r = app
        .http
        .get(format!("{}/api/audit?limit=1000", app.base))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("audit");
    assert_eq!(r.status(), 200);
    let rows: Value = r.json().await.expect("json");
    rows.as_array().cloned().unwrap_or_default()
}

fn details(row: &Value) -> Value {
    row["new_value"]
        .as_str()
        .and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or(Value::Null)
}

async fn no_lockout(backend: Backend) {
    let Some(db) = fresh_database(backend, "throttle_no_lockout").await else {
        return;
    };
    let config = Config {
        trusted_proxies: vec!["127.0.0.1/32".parse().expect("cidr")],
        throttle: ThrottlePolicy::without_delay(),
        ..Config::default()
    };
    let mut app = start_with(&db, config).await;
    add_user(&app, "alice", "desk", &[]).await;
    let attackers: Vec<String> = (1..=10).map(|i| format!("203.0.113.{i}")).collect();

    // 1,000 failures, 100 from each address, the addresses in parallel.
    let mut tasks = Vec::new();
    for addr in attackers.clone() {
        let http = app.http.clone();
        let base = app.base.clone();
        tasks.push(tokio::spawn(async move {
            let mut statuses = Vec::new();
            for _ in 0..100 {
                let r = http
                    .post(format!("{base}/api/login"))
                    .header("x-forwarded-for", &addr)
                    .json(&json!({ "username": "alice", "password": "pas le bon" }))
                    .send()
                    .await
                    .expect("login");
                if r.status() == 429 {
                    assert!(r.headers().contains_key("retry-after"), "{addr}");
                }
                statuses.push(r.status().as_u16());
            }
            (addr, statuses)
        }));
    }
    for t in tasks {
        let (addr, statuses) = t.await.expect("task");
        assert!(
            statuses.iter().all(|s| *s == 401 || *s == 429),
            "{addr}: {statuses:?}"
        );
        assert_eq!(
            statuses.iter().filter(|s| **s == 401).count(),
            ThrottlePolicy::default().pair_limit,
            "{addr}: each pair is checked pair_limit times, then refused"
        );
        assert_eq!(statuses.last(), Some(&429), "{addr}");
    }

    // The owner, from an address that has not failed, logs in.
    let r = login_from(&app, "198.51.100.7", PASSWORD).await;
    assert_eq!(r.status(), 200, "the owner elsewhere is not locked out");

    // The 10 addresses are refused, even with the right password.
    for addr in &attackers {
        let r = login_from(&app, addr, PASSWORD).await;
        assert_eq!(r.status(), 429, "{addr}");
        let body: Value = r.json().await.expect("json");
        assert_eq!(body["error"], "throttled", "{body}");
    }

    // The audit log shows each pair refused, and the account slowed.
    let rows = audit_rows(&app).await;
    let mut refused: Vec<String> = rows
        .iter()
        .filter(|r| r["action"] == "login.pair_refused")
        .map(|r| {
            let d = details(r);
            assert_eq!(d["username"], "alice", "{r}");
            d["address"].as_str().unwrap_or_default().to_string()
        })
        .collect();
    refused.sort();
    let mut expected = attackers.clone();
    expected.sort();
    assert_eq!(refused, expected);
    assert!(
        rows.iter()
            .any(|r| r["action"] == "login.account_slowed" && details(r)["username"] == "alice"),
        "the account slowed is audited"
    );

    // `urne user unlock alice`, from another process, clears it.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_urne"))
        .args(["user", "unlock", "alice", "--database-url", &db])
        .output()
        .expect("urne user unlock");
    assert!(out.status.success(), "{out:?}");
    let r = login_from(&app, &attackers[0], PASSWORD).await;
    assert_eq!(r.status(), 200, "unlocked");
    assert!(
        audit_rows(&app)
            .await
            .iter()
            .any(|r| r["action"] == "user.unlock" && r["actor"] == "cli")
    );

    app.running.shutdown().await;
    app.db = Some(db);
}
both_backends!(no_lockout);

/// Without a trusted proxy, `X-Forwarded-For` is ignored: a client cannot
/// escape its refusal by naming another address.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_forwarded_for_is_ignored() {
    let Some(db) = fresh_database(Backend::Sqlite, "throttle_forged").await else {
        return;
    };
    let config = Config {
        throttle: ThrottlePolicy::without_delay(),
        ..Config::default()
    };
    let mut app = start_with(&db, config).await;
    add_user(&app, "alice", "desk", &[]).await;
    for i in 0..ThrottlePolicy::default().pair_limit {
        let r = login_from(&app, &format!("203.0.113.{i}"), "pas le bon").await;
        assert_eq!(r.status(), 401);
    }
    let r = login_from(&app, "198.51.100.7", PASSWORD).await;
    assert_eq!(r.status(), 429, "every try came from 127.0.0.1");
    app.running.shutdown().await;
    app.db = Some(db);
}
