//! Sessions under control (issue 19): the accounts' live sessions listed
//! with where they came from, one or all revoked, an account disabled
//! (its sessions end at once, on another instance too) and enabled, and a
//! password change that ends the account's other sessions. Through the
//! JSON API with the API token, and the desk's accounts screen.

use serde_json::{Value, json};
use urne::app::Config;
use urne::auth::throttle::ThrottlePolicy;

use crate::both_backends;
use crate::helpers::{
    Backend, PASSWORD, Session, TOKEN, TestApp, add_user, fresh_database, session_from, start_with,
};

fn no_redirect() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

fn config() -> Config {
    Config {
        trusted_proxies: vec!["127.0.0.1/32".parse().expect("cidr")],
        throttle: ThrottlePolicy::without_delay(),
        ..Config::default()
    }
}

async fn login_from(app: &TestApp, user: &str, password: &str, addr: &str) -> Session {
    let r = app
        .http
        .post(format!("{}/api/login", app.base))
        .header("x-forwarded-for", addr)
        .json(&json!({ "username": user, "password": password }))
        .send()
        .await
        .expect("login");
    assert_eq!(r.status(), 200, "{user} from {addr}");
    let s = session_from(&r, "");
    let body: Value = r.json().await.expect("json");
    Session {
        csrf: body["csrf"].as_str().expect("csrf").to_string(),
        ..s
    }
}

/// Whether the session still opens the desk (a dead one is sent to /login).
async fn alive(app: &TestApp, s: &Session) -> bool {
    let r = no_redirect()
        .get(format!("{}/desk", app.base))
        .header("cookie", &s.cookie)
        .send()
        .await
        .expect("desk");
    r.status() == 200
}

