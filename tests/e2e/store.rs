//! The store on both backends: atomic entries, version checks, audit chain, restore.

use election_data::fixtures::{sample_commune, sample_pv};
use election_data::tally::{BureauRecord, BureauState};
use serde_json::json;
use urne::live::BureauLive;
use urne::store::{Committed, EntryKind, NewEntry, Store, StoreError};

use crate::both_backends;
use crate::helpers::{Backend, fresh_database};

fn entered(pv: election_data::ProcesVerbal) -> BureauLive {
    let mut b = BureauLive::default();
    b.meta.state = BureauState::Entered;
    b.record = BureauRecord {
        pv: Some(pv),
        turnout: vec![],
    };
    b
}

fn answer(c: Committed) -> String {
    format!("v{}", c.version)
}

async fn versions_are_checked_and_entries_are_atomic(backend: Backend) {
    let Some(url) = fresh_database(backend, "versions_are_checked_and_entries_are_atomic").await
    else {
        return;
    };
    let store = Store::connect(&url).await.expect("connect");
    let e = sample_commune();
    store.create_election(&e, "test").await.expect("create");
    assert!(matches!(
        store.create_election(&e, "test").await,
        Err(StoreError::ElectionExists(_))
    ));
    let b = &e.bureaux[0];
    let bureau = entered(sample_pv(&e, b, 1));
    let old = BureauLive::default();
    let payload = json!({});
    let entry = |expected| NewEntry {
        election_id: &e.id,
        bureau_code: &b.code,
        expected_version: expected,
        bureau: &bureau,
        old: &old,
        kind: EntryKind::Pv,
        payload: &payload,
        author: "test",
        idempotency: None,
    };
    let (c1, body) = store.put_entry(entry(0), answer).await.expect("first");
    assert_eq!((c1.version, c1.seq, body.as_str()), (1, 1, "v1"));
    // Two writers that both read version 1: the second loses, nothing half-written.
    let (c2, _) = store.put_entry(entry(1), answer).await.expect("second");
    assert_eq!((c2.version, c2.seq), (2, 2));
    assert!(matches!(
        store.put_entry(entry(1), answer).await,
        Err(StoreError::Conflict { .. })
    ));
    assert!(matches!(
        store.put_entry(entry(0), answer).await,
        Err(StoreError::Conflict { .. })
    ));
    assert_eq!(store.seq(&e.id).await.expect("seq"), 2);
    assert_eq!(store.entry_count(&e.id, &b.code).await.expect("count"), 2);

    // Unknown election: refused before anything is written.
    let other = NewEntry {
        election_id: "nope",
        ..entry(0)
    };
    assert!(matches!(
        store.put_entry(other, answer).await,
        Err(StoreError::UnknownElection(_))
    ));
    // Every committed write is in the audit chain, which verifies.
    let report = store.verify_audit().await.expect("verify");
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(report.rows, 3); // election created + 2 entries

    // Restore sees exactly what was committed.
    store.close().await;
    let store = Store::connect(&url).await.expect("reconnect");
    let all = store.load_all().await.expect("load");
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].seq, 2);
    assert_eq!(all[0].bureaux.len(), 1);
    assert_eq!(all[0].bureaux[0].version, 2);
    assert_eq!(all[0].bureaux[0].record, bureau.record);
    assert_eq!(all[0].election, e);
}
both_backends!(versions_are_checked_and_entries_are_atomic);

async fn concurrent_writers_never_lose_an_update(backend: Backend) {
    let Some(url) = fresh_database(backend, "concurrent_writers_never_lose_an_update").await else {
        return;
    };
    let store = std::sync::Arc::new(Store::connect(&url).await.expect("connect"));
    let e = sample_commune();
    store.create_election(&e, "test").await.expect("create");
    // 8 tasks race to correct the same bureau from version 0: exactly one wins.
    let mut tasks = Vec::new();
    for i in 0..8u64 {
        let store = store.clone();
        let e = e.clone();
        tasks.push(tokio::spawn(async move {
            let b = &e.bureaux[0];
            let bureau = entered(sample_pv(&e, b, i));
            let old = BureauLive::default();
            let payload = json!({ "writer": i });
            store
                .put_entry(
                    NewEntry {
                        election_id: &e.id,
                        bureau_code: &b.code,
                        expected_version: 0,
                        bureau: &bureau,
                        old: &old,
                        kind: EntryKind::Pv,
                        payload: &payload,
                        author: "race",
                        idempotency: None,
                    },
                    answer,
                )
                .await
        }));
    }
    let mut won = 0;
    for t in tasks {
        match t.await.expect("join") {
            Ok(_) => won += 1,
            Err(StoreError::Conflict { .. }) => {}
            Err(other) => panic!("{other}"),
        }
    }
    assert_eq!(won, 1);
    assert_eq!(store.seq(&e.id).await.expect("seq"), 1);
    assert_eq!(
        store
            .entry_count(&e.id, &e.bureaux[0].code)
            .await
            .expect("count"),
        1
    );
    let report = store.verify_audit().await.expect("verify");
    assert!(report.is_intact(), "{report:?}");
}
both_backends!(concurrent_writers_never_lose_an_update);
