//! Delta frames on the live wire: how big one bureau's change is, and that
//! a reader applying the deltas (one by one or coalesced, in any grouping)
//! to its snapshot holds exactly the next snapshot.

use std::collections::BTreeMap;

use election_data::fixtures::{large_territory, sample_commune, sample_pv, sample_turnout};
use election_data::model::{CandidateVoix, Election};
use election_data::tally::BureauState;
use election_data::validate::Centaine;
use proptest::prelude::*;
use results_view::hub::{Frame, FrameKind, Topic, View, coalesce};
use results_view::live::{BureauLive, LiveElection};
use results_view::protocol::{Message, Snapshot, Trend};

/// What a night does to a bureau.
#[derive(Debug, Clone, Copy)]
enum Op {
    /// Turnout readings at the set hours.
    Turnout(u64),
    /// A PV entered, not yet published (nothing public changes).
    Enter(u64),
    /// A PV entered and published (a first arrival or a correction).
    Publish(u64),
    /// The published figures withdrawn.
    Unpublish,
    /// A centaine published as the early trend (seed: the one published).
    Trend(u64),
    /// The trend withdrawn by the desk.
    WithdrawTrend,
}

fn step(e: &Election, mut row: BureauLive, bureau: usize, op: Op) -> BureauLive {
    let b = &e.bureaux[bureau];
    row.meta.version += 1;
    match op {
        Op::Turnout(seed) => {
            let pv = sample_pv(e, b, seed);
            row.record.turnout = sample_turnout(e, &pv, seed);
        }
        Op::Enter(seed) => {
            row.meta.state = BureauState::Entered;
            row.record.pv = Some(sample_pv(e, b, seed));
        }
        Op::Publish(seed) => {
            let pv = sample_pv(e, b, seed);
            row.meta.state = BureauState::Published;
            row.record.pv = Some(pv.clone());
            row.published = Some(pv);
            // The result replaces the trend.
            row.trend = None;
        }
        Op::Unpublish => {
            row.meta.state = BureauState::Validated;
            row.published = None;
        }
        Op::Trend(seed) => {
            let at = 100 * (1 + (seed % 3) as i64);
            let c = centaine(e, at, seed);
            row.centaines = vec![c.clone()];
            row.trend = Some(c);
        }
        Op::WithdrawTrend => row.trend = None,
    }
    row
}

/// A running tally of `at` ballots spread over the candidates by `seed`.
fn centaine(e: &Election, at: i64, seed: u64) -> Centaine {
    let n = e.candidates.len() as i64;
    let mut left = at - 3;
    let voix = e
        .candidates
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let share = if i as i64 == n - 1 {
                left
            } else {
                ((seed as i64 + i as i64 * 7) % 13).min(left)
            };
            left -= share;
            CandidateVoix {
                candidate: c.number,
                voix: share,
            }
        })
        .collect();
    Centaine {
        at,
        blancs: 2,
        nuls: 1,
        voix,
    }
}

fn snapshot_of(frame: &Frame) -> Snapshot<'static> {
    match Message::decode(frame.text.as_str()) {
        Ok(Message::Snapshot(s)) => s,
        other => panic!("not a snapshot: {other:?}"),
    }
}

/// The figures of a snapshot (the public `version` is the desk's and moves
/// with entries the public does not see, without a frame), trends included.
type Figures = (
    i64,
    bool,
    Vec<(String, BureauState, String, Option<Trend>)>,
    String,
);

fn figures(s: &Snapshot<'_>) -> Figures {
    let bureaux = s
        .bureaux
        .iter()
        .map(|(k, b)| {
            (
                k.to_string(),
                b.state,
                serde_json::to_string(&b.tally).unwrap_or_default(),
                b.trend.clone(),
            )
        })
        .collect();
    (
        s.seq,
        s.embargo,
        bureaux,
        serde_json::to_string(&s.perimeters).unwrap_or_default(),
    )
}

