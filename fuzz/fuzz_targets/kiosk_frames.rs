//! Fuzzes the kiosk's frame decoder: arbitrary bytes, one WebSocket text
//! frame per line, are decoded with the typed protocol of `results-view`
//! (`Message::decode`, `Header::decode`) and applied in order with
//! `kiosk::mirror::Mirror::apply` to a mirror of the sample commune, which
//! is then turned back into the live state the kiosk's pages render
//! (`Mirror::to_live`). Nothing may panic; a decoded frame re-encoded must
//! decode to the same message, and its header must agree with it.

#![no_main]

use std::sync::OnceLock;

use election_data::model::Election;
use kiosk::mirror::{Applied, Mirror};
use libfuzzer_sys::fuzz_target;
use results_view::protocol::{Header, Kind, Message};

fn commune() -> &'static Election {
    static E: OnceLock<Election> = OnceLock::new();
    E.get_or_init(election_data::fixtures::sample_commune)
}

fn kind(m: &Message<'_>) -> Kind {
    match m {
        Message::Snapshot(_) => Kind::Snapshot,
        Message::Delta(_) => Kind::Delta,
        Message::Seq(_) => Kind::Seq,
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // `typed` follows the kiosk's own path (upstream.rs: `Message::decode`
    // then `apply_message`); `untyped` takes frames as JSON values
    // (`Mirror::apply`).
    let mut typed = Mirror::new(commune().clone());
    let mut untyped = Mirror::new(commune().clone());
    for frame in text.split('\n').take(16) {
        if let Ok(msg) = Message::decode(frame) {
            let encoded = msg.encode();
            let again = Message::decode(&encoded);
            assert_eq!(again.as_ref().ok(), Some(&msg), "{encoded}");
            let header = Header::decode(&encoded);
            assert_eq!(
                header.ok(),
                Some(Header {
                    kind: kind(&msg),
                    from: match &msg {
                        Message::Delta(d) => Some(d.from),
                        _ => None,
                    },
                    seq: msg.seq()
                }),
                "{encoded}"
            );
            let before = typed.seq;
            match typed.apply_message(&msg) {
                Applied::Advanced => assert_eq!(typed.seq, msg.seq()),
                Applied::Stale | Applied::Gap | Applied::Ignored => assert_eq!(typed.seq, before),
            }
        }
        if let Ok(value) = serde_json::from_str::<serde_json::Value>(frame) {
            let before = untyped.seq;
            if untyped.apply(&value) != Applied::Advanced {
                assert_eq!(untyped.seq, before);
            }
        }
    }
    // What the kiosk does with a mirror that moved: save it, and rebuild
    // the live state its pages render (only for the kiosk's own path; the
    // rebuild is the costly part of a run).
    if typed.seq >= 0 {
        let live = typed.to_live();
        assert_eq!(live.seq, typed.seq);
        if let Ok(bytes) = serde_json::to_vec(&typed) {
            let back: Result<Mirror, _> = serde_json::from_slice(&bytes);
            assert_eq!(back.ok().as_ref(), Some(&typed));
        }
    }
});
