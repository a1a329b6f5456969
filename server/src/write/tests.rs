//! The write path against an in-memory SQLite store: no server, no AppState.

use election_data::bureau::Role;
use election_data::fixtures::{sample_commune, sample_pv};
use election_data::formats::ResultsFile;

use super::*;
use crate::auth::Via;
use crate::hub::Topic;
use crate::live::LiveElection;

/// A store in memory, one per test (named: the pool's connections share it).
async fn memory_store() -> Store {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let url = format!(
        "sqlite:file:urne-write-{}-{n}?mode=memory&cache=shared",
        std::process::id()
    );
    Store::connect(&url).await.expect("in-memory store")
}

async fn setup(election: &Election) -> (Store, Topic) {
    let store = memory_store().await;
    store
        .create_election(election, "test")
        .await
        .expect("create");
    (store, Topic::new(LiveElection::new(election.clone())))
}

fn principal(role: Role, bureaux: &[&str]) -> Principal {
    Principal {
        name: format!("{role:?}"),
        role,
        bureaux: bureaux.iter().map(|b| b.to_string()).collect(),
        election: None,
        via: Via::Token,
        grants: Vec::new(),
    }
}

fn pv_change(pv: election_data::ProcesVerbal) -> Change {
    Change::Pv(PvInput {
        pv,
        confirm: true,
        version: None,
        entry: 1,
        centaines: None,
    })
}

fn step(action: Action, version: Option<i64>) -> Change {
    Change::Step { action, version }
}

fn accepted(a: Answer) -> Accepted {
    match a {
        Answer::Accepted { accepted, body } => {
            let json: serde_json::Value = serde_json::from_str(&body).expect("json");
            assert_eq!(json["version"], accepted.version);
            *accepted
        }
        Answer::Replayed(body) => panic!("unexpected replay: {body}"),
    }
}

#[tokio::test]
async fn a_bureau_is_entered_validated_and_published_then_reloads_as_it_is_live() {
    let e = sample_commune();
    let (store, topic) = setup(&e).await;
    let desk = principal(Role::Desk, &[]);
    let b = &e.bureaux[0];
    let pv = sample_pv(&e, b, 2);
    let a = accepted(
        write(&store, &topic, &desk, &b.code, pv_change(pv.clone()), None)
            .await
            .expect("enter"),
    );
    assert_eq!((a.version, a.seq, a.state), (1, 1, BureauState::Entered));
    assert_eq!(a.results.counts.votants as i64, pv.votants);
    for (action, version) in [(Action::Validate, 2), (Action::Publish, 3)] {
        let a = accepted(
            write(
                &store,
                &topic,
                &desk,
                &b.code,
                step(action, Some(version - 1)),
                None,
            )
            .await
            .expect("step"),
        );
        assert_eq!(a.version, version);
    }
    let live = topic.read().bureau(&b.code);
    assert_eq!(live.meta.state, BureauState::Published);
    assert_eq!(live.published.as_ref(), Some(&pv));
    let stored = store.load_bureaux(&e.id).await.expect("load");
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].dossier, live, "the stored row is the live row");
    assert_eq!(store.seq(&e.id).await.expect("seq"), 3);
    assert_eq!(store.entry_count(&e.id, &b.code).await.expect("count"), 3);
    assert!(store.verify_audit().await.expect("audit").is_intact());
}

