//! The WebSocket: snapshot on connect, one delta per entry, resume.

use election_data::Percent;
use serde_json::json;

use crate::both_backends;
use crate::helpers::{
    Backend, apply_frame, next_change, next_delta, next_frame, sample_pv_json, snapshot_of,
    spawn_app,
};

async fn a_pv_reaches_subscribers_with_right_totals(backend: Backend) {
    let Some(app) = spawn_app(backend, "a_pv_reaches_subscribers_with_right_totals").await else {
        return;
    };
    let id = app.define_sample().await;
    let mut ws = app.ws(&id, None).await;
    let snap = next_frame(&mut ws).await;
    assert_eq!(snap["type"], "snapshot");
    assert_eq!(snap["seq"], 0);
    assert_eq!(snap["perimeters"]["COMMUNE"]["arrived"], 0);
    assert_eq!(snap["perimeters"]["COMMUNE"]["total"], 34);
    let mut held = snapshot_of(&snap);

    // Two bureaux of the same quartier. Entering a PV alone changes nothing
    // public (a bare sequence frame); publishing it does.
    let (c1, pv1, b1) = sample_pv_json(0, 21);
    let (c2, pv2, b2) = sample_pv_json(1, 22);
    let (s, body) = app
        .put(&format!("/api/elections/{id}/bureaux/{c1}/pv"), &b1)
        .await;
    assert_eq!(s, 200, "{body}");
    let f = next_frame(&mut ws).await;
    assert_eq!(
        (f["type"].as_str(), f["seq"].as_i64()),
        (Some("seq"), Some(1))
    );
    assert!(apply_frame(&mut held, &f));
    for action in ["validate", "publish"] {
        let (s, b) = app
            .post(
                &format!("/api/elections/{id}/bureaux/{c1}/{action}"),
                &json!({}),
            )
            .await;
        assert_eq!(s, 200, "{b}");
    }
    // The validation's bare seq may come first, or merged with the
    // publication when both were queued.
    let change = next_delta(&mut ws, &mut held).await;
    assert_eq!(change["seq"], 3);
    assert!(
        change["from"]
            .as_i64()
            .is_some_and(|f| (2..=3).contains(&f))
    );
    assert_eq!(change["bureaux"][c1.as_str()]["state"], "published");
    assert_eq!(change["bureaux"][c1.as_str()]["c"][1], pv1.votants);
    app.enter_and_publish(&id, &c2, &b2).await;
    let change = next_delta(&mut ws, &mut held).await;
    assert_eq!(change["seq"], 6);
    // Only integers: the new counts of each perimeter, no percentage.
    assert_eq!(change["perimeters"]["COMMUNE"]["a"], 2);
    assert!(change["perimeters"]["COMMUNE"].get("rates").is_none());
    let held = serde_json::to_value(&held).expect("json");

    for p in ["COMMUNE", "Q-CENTRE", "CANTON-1"] {
        let t = &held["perimeters"][p];
        assert_eq!(t["arrived"], 2, "{p}");
        assert_eq!(t["counts"]["votants"], pv1.votants + pv2.votants, "{p}");
        assert_eq!(t["counts"]["exprimes"], pv1.exprimes + pv2.exprimes, "{p}");
        let inscrits = (pv1.inscrits + pv2.inscrits) as u64;
        let votants = (pv1.votants + pv2.votants) as u64;
        let expected = Percent::of(votants, inscrits).expect("pct").to_string();
        assert_eq!(
            t["rates"]["participation"]
                .as_f64()
                .map(|f| format!("{f:.2}")),
            Some(expected),
            "{p}"
        );
        for (i, s) in t["scores"].as_array().expect("scores").iter().enumerate() {
            let n = s["candidate"].as_u64().expect("candidate") as u32;
            let v = (pv1.voix_of(n) + pv2.voix_of(n)) as u64;
            assert_eq!(s["voix"], v, "{p} candidate {i}");
            let pct = Percent::of(v, (pv1.exprimes + pv2.exprimes) as u64)
                .expect("pct")
                .to_string();
            assert_eq!(
                s["pct_exprimes"].as_f64().map(|f| format!("{f:.2}")),
                Some(pct)
            );
        }
    }
    // Perimeters the bureaux are not in are not in the frame.
    assert!(change["perimeters"].get("V-SALINS").is_none());
    app.running.shutdown().await;
}
both_backends!(a_pv_reaches_subscribers_with_right_totals);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_delivers_exactly_the_missed_changes() {
    let app = spawn_app(Backend::Sqlite, "resume").await.expect("sqlite");
    let id = app.define_sample().await;
    // seq 1, 2, 3: enter, validate, publish bureau 0.
    let (code, _, body) = sample_pv_json(0, 40);
    app.enter_and_publish(&id, &code, &body).await;
    // A client that saw up to seq 1 gets exactly 2 and 3, as one delta.
    let mut ws = app.ws(&id, Some(1)).await;
    let f = next_frame(&mut ws).await;
    assert_eq!(
        (f["type"].as_str(), f["from"].as_i64(), f["seq"].as_i64()),
        (Some("delta"), Some(2), Some(3))
    );
    assert_eq!(f["perimeters"]["COMMUNE"]["a"], 1);
    // Then live changes.
    let (code, _, body) = sample_pv_json(3, 43);
    app.enter_and_publish(&id, &code, &body).await;
    let f = next_change(&mut ws).await;
    assert_eq!(
        (f["type"].as_str(), f["seq"].as_i64()),
        (Some("delta"), Some(6))
    );
    assert_eq!(f["perimeters"]["COMMUNE"]["a"], 2);

    // A client that is up to date gets nothing until the next change.
    let mut ws2 = app.ws(&id, Some(6)).await;
    let turnout = json!({"turnout": [{"hour": "12:00", "votants": 100}]});
    let (s, b) = app
        .put(
            &format!("/api/elections/{id}/bureaux/0010/turnout"),
            &turnout,
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let f = next_frame(&mut ws2).await;
    assert_eq!(
        (f["type"].as_str(), f["seq"].as_i64()),
        (Some("delta"), Some(7))
    );
    // Turnout alone changed: the readings, nothing else.
    assert_eq!(f["perimeters"]["COMMUNE"]["t"][0][0], 100);
    assert!(f["perimeters"]["COMMUNE"].get("c").is_none());

    // A client from the future (another database) gets a snapshot.
    let mut ws3 = app.ws(&id, Some(99)).await;
    let f = next_frame(&mut ws3).await;
    assert_eq!(
        (f["type"].as_str(), f["seq"].as_i64()),
        (Some("snapshot"), Some(7))
    );
    assert_eq!(f["perimeters"]["COMMUNE"]["arrived"], 2);
    app.running.shutdown().await;
}
