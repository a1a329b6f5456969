//! The map of the night in a real browser: the commune page's map colours
//! a bureau as its procès-verbal is published, without a reload, exactly as
//! a fresh load draws it; a click on the bureau opens its page. And the
//! screenshots to look at: the sample commune's map (generated contours),
//! the tile-grid fallback, the big screen's map slide and the kiosk in
//! portrait (into `$URNE_SCREENSHOTS` when set, see `scripts/screenshots.sh`).

use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Value, json};

use crate::browser::{Browser, browser};
use crate::helpers::{Backend, TOKEN, TestApp, sample_pv_json, spawn_app};

const SECS: Duration = Duration::from_secs(20);

/// Every bureau of every map on the page: code, fill, class and title.
const MAP: &str = r#"
return Array.prototype.map.call(document.querySelectorAll('svg.map [data-map-bureau]'), function (a) {
  var p = a.querySelector('path'), t = p.querySelector('title');
  return a.dataset.mapBureau + ' ' + p.getAttribute('fill') + ' ' + p.getAttribute('class') + ' ' + (t ? t.textContent : '');
});
"#;

async fn import_contours(app: &TestApp, id: &str) {
    let r = app
        .http
        .put(format!("{}/api/elections/{id}/contours", app.base))
        .bearer_auth(TOKEN)
        .header("content-type", "application/geo+json")
        .body(election_data::fixtures::SAMPLE_CONTOURS)
        .send()
        .await
        .expect("put contours");
    assert_eq!(r.status(), 200);
}

async fn publish(app: &TestApp, id: &str, index: usize) -> String {
    let (code, _, pv) = sample_pv_json(index, 40 + index as u64);
    app.enter_and_publish(id, &code, &pv).await;
    code
}

