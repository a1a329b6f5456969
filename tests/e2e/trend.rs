//! The early trend of the centaines, end to end over HTTP: a bureau's
//! centaines entered before its PV (API and desk form), published by the
//! desk as a trend (API and desk button, CSRF, audit), shown on the public
//! pages, the big screen, the feed and the live wire, kept across a
//! restart, and replaced by the result when the bureau is published.

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{
    Backend, TOKEN, TestApp, add_user, login, next_delta, sample_pv_json, snapshot_of, spawn_app,
    start,
};

/// The first `at` ballots of the sample PV of bureau `index` (seed): 1
/// blanc, 1 nul, the rest in proportion of the final voix.
pub fn centaine_json(index: usize, seed: u64, at: i64) -> (String, Value, Value) {
    let (code, pv, body) = sample_pv_json(index, seed);
    let mut left = at - 2;
    let mut voix: Vec<Value> = Vec::new();
    for v in &pv.voix {
        let n = (v.voix * (at - 2) / pv.exprimes).min(left);
        left -= n;
        voix.push(json!({ "candidate": v.candidate, "voix": n }));
    }
    let top = pv
        .voix
        .iter()
        .enumerate()
        .max_by_key(|(_, v)| v.voix)
        .map(|(i, _)| i)
        .expect("a candidate");
    voix[top]["voix"] = json!(voix[top]["voix"].as_i64().expect("n") + left);
    (
        code,
        json!({ "at": at, "blancs": 1, "nuls": 1, "voix": voix }),
        body,
    )
}

const MARK: &str = "Tendance sur les 100 premiers bulletins";

async fn page(app: &TestApp, path: &str) -> String {
    let (s, html) = app.get_text(path).await;
    assert_eq!(s, 200, "{path}");
    html
}

