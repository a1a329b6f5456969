//! The entry API: accepted PVs, every blocking rule, bad inputs.

use election_data::Percent;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Backend, TOKEN, sample_pv_json, spawn_app};

fn voix_entry(v: &Value, candidate: u64) -> usize {
    v["voix"]
        .as_array()
        .expect("voix")
        .iter()
        .position(|x| x["candidate"] == candidate)
        .expect("candidate")
}

/// Each blocking rule, broken on purpose, from a consistent PV.
fn violations(good: &Value) -> Vec<(&'static str, Value)> {
    let mut out = Vec::new();
    let n = |v: &Value, k: &str| v[k].as_i64().expect("count");

    let mut pv = good.clone();
    pv["nuls"] = json!(-1);
    out.push(("non_negative", pv));

    let mut pv = good.clone();
    let extra = n(good, "inscrits") + 1 - n(good, "votants");
    pv["votants"] = json!(n(good, "inscrits") + 1);
    pv["exprimes"] = json!(n(good, "exprimes") + extra);
    let i = voix_entry(good, 1);
    pv["voix"][i]["voix"] = json!(good["voix"][i]["voix"].as_i64().expect("voix") + extra);
    out.push(("votants_at_most_inscrits", pv));

    let mut pv = good.clone();
    pv["blancs"] = json!(n(good, "blancs") + 1);
    out.push(("votants_breakdown", pv));

    let mut pv = good.clone();
    let i = voix_entry(good, 3);
    pv["voix"][i]["voix"] = json!(good["voix"][i]["voix"].as_i64().expect("voix") + 1);
    out.push(("voix_sum_exprimes", pv));

    let mut pv = good.clone();
    pv["voix"]
        .as_array_mut()
        .expect("voix")
        .retain(|v| v["candidate"] != 12);
    out.push(("candidate_missing", pv));

    let mut pv = good.clone();
    pv["voix"]
        .as_array_mut()
        .expect("voix")
        .push(json!({"candidate": 99, "voix": 0}));
    out.push(("candidate_unknown", pv));

    let mut pv = good.clone();
    pv["voix"]
        .as_array_mut()
        .expect("voix")
        .push(json!({"candidate": 2, "voix": 0}));
    out.push(("candidate_duplicate", pv));

    let mut pv = good.clone();
    pv["turnout"] = json!([{"hour": "12:00", "votants": n(good, "inscrits") + 5}]);
    out.push(("turnout_at_most_inscrits", pv));

    let mut pv = good.clone();
    pv["turnout"] = json!([{"hour": "12:00", "votants": 300}, {"hour": "17:00", "votants": 200}]);
    out.push(("turnout_non_decreasing", pv));

    let mut pv = good.clone();
    pv["turnout"] = json!([{"hour": "09:30", "votants": 10}]);
    out.push(("turnout_unknown_hour", pv));
    out
}

async fn each_blocking_rule_is_refused_and_nothing_changes(backend: Backend) {
    let Some(app) = spawn_app(backend, "each_blocking_rule_is_refused_and_nothing_changes").await
    else {
        return;
    };
    let id = app.define_sample().await;
    let (code, _, good) = sample_pv_json(0, 11);
    let path = format!("/api/elections/{id}/bureaux/{code}/pv");
    let (status, body) = app.put(&path, &good).await;
    assert_eq!(status, 200, "{body}");
    let before = app.get_text(&format!("/api/elections/{id}/results")).await;

    // The same bureau again, with a different consistent PV, as the base of
    // each faulty correction: none of them may replace the stored one.
    let (_, _, other) = sample_pv_json(0, 12);
    let rules = violations(&other);
    assert_eq!(rules.len(), 10);
    for (rule, pv) in &rules {
        let (status, body) = app.put(&path, pv).await;
        assert_eq!(status, 422, "{rule}: {body}");
        assert_eq!(body["error"], "invalid_pv", "{rule}");
        let named: Vec<_> = body["violations"]
            .as_array()
            .expect("violations")
            .iter()
            .map(|v| v["rule"].as_str().unwrap_or_default().to_string())
            .collect();
        assert!(named.contains(&rule.to_string()), "{rule} not in {named:?}");
        for v in body["violations"].as_array().expect("violations") {
            assert!(!v["field"].as_str().unwrap_or_default().is_empty(), "{v}");
            assert!(!v["message"].as_str().unwrap_or_default().is_empty(), "{v}");
        }
    }
    let after = app.get_text(&format!("/api/elections/{id}/results")).await;
    assert_eq!(before, after, "a refused PV changed the results");
    assert_eq!(app.store.entry_count(&id, &code).await.expect("count"), 1);
    assert_eq!(app.store.seq(&id).await.expect("seq"), 1);
    app.running.shutdown().await;
}
both_backends!(each_blocking_rule_is_refused_and_nothing_changes);

