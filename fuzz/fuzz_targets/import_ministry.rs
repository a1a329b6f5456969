//! Fuzzes the ministry results importer (`election_data::formats::ministry`):
//! on any bytes it must return (never panic); when it accepts a file, the
//! election is sound, every procès-verbal passes the blocking rules, and
//! encoding then decoding again gives the same results (the canonical form
//! is a fixed point).

#![no_main]

use election_data::ElectionKind;
use election_data::formats::ElectionHeader;
use election_data::formats::ministry::{MinistryImport, decode, encode};
use election_data::validate::check_pv;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let import = MinistryImport {
        header: ElectionHeader {
            id: "fuzz".into(),
            label: "Fuzz".into(),
            kind: ElectionKind::Presidentielle,
            round: 1,
            date: "2027-04-11".into(),
        },
        commune: None,
    };
    let Ok(results) = decode(data, &import, &mut |_, _| {}) else {
        return;
    };
    assert_eq!(results.election.check(), Ok(()));
    for b in &results.election.bureaux {
        let pv = results.pvs.get(&b.code).expect("every bureau has its PV");
        assert!(check_pv(&results.election, b, pv, None).errors.is_empty());
    }
    let bytes = encode(&results);
    let again = decode(&bytes, &import, &mut |_, _| {}).expect("canonical form decodes");
    assert_eq!(again, results);
    assert_eq!(encode(&again), bytes);
});