async fn map_of(b: &Browser) -> Vec<Value> {
    b.execute(MAP, vec![])
        .await
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_commune_map_colours_a_published_bureau_live_and_opens_its_page() {
    let Some(b) =
        browser("the_commune_map_colours_a_published_bureau_live_and_opens_its_page").await
    else {
        return;
    };
    let app = spawn_app(Backend::Sqlite, "map_browser")
        .await
        .expect("sqlite");
    let id = app.define_sample().await;
    import_contours(&app, &id).await;
    publish(&app, &id, 0).await;

    b.goto(&format!("{}/elections/{id}", app.base)).await;
    b.wait_until(
        "return !!(window.urneLive && window.urneLive.held());",
        "the live script holds the page's integers",
        SECS,
    )
    .await;
    let path = "svg.map [data-map-bureau=\"0007\"] path";
    let before = b
        .execute(
            "var p = document.querySelector(arguments[0]); return p.getAttribute('class');",
            vec![json!(path)],
        )
        .await;
    assert_eq!(before, json!("na"), "bureau 7 has not arrived: hatched");
    // A mark that a reload would wipe.
    b.execute("window.urneNotReloaded = true; return true;", vec![])
        .await;

    // Bureau 7 is published, then five more: the map follows each.
    publish(&app, &id, 6).await;
    b.wait_until(
        &format!(
            "var p = document.querySelector('{}'); return p.getAttribute('class') !== 'na';",
            path.replace('\'', "\\'")
        ),
        "bureau 7 is coloured on the map",
        SECS,
    )
    .await;
    for i in 10..15 {
        publish(&app, &id, i).await;
    }
    let (_, snapshot) = app.get_json(&format!("/api/elections/{id}/results")).await;
    let seq = snapshot["seq"].as_i64().expect("seq");
    b.wait_until(
        &format!("return document.querySelector('main[data-election]').dataset.seq === '{seq}';"),
        "the page reached the last change",
        SECS,
    )
    .await;
    assert_eq!(
        b.execute("return window.urneNotReloaded === true;", vec![])
            .await,
        json!(true),
        "no reload"
    );
    let live = map_of(&b).await;
    assert_eq!(live.len(), 34);
    let seven = live
        .iter()
        .find(|l| l.as_str().is_some_and(|s| s.starts_with("0007 ")))
        .and_then(Value::as_str)
        .expect("bureau 7")
        .to_string();
    assert!(seven.contains(" en tête, "), "{seven}");
    assert!(
        seven.starts_with("0007 #") && !seven.contains(" na "),
        "{seven}"
    );

    // What the deltas drew is what a fresh load draws.
    b.goto(&format!("{}/elections/{id}", app.base)).await;
    let fresh = map_of(&b).await;
    assert_eq!(live, fresh);

    // A click on the bureau opens its page.
    b.client
        .find(fantoccini::Locator::Css(path))
        .await
        .expect("bureau 7 on the map")
        .click()
        .await
        .expect("click");
    let deadline = tokio::time::Instant::now() + SECS;
    loop {
        let url = b.client.current_url().await.expect("url");
        if url.path() == format!("/elections/{id}/bureaux/0007") {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the click opens the bureau's page: {url}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    b.close().await;
    app.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn screenshots_of_the_map() {
    let Some(b) = browser("screenshots_of_the_map").await else {
        return;
    };
    let dir = std::env::var_os("URNE_SCREENSHOTS").map_or_else(
        || std::env::temp_dir().join(format!("urne-map-shots-{}", uuid::Uuid::new_v4().simple())),
        PathBuf::from,
    );
    let app = spawn_app(Backend::Sqlite, "map_shots")
        .await
        .expect("sqlite");
    let id = app.define_sample().await;
    import_contours(&app, &id).await;
    // The municipales of the same commune, without contours: the tile grid.
    let m = election_data::fixtures::sample_municipales();
    let (s, body) = app
        .post("/api/elections", &serde_json::to_value(&m).expect("json"))
        .await;
    assert_eq!(s, 201, "{body}");
    for i in 0..21 {
        publish(&app, &id, i).await;
        let bureau = &m.bureaux[i];
        let pv = election_data::fixtures::sample_pv(&m, bureau, 90 + i as u64);
        let pv = serde_json::to_value(&pv).expect("json");
        app.enter_and_publish(&m.id, &bureau.code, &pv).await;
    }

    let state_dir = crate::helpers::temp_dir("map-kiosk");
    let k = kiosk::start(kiosk::Config {
        server: app.base.clone(),
        elections: vec![id.clone()],
        listen: "127.0.0.1:0".into(),
        state_dir: state_dir.path().to_path_buf(),
        rotation_seconds: 10,
        idle_seconds: 600,
        lang: "fr".into(),
    })
    .await
    .expect("kiosk");
    let kiosk = format!("http://{}", k.addr);

    let shots = [
        (
            "map-commune",
            app.base.clone(),
            format!("/elections/{id}/carte"),
            (1280u32, 1000u32),
        ),
        (
            "map-grid",
            app.base.clone(),
            format!("/elections/{}/carte", m.id),
            (1280, 1000),
        ),
        (
            "map-ecran",
            app.base.clone(),
            format!("/elections/{id}/ecran?diapo=map"),
            (1920, 1080),
        ),
        (
            "map-kiosk-portrait",
            kiosk.clone(),
            format!("/elections/{id}/carte"),
            (1080, 1920),
        ),
        (
            "map-phone",
            app.base.clone(),
            format!("/elections/{id}"),
            (360, 800),
        ),
    ];
    for (name, base, path, (w, h)) in &shots {
        b.resize(*w, *h).await;
        let deadline = tokio::time::Instant::now() + SECS;
        loop {
            b.goto(&format!("{base}{path}")).await;
            let ready = b
                .execute(
                    "return document.querySelectorAll('svg.map [data-map-bureau] path:not(.na)').length > 0;",
                    vec![],
                )
                .await;
            if ready == json!(true) {
                break;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{name}: no bureau coloured"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        if name == &"map-phone" {
            b.execute(
                "document.getElementById('h-map').scrollIntoView(); return true;",
                vec![],
            )
            .await;
        }
        let file = dir.join(format!("{name}-{w}x{h}.png"));
        b.screenshot(&file).await;
        let png = std::fs::read(&file).expect("png");
        assert!(
            png.starts_with(b"\x89PNG") && png.len() > 5_000,
            "{}",
            file.display()
        );
    }
    if std::env::var_os("URNE_SCREENSHOTS").is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    } else {
        let _ = std::io::Write::write_all(
            &mut std::io::stderr(),
            format!("screenshots written to {}\n", dir.display()).as_bytes(),
        );
    }
    b.close().await;
    app.running.shutdown().await;
}
