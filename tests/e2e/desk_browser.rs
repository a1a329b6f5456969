//! A bureau president on election night, in a real (headless) browser:
//! logs in with the one-time code the desk printed, types the procès-verbal
//! with a slip, sees the violation next to the field, corrects it; the desk
//! publishes and the public page, open in the browser, updates by itself.

use std::time::Duration;

use fantoccini::Locator;
use serde_json::json;

use crate::browser::browser;
use crate::helpers::{Backend, sample_pv_json, spawn_app};

async fn fill(b: &crate::browser::Browser, id: &str, value: &str) {
    let el = b
        .client
        .find(Locator::Id(id))
        .await
        .unwrap_or_else(|e| panic!("field #{id}: {e}"));
    el.clear().await.expect("clear");
    el.send_keys(value).await.expect("type");
}

async fn click(b: &crate::browser::Browser, css: &str) {
    b.client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .expect("click");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_president_corrects_a_slip_and_the_public_page_follows() {
    let Some(b) = browser("a_president_corrects_a_slip_and_the_public_page_follows").await else {
        return;
    };
    let app = spawn_app(Backend::Sqlite, "president_browser")
        .await
        .expect("sqlite");
    let id = app.define_sample().await;
    let (s, code) = app
        .post(
            &format!("/api/elections/{id}/bureaux/0001/code"),
            &json!({}),
        )
        .await;
    assert_eq!(s, 200, "{code}");
    let code = code["code"].as_str().expect("code").to_string();

    // Log in with the code.
    b.goto(&format!("{}/login", app.base)).await;
    fill(&b, "code", &code).await;
    click(&b, "form[action='/login/code'] button").await;
    b.wait_for_text("h1", "Bureau 1", Duration::from_secs(10))
        .await;

    // Type the PV with one vote too many for candidate 1.
    let (_, pv, _) = sample_pv_json(0, 8);
    for (field, v) in [
        ("inscrits", pv.inscrits),
        ("votants", pv.votants),
        ("blancs", pv.blancs),
        ("nuls", pv.nuls),
        ("exprimes", pv.exprimes),
    ] {
        fill(&b, field, &v.to_string()).await;
    }
    for v in &pv.voix {
        let typed = v.voix + i64::from(v.candidate == 1);
        fill(&b, &format!("voix-{}-", v.candidate), &typed.to_string()).await;
    }
    // The live sum already says it does not add up.
    b.wait_for_text(
        "p.live-sum[data-check='exprimes']",
        "≠ exprimés",
        Duration::from_secs(5),
    )
    .await;
    click(&b, "form.pv button[type='submit']").await;

    // The server refuses it and shows the violation next to the exprimés field.
    b.wait_for_text(
        ".form-error",
        "rien n'a été enregistré",
        Duration::from_secs(10),
    )
    .await;
    let next_to_field = b
        .execute(
            "var f = document.getElementById('exprimes').closest('.field');
             var m = f && f.querySelector('[data-rule=\"voix_sum_exprimes\"]');
             return m ? m.textContent : null;",
            vec![],
        )
        .await;
    assert!(
        next_to_field
            .as_str()
            .is_some_and(|t| t.contains("somme des voix")),
        "{next_to_field}"
    );
    assert_eq!(app.store.seq(&id).await.expect("seq"), 0, "nothing stored");

    // Correct the slip and send again.
    fill(&b, "voix-1-", &pv.voix_of(1).to_string()).await;
    b.wait_for_text(
        "p.live-sum[data-check='exprimes']",
        "= exprimés ✓",
        Duration::from_secs(5),
    )
    .await;
    click(&b, "form.pv button[type='submit']").await;
    b.wait_for_text(
        ".form-ok",
        "Procès-verbal enregistré (version 1)",
        Duration::from_secs(10),
    )
    .await;

    // The public page shows nothing until the desk publishes, then updates live.
    b.goto(&format!("{}/elections/{id}", app.base)).await;
    b.wait_for_text("[data-f='arrived']", "0", Duration::from_secs(5))
        .await;
    for action in ["validate", "publish"] {
        let (s, r) = app
            .post(
                &format!("/api/elections/{id}/bureaux/0001/{action}"),
                &json!({}),
            )
            .await;
        assert_eq!(s, 200, "{r}");
    }
    b.wait_for_text("[data-f='arrived']", "1", Duration::from_secs(10))
        .await;
    let votants = urne::pages::format::int(pv.votants as u64);
    b.wait_for_text("[data-f='votants']", &votants, Duration::from_secs(10))
        .await;
    b.close().await;
    app.running.shutdown().await;
}
