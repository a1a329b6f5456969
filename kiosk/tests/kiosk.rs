//! The kiosk alone, with no server to follow (a terminal started offline):
//! it serves its touch home, the public pages of the election on disk, its
//! assets and the live WebSocket, and nothing else. The login, the desk and
//! the whole write API answer 404, and no answer carries an internal
//! error's text. (Following a real server: tests/e2e/kiosk_follow.rs.)

use std::path::PathBuf;

fn temp_dir(what: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("urne-{what}-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&d).expect("dir");
    d
}

/// Removes the kiosk's state folder when the test ends, passed or not.
struct Cleanup(PathBuf);

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Texts that only an internal error would put in a response.
const INTERNAL: [&str; 6] = [
    "Missing request extension",
    "Extension of type",
    "ConnectInfo",
    "sqlx",
    "panicked",
    "kiosk-local.db",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_kiosk_serves_the_public_side_only() {
    let state_dir = temp_dir("kiosk-alone");
    let _cleanup = Cleanup(state_dir.clone());
    let e = election_data::fixtures::sample_commune();
    let id = e.id.clone();
    kiosk::mirror::Mirror::new(e.clone())
        .save(&state_dir)
        .expect("mirror on disk");
    let k = kiosk::start(kiosk::Config {
        // Nothing listens there: the kiosk stays offline.
        server: "http://127.0.0.1:9".into(),
        elections: vec![id.clone()],
        listen: "127.0.0.1:0".into(),
        state_dir: state_dir.clone(),
        rotation_seconds: 10,
        idle_seconds: 60,
        lang: "fr".into(),
    })
    .await
    .expect("kiosk");
    let base = format!("http://{}", k.addr);
    let client = reqwest::Client::new();
    let call = |method: reqwest::Method, path: String| {
        let req = client.request(method, format!("{base}{path}"));
        async move {
            let r = req
                .header("content-type", "application/json")
                .body("{}")
                .send()
                .await
                .expect("request");
            let status = r.status().as_u16();
            (status, r.text().await.unwrap_or_default())
        }
    };
    use reqwest::Method;
    let bureau = &e.bureaux[0].code;
    let served = [
        (Method::GET, "/".to_string()),
        (Method::GET, format!("/elections/{id}")),
        (Method::GET, format!("/en/elections/{id}/participation")),
        (Method::GET, format!("/elections/{id}/bureaux/{bureau}")),
        (Method::GET, "/assets/urne.css".to_string()),
        (Method::GET, "/kiosk/status".to_string()),
        (Method::GET, format!("/api/elections/{id}/results")),
    ];
    for (method, path) in served {
        let (status, body) = call(method.clone(), path.clone()).await;
        assert_eq!(status, 200, "{method} {path}: {body}");
        for text in INTERNAL {
            assert!(!body.contains(text), "{method} {path} says {text}: {body}");
        }
    }
    let refused = [
        (Method::GET, "/login".to_string()),
        (Method::POST, "/login".to_string()),
        (Method::GET, "/desk".to_string()),
        (Method::GET, format!("/desk/elections/{id}")),
        (Method::POST, "/api/login".to_string()),
        (Method::POST, "/api/login/code".to_string()),
        (Method::GET, "/api/openapi.json".to_string()),
        (Method::GET, "/api/elections".to_string()),
        (Method::POST, "/api/elections".to_string()),
        (Method::GET, format!("/api/elections/{id}")),
        (
            Method::GET,
            format!("/api/elections/{id}/results?view=desk"),
        ),
        (
            Method::PUT,
            format!("/api/elections/{id}/bureaux/{bureau}/pv"),
        ),
        (
            Method::POST,
            format!("/api/elections/{id}/bureaux/{bureau}/publish"),
        ),
        (Method::POST, "/api/users".to_string()),
        (Method::GET, "/api/audit".to_string()),
        (Method::GET, format!("/api/elections/{id}/export/ministry")),
        (Method::GET, "/ws/elections/unknown".to_string()),
        (Method::GET, "/elections/unknown".to_string()),
    ];
    for (method, path) in refused {
        let (status, body) = call(method.clone(), path.clone()).await;
        assert_eq!(status, 404, "{method} {path}: {body}");
        for text in INTERNAL {
            assert!(!body.contains(text), "{method} {path} says {text}: {body}");
        }
    }
    // The live WebSocket without an upgrade: a plain refusal, no internals.
    let (status, body) = call(Method::GET, format!("/ws/elections/{id}")).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("websocket_required"), "{body}");
    assert!(
        !state_dir.join("kiosk-local.db").exists(),
        "the kiosk opens no database"
    );
    k.stop();
}