#[tokio::test]
async fn refusals_store_nothing() {
    let e = sample_commune();
    let (store, topic) = setup(&e).await;
    let b = &e.bureaux[0];
    let pv = sample_pv(&e, b, 1);
    let other = principal(Role::President, &["nope"]);
    let r = write(&store, &topic, &other, &b.code, pv_change(pv.clone()), None).await;
    assert!(matches!(r, Err(ApiError::Forbidden(_))), "{r:?}");
    let desk = principal(Role::Desk, &[]);
    let r = write(&store, &topic, &desk, "9999", pv_change(pv.clone()), None).await;
    assert!(matches!(r, Err(ApiError::NotFound(_))), "{r:?}");
    let r = write(
        &store,
        &topic,
        &desk,
        &b.code,
        step(Action::Publish, None),
        None,
    )
    .await;
    assert!(matches!(r, Err(ApiError::Refused(_))), "{r:?}");
    let mut broken = pv.clone();
    broken.exprimes += 1;
    let r = write(&store, &topic, &desk, &b.code, pv_change(broken), None).await;
    assert!(matches!(r, Err(ApiError::Violations { .. })), "{r:?}");
    let stale = Change::Pv(PvInput {
        version: Some(7),
        ..match pv_change(pv) {
            Change::Pv(i) => i,
            _ => unreachable!(),
        }
    });
    let r = write(&store, &topic, &desk, &b.code, stale, None).await;
    assert!(
        matches!(
            r,
            Err(ApiError::Conflict {
                current_version: 0,
                ..
            })
        ),
        "{r:?}"
    );
    assert_eq!(store.seq(&e.id).await.expect("seq"), 0);
    assert_eq!(topic.read().seq, 0);
}

#[tokio::test]
async fn an_idempotency_key_replays_its_answer_byte_for_byte() {
    let e = sample_commune();
    let (store, topic) = setup(&e).await;
    let desk = principal(Role::Desk, &[]);
    let b = &e.bureaux[0];
    let key = |hash: &str| IdemKey {
        key: "k1".into(),
        request_hash: hash.into(),
    };
    let change = || pv_change(sample_pv(&e, b, 4));
    let first = write(&store, &topic, &desk, &b.code, change(), Some(&key("h")))
        .await
        .expect("first")
        .into_body();
    let again = write(&store, &topic, &desk, &b.code, change(), Some(&key("h")))
        .await
        .expect("again");
    assert!(matches!(&again, Answer::Replayed(_)));
    assert_eq!(again.into_body(), first);
    assert_eq!(store.seq(&e.id).await.expect("seq"), 1);
    let reused = write(
        &store,
        &topic,
        &desk,
        &b.code,
        change(),
        Some(&key("other")),
    )
    .await;
    assert!(
        matches!(
            reused,
            Err(ApiError::BadRequest {
                code: "idempotency_key_reused",
                ..
            })
        ),
        "{reused:?}"
    );
}

#[tokio::test]
async fn the_ministry_import_goes_through_the_transitions_all_or_nothing() {
    let e = sample_commune();
    let pvs: std::collections::BTreeMap<_, _> = e
        .bureaux
        .iter()
        .take(3)
        .enumerate()
        .map(|(i, b)| (b.code.clone(), sample_pv(&e, b, i as u64)))
        .collect();
    let store = memory_store().await;
    let mut done = 0;
    import_published(
        &store,
        &ResultsFile::new(e.clone(), pvs.clone()),
        "cli",
        || done += 1,
    )
    .await
    .expect("import");
    assert_eq!(done, 3);
    let stored = store.load_bureaux(&e.id).await.expect("load");
    assert_eq!(stored.len(), 3);
    for s in &stored {
        assert_eq!(s.meta.state, BureauState::Published);
        assert_eq!(s.meta.version, 3, "entered, validated, published");
        assert_eq!(s.published.as_ref(), pvs.get(&s.code));
    }
    assert!(store.verify_audit().await.expect("audit").is_intact());

    // A bureau that breaks a rule: reported by code, nothing written.
    let mut broken = pvs;
    let mut e2 = e.clone();
    e2.id = "autre".into();
    if let Some(pv) = broken.values_mut().nth(1) {
        pv.votants += 1;
    }
    let err = import_published(&store, &ResultsFile::new(e2.clone(), broken), "cli", || {})
        .await
        .expect_err("refused");
    assert!(err.to_string().contains(&e.bureaux[1].code), "{err}");
    assert!(
        store
            .load_all()
            .await
            .expect("load")
            .iter()
            .all(|s| s.election.id != e2.id)
    );
}