async fn the_desk_publishes_a_trend_that_the_result_replaces(backend: Backend) {
    let Some(app) = spawn_app(backend, "trend_http").await else {
        return;
    };
    let id = app.define_sample().await;
    let (code, c100, pv) = centaine_json(0, 21, 100);
    let base = format!("/api/elections/{id}/bureaux/{code}");
    let mut ws = app.ws(&id, None).await;
    let mut held = snapshot_of(&crate::helpers::next_frame(&mut ws).await);

    // A trend without centaines is refused, naming why.
    let (s, r) = app.post(&format!("{base}/trend"), &json!({})).await;
    assert_eq!(s, 409, "{r}");
    assert_eq!(r["refusal"]["reason"], "no_centaines", "{r}");

    // Centaines alone, before the PV: a bad one names its field and rule.
    let mut bad = c100.clone();
    bad["blancs"] = json!(2);
    let (s, r) = app
        .put(&format!("{base}/centaines"), &json!({ "centaines": [bad] }))
        .await;
    assert_eq!(s, 422, "{r}");
    assert_eq!(r["violations"][0]["field"], "centaines[100]", "{r}");
    assert_eq!(r["violations"][0]["rule"], "centaine_sum", "{r}");
    let (s, r) = app
        .put(
            &format!("{base}/centaines"),
            &json!({ "centaines": [c100.clone()] }),
        )
        .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["state"], "not_arrived", "{r}");
    // Entered is not public.
    let commune = page(&app, &format!("/elections/{id}")).await;
    assert!(!commune.contains(MARK));

    // The desk publishes it: a delta carries it, the pages show it marked.
    let (s, r) = app.post(&format!("{base}/trend"), &json!({})).await;
    assert_eq!(s, 200, "{r}");
    let f = next_delta(&mut ws, &mut held).await;
    assert_eq!(f["bureaux"][&code]["tr"]["at"], 100, "{f}");
    assert!(
        f["perimeters"].as_object().is_none_or(|p| p.is_empty()),
        "{f}"
    );
    let commune = page(&app, &format!("/elections/{id}")).await;
    assert!(commune.contains("Tendance des centaines"), "{commune}");
    assert!(commune.contains(MARK));
    assert!(commune.contains("n'est pas un résultat"));
    let bureau = page(&app, &format!("/elections/{id}/bureaux/{code}")).await;
    assert!(bureau.contains(MARK), "{bureau}");
    let en = page(&app, &format!("/en/elections/{id}/bureaux/{code}")).await;
    assert!(en.contains("Trend on the first 100 ballots"), "{en}");
    let ecran = page(&app, &format!("/elections/{id}/ecran")).await;
    assert!(
        ecran.contains(&format!("data-code=\"t-{code}\"")),
        "{ecran}"
    );
    assert!(ecran.contains(MARK));
    // Apart from the results: the commune still has no bureau arrived.
    let (_, feed) = app.get_json(&format!("/api/elections/{id}/feed")).await;
    assert_eq!(feed["arrived"], 0);
    let b = feed["bureaux"]
        .as_array()
        .and_then(|a| a.iter().find(|b| b["code"] == code.as_str()))
        .cloned()
        .expect("the bureau in the feed");
    assert_eq!(b["trend"]["at"], 100, "{b}");
    assert_eq!(b["state"], "not_arrived");
    // Audited as any desk action.
    let text = app
        .http
        .get(format!("{}/api/audit?election={id}", app.base))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("audit")
        .text()
        .await
        .expect("text");
    assert!(text.contains("publish_trend"), "{text}");
    assert!(text.contains("\"centaines\""), "{text}");

    // It survives a restart.
    app.running.shutdown().await;
    let app2 = start(&app.database_url).await;
    let commune = page(&app2, &format!("/elections/{id}")).await;
    assert!(commune.contains(MARK), "after the restart");

    // The PV comes without centaines (the stored ones are kept), then the
    // result is published: the trend is gone, the result is there.
    let (s, r) = app2.put(&format!("{base}/pv"), &pv).await;
    assert_eq!(s, 200, "{r}");
    let bureau = page(&app2, &format!("/elections/{id}/bureaux/{code}")).await;
    assert!(bureau.contains(MARK), "still the trend until published");
    let mut ws = app2.ws(&id, None).await;
    let mut held = snapshot_of(&crate::helpers::next_frame(&mut ws).await);
    assert_eq!(
        held.bureaux
            .get(code.as_str())
            .and_then(|b| b.trend.as_ref())
            .map(|t| t.at),
        Some(100)
    );
    for action in ["validate", "publish"] {
        let (s, r) = app2.post(&format!("{base}/{action}"), &json!({})).await;
        assert_eq!(s, 200, "{action}: {r}");
    }
    let f = loop {
        let f = next_delta(&mut ws, &mut held).await;
        if f["bureaux"][&code]["state"] == "published" {
            break f;
        }
    };
    assert!(f["bureaux"][&code]["tr"].is_null(), "{f}");
    assert!(
        f["bureaux"][&code]
            .as_object()
            .is_some_and(|b| b.contains_key("tr")),
        "withdrawn explicitly: {f}"
    );
    let commune = page(&app2, &format!("/elections/{id}")).await;
    assert!(!commune.contains(MARK), "replaced by the result");
    let bureau = page(&app2, &format!("/elections/{id}/bureaux/{code}")).await;
    assert!(!bureau.contains(MARK));
    let (_, feed) = app2.get_json(&format!("/api/elections/{id}/feed")).await;
    assert_eq!(feed["arrived"], 1);
    // No trend over a published result.
    let (s, r) = app2.post(&format!("{base}/trend"), &json!({})).await;
    assert_eq!(s, 409, "{r}");
    let stored = app2.store.load_all().await.expect("load");
    let d = &stored[0].bureaux[0];
    assert_eq!((d.centaines.len(), d.trend.is_none()), (1, true));
    app2.running.shutdown().await;
}

