//! Fuzzes `election_data::seats`: every allocation method on arbitrary
//! lists, seats and exprimés must return (never panic, never loop for long)
//! and keep the invariants the pages rely on: `Σ seats + vacant + undecided`
//! is the number of seats, no list takes more seats than it has candidates,
//! a list under the threshold takes none, and a final allocation leaves no
//! seat undecided.

#![no_main]

use arbitrary::Arbitrary;
use election_data::seats::{
    AverageAge, ListInput, MAX_SEATS, Method, Outcome, Threshold, allocate,
};
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Arbitrary)]
struct FuzzList {
    id: u32,
    voix: u64,
    candidates: u32,
    average_age: Option<(u64, u32)>,
    ages: Vec<Option<u32>>,
}

#[derive(Debug, Arbitrary)]
struct FuzzInput {
    seats: u16,
    /// Exprimés beyond the voix of the lists (blank lists, say).
    extra: u16,
    /// Sometimes exprimés taken as is, to reach the input errors.
    raw_exprimes: Option<u64>,
    round: u8,
    threshold: (u64, u64),
    lists: Vec<FuzzList>,
}

fuzz_target!(|input: FuzzInput| {
    let lists: Vec<ListInput> = input
        .lists
        .iter()
        .take(64)
        .map(|l| ListInput {
            id: l.id,
            // Keep Σ voix in u64 most of the time; overflow cases come from raw_exprimes.
            voix: l.voix >> 8,
            candidates: l.candidates,
            average_age: l.average_age.map(|(total_days, candidates)| AverageAge {
                total_days,
                candidates,
            }),
            candidate_ages_days: l.ages.clone(),
        })
        .collect();
    let voix: u128 = lists.iter().map(|l| u128::from(l.voix)).sum();
    let exprimes = input
        .raw_exprimes
        .unwrap_or_else(|| u64::try_from(voix + u128::from(input.extra)).unwrap_or(u64::MAX));
    // Mostly council sizes; one run in eight up to just over MAX_SEATS, to
    // reach the refusal and the long loops.
    let seats = if input.seats >> 13 == 0b111 {
        u32::from(input.seats) % (MAX_SEATS + 50)
    } else {
        u32::from(input.seats % 128)
    };
    let threshold = Threshold {
        num: input.threshold.0,
        den: input.threshold.1,
    };
    let methods = [
        Method::HighestAverage { threshold },
        Method::LargestRemainder { threshold },
        Method::HighestAverage {
            threshold: Threshold::percent(5),
        },
        Method::LargestRemainder {
            threshold: Threshold::NONE,
        },
        Method::Municipal { round: input.round },
        Method::Municipal { round: 1 },
        Method::Municipal { round: 2 },
        Method::MunicipalUnder1000 { round: 1 },
        Method::MunicipalUnder1000 { round: 2 },
        Method::Communautaire { round: 1 },
        Method::Communautaire { round: 2 },
    ];
    for method in methods {
        let a = allocate(method, seats, exprimes, &lists);
        check(&a, method, seats, exprimes, &lists);
        // Messages are built for every outcome without panicking.
        let _ = a.outcome.message();
        for w in &a.warnings {
            let _ = w.message();
        }
    }
});

fn check(
    a: &election_data::seats::Allocation,
    method: Method,
    seats: u32,
    exprimes: u64,
    lists: &[ListInput],
) {
    let attributed: u64 = a.lists.iter().map(|l| u64::from(l.seats)).sum();
    assert_eq!(
        attributed + u64::from(a.vacant) + u64::from(a.undecided),
        u64::from(seats),
        "{method:?}: seats do not add up: {a:?}"
    );
    assert_eq!(a.total, seats);
    assert_eq!(a.lists.len(), lists.len());
    let t = method.threshold();
    for (out, l) in a.lists.iter().zip(lists) {
        assert_eq!(out.id, l.id);
        assert_eq!(out.seats, out.bonus + out.proportional, "{method:?}: {a:?}");
        assert!(out.seats <= l.candidates, "{method:?}: over the cap: {a:?}");
        if !out.eligible {
            assert_eq!(out.seats, 0, "{method:?}: ineligible list seated: {a:?}");
        }
        let under =
            u128::from(l.voix) * u128::from(t.den) < u128::from(exprimes) * u128::from(t.num);
        if under || l.voix == 0 {
            assert_eq!(
                out.seats, 0,
                "{method:?}: list under the threshold seated: {a:?}"
            );
        }
    }
    match &a.outcome {
        Outcome::Allocated => {
            assert_eq!((a.vacant, a.undecided), (0, 0));
            assert_eq!(attributed, u64::from(seats));
        }
        Outcome::Vacancies { vacant } => {
            assert_eq!((a.vacant, a.undecided), (*vacant, 0));
            assert!(*vacant > 0);
            for (out, l) in a.lists.iter().zip(lists) {
                assert!(!out.eligible || out.seats == l.candidates, "{a:?}");
            }
        }
        Outcome::NeedsAges { tied, missing, .. } => {
            assert!(tied.len() >= 2 && !missing.is_empty(), "{a:?}");
            assert!(missing.iter().all(|m| tied.contains(m)));
            assert!(a.undecided > 0 && a.vacant == 0, "{a:?}");
        }
        Outcome::Unbreakable { tied, .. } => {
            assert!(tied.len() >= 2, "{a:?}");
            assert!(a.undecided > 0 && a.vacant == 0, "{a:?}");
        }
        Outcome::SecondRoundNeeded
        | Outcome::NoExprimes
        | Outcome::NoListQualified { .. }
        | Outcome::Invalid(_) => {
            assert_eq!((attributed, a.undecided), (0, seats.into()), "{a:?}");
        }
    }
    if let Some(w) = a.winner {
        assert!(a.list(w).is_some_and(|l| l.eligible), "{a:?}");
    }
}