async fn accepted_pv_returns_exact_results(backend: Backend) {
    let Some(app) = spawn_app(backend, "accepted_pv_returns_exact_results").await else {
        return;
    };
    let id = app.define_sample().await;
    let (code, pv, body) = sample_pv_json(4, 5);
    let (status, resp) = app
        .put(&format!("/api/elections/{id}/bureaux/{code}/pv"), &body)
        .await;
    assert_eq!(status, 200, "{resp}");
    assert_eq!(resp["version"], 1);
    assert_eq!(resp["state"], "entered");
    let r = &resp["results"];
    assert_eq!(r["counts"]["votants"], pv.votants);
    assert_eq!(r["counts"]["abstentions"], pv.inscrits - pv.votants);
    let expected = Percent::of(pv.votants as u64, pv.inscrits as u64).expect("pct");
    assert_eq!(
        r["rates"]["participation"]
            .as_f64()
            .map(|f| format!("{f:.2}")),
        Some(expected.to_string())
    );
    let first = &r["scores"][0];
    let v1 = pv.voix_of(1) as u64;
    assert_eq!(first["voix"], v1);
    assert_eq!(
        first["pct_exprimes"].as_f64().map(|f| format!("{f:.2}")),
        Some(
            Percent::of(v1, pv.exprimes as u64)
                .expect("pct")
                .to_string()
        )
    );
    app.running.shutdown().await;
}
both_backends!(accepted_pv_returns_exact_results);

async fn warnings_need_confirmation_and_stale_corrections_are_refused(backend: Backend) {
    let Some(app) = spawn_app(backend, "warnings_need_confirmation").await else {
        return;
    };
    let id = app.define_sample().await;
    let (code, _, mut body) = sample_pv_json(1, 9);
    let path = format!("/api/elections/{id}/bureaux/{code}/pv");
    body["inscrits"] = json!(body["inscrits"].as_i64().expect("inscrits") + 2);
    let (status, resp) = app.put(&path, &body).await;
    assert_eq!(status, 422, "{resp}");
    assert_eq!(resp["error"], "confirmation_required");
    assert_eq!(resp["warnings"][0]["rule"], "inscrits_differ_from_roll");
    assert_eq!(app.store.entry_count(&id, &code).await.expect("count"), 0);

    body["confirm"] = json!(true);
    let (status, resp) = app.put(&path, &body).await;
    assert_eq!(status, 200, "{resp}");
    assert_eq!(resp["version"], 1);

    // A correction of version 0 when 1 is stored: refused, nothing changes.
    body["version"] = json!(0);
    let (status, resp) = app.put(&path, &body).await;
    assert_eq!(status, 409, "{resp}");
    assert_eq!(resp["current_version"], 1);
    // The right version goes through.
    body["version"] = json!(1);
    let (status, resp) = app.put(&path, &body).await;
    assert_eq!(status, 200, "{resp}");
    assert_eq!(resp["version"], 2);
    assert_eq!(app.store.entry_count(&id, &code).await.expect("count"), 2);
    app.running.shutdown().await;
}
both_backends!(warnings_need_confirmation_and_stale_corrections_are_refused);