/// Plays `ops` on a topic; returns the snapshot before, each change frame
/// and the snapshot after each change.
fn play(e: &Election, ops: &[(usize, Op)]) -> (Frame, Vec<(Frame, Frame)>) {
    let topic = Topic::new(LiveElection::new(e.clone()));
    let first = topic.snapshot(View::Public);
    let mut out = Vec::new();
    for (seq, (bureau, op)) in (1..).zip(ops) {
        let code = e.bureaux[*bureau].code.clone();
        let row = step(e, topic.read().bureau(&code), *bureau, *op);
        topic.publish(&code, row, seq);
        let frame = topic.ring(View::Public).pop().expect("a frame");
        out.push((frame, topic.snapshot(View::Public)));
    }
    (first, out)
}

#[test]
fn one_bureau_s_change_is_small() {
    let cases = [
        (
            "sample commune (34 bureaux, 12 candidates)",
            sample_commune(),
            700,
        ),
        ("200 bureaux, 20 candidates", large_territory(200, 20), 1200),
    ];
    for (name, e, limit) in cases {
        let ops: Vec<(usize, Op)> = (0..e.bureaux.len())
            .map(|i| (i, Op::Publish(i as u64)))
            .collect();
        let (first, frames) = play(&e, &ops);
        let sizes: Vec<usize> = frames.iter().map(|(f, _)| f.text.len()).collect();
        let max = sizes.iter().copied().max().unwrap_or(0);
        let mean = sizes.iter().sum::<usize>() / sizes.len().max(1);
        let deflated: Vec<usize> = frames
            .iter()
            .map(|(f, _)| f.deflated().map_or(f.text.len(), |d| d.len()))
            .collect();
        let dmax = deflated.iter().copied().max().unwrap_or(0);
        let last = frames.last().map_or(0, |(_, s)| s.text.len());
        eprintln!(
            "{name}: published PV frame max {max} B, mean {mean} B; deflated max {dmax} B; \
             snapshot empty {} B, complete {last} B (deflated {} B)",
            first.text.len(),
            frames
                .last()
                .and_then(|(_, s)| s.deflated().map(|d| d.len()))
                .unwrap_or(0)
        );
        assert!(max <= limit, "{name}: {max} > {limit}");
        // A turnout reading alone is smaller still.
        let (_, turnout) = play(&e, &[(0, Op::Turnout(1))]);
        let t = turnout[0].0.text.len();
        eprintln!("{name}: turnout frame {t} B");
        assert!(t < max);
    }
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0u64..50).prop_map(Op::Turnout),
        (0u64..50).prop_map(Op::Enter),
        (0u64..50).prop_map(Op::Publish),
        Just(Op::Unpublish),
        (0u64..50).prop_map(Op::Trend),
        Just(Op::WithdrawTrend),
    ]
}

