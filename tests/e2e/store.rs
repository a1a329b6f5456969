//! The store on both backends: atomic entries, version checks, audit chain, restore.

use election_data::bureau::{Payload, Transition};
use election_data::fixtures::{sample_commune, sample_pv};
use election_data::tally::{BureauRecord, BureauState};
use urne::live::BureauLive;
use urne::store::{Committed, EntryKind, Store, StoreError};

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

/// One write of `bureau` over the row at version `expected`, committed on its
/// own transaction through the write path's repositories.
struct NewEntry<'a> {
    election_id: &'a str,
    bureau_code: &'a str,
    expected_version: i64,
    bureau: &'a BureauLive,
    author: &'a str,
}

impl NewEntry<'_> {
    async fn put(
        &self,
        store: &Store,
        answer: fn(Committed) -> String,
    ) -> Result<(Committed, String), StoreError> {
        let mut old = BureauLive::default();
        old.meta.version = self.expected_version;
        let t = Transition {
            dossier: self.bureau.clone(),
            kind: EntryKind::Pv,
            payload: Payload::Step { action: "test" },
            warnings: Vec::new(),
        };
        let (_guard, mut tx) = store.begin_write().await?;
        let (_, committed) = urne::write::record(
            &mut tx,
            self.election_id,
            self.bureau_code,
            &old,
            &t,
            self.author,
        )
        .await?;
        tx.commit().await?;
        Ok((committed, answer(committed)))
    }
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
    let entry = |expected| NewEntry {
        election_id: &e.id,
        bureau_code: &b.code,
        expected_version: expected,
        bureau: &bureau,
        author: "test",
    };
    let (c1, body) = entry(0).put(&store, answer).await.expect("first");
    assert_eq!((c1.version, c1.seq, body.as_str()), (1, 1, "v1"));
    // Two writers that both read version 1: the second loses, nothing half-written.
    let (c2, _) = entry(1).put(&store, answer).await.expect("second");
    assert_eq!((c2.version, c2.seq), (2, 2));
    assert!(matches!(
        entry(1).put(&store, answer).await,
        Err(StoreError::Conflict { .. })
    ));
    assert!(matches!(
        entry(0).put(&store, answer).await,
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
        other.put(&store, answer).await,
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
    assert_eq!(all[0].bureaux[0].meta.version, 2);
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
            NewEntry {
                election_id: &e.id,
                bureau_code: &b.code,
                expected_version: 0,
                bureau: &bureau,
                author: "race",
            }
            .put(&store, answer)
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
