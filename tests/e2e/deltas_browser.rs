//! Delta frames in a real browser: an open commune page, an open big
//! screen and an open map page follow 50 changes with nothing but the deltas (the page's own
//! re-fetch is switched off), and every figure they show is then the same
//! text as on a fresh load of the same page, and every bureau of their maps
//! the same colour, shade and title. The script's integers and its
//! percentages are also compared with the server's: every tally it holds
//! equals the server's snapshot, and its half-up rounding equals
//! `election_data::Percent` on edge cases.

use std::time::Duration;

use election_data::Percent;
use serde_json::{Value, json};

use crate::browser::{Browser, browser};
use crate::helpers::{Backend, TestApp, sample_pv_json, spawn_app};

const SECS: Duration = Duration::from_secs(20);

/// Every figure the page shows that the deltas update (all but those of
/// the regions only its re-fetch renders: charts, slides), in document
/// order, each named by where it sits.
const FIGURES: &str = r#"
var out = [];
document.querySelectorAll('main [data-f]').forEach(function (el) {
  var region = el.closest('[data-refresh]');
  var patched = el.closest('[data-tally],[data-banner],tr[data-bureau],li[data-perimeter]');
  if (region && !(patched && region.contains(patched))) return;
  var key = [];
  for (var n = el; n && n !== document.body; n = n.parentElement) {
    ['tally', 'banner', 'bureau', 'cand', 'hour', 'perimeter'].forEach(function (a) {
      if (n.dataset && n.dataset[a] !== undefined) key.push(a + '=' + n.dataset[a]);
    });
  }
  out.push(key.join(' ') + ' ' + el.dataset.f + ': ' + el.textContent.trim());
});
return out;
"#;

/// Every bureau of every map on the page: its fill, class and title.
const MAP: &str = r#"
return Array.prototype.map.call(document.querySelectorAll('svg.map [data-map-bureau]'), function (a) {
  var p = a.querySelector('path'), t = p.querySelector('title');
  return a.dataset.mapBureau + ' ' + p.getAttribute('fill') + ' ' + p.getAttribute('class') + ' ' + (t ? t.textContent : '');
});
"#;

/// Opens `path` and cuts the page's re-fetch off: from now on only the
/// delta frames change what it shows.
async fn open_live(b: &Browser, app: &TestApp, path: &str) {
    b.goto(&format!("{}{path}", app.base)).await;
    b.wait_until(
        "return !!(window.urneLive && window.urneLive.held());",
        "the live script holds the page's integers",
        SECS,
    )
    .await;
    b.execute(
        "window.fetch = function () { return Promise.reject(new Error('off')); }; return true;",
        vec![],
    )
    .await;
}

async fn wait_seq(b: &Browser, seq: i64) {
    b.wait_until(
        &format!("return document.querySelector('main[data-election]').dataset.seq === '{seq}';"),
        "the page reached the last change",
        SECS,
    )
    .await;
}

/// Numbers compared as numbers (the script writes 100 where the server writes 100.0).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

/// What the page's script holds equals the server's snapshot, tally by tally.
async fn held_is_the_servers(b: &Browser, snapshot: &Value) {
    let held = b.execute("return window.urneLive.held();", vec![]).await;
    assert_eq!(held["seq"], snapshot["seq"]);
    let perimeters = snapshot["perimeters"].as_object().expect("perimeters");
    for (code, t) in perimeters {
        assert!(
            same(&held["perimeters"][code], t),
            "perimeter {code}:\n{}\n{t}",
            held["perimeters"][code]
        );
    }
    for (code, bureau) in snapshot["bureaux"].as_object().expect("bureaux") {
        let mine = &held["bureaux"][code];
        assert_eq!(mine["state"], bureau["state"], "bureau {code}");
        assert!(
            same(&mine["tally"], &bureau["tally"]),
            "bureau {code}:\n{}\n{}",
            mine["tally"],
            bureau["tally"]
        );
    }
}

