//! The public display, end to end: the results pages, the big screen and
//! the open feed, over HTTP and in a headless Chromium.
//!
//! HTTP tests check what every client relies on: pages cached per change
//! with validators (304), both languages, every page kind, the feed and its
//! `since=` form, and the static copy on disk. Browser tests (through
//! [`crate::browser`], skipped with a line on stderr where chromedriver is
//! missing, failing in CI) load the results page and the big screen, publish
//! a procès-verbal through the API and watch the figures change without a
//! reload; run axe-core on the main pages; and check the 360 px layout.
//! `screenshots_of_the_public_display` also writes screenshots, into
//! `$URNE_SCREENSHOTS` when set (see `scripts/screenshots.sh`).

use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Value, json};

use crate::browser::{Browser, browser};
use crate::helpers::{Backend, TestApp, sample_pv_json, spawn_app};

const SECS: Duration = Duration::from_secs(10);

async fn get(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut req = app.http.get(format!("{}{path}", app.base));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    req.send().await.expect("request")
}

fn header(r: &reqwest::Response, name: &str) -> String {
    r.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

/// Publishes the sample PV of bureau `index`; returns its code.
async fn publish(app: &TestApp, id: &str, index: usize) -> String {
    let (code, _, pv) = sample_pv_json(index, 40 + index as u64);
    app.enter_and_publish(id, &code, &pv).await;
    code
}

/// Reports turnout at the set hours for the first `n` bureaux.
async fn report_turnout(app: &TestApp, id: &str, n: usize) {
    let e = election_data::fixtures::sample_commune();
    for (i, b) in e.bureaux.iter().take(n).enumerate() {
        let pv = election_data::fixtures::sample_pv(&e, b, 40 + i as u64);
        let readings = election_data::fixtures::sample_turnout(&e, &pv, 40 + i as u64);
        let (s, body) = app
            .put(
                &format!("/api/elections/{id}/bureaux/{}/turnout", b.code),
                &json!({ "turnout": readings }),
            )
            .await;
        assert_eq!(s, 200, "{body}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_pages_are_rendered_once_per_change_and_revalidated() {
    let app = spawn_app(Backend::Sqlite, "pages_cache")
        .await
        .expect("sqlite");
    let id = app.define_sample().await;
    let page = format!("/elections/{id}");

    let r = get(&app, &page, &[]).await;
    assert_eq!(r.status(), 200);
    let etag = header(&r, "etag");
    assert!(etag.starts_with('"') && etag.len() > 10, "etag {etag:?}");
    assert_eq!(header(&r, "cache-control"), "public, max-age=2");
    assert!(!header(&r, "last-modified").is_empty());
    assert!(header(&r, "content-type").starts_with("text/html"));
    let body = r.text().await.expect("body");
    assert!(body.contains("Résultats provisoires"));

    // Same version: same bytes, and a conditional request is answered 304.
    let r = get(&app, &page, &[]).await;
    assert_eq!(header(&r, "etag"), etag);
    assert_eq!(r.text().await.expect("body"), body);
    let r = get(&app, &page, &[("if-none-match", &etag)]).await;
    assert_eq!(r.status(), 304);
    let lm = header(&get(&app, &page, &[]).await, "last-modified");
    let r = get(&app, &page, &[("if-modified-since", &lm)]).await;
    assert_eq!(r.status(), 304);

    // Compressed once, served with its own validator.
    let r = get(&app, &page, &[("accept-encoding", "gzip")]).await;
    assert_eq!(header(&r, "content-encoding"), "gzip");
    assert_eq!(header(&r, "vary"), "accept-encoding");
    let gz_len = r.bytes().await.expect("gzip body").len();
    assert!(gz_len * 3 < body.len(), "gzip {gz_len} vs {}", body.len());

    // A published change is a new version.
    publish(&app, &id, 0).await;
    let r = get(&app, &page, &[("if-none-match", &etag)]).await;
    assert_eq!(r.status(), 200);
    assert_ne!(header(&r, "etag"), etag);
    let body = r.text().await.expect("body");
    assert!(body.contains(
        "<strong data-f=\"arrived\">1</strong> bureaux sur <span data-f=\"total\">34</span>"
    ));
    app.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_public_page_exists_in_french_and_english() {
    let app = spawn_app(Backend::Sqlite, "pages_all")
        .await
        .expect("sqlite");
    let id = app.define_sample().await;
    let code = publish(&app, &id, 3).await;
    let pages = [
        format!("/elections/{id}"),
        format!("/elections/{id}/participation"),
        format!("/elections/{id}/perimetres/Q-CENTRE"),
        format!("/elections/{id}/bureaux/{code}"),
        format!("/elections/{id}/candidats/3"),
        format!("/elections/{id}/ecran"),
    ];
    for p in &pages {
        let (s, fr) = app.get_text(p).await;
        assert_eq!(s, 200, "{p}");
        assert!(fr.contains("<html lang=\"fr\""), "{p}");
        assert!(fr.contains("bureaux sur"), "{p}: no N bureaux sur M");
        assert!(
            fr.contains("Résultats provisoires"),
            "{p}: partial results not said"
        );
        let (s, en) = app.get_text(&format!("/en{p}")).await;
        assert_eq!(s, 200, "/en{p}");
        assert!(en.contains("<html lang=\"en\""), "/en{p}");
        assert!(en.contains("Provisional results"), "/en{p}");
        assert!(
            en.contains(" of ") && en.contains("polling stations"),
            "/en{p}"
        );
        let (_, q) = app.get_text(&format!("{p}?lang=en")).await;
        assert!(q.contains("<html lang=\"en\""), "{p}?lang=en");
    }
    let (s, home) = app.get_text("/").await;
    assert_eq!(s, 200);
    assert!(home.contains(&format!("href=\"/elections/{id}\"")));
    let (_, home_en) = app.get_text("/en/").await;
    assert!(home_en.contains(&format!("href=\"/en/elections/{id}\"")));

    // The candidate page has their score in the published bureau.
    let (_, cand) = app.get_text(&format!("/elections/{id}/candidats/3")).await;
    assert!(cand.contains("Score dans chaque bureau"));
    assert!(cand.contains("Meilleurs bureaux"));
    // Charts are SVG images with a text alternative.
    let (_, commune) = app.get_text(&format!("/elections/{id}")).await;
    assert!(commune.contains("<svg role=\"img\" aria-label=\"Pourcentage des exprimés"));
    let (_, part) = app
        .get_text(&format!("/elections/{id}/participation"))
        .await;
    assert!(part.contains("Participation par bureau"));

    for missing in [
        format!("/elections/{id}/candidats/99"),
        format!("/elections/{id}/candidats/abc"),
        format!("/elections/{id}/bureaux/nope"),
        format!("/en/elections/{id}/perimetres/nope"),
        "/elections/nope/ecran".to_string(),
    ] {
        let (s, _) = app.get_text(&missing).await;
        assert_eq!(s, 404, "{missing}");
    }
    // Unknown codes are not cached: the cache holds real pages only.
    let before = app.running.state.pages.len();
    for i in 0..50 {
        let _ = app.get_text(&format!("/elections/{id}/bureaux/x{i}")).await;
    }
    assert_eq!(app.running.state.pages.len(), before);
    app.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feed_gives_every_level_and_the_changes_since_a_sequence_number() {
    let app = spawn_app(Backend::Sqlite, "feed").await.expect("sqlite");
    let id = app.define_sample().await;
    let (s, feed) = app.get_json(&format!("/api/elections/{id}/feed")).await;
    assert_eq!(s, 200);
    assert_eq!(feed["format"], "urne-feed/1");
    assert_eq!(feed["type"], "snapshot");
    assert_eq!(
        (feed["arrived"].as_u64(), feed["total"].as_u64()),
        (Some(0), Some(34))
    );
    assert_eq!(feed["candidates"].as_array().map(Vec::len), Some(12));
    assert_eq!(feed["bureaux"].as_array().map(Vec::len), Some(34));
    let seq0 = feed["seq"].as_i64().expect("seq");

    let code = publish(&app, &id, 5).await;
    let (_, feed) = app.get_json(&format!("/api/elections/{id}/feed")).await;
    assert_eq!(feed["arrived"], 1);
    let b = feed["bureaux"]
        .as_array()
        .and_then(|v| v.iter().find(|b| b["code"] == code.as_str()))
        .expect("bureau in feed");
    assert_eq!(b["state"], "published");
    assert!(b["published_at"].as_str().is_some_and(|t| t.ends_with('Z')));
    assert_eq!(b["tally"]["arrived"], 1);
    let root = feed["perimeters"]
        .as_array()
        .and_then(|v| v.iter().find(|p| p["kind"] == "commune"))
        .expect("commune");
    assert_eq!(root["tally"]["arrived"], 1);

    // Incremental: the entry, validation and publication after seq0.
    let r = get(&app, &format!("/api/elections/{id}/feed?since={seq0}"), &[]).await;
    assert_eq!(header(&r, "access-control-allow-origin"), "*");
    let changes: Value = r.json().await.expect("json");
    assert_eq!(changes["type"], "changes");
    assert_eq!(changes["since"], seq0);
    assert_eq!(changes["seq"], feed["seq"]);
    let list = changes["changes"].as_array().expect("changes");
    assert_eq!(list.len(), 3, "{changes}");
    assert!(
        list.iter()
            .any(|c| c["type"] == "delta" && c["bureaux"][code.as_str()]["state"] == "published")
    );
    // Up to date: nothing. Too old (or nonsense): the whole snapshot.
    let seq = feed["seq"].as_i64().expect("seq");
    let (_, none) = app
        .get_json(&format!("/api/elections/{id}/feed?since={seq}"))
        .await;
    assert_eq!(none["changes"].as_array().map(Vec::len), Some(0));
    let (_, old) = app
        .get_json(&format!("/api/elections/{id}/feed?since=-5"))
        .await;
    assert_eq!(old["type"], "snapshot");
    let (s, _) = app.get_json("/api/elections/nope/feed").await;
    assert_eq!(s, 404);
    app.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn static_copy_is_written_after_each_change() {
    let app = spawn_app(Backend::Sqlite, "static_dir")
        .await
        .expect("sqlite");
    let id = app.define_sample().await;
    let tmp = crate::helpers::temp_dir("static");
    let dir = tmp.path().to_path_buf();
    let task = urne::pages::static_dir::spawn(app.running.state.clone(), dir.clone());
    let feed = dir.join(format!("api/elections/{id}/feed.json"));
    let arrived = |n: u64| {
        let feed = feed.clone();
        async move {
            for _ in 0..100 {
                if let Ok(bytes) = std::fs::read(&feed)
                    && let Ok(v) = serde_json::from_slice::<Value>(&bytes)
                    && v["arrived"] == n
                {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            panic!("{} never showed {n} bureaux", feed.display());
        }
    };
    arrived(0).await;
    let code = publish(&app, &id, 2).await;
    arrived(1).await;
    for f in [
        "index.html".to_string(),
        "en/index.html".to_string(),
        format!("elections/{id}/index.html"),
        format!("elections/{id}/ecran/index.html"),
        format!("elections/{id}/bureaux/{code}/index.html"),
        format!("en/elections/{id}/participation/index.html"),
        "assets/urne.css".to_string(),
        "assets/live.js".to_string(),
    ] {
        assert!(dir.join(&f).is_file(), "{f} missing");
    }
    // The commune page on disk shows the published bureau, like the live one.
    let page =
        std::fs::read_to_string(dir.join(format!("elections/{id}/index.html"))).expect("page");
    let (_, live) = app.get_text(&format!("/elections/{id}")).await;
    assert_eq!(page, live);
    assert!(page.contains("<strong data-f=\"arrived\">1</strong>"));
    task.abort();
    app.running.shutdown().await;
    let _ = std::fs::remove_dir_all(dir);
}

/// Installs a marker that a reload would wipe out.
async fn mark(b: &Browser) {
    b.execute("window.__urneNoReload = 42; return true;", vec![])
        .await;
}

async fn assert_not_reloaded(b: &Browser) {
    let v = b
        .execute("return window.__urneNoReload || null;", vec![])
        .await;
    assert_eq!(v, json!(42), "the page was reloaded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn results_page_and_big_screen_update_live_in_a_browser() {
    let Some(b) = browser("results_page_and_big_screen_update_live_in_a_browser").await else {
        return;
    };
    let app = spawn_app(Backend::Sqlite, "pages_live")
        .await
        .expect("sqlite");
    let id = app.define_sample().await;

    // The results page: a PV published through the API shows up in place.
    b.goto(&format!("{}/elections/{id}", app.base)).await;
    b.wait_for_text("[data-banner] [data-f=arrived]", "0", SECS)
        .await;
    mark(&b).await;
    let (code, pv, body) = sample_pv_json(0, 7);
    app.enter_and_publish(&id, &code, &body).await;
    b.wait_for_text("[data-banner] [data-f=arrived]", "1", SECS)
        .await;
    let votants = urne::pages::format::int(pv.votants as u64);
    b.wait_for_text("[data-tally] [data-f=votants]", &votants, SECS)
        .await;
    b.wait_for_text(
        &format!("tr[data-bureau=\"{code}\"] [data-f=state]"),
        "publié",
        SECS,
    )
    .await;
    // The chart region is refreshed from the (cached) page too.
    b.wait_until(
        "var s = document.querySelector('#chart-arrivals svg'); \
         return !!s && s.getAttribute('aria-label').indexOf('1 / 34') >= 0;",
        "the arrivals chart shows the new bureau",
        SECS,
    )
    .await;
    assert_not_reloaded(&b).await;

    // The big screen: complete from the server, then live.
    b.goto(&format!("{}/elections/{id}/ecran?periode=3", app.base))
        .await;
    b.wait_for_text("header [data-f=arrived]", "1", SECS).await;
    let first = election_data::fixtures::sample_commune().bureaux[0]
        .name
        .clone();
    b.wait_for_text("#slides .slide.current", &first, SECS)
        .await;
    mark(&b).await;
    let (code2, _, body2) = sample_pv_json(1, 8);
    app.enter_and_publish(&id, &code2, &body2).await;
    b.wait_for_text("header [data-f=arrived]", "2", SECS).await;
    // The bureau that just arrived is put on screen at once.
    let second = election_data::fixtures::sample_commune().bureaux[1]
        .name
        .clone();
    b.wait_for_text("#slides .slide.current", &second, SECS)
        .await;
    assert_not_reloaded(&b).await;
    // And the rotation moves on by itself.
    b.wait_for_text("#slides .slide.current", &first, Duration::from_secs(8))
        .await;
    b.close().await;
    app.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn main_pages_have_no_serious_accessibility_violation() {
    let Some(b) = browser("main_pages_have_no_serious_accessibility_violation").await else {
        return;
    };
    let app = spawn_app(Backend::Sqlite, "pages_axe")
        .await
        .expect("sqlite");
    let id = app.define_sample().await;
    report_turnout(&app, &id, 6).await;
    let code = publish(&app, &id, 0).await;
    publish(&app, &id, 4).await;
    // An early trend on the pages and the big screen too.
    let (trend, c100, _) = crate::trend::centaine_json(5, 45, 100);
    let base = format!("/api/elections/{id}/bureaux/{trend}");
    let (s, r) = app
        .put(
            &format!("{base}/centaines"),
            &json!({ "centaines": [c100] }),
        )
        .await;
    assert_eq!(s, 200, "{r}");
    let (s, r) = app.post(&format!("{base}/trend"), &json!({})).await;
    assert_eq!(s, 200, "{r}");
    let mut problems = Vec::new();
    for path in [
        format!("/elections/{id}"),
        format!("/elections/{id}/bureaux/{code}"),
        format!("/elections/{id}/bureaux/{trend}"),
        format!("/elections/{id}/ecran"),
        format!("/elections/{id}/ecran?diapo=t-{trend}"),
        format!("/elections/{id}/participation"),
        format!("/elections/{id}/candidats/7"),
        format!("/en/elections/{id}"),
        "/".to_string(),
    ] {
        for (w, h) in [(1920, 1080), (360, 800)] {
            b.resize(w, h).await;
            b.goto(&format!("{}{path}", app.base)).await;
            for v in b.serious_accessibility_violations().await {
                problems.push(format!("{path} at {w}px: {v}"));
            }
            if w == 360 && !path.ends_with("/ecran") {
                // Nothing wider than a phone: no sideways scrolling of the page.
                let wide = b
                    .execute("return document.documentElement.scrollWidth;", vec![])
                    .await;
                if wide.as_u64().is_none_or(|px| px > 360) {
                    let culprits = b
                        .execute(
                            "return Array.prototype.slice.call(document.querySelectorAll('body *'))\
                               .filter(function (e) { return e.getBoundingClientRect().right > 361; })\
                               .slice(-6).map(function (e) { return e.tagName + '.' + e.className + ' ' + \
                                 Math.round(e.getBoundingClientRect().right) + ': ' + e.textContent.slice(0, 40); });",
                            vec![],
                        )
                        .await;
                    panic!("{path} is {wide} px wide at 360: {culprits}");
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "accessibility:\n{}",
        problems.join("\n")
    );
    b.close().await;
    app.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn screenshots_of_the_public_display() {
    let Some(b) = browser("screenshots_of_the_public_display").await else {
        return;
    };
    let dir = std::env::var_os("URNE_SCREENSHOTS").map_or_else(
        || std::env::temp_dir().join(format!("urne-shots-{}", uuid::Uuid::new_v4().simple())),
        PathBuf::from,
    );
    let app = spawn_app(Backend::Sqlite, "screenshots")
        .await
        .expect("sqlite");
    let id = app.define_sample().await;
    report_turnout(&app, &id, 34).await;
    let mut bureau = String::new();
    for i in 0..21 {
        bureau = publish(&app, &id, i).await;
    }
    let shots = [
        ("commune", format!("/elections/{id}")),
        ("bureau", format!("/elections/{id}/bureaux/{bureau}")),
        ("ecran", format!("/elections/{id}/ecran")),
        ("participation", format!("/elections/{id}/participation")),
        ("candidat", format!("/elections/{id}/candidats/7")),
    ];
    for (w, h) in [(1920u32, 1080u32), (360, 800)] {
        b.resize(w, h).await;
        for (name, path) in &shots {
            b.goto(&format!("{}{path}", app.base)).await;
            b.wait_for_text("[data-banner] [data-f=arrived]", "21", SECS)
                .await;
            // Let the live script connect (the header's dot) before the shot.
            tokio::time::sleep(Duration::from_millis(400)).await;
            let file = dir.join(format!("{name}-{w}x{h}.png"));
            b.screenshot(&file).await;
            let png = std::fs::read(&file).expect("png");
            assert!(
                png.starts_with(b"\x89PNG") && png.len() > 5_000,
                "{}",
                file.display()
            );
        }
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

/// The candidates' names the current slide of bureau `code` shows whole
/// inside the rotation panel and the window, and whether it says « et N
/// autres »; null while another slide is on screen.
const SEEN_ON_SLIDE: &str = "var code = arguments[0];\
    var panel = document.querySelector('#slides'); if (!panel) return null;\
    var box = panel.getBoundingClientRect();\
    var s = document.querySelector('#slides .slide.current');\
    if (!s || (s.dataset.code !== code && s.dataset.code.indexOf(code + '~') !== 0)) return null;\
    var seen = [];\
    s.querySelectorAll('tbody th[scope=row]').forEach(function (th) {\
      var r = th.getBoundingClientRect();\
      if (r.height > 0 && r.top >= box.top - 1 && r.bottom <= box.bottom + 1 && r.bottom <= window.innerHeight + 1)\
        seen.push(th.textContent.trim());\
    });\
    var more = s.querySelector('p.more');\
    return { code: s.dataset.code, seen: seen, more: more ? more.textContent : null };";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_big_screen_shows_every_candidate_of_a_bureau() {
    let Some(b) = browser("the_big_screen_shows_every_candidate_of_a_bureau").await else {
        return;
    };
    let app = spawn_app(Backend::Sqlite, "ecran_every_candidate")
        .await
        .expect("sqlite");
    let id = app.define_sample().await;
    let e = election_data::fixtures::sample_commune();
    assert_eq!(e.candidates.len(), 12);
    let code = publish(&app, &id, 3).await;
    for (w, h) in [(1920u32, 1080u32), (1280, 720)] {
        b.resize(w, h).await;
        b.goto(&format!(
            "{}/elections/{id}/ecran?periode=2&diapo={code}",
            app.base
        ))
        .await;
        // Every candidate on screen at some point of the rotation: at once
        // on one slide, or over the bureau's slides, the first saying how
        // many more come.
        let mut seen = std::collections::BTreeSet::new();
        let mut slides = std::collections::BTreeSet::new();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        while seen.len() < e.candidates.len() {
            let v = b.execute(SEEN_ON_SLIDE, vec![json!(code)]).await;
            if let Some(names) = v["seen"].as_array() {
                let slide = v["code"].as_str().unwrap_or("").to_string();
                if slide == code && names.len() < e.candidates.len() {
                    let more = e.candidates.len() - names.len();
                    assert!(
                        v["more"]
                            .as_str()
                            .is_some_and(|m| m.contains(&format!("et {more} autres"))),
                        "at {w}x{h} the first slide shows {} candidates and does not say « et {more} autres »: {v}",
                        names.len()
                    );
                }
                slides.insert(slide);
                seen.extend(names.iter().filter_map(|n| n.as_str().map(str::to_string)));
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "at {w}x{h}, seen {seen:?} on slides {slides:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        for cand in &e.candidates {
            assert!(
                seen.iter().any(|s| s.contains(&cand.name)),
                "{} never shown at {w}x{h}",
                cand.name
            );
        }
        // Twelve candidates fit one slide: no « et N autres ».
        assert_eq!(slides.len(), 1, "{slides:?}");
    }
    // Without JavaScript the page is complete: the first slide is in the HTML.
    let (_, html) = app.get_text(&format!("/elections/{id}/ecran")).await;
    for cand in &e.candidates {
        assert!(html.contains(&cand.name), "{}", cand.name);
    }
    b.close().await;
    app.running.shutdown().await;
}

/// Screenshots of the early trend (commune page, bureau page, big screen)
/// and of the chart of a list with a long name, into `$URNE_SCREENSHOTS`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn screenshots_of_the_trend_and_of_long_list_names() {
    let Some(b) = browser("screenshots_of_the_trend_and_of_long_list_names").await else {
        return;
    };
    let dir = std::env::var_os("URNE_SCREENSHOTS").map_or_else(
        || std::env::temp_dir().join(format!("urne-shots-{}", uuid::Uuid::new_v4().simple())),
        PathBuf::from,
    );
    let app = spawn_app(Backend::Sqlite, "screenshots_trend")
        .await
        .expect("sqlite");
    let id = app.define_sample().await;
    report_turnout(&app, &id, 34).await;
    for i in 0..3 {
        publish(&app, &id, i).await;
    }
    let mut trend_code = String::new();
    for (i, at) in [(5usize, 100i64), (6, 200)] {
        let (code, c, _) = crate::trend::centaine_json(i, 40 + i as u64, at);
        let list = if at == 200 {
            let (_, c100, _) = crate::trend::centaine_json(i, 40 + i as u64, 100);
            json!([c100, c])
        } else {
            json!([c])
        };
        let base = format!("/api/elections/{id}/bureaux/{code}");
        let (s, r) = app
            .put(&format!("{base}/centaines"), &json!({ "centaines": list }))
            .await;
        assert_eq!(s, 200, "{r}");
        let (s, r) = app.post(&format!("{base}/trend"), &json!({})).await;
        assert_eq!(s, 200, "{r}");
        trend_code = code;
    }
    // A long list name for the chart.
    let mut m = election_data::fixtures::sample_municipales();
    m.candidates[0].name = "Valbonne en commun (Claire Durand-Lefèvre et ses colistiers)".into();
    let (s, r) = app
        .post("/api/elections", &serde_json::to_value(&m).expect("json"))
        .await;
    assert_eq!(s, 201, "{r}");
    for i in 0..4 {
        let pv = election_data::fixtures::sample_pv(&m, &m.bureaux[i], i as u64);
        app.enter_and_publish(
            &m.id,
            &m.bureaux[i].code,
            &serde_json::to_value(pv).expect("json"),
        )
        .await;
    }
    // Twenty candidates: the big screen says « et 8 autres » and shows them next.
    let mut many = election_data::fixtures::large_territory(6, 20);
    many.id = "vingt-candidats".into();
    let (s, r) = app
        .post(
            "/api/elections",
            &serde_json::to_value(&many).expect("json"),
        )
        .await;
    assert_eq!(s, 201, "{r}");
    let pv = election_data::fixtures::sample_pv(&many, &many.bureaux[0], 3);
    app.enter_and_publish(
        &many.id,
        &many.bureaux[0].code,
        &serde_json::to_value(pv).expect("json"),
    )
    .await;
    let first = many.bureaux[0].code.clone();
    let shots = [
        (
            "ecran-20-candidates-1",
            format!("/elections/{}/ecran?diapo={first}", many.id),
            "",
        ),
        (
            "ecran-20-candidates-2",
            format!("/elections/{}/ecran?diapo={first}~2", many.id),
            "",
        ),
        ("trend-commune", format!("/elections/{id}"), "#trend"),
        (
            "trend-bureau",
            format!("/elections/{id}/bureaux/{trend_code}"),
            "#trend",
        ),
        (
            "trend-ecran",
            format!("/elections/{id}/ecran?diapo=t-{trend_code}"),
            "",
        ),
        (
            "long-list-chart",
            format!("/elections/{}", m.id),
            "#h-charts",
        ),
    ];
    for (w, h) in [(1920u32, 1080u32), (360, 800)] {
        b.resize(w, h).await;
        for (name, path, anchor) in &shots {
            b.goto(&format!("{}{path}", app.base)).await;
            b.wait_until(
                "return !!document.querySelector('[data-live-status]:not(.offline)');",
                "the live script",
                SECS,
            )
            .await;
            if !anchor.is_empty() {
                b.execute(
                    "var e = document.querySelector(arguments[0]); if (e) e.scrollIntoView(); return true;",
                    vec![json!(anchor)],
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
    }
    // The chart never cuts the beginning of the name, and the full name is
    // the bar's title.
    let (_, html) = app.get_text(&format!("/elections/{}", m.id)).await;
    assert!(
        html.contains("<title>Valbonne en commun (Claire Durand-Lefèvre et ses colistiers) : ")
    );
    assert!(!html.contains("lbonne en commun (Cla…"));
    if std::env::var_os("URNE_SCREENSHOTS").is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    b.close().await;
    app.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trend_reaches_open_pages_live_and_the_result_replaces_it() {
    let Some(b) = browser("a_trend_reaches_open_pages_live_and_the_result_replaces_it").await
    else {
        return;
    };
    let app = spawn_app(Backend::Sqlite, "trend_live")
        .await
        .expect("sqlite");
    let id = app.define_sample().await;
    // A bureau already published: the big screen rotates through results.
    publish(&app, &id, 0).await;
    let (code, c100, pv) = crate::trend::centaine_json(2, 12, 100);
    let base = format!("/api/elections/{id}/bureaux/{code}");
    let (s, r) = app
        .put(
            &format!("{base}/centaines"),
            &json!({ "centaines": [c100] }),
        )
        .await;
    assert_eq!(s, 200, "{r}");
    let label = "Tendance sur les 100 premiers bulletins";
    let commune = b.current_tab().await;
    b.goto(&format!("{}/elections/{id}", app.base)).await;
    let screen = b.new_tab().await;
    b.switch_to(screen.clone()).await;
    // A slow rotation: only the jump to a new trend can put it on screen.
    b.goto(&format!("{}/elections/{id}/ecran?periode=600", app.base))
        .await;
    for tab in [&commune, &screen] {
        b.switch_to(tab.clone()).await;
        b.wait_until(
            "return !!document.querySelector('[data-live-status]:not(.offline)');",
            "the live script",
            SECS,
        )
        .await;
        mark(&b).await;
    }
    // The desk publishes the trend: both pages show it, without a reload.
    let (s, r) = app.post(&format!("{base}/trend"), &json!({})).await;
    assert_eq!(s, 200, "{r}");
    b.switch_to(commune.clone()).await;
    b.wait_for_text("#trend", label, SECS).await;
    assert_not_reloaded(&b).await;
    b.switch_to(screen.clone()).await;
    b.wait_for_text(
        &format!("#slides .slide.current[data-code=\"t-{code}\"]"),
        label,
        SECS,
    )
    .await;
    assert_not_reloaded(&b).await;
    // The result published: the trend gives way to it.
    app.enter_and_publish(&id, &code, &pv).await;
    b.switch_to(commune.clone()).await;
    b.wait_until(
        "var t = document.querySelector('#trend'); return !!t && t.textContent === '';",
        "the trend block emptied",
        SECS,
    )
    .await;
    b.wait_for_text("[data-banner] [data-f=arrived]", "2", SECS)
        .await;
    assert_not_reloaded(&b).await;
    b.switch_to(screen).await;
    b.wait_until(
        &format!(
            "return !document.querySelector('#slides .slide[data-code=\"t-{code}\"]') && \
             !!document.querySelector('#slides .slide.current[data-code=\"{code}\"]');"
        ),
        "the big screen shows the result instead of the trend",
        SECS,
    )
    .await;
    b.close().await;
    app.running.shutdown().await;
}
