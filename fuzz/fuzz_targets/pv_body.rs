//! Fuzzes the procès-verbal validator through the JSON body of
//! `PUT /api/elections/{id}/bureaux/{code}/pv`: arbitrary bytes are read as
//! the API reads them (serde_json, unknown fields refused), turned into the
//! submission the server builds, checked by `election_data::validate` and
//! entered with the domain transition `Dossier::enter` on the sample commune.
//!
//! The first byte picks the bureau, the actor and the dossier the entry
//! lands on (fresh, or already holding a sample PV, so corrections and
//! second entries are reached); the rest is the body. Nothing may panic,
//! and an accepted PV must satisfy the blocking rules: Σ voix = exprimés,
//! blancs + nuls + exprimés = votants, votants ≤ inscrits, no negative count,
//! every candidate exactly once.

#![no_main]

use std::sync::OnceLock;

use election_data::bureau::{Actor, Dossier, PvSubmission};
use election_data::model::{CandidateVoix, Election, ProcesVerbal, TurnoutReading};
use election_data::validate::{Centaine, check_pv};
use election_data::bureau::Role;
use libfuzzer_sys::fuzz_target;
use serde::Deserialize;

/// The API's body, as `server/src/ingest/mod.rs` (`PvEntry`) declares it:
/// same fields, same defaults, unknown fields refused. The server crate is
/// too heavy a dependency for the fuzz build, hence this copy; keep the two
/// in step.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct PvEntry {
    inscrits: i64,
    votants: i64,
    blancs: i64,
    nuls: i64,
    exprimes: i64,
    voix: Vec<CandidateVoix>,
    #[serde(default)]
    turnout: Vec<TurnoutReading>,
    #[serde(default)]
    confirm: bool,
    #[serde(default)]
    version: Option<i64>,
    #[serde(default = "first_entry")]
    entry: u8,
    #[serde(default)]
    centaines: Vec<Centaine>,
}

fn first_entry() -> u8 {
    1
}

fn elections() -> &'static [Election; 2] {
    static E: OnceLock<[Election; 2]> = OnceLock::new();
    E.get_or_init(|| {
        let commune = election_data::fixtures::sample_commune();
        let mut double = commune.clone();
        double.double_entry = true;
        [commune, double]
    })
}

fn assert_blocking_rules(election: &Election, pv: &ProcesVerbal) {
    let counts = [pv.inscrits, pv.votants, pv.blancs, pv.nuls, pv.exprimes];
    assert!(
        counts.iter().all(|&c| c >= 0),
        "negative count accepted: {pv:?}"
    );
    assert!(
        pv.voix.iter().all(|v| v.voix >= 0),
        "negative voix accepted: {pv:?}"
    );
    let voix: i128 = pv.voix.iter().map(|v| i128::from(v.voix)).sum();
    assert_eq!(voix, i128::from(pv.exprimes), "Σ voix ≠ exprimés: {pv:?}");
    assert_eq!(
        i128::from(pv.blancs) + i128::from(pv.nuls) + i128::from(pv.exprimes),
        i128::from(pv.votants),
        "blancs + nuls + exprimés ≠ votants: {pv:?}"
    );
    assert!(pv.votants <= pv.inscrits, "votants > inscrits: {pv:?}");
    for c in &election.candidates {
        assert_eq!(
            pv.voix.iter().filter(|v| v.candidate == c.number).count(),
            1,
            "candidate {} not exactly once: {pv:?}",
            c.number
        );
    }
    assert_eq!(
        pv.voix.len(),
        election.candidates.len(),
        "unknown candidate accepted: {pv:?}"
    );
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let Ok(entry) = serde_json::from_slice::<PvEntry>(body) else {
        return;
    };
    let election = &elections()[usize::from(selector & 1)];
    let bureau = &election.bureaux[usize::from(selector >> 3) % election.bureaux.len()];
    let actor = Actor {
        role: if selector & 2 == 0 {
            Role::Desk
        } else {
            Role::President
        },
        own: selector & 4 == 0,
    };
    // Half the time the bureau already holds a sample PV at version 1.
    let mut dossier = Dossier::default();
    if selector & 0x80 != 0 {
        let first = election_data::fixtures::sample_pv(election, bureau, u64::from(selector));
        let prepared = dossier.enter(
            election,
            bureau,
            Actor {
                role: Role::Desk,
                own: false,
            },
            PvSubmission {
                pv: first,
                confirm: true,
                version: None,
                entry: 1,
                centaines: None,
            },
        );
        if let Ok(t) = prepared {
            dossier = t.dossier.stamped(1, 1);
        }
    }

    let pv = ProcesVerbal {
        inscrits: entry.inscrits,
        votants: entry.votants,
        blancs: entry.blancs,
        nuls: entry.nuls,
        exprimes: entry.exprimes,
        voix: entry.voix,
        turnout: entry.turnout,
    };
    let report = check_pv(election, bureau, &pv, dossier.record.pv.as_ref());
    for v in report.errors.iter().chain(&report.warnings) {
        assert!(!v.field.is_empty() && !v.message.is_empty(), "{v:?}");
    }

    let input = PvSubmission {
        pv: pv.clone(),
        confirm: entry.confirm,
        version: entry.version,
        entry: entry.entry,
        centaines: Some(entry.centaines),
    };
    if let Ok(t) = dossier.enter(election, bureau, actor, input) {
        // Turnout readings are merged with the stored ones before the
        // check; every other blocking error must have refused the entry.
        let blocking: Vec<_> = report
            .errors
            .iter()
            .filter(|v| !v.field.starts_with("turnout"))
            .collect();
        assert!(blocking.is_empty(), "accepted despite {blocking:?}");
        let stored = if entry.entry == 2 {
            t.dossier.second.as_ref()
        } else {
            t.dossier.record.pv.as_ref()
        };
        let Some(stored) = stored else {
            panic!("accepted entry {} not stored", entry.entry);
        };
        assert_blocking_rules(election, stored);
        assert_eq!(stored.voix, pv.voix);
        // What the audit log records serialises.
        assert!(serde_json::to_string(&t.payload).is_ok());
    }
});