/// Public changes: turnout for the bureaux `turnout`, then the
/// procès-verbaux of the bureaux `published` published.
async fn changes(
    app: &TestApp,
    id: &str,
    turnout: std::ops::Range<usize>,
    published: std::ops::Range<usize>,
) {
    let e = election_data::fixtures::sample_commune();
    for i in turnout {
        let bureau = &e.bureaux[i];
        let pv = election_data::fixtures::sample_pv(&e, bureau, 70 + i as u64);
        let readings = election_data::fixtures::sample_turnout(&e, &pv, 70 + i as u64);
        let (s, body) = app
            .put(
                &format!("/api/elections/{id}/bureaux/{}/turnout", bureau.code),
                &json!({ "turnout": readings }),
            )
            .await;
        assert_eq!(s, 200, "{body}");
    }
    for i in published {
        let (code, _, pv) = sample_pv_json(i, 70 + i as u64);
        app.enter_and_publish(id, &code, &pv).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_follow_fifty_deltas_and_show_what_a_fresh_load_shows() {
    let Some(b) = browser("pages_follow_fifty_deltas_and_show_what_a_fresh_load_shows").await
    else {
        return;
    };
    let app = spawn_app(Backend::Sqlite, "deltas_browser")
        .await
        .expect("sqlite");
    let id = app.define_sample().await;
    let pages = [
        format!("/elections/{id}"),
        format!("/elections/{id}/ecran"),
        format!("/elections/{id}/carte"),
    ];

    // A first bureau, so that every section of the pages is there (the big
    // screen shows the scores once there are some).
    changes(&app, &id, 0..1, 0..1).await;
    // The commune page in one tab, the big screen in another, both open
    // before the 50 changes.
    let first = b.current_tab().await;
    open_live(&b, &app, &pages[0]).await;
    let second = b.new_tab().await;
    b.switch_to(second.clone()).await;
    open_live(&b, &app, &pages[1]).await;
    let third = b.new_tab().await;
    b.switch_to(third.clone()).await;
    open_live(&b, &app, &pages[2]).await;

    // The script's rounding is the server's.
    let cases: Vec<(u64, u64)> = vec![
        (1, 8),
        (1, 3),
        (2, 3),
        (1, 800),
        (999, 800_000),
        (5, 5),
        (0, 5),
        (1, 0),
        (205, 800),
        (16_742, 23_051),
        (117, 16_301),
        (3, 7),
        (123_456_789, 987_654_321),
    ];
    for (part, whole) in cases {
        let js = b
            .execute(
                "return window.urneLive.percent(arguments[0], arguments[1]);",
                vec![json!(part), json!(whole)],
            )
            .await;
        let rust = Percent::of(part, whole).map(Percent::hundredths);
        assert_eq!(js.as_u64(), rust.map(u64::from), "{part} / {whole}");
    }

    // 50 public changes: turnout in 17 bureaux, 33 procès-verbaux published.
    changes(&app, &id, 1..18, 1..34).await;
    let (s, snapshot) = app.get_json(&format!("/api/elections/{id}/results")).await;
    assert_eq!(s, 200);
    let seq = snapshot["seq"].as_i64().expect("seq");

    for (tab, path) in [(first, &pages[0]), (second, &pages[1]), (third, &pages[2])] {
        b.switch_to(tab).await;
        wait_seq(&b, seq).await;
        let frames = b.execute("return window.urneLive.frames;", vec![]).await;
        // Everything came as deltas (and bare seqs): no snapshot.
        assert_eq!(frames["snapshot"], 0, "{path}: {frames}");
        let deltas = frames["delta"].as_u64().unwrap_or(0);
        assert!(deltas >= 1, "{path}: {frames}");
        eprintln!("{path}: {frames}");
        held_is_the_servers(&b, &snapshot).await;
        let live = b.execute(FIGURES, vec![]).await;
        let live_map = b.execute(MAP, vec![]).await;
        assert!(
            live_map.as_array().is_some_and(|a| a.len() >= 34),
            "{path}: {live_map}"
        );
        assert!(
            live.as_array().is_some_and(|a| a.len() > 20),
            "{path}: {live}"
        );
        // The same page, loaded fresh.
        b.goto(&format!("{}{path}", app.base)).await;
        let fresh = b.execute(FIGURES, vec![]).await;
        // The map's shapes, patched by the deltas, as a fresh load draws them.
        assert_eq!(live_map, b.execute(MAP, vec![]).await, "{path}: the map");
        let (live, fresh) = (
            live.as_array().expect("list"),
            fresh.as_array().expect("list"),
        );
        for (l, f) in live.iter().zip(fresh) {
            assert_eq!(l, f, "{path}");
        }
        assert_eq!(live.len(), fresh.len(), "{path}");
    }
    b.close().await;
    app.running.shutdown().await;
}

/// A municipal territory whose communes elect each their own council: each
/// tally holds its own commune's lists. A commune's page, the territory's
/// page and the big screen follow the night's deltas, hold the server's
/// tallies list by list, and show what a fresh load shows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_territory_s_commune_lists_follow_the_deltas() {
    let Some(b) = browser("a_territory_s_commune_lists_follow_the_deltas").await else {
        return;
    };
    let app = spawn_app(Backend::Sqlite, "deltas_territory")
        .await
        .expect("sqlite");
    let e = election_data::fixtures::sample_municipal_territory();
    let (s, body) = app
        .post("/api/elections", &serde_json::to_value(&e).expect("json"))
        .await;
    assert_eq!(s, 201, "{body}");
    let id = e.id.clone();
    let publish = |i: usize| {
        let bureau = &e.bureaux[i];
        let pv = election_data::fixtures::sample_pv(&e, bureau, 90 + i as u64);
        (
            bureau.code.clone(),
            serde_json::to_value(&pv).expect("json"),
        )
    };
    // One bureau of Brest first, so that every section is there.
    let (code, pv) = publish(0);
    app.enter_and_publish(&id, &code, &pv).await;
    let pages = [
        format!("/elections/{id}/perimetres/29019"),
        format!("/elections/{id}"),
        format!("/elections/{id}/ecran"),
    ];
    let mut tabs = vec![b.current_tab().await];
    open_live(&b, &app, &pages[0]).await;
    for path in &pages[1..] {
        let tab = b.new_tab().await;
        b.switch_to(tab.clone()).await;
        open_live(&b, &app, path).await;
        tabs.push(tab);
    }
    // Every other bureau of every commune.
    for i in 1..e.bureaux.len() {
        let (code, pv) = publish(i);
        app.enter_and_publish(&id, &code, &pv).await;
    }
    let (s, snapshot) = app.get_json(&format!("/api/elections/{id}/results")).await;
    assert_eq!(s, 200);
    assert_eq!(
        snapshot["perimeters"]["29075"]["scores"]
            .as_array()
            .map(Vec::len),
        Some(2),
        "Guipavas's two lists"
    );
    let seq = snapshot["seq"].as_i64().expect("seq");
    for (tab, path) in tabs.into_iter().zip(&pages) {
        b.switch_to(tab).await;
        wait_seq(&b, seq).await;
        held_is_the_servers(&b, &snapshot).await;
        let live = b.execute(FIGURES, vec![]).await;
        b.goto(&format!("{}{path}", app.base)).await;
        let fresh = b.execute(FIGURES, vec![]).await;
        // The big screen's communes are a region its re-fetch renders:
        // its banner and participation are what the deltas patch there.
        assert!(
            live.as_array().is_some_and(|a| a.len() >= 6),
            "{path}: {live}"
        );
        assert_eq!(live, fresh, "{path}");
    }
    b.close().await;
    app.running.shutdown().await;
}