async fn admin(app: &TestApp, method: reqwest::Method, path: &str) -> (u16, Value) {
    let r = app
        .http
        .request(method, format!("{}/api{path}", app.base))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("request");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn alice(app: &TestApp) -> Value {
    let (s, users) = admin(app, reqwest::Method::GET, "/users").await;
    assert_eq!(s, 200, "{users}");
    users
        .as_array()
        .and_then(|a| a.iter().find(|u| u["username"] == "alice"))
        .cloned()
        .unwrap_or(Value::Null)
}

async fn sessions_under_control(backend: Backend) {
    let Some(db) = fresh_database(backend, "sessions_under_control").await else {
        return;
    };
    let mut app = start_with(&db, config()).await;
    // A second instance on the same database.
    let other = start_with(&db, config()).await;
    add_user(&app, "alice", "desk", &[]).await;
    add_user(&app, "root", "admin", &[]).await;

    let a = login_from(&app, "alice", PASSWORD, "198.51.100.1").await;
    let b = login_from(&app, "alice", PASSWORD, "198.51.100.2").await;
    let c = login_from(&other, "alice", PASSWORD, "198.51.100.3").await;
    let listed = alice(&app).await;
    let mut from: Vec<&str> = listed["sessions"]
        .as_array()
        .map(|s| s.iter().filter_map(|s| s["client_addr"].as_str()).collect())
        .unwrap_or_default();
    from.sort_unstable();
    assert_eq!(
        from,
        ["198.51.100.1", "198.51.100.2", "198.51.100.3"],
        "{listed}"
    );
    assert_eq!(listed["disabled"], false);

    // Revoke one: the one opened from .3, on the other instance.
    let id = listed["sessions"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["client_addr"] == "198.51.100.3"))
        .and_then(|s| s["id"].as_str())
        .expect("session id")
        .to_string();
    assert!(alive(&other, &c).await);
    let (s, body) = admin(
        &app,
        reqwest::Method::DELETE,
        &format!("/users/alice/sessions/{id}"),
    )
    .await;
    assert_eq!((s, body["ended"].as_u64()), (200, Some(1)), "{body}");
    assert!(!alive(&other, &c).await, "revoked on every instance");
    assert!(alive(&app, &a).await && alive(&app, &b).await);
    let (s, _) = admin(
        &app,
        reqwest::Method::DELETE,
        &format!("/users/alice/sessions/{id}"),
    )
    .await;
    assert_eq!(s, 404, "already revoked");

    // A password change ends the other sessions, not the one changing it.
    let r = app
        .http
        .post(format!("{}/api/password", app.base))
        .header("cookie", &a.cookie)
        .header("x-csrf-token", &a.csrf)
        .json(&json!({ "current_password": PASSWORD, "new_password": "un tout nouveau mot de passe" }))
        .send()
        .await
        .expect("password");
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.expect("json");
    assert_eq!(body["ended"], 1, "{body}");
    assert!(
        alive(&app, &a).await,
        "the session that changed it lives on"
    );
    assert!(!alive(&app, &b).await, "the other one ended");

    // Disabling ends every session at once, on every instance; no login.
    let d = login_from(
        &other,
        "alice",
        "un tout nouveau mot de passe",
        "198.51.100.4",
    )
    .await;
    let (s, body) = admin(&app, reqwest::Method::POST, "/users/alice/disable").await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(body["disabled"], true);
    assert_eq!(body["sessions"], json!([]));
    assert!(!alive(&app, &a).await);
    assert!(!alive(&other, &d).await);
    let r = other
        .http
        .post(format!("{}/api/login", other.base))
        .json(&json!({ "username": "alice", "password": "un tout nouveau mot de passe" }))
        .send()
        .await
        .expect("login");
    assert_eq!(r.status(), 401, "a disabled account cannot log in");
    let (s, _) = admin(&app, reqwest::Method::POST, "/users/alice/enable").await;
    assert_eq!(s, 200);
    let a = login_from(
        &other,
        "alice",
        "un tout nouveau mot de passe",
        "198.51.100.5",
    )
    .await;
    let (s, body) = admin(&app, reqwest::Method::DELETE, "/users/alice/sessions").await;
    assert_eq!((s, body["ended"].as_u64()), (200, Some(1)), "{body}");
    assert!(!alive(&other, &a).await);
    let (s, _) = admin(&app, reqwest::Method::POST, "/users/nobody/disable").await;
    assert_eq!(s, 404);

    // The desk's accounts screen: admin only, linked from the home page.
    let root = login_from(&app, "root", PASSWORD, "192.0.2.9").await;
    let home = app
        .http
        .get(format!("{}/desk", app.base))
        .header("cookie", &root.cookie)
        .send()
        .await
        .expect("home");
    assert!(
        home.text()
            .await
            .unwrap_or_default()
            .contains("/desk/users")
    );
    let page = app
        .http
        .get(format!("{}/desk/users", app.base))
        .header("cookie", &root.cookie)
        .send()
        .await
        .expect("users page");
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap_or_default();
    assert!(
        html.contains("alice") && html.contains("192.0.2.9"),
        "{html}"
    );
    let bob = login_from(
        &app,
        "alice",
        "un tout nouveau mot de passe",
        "198.51.100.6",
    )
    .await;
    let r = no_redirect()
        .get(format!("{}/desk/users", app.base))
        .header("cookie", &bob.cookie)
        .send()
        .await
        .expect("users page");
    assert_eq!(r.status(), 403, "desk, not admin");
    // Disabling from the screen (with the CSRF token) ends alice's session.
    let r = no_redirect()
        .post(format!("{}/desk/users/alice/disable", app.base))
        .header("cookie", &root.cookie)
        .form(&[("csrf", root.csrf.as_str())])
        .send()
        .await
        .expect("disable");
    assert_eq!(r.status(), 303);
    assert!(!alive(&app, &bob).await);
    let r = no_redirect()
        .post(format!("{}/desk/users/alice/enable", app.base))
        .header("cookie", &root.cookie)
        .form(&[("csrf", "wrong")])
        .send()
        .await
        .expect("enable");
    assert_eq!(r.status(), 403, "without the CSRF token");

    // Every step is in the audit log.
    let r = app
        .http
        .get(format!("{}/api/audit?limit=100", app.base))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("audit");
    let rows: Value = r.json().await.expect("json");
    let actions: Vec<&str> = rows
        .as_array()
        .map(|r| r.iter().filter_map(|r| r["action"].as_str()).collect())
        .unwrap_or_default();
    for action in [
        "session.revoke",
        "user.password",
        "user.disable",
        "user.enable",
    ] {
        assert!(actions.contains(&action), "{action}: {actions:?}");
    }

    other.running.shutdown().await;
    app.running.shutdown().await;
    app.db = Some(db);
}
both_backends!(sessions_under_control);
