//! Provisional seats on the public pages and the big screen (list elections).

use crate::helpers::{Backend, spawn_app};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provisional_seats_follow_each_published_bureau() {
    let app = spawn_app(Backend::Sqlite, "seats_pages")
        .await
        .expect("sqlite");
    let e = election_data::fixtures::sample_municipales();
    let (s, b) = app
        .post("/api/elections", &serde_json::to_value(&e).expect("json"))
        .await;
    assert_eq!(s, 201, "{b}");
    // Nothing published: no allocation shown.
    let commune = app.get_text(&format!("/elections/{}", e.id)).await.1;
    assert!(
        !commune.contains("Répartition"),
        "seats shown before any result"
    );

    let pv_of = |i: usize| election_data::fixtures::sample_pv(&e, &e.bureaux[i], i as u64);
    for i in 0..3 {
        let pv = serde_json::to_value(pv_of(i)).expect("json");
        app.enter_and_publish(&e.id, &e.bureaux[i].code, &pv).await;
    }
    let commune = app.get_text(&format!("/elections/{}", e.id)).await.1;
    assert!(
        commune.contains("Répartition provisoire des sièges"),
        "{commune}"
    );
    assert!(
        commune.contains("id=\"chart-seats\""),
        "the hemicycle is drawn"
    );
    let screen = app.get_text(&format!("/elections/{}/ecran", e.id)).await.1;
    assert!(screen.contains("Répartition provisoire des sièges"));
    assert!(screen.contains("seat-chip"));

    for i in 3..e.bureaux.len() {
        let pv = serde_json::to_value(pv_of(i)).expect("json");
        app.enter_and_publish(&e.id, &e.bureaux[i].code, &pv).await;
    }
    let commune = app.get_text(&format!("/elections/{}", e.id)).await.1;
    assert!(commune.contains("Répartition des sièges"));
    assert!(!commune.contains("Répartition provisoire des sièges"));
    // The table's seats add up to the council's 39, and the winner's
    // majority bonus (half of 39, rounded up) is shown.
    let live = app.running.state.hub.get(&e.id).expect("topic");
    let a = live
        .read()
        .provisional_seats(urne::store::now_millis())
        .expect("allocation")
        .council;
    assert_eq!(a.attributed(), 39);
    assert_eq!(a.lists.iter().map(|l| l.bonus).sum::<u32>(), 20);
    let seats_table = commune
        .split("seats-table")
        .nth(1)
        .expect("the seats table");
    for l in a.lists.iter().filter(|l| l.seats > 0) {
        assert!(
            seats_table.contains(&format!("<td class=\"num\">{}</td>", l.seats)),
            "{l:?}"
        );
    }
    app.running.shutdown().await;
}
