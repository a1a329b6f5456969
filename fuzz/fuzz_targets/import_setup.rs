//! Fuzzes the setup CSV importers (`election_data::formats::setup`): on any
//! bytes the bureaux, electoral-roll and candidates decoders must return
//! (never panic), and every error they report must carry a reason; an
//! accepted roll must only name valid bureau codes.

#![no_main]

use election_data::formats::{is_code, setup};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match setup::decode_bureaux(data, "COMMUNE") {
        Ok(f) => {
            for b in &f.bureaux {
                assert!(is_code(&b.code));
                assert!(!b.name.is_empty());
            }
        }
        Err(e) => assert!(e.0.iter().all(|e| !e.message.is_empty())),
    }
    match setup::decode_roll(data, &mut |done, total| assert!(done <= total)) {
        Ok(roll) => assert!(roll.inscrits.keys().all(|c| is_code(c))),
        Err(e) => assert!(!e.0.is_empty()),
    }
    if let Ok(c) = setup::decode_candidates(data) {
        assert!(c.candidates.iter().all(|c| c.number >= 1));
    }
});
