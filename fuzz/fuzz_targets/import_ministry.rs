//! Fuzzes the ministry results importer (`election_data::formats::ministry`)
//! in every layout: on any bytes it must return (never panic); when it
//! accepts a file, the election is sound, every procès-verbal passes the
//! blocking rules, and encoding in the layout read then decoding again gives
//! the same results (the canonical form is a fixed point). The election is a
//! municipal one, so the list layouts' seat columns are exercised too.

#![no_main]

use election_data::ElectionKind;
use election_data::formats::ElectionHeader;
use election_data::formats::ministry::{Filter, MinistryImport, decode, decode_layout, encode_as};
use election_data::validate::check_pv;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let import = MinistryImport {
        header: ElectionHeader {
            id: "fuzz".into(),
            label: "Fuzz".into(),
            kind: ElectionKind::Municipales,
            round: 1,
            date: "2027-04-11".into(),
        },
        filter: Filter::default(),
    };
    let Ok((layout, results)) = decode_layout(data, &import, &mut |_, _| {}) else {
        return;
    };
    assert_eq!(results.election.check(), Ok(()));
    for b in &results.election.bureaux {
        let pv = results.pvs.get(&b.code).expect("every bureau has its PV");
        assert!(check_pv(&results.election, b, pv, None).errors.is_empty());
    }
    let bytes = encode_as(&results, layout);
    let again = decode(bytes.as_bytes(), &import, &mut |_, _| {}).expect("canonical form decodes");
    assert_eq!(again, results);
    assert_eq!(encode_as(&again, layout), bytes);
});