fn night(e: &Election, ops: &[(usize, Op)], cuts: &[bool]) -> Result<(), TestCaseError> {
    let (first, frames) = play(e, ops);
    let mut held = snapshot_of(&first);
    let mut group: Vec<Frame> = Vec::new();
    for (i, (frame, after)) in frames.iter().enumerate() {
        prop_assert_eq!(frame.kind, FrameKind::Change);
        group.push(frame.clone());
        if !(cuts[i % cuts.len()] || i + 1 == frames.len()) {
            continue;
        }
        // The group as the hub coalesces it, or its single frame.
        let one = if group.len() > 1 {
            coalesce(&group).expect("consecutive changes coalesce")
        } else {
            group[0].clone()
        };
        prop_assert_eq!(one.seq, frame.seq);
        match Message::decode(one.text.as_str()) {
            Ok(Message::Delta(d)) => {
                prop_assert!(d.applies_at(held.seq), "{} after {}", d.from, held.seq);
                prop_assert_eq!(d.from, group[0].seq);
                held.apply(&d);
            }
            Ok(Message::Seq(s)) => {
                prop_assert_eq!(s.from.unwrap_or(s.seq), group[0].seq);
                held.seq = s.seq
            }
            other => prop_assert!(false, "unexpected frame {:?}", other),
        }
        prop_assert_eq!(figures(&held), figures(&snapshot_of(after)));
        group.clear();
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Whatever the changes and however they are coalesced, the snapshot
    /// with the deltas applied is the next snapshot.
    #[test]
    fn deltas_applied_to_the_snapshot_give_the_next_snapshot(
        ops in proptest::collection::vec((0usize..34, op()), 1..40),
        cuts in proptest::collection::vec(any::<bool>(), 1..40),
        embargo in any::<bool>(),
    ) {
        let mut e = sample_commune();
        e.embargo = embargo.then(|| "2999-01-01T00:00:00Z".to_string());
        night(&e, &ops, &cuts)?;
    }
}

#[test]
fn a_delta_leaves_out_what_did_not_change() {
    let e = sample_commune();
    let (_, frames) = play(&e, &[(0, Op::Publish(1)), (0, Op::Turnout(2))]);
    let Ok(Message::Delta(d)) = Message::decode(frames[1].0.text.as_str()) else {
        panic!("a delta");
    };
    // Turnout only: no counts, no voix, no names, no percentages.
    let b = &d.bureaux[&e.bureaux[0].code];
    assert!(b.tally.turnout.is_some());
    assert_eq!(
        (b.tally.counts.is_some(), b.tally.voix.is_some()),
        (false, false)
    );
    let text = frames[1].0.text.as_str();
    for absent in ["name", "colour", "rates", "pct", "hour"] {
        assert!(!text.contains(absent), "{absent} in {text}");
    }
    let perimeters: BTreeMap<_, _> = d.perimeters.into_iter().collect();
    assert_eq!(perimeters.len(), 3, "{text}");
}

#[test]
fn a_trend_reaches_the_public_and_the_result_replaces_it() {
    let e = sample_commune();
    let code = e.bureaux[2].code.clone();
    let (_, frames) = play(&e, &[(2, Op::Trend(4)), (2, Op::Publish(4))]);
    let Ok(Message::Delta(d)) = Message::decode(frames[0].0.text.as_str()) else {
        panic!("a delta for the trend");
    };
    let b = &d.bureaux[&code];
    assert_eq!(b.state, BureauState::NotArrived);
    assert_eq!(
        b.trend.as_ref().and_then(|t| t.as_ref()).map(|t| t.at),
        Some(200)
    );
    // Nothing of the results moved: no perimeter, no integer.
    assert!(d.perimeters.is_empty() && b.tally.is_empty(), "{:?}", d);
    let trend = |s: &Snapshot<'_>| s.bureaux.get(code.as_str()).and_then(|b| b.trend.clone());
    assert_eq!(trend(&snapshot_of(&frames[0].1)).map(|t| t.at), Some(200));
    // The result published: the trend goes, in the delta and the snapshot.
    let Ok(Message::Delta(d)) = Message::decode(frames[1].0.text.as_str()) else {
        panic!("a delta for the result");
    };
    assert_eq!(d.bureaux[&code].trend, Some(None));
    assert_eq!(trend(&snapshot_of(&frames[1].1)), None);
    // During an embargo the trend does not travel.
    let mut embargoed = e.clone();
    embargoed.embargo = Some("2999-01-01T00:00:00Z".into());
    let (first, frames) = play(&embargoed, &[(2, Op::Trend(4))]);
    assert!(!frames[0].0.text.as_str().contains("\"tr\""));
    assert_eq!(trend(&snapshot_of(&frames[0].1)), None);
    assert_eq!(trend(&snapshot_of(&first)), None);
}

#[test]
fn a_range_is_coalesced_once_for_every_subscriber() {
    let e = sample_commune();
    let topic = Topic::new(LiveElection::new(e.clone()));
    for (seq, i) in (1..).zip(0..4) {
        let code = e.bureaux[i].code.clone();
        let row = step(&e, topic.read().bureau(&code), i, Op::Publish(i as u64));
        topic.publish(&code, row, seq);
    }
    let ring = topic.ring(View::Public);
    let coalescer = topic.coalescer(View::Public);
    let a = coalescer.coalesce(&ring).expect("coalesced");
    let b = coalescer.coalesce(&ring).expect("coalesced");
    assert_eq!((a.from(), a.seq), (1, 4));
    // The same frame, hence the same compressed bytes, for both.
    let (da, db) = (
        a.deflated().expect("deflated"),
        b.deflated().expect("deflated"),
    );
    assert_eq!(da.as_ptr(), db.as_ptr());
    // One frame of four bureaux is smaller than the four frames.
    let four: usize = ring.iter().map(|f| f.text.len()).sum();
    assert!(a.text.len() < four, "{} vs {four}", a.text.len());
}