#[tokio::test]
async fn bad_inputs_get_clear_messages() {
    let app = spawn_app(Backend::Sqlite, "bad_inputs")
        .await
        .expect("sqlite");
    let id = app.define_sample().await;
    let (code, _, good) = sample_pv_json(0, 1);
    let url = format!("{}/api/elections/{id}/bureaux/{code}/pv", app.base);
    let send = |body: Vec<u8>, ctype: &'static str, auth: bool| {
        let mut r = app.http.put(&url).header("content-type", ctype).body(body);
        if auth {
            r = r.bearer_auth(TOKEN);
        }
        async move {
            let r = r.send().await.expect("send");
            (
                r.status().as_u16(),
                r.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };

    let (s, b) = send(b"{\"inscrits\": 12,".to_vec(), "application/json", true).await;
    assert_eq!(
        (s, b["error"].as_str()),
        (400, Some("malformed_json")),
        "{b}"
    );

    let mut wrong = good.clone();
    wrong["votants"] = json!("beaucoup");
    let (s, b) = send(wrong.to_string().into_bytes(), "application/json", true).await;
    assert_eq!(
        (s, b["error"].as_str()),
        (422, Some("invalid_field")),
        "{b}"
    );
    assert!(
        b["message"]
            .as_str()
            .unwrap_or_default()
            .contains("votants"),
        "{b}"
    );

    let mut missing = good.clone();
    missing.as_object_mut().expect("object").remove("exprimes");
    let (s, b) = send(missing.to_string().into_bytes(), "application/json", true).await;
    assert_eq!(s, 422, "{b}");
    assert!(
        b["message"]
            .as_str()
            .unwrap_or_default()
            .contains("exprimes"),
        "{b}"
    );

    let (s, b) = send(vec![b' '; 300 * 1024], "application/json", true).await;
    assert_eq!(
        (s, b["error"].as_str()),
        (413, Some("body_too_large")),
        "{b}"
    );

    let (s, b) = send(good.to_string().into_bytes(), "text/plain", true).await;
    assert_eq!(
        (s, b["error"].as_str()),
        (415, Some("unsupported_media_type")),
        "{b}"
    );

    let (s, b) = send(vec![0xff, 0xfe, b'{'], "application/json", true).await;
    assert_eq!(s, 400, "{b}");

    let (s, b) = send(good.to_string().into_bytes(), "application/json", false).await;
    assert_eq!((s, b["error"].as_str()), (401, Some("unauthorized")), "{b}");

    let (s, b) = app
        .put(&format!("/api/elections/{id}/bureaux/9999/pv"), &good)
        .await;
    assert_eq!((s, b["error"].as_str()), (404, Some("not_found")), "{b}");
    let (s, b) = app
        .put(&format!("/api/elections/nope/bureaux/{code}/pv"), &good)
        .await;
    assert_eq!((s, b["error"].as_str()), (404, Some("not_found")), "{b}");

    // A definition with problems: every field is named.
    let mut e = serde_json::to_value(election_data::fixtures::sample_commune()).expect("json");
    e["id"] = json!("Autre Élection");
    e["candidates"][0]["colour"] = json!("rouge");
    let (s, b) = app.post("/api/elections", &e).await;
    assert_eq!(
        (s, b["error"].as_str()),
        (422, Some("invalid_definition")),
        "{b}"
    );
    let fields: Vec<_> = b["violations"]
        .as_array()
        .expect("violations")
        .iter()
        .map(|v| v["field"].clone())
        .collect();
    assert!(
        fields.contains(&json!("id")) && fields.contains(&json!("candidates[0].colour")),
        "{b}"
    );
    // The same election twice: conflict.
    let e = serde_json::to_value(election_data::fixtures::sample_commune()).expect("json");
    let (s, _) = app.post("/api/elections", &e).await;
    assert_eq!(s, 409);

    // Nothing of that was stored.
    assert_eq!(app.store.seq(&id).await.expect("seq"), 0);
    app.running.shutdown().await;
}

#[tokio::test]
async fn pages_show_current_results_without_javascript() {
    let app = spawn_app(Backend::Sqlite, "pages").await.expect("sqlite");
    let id = app.define_sample().await;
    let (s, page) = app.get_text(&format!("/elections/{id}")).await;
    assert_eq!(s, 200);
    assert!(page.contains("Résultats provisoires"), "{page}");
    assert!(page.contains(
        "<strong data-f=\"arrived\">0</strong> bureaux sur <span data-f=\"total\">34</span>"
    ));

    let (code, pv, body) = sample_pv_json(0, 3);
    let (s, _) = app
        .put(&format!("/api/elections/{id}/bureaux/{code}/pv"), &body)
        .await;
    assert_eq!(s, 200);
    // Entered is not published: the public page does not count it yet.
    let (_, page) = app.get_text(&format!("/elections/{id}")).await;
    assert!(page.contains("<strong data-f=\"arrived\">0</strong>"));
    for action in ["validate", "publish"] {
        let (s, b) = app
            .post(
                &format!("/api/elections/{id}/bureaux/{code}/{action}"),
                &json!({}),
            )
            .await;
        assert_eq!(s, 200, "{b}");
    }
    let (_, page) = app.get_text(&format!("/elections/{id}")).await;
    assert!(page.contains("<strong data-f=\"arrived\">1</strong>"));
    let votants = urne::pages::format::int(pv.votants as u64);
    assert!(
        page.contains(&format!("<td data-f=\"votants\">{votants}</td>")),
        "{page}"
    );
    let part = Percent::of(pv.votants as u64, pv.inscrits as u64)
        .expect("pct")
        .fr();
    assert!(page.contains(&part), "participation {part} missing");

    let (s, page) = app
        .get_text(&format!("/elections/{id}/bureaux/{code}"))
        .await;
    assert_eq!(s, 200);
    assert!(page.contains("publié"));
    let (s, _) = app
        .get_text(&format!("/elections/{id}/perimetres/Q-CENTRE"))
        .await;
    assert_eq!(s, 200);
    let (s, _) = app.get_text(&format!("/elections/{id}/bureaux/nope")).await;
    assert_eq!(s, 404);
    let (s, doc) = app.get_json("/api/openapi.json").await;
    assert_eq!(s, 200);
    assert_eq!(doc["openapi"], "3.1.0");
    let (s, _) = app.get_text("/assets/live.js").await;
    assert_eq!(s, 200);
    app.running.shutdown().await;
}

#[tokio::test]
async fn participation_page_compares_with_the_previous_election() {
    let app = spawn_app(Backend::Sqlite, "previous")
        .await
        .expect("sqlite");
    let id = app.define_sample().await;
    let (s, page) = app
        .get_text(&format!("/elections/{id}/participation"))
        .await;
    assert_eq!(s, 200);
    // 9 337 / 36 912 at 12:00 and 27 061 / 36 912 at the close, in 2022.
    assert!(
        page.contains("Scrutin précédent : Élection présidentielle 2022 — 1er tour"),
        "{page}"
    );
    assert!(
        page.contains("<td class=\"previous\">25,30\u{a0}%</td>"),
        "{page}"
    );
    assert!(
        page.contains("<td class=\"previous\">73,31\u{a0}%</td>"),
        "{page}"
    );
    // Without one, the page says there is no comparison.
    let mut e = serde_json::to_value(election_data::fixtures::sample_commune()).expect("json");
    e["id"] = json!("sans-precedent");
    e.as_object_mut().expect("object").remove("previous");
    let (s, _) = app.post("/api/elections", &e).await;
    assert_eq!(s, 201);
    let (_, page) = app
        .get_text("/elections/sans-precedent/participation")
        .await;
    assert!(page.contains("La comparaison avec le scrutin précédent n'est pas disponible"));
    app.running.shutdown().await;
}