both_backends!(the_desk_publishes_a_trend_that_the_result_replaces);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_desk_enters_centaines_alone_and_publishes_the_trend_with_its_forms() {
    let app = spawn_app(Backend::Sqlite, "trend_desk")
        .await
        .expect("sqlite");
    let id = app.define_sample().await;
    let (code, c100, _) = centaine_json(1, 22, 100);
    add_user(&app, "desk-t", "desk", &[]).await;
    add_user(&app, "pres-t", "president", &[&code]).await;
    let desk = login(&app, "desk-t").await;
    let president = login(&app, "pres-t").await;
    // Redirects not followed: a stored form answers 303.
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let form = |s: &crate::helpers::Session, fields: Vec<(String, String)>| {
        let mut all = vec![("csrf".to_string(), s.csrf.clone())];
        all.extend(fields);
        http.post(format!("{}/desk/elections/{id}/bureaux/{code}", app.base))
            .header("cookie", &s.cookie)
            .form(&all)
    };
    // The president types the first centaine; the PV's fields stay blank.
    let mut fields = vec![
        ("only".to_string(), "centaines".to_string()),
        ("c[100][blancs]".to_string(), "1".to_string()),
        ("c[100][nuls]".to_string(), "1".to_string()),
    ];
    for v in c100["voix"].as_array().expect("voix") {
        fields.push((
            format!("c[100][voix][{}]", v["candidate"]),
            v["voix"].to_string(),
        ));
    }
    let r = form(&president, fields.clone()).send().await.expect("post");
    let status = r.status();
    assert_eq!(status, 303, "{}", r.text().await.unwrap_or_default());
    let stored = app.store.load_all().await.expect("load");
    let d = stored[0]
        .bureaux
        .iter()
        .find(|b| b.code == code)
        .expect("stored");
    assert_eq!(d.dossier.centaines.len(), 1);
    assert_eq!(d.dossier.meta.state.code(), "not_arrived");
    // A wrong sum is shown on the form, nothing stored.
    let mut wrong = fields.clone();
    wrong[1].1 = "5".into();
    let r = form(&president, wrong).send().await.expect("post");
    assert_eq!(r.status(), 422);
    let html = r.text().await.expect("html");
    assert!(html.contains("centaine_sum"), "{html}");

    // The president may not publish the trend; the desk's button may, and
    // only with its CSRF token.
    let action = |s: &crate::helpers::Session, csrf: &str| {
        http.post(format!(
            "{}/desk/elections/{id}/bureaux/{code}/trend",
            app.base
        ))
        .header("cookie", &s.cookie)
        .form(&[("csrf", csrf)])
    };
    let r = action(&president, &president.csrf)
        .send()
        .await
        .expect("post");
    assert_ne!(r.status(), 303);
    let r = action(&desk, "wrong").send().await.expect("post");
    assert_ne!(r.status(), 303);
    let home = app
        .http
        .get(format!("{}/desk/elections/{id}", app.base))
        .header("cookie", &desk.cookie)
        .send()
        .await
        .expect("desk")
        .text()
        .await
        .expect("html");
    assert!(home.contains("Publier la tendance"), "{home}");
    assert!(home.contains("centaine 100 saisie"), "{home}");
    let r = action(&desk, &desk.csrf).send().await.expect("post");
    assert_eq!(r.status(), 303);
    let home = app
        .http
        .get(format!("{}/desk/elections/{id}", app.base))
        .header("cookie", &desk.cookie)
        .send()
        .await
        .expect("desk")
        .text()
        .await
        .expect("html");
    assert!(home.contains("tendance 100 publiée"), "{home}");
    assert!(home.contains("Retirer la tendance"), "{home}");
    let commune = page(&app, &format!("/elections/{id}")).await;
    assert!(commune.contains(MARK));
    // Withdrawn (published by mistake): gone from the public pages, the
    // centaines kept; the API says when there is nothing to withdraw.
    let r = http
        .post(format!(
            "{}/desk/elections/{id}/bureaux/{code}/trend-withdraw",
            app.base
        ))
        .header("cookie", &desk.cookie)
        .form(&[("csrf", desk.csrf.as_str())])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 303);
    let commune = page(&app, &format!("/elections/{id}")).await;
    assert!(!commune.contains(MARK));
    let (s, r) = app
        .post(
            &format!("/api/elections/{id}/bureaux/{code}/trend/withdraw"),
            &json!({}),
        )
        .await;
    assert_eq!(s, 409, "{r}");
    assert_eq!(r["refusal"]["reason"], "no_trend", "{r}");
    let stored = app.store.load_all().await.expect("load");
    let d = stored[0]
        .bureaux
        .iter()
        .find(|b| b.code == code)
        .expect("stored");
    assert_eq!((d.centaines.len(), d.trend.is_none()), (1, true));
    app.running.shutdown().await;
}
